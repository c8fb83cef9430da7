"""The package's layers: the domain knows nothing of storage, and the course code nothing of the tools."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

COURSE = Path(__file__).resolve().parent.parent / "esnb" / "course"
DOMAIN = ["events", "pubsub", "domain", "mutators"]
STORAGE = [
    "records", "datastore", "mapper", "topics", "transcoding", "storage", "write_checks", "driver_errors", "retry",
    "statements", "paging", "connections", "active_records", "event_store", "infrastructure",
]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_modules_import_no_storage(module):
    imported = imported_modules(COURSE / f"{module}.py")
    storage = {name for name in imported if name.split(".")[0] in ("sqlalchemy", "sqlalchemy_utils")}
    storage |= {name for name in imported if name.removeprefix("esnb.course.") in STORAGE}
    assert storage == set(), f"esnb/course/{module}.py imports {sorted(storage)}"


def test_importing_the_domain_loads_no_sqlalchemy():
    code = (
        "import sys\n"
        + "".join(f"import esnb.course.{module}\n" for module in DOMAIN)
        + "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlalchemy_utils'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_event_store_and_repository_load_no_sqlalchemy():
    """The event store knows its strategy through the RecordStrategy protocol, not through the SQLAlchemy strategy."""
    code = (
        "import sys\nimport esnb.course.event_store, esnb.course.repository\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'sqlalchemy_utils'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("path", sorted(COURSE.glob("*.py")), ids=lambda path: path.name)
def test_generated_modules_import_no_hand_written_tool(path):
    tools = {name for name in imported_modules(path) if name.startswith("esnb") and not name.startswith("esnb.course")}
    assert tools == set(), f"esnb/course/{path.name} imports {sorted(tools)}"
