"""The JupyterLite edition (python -m esnb.lite): its builder, and the built site in a real browser, offline.

The unit tests check the builder's pieces: the lock it writes, the notebooks' lite copies, and the check that
fails a build whose kernel would load anything from the network. The browser test builds the site, serves it
on 127.0.0.1, and opens notebooks in headless Chromium (the machine's own, driven by Playwright): the kernel
is Pyodide, in the browser. It runs every cell in order, one at a time as a learner does (JupyterLite's Run All
stops at the first error, even an intended one), and checks that only the cells meant to fail show an error. It
records every request the page, its workers and its service worker make, and fails on any that is not for
127.0.0.1; Chromium also resolves no other host name, so nothing can leave the machine unseen. The time from
opening a notebook to the first cell's output goes to test-artifacts/lite/timings.json, with screenshots.

ESNB_LITE_NOTEBOOKS=all (or a comma-separated list of stems) runs other notebooks than 01, 04 and 07.
The site needs Pyodide from npm (`npm ci --prefix lite`, which ./course test does): without it the browser
test is skipped, saying so, except in CI, where that is a failure.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from esnb import lite
from tests.support import assert_only_intended_errors

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "lite"
DEFAULT_NOTEBOOKS = ["01_domain_events", "04_mutator", "07_event_store"]
RUN_TIMEOUT_MS = 300_000


def notebooks_to_run() -> list[str]:
    chosen = os.environ.get("ESNB_LITE_NOTEBOOKS", "")
    if chosen == "all":
        return [path.stem for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    return [name.strip() for name in chosen.split(",") if name.strip()] or DEFAULT_NOTEBOOKS


# --- the builder ---------------------------------------------------------------------------------------------


def code_cell(source: str, outputs: list | None = None, tags: list[str] | None = None) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": tags} if tags else {})
    cell.outputs = outputs or []
    return cell


def test_a_skipped_cell_is_shown_with_its_reason_code_and_saved_output():
    output = nbformat.v4.new_output("stream", name="stdout", text="lost update: 1 of 2 writes kept\n")
    notebook = nbformat.v4.new_notebook(cells=[
        code_cell("x = 1"),
        code_cell("threading.Thread(target=work).start()\nprint('done')", [output]),
    ])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    copy, skipped = lite.lite_notebook(notebook, "99_test", {"threading.Thread": "threads"})
    assert skipped == ["threading.Thread(target=work).start()"]
    assert copy.metadata["kernelspec"]["name"] == "python"
    assert copy.cells[0].cell_type == "code"
    shown = copy.cells[1]
    assert shown.cell_type == "markdown"
    assert lite.LITE_SKIP_TAG in shown.metadata["tags"]
    assert "needs threads" in shown.source
    assert "threading.Thread(target=work).start()" in shown.source
    assert "lost update: 1 of 2 writes kept" in shown.source
    assert notebook.cells[1].cell_type == "code", "the notebook given is left as it was"


def test_a_cell_the_notebook_tags_lite_skip_is_shown_too():
    notebook = nbformat.v4.new_notebook(cells=[code_cell("start_server()", tags=[lite.LITE_SKIP_TAG])])
    copy, skipped = lite.lite_notebook(notebook, "99_test", {})
    assert skipped == ["start_server()"]
    assert copy.cells[0].cell_type == "markdown"


def test_a_skip_whose_cell_is_gone_fails_the_build():
    notebook = nbformat.v4.new_notebook(cells=[code_cell("x = 1")])
    with pytest.raises(lite.LiteBuildError, match="out of date"):
        lite.lite_notebook(notebook, "99_test", {"threading.Thread": "threads"})


def test_every_listed_skip_matches_a_cell_of_its_notebook():
    for name in lite.LITE_SKIPS:
        path = ROOT / "notebooks" / f"{name}.ipynb"
        lite.lite_notebook(nbformat.read(path, as_version=4), name)


def test_the_site_notebooks_keep_multiline_text_whole(tmp_path: Path):
    """JupyterLite shows a saved output given as a list of lines with commas between the lines."""
    lite.write_notebooks(tmp_path, instructor=False)
    notebook = json.loads((tmp_path / "11_performance.ipynb").read_text())
    assert notebook["metadata"]["kernelspec"]["name"] == "python"
    for cell in notebook["cells"]:
        assert isinstance(cell["source"], str)
        for output in cell.get("outputs", []):
            assert isinstance(output.get("text", ""), str)
    assert any(lite.LITE_SKIP_TAG in cell["metadata"].get("tags", []) for cell in notebook["cells"])


def test_the_wheels_dependencies_are_read_for_pyodide(tmp_path: Path):
    import zipfile

    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo/__init__.py", "")
        archive.writestr("demo-1.0.dist-info/METADATA", "\n".join([
            "Metadata-Version: 2.1", "Name: Demo", "Version: 1.0",
            "Requires-Dist: typing-extensions>=4", "Requires-Dist: pexpect; sys_platform != 'emscripten'",
            "Requires-Dist: Pygments; extra == 'test'", "Requires-Dist: tomli; python_version < '3.11'", "",
        ]))
    read = lite.read_wheel(wheel, lite.marker_environment("3.14.2"))
    assert (read.name, read.version, read.imports) == ("demo", "1.0", ("demo",))
    assert read.depends == ("typing-extensions",)


def write_site(site: Path, settings: dict, lock_packages: dict) -> None:
    (site / "static" / "pyodide").mkdir(parents=True)
    for name in lite.PYODIDE_FILES:
        (site / "static" / "pyodide" / name).write_text("")
    config = {"jupyter-config-data": {"litePluginSettings": {lite.KERNEL_PLUGIN: settings}}}
    (site / "jupyter-lite.json").write_text(json.dumps(config))
    (site / "static" / "pyodide" / lite.PYODIDE_LOCK).write_text(json.dumps({"info": {}, "packages": lock_packages}))


def test_the_offline_check_passes_a_site_that_holds_everything(tmp_path: Path):
    wheel = tmp_path / "static" / "pyodide" / "demo-1.0-py3-none-any.whl"
    write_site(tmp_path, {"pyodideUrl": "./static/pyodide/pyodide.mjs", "disablePyPIFallback": True}, {})
    wheel.write_bytes(b"wheel")
    lock = json.loads((wheel.parent / lite.PYODIDE_LOCK).read_text())
    lock["packages"]["demo"] = {"file_name": wheel.name, "sha256": lite.sha256(wheel)}
    (wheel.parent / lite.PYODIDE_LOCK).write_text(json.dumps(lock))
    lite.check_offline(tmp_path)


@pytest.mark.parametrize(("settings", "packages", "complaint"), [
    ({"disablePyPIFallback": True}, {}, "pyodideUrl is None"),
    ({"pyodideUrl": "https://cdn.jsdelivr.net/pyodide/v314.0.6/full/pyodide.mjs", "disablePyPIFallback": True}, {},
     "not a file of the site"),
    ({"pyodideUrl": "./static/pyodide/pyodide.mjs"}, {}, "fall back to PyPI"),
    ({"pyodideUrl": "./static/pyodide/pyodide.mjs", "disablePyPIFallback": True},
     {"ipython": {"file_name": "https://cdn.jsdelivr.net/pyodide/ipython.whl", "sha256": ""}}, "ipython comes from"),
    ({"pyodideUrl": "./static/pyodide/pyodide.mjs", "disablePyPIFallback": True},
     {"ipython": {"file_name": "ipython-9-py3-none-any.whl", "sha256": ""}}, "not from the site"),
])
def test_the_offline_check_fails_a_site_that_would_use_the_network(tmp_path: Path, settings, packages, complaint):
    write_site(tmp_path, settings, packages)
    with pytest.raises(lite.LiteBuildError, match="would load from the network") as failure:
        lite.check_offline(tmp_path)
    assert complaint in str(failure.value)


def test_a_missing_pyodide_fails_the_build_saying_what_to_run(tmp_path: Path):
    with pytest.raises(lite.LiteBuildError, match="npm ci --prefix lite"):
        lite.pyodide_package(tmp_path)


def test_the_npm_package_pins_the_pyodide_the_kernel_expects():
    pytest.importorskip("jupyterlite_pyodide_kernel", reason="needs the lite extra: pip install -e '.[lite]'")
    package = json.loads((ROOT / "lite" / "package.json").read_text())
    locked = json.loads((ROOT / "lite" / "package-lock.json").read_text())
    assert package["dependencies"]["pyodide"] == lite.kernel_pyodide_version()
    assert locked["packages"]["node_modules/pyodide"]["version"] == lite.kernel_pyodide_version()


# --- the site in a browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("jupyterlite_core", reason="needs the lite extra: pip install -e '.[lite]'")
    if not (lite.PYODIDE_PACKAGE / "package.json").is_file():
        reason = "needs Pyodide from npm: npm ci --prefix lite (./course test does it when npm is there)"
        if os.environ.get("CI"):  # CI's ./course installs it: its absence there is a failure, not a skip
            pytest.fail(reason)
        pytest.skip(reason)
    out = tmp_path_factory.mktemp("lite") / "site"
    began = time.monotonic()
    lite.build(out)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "site.json").write_text(json.dumps(
        {"bytes": lite.site_size(out), "build_seconds": round(time.monotonic() - began, 1)}, indent=2))
    return out


@pytest.fixture(scope="module")
def served(site: Path) -> Iterator[str]:
    httpd = lite.server(site, port=0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api",
                                         reason="needs Playwright for Python: pip install playwright")
    from esnb.browser import INSTALL_HINT, OFFLINE_FLAGS, find_browser

    executable = find_browser()
    if executable is None:
        pytest.skip(f"needs a browser: {INSTALL_HINT}")
    # Chromium resolves no host name but loopback's: a request the test did not see could not leave either.
    flags = [*OFFLINE_FLAGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"]
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(executable), args=flags, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def is_loopback(url: str) -> bool:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme in ("data", "blob", "about"):
        return True
    return parsed.hostname in ("127.0.0.1", "localhost", "::1")


OPENED = """async (path) => {
  const app = window.jupyterapp;
  await app.started;
  await app.restored;
  const panel = app.shell.currentWidget;
  if (!panel || !panel.context || panel.context.path !== path) throw new Error(`${path} is not the open tab`);
  await panel.context.ready;
  await panel.sessionContext.ready;
}"""

# Run the first code cell alone, and resolve when it has output: the learner's wait for a first answer.
FIRST_OUTPUT = """async (timeout) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  const notebook = panel.content;
  const index = notebook.widgets.findIndex((cell) => cell.model.type === "code");
  notebook.activeCellIndex = index;
  const cell = notebook.widgets[index].model;
  await app.commands.execute("notebook:run-cell");
  const deadline = Date.now() + timeout;
  while (cell.executionCount === null || panel.sessionContext.session.kernel.status !== "idle") {
    if (Date.now() > deadline) throw new Error(`the first cell gave no output within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return cell.outputs.toJSON().map((output) => output.output_type);
}"""

# Run every code cell in order, one at a time, as a learner does with Shift+Enter, and wait for each to finish.
# (JupyterLite's kernel drops the cells queued behind any error, even one a cell tagged raises-exception makes
# on purpose, so Run All stops at the first intended error there; JupyterLab's kernels go on.)
RUN_EACH = """async (timeout) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  const notebook = panel.content;
  const kernelIdle = () => panel.sessionContext.session.kernel.status === "idle";
  const intended = (cell) => (cell.getMetadata("tags") || []).includes("raises-exception");
  const deadline = Date.now() + timeout;
  await app.commands.execute("notebook:clear-all-cell-outputs");
  const results = [];
  for (let index = 0; index < notebook.widgets.length; index++) {
    const cell = notebook.widgets[index].model;
    if (cell.type !== "code") continue;
    notebook.activeCellIndex = index;
    await app.commands.execute("notebook:run-cell");
    while ((cell.executionCount === null || !kernelIdle()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    results.push({
      intended: intended(cell),
      count: cell.executionCount,
      errors: cell.outputs.toJSON().filter((output) => output.output_type === "error")
        .map((error) => `${error.ename}: ${error.evalue}`),
      source: cell.sharedModel.getSource().split("\\n")[0],
    });
  }
  return results;
}"""

SHOWN_NOT_RUN = """() => [...window.jupyterapp.shell.currentWidget.content.model.cells]
  .filter((cell) => (cell.getMetadata("tags") || []).includes("lite-skip")).length"""


def record_timing(name: str, seconds: float) -> None:
    path = ARTIFACTS / "timings.json"
    timings = json.loads(path.read_text()) if path.exists() else {}
    timings[name] = {"open_to_first_output_seconds": round(seconds, 1)}
    path.write_text(json.dumps(timings, indent=2, sort_keys=True))


@pytest.mark.slow
@pytest.mark.parametrize("name", notebooks_to_run())
def test_run_all_in_the_browser_kernel_shows_no_error_but_the_intended_ones_and_stays_offline(
    browser, served: str, site: Path, name: str
):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.on("request", lambda request: requests.append(request.url))
    page.on("worker", lambda worker: requests.append(worker.url))
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.set_default_timeout(RUN_TIMEOUT_MS)
    try:
        opened = time.monotonic()
        page.goto(f"{served}/lab/index.html?path={name}.ipynb")
        page.wait_for_function("() => window.jupyterapp !== undefined")
        path = json.dumps(f"{name}.ipynb")
        page.wait_for_function(f"() => window.jupyterapp.shell.currentWidget?.context?.path === {path}")
        page.evaluate(OPENED, f"{name}.ipynb")
        first = page.evaluate(FIRST_OUTPUT, RUN_TIMEOUT_MS)
        record_timing(name, time.monotonic() - opened)
        assert "error" not in first, f"{name}'s first cell failed: {console[-5:]}"
        cells = page.evaluate(RUN_EACH, RUN_TIMEOUT_MS)
        page.screenshot(path=str(ARTIFACTS / f"{name}-end.png"))
        assert_only_intended_errors(name, cells)
        skips = lite.LITE_SKIPS.get(name, {})
        assert page.evaluate(SHOWN_NOT_RUN) >= len(skips), "a cell the browser cannot run is not shown as such"
    finally:
        page.close()
        context.close()
    assert requests, "no request was recorded"
    away = sorted({url for url in requests if not is_loopback(url)})
    assert not away, f"requests left the machine: {away[:5]}"
