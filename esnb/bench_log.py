"""Workload L, the gap-free log append: A's appends made so that ids become visible in the order they are given.

N aggregates of E events each (bench_contenders.events_of), one transaction per aggregate, by W writers
at once. Each writer is a process of its own, so the GIL is no bottleneck (multiprocessing's forkserver
starts them, from a process that has imported esnb once). Each connects and builds its share of the
events (every W-th aggregate) first, then waits at a barrier with the others; the clock runs from the
first writer leaving the barrier to the last one finishing, and the rate is all the events over that
wall time. Afterwards the table must hold every event exactly once, and each aggregate's events must
hold consecutive ids: an append that took ids in the middle of another's would leave a gap that a
reader of the log could skip past.

The contenders, each serialising the appends its own way:

    raw             the driver alone doing what esnb does: BEGIN; SELECT ... FOR UPDATE on the log's row of
                    notification_log_locks (with the same lock timeout); one executemany INSERT; COMMIT.
                    SQLite needs no lock (it lets one transaction write at a time): BEGIN; INSERT; COMMIT
    esnb            esnb's event store after keep_ids_in_order(event_store, datastore) (notebook 12), then
                    event_store.append(events): the same lock, through esnb's strategy and mapper
    es-application  eventsourcing's application recorder, insert_events(): on PostgreSQL it takes
                    LOCK TABLE ... IN EXCLUSIVE MODE and sends NOTIFY in the transaction of its INSERT.
                    eventsourcing 9 has no MySQL/MariaDB recorder, so it is left out there
"""

from __future__ import annotations

import importlib
import itertools
import multiprocessing
import queue
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from esnb.bench_contenders import TABLE, aggregate_ids, encode, events_of
from esnb.bench_raw import DRIVER_NAMES, RawConnection, create_table_sql, psycopg_conninfo, sqlite_path, table_of
from esnb.bench_results import Outcome, Sizes, rate_cell, runs_phrase
from esnb.course.notification_log import LOCK_TIMEOUT, LogLockRecord
from esnb.databases import backend_name

LOCK_TABLE = table_of(LogLockRecord)
INSERT = "INSERT INTO sequenced_items (sequence_id, position, topic, data) VALUES (?, ?, ?, ?)"
BARRIER_TIMEOUT = 120.0  # seconds the writers wait for each other to be ready
StoredKey = tuple[int, uuid.UUID, int]  # a stored event's id, aggregate and position


class LogWriter:
    """One writer of workload L. `setup` runs once per database, before the writers start; each writer
    process then builds one instance, appends its share of the aggregates, and closes it."""

    name = "?"

    @classmethod
    def setup(cls, url: str) -> None:
        """Create the tables on the new, empty database at `url`."""

    def __init__(self, url: str) -> None:
        """Connect, ready to append."""

    def append(self, events: list[Any]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        pass

    @classmethod
    def stored(cls, url: str) -> list[StoredKey]:
        """Every stored event's id, aggregate and position, to check the run."""
        connection = RawConnection(url)
        try:
            rows = connection.execute("SELECT id, sequence_id, position FROM sequenced_items")
            return [(row_id, connection.to_uuid(sequence_id), position) for row_id, sequence_id, position in rows]
        finally:
            connection.close()


class RawLogWriter(LogWriter):
    """The raw driver: lock the log's row, insert, commit (see the module's docstring)."""

    @classmethod
    def setup(cls, url: str) -> None:
        connection = RawConnection(url)
        try:
            connection.execute(create_table_sql(TABLE, connection.backend))
            connection.execute(create_table_sql(LOCK_TABLE, connection.backend))
            connection.execute("INSERT INTO notification_log_locks (table_name) VALUES (?)", (TABLE.name,))
        finally:
            connection.close()

    def __init__(self, url: str) -> None:
        self.connection = RawConnection(url, lock_timeout=LOCK_TIMEOUT)
        self.name = self.connection.name
        self.lock = {
            "sqlite": "",  # one writer at a time already
            "postgresql": "SELECT set_config('lock_timeout', ?, true), table_name FROM notification_log_locks"
                          " WHERE table_name = ? FOR UPDATE",
            "mysql": f"SELECT table_name FROM notification_log_locks WHERE table_name = ? FOR UPDATE"
                     f" WAIT {round(LOCK_TIMEOUT)}",
        }[self.connection.backend]
        wait = f"{round(LOCK_TIMEOUT * 1000)}ms"
        self.lock_parameters = (wait, TABLE.name) if self.connection.backend == "postgresql" else (TABLE.name,)

    def append(self, events: list[Any]) -> None:
        uuid_param = self.connection.uuid_param
        rows = [(uuid_param(e.originator_id), e.originator_version, *encode(e)) for e in events]
        self.connection.begin()
        try:
            if self.lock:
                self.connection.execute(self.lock, self.lock_parameters)
            self.connection.executemany(INSERT, rows)
        except BaseException:
            self.connection.rollback()
            raise
        self.connection.commit()

    def close(self) -> None:
        self.connection.close()


class EsnbLogWriter(LogWriter):
    """esnb's event store with the gap-free notification log on: keep_ids_in_order, then append."""

    name = "esnb event store, ids in order"

    @classmethod
    def setup(cls, url: str) -> None:
        cls(url).close()  # creates the table, the lock table and the log's row

    def __init__(self, url: str) -> None:
        from esnb import ActiveRecord, SQLAlchemyDatastore, SQLAlchemySettings, event_store_for, keep_ids_in_order
        from esnb.course.records import SequencedItemRecord

        self.datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(url=url))
        self.datastore.setup_connection()
        self.datastore.setup_table(SequencedItemRecord)
        self.event_store = keep_ids_in_order(event_store_for(self.datastore.session), self.datastore)

    def append(self, events: list[Any]) -> None:
        self.event_store.append(events)

    def close(self) -> None:
        self.datastore.close_connection()


class EventsourcingLogWriter(LogWriter):
    """eventsourcing's application recorder: insert_events() serialises its inserts itself."""

    name = "eventsourcing application recorder"

    @classmethod
    def setup(cls, url: str) -> None:
        writer = cls(url)
        try:
            writer.recorder.create_table()
        finally:
            writer.close()

    def __init__(self, url: str) -> None:
        from eventsourcing.persistence import StoredEvent

        self.StoredEvent = StoredEvent
        self.datastore: Any
        if backend_name(url) == "sqlite":
            from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

            self.datastore = SQLiteDatastore(db_name=sqlite_path(url))
            self.recorder: Any = SQLiteApplicationRecorder(self.datastore)
        else:
            from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

            self.datastore = PostgresDatastore(**psycopg_conninfo(url))
            self.recorder = PostgresApplicationRecorder(self.datastore)

    def append(self, events: list[Any]) -> None:
        self.recorder.insert_events([
            self.StoredEvent(e.originator_id, e.originator_version, topic, data.encode())
            for e in events
            for topic, data in (encode(e),)
        ])

    def close(self) -> None:
        self.datastore.close()

    @classmethod
    def stored(cls, url: str) -> list[StoredKey]:
        connection = RawConnection(url)
        row_id = "rowid" if connection.backend == "sqlite" else "notification_id"
        try:
            rows = connection.execute(f"SELECT {row_id}, originator_id, originator_version FROM stored_events")
            return [(i, uuid.UUID(str(originator)), version) for i, originator, version in rows]
        finally:
            connection.close()


def writers_for(backend: str) -> tuple[dict[str, type[LogWriter]], list[str]]:
    """The contenders of L on a backend ('sqlite', 'postgresql' or 'mysql'), and a note for each one left out."""
    writers: dict[str, type[LogWriter]] = {"raw": RawLogWriter, "esnb": EsnbLogWriter}
    if backend == "mysql":
        return writers, [f"{EventsourcingLogWriter.name} left out: eventsourcing 9 has no MySQL/MariaDB recorder"]
    try:
        importlib.import_module("eventsourcing.postgres" if backend == "postgresql" else "eventsourcing.sqlite")
    except ImportError as error:
        return writers, [f"{EventsourcingLogWriter.name} left out: {error}"]
    return {**writers, "es-application": EventsourcingLogWriter}, []


def writer_name(key: str, backend: str) -> str:
    """The name a contender of L goes by in the table."""
    return DRIVER_NAMES[backend] if key == "raw" else writers_for(backend)[0][key].name


# One run


def share_of(sizes: Sizes, writer: int, writers: int) -> list[list[Any]]:
    """The events of every `writers`-th aggregate, from the `writer`-th: one list per transaction."""
    return [
        events_of(aggregate_id, sizes.events)
        for number, aggregate_id in enumerate(aggregate_ids(sizes.aggregates))
        if number % writers == writer
    ]


def write_share(writer_class: type[LogWriter], url: str, sizes: Sizes, writer: int, writers: int,
                barrier: Any, results: Any) -> None:
    """One writer process: connect and build its events, wait for the others, append; report the times."""
    try:
        log_writer = writer_class(url)
        try:
            share = share_of(sizes, writer, writers)
            barrier.wait(BARRIER_TIMEOUT)
            began = time.perf_counter()  # CLOCK_MONOTONIC: the same clock in every process
            for events in share:
                log_writer.append(events)
            results.put(("done", began, time.perf_counter()))
        finally:
            log_writer.close()
    except BaseException as error:
        barrier.abort()  # the others stop waiting
        results.put(("failed", f"writer {writer}: {type(error).__name__}: {error}", 0.0))


def run_log(writer_class: type[LogWriter], url: str, sizes: Sizes, writers: int) -> float:
    """Append every aggregate's events with `writers` processes at once; the wall time, once the table checks out."""
    writer_class.setup(url)
    context = multiprocessing.get_context("forkserver")  # a clean process, forked from one that imported esnb
    context.set_forkserver_preload(["esnb", "esnb.bench_log", "eventsourcing.postgres", "eventsourcing.sqlite"])
    barrier = context.Barrier(writers)
    results = context.Queue()
    processes = [
        context.Process(target=write_share, args=(writer_class, url, sizes, writer, writers, barrier, results))
        for writer in range(writers)
    ]
    for process in processes:
        process.start()
    try:
        reports = [collect(results, processes) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=60)
    failures = [message for outcome, message, _ in reports if outcome == "failed"]
    if failures:
        raise RuntimeError(min(failures, key=lambda message: "BrokenBarrierError" in message))
    verify_log(writer_class.stored(url), sizes)
    return max(ended for _, _, ended in reports) - min(began for _, began, _ in reports)


def collect(results: Any, processes: Sequence[Any]) -> Any:
    """The next writer's report; RuntimeError if every writer has exited and none is left to come."""
    while True:
        try:
            return results.get(timeout=1.0)
        except queue.Empty:
            if all(process.exitcode is not None for process in processes) and results.empty():
                raise RuntimeError("a writer process exited without reporting") from None


def verify_log(stored: Iterable[StoredKey], sizes: Sizes) -> None:
    """Every event exactly once, and each aggregate's events at consecutive ids in position order."""
    expected = {(a, p) for a in aggregate_ids(sizes.aggregates) for p in range(sizes.events)}
    rows = list(stored)
    counts = Counter((aggregate, position) for _, aggregate, position in rows)
    lost = sorted(expected - counts.keys())
    twice = sorted(key for key, count in counts.items() if count > 1)
    strays = sorted(counts.keys() - expected)
    problems = [f"{len(found)} events {what}, the first at {found[0]}"
                for found, what in ((lost, "lost"), (twice, "stored more than once"), (strays, "never appended"))
                if found]
    ids_of: dict[uuid.UUID, list[tuple[int, int]]] = {}
    for row_id, aggregate, position in rows:
        ids_of.setdefault(aggregate, []).append((position, row_id))
    split = [aggregate for aggregate, pairs in ids_of.items() if not consecutive([i for _, i in sorted(pairs)])]
    if split:
        problems.append(f"{len(split)} aggregates' events do not hold consecutive ids, e.g. {split[0]}: "
                        "another append took ids in the middle of theirs")
    if problems:
        raise AssertionError("the log is wrong: " + "; ".join(problems))


def consecutive(ids: list[int]) -> bool:
    return all(later == earlier + 1 for earlier, later in itertools.pairwise(ids))


def format_log_table(title: str, outcomes: dict[str, Outcome], sizes: Sizes, repeats: int,
                     writers: tuple[int, ...]) -> str:
    """The table of L on one backend: events per second of wall time, and the ratio to raw, by number of writers."""
    raw = outcomes.get("raw")
    lines = [
        f"{title}: {sizes.aggregates:,} aggregates x {sizes.events} events = {sizes.total:,} events,"
        f" a transaction per aggregate; {runs_phrase(repeats)}",
        "",
        f"{'':36}" + "".join(f" {f'{count} writer' + 's' * (count != 1):>16}" for count in writers),
        f"{'implementation':36}" + f" {'events/s  x raw':>16}" * len(writers),
    ]
    for outcome in outcomes.values():
        if outcome.error:
            lines.append(f"{outcome.name:36} failed: {outcome.error}")
            continue
        cells = [
            rate_cell(sizes.total, outcome.median(f"L{count}"),
                      raw.median(f"L{count}") if raw and not raw.error else None)
            for count in writers
        ]
        lines.append(f"{outcome.name:36} {' '.join(cells)}")
    return "\n".join(lines)
