"""Checks for the exercises of notebook 10 · Concurrent writers.

Races are staged step by step, as the notebook does: no threads and no timing.
Each check runs with the course's subscriber list emptied and put back afterwards,
on a datastore of its own from `scratch_store`, which the checks of notebooks 09 and 11 use too:
the course's database (SQLite in memory unless ESNB_DATABASE_URL names another),
new random ids, and their rows removed afterwards.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from esnb.exercises import Wrong, report, subscribers_emptied


class Tracked:
    """A datastore, an event store on its table, and the sequence ids whose rows are removed at the end."""

    def __init__(self, datastore: Any, event_store: Any) -> None:
        self.datastore = datastore
        self.event_store = event_store
        self.ids: list[UUID] = []

    def track(self, sequence_id: UUID) -> UUID:
        self.ids.append(sequence_id)
        return sequence_id


@contextmanager
def scratch_store(url: str | None = None, event_store_class: Any = None) -> Iterator[Tracked]:
    """A connected datastore with the sequenced-items table and an event store on it; tidied up afterwards.

    Rows of the tracked sequence ids are deleted at the end; a table the check made is dropped
    (an in-memory SQLite database goes with its connection).
    """
    from sqlalchemy import delete, inspect
    from sqlalchemy.exc import SAWarning

    from esnb.course.active_records import SQLAlchemyActiveRecordStrategy
    from esnb.course.datastore import SQLAlchemyDatastore, SQLAlchemySettings
    from esnb.course.event_store import EventStore
    from esnb.course.mapper import SequencedItemMapper
    from esnb.course.records import ActiveRecord, SequencedItemRecord
    from esnb.databases import database_url, is_in_memory

    url = url or database_url()
    datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri=url))
    datastore.setup_connection()
    try:
        had_table = inspect(datastore.engine).has_table(SequencedItemRecord.__tablename__)
        datastore.setup_table(SequencedItemRecord)
        strategy = SQLAlchemyActiveRecordStrategy(session=datastore.session, active_record_class=SequencedItemRecord)
        store = (event_store_class or EventStore)(active_record_strategy=strategy,
                                                  sequenced_item_mapper=SequencedItemMapper())
        tracked = Tracked(datastore, store)
        try:
            yield tracked
        finally:
            session = datastore.session
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SAWarning)
                session.rollback()
            if had_table:
                if tracked.ids:
                    session.execute(delete(SequencedItemRecord).where(SequencedItemRecord.sequence_id.in_(tracked.ids)))
                session.commit()
            elif not is_in_memory(url):
                session.close()
                datastore.drop_table(SequencedItemRecord)
    finally:
        datastore.close_connection()


def check_add_suffix(add_suffix: Callable[[Any, UUID, str], int], url: str | None = None) -> None:
    """Exercise 10.1: `add_suffix(app, entity_id, suffix)` appends to foo through run_command, keeping others' changes."""
    report("Exercise 10.1", lambda: _add_suffix(add_suffix, url))


def check_one_entity_unit_of_work(unit_of_work_class: Callable[[Any], Any], url: str | None = None) -> None:
    """Exercise 10.2: `OneEntityUnitOfWork` refuses, and stores nothing of, a command that changes two entities."""
    report("Exercise 10.2", lambda: _one_entity(unit_of_work_class, url))


class _RacingRepository:
    """A repository whose first load lets another writer change the entity just after it was read."""

    def __init__(self, repository: Any, other_writer: Callable[[Any], None]) -> None:
        self.repository = repository
        self.other_writer = other_writer
        self.loads = 0

    def __getitem__(self, entity_id: UUID) -> Any:
        entity = self.repository[entity_id]
        self.loads += 1
        if self.loads == 1:
            self.other_writer(entity)
        return entity

    def __contains__(self, entity_id: UUID) -> bool:
        return entity_id in self.repository

    def get_entity(self, entity_id: UUID) -> Any:
        return self.repository.get_entity(entity_id)


def _add_suffix(add_suffix: Callable[[Any, UUID, str], int], url: str | None) -> str:
    from esnb.course.errors import ConcurrencyError
    from esnb.course.events import AttributeChanged
    from esnb.course.pubsub import subscribers
    from esnb.course.unit_of_work import AtomicExampleApplication

    with subscribers_emptied(subscribers), scratch_store(url) as scratch:
        app = AtomicExampleApplication(scratch.datastore.session)
        with app.unit_of_work():
            from esnb.course.domain import create_new_example

            entity = create_new_example(foo="start")
        scratch.track(entity.id)

        quiet = add_suffix(app, entity.id, "-bob")
        foo = app.example_repository[entity.id].foo
        if foo != "start-bob":
            raise Wrong(f"with no other writer, foo became {foo!r}, not 'start-bob': "
                        "in the command, set `entity.foo = entity.foo + suffix`.")
        if quiet != 1:
            raise Wrong(f"with no other writer, add_suffix returned {quiet!r}, not 1: return what run_command returns.")
        if subscribers:
            raise Wrong("after add_suffix, something was still subscribed: use app.run_command or app.unit_of_work().")

        def alice_writes(stale: Any) -> None:
            app.event_store.append(AttributeChanged(originator_id=stale.id, originator_version=stale.__version__,
                                                    name="foo", value=stale.foo + "-alice"))

        app.example_repository = _RacingRepository(app.example_repository, alice_writes)
        try:
            attempts = add_suffix(app, entity.id, "-carol")
        except ConcurrencyError:
            raise Wrong("another writer saved first, and add_suffix raised ConcurrencyError: "
                        "use app.run_command(entity_id, command), which loads again and retries.") from None
        app.example_repository = app.example_repository.repository
        foo = app.example_repository[entity.id].foo
        if foo == "start-bob-carol":
            raise Wrong("the other writer's change ('-alice') was lost: work out the new value inside the command, "
                        "from the entity it is given, not from an entity loaded before.")
        if foo != "start-bob-alice-carol":
            raise Wrong(f"after a race, foo became {foo!r}, not 'start-bob-alice-carol'.")
        if attempts != 2:
            raise Wrong(f"after losing one race, add_suffix returned {attempts!r}, not 2: "
                        "return the number of attempts that run_command returns.")
    return "add_suffix retries on the newer state, so no one's change is lost."


def _one_entity(unit_of_work_class: Callable[[Any], Any], url: str | None) -> str:
    from esnb.course.domain import create_new_example
    from esnb.course.pubsub import subscribers

    class _Boom(Exception):
        pass

    with subscribers_emptied(subscribers), scratch_store(url) as scratch:
        store = scratch.event_store

        def stored(entity_id: UUID) -> list[str]:
            return [type(event).__name__ for event in store.get_domain_events(entity_id)]

        try:
            with unit_of_work_class(store):
                one = create_new_example(foo="one")
                scratch.track(one.id)
                one.foo = "changed"
        except ValueError:
            raise Wrong("a command that changed one entity twice was refused: "
                        "count the different originator_ids, not the events.") from None
        if stored(one.id) != ["Created", "AttributeChanged"]:
            raise Wrong(f"a command that changed one entity stored {stored(one.id)}, "
                        "not ['Created', 'AttributeChanged']: call UnitOfWork's __exit__ with super().")
        if subscribers:
            raise Wrong("after a `with` block, the unit of work was still subscribed.")

        made: list[Any] = []
        try:
            with unit_of_work_class(store):
                for foo in ("first", "second"):
                    made.append(create_new_example(foo=foo))
                    scratch.track(made[-1].id)
        except ValueError:
            pass
        else:
            raise Wrong("a command that created two entities was not refused: raise ValueError when the pending "
                        "events have more than one originator_id.")
        if subscribers:
            raise Wrong("after refusing a command, the unit of work was still subscribed: "
                        "unsubscribe before raising ValueError.")
        if any(stored(entity.id) for entity in made):
            raise Wrong("a refused command was stored anyway: raise ValueError before anything is appended.")

        try:
            with unit_of_work_class(store):
                broken = create_new_example(foo="broken")
                scratch.track(broken.id)
                raise _Boom("the command failed")
        except _Boom:
            pass
        else:
            raise Wrong("an error raised by the command was hidden: let it go on to the caller.")
        if subscribers:
            raise Wrong("after a command that raised an error, the unit of work was still subscribed.")
        if stored(broken.id):
            raise Wrong("a command that raised an error was stored: store nothing when the block fails.")
    return "OneEntityUnitOfWork stores one entity's events together and refuses a command that changes two."
