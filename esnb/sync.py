"""Save the notebooks' marked cells into the esnb package, or check that they match.

A code cell whose first line is ``#@save NAME`` belongs to the module
``esnb/course/NAME.py``. Cells are written in course order: notebook by
notebook, top to bottom. The notebooks are the source; the modules are copies.

Each generated module opens with the docstring of its first cell, then every
cell's imports, grouped and sorted, then ``__all__``: the public names its cells
define. Before each cell's code stands a ``# %% notebook cell-number`` line, so a
traceback leads back to the cell. ``esnb/_exports.py`` maps every public name to
its module, for ``esnb/__init__.py``.

    python -m esnb.sync           write the modules
    python -m esnb.sync --check   exit 1 if any module differs from its notebooks
"""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

MARKER = re.compile(r"^#@save (?P<module>[a-z_][a-z0-9_]*)\s*$")
PACKAGE = "esnb.course"
PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
DEFAULT_NOTEBOOKS = ROOT / "notebooks"
DEFAULT_TARGET = PACKAGE_DIR / "course"
EXPORTS_FILE = "_exports.py"
WIDTH = 120
PACKAGE_INIT = '''"""The code the course notebooks build, saved from their `#@save` cells by `python -m esnb.sync`."""
'''


class SyncError(Exception):
    """The notebooks cannot be saved into modules as they are."""


@dataclass
class Cell:
    """One marked cell: where it is, and its code split into docstring, imports and the rest."""

    notebook: str
    index: int
    docstring: str | None
    imports: list[ast.Import | ast.ImportFrom]
    body: str
    public: list[str]


@dataclass
class Module:
    name: str
    cells: list[Cell] = field(default_factory=list)

    @property
    def notebooks(self) -> list[str]:
        return list(dict.fromkeys(cell.notebook for cell in self.cells))

    @property
    def public(self) -> list[str]:
        return list(dict.fromkeys(name for cell in self.cells for name in cell.public))


def marked_cells(notebook: Path) -> list[tuple[str, int, str]]:
    """Return (module, cell index, code) for each marked code cell of one notebook, in order."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "code":
            continue
        first_line, _, body = "".join(cell["source"]).partition("\n")
        match = MARKER.match(first_line)
        if match:
            found.append((match["module"], index, body.strip("\n")))
    return found


def split_cell(notebook: str, index: int, code: str) -> Cell:
    """Take a cell's code apart: its leading docstring, its top-level imports, and everything else."""
    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        raise SyncError(f"{notebook} cell {index} is not valid Python: {error}") from None
    lines = code.splitlines()
    dropped: set[int] = set()
    docstring = None
    statements = tree.body
    if statements and isinstance(statements[0], ast.Expr) and isinstance(statements[0].value, ast.Constant):
        if isinstance(statements[0].value.value, str):
            docstring = statements[0].value.value
            dropped.update(range(statements[0].lineno - 1, statements[0].end_lineno or statements[0].lineno))
    imports = [node for node in statements if isinstance(node, (ast.Import, ast.ImportFrom))]
    for node in imports:
        dropped.update(range(node.lineno - 1, node.end_lineno or node.lineno))
    body = "\n".join(line for number, line in enumerate(lines) if number not in dropped)
    body = re.sub(r"\n{3,}", "\n\n\n", body).strip("\n")
    return Cell(notebook, index, docstring, imports, body, public_names(statements))


def public_names(statements: list[ast.stmt]) -> list[str]:
    """The names a cell defines at top level that do not start with an underscore."""
    names: list[str] = []
    for node in statements:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, ast.Assign):
            names += [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
    return [name for name in names if not name.startswith("_")]


def collect(notebooks_dir: Path) -> dict[str, Module]:
    """Every module's cells, in course order."""
    modules: dict[str, Module] = {}
    for notebook in sorted(notebooks_dir.glob("[0-9][0-9]_*.ipynb")):
        name = f"notebooks/{notebook.name}"
        for module, index, code in marked_cells(notebook):
            modules.setdefault(module, Module(module)).cells.append(split_cell(name, index, code))
    return modules


def section(module: str) -> int:
    """0 for the standard library, 1 for other packages, 2 for esnb itself."""
    top = module.split(".")[0]
    if top == "esnb":
        return 2
    return 0 if top in sys.stdlib_module_names or top == "__future__" else 1


def name_order(name: str) -> tuple[int, str]:
    """Constants, then classes, then everything else, as ruff's isort orders imported names."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


def render_imports(module: Module) -> str:
    """One block of imports for the module: grouped, sorted, merged, without imports of itself."""
    plain: set[tuple[str, str | None]] = set()
    froms: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
    for cell in module.cells:
        for node in cell.imports:
            if isinstance(node, ast.Import):
                plain.update((alias.name, alias.asname) for alias in node.names)
            elif node.module != f"{PACKAGE}.{module.name}":
                froms["." * node.level + (node.module or "")].update((a.name, a.asname) for a in node.names)
    groups: list[list[str]] = [[], [], []]
    for name, asname in sorted(plain):
        groups[section(name)].append(f"import {name}" + (f" as {asname}" if asname else ""))
    for source in sorted(froms):
        imported = sorted(froms[source], key=lambda pair: name_order(pair[0]))
        names = [name + (f" as {asname}" if asname else "") for name, asname in imported]
        line = f"from {source} import {', '.join(names)}"
        if len(line) > WIDTH:
            line = f"from {source} import (\n" + "".join(f"    {name},\n" for name in names) + ")"
        groups[section(source)].append(line)
    return "\n\n".join("\n".join(group) for group in groups if group)


def render_module(module: Module) -> str:
    """The text of one generated module."""
    docstring = module.cells[0].docstring
    if not docstring:
        first = module.cells[0]
        raise SyncError(
            f"esnb/course/{module.name}.py needs a docstring: start its first cell ({first.notebook} cell "
            f"{first.index}) with one that says what the module is for"
        )
    parts = [
        "# AUTOGENERATED by `python -m esnb.sync`: do not edit this file.\n"
        f"# Edit the cells marked `#@save {module.name}` in the notebooks, then run the sync:\n"
        + "".join(f"# {notebook}\n" for notebook in module.notebooks)
        + f'"""{docstring}"""'
    ]
    imports = render_imports(module)
    if imports:
        parts.append(imports)
    if module.public:
        names = sorted(module.public, key=name_order)
        parts.append("__all__ = [\n" + "".join(f'    "{name}",\n' for name in names) + "]")
    text = "\n\n".join(parts) + "\n"
    for cell in module.cells:
        text += f"\n\n# %% {cell.notebook} {cell.index}\n" + (cell.body + "\n" if cell.body else "")
    return text


def render_exports(modules: dict[str, Module]) -> str:
    """esnb/_exports.py: which module each public name comes from."""
    owner: dict[str, str] = {}
    for module in modules.values():
        for name in module.public:
            if name in owner:
                raise SyncError(f"{name!r} is defined in both esnb/course/{owner[name]}.py and {module.name}.py")
            owner[name] = module.name
    entries = "".join(
        f'    "{PACKAGE}.{module.name}": [\n' + "".join(f'        "{name}",\n' for name in module.public) + "    ],\n"
        for module in sorted(modules.values(), key=lambda m: m.name)
        if module.public
    )
    return (
        "# AUTOGENERATED by `python -m esnb.sync` from the __all__ of each module in esnb/course: do not edit.\n"
        '"""Which generated module each public name of esnb comes from."""\n\n'
        f"MODULES: dict[str, list[str]] = {{\n{entries}}}\n"
    )


def render_modules(notebooks_dir: Path) -> dict[str, str]:
    """Build the text of every generated module from the notebooks in course order."""
    modules = collect(notebooks_dir)
    rendered = {f"{name}.py": render_module(module) for name, module in modules.items()}
    rendered["__init__.py"] = PACKAGE_INIT
    return rendered


def first_difference(actual: str, expected: str) -> str:
    """Name the cell where a module first differs from its notebooks."""
    def sections(text: str) -> list[str]:
        return re.split(r"(?m)^(?=# %% )", text)

    for have, want in zip(sections(actual), sections(expected), strict=False):  # the shorter one ends the search
        if have != want:
            header = want.splitlines()[0] if want.startswith("# %% ") else ""
            if header:
                notebook, index = header[5:].rsplit(" ", 1)
                return f"first difference: {notebook}, cell {index}"
            return "first difference: the module's docstring, imports or __all__"
    return "first difference: cells added or removed at the end"


def differences(notebooks_dir: Path, target_dir: Path, exports: Path | None = None) -> list[str]:
    """Describe each module that is missing, stale or left over, with the first differing cell and a short diff."""
    expected = render_modules(notebooks_dir)
    actual = {path.name: path.read_text(encoding="utf-8") for path in target_dir.glob("*.py")}
    problems = []
    for name in sorted(expected.keys() | actual.keys()):
        if name not in actual:
            problems.append(f"esnb/course/{name} is missing")
        elif name not in expected:
            problems.append(f"esnb/course/{name} has no #@save cells in any notebook")
        elif actual[name] != expected[name]:
            diff = difflib.unified_diff(
                actual[name].splitlines(), expected[name].splitlines(),
                f"esnb/course/{name}", "from the notebooks", lineterm="", n=1,
            )
            problems.append(
                f"esnb/course/{name} differs from its notebooks ({first_difference(actual[name], expected[name])}):\n"
                + "\n".join(list(diff)[:20])
            )
    if exports is not None:
        wanted = render_exports(collect(notebooks_dir))
        if not exports.exists() or exports.read_text(encoding="utf-8") != wanted:
            problems.append(f"esnb/{exports.name} differs from the __all__ of the modules")
    return problems


def write_modules(notebooks_dir: Path, target_dir: Path, exports: Path | None = None) -> list[str]:
    """Write every generated module and the export map, remove leftovers, and return the names that changed."""
    expected = render_modules(notebooks_dir)
    if exports is not None:
        expected_exports = render_exports(collect(notebooks_dir))
    target_dir.mkdir(parents=True, exist_ok=True)
    changed = []
    for path in target_dir.glob("*.py"):
        if path.name not in expected:
            path.unlink()
            changed.append(path.name)
    for name, text in expected.items():
        path = target_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(name)
    if exports is not None and (not exports.exists() or exports.read_text(encoding="utf-8") != expected_exports):
        exports.write_text(expected_exports, encoding="utf-8")
        changed.append(f"../{exports.name}")
    return sorted(changed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m esnb.sync", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on any difference")
    parser.add_argument("--notebooks", type=Path, default=DEFAULT_NOTEBOOKS, help=argparse.SUPPRESS)
    parser.add_argument("--target", type=Path, default=DEFAULT_TARGET, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    exports = args.target.parent / EXPORTS_FILE
    try:
        if args.check:
            problems = differences(args.notebooks, args.target, exports)
            for problem in problems:
                print(problem)
            if problems:
                print("The package and the notebooks differ. "
                      "Run `python -m esnb.sync` to save the notebooks into esnb.")
                return 1
            print("esnb/course matches the notebooks.")
            return 0
        changed = write_modules(args.notebooks, args.target, exports)
    except SyncError as error:
        print(f"cannot save the notebooks: {error}")
        return 1
    print(f"updated: {', '.join(changed)}" if changed else "esnb/course already matched the notebooks.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
