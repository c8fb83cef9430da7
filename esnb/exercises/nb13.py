"""Checks for the exercises of notebook 13 · Projections and read models.

Exercise 13.1's check delivers changes to the learner's `count_change` the way a projection meets them: once, twice in
a row, an old one again after newer ones, and again after a crash rolled its transaction back. Its table lives in the
course's database (SQLite in memory unless ESNB_DATABASE_URL names another), and is dropped afterwards if the check
made it. Exercise 13.2's check runs on a SQLite database in memory of its own, unless given a URL, so it never
touches a notebook's read model; its projection "runs elsewhere": it moves on by one event each time it is asked
how far it has got.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, Connection, Engine, Integer, insert, inspect, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy_utils import UUIDType

from esnb.exercises import Wrong, report


class _ExerciseBase(DeclarativeBase):
    """The exercise's own tables, apart from the course's."""


class ChangeCount(_ExerciseBase):
    """How many times one entity's foo has changed, and the version of the last change counted."""

    __tablename__ = "exercise_change_counts"

    entity_id: Mapped[UUID] = mapped_column(UUIDType(binary=True), primary_key=True)
    changes: Mapped[int] = mapped_column(Integer)
    last_version: Mapped[int] = mapped_column(BigInteger)


def read_change_count(connection: Connection, entity_id: UUID) -> tuple[int, int]:
    """(changes, last_version) of the entity; (0, 0) for an entity with no change counted yet."""
    row = connection.execute(
        select(ChangeCount.changes, ChangeCount.last_version).where(ChangeCount.entity_id == entity_id)
    ).first()
    return (0, 0) if row is None else (int(row.changes), int(row.last_version))


def write_change_count(connection: Connection, entity_id: UUID, changes: int, last_version: int) -> None:
    """Store the entity's count of changes and the version of the last change counted."""
    values = {"changes": changes, "last_version": last_version}
    written = connection.execute(update(ChangeCount).where(ChangeCount.entity_id == entity_id).values(**values))
    if written.rowcount == 0:
        connection.execute(insert(ChangeCount).values(entity_id=entity_id, **values))


def check_count_change(count_change: Callable[[Connection, Any], None], url: str | None = None) -> None:
    """Exercise 13.1: `count_change(connection, event)` counts each change once, however often it comes."""
    report("Exercise 13.1", lambda: _count_change(count_change, url))


def check_rename_and_read(
    rename_and_read: Callable[[Any, Any, UUID, str], dict[str, int]], url: str | None = None
) -> None:
    """Exercise 13.2: `rename_and_read(app, projection, entity_id, foo)` returns counts that show the rename."""
    report("Exercise 13.2", lambda: _rename_and_read(rename_and_read, url))


# Exercise 13.1


class _Crash(Exception):
    """The check's staged crash, after the learner's code and before the commit."""


@contextmanager
def _change_counts(url: str | None) -> Iterator[Engine]:
    """An engine on the course's database with the exercise's table; the table is dropped if the check made it."""
    from esnb.course.datastore import SQLAlchemyDatastore, SQLAlchemySettings
    from esnb.databases import database_url

    datastore = SQLAlchemyDatastore(base=_ExerciseBase, settings=SQLAlchemySettings(uri=url or database_url()))
    datastore.setup_connection()
    try:
        had_table = inspect(datastore.engine).has_table(ChangeCount.__tablename__)
        datastore.setup_table(ChangeCount)
        try:
            yield datastore.engine
        finally:
            if not had_table:
                datastore.drop_table(ChangeCount)
    finally:
        datastore.close_connection()


def _changes(entity_id: UUID, versions: range) -> dict[int, Any]:
    from esnb.course.events import AttributeChanged

    return {version: AttributeChanged(originator_id=entity_id, originator_version=version, name="foo",
                                      value=f"value {version}") for version in versions}


def _count_change(count_change: Callable[[Connection, Any], None], url: str | None) -> str:
    with _change_counts(url) as engine:

        def deliver(case: str, event: Any, crash: bool = False) -> None:
            try:
                with engine.begin() as connection:
                    count_change(connection, event)
                    if crash:
                        raise _Crash
            except _Crash:
                pass  # the transaction was rolled back, as a crash would leave it
            except NotImplementedError:
                raise
            except Exception as error:
                raise Wrong(f"{case}, your code raised {type(error).__name__}: {error}") from None

        def count_of(entity_id: UUID) -> int:
            with engine.connect() as connection:
                return read_change_count(connection, entity_id)[0]

        cases = [
            ("when each change came once", [1, 2, 3], None, 3,
             "count each change of the entity once"),
            ("when a crash rolled back the transaction of change 2, and change 2 came again", [1, 2, 2], 1, 2,
             "the rolled-back change was never counted. What was counted must be recorded in the table, "
             "in the same transaction as the count, not in Python's memory"),
            ("when the same change came twice in a row", [1, 2, 2, 3], None, 3,
             "the second copy was counted again. The table must tell you which changes are counted already, "
             "and a change it covers must change nothing"),
            ("when an old change (version 1) came again after version 3", [1, 2, 3, 1], None, 3,
             "the old copy was counted again. The table must tell you which changes are counted already, "
             "and a change it covers must change nothing"),
            ("when version 2 changed another attribute, so the changes of foo came as versions 1 and 3", [1, 3], None,
             2, "version 3 was not counted. Versions skip the numbers of changes to other attributes: a change is new "
             "when it comes after the last one counted, however far after"),
        ]
        for case, order, crash_at, expected, hint in cases:
            entity_id = uuid.uuid4()
            changes = _changes(entity_id, range(1, 4))
            for turn, version in enumerate(order):
                deliver(case, changes[version], crash=turn == crash_at)
            counted = count_of(entity_id)
            if counted == 0:
                raise Wrong(f"{case}, the count stayed 0: store the new count with write_change_count.")
            if counted != expected:
                raise Wrong(f"{case}, the count became {counted}, not {expected}: {hint}.")
    return "count_change counts each change once: repeats, old copies and rolled-back transactions change nothing."


# Exercise 13.2


class _ReadModelSeen:
    """The read model, as the learner reads it: each read notes how far the projection had got."""

    def __init__(self, projection: Any) -> None:
        self._projection = projection
        self.read_at: list[int] = []

    def counts(self) -> dict[str, int]:
        self.read_at.append(self._projection.last_id())
        counts: dict[str, int] = self._projection.read_model.counts()
        return counts


class _RunningElsewhere:
    """A projection that runs in another process: a reader can ask how far it has got, and read its read model.
    It moves on by one event each time it is asked."""

    def __init__(self, projection: Any) -> None:
        self._projection = projection
        self.name: str = projection.name
        self.read_model = _ReadModelSeen(projection)

    def last_id(self) -> int:
        projection = self._projection
        following = next(iter(projection.read_log(projection.last_id() + 1)), None)
        if following is not None:
            projection.process(*following)
        last_id: int = projection.last_id()
        return last_id


def _rename_and_read(rename_and_read: Callable[[Any, Any, UUID, str], dict[str, int]], url: str | None) -> str:
    from esnb.course.application import ExampleApplication
    from esnb.course.datastore import SQLAlchemyDatastore, SQLAlchemySettings
    from esnb.course.projections import Projection, TrackingRecord
    from esnb.course.read_models import FooCounts
    from esnb.course.records import ActiveRecord, SequencedItemRecord

    datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri=url or "sqlite:///:memory:"))
    datastore.setup_connection()
    try:
        made = [record for record in (SequencedItemRecord, *FooCounts.tables, TrackingRecord)
                if not inspect(datastore.engine).has_table(record.__tablename__)]
        datastore.setup_table(SequencedItemRecord)
        app = ExampleApplication(datastore.session)
        for foo in ("pear", "pear", "fig"):
            app.create_new_example(foo)
        entity_id = app.create_new_example("apple").id
        app.create_new_example("plum")
        projection = Projection("exercise 13.2", FooCounts(datastore.engine), datastore, app.event_store.read_all)
        projection.setup()
        try:
            _read_own_rename(rename_and_read, app, _RunningElsewhere(projection), entity_id)
        finally:
            projection.drop()
            for record in reversed(made):
                datastore.drop_table(record)
    finally:
        datastore.close_connection()
    return "rename_and_read waits for the command's own events, so the screen shows the rename."


def _read_own_rename(
    rename_and_read: Callable[[Any, Any, UUID, str], dict[str, int]], app: Any, elsewhere: _RunningElsewhere,
    entity_id: UUID,
) -> None:
    from esnb.course.waiting import ProjectionLagError, last_stored_id

    case = "when the projection was behind"
    try:
        counts = rename_and_read(app, elsewhere, entity_id, "plum")
    except ProjectionLagError as lag:
        last = last_stored_id(app.event_store)
        if lag.awaited > last:
            raise Wrong(f"{case}, you waited for event {lag.awaited}, but the log ends at event {last}: "
                        "the command's events are at or before the last id stored right after the save.") from None
        raise Wrong(f"{case}, your wait ran out after {lag.timeout} s, with the projection at event {lag.reached}: "
                    "give it up to 2 seconds.") from None
    except AttributeError as error:
        raise Wrong(f"{case}, your code raised AttributeError: {error}. The projection runs elsewhere: you can ask "
                    "how far it has got, and read its read model.") from None
    except NotImplementedError:
        raise
    except Exception as error:
        raise Wrong(f"{case}, your code raised {type(error).__name__}: {error}") from None
    entity = app.example_repository[entity_id]
    if entity.foo != "plum":
        raise Wrong(f"{case}, the entity's foo is still {entity.foo!r} in the store: save the change, then wait "
                    "for it.")
    rename_id = last_stored_id(app.event_store)
    seen = elsewhere.read_model.read_at
    if seen and 0 < seen[-1] <= entity.__version__ < rename_id:
        raise Wrong(f"{case}, you read the counts when the projection had got to event {seen[-1]}, before your "
                    f"rename, event {rename_id}. Which id did you wait for? An entity's version counts the events of "
                    "that entity only: it is not an id in the log, which counts the events of every entity.")
    if seen and seen[-1] < rename_id:
        raise Wrong(f"{case}, you read the counts when the projection had got to event {seen[-1]}, before your "
                    f"rename, event {rename_id}: wait until it has processed your command's events, then read.")
    expected = {"fig": 1, "pear": 2, "plum": 2}
    if counts != expected:
        hint = "" if seen else ": return projection.read_model.counts(), read once the wait is over"
        raise Wrong(f"{case}, rename_and_read returned {counts!r}, not {expected!r}{hint}.")
