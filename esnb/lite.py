"""The course in any browser with nothing installed: a JupyterLite site, built offline-ready.

    python -m esnb.lite DIR                  # the student edition of every notebook
    python -m esnb.lite DIR --instructor     # and the instructor edition, in DIR's files under instructor/
    python -m esnb.lite DIR --serve          # then open http://127.0.0.1:8000/lab/index.html

JupyterLite runs JupyterLab and a Python kernel (Pyodide: CPython compiled to WebAssembly) in the
browser, from a folder of static files. The site this builds needs no network at all once it is served:

- Pyodide comes from the npm package `pyodide` that lite/package.json pins (`npm ci --prefix lite`), and is
  served from the site itself (static/pyodide/). The kernel never loads it from a CDN: the build fails if
  its configuration or its pyodide-lock.json would send the browser anywhere but the site.
- esnb, built as a wheel from this checkout, and every package the kernel imports (micropip, IPython and
  their dependencies; SQLAlchemy, SQLAlchemy-Utils and typing-extensions for esnb) are pure-Python wheels
  in static/pyodide/, listed in a pyodide-lock.json written for the site and loaded when the kernel starts,
  so `from esnb import ...` works in a notebook's first cell. The versions are Pyodide's own (its lock)
  and lite/requirements.txt's; the wheels come from PyPI at build time.
- The database is SQLite in memory: Python's sqlite3 is part of Pyodide.

Pyodide cannot start threads or reach a database server, and has no matplotlib in its core. A cell that
needs one of these is tagged `lite-skip` in the site's copy of the notebook and shown as a Markdown cell:
what it needs, its code, and the output it gives on a machine with Python installed. The cells are those
of LITE_SKIPS below, and any cell a notebook itself tags `lite-skip`.
"""

from __future__ import annotations

import argparse
import base64
import copy
import email.parser
import functools
import hashlib
import http.server
import importlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from esnb.editions import instructor_edition, student_edition, tags
from esnb.handout_notebooks import course_files

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
LITE = ROOT / "lite"
PYODIDE_PACKAGE = LITE / "node_modules" / "pyodide"
REQUIREMENTS = LITE / "requirements.txt"
WHEEL_CACHE = ROOT / "build" / "lite-wheels"
INSTALLED_EXTENSION = Path(sys.prefix, "share", "jupyter", "labextensions", "@jupyterlite", "pyodide-kernel-extension")

LITE_SKIP_TAG = "lite-skip"
KERNEL_PLUGIN = "@jupyterlite/pyodide-kernel-extension:kernel"
KERNELSPEC = {"name": "python", "display_name": "Python (Pyodide)", "language": "python"}
# The files of the npm package that the browser loads; the lock is written anew.
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
PYODIDE_LOCK = "pyodide-lock.json"
# What the kernel itself imports at start (jupyterlite-pyodide-kernel's worker), beside esnb.
KERNEL_PACKAGES = ("micropip", "piplite", "pyodide-kernel", "ipykernel", "comm", "ipython", "jedi")
PURE_WHEEL = re.compile(r"-py(2\.py)?3-none-any\.whl$")
REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)

# The cells the browser cannot run, by notebook and a line of their code, with the reason the site shows.
_NO_HYPOTHESIS = "Hypothesis, which the browser edition does not install"
_NO_IPYTEST = "ipytest and pytest, which the browser edition does not install"
_NO_MATPLOTLIB = ("matplotlib to draw its chart, and the browser edition has no matplotlib "
                  "(it is not in Pyodide's core, and its wheel is compiled)")
_NO_CRYPTOGRAPHY = "the cryptography package, which the browser edition does not have"
_NO_EVENTSOURCING = "the eventsourcing library, which the browser edition does not install"
EVERY_CODE_CELL = ""  # a marker that every code cell holds
LITE_SKIPS: dict[str, dict[str, str]] = {
    "12_notification_log": {
        "def late_commit(datastore, store):": "two connections to one SQLite file at once, and the browser's file "
                                              "system cannot lock a file",
        "def late_commit_with_lock(datastore, store):": "two connections to one SQLite file at once, and the "
                                                        "browser's file system cannot lock a file",
        "def append_commands(store, seed, count, errors=None):": "threads, and the browser edition cannot start one",
        "follow_while_writing(event_store_for(datastore.session))": "threads, and the browser edition cannot start "
                                                                    "one",
        "def appends_per_second(store, writers, appends=300):": "threads, and the browser edition cannot start one",
    },
    "11_performance": {'logging.getLogger("matplotlib")': _NO_MATPLOTLIB},
    "16_snapshots": {
        'logging.getLogger("matplotlib")': _NO_MATPLOTLIB,
        "def snapshot_plus_tail_is_full_replay(values, per_save, discard, n):": _NO_HYPOTHESIS,
    },
    "19_personal_data": dict.fromkeys([
        "from cryptography", "ciphertext[0] ^ 1", "crypto_shredding", "key_store", "sequence_ids=[ada, bob]",
        "ada_row", "store.get_domain_events(", "store.append(", "def directory_apply(", "PersonalKeyRecord",
        "check_forget_customer", "check_apply_to_names",
    ], _NO_CRYPTOGRAPHY),
    "20_to_eventsourcing_9": {EVERY_CODE_CELL: _NO_EVENTSOURCING},
    "17_testing": {
        "ipytest": _NO_IPYTEST,
        "from hypothesis import": _NO_HYPOTHESIS,
        "values = st.recursive(": _NO_HYPOTHESIS,
        "foos = st.text(": _NO_HYPOTHESIS,
        "@given(": _NO_HYPOTHESIS,
        "def versions_have_no_gaps": _NO_HYPOTHESIS,
        "check_versions_have_no_gaps": _NO_HYPOTHESIS,
    },
}


class LiteBuildError(RuntimeError):
    """The site cannot be built as promised: something is missing, or would come from the network."""


@dataclass(frozen=True)
class Wheel:
    path: Path
    name: str  # as the lock names it
    version: str
    depends: tuple[str, ...]
    imports: tuple[str, ...]


# --- Pyodide, from the npm package --------------------------------------------------------------------------


def kernel_pyodide_version() -> str:
    constants = importlib.import_module("jupyterlite_pyodide_kernel.constants")
    return str(constants.PYODIDE_VERSION)


def pyodide_package(folder: Path = PYODIDE_PACKAGE) -> Path:
    """The npm package's folder, checked to be the Pyodide version the kernel expects."""
    if not (folder / "package.json").is_file():
        raise LiteBuildError(
            f"Pyodide is not installed in {folder}: run `npm ci --prefix {LITE.relative_to(ROOT)}` "
            "(./course test does it when npm is there)"
        )
    version = json.loads((folder / "package.json").read_text())["version"]
    wanted = kernel_pyodide_version()
    if version != wanted:
        raise LiteBuildError(f"{folder} holds Pyodide {version}, but jupyterlite-pyodide-kernel expects {wanted}")
    missing = [name for name in (*PYODIDE_FILES, PYODIDE_LOCK) if not (folder / name).is_file()]
    if missing:
        raise LiteBuildError(f"{folder} lacks {', '.join(missing)}")
    return folder


# --- wheels --------------------------------------------------------------------------------------------------


def marker_environment(python: str) -> dict[str, str]:
    """The environment markers of Pyodide's Python, for choosing a wheel's dependencies."""
    environment: dict[str, str] = {key: str(value) for key, value in default_environment().items()}
    environment.update(
        sys_platform="emscripten", platform_system="Emscripten", platform_machine="wasm32", os_name="posix",
        implementation_name="cpython", platform_python_implementation="CPython", platform_release="",
        python_full_version=python, python_version=".".join(python.split(".")[:2]),
    )
    return environment


def read_wheel(path: Path, environment: dict[str, str], name: str | None = None) -> Wheel:
    """A wheel's name, version, dependencies in Pyodide (no extras) and top-level import names."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        metadata_file = next(n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(metadata_file).decode())
        top_level_file = metadata_file.replace("METADATA", "top_level.txt")
        if top_level_file in names:
            imports = [line.strip() for line in archive.read(top_level_file).decode().splitlines() if line.strip()]
        else:
            imports = sorted({n.split("/")[0].removesuffix(".py") for n in names
                              if not n.split("/")[0].endswith((".dist-info", ".data")) and
                              (n.endswith("/__init__.py") or ("/" not in n and n.endswith(".py")))})
    depends = []
    for line in metadata.get_all("Requires-Dist") or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({**environment, "extra": ""}):
            depends.append(canonicalize_name(requirement.name))
    return Wheel(path, name or canonicalize_name(metadata["Name"]), metadata["Version"],
                 tuple(sorted(set(depends))), tuple(imports))


def pip(*arguments: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *arguments]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise LiteBuildError(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")


def download_pure_wheels(requirements: list[str], folder: Path, python: str) -> None:
    """Pure-Python wheels of exactly these requirements from PyPI, into folder (kept as a cache)."""
    if not requirements:
        return
    folder.mkdir(parents=True, exist_ok=True)
    pip("download", "--no-deps", "--only-binary=:all:", "--platform", "any", "--implementation", "py",
        "--abi", "none", "--python-version", ".".join(python.split(".")[:2]), "--dest", str(folder), *requirements)


def find_wheel(folder: Path, name: str, version: str) -> Path:
    for path in folder.glob("*.whl"):
        stem = path.name.split("-")
        same = canonicalize_name(stem[0]) == canonicalize_name(name) and stem[1] == version
        if same and PURE_WHEEL.search(path.name):
            return path
    raise LiteBuildError(f"no pure-Python wheel of {name} {version} in {folder}")


def esnb_wheel(folder: Path) -> Path:
    """esnb as a wheel, built from this checkout."""
    pip("wheel", "--no-deps", "--wheel-dir", str(folder), str(ROOT))
    built = sorted(folder.glob("esnb-*.whl"))
    if not built:
        raise LiteBuildError(f"pip built no esnb wheel in {folder}")
    return built[-1]


def kernel_wheels() -> dict[str, Path]:
    """The wheels jupyterlite-pyodide-kernel ships (piplite, pyodide-kernel and its ipykernel), by name."""
    jupyterlite_pyodide_kernel = importlib.import_module("jupyterlite_pyodide_kernel")

    found: dict[str, Path] = {}
    places = [INSTALLED_EXTENSION, Path(str(jupyterlite_pyodide_kernel.__file__)).parent / "labextension"]
    for place in places:
        for path in sorted((place / "static" / "pypi").glob("*.whl")):
            found.setdefault(canonicalize_name(path.name.split("-")[0]), path)
    for needed in ("piplite", "pyodide-kernel", "ipykernel"):
        if needed not in found:
            raise LiteBuildError(f"jupyterlite-pyodide-kernel's {needed} wheel not found in {places}")
    return found


def kernel_extension() -> Path:
    jupyterlite_pyodide_kernel = importlib.import_module("jupyterlite_pyodide_kernel")

    for place in (INSTALLED_EXTENSION, Path(str(jupyterlite_pyodide_kernel.__file__)).parent / "labextension"):
        if (place / "package.json").is_file():
            return place
    raise LiteBuildError("the JupyterLab extension of jupyterlite-pyodide-kernel is not installed")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_lock(pyodide: Path, target: Path, wheel_cache: Path = WHEEL_CACHE) -> list[str]:
    """Write target/pyodide-lock.json and the wheels it names into target; return the package names.

    The lock lists only what the site holds: esnb, the kernel's packages and lite/requirements.txt's, and
    all their dependencies in Pyodide, each a pure-Python wheel beside the lock. Pyodide's lock gives the
    versions and dependencies of its own packages; a dependency found nowhere fails the build."""
    upstream = json.loads((pyodide / PYODIDE_LOCK).read_text())
    python = upstream["info"]["python"]
    environment = marker_environment(python)
    by_name: dict[str, str] = {canonicalize_name(key): key for key in upstream["packages"]}

    work = Path(tempfile.mkdtemp(prefix="esnb-lite-wheels-"))
    try:
        ours: dict[str, Wheel] = {}  # by canonical name
        pinned = [line.split("#")[0].strip() for line in REQUIREMENTS.read_text().splitlines()]
        pinned = [line for line in pinned if line]
        for line in pinned:
            if "==" not in line:
                raise LiteBuildError(f"{REQUIREMENTS}: pin an exact version: {line!r}")
        download_pure_wheels(pinned, wheel_cache, python)
        for line in pinned:
            requirement = Requirement(line)
            version = next(iter(requirement.specifier)).version
            wheel = read_wheel(find_wheel(wheel_cache, requirement.name, version), environment)
            ours[wheel.name] = wheel
        esnb = read_wheel(esnb_wheel(work), environment)
        ours[esnb.name] = esnb
        for name, path in kernel_wheels().items():
            if name in ("piplite", "pyodide-kernel", "ipykernel"):
                ours[name] = read_wheel(path, environment)

        # Everything reachable from esnb and the kernel: ours first, then Pyodide's lock.
        wanted: dict[str, str] = {}  # canonical name -> "ours" or "pyodide"
        queue = [esnb.name, *(canonicalize_name(name) for name in KERNEL_PACKAGES)]
        while queue:
            name = queue.pop()
            if name in wanted:
                continue
            if name in ours:
                wanted[name] = "ours"
                queue.extend(ours[name].depends)
            elif name in by_name:
                wanted[name] = "pyodide"
                queue.extend(canonicalize_name(dep) for dep in upstream["packages"][by_name[name]]["depends"])
            else:
                raise LiteBuildError(f"{name} is needed in the browser, but is neither in {REQUIREMENTS.name} "
                                     f"nor in Pyodide's {PYODIDE_LOCK}: add its pure-Python wheel to {REQUIREMENTS}")

        from_pyodide = {name: upstream["packages"][by_name[name]]
                        for name, source in wanted.items() if source == "pyodide"}
        compiled = sorted(name for name, entry in from_pyodide.items() if not PURE_WHEEL.search(entry["file_name"]))
        if compiled:
            raise LiteBuildError(f"{', '.join(compiled)}: Pyodide's wheels are compiled and not in the npm package; "
                                 f"pin a pure-Python wheel of each in {REQUIREMENTS}")
        download_pure_wheels([f"{entry['name']}=={entry['version']}" for entry in from_pyodide.values()],
                             wheel_cache, python)

        packages: dict[str, dict[str, Any]] = {}
        target.mkdir(parents=True, exist_ok=True)
        for name, source in sorted(wanted.items()):
            entry: dict[str, Any]
            if source == "ours":
                wheel = ours[name]
                entry = {"name": name, "version": wheel.version, "depends": list(wheel.depends),
                         "imports": list(wheel.imports)}
                path = wheel.path
            else:
                upstream_entry = from_pyodide[name]
                path = find_wheel(wheel_cache, upstream_entry["name"], upstream_entry["version"])
                entry = {key: upstream_entry[key] for key in ("name", "version", "imports")}
                entry["depends"] = sorted(canonicalize_name(dep) for dep in upstream_entry["depends"])
            shutil.copyfile(path, target / path.name)
            entry.update(file_name=path.name, sha256=sha256(path), install_dir="site", package_type="package",
                         unvendored_tests=False)
            packages[name] = entry
        lock = {"info": upstream["info"], "packages": packages}
        (target / PYODIDE_LOCK).write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
        return sorted(packages)
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- the notebooks -------------------------------------------------------------------------------------------


def _output_text(output: nbformat.NotebookNode) -> str:
    kind = output.get("output_type")
    if kind == "stream":
        return "".join(output.get("text", ""))
    if kind == "error":
        return f"{output.get('ename')}: {output.get('evalue')}"
    data = output.get("data", {})
    for image in ("image/png", "image/jpeg"):
        if image in data:
            return f"![a figure the cell draws](data:{image};base64,{''.join(data[image]).strip()})"
    if "image/svg+xml" in data:
        encoded = base64.b64encode("".join(data["image/svg+xml"]).encode()).decode()
        return f"![a figure the cell draws](data:image/svg+xml;base64,{encoded})"
    return "".join(data.get("text/plain", ""))


def skipped_cell(cell: nbformat.NotebookNode, reason: str) -> nbformat.NotebookNode:
    """A code cell the browser cannot run, as Markdown: why, its code, and the output it gave when saved."""
    parts = [
        f"**Not run in the browser edition.** This cell needs {reason}. "
        "Here is its code, and the output it gives with Python installed (`./course lab`, Binder or a hub):",
        "```python\n" + "".join(cell.source).rstrip() + "\n```",
    ]
    texts: list[str] = []
    images: list[str] = []
    for output in cell.get("outputs", []):
        text = _output_text(output)
        (images if text.startswith("![") else texts).append(text)
    if "".join(texts).strip():
        body = "".join(texts).rstrip().replace("```", "` ` `")
        parts.append("Its output:\n\n```text\n" + body + "\n```")
    parts.extend(images)
    if not "".join(texts).strip() and not images:
        parts.append("It prints nothing.")
    metadata = {"tags": sorted(tags(cell) | {LITE_SKIP_TAG}), "esnb": {"lite-skip": reason}}
    return nbformat.v4.new_markdown_cell("\n\n".join(parts), metadata=metadata)


def lite_notebook(notebook: nbformat.NotebookNode, name: str, skips: dict[str, str] | None = None
                  ) -> tuple[nbformat.NotebookNode, list[str]]:
    """The browser's copy of a notebook, and the first lines of the cells it shows rather than runs."""
    skips = LITE_SKIPS.get(name, {}) if skips is None else skips
    lite = copy.deepcopy(notebook)
    lite.metadata["kernelspec"] = dict(KERNELSPEC)
    lite.metadata.setdefault("language_info", {})["name"] = "python"
    found: set[str] = set()
    skipped: list[str] = []
    cells = []
    for cell in lite.cells:
        reason = None
        if cell.cell_type == "code":
            source = "".join(cell.source)
            for marker, why in skips.items():
                if marker in source:
                    reason = why
                    found.add(marker)
            if LITE_SKIP_TAG in tags(cell) and reason is None:
                reason = cell.metadata.get("esnb", {}).get("lite-skip", "something the browser edition lacks")
        if reason is None:
            cells.append(cell)
        else:
            shown = skipped_cell(cell, reason)
            if "id" in cell:
                shown["id"] = cell["id"]
            cells.append(shown)
            skipped.append(source.splitlines()[0] if source else "")
    missing = set(skips) - found
    if missing:
        raise LiteBuildError(f"{name}: no code cell holds {sorted(missing)} (esnb.lite.LITE_SKIPS is out of date)")
    lite.cells = cells
    return lite, skipped


def write_notebooks(contents: Path, instructor: bool, notebooks_dir: Path = NOTEBOOKS) -> dict[str, list[str]]:
    """The lite editions into contents/ (students) and contents/instructor/; the cells shown, not run."""
    editions = {contents: student_edition}
    if instructor:
        editions[contents / "instructor"] = instructor_edition
    report: dict[str, list[str]] = {}
    for folder, edition in editions.items():
        folder.mkdir(parents=True, exist_ok=True)
        for path in course_files(notebooks_dir):
            lite, skipped = lite_notebook(edition(nbformat.read(path, as_version=4)), path.stem)
            nbformat.validate(lite)
            # Multi-line strings stay whole: JupyterLite shows a saved stream output given as a list of
            # lines with commas between them, and nbformat.write would split them into lists.
            (folder / path.name).write_text(json.dumps(lite, indent=1, ensure_ascii=False) + "\n")
            if folder == contents:
                report[path.stem] = skipped
    return report


# --- the site ------------------------------------------------------------------------------------------------


def lite_config(packages: list[str]) -> dict[str, Any]:
    """jupyter-lite.json: the kernel loads every package of the site's lock at start, and never PyPI."""
    return {
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "esnb: event sourcing, notebook by notebook",
            # window.jupyterapp, for tests that drive the site (tests/test_lite.py); the site has no server.
            "exposeAppInBrowser": True,
            "litePluginSettings": {
                KERNEL_PLUGIN: {
                    "disablePyPIFallback": True,
                    "loadPyodideOptions": {"packages": packages},
                }
            },
        },
    }


def check_offline(site: Path) -> None:
    """Fail unless the kernel's configuration and lock point only into the site."""
    configs = sorted(site.rglob("jupyter-lite.json"))
    if not configs:
        raise LiteBuildError(f"{site} has no jupyter-lite.json")
    problems = []
    for config_path in configs:
        config = json.loads(config_path.read_text())
        settings = config.get("jupyter-config-data", {}).get("litePluginSettings", {}).get(KERNEL_PLUGIN)
        if settings is None:
            continue
        url = settings.get("pyodideUrl")
        if not url or REMOTE.search(url) or not (config_path.parent / url).is_file():
            problems.append(f"{config_path.relative_to(site)}: pyodideUrl is {url!r}, not a file of the site")
        for index_url in settings.get("pipliteUrls", []):
            if REMOTE.search(index_url):
                problems.append(f"{config_path.relative_to(site)}: piplite index {index_url}")
        options = settings.get("loadPyodideOptions", {})
        for key in ("lockFileURL", "packageBaseUrl", "indexURL"):
            if key in options and REMOTE.search(str(options[key])):
                problems.append(f"{config_path.relative_to(site)}: {key} is {options[key]}")
        if not settings.get("disablePyPIFallback"):
            problems.append(f"{config_path.relative_to(site)}: the kernel may fall back to PyPI")
    lock_path = site / "static" / "pyodide" / PYODIDE_LOCK
    if not lock_path.is_file():
        problems.append(f"no {lock_path.relative_to(site)}")
    else:
        lock = json.loads(lock_path.read_text())
        for name, entry in lock["packages"].items():
            file = lock_path.parent / entry["file_name"]
            if REMOTE.search(entry["file_name"]) or not file.is_file():
                problems.append(f"{PYODIDE_LOCK}: {name} comes from {entry['file_name']}, not from the site")
            elif sha256(file) != entry["sha256"]:
                problems.append(f"{PYODIDE_LOCK}: {name}'s wheel does not match its sha256")
    for name in PYODIDE_FILES:
        if not (site / "static" / "pyodide" / name).is_file():
            problems.append(f"static/pyodide/{name} is missing")
    if problems:
        raise LiteBuildError("the site would load from the network:\n  " + "\n  ".join(problems))


def site_size(site: Path) -> int:
    return sum(path.stat().st_size for path in site.rglob("*") if path.is_file())


def build(out_dir: Path, instructor: bool = False, notebooks_dir: Path = NOTEBOOKS) -> dict[str, list[str]]:
    """Build the site in out_dir (replacing it); return, per notebook, the cells shown rather than run."""
    pyodide = pyodide_package()
    out_dir = out_dir.resolve()
    with tempfile.TemporaryDirectory(prefix="esnb-lite-") as scratch:
        lite_dir = Path(scratch) / "lite"
        static_pyodide = lite_dir / "static" / "pyodide"
        static_pyodide.mkdir(parents=True)
        for name in PYODIDE_FILES:
            shutil.copyfile(pyodide / name, static_pyodide / name)
        packages = build_lock(pyodide, static_pyodide)
        (lite_dir / "jupyter-lite.json").write_text(json.dumps(lite_config(packages), indent=2))
        contents = Path(scratch) / "files"
        report = write_notebooks(contents, instructor, notebooks_dir)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        command = [
            sys.executable, "-m", "jupyterlite_core", "build", f"--lite-dir={lite_dir}", f"--output-dir={out_dir}",
            f"--contents={contents}", "--apps=lab", "--apps=notebooks", "--no-sourcemaps",
            "--no-unused-shared-packages", "--ignore-sys-prefix",
            f"--LiteBuildConfig.federated_extensions={kernel_extension()}",
            f"--LiteBuildConfig.cache_dir={Path(scratch) / 'cache'}",
        ]
        done = subprocess.run(command, cwd=scratch, capture_output=True, text=True)
        if done.returncode != 0:
            raise LiteBuildError(f"jupyter lite build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    (out_dir / ".jupyterlite.doit.db").unlink(missing_ok=True)
    check_offline(out_dir)
    return report


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with the types a browser insists on for JupyterLite and Pyodide, and no caching."""

    extensions_map = {  # noqa: RUF012 (http.server's own class attribute)
        ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm",
        ".json": "application/json", ".ipynb": "application/json", ".whl": "application/zip",
        ".zip": "application/zip", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml",
    }

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def server(site: Path, host: str = "127.0.0.1", port: int = 8000) -> http.server.ThreadingHTTPServer:
    """An HTTP server for the built site (call serve_forever, or run it in a thread)."""
    handler = functools.partial(SiteHandler, directory=str(site))
    return http.server.ThreadingHTTPServer((host, port), handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m esnb.lite", description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="where to write the site (replaced if it exists)")
    parser.add_argument("--instructor", action="store_true", help="add the instructor edition under instructor/")
    parser.add_argument("--serve", action="store_true", help="serve the site already in out_dir; do not build")
    parser.add_argument("--port", type=int, default=8000, help="the port to serve on, at 127.0.0.1 (8000)")
    options = parser.parse_args(argv)
    if options.serve:
        if not (options.out_dir / "jupyter-lite.json").is_file():
            print(f"esnb.lite: no site in {options.out_dir}: build it first (python -m esnb.lite {options.out_dir})",
                  file=sys.stderr)
            return 1
        with server(options.out_dir, port=options.port) as httpd:
            print(f"Serving {options.out_dir} at http://127.0.0.1:{options.port}/lab/index.html (Ctrl-C stops)")
            try:
                httpd.serve_forever()
            except KeyboardInterrupt:
                pass
        return 0
    began = time.monotonic()
    try:
        report = build(options.out_dir, instructor=options.instructor)
    except LiteBuildError as error:
        print(f"esnb.lite: {error}", file=sys.stderr)
        return 1
    for name, cells in report.items():
        for first_line in cells:
            print(f"  {name}: shown, not run in the browser: {first_line}")
    size = site_size(options.out_dir)
    took = time.monotonic() - began
    print(f"Built the JupyterLite site in {options.out_dir} ({size / 2**20:.1f} MiB, {took:.0f} s).")
    print(f"Serve it with: python -m esnb.lite {options.out_dir} --serve   (or any static web server)")
    print("and open http://127.0.0.1:8000/lab/index.html")
    return 0


if __name__ == "__main__":
    sys.exit(main())
