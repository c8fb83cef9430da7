"""Checks for the exercises of notebook 08 · The repository.

Each check stores a few events in a SQLite database of its own, in memory, and
closes it at the end. The events are appended straight to the event store, so no
subscriber is involved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

from esnb.exercises import Wrong, crashed, report, scratch_store


def check_get_entity_as_of(get_entity_as_of: Callable[[Any, UUID, int], Any]) -> None:
    """Exercise 8.1: `get_entity_as_of(repository, entity_id, version)` rebuilds the entity as it was at `version`."""
    report("Exercise 8.1", lambda: _get_entity_as_of(get_entity_as_of))


def check_history_repository(history_repository_class: type) -> None:
    """Exercise 8.2: `HistoryRepository(...).history(entity_id)` lists (position, event class name) pairs."""
    report("Exercise 8.2", lambda: _history(history_repository_class))



def _events_before(position: int) -> str:
    return "the event at position 0 alone" if position == 1 else f"the events at positions 0 to {position - 1}"


def _store_history(event_store: Any, values: list[str], discard: bool) -> UUID:
    """Store a Created event, one AttributeChanged per further value, and maybe a Discarded event."""
    from esnb.course.events import AttributeChanged, Created, Discarded

    entity_id = uuid4()
    events: list[Any] = [Created(originator_id=entity_id, foo=values[0])]
    for version, value in enumerate(values[1:], start=1):
        events.append(AttributeChanged(originator_id=entity_id, originator_version=version, name="foo", value=value))
    if discard:
        events.append(Discarded(originator_id=entity_id, originator_version=len(events)))
    event_store.append(events)
    return entity_id


def _get_entity_as_of(get_entity_as_of: Callable[[Any, UUID, int], Any]) -> str:
    from esnb.course.domain import mutate
    from esnb.course.repository import EventSourcedRepository

    with scratch_store("sqlite:///:memory:") as scratch:
        event_store = scratch.event_store
        read = scratch.strategy.read  # how many events each read returned
        mutations: list[Any] = []

        def counting_mutate(entity: Any, event: Any) -> Any:
            mutations.append(event)
            return mutate(entity, event)

        repository = EventSourcedRepository(event_store=event_store, mutator_func=counting_mutate)
        discarded_id = _store_history(event_store, ["a", "b", "c"], discard=True)
        live_id = _store_history(event_store, ["x", "y"], discard=False)

        def call(entity_id: UUID, version: int, case: str) -> Any:
            read.clear()
            try:
                return get_entity_as_of(repository, entity_id, version)
            except KeyError:
                return KeyError
            except Exception as error:
                crash = crashed(f"for version {version} {case}", error)
                if isinstance(error, ValueError):
                    crash = Wrong(f"{crash}. A version the entity never had is like an id the repository does not "
                                  "know: say so the way the repository does, with a KeyError.")
                raise crash from None

        for version, foo in [(1, "a"), (2, "b"), (3, "c")]:
            entity = call(discarded_id, version, "of an entity with 4 stored events")
            if entity is KeyError:
                raise Wrong(f"get_entity_as_of(repository, entity_id, {version}) raised KeyError, but the entity "
                            f"existed at version {version}, with foo={foo!r}.")
            if entity is None:
                raise Wrong(f"get_entity_as_of(repository, entity_id, {version}) returned None: "
                            "return the entity that the replay builds.")
            got = getattr(entity, "__version__", None)
            if got == version + 1:
                raise Wrong(f"get_entity_as_of(repository, entity_id, {version}) gave the entity at version {got}: "
                            f"version {version} is built by {_events_before(version)}, and your code also applied "
                            f"the one at position {version}.")
            if got != version or getattr(entity, "foo", None) != foo:
                raise Wrong(f"get_entity_as_of(repository, entity_id, {version}) should give foo={foo!r} at version "
                            f"{version}, but gave foo={getattr(entity, 'foo', None)!r} at version {got}.")
            if sum(read) > version:
                raise Wrong(f"to rebuild version {version}, your code read {sum(read)} events from the store: "
                            "let the store leave out the events that version does not need, so old versions stay "
                            "cheap however long the history grows.")
            if not mutations:
                raise Wrong("your code did not replay with the repository's mutator: use the one it was given, "
                            "repository.mutator_func, since a repository may hold any kind of entity.")
        for entity_id, version, why in [
            (discarded_id, 4, "of an entity that its fourth event discarded"),
            (discarded_id, 0, "of an entity, before its first event"),
            (uuid4(), 1, "of an id with no events"),
            (live_id, 5, "of an entity that only ever reached version 2"),
        ]:
            entity = call(entity_id, version, why)
            if entity is not KeyError:
                shown = "None" if entity is None else f"the entity at version {getattr(entity, '__version__', '?')}"
                raise Wrong(f"asked for version {version} {why}, get_entity_as_of returned {shown}: the entity did "
                            "not exist at that version, so raise KeyError, as repository[entity_id] does.")
    return "get_entity_as_of reads only the events it needs and rebuilds any earlier version."


def _history(history_repository_class: type) -> str:
    from esnb.course.domain import mutate

    with scratch_store("sqlite:///:memory:") as scratch:
        event_store = scratch.event_store
        repository = history_repository_class(event_store=event_store, mutator_func=mutate)
        if not callable(getattr(repository, "history", None)):
            raise Wrong("HistoryRepository has no method called history: add it to the class.")
        discarded_id = _store_history(event_store, ["a", "b"], discard=True)
        live_id = _store_history(event_store, ["x"], discard=False)
        expected = [(0, "Created"), (1, "AttributeChanged"), (2, "Discarded")]
        try:
            answer = repository.history(discarded_id)
        except KeyError:
            raise Wrong("history raised KeyError for a discarded entity: the repository's lookup treats a discarded "
                        "entity as gone, but all its events are still stored, and they are its history.") from None
        except Exception as error:
            raise crashed("for an entity that was created, changed once and discarded", error) from None
        if not isinstance(answer, list):
            raise Wrong(f"history returned a {type(answer).__name__}: return a list of (position, name) tuples.")
        if answer != expected:
            shown = answer[:3]
            first = answer[0] if answer else None
            if first == ("Created", 0):
                raise Wrong(f"history gave {shown}: put the position first, then the name: (0, 'Created').")
            if first == (1, "Created"):
                raise Wrong(f"history gave {shown}: an event's position is the version it was applied at, "
                            "so the first event is at 0.")
            if isinstance(first, (tuple, list)) and len(first) == 2 and isinstance(first[1], type):
                raise Wrong("history gave the event classes in its pairs: give each class's name, a str such as "
                            "'Created'.")
            if isinstance(first, (tuple, list)) and len(first) == 2 and not isinstance(first[1], str):
                raise Wrong("history gave the events themselves in its pairs: give each event's class name, "
                            "such as 'Created'.")
            if isinstance(first, list):
                raise Wrong(f"history gave {shown}: make each pair a tuple, (position, name).")
            raise Wrong(f"for an entity that was created, changed once and discarded, history should give "
                        f"{expected}, but gave {shown}.")
        try:
            live = repository.history(live_id)
        except Exception as error:
            raise crashed("for an entity with only its Created event", error) from None
        if live != expected[:1]:
            raise Wrong(f"for an entity with only its Created event, history should give {expected[:1]}, "
                        f"but gave {live}.")
        try:
            unknown = repository.history(uuid4())
        except KeyError:
            raise Wrong("history raised KeyError for an id with no events: "
                        "its history is empty, so return [].") from None
        except Exception as error:
            raise crashed("for an id with no events", error) from None
        if unknown != []:
            raise Wrong(f"for an id with no events, history should give [], but gave {unknown!r}.")
    return "history lists every stored event by position and name, discarded entities included."
