"""The README's commands run as written.

Every line of a shell-fenced block in README.md (```bash) is a command. Each has exactly one plan in PLAN,
and `test_every_readme_command_has_a_plan` fails when a command is added to the README (or dropped from it)
without the plan following. A plan says how the command is tested:

    run     run by bash, exactly as the README line reads, with a timeout, and its output checked
    server  started by bash as the line reads; the test waits for JupyterLab to answer HTTP on its port,
            checks what it serves, and stops it (it would otherwise run until stopped)
    no      not run, with the reason, shown as the skip reason of its parametrised test

A command that writes into the repo (the handouts) runs in a temporary copy of it, the files git knows of
as they are now, with `.venv` linked to the repo's. A read-only one runs in the repo itself. The commands
run without ESNB_DATABASE_URL in their environment unless the line itself sets it, as in a fresh shell.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from esnb.browser import find_browser
from esnb.databases import ENVIRONMENT_VARIABLE

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
FENCE = re.compile(r"^```(?P<language>[\w+-]*)\s*$")
ASSIGNMENT = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")
BENCH_TIMEOUT = 240  # seconds; the defaults take about 20 s on SQLite and 45 s with PostgreSQL on two cores
HANDOUTS_TIMEOUT = 180  # about 6 s without a browser
LAB_START_TIMEOUT = 90  # about 2 s
RUNNING_AS_ROOT = os.geteuid() == 0


# The README's commands


@dataclass(frozen=True)
class ReadmeCommand:
    line: str  # as the README has it, with its comment
    words: tuple[str, ...]  # as bash splits it, without the comment

    @property
    def command(self) -> str:
        return " ".join(self.words)

    @property
    def environment(self) -> dict[str, str]:
        """The variables the line sets for its command (NAME=value words before it)."""
        assignments: dict[str, str] = {}
        for word in self.words:
            match = ASSIGNMENT.match(word)
            if not match:
                break
            assignments[match["name"]] = match["value"]
        return assignments


def shell_commands(markdown: str) -> list[ReadmeCommand]:
    """Every command line of the shell-fenced code blocks, in order; a trailing backslash joins lines."""
    commands: list[ReadmeCommand] = []
    language: str | None = None  # None outside a fenced block
    pending = ""
    for text in markdown.splitlines():
        fence = FENCE.match(text.strip())
        if fence:
            language = fence["language"] if language is None else None
            continue
        if language not in SHELL_LANGUAGES:
            continue
        pending += text.strip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        words = tuple(shlex.split(pending, comments=True))
        if words:
            commands.append(ReadmeCommand(pending, words))
        pending = ""
    return commands


README_COMMANDS = shell_commands(README.read_text())


# What the test does with each


@dataclass(frozen=True)
class Plan:
    id: str
    command: str  # ReadmeCommand.command: the line without its comment
    how: Literal["run", "server", "no"]
    why: str = ""  # for "no": why it is not run


CONDA = "conda is not installed here; even with it, " if shutil.which("conda") is None else ""
THE_SUITE = "it is the test suite itself, which this file is part of: run from the suite it would run itself"
BENCH_LONG = ("minutes of benchmark at full size; tests/test_bench_workloads.py runs the same workloads, flags and"
              " backends end to end at tiny sizes")

PLAN = [
    Plan("course-lab", "./course lab", "server"),
    Plan("course-test", "./course test", "no", THE_SUITE),
    Plan("conda-env-create", "conda env create -f environment.yml", "no",
         f"{CONDA}the command creates the conda environment `esnb` outside the repo and downloads every package:"
         " minutes of network, and a change to the machine, not something a test should do"),
    Plan("conda-activate", "conda activate esnb", "no",
         f"{CONDA}`conda activate` only works in an interactive shell set up by `conda init`, and needs the"
         " environment the line above creates"),
    Plan("jupyter-lab", "jupyter lab notebooks/", "server"),
    Plan("pytest", "pytest -n auto --dist loadscope", "no", THE_SUITE),
    Plan("course-test-postgresql", "ESNB_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test ./course test",
         "no", THE_SUITE + " (run it with that ESNB_DATABASE_URL to run this file's PostgreSQL bench too)"),
    Plan("course-test-mysql", "ESNB_DATABASE_URL=mysql+pymysql://root@127.0.0.1:3306/test ./course test", "no",
         THE_SUITE),
    Plan("course-lab-sqlite-file", "ESNB_DATABASE_URL=sqlite:////tmp/esnb.sqlite ./course lab", "server"),
    Plan("handouts", ".venv/bin/python -m esnb.handouts handouts/", "run"),
    Plan("bench", ".venv/bin/python -m esnb.bench", "run"),
    Plan("bench-postgresql",
         "ESNB_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python -m esnb.bench", "run"),
    Plan("bench-mariadb",
         "ESNB_DATABASE_URL=mysql+pymysql://root@127.0.0.1:3306/test .venv/bin/python -m esnb.bench", "run"),
    Plan("bench-d-l-sqlite", ".venv/bin/python -m esnb.bench --workloads D,L", "no", BENCH_LONG),
    Plan("bench-d-l-postgresql", "ESNB_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test"
         " .venv/bin/python -m esnb.bench --workloads D,L --backends postgresql", "no", BENCH_LONG),
    Plan("bench-d-l-mariadb", "ESNB_DATABASE_URL=mysql+pymysql://root@127.0.0.1:3306/test"
         " .venv/bin/python -m esnb.bench --workloads D,L --backends mariadb", "no", BENCH_LONG),
    Plan("bench-d-batch-1", "ESNB_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test"
         " .venv/bin/python -m esnb.bench --workloads D --batch 1 --backends postgresql", "no", BENCH_LONG),
    Plan("bench-memory", ".venv/bin/python -m esnb.bench --workloads A,B,C,D --trace-memory --repeats 0"
         " --backends sqlite-memory", "no", BENCH_LONG),
    Plan("bench-memory-10x", ".venv/bin/python -m esnb.bench --workloads A,B,C,D --trace-memory --repeats 0"
         " --backends sqlite-memory --aggregates 20000", "no", BENCH_LONG),
    Plan("conda-lab-settings", "python -m esnb.lab_settings", "no",
         f"{CONDA}it writes into the conda environment the lines above activate; ./course runs the same module for"
         " .venv, tests/test_workshop.py checks what it writes, and tests/test_browser.py what it does"),
    # The workshop room (README: "A workshop room on JupyterHub"); tests/test_hub.py runs the room itself.
    Plan("workshop-apt", "apt-get install -y git python3 python3-venv postgresql nodejs npm", "no",
         "it installs system packages: a change to the machine, not something a test should do"),
    Plan("workshop-clone", "git clone https://github.com/YOUR-ORG/esnb.git /srv/esnb", "no",
         "it fetches the course from the network into /srv; the tests run in the clone they are part of"),
    Plan("workshop-postgres-password",
         "sudo -u postgres psql -c ALTER ROLE postgres PASSWORD 'a-password-for-the-hub'", "no",
         "it sets the password of the machine's PostgreSQL superuser: a change to a server the tests share"),
    Plan("workshop-database-url",
         "export ESNB_WORKSHOP_DATABASE_URL=postgresql+psycopg://postgres:a-password-for-the-hub@127.0.0.1:5432/postgres",
         "no", "it only sets a variable for the commands after it, in the instructor's shell"),
    Plan("workshop-password", "export ESNB_WORKSHOP_PASSWORD=choose-a-room-password", "no",
         "it only sets a variable for the commands after it, in the instructor's shell"),
    Plan("course-hub", "./course hub", "no",
         "it serves a room on port 8000 of every address until stopped; tests/test_hub.py starts the same hub"
         " (workshop/jupyterhub_config.py) on 127.0.0.1 with free ports and runs learners through it"),
    Plan("workshop-list", ".venv/bin/python -m esnb.workshop list", "no",
         "it needs the room's PostgreSQL in ESNB_WORKSHOP_DATABASE_URL, which the README's line before sets;"
         " tests/test_hub.py and tests/test_workshop.py run it against the test server with a prefix of their own"),
    Plan("workshop-drop", ".venv/bin/python -m esnb.workshop drop --all", "no",
         "it drops every learner database on the room's server; tests/test_hub.py and tests/test_workshop.py run"
         " it with a prefix of their own, so no other run's databases are touched"),
    # The JupyterLite edition (README: "The course in any browser"); tests/test_lite.py builds and serves it.
    Plan("course-lite", "./course lite", "no",
         "it builds the site into lite-site/ and serves it on port 8000 until stopped; tests/test_lite.py builds"
         " the same site with esnb.lite and serves it with the same server on 127.0.0.1 and a free port"),
    Plan("lite-build", ".venv/bin/python -m esnb.lite lite-site/", "no",
         "it needs Pyodide from npm in lite/node_modules, which a copy of the repo's files lacks; tests/test_lite.py"
         " runs the same build (esnb.lite.build) and opens the site in a browser"),
    Plan("lite-serve", ".venv/bin/python -m esnb.lite lite-site/ --serve --port 8000", "no",
         "it serves until stopped; tests/test_lite.py serves the built site with the same server (esnb.lite.server)"),
]
PLANS = {plan.id: plan for plan in PLAN}


def readme_command(plan_id: str) -> ReadmeCommand:
    """The README's line for a plan; fails when the README no longer has it."""
    plan = PLANS[plan_id]
    found = [command for command in README_COMMANDS if command.command == plan.command]
    assert found, f"README.md no longer has the command {plan.command!r}: update PLAN"
    return found[0]


def params(how: str) -> list[Any]:
    return [pytest.param(plan.id, id=plan.id) for plan in PLAN if plan.how == how]


def test_the_parser_reads_shell_blocks_only():
    markdown = "\n".join([
        "```bash", "./course lab     # a comment", "", "# a whole-line comment", "A=1 run \\", "  --flag 'two words'",
        "```", "```", "not/a command", "```", "```python", "print('no')", "```",
    ])
    commands = shell_commands(markdown)
    assert [command.words for command in commands] == [("./course", "lab"), ("A=1", "run", "--flag", "two words")]
    assert commands[0].line == "./course lab     # a comment"
    assert commands[1].environment == {"A": "1"}


def test_every_readme_command_has_a_plan():
    in_readme = [command.command for command in README_COMMANDS]
    planned = [plan.command for plan in PLAN]
    assert len(set(planned)) == len(planned), "PLAN names a command twice"
    assert len(set(PLANS)) == len(PLAN), "PLAN uses an id twice"
    assert sorted(set(in_readme) - set(planned)) == [], "README commands with no plan in this file: add one to PLAN"
    assert sorted(set(planned) - set(in_readme)) == [], "PLAN names commands the README no longer has"
    assert all(plan.why for plan in PLAN if plan.how == "no"), "every command not run needs its reason"


@pytest.mark.parametrize("plan_id", params("no"))
def test_not_run(plan_id: str):
    readme_command(plan_id)
    pytest.skip(f"not run: {PLANS[plan_id].command!r}: {PLANS[plan_id].why}")


# Running a line as written


def fresh_shell_environment(**extra: str) -> dict[str, str]:
    """This process's environment without ESNB_DATABASE_URL: a README line sets it itself when it wants it."""
    environment = {name: value for name, value in os.environ.items() if name != ENVIRONMENT_VARIABLE}
    environment.update(extra)
    return environment


def run_line(command: ReadmeCommand, cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command.line], cwd=cwd, env=fresh_shell_environment(),
                          capture_output=True, text=True, timeout=timeout)


def copy_of_repo(destination: Path) -> Path:
    """The files git knows of (tracked, or new and not ignored), as they are now, with .venv linked to the repo's."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, capture_output=True, check=True).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    (destination / ".venv").symlink_to(REPO / ".venv", target_is_directory=True)
    return destination


@pytest.mark.slow
@pytest.mark.parametrize("plan_id", ["handouts"])
def test_handouts_command(plan_id: str, tmp_path: Path):
    """It writes into `handouts/` of the folder it runs in, so it runs in a copy of the repo: the copy's
    `esnb` is the one imported (`python -m` puts the working folder first), so it reads the copy's notebooks."""
    command = readme_command(plan_id)
    copy = copy_of_repo(tmp_path / "repo")
    finished = run_line(command, copy, HANDOUTS_TIMEOUT)
    assert finished.returncode == 0, finished.stderr
    stems = sorted(path.stem for path in (copy / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert len(stems) >= 12
    out = copy / "handouts"
    assert f"{2 * len(stems)} handouts in 2 editions" in finished.stdout
    assert "student/index.html" in (out / "index.html").read_text()
    for edition in ("student", "instructor"):
        assert sorted(path.stem for path in (out / edition).glob("[0-9][0-9]_*.html")) == stems
        assert (out / edition / f"esnb-{edition}.pdf").exists() == (find_browser() is not None)
    if find_browser() is None:
        assert "no browser found, so HTML only" in finished.stderr


BENCH_TABLE = "2,000 aggregates x 10 events = 20,000 events, read all in pages of 1,000; median of 2 runs"
BENCH_ROWS = ("raw ", "eventsourcing application recorder", "eventsourcing aggregate recorder", "esnb event store")


def check_bench_output(stdout: str, titles: list[str]) -> None:
    for title in titles:
        assert f"{title}: {BENCH_TABLE}" in stdout, stdout
    assert "failed" not in stdout, stdout
    rows = [line for line in stdout.splitlines() if line.startswith(BENCH_ROWS)]
    assert len(rows) == len(BENCH_ROWS) * len(titles), stdout


@pytest.mark.slow
@pytest.mark.parametrize("plan_id", ["bench"])
def test_bench_command(plan_id: str):
    """The defaults, as written (about 20 s on two cores), with no ESNB_DATABASE_URL: SQLite only, and a line
    saying how to add PostgreSQL. It reads only; its SQLite files go in temporary folders."""
    finished = run_line(readme_command(plan_id), REPO, BENCH_TIMEOUT)
    assert finished.returncode == 0, finished.stderr
    check_bench_output(finished.stdout, ["SQLite in memory", "SQLite file (write-ahead log)"])
    assert "PostgreSQL left out: set ESNB_DATABASE_URL=" in finished.stdout


@pytest.mark.slow
@pytest.mark.parametrize("plan_id", ["bench-postgresql"])
def test_bench_postgresql_command(plan_id: str):
    """The defaults, as written (about 45 s on two cores), on the server the line names, which must be the one
    this run is configured with: like every server test, it is skipped when no server is configured."""
    command = readme_command(plan_id)
    wanted = command.environment[ENVIRONMENT_VARIABLE]
    if os.environ.get(ENVIRONMENT_VARIABLE) != wanted:
        pytest.skip(f"needs the PostgreSQL server the README line names: set {ENVIRONMENT_VARIABLE}={wanted} to run it")
    finished = run_line(command, REPO, BENCH_TIMEOUT)
    assert finished.returncode == 0, finished.stderr
    check_bench_output(finished.stdout, ["SQLite in memory", "SQLite file (write-ahead log)",
                                         "PostgreSQL (synchronous_commit off: see --durable)"])
    assert "raw psycopg 3" in finished.stdout
    assert "left out" not in finished.stdout


@pytest.mark.slow
@pytest.mark.parametrize("plan_id", ["bench-mariadb"])
def test_bench_mariadb_command(plan_id: str):
    """The defaults on the MariaDB server the line names: raw PyMySQL and esnb's two, and a note for each recorder
    eventsourcing 9 lacks. Skipped, as every server test, when no such server is configured."""
    command = readme_command(plan_id)
    wanted = command.environment[ENVIRONMENT_VARIABLE]
    if os.environ.get(ENVIRONMENT_VARIABLE) != wanted:
        pytest.skip(f"needs the MariaDB server the README line names: set {ENVIRONMENT_VARIABLE}={wanted} to run it")
    finished = run_line(command, REPO, BENCH_TIMEOUT)
    assert finished.returncode == 0, finished.stderr
    out = finished.stdout
    for title in ["SQLite in memory", "SQLite file (write-ahead log)", "MariaDB (innodb_flush_log_at_trx_commit = "]:
        assert title in out, out
    assert "failed" not in out, out
    assert "raw PyMySQL" in out and "esnb strategy, least codec" in out
    assert out.count("left out: eventsourcing 9 has no MySQL/MariaDB recorder") == 2


# Starting JupyterLab, and stopping it


@dataclass(frozen=True)
class Server:
    port: int
    token: str
    pid: int
    root_dir: Path

    def get(self, path: str) -> tuple[int, bytes]:
        separator = "&" if "?" in path else "?"
        url = f"http://127.0.0.1:{self.port}{path}{separator}token={self.token}"
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()


@contextmanager
def started(command: ReadmeCommand, tmp_path: Path) -> Iterator[Server]:
    """Start the line in a session of its own, wait for the server file JupyterLab writes, and stop the session.

    The environment gives JupyterLab a fresh runtime folder, where the server file says its port and
    token, and a fresh config folder whose one file turns off opening a web browser (there is none to
    open) and, when the tests run as root, allows root, which `./course lab` does by itself.
    """
    runtime, config = tmp_path / "runtime", tmp_path / "config"
    runtime.mkdir()
    config.mkdir()
    settings = ["c.ServerApp.open_browser = False"] + ["c.ServerApp.allow_root = True"] * RUNNING_AS_ROOT
    (config / "jupyter_server_config.py").write_text("\n".join(settings) + "\n")
    environment = fresh_shell_environment(
        JUPYTER_RUNTIME_DIR=str(runtime), JUPYTER_CONFIG_DIR=str(config),
        PATH=f"{REPO / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",  # as in an activated environment
    )
    log = (tmp_path / "lab.log").open("w")
    process = subprocess.Popen(["bash", "-c", command.line], cwd=REPO, env=environment, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + LAB_START_TIMEOUT
        while not (found := sorted(runtime.glob("jpserver-*.json"))):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{command.line!r} did not start a server (exit status {process.poll()}):\n"
                            + (tmp_path / "lab.log").read_text()[-3000:])
            time.sleep(0.2)
        time.sleep(0.2)  # the file is written in one go, but let its writer finish
        info = json.loads(found[0].read_text())
        yield Server(info["port"], info["token"], info["pid"], Path(info["root_dir"]))
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
        log.close()


def needs_current_venv(plan_id: str) -> None:
    """`./course` reinstalls .venv first when pyproject.toml changed since the last install: not inside a test."""
    if not PLANS[plan_id].command.endswith("./course lab"):
        return
    stamp = REPO / ".venv" / ".esnb-installed"
    wanted = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        pytest.skip("./course would first reinstall .venv, as pyproject.toml changed since its last install:"
                    " run ./course once by hand, then this test")


@pytest.mark.slow
@pytest.mark.parametrize("plan_id", params("server"))
def test_lab_command_serves_the_course(plan_id: str, tmp_path: Path):
    """JupyterLab starts as the line says, in the repo, answers HTTP on its port with the course's notebooks,
    gets the variables the line sets, and stops when told to."""
    command = readme_command(plan_id)
    needs_current_venv(plan_id)
    with started(command, tmp_path) as server:
        assert server.root_dir.resolve() == REPO / "notebooks"
        status, page = server.get("/lab")
        assert status == 200 and b"JupyterLab" in page
        status, listing = server.get("/api/contents")
        names = {entry["name"] for entry in json.loads(listing)["content"]}
        assert {"00_welcome.ipynb", "11_performance.ipynb"} <= names
        environ = Path(f"/proc/{server.pid}/environ")
        if environ.exists():
            variables = dict(entry.split("=", 1) for entry in environ.read_text().split("\0") if "=" in entry)
            expected = command.environment
            assert {name: variables.get(name) for name in expected} == expected
            if ENVIRONMENT_VARIABLE not in expected:
                assert ENVIRONMENT_VARIABLE not in variables
    assert not running(server.pid), "JupyterLab still runs after it was told to stop"


def running(pid: int) -> bool:
    """Whether the process is alive (a zombie is not); Linux's /proc, or a signal 0 elsewhere."""
    status = Path(f"/proc/{pid}/status")
    if Path("/proc/self/status").exists():
        try:
            return "\nState:\tZ" not in status.read_text()
        except FileNotFoundError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
