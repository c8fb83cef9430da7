"""A headless Chromium or Chrome found on this machine, driven offline over the DevTools protocol.

`ESNB_BROWSER` names the executable to use; otherwise the usual names are looked up on PATH.
Playwright's own browser download is never used. One browser serves a whole build: starting one
takes longer than printing a page, so pages are loaded and printed one after another in it.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import websocket

ENVIRONMENT_VARIABLE = "ESNB_BROWSER"
INSTALL_HINT = "install Chromium (Debian: apt-get install chromium) or Google Chrome, or set ESNB_BROWSER"
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
MACOS_CHROME = Path("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome")

# Without the networking flags Chromium keeps trying to reach Google's hosts; --no-sandbox lets it run as root.
OFFLINE_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


class BrowserError(RuntimeError):
    """The browser failed to start, or failed at a task."""


def find_browser() -> Path | None:
    """The Chromium or Chrome executable to use, or None when there is none."""
    configured = os.environ.get(ENVIRONMENT_VARIABLE)
    if configured:
        found = shutil.which(configured)
        return Path(found) if found else None
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return MACOS_CHROME if MACOS_CHROME.exists() else None


class HeadlessBrowser:
    """One headless browser tab, with a fresh profile, listening on 127.0.0.1 for this process only."""

    def __init__(self, executable: Path, timeout: float = 60) -> None:
        self.executable = executable
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._events: list[str] = []
        self._socket: websocket.WebSocket | None = None

    def __enter__(self) -> HeadlessBrowser:
        self._profile = tempfile.TemporaryDirectory(prefix="esnb-browser-")
        profile = Path(self._profile.name)
        self._log = (profile / "stderr.log").open("w+")
        self._process = subprocess.Popen(
            [str(self.executable), "--headless", *OFFLINE_FLAGS, f"--user-data-dir={profile}",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log,
        )
        try:
            port, path = self._wait_for_port(profile / "DevToolsActivePort")
            self._socket = websocket.create_connection(
                f"ws://127.0.0.1:{port}{path}", timeout=self.timeout, suppress_origin=True, skip_utf8_validation=True
            )
            target = self._call("Target.createTarget", {"url": "about:blank"}, in_tab=False)["targetId"]
            attached = self._call("Target.attachToTarget", {"targetId": target, "flatten": True}, in_tab=False)
            self._session = attached["sessionId"]
            self._call("Page.enable")
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop()

    def load(self, url: str) -> None:
        """Open a page in the tab and wait until it and everything it loads are in."""
        self._events.clear()
        self._call("Page.navigate", {"url": url})
        self._wait_for_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page, once any promise it gives has settled."""
        result = self._call("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in result:
            description = result["exceptionDetails"].get("exception", {}).get("description")
            raise BrowserError(f"script failed in the page: {description}")
        return result["result"].get("value")

    def print_pdf(self, target: Path) -> Path:
        """The page printed to a PDF file, in the page size and margins its CSS asks for."""
        options = {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False}
        target.write_bytes(base64.b64decode(self._call("Page.printToPDF", options)["data"]))
        return target

    def _call(self, method: str, params: dict[str, Any] | None = None, in_tab: bool = True) -> dict[str, Any]:
        """Send a DevTools command, to the tab or to the browser, and return its result."""
        assert self._socket is not None
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if in_tab:
            message["sessionId"] = self._session
        self._socket.send(json.dumps(message))
        while True:
            reply = self._receive()
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise BrowserError(f"{method} failed: {reply['error'].get('message')}")
                return reply["result"]
            self._events.append(reply.get("method", ""))

    def _wait_for_event(self, method: str) -> None:
        while method not in self._events:
            self._events.append(self._receive().get("method", ""))
        self._events.clear()

    def _receive(self) -> dict[str, Any]:
        assert self._socket is not None
        try:
            return json.loads(self._socket.recv())
        except websocket.WebSocketTimeoutException as error:
            raise BrowserError(f"{self.executable.name} did not answer within {self.timeout:.0f} s") from error

    def _wait_for_port(self, announcement: Path) -> tuple[str, str]:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            lines = announcement.read_text().split() if announcement.exists() else []
            if len(lines) == 2:
                return lines[0], lines[1]
            time.sleep(0.05)
        self._log.seek(0)
        tail = "\n".join(self._log.read().strip().splitlines()[-5:])
        raise BrowserError(f"{self.executable} did not start its DevTools endpoint:\n{tail}")

    def _stop(self) -> None:
        if self._socket is not None:
            try:
                self._call("Browser.close", in_tab=False)
            except (BrowserError, OSError, websocket.WebSocketException):
                pass
            self._socket.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()
        self._profile.cleanup()
