"""The course in a real browser: JupyterLab, headless Chromium driven by Playwright, Run All on three notebooks.

JupyterLab serves a copy of notebooks/ (it autosaves) on 127.0.0.1 with a random port and token, and
exposes `window.jupyterapp`, through which the test runs all cells and reads the notebook model.
Playwright drives the machine's own Chromium (never a downloaded one). Screenshots go to
test-artifacts/browser/. Without Playwright or a browser the test is skipped, saying what to install.

JupyterLab runs with the course's settings in this environment (esnb.lab_settings), as `./course lab` does,
and a test checks that it opens without asking about the news and asks its server for no news or updates;
a JupyterLab started without those settings shows that the same check sees the question.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from esnb.browser import INSTALL_HINT, OFFLINE_FLAGS, find_browser
from esnb.databases import ENVIRONMENT_VARIABLE, database_url, scratch_database
from tests.support import assert_only_intended_errors, free_port

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:
    pytest.skip(
        "needs Playwright for Python: pip install playwright (no 'playwright install' needed)", allow_module_level=True
    )

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "browser"
NOTEBOOKS = ["00_welcome", "04_mutator", "07_event_store"]
RUN_TIMEOUT_MS = 240_000


@dataclass(frozen=True)
class Lab:
    url: str
    token: str


def request(url: str, token: str, method: str = "GET") -> int:
    call = urllib.request.Request(url, method=method, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(call, timeout=5) as answer:
        return answer.status


def wait_until_up(lab: Lab, server: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited with status {server.returncode}:\n{log.read_text()[-2000:]}")
        try:
            if request(f"{lab.url}/api/status", lab.token) == 200:
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {timeout:.0f} s:\n{log.read_text()[-2000:]}")


def stop(lab: Lab, server: subprocess.Popen) -> None:
    """Shut JupyterLab down with its kernels; end it if it does not go."""
    try:
        request(f"{lab.url}/api/shutdown", lab.token, method="POST")
        server.wait(timeout=30)
    except (urllib.error.URLError, OSError, subprocess.TimeoutExpired):
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab on a copy of the course, with a database of its own when a server is configured.

    It has the settings the course installs into its environment (esnb.lab_settings), as `./course lab` has,
    and no learner settings of its own: nothing here turns off the news pop-up or the update checks."""
    with running_lab(tmp_path_factory.mktemp("lab")) as lab:
        yield lab


@pytest.fixture(scope="module")
def lab_without_course_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """JupyterLab as it comes, without the course's settings: it asks about the news."""
    home = tmp_path_factory.mktemp("plain-lab")
    with running_lab(home, [f"--LabApp.app_settings_dir={home / 'no-app-settings'}"]) as lab:
        yield lab


@contextmanager
def running_lab(home: Path, options: Sequence[str] = ()) -> Iterator[Lab]:
    shutil.copytree(ROOT / "notebooks", home / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    lab = Lab(url=f"http://127.0.0.1:{free_port()}", token=secrets.token_hex(16))
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={lab.url.rsplit(':', 1)[1]}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={lab.token}",
        f"--ServerApp.root_dir={home / 'notebooks'}",
        "--LabApp.expose_app_in_browser=True", *options,
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = home / "jupyterlab.log"
    with scratch_database(database_url()) as url, log.open("w") as output:
        environment = {
            **os.environ,
            ENVIRONMENT_VARIABLE: url,
            "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        }
        server = subprocess.Popen(command, cwd=home, env=environment, stdout=output, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL)
        try:
            wait_until_up(lab, server, log)
            yield lab
        finally:
            stop(lab, server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = find_browser()
    if executable is None:
        pytest.skip(f"needs a browser: {INSTALL_HINT}")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(executable), args=list(OFFLINE_FLAGS), headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


OPEN = """async (path) => {
  const app = window.jupyterapp;
  await app.started;
  await app.restored;
  const panel = app.shell.currentWidget;
  if (!panel || !panel.context || panel.context.path !== path) {
    throw new Error(`${path} is not the open tab`);
  }
  await panel.context.ready;
  await panel.sessionContext.ready;
}"""

# The command's promise settles early when a cell fails, even on purpose, while the kernel goes on with the
# cells queued after it. So the test clears every count first, then waits until each cell has run and the
# kernel is idle, or, after an unintended error has made the kernel skip the rest, until the kernel is idle.
RUN_ALL = """async (timeout) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  const codeCells = () => [...panel.content.model.cells].filter((cell) => cell.type === "code");
  const intended = (cell) => (cell.getMetadata("tags") || []).includes("raises-exception");
  const failed = (cell) => cell.outputs.toJSON().some((output) => output.output_type === "error");
  const deadline = Date.now() + timeout;
  await app.commands.execute("notebook:clear-all-cell-outputs");
  await app.commands.execute("notebook:run-all-cells");
  for (;;) {
    const idle = panel.sessionContext.session.kernel.status === "idle";
    const cells = codeCells();
    const finished = cells.every((cell) => cell.executionCount !== null);
    if (idle && (finished || cells.some((cell) => failed(cell) && !intended(cell)))) {
      break;
    }
    if (Date.now() > deadline) throw new Error(`Run All did not finish within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return codeCells().map((cell) => ({
    intended: intended(cell),
    count: cell.executionCount,
    errors: cell.outputs.toJSON().filter((output) => output.output_type === "error")
      .map((error) => `${error.ename}: ${error.evalue}`),
    source: cell.sharedModel.getSource().split("\\n")[0],
  }));
}"""

SHOW_CELL = """(text) => {
  const notebook = window.jupyterapp.shell.currentWidget.content;
  const index = notebook.widgets.findIndex((cell) => cell.model.sharedModel.getSource().includes(text));
  if (index < 0) throw new Error(`no cell holds ${text}`);
  notebook.activeCellIndex = index;
  return notebook.scrollToItem(index, "start");
}"""

MERMAID_DRAWN = """() => [...document.querySelectorAll(".jp-RenderedMermaid img")]
  .some((img) => img.src.startsWith("data:image/svg+xml") && img.naturalWidth > 0)"""


def open_notebook(browser: Browser, lab: Lab, name: str) -> Page:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(120_000)
    page.goto(f"{lab.url}/lab/tree/{name}.ipynb?reset&token={lab.token}")
    page.wait_for_function("() => window.jupyterapp !== undefined")
    path = json.dumps(name + ".ipynb")
    page.wait_for_function(f"() => window.jupyterapp.shell.currentWidget?.context?.path === {path}")
    page.evaluate(OPEN, f"{name}.ipynb")
    return page


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_run_all_in_jupyterlab_shows_no_error_but_the_intended_ones(browser: Browser, lab: Lab, name: str):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = open_notebook(browser, lab, name)
    try:
        cells = page.evaluate(RUN_ALL, RUN_TIMEOUT_MS)
        page.screenshot(path=str(ARTIFACTS / f"{name}-end.png"))
        assert_only_intended_errors(name, cells)
        if name == "00_welcome":
            page.evaluate(SHOW_CELL, "```mermaid")
            page.wait_for_function(MERMAID_DRAWN, timeout=60_000)
            page.locator(".jp-RenderedMermaid").first.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"{name}-course-map.png"))
    finally:
        try:
            page.evaluate("() => window.jupyterapp.shell.currentWidget?.sessionContext?.shutdown()")
        finally:
            page.close()


NEWS_QUESTION = "Would you like to get notified about official Jupyter news?"
SETTLE_SECONDS = 5  # the news question comes a moment after JupyterLab has restored its layout
# What the notification bell and its list show, with the list opened; and the news setting the page got.
NOTIFICATIONS = """async () => {
  const app = window.jupyterapp;
  await app.restored;
  await app.commands.execute("apputils:display-notifications");
  const plugin = await app.serviceManager.settings.fetch("@jupyterlab/apputils-extension:notification");
  const setting = (name) => plugin.settings?.[name] ?? plugin.schema.properties[name].default;
  return {fetchNews: setting("fetchNews"), checkForUpdates: setting("checkForUpdates"), shown: document.body.innerText};
}"""


def notifications_after_start(browser: Browser, lab: Lab, name: str) -> tuple[dict[str, str], list[str]]:
    """What a learner sees of notifications a few seconds after JupyterLab opens, and the requests for news."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url) if "/lab/api/" in request.url else None)
    try:
        page.set_default_timeout(60_000)
        page.goto(f"{lab.url}/lab?reset&token={lab.token}")
        page.wait_for_function("() => window.jupyterapp !== undefined")
        page.evaluate("async () => { await window.jupyterapp.restored; }")
        page.wait_for_timeout(SETTLE_SECONDS * 1000)
        seen = page.evaluate(NOTIFICATIONS)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        return seen, [url for url in asked if "/lab/api/news" in url or "/lab/api/update" in url]
    finally:
        page.close()


def test_the_course_jupyterlab_opens_without_the_news_question_and_checks_for_no_updates(browser: Browser, lab: Lab):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seen, asked = notifications_after_start(browser, lab, "lab-notifications")
    assert (seen["fetchNews"], seen["checkForUpdates"]) == ("false", False), "the course's settings are not in force"
    assert NEWS_QUESTION not in seen["shown"], "JupyterLab asks about the news"
    assert asked == [], f"JupyterLab asked its server for news or updates: {asked}"


def test_without_the_course_settings_jupyterlab_asks_about_the_news(browser: Browser, lab_without_course_settings: Lab):
    """The check above can see the question: JupyterLab as it comes asks it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seen, _ = notifications_after_start(browser, lab_without_course_settings, "plain-lab-notifications")
    assert seen["fetchNews"] == "none"
    assert NEWS_QUESTION in seen["shown"]
