"""The workshop room end to end: JupyterHub with workshop/jupyterhub_config.py, its proxy from npm, and learners.

The hub runs on 127.0.0.1 with free ports and a folder of its own. Three learners (one with spaces, quotes and
non-ASCII letters in their name) log in through the hub's login form with the shared password, start their
servers, and each runs notebook 07 as handed out to them (~/esnb-course/07_event_store.ipynb) in a kernel of
their own server, through the Jupyter server's REST and kernel API. Each learner's events must be in their own
database only. A fourth learner, whose database name is taken by a database they do not own, gets a message
in the hub and no server. Then the servers and the hub stop, and `python -m esnb.workshop drop --all` drops
the databases. The run uses a prefix of its own, so it never meets another run's databases.

It needs PostgreSQL (ESNB_DATABASE_URL) and the proxy that ./course installs into workshop/node_modules.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
import websocket
from psycopg import sql
from sqlalchemy import make_url

from esnb import workshop
from esnb.databases import ENVIRONMENT_VARIABLE, backend_name, database_url
from esnb.editions import SOLUTION_TAG
from tests.support import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "workshop" / "jupyterhub_config.py"
PROXY = ROOT / "workshop" / "node_modules" / ".bin" / "configurable-http-proxy"
PASSWORD = "the room's password"
NOTEBOOK = "07_event_store.ipynb"
HUB_START_TIMEOUT = 90  # seconds
SERVER_START_TIMEOUT = 120
CELL_TIMEOUT = 120
STOP_TIMEOUT = 60


@pytest.fixture(scope="module")
def server_url() -> str:
    url = database_url()
    if backend_name(url) != "postgresql":
        pytest.skip(f"needs PostgreSQL, as the workshop gives each learner a database and a role on one: set "
                    f"{ENVIRONMENT_VARIABLE}=postgresql+psycopg://postgres@127.0.0.1:5432/test (it names "
                    f"{backend_name(url)})")
    if not PROXY.exists():
        reason = f"needs JupyterHub's proxy in {PROXY.parent}: ./course installs it (npm ci --prefix workshop)"
        if os.environ.get("CI"):  # CI's ./course installs it: its absence there is a failure, not a skip
            pytest.fail(reason)
        pytest.skip(reason)
    return url


# HTTP as a browser would do it: cookies, no redirects followed, the hub's XSRF token on requests that change things


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Answer:
    status: int
    headers: Any
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Client:
    base: str  # http://127.0.0.1:PORT
    token: str | None = None
    cookies: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects())

    def xsrf(self) -> str:
        return next((cookie.value or "" for cookie in self.cookies if cookie.name == "_xsrf"), "")

    def request(self, path: str, method: str = "GET", body: Any = None, form: dict[str, str] | None = None,
                timeout: float = 30) -> Answer:
        headers = {"X-XSRFToken": self.xsrf()} if self.xsrf() else {}
        data = None
        if self.token:
            headers["Authorization"] = f"token {self.token}"
        if form is not None:
            data = urllib.parse.urlencode({**form, "_xsrf": self.xsrf()}).encode()
        elif body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        call = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(call, timeout=timeout) as answer:
                return Answer(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, error.read())


def wait_for(what: str, check: Any, timeout: float, interval: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"{what} within {timeout:.0f} s")


# The hub


@dataclass
class Hub:
    url: str
    room: Path
    prefix: str
    admin: str  # the shared server's URL, as the hub has it
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def processes_under(folder: Path) -> list[int]:
    """The processes working in a folder: the learners' servers and their kernels, whose sessions are their own."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if Path(os.readlink(proc / "cwd")).is_relative_to(folder):
                found.append(int(proc.name))
        except OSError:
            continue
    return found


def end(process: subprocess.Popen[bytes], folder: Path) -> None:
    """Stop the hub as Ctrl-C would (it stops its proxy and the learners' servers), then anything left."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    for pid in processes_under(folder):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def hub(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    folder = tmp_path_factory.mktemp("hub")
    port, hub_port, api_port = free_port(), free_port(), free_port()
    run_prefix = f"esnb_t{secrets.token_hex(4)}_"
    admin = make_url(server_url).render_as_string(hide_password=False)
    environment = {name: value for name, value in os.environ.items() if name != ENVIRONMENT_VARIABLE}
    environment.update(
        ESNB_WORKSHOP_PASSWORD=PASSWORD, ESNB_WORKSHOP_DATABASE_URL=admin, ESNB_WORKSHOP_PREFIX=run_prefix,
        ESNB_WORKSHOP_DIR=str(folder / "room"), ESNB_WORKSHOP_URL=f"http://127.0.0.1:{port}",
    )
    log = folder / "jupyterhub.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG), f"--JupyterHub.hub_port={hub_port}",
             f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{api_port}"],
            cwd=folder, env=environment, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    running = Hub(f"http://127.0.0.1:{port}", folder / "room", run_prefix, admin, log)
    try:
        def answers() -> bool:
            if process.poll() is not None:
                pytest.fail(f"JupyterHub exited with status {process.returncode}:\n{running.tail()}")
            try:
                return Client(running.url).request("/hub/api/", timeout=5).status == 200
            except OSError:
                return False
        wait_for(f"JupyterHub did not answer on {running.url}\n{running.tail()}", answers, HUB_START_TIMEOUT)
        yield running
    finally:
        end(process, folder)
        os.environ[workshop.PREFIX_VARIABLE] = run_prefix
        try:
            leftovers = workshop.learner_databases(make_url(admin))
            for database in leftovers:
                workshop.drop_learner_database(database.name, make_url(admin))
        finally:
            del os.environ[workshop.PREFIX_VARIABLE]


# A learner, through the hub


@dataclass
class Learner:
    name: str
    hub: Hub

    def __post_init__(self) -> None:
        self.browser = Client(self.hub.url)

    def log_in(self, password: str) -> Answer:
        self.browser.request("/hub/login")  # sets the XSRF cookie the form sends back
        return self.browser.request("/hub/login", "POST", form={"username": self.name, "password": password})

    def start(self) -> Answer:
        return self.browser.request(f"/hub/api/users/{self.quoted}/server", "POST", body={})

    @property
    def quoted(self) -> str:
        return urllib.parse.quote(self.name, safe="")

    def api(self) -> Client:
        """A client with a token of the learner's own, for the hub's API and their server."""
        answer = self.browser.request(f"/hub/api/users/{self.quoted}/tokens", "POST",
                                      body={"note": "esnb hub test", "expires_in": 900})
        assert answer.status in (200, 201), answer.body
        return Client(self.hub.url, token=answer.json()["token"])

    def server(self, client: Client) -> dict[str, Any]:
        model = client.request(f"/hub/api/users/{self.quoted}").json()
        return dict(model.get("servers", {}).get("", {}))

    def wait_until_ready(self, client: Client) -> None:
        def ready() -> bool:
            server = self.server(client)
            if not server:
                pytest.fail(f"{self.name!r}'s server failed to start:\n{self.hub.tail()}")
            return bool(server.get("ready"))
        wait_for(f"{self.name!r}'s server did not start\n{self.hub.tail()}", ready, SERVER_START_TIMEOUT)


def run_notebook(client: Client, server_path: str, notebook: dict[str, Any], path: str) -> list[dict[str, Any]]:
    """Run a notebook's code cells in a new kernel of the learner's server; each cell's tags, errors and text."""
    session = client.request(f"{server_path}api/sessions", "POST", body={
        "path": path, "type": "notebook", "name": Path(path).name, "kernel": {"name": "python3"}})
    assert session.status == 201, session.body
    kernel = session.json()["kernel"]["id"]
    socket_url = client.base.replace("http", "ws", 1) + f"{server_path}api/kernels/{kernel}/channels"
    channel = websocket.create_connection(socket_url, header=[f"Authorization: token {client.token}"],
                                          timeout=CELL_TIMEOUT)
    results = []
    try:
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                tags = cell.get("metadata", {}).get("tags", [])
                results.append({"tags": tags, **execute(channel, "".join(cell["source"]))})
    finally:
        channel.close()
        client.request(f"{server_path}api/sessions/{session.json()['id']}", "DELETE")
    return results


def execute(channel: websocket.WebSocket, code: str) -> dict[str, Any]:
    """Send one execute_request and collect its errors and printed text until the kernel is idle again."""
    msg_id = uuid.uuid4().hex
    channel.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "learner", "session": msg_id,
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": False},
    }))
    errors, text, replied, idle = [], [], False, False
    deadline = time.monotonic() + CELL_TIMEOUT
    while not (replied and idle):
        assert time.monotonic() < deadline, f"the cell did not finish within {CELL_TIMEOUT} s: {code[:80]!r}"
        message = json.loads(channel.recv())
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if kind == "error":
            errors.append(f"{content['ename']}: {content['evalue']}")
        elif kind == "stream":
            text.append(content["text"])
        elif kind == "execute_reply":
            replied = True
        elif kind == "status" and content["execution_state"] == "idle":
            idle = True
    return {"errors": errors, "text": "".join(text), "source": code.splitlines()[0] if code else ""}


def stored(admin: str, database: str) -> tuple[int, set[str]]:
    """How many events a learner's database holds, and their sequence ids."""
    url = make_url(admin)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                         dbname=database, connect_timeout=10) as connection:
        rows = connection.execute(sql.SQL("SELECT sequence_id::text FROM {}").format(
            sql.Identifier("sequenced_items"))).fetchall()
    return len(rows), {row[0] for row in rows}


# The test


def test_a_room_of_learners_each_with_their_own_database(hub: Hub):
    tag = secrets.token_hex(3)
    names = [f"ada {tag}", f"zoë o'brien \"zed\" {tag}", f"{'long' * 25}-{tag}"]
    learners = [Learner(name, hub) for name in names]

    assert Learner(f"mallory {tag}", hub).log_in("not the password").status == 403
    for learner in learners:
        answer = learner.log_in(PASSWORD)
        assert answer.status == 302, f"{learner.name!r} could not log in: {answer.status}"
        assert learner.start().status in (201, 202)
    clients = [learner.api() for learner in learners]
    for learner, client in zip(learners, clients, strict=True):
        learner.wait_until_ready(client)

    counts = []
    for learner, client in zip(learners, clients, strict=True):
        server_path = urllib.parse.urlparse(learner.server(client)["url"]).path
        listing = client.request(f"{server_path}api/contents/{workshop.COURSE_FOLDER}").json()
        handed_out = sorted(entry["name"] for entry in listing["content"])
        assert handed_out == sorted(path.name for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
        notebook = client.request(f"{server_path}api/contents/{workshop.COURSE_FOLDER}/{NOTEBOOK}").json()["content"]
        assert not [cell for cell in notebook["cells"] if SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])]

        cells = run_notebook(client, server_path, notebook, f"{workshop.COURSE_FOLDER}/{NOTEBOOK}")
        for cell in cells:
            if "raises-exception" in cell["tags"]:
                assert cell["errors"], f"{cell['source']!r} should fail on purpose"
            else:
                assert not cell["errors"], f"{learner.name!r}: {cell['source']!r} failed: {cell['errors']}"
            if "check" in cell["tags"]:
                assert cell["text"].startswith("✗"), f"{cell['source']!r} should report the unsolved exercise"

        expected = workshop.database_name(learner.name, hub.prefix)
        probe = execute_in_new_kernel(client, server_path,
                                      "from sqlalchemy import make_url\nfrom esnb import database_url\n"
                                      "url = make_url(database_url())\nprint(url.database, url.username)")
        assert probe == f"{expected} {expected}\n", f"{learner.name!r}'s server has {probe!r}"
        counts.append(stored(hub.admin, expected))

    assert all(count > 0 for count, _ in counts), counts
    assert len({count for count, _ in counts}) == 1, f"one run of {NOTEBOOK} each, yet {counts}"
    for index, (_, ids) in enumerate(counts):
        for _, other in counts[index + 1:]:
            assert not ids & other, "one learner's events are in another learner's database"

    for learner, client in zip(learners, clients, strict=True):
        assert client.request(f"/hub/api/users/{learner.quoted}/server", "DELETE").status in (202, 204)
    for learner, client in zip(learners, clients, strict=True):
        wait_for(f"{learner.name!r}'s server did not stop", lambda learner=learner, client=client:
                 not learner.server(client), STOP_TIMEOUT)

    # Their work is kept: a restart finds the notebooks as they left them.
    learner, client = learners[0], clients[0]
    kept = hub.room / "learners" / learner.name / workshop.COURSE_FOLDER / "mine.txt"
    kept.write_text("my notes")
    assert learner.start().status in (201, 202)
    learner.wait_until_ready(client)
    assert kept.read_text() == "my notes"
    assert client.request(f"/hub/api/users/{learner.quoted}/server", "DELETE").status in (202, 204)
    wait_for("the restarted server did not stop", lambda: not learner.server(client), STOP_TIMEOUT)


def execute_in_new_kernel(client: Client, server_path: str, code: str) -> str:
    cells = run_notebook(client, server_path, {"cells": [{"cell_type": "code", "source": code}]}, "probe.ipynb")
    assert not cells[0]["errors"], cells[0]["errors"]
    return str(cells[0]["text"])


def test_a_learner_whose_database_cannot_be_made_gets_a_message_and_no_server(hub: Hub):
    learner = Learner(f"blocked {secrets.token_hex(3)}", hub)
    taken = workshop.database_name(learner.name, hub.prefix)
    url = make_url(hub.admin)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                         dbname=url.database, autocommit=True, connect_timeout=10) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(taken)))
    assert learner.log_in(PASSWORD).status == 302
    answer = learner.start()
    client = learner.api()
    if answer.status in (201, 202):  # the hub answered before the hook failed: the progress stream says why
        progress = client.request(f"/hub/api/users/{learner.quoted}/server/progress", timeout=60).body.decode()
        message = [json.loads(line[5:]) for line in progress.splitlines() if line.startswith("data:")][-1]
        assert message.get("failed"), progress
        text = message["message"]
    else:
        text = answer.json()["message"]
    assert f"the database {taken}" in text and "belongs to" in text and "ask the instructor" in text, text
    assert not learner.server(client).get("ready")
    assert not (hub.room / "learners" / learner.name / workshop.COURSE_FOLDER).exists(), "a server started"


def test_the_instructor_lists_and_drops_the_learners_databases(hub: Hub):
    """Runs last in this file: after the room, the databases are dropped with the instructor's command."""
    environment = {**os.environ, "ESNB_WORKSHOP_DATABASE_URL": hub.admin, "ESNB_WORKSHOP_PREFIX": hub.prefix}
    command = [sys.executable, "-m", "esnb.workshop"]
    listed = subprocess.run([*command, "list"], env=environment, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    names = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert names and all(name.startswith(hub.prefix) for name in names), listed.stdout
    dropped = subprocess.run([*command, "drop", "--all"], env=environment, capture_output=True, text=True,
                             timeout=120)
    assert dropped.returncode == 0, dropped.stderr
    assert sorted(line.removeprefix("dropped ") for line in dropped.stdout.splitlines()) == sorted(names)
    again = subprocess.run([*command, "list"], env=environment, capture_output=True, text=True, timeout=60)
    assert again.stdout == "" and "0 learner databases" in again.stderr
