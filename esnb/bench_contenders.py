"""The event stores that `python -m esnb.bench` races in workloads A, B and C, the events, and the least codec.

Every contender does the same work, end to end, from the same event objects:

- **append** one aggregate's events in one transaction: turn each event into a row
  (topic and JSON), and insert the rows;
- **replay** one aggregate: select its rows in position order and turn each back into an event;
- **read all**: select every row in the order of the table's auto-increment id, page by page,
  and turn each back into an event, with its id.

The raw drivers and the `eventsourcing` recorders use the small codec below, which does
the least work that gives back the same events. esnb uses its own mapper, so its figures
include everything the course's event store does.
"""

from __future__ import annotations

import importlib
import json
import random
import sqlite3
import uuid
from collections.abc import Iterator
from typing import Any

from esnb.bench_raw import create_table_sql, psycopg_conninfo, pymysql_conninfo, sqlite_path, table_of
from esnb.course.events import AttributeChanged, Created
from esnb.course.paging import read_pages
from esnb.course.records import SequencedItemRecord
from esnb.course.storage import SequencedItem
from esnb.databases import backend_name

TABLE = table_of(SequencedItemRecord)


# The workload


def aggregate_ids(count: int, seed: int = 2024) -> Iterator[uuid.UUID]:
    """The same random-looking aggregate ids on every call, made one at a time so none are stored."""
    rng = random.Random(seed)
    for _ in range(count):
        yield uuid.UUID(int=rng.getrandbits(128), version=4)


def events_of(aggregate_id: uuid.UUID, count: int) -> list[Any]:
    """One aggregate's events: it is created, then changes one attribute count - 1 times."""
    events: list[Any] = [Created(originator_id=aggregate_id, foo="start")]
    for version in range(1, count):
        events.append(AttributeChanged(originator_id=aggregate_id, originator_version=version,
                                       name="foo", value=f"value {version}"))
    return events


# The least codec: topic and JSON for an event, and back


_TOPIC_OF = {cls: f"{cls.__module__}:{cls.__qualname__}" for cls in (Created, AttributeChanged)}
_CLASS_OF = {topic: cls for cls, topic in _TOPIC_OF.items()}
_ENCODE = json.JSONEncoder(separators=(",", ":")).encode
_DECODE = json.loads


def encode(event: Any) -> tuple[str, str]:
    """The topic and the JSON of an event's attributes, less its id and version."""
    attributes = dict(vars(event))
    del attributes["originator_id"], attributes["originator_version"]
    return _TOPIC_OF[type(event)], _ENCODE(attributes)


def decode(sequence_id: uuid.UUID, position: int, topic: str, data: str | bytes) -> Any:
    """The event a row holds."""
    cls = _CLASS_OF[topic]
    event = cls.__new__(cls)
    event.__dict__.update(originator_id=sequence_id, originator_version=position, **_DECODE(data))
    return event


# The contenders


class Contender:
    """One event store under test. Subclasses set up in __init__ and clean up in close()."""

    name = "?"
    reads_all = True

    def __init__(self, url: str) -> None:
        """Get ready to run the workloads on the new, empty database at `url`."""

    def append(self, events: list[Any]) -> None:
        raise NotImplementedError

    def replay(self, aggregate_id: uuid.UUID) -> list[Any]:
        raise NotImplementedError

    def read_all(self, page_size: int) -> Iterator[tuple[int, Any]]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class RawSQLite(Contender):
    """The standard library's sqlite3 on esnb's table: executemany to insert, plain selects to read."""

    name = "raw sqlite3"

    def __init__(self, url: str) -> None:
        self.connection = sqlite3.connect(sqlite_path(url))
        self.connection.execute(create_table_sql(TABLE, "sqlite"))
        self.connection.commit()

    def append(self, events: list[Any]) -> None:
        rows = [(e.originator_id.bytes, e.originator_version, *encode(e)) for e in events]
        self.connection.executemany(
            "INSERT INTO sequenced_items (sequence_id, position, topic, data) VALUES (?, ?, ?, ?)", rows
        )
        self.connection.commit()

    def replay(self, aggregate_id: uuid.UUID) -> list[Any]:
        rows = self.connection.execute(
            "SELECT position, topic, data FROM sequenced_items WHERE sequence_id = ? ORDER BY position",
            (aggregate_id.bytes,),
        )
        return [decode(aggregate_id, *row) for row in rows]

    def read_all(self, page_size: int) -> Iterator[tuple[int, Any]]:
        for row_id, sequence_id, *rest in read_pages(self._page, 1, page_size):
            yield row_id, decode(uuid.UUID(bytes=sequence_id), *rest)

    def _page(self, start: int, page_size: int) -> list[Any]:
        return self.connection.execute(
            "SELECT id, sequence_id, position, topic, data FROM sequenced_items WHERE id >= ? ORDER BY id LIMIT ?",
            (start, page_size),
        ).fetchall()

    def close(self) -> None:
        self.connection.close()


class RawPsycopg(Contender):
    """psycopg 3 on esnb's table: one autocommit connection, executemany inside a transaction to insert."""

    name = "raw psycopg 3"

    def __init__(self, url: str) -> None:
        import psycopg

        self.connection = psycopg.connect(**psycopg_conninfo(url), autocommit=True)
        self.connection.execute(create_table_sql(TABLE, "postgresql"))

    def append(self, events: list[Any]) -> None:
        rows = [(e.originator_id, e.originator_version, *encode(e)) for e in events]
        with self.connection.transaction(), self.connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO sequenced_items (sequence_id, position, topic, data) VALUES (%s, %s, %s, %s)", rows
            )

    def replay(self, aggregate_id: uuid.UUID) -> list[Any]:
        rows = self.connection.execute(
            "SELECT position, topic, data FROM sequenced_items WHERE sequence_id = %s ORDER BY position",
            (aggregate_id,),
        )
        return [decode(aggregate_id, *row) for row in rows]

    def read_all(self, page_size: int) -> Iterator[tuple[int, Any]]:
        for row_id, *rest in read_pages(self._page, 1, page_size):
            yield row_id, decode(*rest)

    def _page(self, start: int, page_size: int) -> list[Any]:
        return self.connection.execute(
            "SELECT id, sequence_id, position, topic, data FROM sequenced_items WHERE id >= %s ORDER BY id LIMIT %s",
            (start, page_size),
        ).fetchall()

    def close(self) -> None:
        self.connection.close()


class RawPyMySQL(Contender):
    """PyMySQL on esnb's table: one autocommit connection; executemany, which PyMySQL sends as one
    multi-row INSERT, between BEGIN and COMMIT to insert."""

    name = "raw PyMySQL"

    def __init__(self, url: str) -> None:
        pymysql = importlib.import_module("pymysql")  # it ships no type hints
        self.connection = pymysql.connect(**pymysql_conninfo(url), autocommit=True)
        with self.connection.cursor() as cursor:
            cursor.execute(create_table_sql(TABLE, "mysql"))

    def append(self, events: list[Any]) -> None:
        rows = [(e.originator_id.bytes, e.originator_version, *encode(e)) for e in events]
        self.connection.begin()
        with self.connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO sequenced_items (sequence_id, position, topic, data) VALUES (%s, %s, %s, %s)", rows
            )
        self.connection.commit()

    def replay(self, aggregate_id: uuid.UUID) -> list[Any]:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT position, topic, data FROM sequenced_items WHERE sequence_id = %s ORDER BY position",
                (aggregate_id.bytes,),
            )
            return [decode(aggregate_id, *row) for row in cursor.fetchall()]

    def read_all(self, page_size: int) -> Iterator[tuple[int, Any]]:
        for row_id, sequence_id, *rest in read_pages(self._page, 1, page_size):
            yield row_id, decode(uuid.UUID(bytes=sequence_id), *rest)

    def _page(self, start: int, page_size: int) -> list[Any]:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, sequence_id, position, topic, data FROM sequenced_items"
                " WHERE id >= %s ORDER BY id LIMIT %s",
                (start, page_size),
            )
            return list(cursor.fetchall())

    def close(self) -> None:
        self.connection.close()


class Esnb(Contender):
    """The course's own event store, as notebook 07 builds it, on the datastore of notebook 05."""

    name = "esnb event store"

    def __init__(self, url: str) -> None:
        from esnb import ActiveRecord, SQLAlchemyDatastore, SQLAlchemySettings, event_store_for

        self.datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(url=url))
        self.datastore.setup_connection()
        self.datastore.setup_table(SequencedItemRecord)
        self.event_store = event_store_for(self.datastore.session)

    def append(self, events: list[Any]) -> None:
        self.event_store.append(events)

    def replay(self, aggregate_id: uuid.UUID) -> list[Any]:
        return self.event_store.get_domain_events(aggregate_id)

    def read_all(self, page_size: int) -> Iterator[tuple[int, Any]]:
        return self.event_store.read_all(page_size=page_size)

    def close(self) -> None:
        self.datastore.close_connection()


class EsnbStrategy(Esnb):
    """esnb's active record strategy with the same least codec as the raw driver and the recorders.

    Set beside the eventsourcing recorders, it compares the storage layers alone, like for like.
    """

    name = "esnb strategy, least codec"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.strategy = self.event_store.active_record_strategy

    def append(self, events: list[Any]) -> None:
        self.strategy.append([SequencedItem(e.originator_id, e.originator_version, *encode(e)) for e in events])

    def replay(self, aggregate_id: uuid.UUID) -> list[Any]:
        return [decode(*item) for item in self.strategy.list_items(aggregate_id)]

    def read_all(self, page_size: int) -> Iterator[tuple[int, Any]]:
        for row_id, item in self.strategy.read_all(page_size=page_size):
            yield row_id, decode(*item)


class _EventsourcingRecorder(Contender):
    """Common ground of the eventsourcing library's recorders: stored events in, stored events out."""

    application = True

    def __init__(self, url: str) -> None:
        from eventsourcing.persistence import StoredEvent

        self.StoredEvent = StoredEvent
        if backend_name(url) == "sqlite":
            from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteApplicationRecorder, SQLiteDatastore

            path = sqlite_path(url)
            if path == ":memory:":  # the library's own way to share one in-memory database between connections
                path = f"file:esnb_bench_{uuid.uuid4().hex}?mode=memory&cache=shared"
            self.datastore: Any = SQLiteDatastore(db_name=path)
            recorder_class: Any = SQLiteApplicationRecorder if self.application else SQLiteAggregateRecorder
        else:
            from eventsourcing.postgres import (
                PostgresAggregateRecorder,
                PostgresApplicationRecorder,
                PostgresDatastore,
            )

            self.datastore = PostgresDatastore(**psycopg_conninfo(url))
            recorder_class = PostgresApplicationRecorder if self.application else PostgresAggregateRecorder
        self.recorder = recorder_class(self.datastore)
        self.recorder.create_table()

    def append(self, events: list[Any]) -> None:
        self.recorder.insert_events([
            self.StoredEvent(e.originator_id, e.originator_version, topic, data.encode())
            for e in events
            for topic, data in (encode(e),)
        ])

    def replay(self, aggregate_id: uuid.UUID) -> list[Any]:
        return [
            decode(s.originator_id, s.originator_version, s.topic, s.state)
            for s in self.recorder.select_events(aggregate_id)
        ]

    def read_all(self, page_size: int) -> Iterator[tuple[int, Any]]:
        for n in read_pages(self.recorder.select_notifications, 1, page_size, id_of=lambda n: n.id):
            yield n.id, decode(n.originator_id, n.originator_version, n.topic, n.state)

    def close(self) -> None:
        self.datastore.close()


class EventsourcingApplicationRecorder(_EventsourcingRecorder):
    """The recorder an eventsourcing application uses: its events also get a global notification id."""

    name = "eventsourcing application recorder"


class EventsourcingAggregateRecorder(_EventsourcingRecorder):
    """The eventsourcing recorder of aggregate sequences only: no global order, so no read-all."""

    name = "eventsourcing aggregate recorder"
    application = False
    reads_all = False


RAW_CONTENDERS: dict[str, type[Contender]] = {"sqlite": RawSQLite, "postgresql": RawPsycopg, "mysql": RawPyMySQL}


def contenders_for(backend: str) -> dict[str, type[Contender]]:
    """The contenders of A, B and C on a backend ('sqlite', 'postgresql' or 'mysql'), by short name.

    The eventsourcing recorders are listed on MySQL/MariaDB too; esnb.bench leaves them out there, with a note.
    """
    raw = RAW_CONTENDERS[backend]
    return {
        "raw": raw,
        "es-application": EventsourcingApplicationRecorder,
        "es-aggregate": EventsourcingAggregateRecorder,
        "esnb-strategy": EsnbStrategy,
        "esnb": Esnb,
    }
