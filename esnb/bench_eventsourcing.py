"""Workload D's eventsourcing 9 contender: the library's ProjectionRunner, Projection and TrackingRecorder.

As the library intends it: an Application whose recorder holds the log, a Projection whose
process_event() hands each event to a view, and the view, a PostgresTrackingRecorder with one more
table, which writes the event's row of the read model and its tracking record in one transaction.
The runner subscribes to the application's recorder (pages of 500 notifications, pulled by a thread
of its own), turns each into an event with the application's mapper, and calls process_event().
The mapper is the least codec, as raw's: the library's own needs an annotation the course's events lack.

The log is written first, untimed, through the application's recorder, with bench_contenders' least codec
(its topics name the course's event classes, and its JSON is what the library's transcoder reads).
The clock starts as the runner is built, because it starts processing at once, so the time includes
its setup: two connection pools and CREATE TABLE IF NOT EXISTS. It stops when the projection has
processed the log's last id.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any, cast

from eventsourcing.application import Application
from eventsourcing.persistence import Mapper, StoredEvent, Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection, ProjectionRunner
from psycopg.sql import SQL, Identifier

from esnb.bench_contenders import aggregate_ids, decode, encode, events_of
from esnb.bench_projection import ProjectionContender, ReadModelRows
from esnb.bench_raw import RawConnection
from esnb.bench_results import Sizes
from esnb.course.events import Created
from esnb.course.eventsourcing9 import eventsourcing_env


class LeastCodecMapper(Mapper[uuid.UUID]):
    """Stored events back into events with bench_contenders' least codec, as the raw contender decodes them.

    The library's own mapper needs an `originator_id` annotation on the event class to choose the id's
    type, and the course's events have none.
    """

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        originator_id = stored_event.originator_id
        if not isinstance(originator_id, uuid.UUID):  # a recorder of text ids
            originator_id = uuid.UUID(originator_id)
        return decode(originator_id, stored_event.originator_version, stored_event.topic, stored_event.state)


class BenchApplication(Application[uuid.UUID]):
    """The application whose log the projection follows: its events go to table esnb_bench_events."""

    name = "esnb_bench"

    def construct_mapper(self) -> Mapper[uuid.UUID]:
        return LeastCodecMapper(transcoder=self.construct_transcoder())


class EventCountsView(PostgresTrackingRecorder):
    """The read model as a view: each event's row and its tracking record, written in one transaction."""

    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        table = Identifier(self.datastore.schema, "bench_event_counts")
        self.sql_create_statements.append(
            SQL("CREATE TABLE IF NOT EXISTS {0} (aggregate_id uuid PRIMARY KEY, foo text, events integer)")
            .format(table)
        )
        self.insert_count = SQL("INSERT INTO {0} (aggregate_id, foo, events) VALUES (%s, %s, 1)").format(table)
        self.update_count = SQL("UPDATE {0} SET foo = %s, events = events + 1 WHERE aggregate_id = %s").format(table)

    def count(self, event: Any, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            if isinstance(event, Created):
                cursor.execute(self.insert_count, (event.originator_id, vars(event)["foo"]), prepare=True)
            else:
                cursor.execute(self.update_count, (event.value, event.originator_id), prepare=True)
            self._insert_tracking(cursor, tracking)


class EventCountsProjection(Projection[EventCountsView]):
    """Hands each event to the view; says when it has processed the id it was told to watch for."""

    name = "esnb_bench_counts"

    def __init__(self, view: EventCountsView) -> None:
        super().__init__(view)
        self.caught_up = threading.Event()
        self.until: int | None = None
        self.processed = 0

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.count(domain_event, tracking)
        self.processed += 1
        if self.until is not None and tracking.notification_id >= self.until:
            self.caught_up.set()

    def watch(self, last_id: int) -> None:
        """Set caught_up once the event at last_id is processed, or now if it has been already."""
        self.until = last_id
        if (self.view.max_tracking_id(BenchApplication.name) or 0) >= last_id:
            self.caught_up.set()


class EventsourcingRunner(ProjectionContender):
    """eventsourcing 9's ProjectionRunner on PostgreSQL: one event per transaction, whatever --batch says."""

    name = "eventsourcing ProjectionRunner"

    def __init__(self, url: str, sizes: Sizes, batch: int) -> None:
        super().__init__(url, sizes, 1)
        self.url = url
        self.env = eventsourcing_env(url)
        self.last_id = 0

    def fill(self) -> None:
        application = BenchApplication(self.env)
        try:
            for aggregate_id in aggregate_ids(self.sizes.aggregates):
                application.recorder.insert_events([
                    StoredEvent(e.originator_id, e.originator_version, topic, data.encode())
                    for e in events_of(aggregate_id, self.sizes.events)
                    for topic, data in (encode(e),)
                ])
            self.last_id = application.recorder.max_notification_id() or 0
        finally:
            application.close()

    def catch_up(self) -> int:
        runner = ProjectionRunner(application_class=BenchApplication, projection_class=EventCountsProjection,
                                  view_class=EventCountsView, env=self.env)
        projection = cast(EventCountsProjection, runner.projection)
        try:
            with runner:  # leaving it stops the runner's threads, and raises the error that stopped them, if any
                projection.watch(self.last_id)
                while not projection.caught_up.wait(0.05) and not runner.is_interrupted.is_set():
                    pass
        finally:
            runner.view.datastore.close()
        if not projection.caught_up.is_set():
            raise AssertionError(f"the runner stopped before the log's last id, {self.last_id}")
        return projection.processed

    def read_model(self) -> tuple[ReadModelRows, int, int]:
        db = RawConnection(self.url)
        try:
            rows = db.execute("SELECT aggregate_id, foo, events FROM bench_event_counts")
            [(tracked,)] = db.execute("SELECT notification_id FROM esnb_bench_counts_tracking "
                                      "WHERE application_name = ?", (BenchApplication.name,))
            [(last_event_id,)] = db.execute("SELECT MAX(notification_id) FROM esnb_bench_events")
        finally:
            db.close()
        return {aggregate: (foo, events) for aggregate, foo, events in rows}, int(tracked), int(last_event_id)
