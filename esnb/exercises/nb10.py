"""Checks for the exercises of notebook 10 · Concurrent writers.

Races are staged step by step, as the notebook does: no threads and no timing.
Each check runs with the course's subscriber list emptied and put back afterwards,
on a datastore of its own from `esnb.exercises.scratch_store`:
the course's database (SQLite in memory unless ESNB_DATABASE_URL names another),
new random ids, and their rows removed afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from esnb.exercises import Wrong, report, scratch_store, subscribers_emptied


def check_add_suffix(add_suffix: Callable[[Any, UUID, str], int], url: str | None = None) -> None:
    """Exercise 10.1: `add_suffix(app, entity_id, suffix)` appends to foo through run_command,
    keeping others' changes."""
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
    from esnb.course.application import AtomicExampleApplication
    from esnb.course.errors import ConcurrencyError
    from esnb.course.events import AttributeChanged
    from esnb.course.pubsub import subscribers

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

        repository = app.example_repository
        # The spy stands in for the repository by duck typing, until there is a repository protocol (issue 15).
        app.example_repository = _RacingRepository(repository, alice_writes)  # type: ignore[assignment]
        try:
            attempts = add_suffix(app, entity.id, "-carol")
        except ConcurrencyError:
            raise Wrong("another writer saved first, and add_suffix raised ConcurrencyError: "
                        "use app.run_command(entity_id, command), which loads again and retries.") from None
        app.example_repository = repository
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
