"""The handouts: both editions as HTML and PDF, no solutions for students, nothing from the network, diagrams drawn.

The course is built once into a temporary folder. Tests of PDFs and drawn diagrams need a Chromium or
Chrome; without one they are skipped with a reason that names the package to install.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import nbformat
import pytest
from pypdf import PdfReader

from esnb import mermaid_render
from esnb.browser import INSTALL_HINT, find_browser
from esnb.editions import SCREEN_ONLY_TAG, SOLUTION_TAG, student_edition, tags
from esnb.handout_notebooks import ZIP_FOLDERS, write_edition, zip_name
from esnb.handouts import EDITIONS, NOTEBOOKS, build, last_exception, read_course
from esnb.mermaid_render import MERMAID_JS, MERMAID_VERSION, mermaid_sources

COURSE = read_course(NOTEBOOKS)
pytestmark = pytest.mark.slow
STEMS = [notebook.stem for notebook in COURSE]
needs_browser = pytest.mark.skipif(
    find_browser() is None, reason=f"needs a browser for PDFs and diagrams: {INSTALL_HINT}"
)


@pytest.fixture(scope="module")
def handouts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("handouts")
    build(out)
    return out


class Page(HTMLParser):
    """What a browser would fetch for an HTML page, and the text it would show."""

    LOADS: ClassVar[dict[str, str]] = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src",
             "video": "src", "audio": "src", "embed": "src", "object": "data", "use": "href", "image": "href"}

    def __init__(self, source: str) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._in: list[str] = []
        self.feed(source)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self.LOADS and values.get(self.LOADS[tag]):
            self.loads.append(values[self.LOADS[tag]] or "")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if values.get("style"):
            self.styles.append(values["style"] or "")
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "style":
            self.styles.append(data)
        elif not self._in or self._in[-1] != "script":
            self.text.append(data)


def page(path: Path) -> Page:
    return Page(path.read_text(encoding="utf-8"))


def compact(text: str) -> str:
    """Text without its white space: PDF text runs some words together and splits others."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("edition", EDITIONS)
def test_each_edition_has_every_notebook_as_html_with_an_index_in_course_order(handouts: Path, edition: str):
    folder = handouts / edition
    for stem in STEMS:
        assert (folder / f"{stem}.html").stat().st_size > 0
    linked = [link for link in page(folder / "index.html").links if link.endswith(".html")]
    assert linked == [f"{stem}.html" for stem in STEMS]
    assert f"{edition}/index.html" in page(handouts / "index.html").links


@needs_browser
@pytest.mark.parametrize("edition", EDITIONS)
def test_each_edition_has_every_notebook_as_pdf_with_its_title_on_its_pages(handouts: Path, edition: str):
    folder = handouts / edition
    total = 0
    for notebook in COURSE:
        pdf = folder / f"{notebook.stem}.pdf"
        assert pdf.read_bytes()[:5] == b"%PDF-"
        sheets = PdfReader(pdf).pages
        assert len(sheets) > 0, f"{pdf.name} has no pages"
        for number in sorted({0, len(sheets) - 1}):
            assert notebook.title in sheets[number].extract_text(), f"page {number + 1} of {pdf.name} lacks its title"
        total += len(sheets)
    combined = folder / f"esnb-{edition}.pdf"
    assert combined.read_bytes()[:5] == b"%PDF-"
    assert len(PdfReader(combined).pages) == total


def solution_lines(notebook: nbformat.NotebookNode) -> set[str]:
    """The lines of the solution cells that belong on paper."""
    return {line.strip() for cell in notebook.cells if SOLUTION_TAG in tags(cell) and SCREEN_ONLY_TAG not in tags(cell)
            for line in cell.source.splitlines() if line.strip()}


def shown_text(notebook: nbformat.NotebookNode) -> str:
    """Everything a notebook's cells hold: sources and outputs."""
    parts = []
    for cell in notebook.cells:
        parts.append(cell.source)
        for output in cell.get("outputs", []):
            parts += [output.get("text", ""), *output.get("traceback", []), *map(str, output.get("data", {}).values())]
    return "\n".join(parts)


def test_the_student_edition_holds_no_solution_code_and_the_instructor_edition_all_of_it(handouts: Path):
    assert any(solution_lines(notebook.content) for notebook in COURSE), "the course has no solution cells to check"
    for notebook in COURSE:
        lines = solution_lines(notebook.content)
        student = "".join(page(handouts / "student" / f"{notebook.stem}.html").text)
        instructor = "".join(page(handouts / "instructor" / f"{notebook.stem}.html").text)
        elsewhere = shown_text(student_edition(notebook.content))
        leaked = [line for line in lines if line in student and line not in elsewhere]
        assert not leaked, f"solution code in student/{notebook.stem}.html: {leaked[:3]}"
        missing = [line for line in lines if line not in instructor]
        assert not missing, f"solution code missing from instructor/{notebook.stem}.html: {missing[:3]}"


def test_the_instructor_edition_marks_every_solution_and_the_student_edition_none(handouts: Path):
    for notebook in COURSE:
        solutions = sum(SOLUTION_TAG in tags(cell) and cell.cell_type == "code" for cell in notebook.content.cells)
        instructor = (handouts / "instructor" / f"{notebook.stem}.html").read_text(encoding="utf-8")
        student = (handouts / "student" / f"{notebook.stem}.html").read_text(encoding="utf-8")
        assert instructor.count('<div class="esnb-label esnb-label-solution">Solution</div>') == solutions
        assert not re.search(r'class="[^"]*(esnb-label-solution|celltag_solution)', student)


def test_no_edition_prints_a_screen_only_cell(handouts: Path):
    """Such as the hint to click the dots to show a hidden solution, which means nothing on paper."""
    screen_only = [(notebook.stem, cell.source) for notebook in COURSE for cell in notebook.content.cells
                   if SCREEN_ONLY_TAG in tags(cell)]
    assert screen_only, "the course has no screen-only cells to check"
    for stem, source in screen_only:
        for edition in EDITIONS:
            text = compact("".join(page(handouts / edition / f"{stem}.html").text))
            assert compact(source) not in text, f"{edition}/{stem}.html prints {source!r}"


def test_no_page_loads_anything_from_the_network(handouts: Path):
    remote = re.compile(r"^\s*(https?:)?//", re.I)
    css_remote = re.compile(r"@import|url\(\s*['\"]?\s*(https?:)?//", re.I)
    pages = sorted(handouts.rglob("*.html"))
    assert len(pages) == len(EDITIONS) * (len(STEMS) + 1) + 1
    for path in pages:
        parsed = page(path)
        assert not [load for load in parsed.loads if remote.match(load)], f"{path.name} loads from the network"
        assert not [style for style in parsed.styles if css_remote.search(style)], f"{path.name} imports styles"


def diagram_words(svg: str) -> set[str]:
    """The words a drawn diagram shows."""
    shown = re.sub(r"<style>.*?</style>", "", svg, flags=re.S)
    return set(re.findall(r"[A-Za-z]{4,}", " ".join(re.findall(r">([^<]+)<", shown))))


def drawn_in(pdf: Path, words: set[str], syntax: str) -> bool:
    """Whether some page of the PDF shows all of a diagram's words and not its Mermaid source."""
    for sheet in PdfReader(pdf).pages:
        text = compact(sheet.extract_text())
        assert syntax not in text, f"{pdf.name} shows Mermaid source"
        if all(word in text for word in words):
            return True
    return False


@needs_browser
def test_mermaid_diagrams_are_drawn_as_svg_in_html_and_pdf(handouts: Path):
    drawn = 0
    for notebook in COURSE:
        sources = [source for cell in notebook.content.cells if cell.cell_type == "markdown"
                   for source in mermaid_sources(cell.source)]
        for edition in EDITIONS:
            html_page = (handouts / edition / f"{notebook.stem}.html").read_text(encoding="utf-8")
            assert "```mermaid" not in html_page and 'class="mermaid"' not in html_page
            svgs = re.findall(r'<div class="esnb-diagram">(<svg id="esnb-mermaid-\d+".*?</svg>)</div>', html_page, re.S)
            assert len(svgs) == len(sources), f"{edition}/{notebook.stem}.html"
            for svg, source in zip(svgs, sources, strict=True):
                words = diagram_words(svg)
                assert words, f"a diagram in {edition}/{notebook.stem}.html shows no text"
                assert drawn_in(handouts / edition / f"{notebook.stem}.pdf", words, compact(source.splitlines()[0]))
            drawn += len(svgs)
    assert drawn, "the course draws no Mermaid diagram"


def test_without_a_browser_the_html_is_built_and_one_line_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ESNB_BROWSER", "no-such-browser")
    course = tmp_path / "notebooks"
    course.mkdir()
    shutil.copy(NOTEBOOKS / "00_welcome.ipynb", course)
    built = build(tmp_path / "out", course)
    message = capsys.readouterr().err.strip().splitlines()
    assert len(message) == 1 and "apt-get install chromium" in message[0]
    for handouts in built.values():
        assert [handout.pdf for handout in handouts] == [None]
        assert handouts[0].html.exists()
    assert not list((tmp_path / "out").rglob("*.pdf"))


def test_a_handout_shows_the_last_exception_of_a_chain():
    chained = ["---", "IntegrityError  Traceback", "frame deep in SQLAlchemy", "IntegrityError: UNIQUE",
               "\nThe above exception was the direct cause of the following exception:\n",
               "ConcurrencyError  Traceback", "Cell In[18], line 1", "ConcurrencyError: position 2 is taken"]
    shown = last_exception(chained)
    assert shown[1:] == chained[5:] and "left out" in shown[0]
    assert last_exception(chained[:4]) == chained[:4]


def test_the_vendored_mermaid_is_the_version_the_docstring_names():
    assert f'"{MERMAID_VERSION}"' in MERMAID_JS.read_text(encoding="utf-8")
    assert MERMAID_VERSION in mermaid_render.__doc__


# The notebooks to hand out


def test_the_instructor_notebooks_are_the_course_notebooks_byte_for_byte(handouts: Path):
    for stem in STEMS:
        assert (handouts / "instructor" / f"{stem}.ipynb").read_bytes() == (NOTEBOOKS / f"{stem}.ipynb").read_bytes()


def test_the_student_notebooks_have_no_solution_and_no_output_from_one(handouts: Path):
    for stem in STEMS:
        # The instructor's copy, from the same build, is the course notebook as the student's was made from it.
        course = nbformat.read(handouts / "instructor" / f"{stem}.ipynb", as_version=4)
        student = nbformat.read(handouts / "student" / f"{stem}.ipynb", as_version=4)
        nbformat.validate(student)
        assert not [cell for cell in student.cells if SOLUTION_TAG in tags(cell)], stem
        kept = [cell for cell in course.cells if SOLUTION_TAG not in tags(cell)]
        assert [(cell.cell_type, cell.source) for cell in student.cells] == [
            (cell.cell_type, cell.source) for cell in kept], f"{stem}: a cell that is no solution went"
        assert [cell.get("outputs") for cell in student.cells] == [cell.get("outputs") for cell in kept]
        printed = {line for cell in student.cells for output in cell.get("outputs", [])
                   for line in output.get("text", "").splitlines()}
        verdicts = {line for cell in course.cells if SOLUTION_TAG in tags(cell)
                    for output in cell.get("outputs", []) for line in output.get("text", "").splitlines()
                    if line.startswith("✓")}
        assert not verdicts & printed, f"{stem}: a solution's output is in the student notebook"


@pytest.mark.parametrize("edition", EDITIONS)
def test_each_edition_is_one_zip_of_its_notebooks_in_a_folder_linked_from_the_index(handouts: Path, edition: str):
    with zipfile.ZipFile(handouts / zip_name(edition)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == [f"{ZIP_FOLDERS[edition]}/{stem}.ipynb" for stem in STEMS]
        for stem in STEMS:
            packed = archive.read(f"{ZIP_FOLDERS[edition]}/{stem}.ipynb")
            assert packed == (handouts / edition / f"{stem}.ipynb").read_bytes()
    assert zip_name(edition) in page(handouts / "index.html").links


def test_an_unknown_edition_or_a_folder_without_notebooks_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="no edition 'teacher'"):
        write_edition("teacher", NOTEBOOKS, tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="no course notebooks"):
        write_edition("student", tmp_path, tmp_path / "out")
