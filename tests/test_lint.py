"""Ruff and mypy pass, as pyproject.toml configures them (what they check, and what they leave out for now)."""

from __future__ import annotations

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


def test_mypy_finds_nothing(tmp_path: Path):
    finished = run_tool("mypy", "--cache-dir", str(tmp_path / "mypy-cache"))
    assert finished.returncode == 0, f"mypy found problems:\n{finished.stdout}{finished.stderr}"
