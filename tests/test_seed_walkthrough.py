"""The seed's walkthrough runs against esnb, with its domain in __main__, on every backend."""

import os
import subprocess
import sys
from pathlib import Path

WALKTHROUGH = Path(__file__).with_name("seed_walkthrough.py")


def test_seed_walkthrough_runs_against_esnb(database):
    environment = {**os.environ, "WALKTHROUGH_URI": database}
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", str(WALKTHROUGH)],
        env=environment, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "walkthrough passed\n"
    assert result.stderr == ""
