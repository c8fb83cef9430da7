"""esnb.sync: the package's course modules are saved from the notebooks' `#@save` cells."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from esnb.sync import differences, main, render_modules

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def dirs(tmp_path):
    """Copies of notebooks/ and esnb/course/ that the tests may change."""
    notebooks = tmp_path / "notebooks"
    target = tmp_path / "course"
    shutil.copytree(ROOT / "notebooks", notebooks)
    shutil.copytree(ROOT / "esnb" / "course", target, ignore=shutil.ignore_patterns("__pycache__"))
    return notebooks, target


def options(dirs, *extra):
    notebooks, target = dirs
    return [*extra, "--notebooks", str(notebooks), "--target", str(target)]


def edit_notebook(path, change):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    change(notebook["cells"])
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")


def append_to_saved_cell(path, module, line):
    """Add a line to the first cell of the notebook marked `#@save module`."""

    def change(cells):
        for cell in cells:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and source.startswith(f"#@save {module}\n"):
                cell["source"] = source.rstrip("\n") + "\n" + line + "\n"
                return
        raise AssertionError(f"{path.name} has no cell marked #@save {module}")

    edit_notebook(path, change)


def add_cells(path, *cells):
    def change(existing):
        for cell_type, source in cells:
            cell = {"cell_type": cell_type, "metadata": {}, "source": source}
            if cell_type == "code":
                cell.update(execution_count=None, outputs=[])
            existing.append(cell)

    edit_notebook(path, change)


def test_the_copies_match_at_first(dirs):
    notebooks, target = dirs
    assert differences(notebooks, target) == []
    assert set(render_modules(notebooks)) == {path.name for path in target.glob("*.py")}


def test_check_reports_an_edited_cell_and_writing_fixes_it(dirs, capsys):
    notebooks, target = dirs
    before = (target / "events.py").read_text(encoding="utf-8")
    append_to_saved_cell(notebooks / "01_domain_events.ipynb", "events", "EDITED = True")

    assert main(options(dirs, "--check")) == 1
    out = capsys.readouterr().out
    assert "esnb/course/events.py differs from its notebooks" in out
    assert "+EDITED = True" in out
    assert "pubsub.py" not in out
    assert (target / "events.py").read_text(encoding="utf-8") == before  # --check only compares

    assert main(options(dirs)) == 0
    assert "updated: events.py" in capsys.readouterr().out
    assert "\nEDITED = True\n" in (target / "events.py").read_text(encoding="utf-8")

    assert main(options(dirs, "--check")) == 0
    assert "esnb/course matches the notebooks." in capsys.readouterr().out
    assert main(options(dirs)) == 0
    assert "already matched" in capsys.readouterr().out


def test_a_stray_module_is_reported_then_removed(dirs, capsys):
    notebooks, target = dirs
    (target / "stray.py").write_text("LEFT_OVER = 1\n", encoding="utf-8")

    assert main(options(dirs, "--check")) == 1
    assert "esnb/course/stray.py has no #@save cells in any notebook" in capsys.readouterr().out
    assert (target / "stray.py").exists()

    assert main(options(dirs)) == 0
    assert "updated: stray.py" in capsys.readouterr().out
    assert not (target / "stray.py").exists()
    assert differences(notebooks, target) == []


def test_a_missing_module_is_reported_then_written(dirs, capsys):
    notebooks, target = dirs
    expected = (target / "pubsub.py").read_text(encoding="utf-8")
    (target / "pubsub.py").unlink()

    assert main(options(dirs, "--check")) == 1
    assert "esnb/course/pubsub.py is missing" in capsys.readouterr().out

    assert main(options(dirs)) == 0
    assert (target / "pubsub.py").read_text(encoding="utf-8") == expected


def test_cells_without_the_marker_on_their_first_line_are_ignored(dirs):
    notebooks, target = dirs
    add_cells(
        notebooks / "01_domain_events.ipynb",
        ("code", "# just trying things out\nUNSAVED = 1\n"),
        ("code", "print('first')\n#@save events\nNOT_SAVED = 2\n"),
        ("code", "#@save Events\nWRONG_CASE = 3\n"),
        ("code", "#@save events please\nEXTRA_WORDS = 4\n"),
        ("markdown", "#@save events\nIN_MARKDOWN = 5\n"),
    )
    assert differences(notebooks, target) == []


def test_a_marker_for_a_new_module_creates_it(dirs, capsys):
    notebooks, target = dirs
    add_cells(notebooks / "02_publish_subscribe.ipynb", ("code", "#@save extra\nVALUE = 1\n"))

    assert main(options(dirs, "--check")) == 1
    assert "esnb/course/extra.py is missing" in capsys.readouterr().out

    assert main(options(dirs)) == 0
    text = (target / "extra.py").read_text(encoding="utf-8")
    assert "from notebooks/02_publish_subscribe.ipynb." in text
    assert "`#@save extra`" in text
    assert text.endswith("\n\nVALUE = 1\n")


def test_cells_of_one_module_are_joined_in_course_order(dirs):
    notebooks, _ = dirs
    add_cells(notebooks / "02_publish_subscribe.ipynb", ("code", "#@save ordered\nSECOND = 2\n"))
    add_cells(notebooks / "01_domain_events.ipynb", ("code", "#@save ordered\nFIRST = 1\n"))
    text = render_modules(notebooks)["ordered.py"]
    assert text.endswith("\nFIRST = 1\n\n\nSECOND = 2\n")
    assert "notebooks/01_domain_events.ipynb, notebooks/02_publish_subscribe.ipynb" in text


def test_the_package_matches_the_notebooks():
    result = subprocess.run(
        [sys.executable, "-m", "esnb.sync", "--check"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
