"""Every notebook after 00 has exercises, and its student edition runs top to bottom.

In the student edition, solution cells are left out. The only cells allowed to
fail are the ones tagged raises-exception (the "break it" cells, which fail in
both editions); every exercise check reports ✗ instead of raising. The student
notebooks run are the .ipynb files the handouts write (esnb.handout_notebooks),
each in the folder it was written to, as a learner would run them.
"""

from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from esnb.databases import database_url, scratch_database
from esnb.editions import CHECK_TAG, EXERCISE_TAG, SOLUTION_TAG, tags
from esnb.handout_notebooks import write_edition

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WITH_EXERCISES = [path for path in NOTEBOOKS if not path.name.startswith("00_")]


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def text_of(cell: nbformat.NotebookNode) -> str:
    return "".join(output.get("text", "") for output in cell.get("outputs", []) if output["output_type"] == "stream")


@pytest.mark.parametrize("path", WITH_EXERCISES, ids=lambda path: path.stem)
def test_notebook_has_complete_exercises(path: Path):
    cells = read(path).cells
    exercises = [cell for cell in cells if EXERCISE_TAG in tags(cell)]
    checks = [cell for cell in cells if CHECK_TAG in tags(cell)]
    solutions = [cell for cell in cells if SOLUTION_TAG in tags(cell)]
    assert 1 <= len(exercises) <= 3
    assert len(checks) == len(exercises)
    assert solutions, "every exercise needs a solution cell"
    for cell in exercises:
        assert 'NotImplementedError("your code here")' in cell.source
    for cell in checks:
        assert "esnb.exercises" in cell.source or "check_" in cell.source
        assert text_of(cell).startswith("✗"), "the saved check output is the placeholder's verdict"
    for cell in (cell for cell in solutions if cell.cell_type == "code"):
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, "solutions are hidden in JupyterLab"
    solution_verdicts = [
        line
        for cell in solutions
        if cell.cell_type == "code"
        for line in text_of(cell).splitlines()
        if line[:1] in "✓✗"
    ]
    assert len(solution_verdicts) == len(checks) and all(line.startswith("✓") for line in solution_verdicts)


@pytest.fixture(scope="module")
def student_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The student notebooks as the handouts write them, in a folder of their own."""
    folder = tmp_path_factory.mktemp("student")
    write_edition("student", NOTEBOOKS[0].parent, folder)
    return folder


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_student_edition_runs_with_only_exercise_checks_failing(path: Path, student_folder: Path, monkeypatch,
                                                                tmp_path: Path):
    handed_out = student_folder / path.name
    student = read(handed_out)
    assert not any(SOLUTION_TAG in tags(cell) for cell in student.cells)
    with scratch_database(database_url()) as url:
        monkeypatch.setenv("ESNB_DATABASE_URL", url)
        # IPC sockets, not TCP ports: parallel kernels cannot race for the same port.
        kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(tmp_path / "kernel"))
        NotebookClient(student, km=kernel, timeout=120, allow_errors=True,
                       resources={"metadata": {"path": str(student_folder)}}).execute()
    for index, cell in enumerate(student.cells):
        if cell.cell_type != "code":
            continue
        errors = [output for output in cell.outputs if output["output_type"] == "error"]
        if "raises-exception" in tags(cell):
            assert errors, f"cell {index} should fail on purpose"
        else:
            assert not errors, (
                f"cell {index} failed in the student edition: {errors[0]['ename']}: {errors[0]['evalue']}"
            )
        if CHECK_TAG in tags(cell):
            assert text_of(cell).startswith("✗"), f"check in cell {index} should report the unsolved exercise"
