"""Test-run settings shared by the unit tests and the nbval run of notebooks/.

`--database-url URL` (or ESNB_DATABASE_URL) chooses the database. Each notebook
runs in a scratch database of its own on that server, made before its kernel
starts and dropped after its last cell, so repeated runs and parallel workers
never see each other's rows.
"""

from __future__ import annotations

import os
from contextlib import ExitStack

import pytest

from esnb.databases import ENVIRONMENT_VARIABLE, scratch_database

_scratch: dict[str, ExitStack] = {}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-url",
        default=None,
        help=f"SQLAlchemy URL of the database to test against (default: ${ENVIRONMENT_VARIABLE}, "
        "else SQLite in memory)",
    )


def pytest_configure(config: pytest.Config) -> None:
    url = config.getoption("--database-url")
    if url:
        os.environ[ENVIRONMENT_VARIABLE] = url


def _notebook_of(item: pytest.Item) -> pytest.Collector | None:
    parent = item.parent
    return parent if parent is not None and str(parent.path).endswith(".ipynb") else None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a notebook's kernel starts, point ESNB_DATABASE_URL at a scratch database for it."""
    notebook = _notebook_of(item)
    configured = os.environ.get(ENVIRONMENT_VARIABLE)
    if notebook is None or not configured or notebook.nodeid in _scratch:
        return
    stack = ExitStack()
    url = stack.enter_context(scratch_database(configured))
    stack.callback(os.environ.__setitem__, ENVIRONMENT_VARIABLE, configured)
    os.environ[ENVIRONMENT_VARIABLE] = url
    _scratch[notebook.nodeid] = stack


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """After a notebook's last cell and its kernel have gone, drop its scratch database."""
    yield
    notebook = _notebook_of(item)
    if notebook is None or notebook.nodeid not in _scratch:
        return
    if nextitem is None or _notebook_of(nextitem) is not notebook:
        _scratch.pop(notebook.nodeid).close()
