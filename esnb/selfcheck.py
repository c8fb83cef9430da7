"""The environment check that notebook 00 runs: Python, packages, package sync and database."""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import metadata

from sqlalchemy import create_engine, text

from esnb import sync
from esnb.databases import ENVIRONMENT_VARIABLE, database_url

INSTALL_HINT = "run the README's lab command, or: pip install -e '.[lab]'"
# JupyterLite's Pyodide kernel (python -m esnb.lite): there is no JupyterLab inside the kernel, and esnb is the
# wheel the site was built with from the course folder, not a checkout beside the notebooks.
IN_BROWSER = sys.platform == "emscripten"


def _python() -> str | None:
    if sys.version_info < (3, 10):  # noqa: UP036 -- a learner's kernel may be older than the package allows
        return f"Python {sys.version_info.major}.{sys.version_info.minor} is too old: use 3.10 or newer"
    return None


def _packages() -> str | None:
    missing = []
    for name in ("SQLAlchemy", "SQLAlchemy-Utils", *(() if IN_BROWSER else ("jupyterlab",))):
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
    if missing:
        return f"missing {', '.join(missing)}: {INSTALL_HINT}"
    if not metadata.version("SQLAlchemy").startswith("2."):
        return f"SQLAlchemy {metadata.version('SQLAlchemy')} is installed; the course needs 2.x: {INSTALL_HINT}"
    return None


def _package_in_sync() -> str | None:
    if IN_BROWSER:
        return None
    if not sync.DEFAULT_NOTEBOOKS.is_dir():
        return "esnb is not installed from the course folder: run pip install -e . there"
    if sync.differences(sync.DEFAULT_NOTEBOOKS, sync.DEFAULT_TARGET):
        return "esnb/course differs from the notebooks: run python -m esnb.sync"
    return None


def _database() -> str | None:
    url = database_url()
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except ModuleNotFoundError as error:
        return f"the database driver {error.name!r} is not installed: pip install -e '.[postgresql,mysql]'"
    except Exception as error:
        first_line = str(error).strip().splitlines()[0]
        return f"the database in {ENVIRONMENT_VARIABLE} did not answer ({first_line}): check the URL and the server"
    return None


CHECKS: list[tuple[str, Callable[[], str | None]]] = [
    ("Python is 3.10 or newer", _python),
    ("SQLAlchemy 2, SQLAlchemy-Utils and JupyterLab are installed", _packages),
    ("the esnb package matches these notebooks", _package_in_sync),
    ("the course database answers", _database),
]


def check_environment() -> bool:
    """Print one line per check, ✓ or ✗ with what to do, and return whether all passed."""
    passed = True
    for description, check in CHECKS:
        problem = check()
        print(f"✓ {description}" if problem is None else f"✗ {problem}")
        passed = passed and problem is None
    return passed
