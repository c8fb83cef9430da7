"""Storage backends for the contract tests: SQLite in memory, a SQLite file, and the configured server.

The server is the one ESNB_DATABASE_URL (or --database-url) names. A server test
with no server configured is skipped with a message that says how to configure
one; a configured server that does not answer fails the test.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError

from esnb import (
    ActiveRecord,
    EventStore,
    SequencedItemRecord,
    SQLAlchemyActiveRecordStrategy,
    SQLAlchemyDatastore,
    SQLAlchemySettings,
    database_url,
    event_store_for,
)
from esnb.databases import backend_name, is_in_memory, scratch_database

SERVER_EXAMPLES = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mysql": "mysql+pymysql://root@127.0.0.1:3306/test",
}
SERVER_NAMES = {"postgresql": "PostgreSQL", "mysql": "MySQL or MariaDB"}
BACKENDS = ["sqlite-memory", "sqlite-file", "postgresql", "mysql"]


def _folder_in_memory(folder: str = "/dev/shm", room: int = 1 << 30) -> str | None:
    """Linux's folder in memory, if it is there, writable and has 1 GiB free; else None."""
    try:
        stats = os.statvfs(folder)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) and stats.f_bavail * stats.f_frsize >= room else None


# The tests' SQLite files live in memory when the machine has a folder there. On a disk each commit waits for
# fsync (about 1.5 ms on the course's CI machine), and the tests that commit thousands of times (the notification
# log's follower, the redelivery harness, the crash tests) spent most of their time waiting. What the sqlite-file
# backend tests is unchanged: a real file, shared by separate connections through SQLite's file locks and journal,
# which work the same in memory; only the wait for the disk goes (no test can check what survives a power cut).
SQLITE_FOLDER = _folder_in_memory()


@contextmanager
def scratch(url: str) -> Iterator[str]:
    """scratch_database(url), but a SQLite file goes in SQLITE_FOLDER when there is one."""
    if SQLITE_FOLDER is None or backend_name(url) != "sqlite" or is_in_memory(url):
        with scratch_database(url) as scratch_url:
            yield scratch_url
        return
    with tempfile.TemporaryDirectory(prefix="esnb-", dir=SQLITE_FOLDER) as folder:
        yield make_url(url).set(database=str(Path(folder) / "esnb.sqlite")).render_as_string(hide_password=False)


def base_url(backend: str) -> str:
    """The URL a backend's scratch databases are made beside, or a skip saying how to get one."""
    if backend == "sqlite-memory":
        return "sqlite:///:memory:"
    if backend == "sqlite-file":
        return "sqlite:///esnb.sqlite"
    configured = database_url()
    if backend_name(configured) != backend:
        pytest.skip(
            f"needs a {SERVER_NAMES[backend]} server: set ESNB_DATABASE_URL={SERVER_EXAMPLES[backend]} "
            f"(or pass --database-url) to run it"
        )
    return configured


@pytest.fixture
def database(backend: str) -> Iterator[str]:
    """The URL of a new, empty database of the backend under test, removed afterwards."""
    url = base_url(backend)
    try:
        with scratch(url) as scratch_url:
            yield scratch_url
    except OperationalError as error:
        pytest.fail(
            f"needs the {SERVER_NAMES.get(backend, backend)} server at {url}, which did not answer: {error.orig}"
        )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test that takes `backend` runs once per backend: all four, or those its `backends` marker names."""
    if "backend" in metafunc.fixturenames:
        marker = metafunc.definition.get_closest_marker("backends")
        wanted = list(marker.args) if marker else BACKENDS
        if not wanted or not set(wanted) <= set(BACKENDS):
            raise pytest.UsageError(
                f"{metafunc.definition.nodeid}: @pytest.mark.backends takes one or more of {BACKENDS}, got {wanted}"
            )
        metafunc.parametrize("backend", wanted, ids=wanted)


@pytest.fixture
def datastore(database: str) -> Iterator[SQLAlchemyDatastore]:
    store = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri=database))
    store.setup_connection()
    store.setup_table(SequencedItemRecord)
    yield store
    store.close_connection()


@pytest.fixture
def event_store(datastore: SQLAlchemyDatastore) -> EventStore:
    return event_store_for(datastore.session)


@pytest.fixture
def strategy(event_store: EventStore) -> SQLAlchemyActiveRecordStrategy:
    strategy = event_store.active_record_strategy
    assert isinstance(strategy, SQLAlchemyActiveRecordStrategy)
    return strategy


# For the tests of the exercise checks


@pytest.fixture
def url() -> Iterator[str]:
    """A new, empty database of the configured backend, removed afterwards."""
    with scratch(database_url()) as scratch_url:
        yield scratch_url


@pytest.fixture
def lasting_url() -> Iterator[str]:
    """A scratch database that outlives its connections: the configured server, or else a SQLite file."""
    configured = database_url()
    with scratch("sqlite:///esnb.sqlite" if is_in_memory(configured) else configured) as scratch_url:
        yield scratch_url


@pytest.fixture
def verdict(capsys: pytest.CaptureFixture[str]):
    """A function that returns the one line an exercise check printed, and fails if it printed more or less."""

    def read() -> str:
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) == 1, lines
        return lines[0]

    return read


@pytest.fixture
def subscribers_kept() -> Iterator[None]:
    """Fails a test whose check left esnb's subscriber list changed."""
    from esnb.course.pubsub import subscribers

    before = list(subscribers)
    yield
    assert subscribers == before, "the check left the subscriber list changed"
