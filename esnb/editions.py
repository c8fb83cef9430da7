"""The two editions of a notebook: the student's, without solutions, and the instructor's, with them marked.

Cells are told apart by their tags: `exercise` (where the learner writes),
`check` (the self-check), and `solution` (the answer, hidden in JupyterLab).
"""

from __future__ import annotations

import copy

import nbformat

SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
CHECK_TAG = "check"


def tags(cell: nbformat.NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def student_edition(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the notebook with every solution cell left out."""
    student = copy.deepcopy(notebook)
    student.cells = [cell for cell in student.cells if SOLUTION_TAG not in tags(cell)]
    return student


def instructor_edition(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the notebook with every solution cell's input and outputs shown, not hidden."""
    instructor = copy.deepcopy(notebook)
    for cell in instructor.cells:
        if SOLUTION_TAG in tags(cell):
            hidden = cell.metadata.get("jupyter", {})
            hidden.pop("source_hidden", None)
            hidden.pop("outputs_hidden", None)
    return instructor
