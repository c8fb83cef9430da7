"""Test-run settings shared by the unit tests and the nbval run of notebooks/.

`--database-url URL` (or ESNB_DATABASE_URL) chooses the database. Each notebook
runs in a scratch database of its own on that server, made before its kernel
starts and dropped after its last cell, so repeated runs and parallel workers
never see each other's rows.
"""

from __future__ import annotations

import functools
import os
import re
from contextlib import ExitStack
from pathlib import Path
from typing import Any

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


# A test module whose tests share a fixture made once per module (or class): a JupyterLab, a hub, a built site.
_SHARED_FIXTURE = re.compile(r"""scope\s*=\s*["'](?:class|module|package)["']""")


@functools.cache
def _shares_a_fixture(root: Path, module: str) -> bool:
    """Whether a test module, or a conftest.py between it and the root, defines a fixture wider than one test."""
    path = root / module
    sources = [path, *(folder / "conftest.py" for folder in path.parents if folder.is_relative_to(root))]
    return any(_SHARED_FIXTURE.search(source.read_text()) for source in sources if source.is_file())


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadscope` (./course test) with smaller units, so that both workers stay busy to the end.

    A notebook stays one unit: its cells share a kernel. So does a test module with a fixture made once for several
    of its tests. Any other test is a unit of its own: as one unit per module, the lint module's 25 s of mypy (a
    module of two tests, so sent last by xdist, which sends the units with most tests first) ran alone at the end.
    """
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SmallerUnits(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if path.endswith(".ipynb") or _shares_a_fixture(config.rootpath, path):
                return path
            return nodeid

    return SmallerUnits(config, log)


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
