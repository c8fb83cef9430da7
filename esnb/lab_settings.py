"""A calmer JupyterLab for the course: no news pop-up and no update checks, in this environment only.

    python -m esnb.lab_settings            # install the course's settings into this Python environment
    python -m esnb.lab_settings --check    # exit 1 when they are missing or differ

One file goes under the environment's prefix (sys.prefix), never into the learner's own ~/.jupyter:
share/jupyter/lab/settings/overrides.d/esnb.json, JupyterLab's defaults for this environment. Its news
setting is "false" instead of "none" (ask), so the "Would you like to get notified about official Jupyter
news?" notification never shows and no news is fetched, and JupyterLab never asks the server to check for
updates (the only caller of its update check is that front-end setting). Other files in overrides.d, and
the environment's own overrides.json, are left as they are. A learner can still turn news on in Settings:
overrides set defaults, and the learner's own settings win.
`./course` runs this after every install; on a hub, run it once with the learners' Python.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ASSETS = Path(__file__).parent / "assets" / "lab"
# source asset -> where it goes, relative to the environment's prefix
FILES = {"overrides.json": Path("share/jupyter/lab/settings/overrides.d/esnb.json")}


def targets(prefix: Path) -> dict[Path, Path]:
    """Each settings file of the course and where it belongs under `prefix`."""
    return {ASSETS / source: prefix / target for source, target in FILES.items()}


def stale(prefix: Path) -> list[Path]:
    """The settings files under `prefix` that are missing or differ from the course's."""
    return [target for source, target in targets(prefix).items()
            if not target.is_file() or target.read_bytes() != source.read_bytes()]


def install(prefix: Path) -> list[Path]:
    """Write the course's settings files under `prefix`; return those that were written."""
    written = stale(prefix)
    for source, target in targets(prefix).items():
        if target in written:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m esnb.lab_settings", description=__doc__.splitlines()[0])
    parser.add_argument("--prefix", type=Path, default=Path(sys.prefix),
                        help="the Python environment to set up (default: this one, %(default)s)")
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when a file is missing or differs")
    options = parser.parse_args(argv)
    if options.check:
        missing = stale(options.prefix)
        for path in missing:
            print(f"esnb.lab_settings: {path} is missing or differs: run python -m esnb.lab_settings", file=sys.stderr)
        return 1 if missing else 0
    for path in install(options.prefix):
        print(f"esnb.lab_settings: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
