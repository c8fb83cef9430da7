"""Ruff and mypy pass, as pyproject.toml configures them (what they check, and what they leave out for now)."""

from __future__ import annotations

import fcntl
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_tool(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`python -m <tool> ...` with this test run's Python, from the repository root; skipped if the tool is missing."""
    tool = arguments[0]
    pytest.importorskip(tool, reason=f"needs {tool}: pip install -e '.[test]'")
    return subprocess.run(
        [sys.executable, "-m", *arguments], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_ruff_finds_nothing():
    finished = run_tool("ruff", "check", "--no-cache", ".")
    assert finished.returncode == 0, f"ruff check found problems:\n{finished.stdout}{finished.stderr}"


def test_mypy_finds_nothing(request: pytest.FixtureRequest, tmp_path: Path):
    # mypy's cache lives in pytest's (.pytest_cache, git-ignored): a clean clone checks the 1,700 modules esnb
    # imports (25 s of CPU), a later run in the same clone, as CI's second to fifth, only what changed (1 s). mypy
    # checks a module again when it, a module it imports, mypy or its settings change, so the verdict is the same.
    # Two test runs at once in one clone take turns, as mypy's cache is not safe to share between two mypys.
    folder = request.config.cache.mkdir("mypy") if hasattr(request.config, "cache") else tmp_path
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        finished = run_tool("mypy", "--cache-dir", str(folder / "cache"))
    assert finished.returncode == 0, f"mypy found problems:\n{finished.stdout}{finished.stderr}"
