"""The course as notebooks to hand out: a student edition without solutions, an instructor edition as saved.

`python -m esnb.handouts DIR` writes, beside each edition's HTML and PDF, its notebooks:

- DIR/student/NN_name.ipynb: no solution cells (the hint on how to reveal a hidden solution goes with them),
  so no output a solution printed; every other cell as saved, outputs included;
- DIR/instructor/NN_name.ipynb: byte for byte the file in notebooks/;
- DIR/esnb-student-notebooks.zip and DIR/esnb-instructor-notebooks.zip: each edition in one folder
  (`esnb-course/` for students, the folder a workshop hub gives each learner; `esnb-instructor/`), ready to
  upload to a hub or a learning platform.

Nothing is run: the notebooks are written from the files as saved.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import nbformat

from esnb.editions import student_edition

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
STUDENT_FOLDER = "esnb-course"  # the folder a learner's notebooks live in, on a hub and in the zip
ZIP_FOLDERS = {"student": STUDENT_FOLDER, "instructor": "esnb-instructor"}


def course_files(notebooks_dir: Path) -> list[Path]:
    """The numbered notebooks of a folder, in course order; an error when there are none."""
    files = sorted(notebooks_dir.glob(NOTEBOOK_GLOB))
    if not files:
        raise FileNotFoundError(f"no course notebooks ({NOTEBOOK_GLOB}) in {notebooks_dir}")
    return files


def student_notebook(path: Path) -> nbformat.NotebookNode:
    """The student edition of a saved notebook, checked against the notebook format."""
    student = student_edition(nbformat.read(path, as_version=4))
    nbformat.validate(student)
    return student


def write_edition(edition: str, notebooks_dir: Path, folder: Path) -> list[Path]:
    """One edition's notebooks in `folder`, in course order."""
    if edition not in ZIP_FOLDERS:
        raise ValueError(f"no edition {edition!r}: choose from {', '.join(ZIP_FOLDERS)}")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for source in course_files(notebooks_dir):
        target = folder / source.name
        if edition == "student":
            nbformat.write(student_notebook(source), target)
        else:
            shutil.copyfile(source, target)
        written.append(target)
    return written


def zip_notebooks(files: list[Path], target: Path, folder: str) -> Path:
    """The files in one zip, inside `folder/`."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, f"{folder}/{path.name}")
    return target


def zip_name(edition: str) -> str:
    """The file name of an edition's zip of notebooks."""
    return f"esnb-{edition}-notebooks.zip"


def write_notebooks(out_dir: Path, notebooks_dir: Path) -> dict[str, Path]:
    """Both editions' notebooks in out_dir/EDITION/, and each edition's zip; returns the zips by edition."""
    zips = {}
    for edition, folder in ZIP_FOLDERS.items():
        files = write_edition(edition, notebooks_dir, out_dir / edition)
        zips[edition] = zip_notebooks(files, out_dir / zip_name(edition), folder)
    return zips
