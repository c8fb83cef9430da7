"""Every notebook keeps the course's shape: what you will learn, the minutes, what it builds on; two exercises,
each with a check and a hidden solution; the "meant to fail" sentence right above each failing cell; one clean
top-to-bottom run; a summary and a link to the next notebook."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LESSONS = [path for path in NOTEBOOKS if not path.name.startswith("00_")]


def cells(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text())["cells"])


def text(cell: dict[str, Any]) -> str:
    return "".join(cell["source"])


def tags(cell: dict[str, Any]) -> list[str]:
    return list(cell["metadata"].get("tags", []))


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_a_notebook_opens_with_what_you_learn_the_minutes_and_what_it_builds_on(path: Path) -> None:
    opening = text(cells(path)[0])
    assert "**You will learn**" in opening
    assert re.search(r"\*\*Time:\*\* about \d+ minutes", opening), opening
    assert "**Builds on:**" in opening


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_a_notebook_has_two_exercises_each_with_a_check_and_a_hidden_solution(path: Path) -> None:
    notebook = cells(path)
    titles = [text(cell).splitlines()[0] for cell in notebook
              if cell["cell_type"] == "markdown" and text(cell).startswith("## Exercise")]
    assert len(titles) == 2, titles
    kinds = [tags(cell)[0] for cell in notebook
             if cell["cell_type"] == "code" and tags(cell) and tags(cell)[0] in ("exercise", "check", "solution")]
    assert kinds == ["exercise", "check", "solution"] * 2, kinds


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_the_meant_to_fail_sentence_stands_right_above_each_failing_cell(path: Path) -> None:
    notebook = cells(path)
    for number, cell in enumerate(notebook):
        if "raises-exception" in tags(cell):
            above = notebook[number - 1]
            assert above["cell_type"] == "markdown" and "meant to fail" in text(above), (
                f"cell {number} fails on purpose, but the cell above it does not say so: {text(above)[:200]!r}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_only_cells_meant_to_fail_are_saved_with_an_error_and_counts_run_1_2_3(path: Path) -> None:
    code = [cell for cell in cells(path) if cell["cell_type"] == "code"]
    assert [cell["execution_count"] for cell in code] == list(range(1, len(code) + 1))
    for number, cell in enumerate(code, 1):
        failed = any(output["output_type"] == "error" for output in cell["outputs"])
        assert failed == ("raises-exception" in tags(cell)), f"code cell {number}"


@pytest.mark.parametrize("path", LESSONS, ids=lambda path: path.stem)
def test_a_notebook_ends_with_a_summary_and_what_comes_next(path: Path) -> None:
    ending = text(cells(path)[-1])
    assert ending.startswith("## Summary"), ending[:80]
    links = re.findall(r"\]\(([0-9][0-9]_\w+\.ipynb)\)", ending.split("**Next:**")[-1]) if "**Next:**" in ending else []
    if path == NOTEBOOKS[-1]:
        assert "back to" not in ending.lower() and "next" in ending.lower(), "the last notebook says what to build next"
    else:
        assert links and all((path.parent / link).exists() for link in links), ending[-200:]
        assert links[0] == NOTEBOOKS[NOTEBOOKS.index(path) + 1].name
