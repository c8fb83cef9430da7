"""The two editions of a notebook: the student's, without solutions, and the instructor's, with them marked.

Cells are told apart by their tags: `exercise` (where the learner writes),
`check` (the self-check), and `solution` (the answer, hidden in JupyterLab).
A cell tagged `screen-only`, such as the hint on how to reveal a hidden solution,
makes sense only in JupyterLab and is left out of both printed editions.
"""

from __future__ import annotations

import copy

import nbformat

SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
CHECK_TAG = "check"
SCREEN_ONLY_TAG = "screen-only"


def tags(cell: nbformat.NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def student_edition(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the notebook with every solution cell left out."""
    student = copy.deepcopy(notebook)
    student.cells = [cell for cell in student.cells if SOLUTION_TAG not in tags(cell)]
    return student


def instructor_edition(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the notebook with every solution cell's input and outputs shown, not hidden,
    and no screen-only cell."""
    instructor = copy.deepcopy(notebook)
    instructor.cells = [cell for cell in instructor.cells if SCREEN_ONLY_TAG not in tags(cell)]
    for cell in instructor.cells:
        if SOLUTION_TAG in tags(cell):
            hidden = cell.metadata.get("jupyter", {})
            hidden.pop("source_hidden", None)
            hidden.pop("outputs_hidden", None)
    return instructor
