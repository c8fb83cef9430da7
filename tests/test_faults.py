"""Faults the store must survive (issue 10, items 6 to 8): lost replies, killed connections, restarts, hangs.

- Unknown outcomes: a proxy loses the reply to an append after the server acted,
  or loses the request; the append still returns normally and stores each item
  once. When the store cannot read back, it raises UnknownOutcomeError, and the
  same append tried again succeeds.
- Dropped connections: an admin connection kills the store's connections while
  it appends and reads; no call fails, nothing is lost or half-stored.
- Restarts: a private server restarts under load; every error is clear, nothing
  is lost or half-stored, and the same store works afterwards.
- Hangs: a server that never answers times out within connect_timeout, and a
  SQLite write lock held elsewhere gives DatabaseLockedError within lock_timeout.

Server tests use a scratch database of the configured server (skipped, saying
which server, when none is configured); restart tests start private servers on
free ports and need none.
"""

from __future__ import annotations

import random
import re
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, select, text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.pool import NullPool

import esnb
from esnb import (
    ActiveRecord,
    ConcurrencyError,
    EsnbError,
    SequencedItem,
    SequencedItemRecord,
    SQLAlchemyActiveRecordStrategy,
    SQLAlchemyDatastore,
    SQLAlchemySettings,
)
from esnb.databases import scratch_database
from tests.faults.proxy import BlackHole, Proxy
from tests.faults.servers import PrivateMariaDB, PrivatePostgreSQL, PrivateServer, ServerUnavailable
from tests.support import bounded, items_of

pytestmark = [pytest.mark.faults, pytest.mark.slow]

TABLE = SequencedItemRecord.__table__
CALL_LIMIT = 60.0  # no single call may take longer: past it, the test fails as a hang
TIMED_OUT = re.compile(r"time[sd]?[ -]?out", re.IGNORECASE)


# Helpers


def esnb_error(name: str) -> type[Exception]:
    """An error class esnb exports, or a test failure naming the missing one."""
    error = getattr(esnb, name, None)
    if error is None:
        pytest.fail(f"esnb exports no {name} yet (issue 10)")
    return error


@contextmanager
def connected(url: str, **settings: float) -> Iterator[SQLAlchemyActiveRecordStrategy]:
    """An active record strategy on `url`, its table created; the datastore is closed afterwards."""
    datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri=url, **settings))
    datastore.setup_connection()
    try:
        datastore.setup_table(SequencedItemRecord)
        yield SQLAlchemyActiveRecordStrategy(session=datastore.session, active_record_class=SequencedItemRecord)
    finally:
        datastore.close_connection()


def stored(url: str, sequence_ids: list[uuid.UUID]) -> list[SequencedItem]:
    """What the table holds for these sequences, read on a connection of its own (not the store's)."""
    engine = create_engine(url, poolclass=NullPool)
    c = TABLE.c
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(c.sequence_id, c.position, c.topic, c.data).where(c.sequence_id.in_(sequence_ids))
            )
            return sorted(
                (SequencedItem(*row) for row in rows), key=lambda item: (str(item.sequence_id), item.position)
            )
    finally:
        engine.dispose()


def trigger_word(backend: str, size: int) -> bytes:
    """The statement whose reply ends an append: PostgreSQL autocommits up to 500 rows in one INSERT."""
    return b"INSERT" if backend == "postgresql" and size <= 500 else b"COMMIT"


# Unknown outcomes (item 6)


@pytest.mark.backends("postgresql", "mysql")
@pytest.mark.parametrize("size", [1, 600], ids=["small", "large"])
def test_an_append_whose_reply_is_lost_returns_normally_and_stores_once(backend, database, size):
    word = trigger_word(backend, size)
    sequence_id, appended = uuid.uuid4(), []
    with Proxy.to(database) as proxy, connected(proxy.url_for(database)) as strategy:
        for round in range(10 if size < 500 else 4):
            batch = items_of(sequence_id, range(len(appended), len(appended) + size + round % 3), f"round {round}")
            proxy.arm(word)
            bounded(CALL_LIMIT, partial(strategy.append, batch), f"round {round}: the append whose reply was lost")
            assert proxy.drops == round + 1, f"round {round}: no reply to {word!r} was lost, so nothing was tested"
            appended += batch
        assert stored(database, [sequence_id]) == appended
        after = items_of(sequence_id, [len(appended)], "after")
        strategy.append(after)
        assert strategy.list_items(sequence_id) == appended + after


@pytest.mark.backends("postgresql", "mysql")
def test_an_append_whose_request_is_lost_is_stored_once(backend, database):
    word = trigger_word(backend, 3)
    sequence_id, appended = uuid.uuid4(), []
    with Proxy.to(database) as proxy, connected(proxy.url_for(database)) as strategy:
        for round in range(5):
            batch = items_of(sequence_id, range(len(appended), len(appended) + 1 + round % 3), f"round {round}")
            proxy.arm(word, lose="request")
            bounded(CALL_LIMIT, partial(strategy.append, batch), f"round {round}: the append whose request was lost")
            assert proxy.lost_requests == round + 1, f"round {round}: no {word!r} was lost, so nothing was tested"
            appended += batch
        assert stored(database, [sequence_id]) == appended


@pytest.mark.backends("postgresql", "mysql")
def test_an_append_that_cannot_be_checked_raises_unknown_outcome_and_can_be_retried(backend, database):
    unknown_outcome_error = esnb_error("UnknownOutcomeError")
    sequence_id = uuid.uuid4()
    batch = items_of(sequence_id, range(2))
    with Proxy.to(database) as proxy, connected(proxy.url_for(database)) as strategy:
        proxy.arm(trigger_word(backend, len(batch)), refuse_after=True)
        with pytest.raises(unknown_outcome_error) as raised:
            bounded(CALL_LIMIT, partial(strategy.append, batch), "the append that cannot read back")
        assert proxy.drops == 1, "no reply was lost, so nothing was tested"
        assert proxy.refused > 0, "the store raised without trying to read back what happened"
        assert re.search(r"unknown|may or may not", str(raised.value), re.IGNORECASE), (
            f"it does not say the outcome is unknown: {raised.value}"
        )
        assert str(sequence_id) in str(raised.value), f"it does not name the sequence: {raised.value}"
        proxy.allow()
        strategy.append(batch)  # the same events again: an idempotent retry
        assert stored(database, [sequence_id]) == batch
        with pytest.raises(ConcurrencyError):
            strategy.append(items_of(sequence_id, [1], "a different event"))
        assert strategy.list_items(sequence_id) == batch


def test_the_new_errors_are_esnb_errors():
    assert issubclass(esnb_error("UnknownOutcomeError"), EsnbError)
    assert issubclass(esnb_error("DatabaseLockedError"), EsnbError)


# A workload under faults, and its audit


@dataclass
class Ledger:
    """What a workload asked of the store and what happened."""

    returned: list[list[SequencedItem]] = field(default_factory=list)  # batches whose append returned
    raised: list[tuple[list[SequencedItem], Exception]] = field(default_factory=list)
    read_errors: list[Exception] = field(default_factory=list)
    wrong_reads: list[str] = field(default_factory=list)
    started: list[float] = field(default_factory=list)  # monotonic start time of each call

    @property
    def sequence_ids(self) -> list[uuid.UUID]:
        return list({batch[0].sequence_id for batch in self.returned + [batch for batch, _ in self.raised]})


def workload(
    strategy: SQLAlchemyActiveRecordStrategy,
    done: Callable[[int], bool],
    pause: float = 0.0,
    ledger: Ledger | None = None,
) -> Ledger:
    """Append batches of 1 to 3 items and read them back until `done(appends so far)`; record it all in `ledger`.

    After a failed append the sequence's state is unknown, so the workload goes on in a new one.
    Every tenth round it also reads the whole table with read_all.
    """
    rng, ledger = random.Random(10), Ledger() if ledger is None else ledger
    sequence_id, expected, every = uuid.uuid4(), [], []
    while not done(len(ledger.returned) + len(ledger.raised)):
        batch = items_of(sequence_id, range(len(expected), len(expected) + rng.randint(1, 3)))
        ledger.started.append(time.monotonic())
        try:
            strategy.append(batch)
        except Exception as error:
            ledger.raised.append((batch, error))
            sequence_id, expected = uuid.uuid4(), []
            time.sleep(pause)
            continue
        ledger.returned.append(batch)
        expected += batch
        every += batch
        ledger.started.append(time.monotonic())
        try:
            if len(ledger.returned) % 10:
                read = strategy.list_items(sequence_id)
                if read != expected:
                    ledger.wrong_reads.append(f"list_items gave {len(read)} items where {len(expected)} were appended")
            else:
                seen = {(item.sequence_id, item.position) for _, item in strategy.read_all(page_size=50)}
                missing = [item for item in every if (item.sequence_id, item.position) not in seen]
                if missing:
                    ledger.wrong_reads.append(f"read_all left out {len(missing)} appended items")
        except Exception as error:
            ledger.read_errors.append(error)
            time.sleep(pause)
    return ledger


def audit(url: str, ledger: Ledger) -> dict[str, list[Any]]:
    """Compare the table with the ledger: what was lost, half-stored, stored after an error, or never appended."""
    table = stored(url, ledger.sequence_ids)
    present = set(table)
    batches = ledger.returned + [batch for batch, _ in ledger.raised]
    appended = [item for batch in batches for item in batch]
    unknown = getattr(esnb, "UnknownOutcomeError", None)  # the one error after which a stored batch is no surprise
    return {
        "lost appends": [batch for batch in ledger.returned if not present.issuperset(batch)],
        "half-stored batches": [batch for batch in batches if 0 < len(present.intersection(batch)) < len(batch)],
        "stored though the append failed": [
            (batch, error) for batch, error in ledger.raised
            if present.intersection(batch) and not (unknown and isinstance(error, unknown))
        ],
        "stored twice": [
            key for key, count in Counter((i.sequence_id, i.position) for i in table).items() if count > 1
        ],
        "stored but never appended": sorted(present - set(appended), key=str),
    }


def summary(findings: dict[str, list[Any]]) -> tuple[dict[str, int], str]:
    """The number of each finding, and the first few of each to show when a test fails."""
    counts = {name: len(found) for name, found in findings.items()}
    examples = "; ".join(f"{name}: {found[:3]!r}" for name, found in findings.items() if found)
    return counts, examples


# Dropped connections (item 7)


OTHER_CONNECTIONS = {
    "postgresql": "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    "mysql": "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()",
}


def kill_other_connections(admin: Any, backend: str) -> int:
    """Kill the scratch database's connections but the admin's own, and wait (bounded) until they are gone."""
    ids = set(admin.execute(text(OTHER_CONNECTIONS[backend])).scalars())
    for connection_id in ids:
        try:
            if backend == "postgresql":
                admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": connection_id})
            else:
                admin.execute(text(f"KILL CONNECTION {int(connection_id)}"))
        except OperationalError:  # it closed meanwhile
            pass
    deadline = time.monotonic() + 5
    while ids & set(admin.execute(text(OTHER_CONNECTIONS[backend])).scalars()) and time.monotonic() < deadline:
        time.sleep(0.002)
    return len(ids)


class Killer(threading.Thread):
    """Kills the store's connections from an admin connection of its own, every 10 to 40 ms, until stopped.

    The store retries a call once, so each call meets at most one sweep: after a sweep, the
    killer waits until the call after the one it met has finished, as a killed connection
    may take a moment to close.
    """

    def __init__(self, url: str, backend: str, calls_started: Callable[[], int]) -> None:
        super().__init__(name="killer", daemon=True)
        self.engine = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self.backend = backend
        self.calls_started = calls_started
        self.stopping = threading.Event()
        self.killed = 0
        self.error: Exception | None = None

    def run(self) -> None:
        rng = random.Random(7)
        try:
            with self.engine.connect() as admin:
                while not self.stopping.wait(rng.uniform(0.01, 0.04)):
                    self.killed += kill_other_connections(admin, self.backend)
                    swept_during = self.calls_started()  # the last call the sweep may have met
                    while self.calls_started() <= swept_during + 1 and not self.stopping.wait(0.001):
                        pass
        except Exception as error:
            self.error = error

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)
        self.engine.dispose()


@pytest.mark.backends("postgresql", "mysql")
def test_killing_the_stores_connections_costs_no_failed_call(backend, database):
    ledger = Ledger()
    with connected(database) as strategy:
        killer = Killer(database, backend, lambda: len(ledger.started))
        killer.start()
        try:
            until_300 = partial(workload, strategy, lambda appends: appends >= 300, ledger=ledger)
            bounded(120, until_300, "300 appends under kills")
        finally:
            killer.stop()
    assert killer.error is None, f"the killer failed: {killer.error!r}"
    assert killer.killed > 0, "no connection was killed, so nothing was tested"
    findings = audit(database, ledger)
    findings |= {
        "failed appends": [error for _, error in ledger.raised],
        "failed reads": ledger.read_errors,
        "wrong reads": ledger.wrong_reads,
    }
    counts, examples = summary(findings)
    assert counts == dict.fromkeys(counts, 0), f"{killer.killed} connections killed: {examples}"


# Restarts (item 7)


@pytest.fixture(params=[PrivatePostgreSQL, PrivateMariaDB], ids=["postgresql", "mariadb"])
def private_server(request: pytest.FixtureRequest) -> Iterator[PrivateServer]:
    """A private server of its own on a free port, removed afterwards.

    Skipped, naming what is missing, if it can't be made."""
    try:
        server = request.param()
    except ServerUnavailable as missing:
        pytest.skip(str(missing))
    with server:
        yield server


def is_clear(error: Exception) -> bool:
    """Whether an error says plainly what went wrong: one of esnb's, or the driver's word on the connection."""
    return isinstance(error, (EsnbError, OperationalError, InterfaceError)) and bool(str(error).strip())


def test_a_restart_under_load_loses_nothing_and_the_store_carries_on(private_server):
    restarted: list[float] = []  # when the server went down and when it was back
    failures: list[Exception] = []

    def restart() -> None:
        time.sleep(0.5)
        restarted.append(time.monotonic())
        try:
            private_server.restart(down_for=1.0)
        except Exception as error:
            failures.append(error)
        restarted.append(time.monotonic())

    def calm_after_the_restart(appends: int) -> bool:
        return len(restarted) == 2 and time.monotonic() > restarted[1] + 1.0 and appends > 50

    with scratch_database(private_server.url) as url, connected(url) as strategy:
        restarter = threading.Thread(target=restart, name="restarter", daemon=True)
        restarter.start()
        try:
            across = partial(workload, strategy, calm_after_the_restart, 0.02)
            ledger = bounded(CALL_LIMIT * 2, across, "the workload across a restart")
        finally:
            restarter.join(timeout=60)
        assert not failures, f"the server did not restart: {failures[0]}"
        assert any(restarted[0] <= moment <= restarted[1] for moment in ledger.started), "no call met the restart"

        findings = audit(url, ledger)
        findings |= {
            "unclear errors": [error for _, error in ledger.raised if not is_clear(error)]
            + [error for error in ledger.read_errors if not is_clear(error)],
            "wrong reads": ledger.wrong_reads,
        }
        counts, examples = summary(findings)
        assert counts == dict.fromkeys(counts, 0), examples

        # A restart while the store is idle leaves its pool holding dead connections.
        sequence_id = uuid.uuid4()
        strategy.append(items_of(sequence_id, [0]))
        private_server.restart(down_for=0.2)
        after = items_of(sequence_id, [1, 2], "after the restart")
        bounded(CALL_LIMIT, partial(strategy.append, after), "the first append after a restart")
        read, expected = partial(strategy.list_items, sequence_id), [*items_of(sequence_id, [0]), *after]
        assert bounded(CALL_LIMIT, read, "the first read") == expected
        private_server.restart(down_for=0.2)
        assert bounded(CALL_LIMIT, read, "the first read after a second restart") == expected


# Hangs (item 8)


def test_settings_bound_every_wait_by_default():
    settings = SQLAlchemySettings(uri="sqlite://")
    assert (settings.connect_timeout, settings.lock_timeout) == (10.0, 5.0)


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "mysql+pymysql"], ids=["postgresql", "mysql"])
def test_a_server_that_never_answers_times_out_within_connect_timeout(scheme):
    connect_timeout, margin = 2.0, 3.0
    with BlackHole() as hole:
        settings = SQLAlchemySettings(
            uri=f"{scheme}://root@127.0.0.1:{hole.port}/test", connect_timeout=connect_timeout
        )
        datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=settings)

        def connect() -> None:
            datastore.setup_connection()
            datastore.setup_table(SequencedItemRecord)

        started = time.monotonic()
        with pytest.raises(Exception) as raised:
            bounded(connect_timeout + 15, connect, "connecting to a server that never answers")
        elapsed = time.monotonic() - started
        datastore.close_connection()
    assert hole.accepted, "the client never reached the black hole, so nothing was tested"
    assert elapsed < connect_timeout + margin, f"it gave up after {elapsed:.1f} s, not within {connect_timeout} s"
    assert TIMED_OUT.search(str(raised.value)), f"the error does not say the connection timed out: {raised.value!r}"


@contextmanager
def write_locked(database: str) -> Iterator[sqlite3.Connection]:
    """Another connection holding the SQLite file's write lock (BEGIN IMMEDIATE),
    until the block ends or it rolls back."""
    blocker = sqlite3.connect(make_url(database).database, isolation_level=None, check_same_thread=False)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        yield blocker
    finally:
        if blocker.in_transaction:
            blocker.execute("ROLLBACK")
        blocker.close()


@pytest.mark.backends("sqlite-file")
def test_an_append_blocked_by_another_writer_raises_database_locked(database):
    database_locked_error = esnb_error("DatabaseLockedError")
    lock_timeout, margin = 1.0, 2.0
    sequence_id = uuid.uuid4()
    batch = items_of(sequence_id, range(3))
    with connected(database, lock_timeout=lock_timeout) as strategy:
        with write_locked(database):
            started = time.monotonic()
            with pytest.raises(database_locked_error) as raised:
                bounded(CALL_LIMIT, partial(strategy.append, batch), "an append blocked by a write lock")
            elapsed = time.monotonic() - started
        time.sleep(0.2)  # a store still trying in the background would write now
        assert stored(database, [sequence_id]) == []
        assert elapsed < lock_timeout + margin, f"it gave up after {elapsed:.1f} s, not within {lock_timeout} s"
        assert re.search(r"locked.*another writer", str(raised.value), re.IGNORECASE), str(raised.value)
        strategy.append(batch)
        assert strategy.list_items(sequence_id) == batch


@pytest.mark.backends("sqlite-file")
def test_an_append_waits_out_a_short_write_lock(database):
    sequence_id = uuid.uuid4()
    batch = items_of(sequence_id, range(3))
    with connected(database, lock_timeout=5.0) as strategy, write_locked(database) as blocker:
        release = threading.Timer(0.5, blocker.execute, ["ROLLBACK"])
        release.start()
        started = time.monotonic()
        bounded(CALL_LIMIT, partial(strategy.append, batch), "an append waiting for a short write lock")
        elapsed = time.monotonic() - started
        release.join()
    assert 0.4 < elapsed < 5.0, f"the append took {elapsed:.1f} s behind a lock held for 0.5 s"
    assert stored(database, [sequence_id]) == batch
