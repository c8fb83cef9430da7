"""Private, throwaway PostgreSQL and MariaDB servers on free loopback ports, for tests that restart them.

Each server lives in a temporary folder of its own, listens on 127.0.0.1 only,
trusts every local user, and is removed by `stop()`. Startup and shutdown waits
are bounded. When a binary is missing, `ServerUnavailable` names it.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from tests.support import free_port

POSTGRESQL_BIN = Path(os.environ.get("ESNB_POSTGRESQL_BIN", "/usr/lib/postgresql/15/bin"))
MARIADB_INSTALL_DB = os.environ.get("ESNB_MARIADB_INSTALL_DB", "/usr/bin/mariadb-install-db")
MARIADBD = os.environ.get("ESNB_MARIADBD", "/usr/sbin/mariadbd")
STARTUP = 30.0  # seconds a server may take to accept connections
SHUTDOWN = 30.0
PORT_TRIES = 3  # another process may take the free port before the server binds it


class ServerUnavailable(Exception):
    """A private server cannot be made here; the message names what is missing."""


class ServerFailed(Exception):
    """A private server did not start or stop in time; the message holds its log's tail."""


def need(path: str | Path, what: str) -> str:
    """The path of an executable, or ServerUnavailable naming it."""
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        raise ServerUnavailable(
            f"{what} needs {path}, which is missing (install it, or set the variable named in {__name__})"
        )
    return str(path)


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def accepts(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class PrivateServer:
    """What both servers share: a folder, a port, start/stop/restart, and use as a context manager."""

    name = "server"

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=f"esnb-{self.name}-"))
        self.port = 0
        self.running = False

    @property
    def url(self) -> str:
        raise NotImplementedError

    def start(self) -> None:
        """Start the server on a free port (kept across restarts), retrying with another if it was taken."""
        ports = [self.port] if self.port else [free_port() for _ in range(PORT_TRIES)]
        for attempt, port in enumerate(ports, 1):
            self.port = port
            try:
                self._start()
                self.running = True
                return
            except ServerFailed:
                if attempt == len(ports):
                    raise

    def stop(self) -> None:
        """Stop the server, if it runs."""
        if self.running:
            self._stop()
            self.running = False

    def restart(self, down_for: float = 0.5) -> None:
        """Stop the server, stay down for `down_for` seconds, and start it again on the same port."""
        self.stop()
        time.sleep(down_for)
        self.start()

    def remove(self) -> None:
        """Stop the server and delete its folder."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> PrivateServer:
        try:
            self.start()
        except BaseException:
            self.remove()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.remove()

    def _start(self) -> None:
        raise NotImplementedError

    def _stop(self) -> None:
        raise NotImplementedError


class PrivatePostgreSQL(PrivateServer):
    """A PostgreSQL cluster made by initdb, run by pg_ctl as the postgres user when we are root."""

    name = "postgresql"

    def __init__(self) -> None:
        self.initdb = need(POSTGRESQL_BIN / "initdb", "a private PostgreSQL")
        self.pg_ctl = need(POSTGRESQL_BIN / "pg_ctl", "a private PostgreSQL")
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # postgres refuses to run as root
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise ServerUnavailable(
                    "a private PostgreSQL run by root needs a 'postgres' system user, which is missing"
                ) from None
            runuser = need(shutil.which("runuser") or "/usr/sbin/runuser", "a private PostgreSQL")
            self.as_user = [runuser, "-u", "postgres", "--"]
        super().__init__()
        if self.as_user:
            shutil.chown(self.folder, user="postgres")
        self.data = self.folder / "data"
        self.log = self.folder / "postgresql.log"
        self._run(
            [self.initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"], STARTUP
        )

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, command: list[str], timeout: float) -> None:
        done = subprocess.run(self.as_user + command, capture_output=True, text=True, timeout=timeout + 5)
        if done.returncode != 0:
            raise ServerFailed(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}\n{tail(self.log)}")

    def _start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
        self._run(
            [self.pg_ctl, "start", "-D", str(self.data), "-l", str(self.log), "-o", options,
             "-w", "-t", str(int(STARTUP))],
            STARTUP,
        )

    def _stop(self) -> None:
        self._run([self.pg_ctl, "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", str(int(SHUTDOWN))], SHUTDOWN)


class PrivateMariaDB(PrivateServer):
    """A MariaDB made by mariadb-install-db, with its own datadir, socket and pid file, and no password checks."""

    name = "mariadb"

    def __init__(self) -> None:
        self.install_db = need(MARIADB_INSTALL_DB, "a private MariaDB")
        self.mariadbd = need(MARIADBD, "a private MariaDB")
        super().__init__()
        self.data = self.folder / "data"
        self.log = self.folder / "mariadb.log"
        self.process: subprocess.Popen[bytes] | None = None
        user = ["--user=root"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [self.install_db, "--no-defaults", f"--datadir={self.data}", "--auth-root-authentication-method=normal",
             "--skip-test-db", "--skip-name-resolve", *user],
            capture_output=True, text=True, timeout=STARTUP,
        )
        if done.returncode != 0:
            raise ServerFailed(f"mariadb-install-db failed:\n{done.stdout}{done.stderr}")

    @property
    def url(self) -> str:
        return f"mysql+pymysql://root@127.0.0.1:{self.port}/mysql"

    def _start(self) -> None:
        user = ["--user=root"] if os.geteuid() == 0 else []
        logged = self.log.stat().st_size if self.log.exists() else 0
        self.process = subprocess.Popen(
            [self.mariadbd, "--no-defaults", f"--datadir={self.data}", f"--socket={self.folder / 'mariadb.sock'}",
             f"--port={self.port}", f"--pid-file={self.folder / 'mariadb.pid'}", "--bind-address=127.0.0.1",
             "--skip-grant-tables", "--skip-log-bin", "--innodb-buffer-pool-size=32M", "--max-connections=50",
             f"--log-error={self.log}", *user],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + STARTUP
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"mariadbd exited with {self.process.returncode}:\n{tail(self.log)}")
            if self._logged_since(logged, "ready for connections") and accepts(self.port):
                return
            time.sleep(0.1)
        self._stop()
        raise ServerFailed(
            f"mariadbd did not accept connections on port {self.port} within {STARTUP:.0f} s:\n{tail(self.log)}"
        )

    def _logged_since(self, offset: int, words: str) -> bool:
        """Whether the error log says `words` after its first `offset` bytes."""
        try:
            with self.log.open("rb") as log:
                log.seek(offset)
                return words.encode() in log.read()
        except OSError:
            return False

    def _stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=SHUTDOWN)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None
