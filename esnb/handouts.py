"""Workshop handouts: every notebook as HTML and PDF, in a student and an instructor edition.

    python -m esnb.handouts DIR            # both editions, HTML and PDF
    python -m esnb.handouts DIR --no-pdf   # HTML only

DIR/student/ holds each notebook without its solution cells; DIR/instructor/ shows the solutions,
marked as such. Each edition has an index.html linking the notebooks in course order, and one PDF
of them all. Handouts are made from the notebooks as saved, with their outputs: nothing is run.
Each edition's folder also holds its notebooks as .ipynb files, and DIR has each edition's notebooks
as one zip, to upload to a hub or a learning platform (esnb.handout_notebooks).

They work offline: nbconvert's scripts from CDNs are left out, and Mermaid diagrams are drawn to
inline SVG at build time (esnb.mermaid_render). A headless Chromium or Chrome found on the machine
(esnb.browser) draws the diagrams and prints the PDFs; without one, the HTML is still built.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from pypdf import PdfWriter

from esnb.browser import INSTALL_HINT, HeadlessBrowser, find_browser
from esnb.editions import instructor_edition, student_edition
from esnb.handout_notebooks import write_notebooks, zip_name
from esnb.mermaid_render import mermaid_sources, render_svgs, replace_mermaid

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
ASSETS = Path(__file__).parent / "assets"
EDITIONS: dict[str, Callable[[nbformat.NotebookNode], nbformat.NotebookNode]] = {
    "student": student_edition,
    "instructor": instructor_edition,
}
EDITION_TITLES = {"student": "Student edition", "instructor": "Instructor edition, with solutions"}
SHORT_CELL_LINES = 30  # a code cell and its outputs up to this long are printed on one page
NOTEBOOK_LINK = re.compile(r'href="(\d\d_[\w.-]+?)\.ipynb')
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
# IPython's lines between chained exceptions; a handout shows only the last exception of a chain.
CHAIN_SEPARATORS = ("The above exception was the direct cause", "During handling of the above exception")
LEFT_OUT = "\n(The exceptions that led to this one are left out of the handout: run the cell to see them.)\n"


@dataclass(frozen=True)
class Notebook:
    """A course notebook as saved, with the title and summary its first cell gives."""

    stem: str
    title: str
    summary: str
    content: nbformat.NotebookNode


@dataclass(frozen=True)
class Handout:
    """One notebook of one edition: its HTML page, and its PDF when a browser printed one."""

    title: str
    summary: str
    html: Path
    pdf: Path | None


def read_course(folder: Path) -> list[Notebook]:
    """The numbered notebooks of a folder, in course order."""
    notebooks = []
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        content = nbformat.read(path, as_version=4)
        first = content.cells[0].source if content.cells else ""
        heading = re.search(r"^# (.+)$", first, re.M)
        learn = re.search(r"^\*\*You will learn\*\*(.+)$", first, re.M)
        summary = MARKDOWN_LINK.sub(r"\1", learn[1]).replace("**", "").strip() if learn else ""
        notebooks.append(Notebook(path.stem, heading[1].strip() if heading else path.stem, summary, content))
    return notebooks


def css_string(text: str) -> str:
    """Text as a quoted CSS string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def last_exception(traceback: list[str]) -> list[str]:
    """A traceback from the last exception of its chain on, which says what went wrong and where."""
    cuts = [index for index, part in enumerate(traceback) if any(text in part for text in CHAIN_SEPARATORS)]
    return [LEFT_OUT, *traceback[cuts[-1] + 1:]] if cuts else traceback


def to_html(notebook: Notebook, edition: str, svgs: dict[str, str], exporter: HTMLExporter) -> str:
    """One edition of a notebook as a self-contained HTML page, with its diagrams drawn."""
    content = EDITIONS[edition](notebook.content)
    content.metadata["title"] = notebook.title
    placeholders = {
        source: f'<div class="esnb-diagram" data-diagram="{index}"></div>' for index, source in enumerate(svgs)
    }
    for cell in content.cells:
        if cell.cell_type == "markdown":
            cell.source = replace_mermaid(
                cell.source, {source: f"\n\n{div}\n\n" for source, div in placeholders.items()}
            )
        for output in cell.get("outputs", []):
            if output["output_type"] == "error":
                output["traceback"] = last_exception(output["traceback"])
    resources = {
        "metadata": {"name": notebook.stem},
        "esnb": {
            "css": (ASSETS / "handout" / "handout.css").read_text(encoding="utf-8"),
            "edition_title": EDITION_TITLES[edition],
            "short_cell_lines": SHORT_CELL_LINES,
            "running_title": css_string(notebook.title),
            "running_edition": css_string(f"esnb · {EDITION_TITLES[edition]}"),
        },
    }
    page, _ = exporter.from_notebook_node(content, resources=resources)
    for source, div in placeholders.items():
        page = page.replace(div, f'<div class="esnb-diagram">{svgs[source]}</div>')
    return NOTEBOOK_LINK.sub(r'href="\1.html', page)


def printed_lines(cell: nbformat.NotebookNode) -> int:
    """About how many lines a code cell and its outputs take on paper."""
    lines = cell.source.count("\n") + 1
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            lines += output["text"].count("\n") + 1
        elif output["output_type"] == "error":
            lines += sum(line.count("\n") + 1 for line in output["traceback"])
        else:
            data = output.get("data", {})
            lines += str(data.get("text/html", "")).count("<tr") or str(data.get("text/plain", "")).count("\n") + 1
    return lines


def html_exporter() -> HTMLExporter:
    return HTMLExporter(
        filters={"printed_lines": printed_lines},
        extra_template_basedirs=[str(ASSETS)],
        template_name="handout",
        template_file="handout.html.j2",
        theme="light",
        embed_images=True,
    )


def combine(handouts: list[Handout], target: Path) -> Path:
    """The handouts' PDFs as one PDF, with a bookmark per notebook."""
    writer = PdfWriter()
    for handout in handouts:
        assert handout.pdf is not None
        writer.append(str(handout.pdf), outline_item=handout.title)
    with target.open("wb") as out:
        writer.write(out)
    return target


def write_index(folder: Path, edition: str, handouts: list[Handout], combined: Path | None) -> Path:
    """The edition's index.html: its notebooks in course order, each as HTML and PDF."""
    items = []
    for handout in handouts:
        pdf = f' · <a href="{handout.pdf.name}">PDF</a>' if handout.pdf else ""
        items.append(
            f'<li><a href="{handout.html.name}">{html.escape(handout.title)}</a>{pdf}'
            f"<br><span>{html.escape(handout.summary)}</span></li>"
        )
    everything = f'<p>All notebooks in one file: <a href="{combined.name}">{combined.name}</a></p>' if combined else ""
    return write_page(
        folder / "index.html", f"esnb · {EDITION_TITLES[edition]}", f"{everything}<ol>{''.join(items)}</ol>"
    )


def write_page(path: Path, title: str, body: str) -> Path:
    """A small stand-alone HTML page."""
    style = (
        "body{font:16px/1.5 Arial,'Liberation Sans',Helvetica,sans-serif;"
        "max-width:44rem;margin:2rem auto;padding:0 1rem}"
        "li{margin:.6rem 0}li span{color:#57606a;font-size:.9rem}"
    )
    path.write_text(
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>\n",
        encoding="utf-8",
    )
    return path


def build(out_dir: Path, notebooks_dir: Path = NOTEBOOKS, pdf: bool = True) -> dict[str, list[Handout]]:
    """Both editions of every notebook in out_dir/EDITION/, with an index per edition and one overall."""
    out_dir = out_dir.resolve()  # the browser loads each page by its file URI, which must be absolute
    notebooks = read_course(notebooks_dir)
    write_notebooks(out_dir, notebooks_dir)
    executable = find_browser()
    if executable is None:
        print(f"esnb.handouts: no browser found, so HTML only, with diagrams as source: {INSTALL_HINT}",
              file=sys.stderr)
        return write_editions(out_dir, notebooks, None, pdf=False)
    with HeadlessBrowser(executable) as browser:
        return write_editions(out_dir, notebooks, browser, pdf)


def write_editions(
    out_dir: Path, notebooks: list[Notebook], browser: HeadlessBrowser | None, pdf: bool
) -> dict[str, list[Handout]]:
    """Each edition's pages, and with a browser their diagrams drawn and, if wanted, their PDFs."""
    sources = [source for notebook in notebooks for cell in notebook.content.cells
               if cell.cell_type == "markdown" for source in mermaid_sources(cell.source)]
    svgs = render_svgs(sources, browser) if browser else {}
    exporter = html_exporter()
    built: dict[str, list[Handout]] = {}
    for edition in EDITIONS:
        folder = out_dir / edition
        folder.mkdir(parents=True, exist_ok=True)
        handouts = []
        for notebook in notebooks:
            page = folder / f"{notebook.stem}.html"
            page.write_text(to_html(notebook, edition, svgs, exporter), encoding="utf-8")
            printed = None
            if browser and pdf:
                browser.load(page.as_uri())
                printed = browser.print_pdf(page.with_suffix(".pdf"))
            handouts.append(Handout(notebook.title, notebook.summary, page, printed))
        combined = combine(handouts, folder / f"esnb-{edition}.pdf") if browser and pdf and handouts else None
        write_index(folder, edition, handouts, combined)
        built[edition] = handouts
    links = "".join(f'<li><a href="{edition}/index.html">{EDITION_TITLES[edition]}</a></li>' for edition in built)
    links += "".join(f'<li><a href="{zip_name(edition)}">{EDITION_TITLES[edition]}: the notebooks, in one zip</a></li>'
                     for edition in built)
    write_page(out_dir / "index.html", "esnb · Event sourcing, notebook by notebook: handouts", f"<ul>{links}</ul>")
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m esnb.handouts", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, metavar="DIR", help="folder to write the handouts into")
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOKS, help="folder of the course notebooks")
    parser.add_argument("--no-pdf", dest="pdf", action="store_false", help="build the HTML only")
    options = parser.parse_args(argv)
    started = time.monotonic()
    built = build(options.out_dir, options.notebooks, options.pdf)
    count = sum(len(handouts) for handouts in built.values())
    print(f"{count} handouts in {len(built)} editions in {time.monotonic() - started:.0f} s: "
          f"{options.out_dir / 'index.html'}")
    print("notebooks to hand out: " + ", ".join(str(options.out_dir / zip_name(edition)) for edition in built))
    return 0


if __name__ == "__main__":
    sys.exit(main())
