"""Workload D, projection catch-up: a projection with tracking builds its read model from the whole log.

The log holds A's events (N aggregates x E events, bench_contenders.events_of), written before the clock
starts. The read model has one row per aggregate, its event count and its latest foo: a Created event
inserts the row, every later event (the workload's are AttributeChanged of foo) updates it. One
statement per event, so the figures show the projection's own cost. Each run ends by checking that
every contender built exactly that model and tracked the log's last id.

The contenders read the log in pages of --page-size events by id, and write in transactions of
--batch events (default 100, what esnb's Projection.catch_up does by default), except eventsourcing's
runner, which writes one event per transaction by design: race it like for like with --batch 1.

    raw         the driver alone: read a page (SELECT ... WHERE id >= ? ORDER BY id LIMIT ?) and decode it
                with bench_contenders' least codec; then per transaction: BEGIN; SELECT the tracking row
                FOR UPDATE (on SQLite, BEGIN IMMEDIATE takes the write lock instead); the read model's statement
                for each event after the tracked id; UPDATE the tracking row; COMMIT
    esnb        esnb's Projection (notebook 13) over event_store.read_all, with the read model below (its two
                statements built once): catch_up(page_size=batch), whose transactions lock the tracking record
                (UPDATE, then SELECT), apply each event, and save the last id (UPDATE)
    es-runner   eventsourcing 9's ProjectionRunner, its Projection and a PostgresTrackingRecorder view
                (esnb.bench_eventsourcing): each event's statement and its tracking record (an upsert) in one
                transaction; its subscription reads pages of 500, whatever --page-size says, and its mapper is
                the least codec, as raw's. PostgreSQL only: 9.5.6's SQLite recorder has no subscribe(), and
                there is no MySQL recorder
"""

from __future__ import annotations

import time
import tracemalloc
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, Integer, String, bindparam, insert, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy_utils import UUIDType

from esnb.bench_contenders import TABLE, aggregate_ids, decode, encode, events_of
from esnb.bench_raw import DRIVER_NAMES, RawConnection, create_table_sql, table_of
from esnb.bench_results import Outcome, Sizes, rate_cell, runs_phrase
from esnb.course.events import Created
from esnb.course.paging import read_pages
from esnb.course.projections import TrackingRecord

PROJECTION = "bench_event_counts"
ReadModelRows = dict[uuid.UUID, tuple[str, int]]  # each aggregate's latest foo and event count


class BenchReadModelRecord(DeclarativeBase):
    """The declarative base of the benchmark's read model."""


class EventCount(BenchReadModelRecord):
    """One aggregate's row of the read model: its latest foo, and how many events it has."""

    __tablename__ = "bench_event_counts"

    aggregate_id: Mapped[uuid.UUID] = mapped_column(UUIDType(binary=True), primary_key=True)
    foo: Mapped[str] = mapped_column(String(255))
    events: Mapped[int] = mapped_column(Integer)


COUNTS = table_of(EventCount)


class EventCounts:
    """The read model for esnb's Projection: one prepared statement per event, on the projection's connection."""

    tables = (EventCount,)

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.insert = insert(COUNTS)
        self.update = (
            update(COUNTS)
            .where(COUNTS.c.aggregate_id == bindparam("aggregate"))
            .values(foo=bindparam("new_foo"), events=COUNTS.c.events + 1)
        )

    def apply(self, connection: Connection, event: Any) -> None:
        if isinstance(event, Created):
            row = {"aggregate_id": event.originator_id, "foo": vars(event)["foo"], "events": 1}
            connection.execute(self.insert, row)
        else:
            connection.execute(self.update, {"aggregate": event.originator_id, "new_foo": event.value})

    def snapshot(self) -> ReadModelRows:
        with self.engine.connect() as connection:
            rows = connection.execute(select(COUNTS.c.aggregate_id, COUNTS.c.foo, COUNTS.c.events))
            return {aggregate: (foo, events) for aggregate, foo, events in rows}


class ProjectionContender:
    """One projection under test, on a new, empty database: fill() writes the log, catch_up() is timed."""

    name = "?"

    def __init__(self, url: str, sizes: Sizes, batch: int) -> None:
        self.sizes = sizes
        self.batch = batch

    def fill(self) -> None:
        """Store the workload's events in the log, one transaction per aggregate."""
        raise NotImplementedError

    def catch_up(self) -> int:
        """Process the whole log; how many events took effect."""
        raise NotImplementedError

    def read_model(self) -> tuple[ReadModelRows, int, int]:
        """The read model's rows, the tracked id, and the id of the log's last event."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class RawProjection(ProjectionContender):
    """The raw driver: pages of the log, and the read model's statements between BEGIN and COMMIT."""

    def __init__(self, url: str, sizes: Sizes, batch: int) -> None:
        super().__init__(url, sizes, batch)
        self.db = RawConnection(url)
        self.name = self.db.name
        for table in (TABLE, COUNTS, table_of(TrackingRecord)):
            self.db.execute(create_table_sql(table, self.db.backend))
        self.db.execute("INSERT INTO projection_tracking (projection, last_id) VALUES (?, 0)", (PROJECTION,))

    def fill(self) -> None:
        for aggregate_id in aggregate_ids(self.sizes.aggregates):
            events = events_of(aggregate_id, self.sizes.events)
            rows = [(self.db.uuid_param(e.originator_id), e.originator_version, *encode(e)) for e in events]
            self.db.begin()
            self.db.executemany("INSERT INTO sequenced_items (sequence_id, position, topic, data) VALUES (?, ?, ?, ?)",
                                rows)
            self.db.commit()

    def catch_up(self) -> int:
        applied = 0
        batch: list[tuple[int, Any]] = []
        for notification in self.read_log(self.tracked_id() + 1):
            batch.append(notification)
            if len(batch) == self.batch:
                applied += self.process(batch)
                batch = []
        return applied + (self.process(batch) if batch else 0)

    def read_log(self, start: int) -> Iterator[tuple[int, Any]]:
        for row_id, sequence_id, *rest in read_pages(self.page, start, self.sizes.page_size):
            yield row_id, decode(self.db.to_uuid(sequence_id), *rest)

    def page(self, start: int, page_size: int) -> list[Any]:
        return self.db.execute(
            "SELECT id, sequence_id, position, topic, data FROM sequenced_items WHERE id >= ? ORDER BY id LIMIT ?",
            (start, page_size),
        )

    def tracked_id(self) -> int:
        rows = self.db.execute("SELECT last_id FROM projection_tracking WHERE projection = ?", (PROJECTION,))
        return int(rows[0][0])

    def process(self, batch: list[tuple[int, Any]]) -> int:
        """Apply the events after the tracked id and track the last, in one transaction; how many took effect."""
        db = self.db
        db.begin(write_lock=True)
        try:
            [(last_id,)] = db.execute(
                f"SELECT last_id FROM projection_tracking WHERE projection = ?{db.for_update}", (PROJECTION,)
            )
            applied = 0
            for event_id, event in batch:
                if event_id <= last_id:
                    continue
                aggregate = db.uuid_param(event.originator_id)
                if isinstance(event, Created):
                    db.execute("INSERT INTO bench_event_counts (aggregate_id, foo, events) VALUES (?, ?, 1)",
                               (aggregate, vars(event)["foo"]))
                else:
                    db.execute("UPDATE bench_event_counts SET foo = ?, events = events + 1 WHERE aggregate_id = ?",
                               (event.value, aggregate))
                last_id, applied = event_id, applied + 1
            if applied:
                db.execute("UPDATE projection_tracking SET last_id = ? WHERE projection = ?", (last_id, PROJECTION))
        except BaseException:
            db.rollback()
            raise
        db.commit()
        return applied

    def read_model(self) -> tuple[ReadModelRows, int, int]:
        rows = self.db.execute("SELECT aggregate_id, foo, events FROM bench_event_counts")
        [(last_event_id,)] = self.db.execute("SELECT MAX(id) FROM sequenced_items")
        model = {self.db.to_uuid(aggregate): (foo, events) for aggregate, foo, events in rows}
        return model, self.tracked_id(), int(last_event_id or 0)

    def close(self) -> None:
        self.db.close()


class EsnbProjection(ProjectionContender):
    """esnb's Projection and event store, as notebooks 07 and 13 build them, with the EventCounts read model."""

    name = "esnb Projection"

    def __init__(self, url: str, sizes: Sizes, batch: int) -> None:
        from esnb import ActiveRecord, Projection, SQLAlchemyDatastore, SQLAlchemySettings, event_store_for
        from esnb.course.records import SequencedItemRecord

        super().__init__(url, sizes, batch)
        self.datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(url=url))
        self.datastore.setup_connection()
        self.datastore.setup_table(SequencedItemRecord)
        self.event_store = event_store_for(self.datastore.session)
        self.read_counts = EventCounts(self.datastore.engine)
        self.projection = Projection(PROJECTION, self.read_counts, self.datastore, self.read_log)
        self.projection.setup()

    def read_log(self, start: int) -> Iterator[tuple[int, Any]]:
        return self.event_store.read_all(start, page_size=self.sizes.page_size)

    def fill(self) -> None:
        for aggregate_id in aggregate_ids(self.sizes.aggregates):
            self.event_store.append(events_of(aggregate_id, self.sizes.events))

    def catch_up(self) -> int:
        applied: int = self.projection.catch_up(page_size=self.batch)
        return applied

    def read_model(self) -> tuple[ReadModelRows, int, int]:
        from esnb import NotificationLog

        last_event_id: int = NotificationLog(self.event_store).last_id()
        tracked: int = self.projection.last_id()
        return self.read_counts.snapshot(), tracked, last_event_id

    def close(self) -> None:
        self.datastore.close_connection()


def projections_for(backend: str) -> tuple[dict[str, type[ProjectionContender]], list[str]]:
    """The contenders of D on a backend ('sqlite', 'postgresql' or 'mysql'), and a note for each one left out."""
    contenders: dict[str, type[ProjectionContender]] = {"raw": RawProjection, "esnb": EsnbProjection}
    notes = []
    try:
        from esnb.bench_eventsourcing import EventsourcingRunner
    except ImportError as error:
        notes.append(f"eventsourcing's ProjectionRunner left out: {error}")
        return contenders, notes
    if backend == "postgresql":
        contenders["es-runner"] = EventsourcingRunner
    elif backend == "mysql":
        notes.append(f"{EventsourcingRunner.name} left out: eventsourcing 9 has no MySQL/MariaDB recorder")
    else:
        notes.append(f"{EventsourcingRunner.name} left out: eventsourcing 9.5.6's SQLite recorder has no "
                     "subscribe(), which its runner reads the log through")
    return contenders, notes


def projection_name(key: str, backend: str) -> str:
    """The name a contender of D goes by in the table."""
    return DRIVER_NAMES[backend] if key == "raw" else projections_for(backend)[0][key].name


# One run


def run_projection(contender: ProjectionContender, trace_memory: bool = False, clock: str = "wall") -> dict[str, Any]:
    """Fill the log, time the catch-up (or trace its peak memory), and check the read model it built."""
    now = time.perf_counter if clock == "wall" else time.process_time
    contender.fill()
    peaks: dict[str, int] = {}
    if trace_memory:
        tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        began = now()
        applied = contender.catch_up()
        seconds = now() - began
        if trace_memory:
            peaks["D"] = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    if applied != contender.sizes.total:
        raise AssertionError(f"{contender.name} applied {applied} events, not {contender.sizes.total}")
    verify_read_model(*contender.read_model(), contender.sizes)
    return {"seconds": {"D": seconds}, "peak_bytes": peaks, "events_per_transaction": contender.batch}


def expected_read_model(sizes: Sizes) -> ReadModelRows:
    """Each aggregate's row once every event is applied: the last value of foo, and E events."""
    last_foo = f"value {sizes.events - 1}" if sizes.events > 1 else "start"
    return dict.fromkeys(aggregate_ids(sizes.aggregates), (last_foo, sizes.events))


def verify_read_model(rows: ReadModelRows, tracked: int, last_event_id: int, sizes: Sizes) -> None:
    """The read model holds every aggregate's row as expected, and the tracking record the log's last id."""
    expected = expected_read_model(sizes)
    wrong = [aggregate for aggregate in expected.keys() | rows.keys() if rows.get(aggregate) != expected.get(aggregate)]
    problems = []
    if wrong:
        example = wrong[0]
        problems.append(f"{len(wrong)} rows differ, e.g. {example}: {rows.get(example)} for {expected.get(example)}")
    if tracked != last_event_id:
        problems.append(f"the tracked id is {tracked}, but the log's last id is {last_event_id}")
    if problems:
        raise AssertionError("the read model is wrong: " + "; ".join(problems))


def format_projection_table(title: str, outcomes: dict[str, Outcome], sizes: Sizes, repeats: int,
                            clock: str = "wall") -> str:
    """The table of D on one backend: each contender's rate, and its ratio to raw at the same transaction size."""
    raw = outcomes.get("raw")
    traced = any(outcome.peak_bytes for outcome in outcomes.values())
    rate = "events/s" if clock == "wall" else "ev/CPU s"
    lines = [
        f"{title}: {sizes.aggregates:,} aggregates x {sizes.events} events = {sizes.total:,} events,"
        f" read in pages of {sizes.page_size:,}; {runs_phrase(repeats)}"
        + ("" if clock == "wall" else ", timed by CPU time"),
        "",
        f"{'implementation':36} {'events/transaction':>18} {rate + '  x raw':>16}   "
        + f"{'Python peak, MB' if traced else 'peak RSS, MB':>15}",
    ]
    for outcome in outcomes.values():
        if outcome.error:
            lines.append(f"{outcome.name:36} failed: {outcome.error}")
            continue
        alike = raw and not raw.error and raw.events_per_transaction == outcome.events_per_transaction
        cell = rate_cell(sizes.total, outcome.median("D"), raw.median("D") if raw and alike else None)
        memory = f"{outcome.peak_bytes.get('D', 0) / 1e6:.2f}" if traced else f"{outcome.max_rss_bytes / 1e6:.0f}"
        lines.append(f"{outcome.name:36} {outcome.events_per_transaction:>18} {cell}   {memory:>15}")
    if any(o.events_per_transaction != (raw.events_per_transaction if raw else 0) for o in outcomes.values()):
        lines.append("  (x raw only beside raw at the same number of events per transaction: see --batch)")
    return "\n".join(lines)
