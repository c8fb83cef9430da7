"""Checks for the exercises of notebook 07 · The event store.

Each check builds an event store on a SQLite database of its own, in memory, and
closes it at the end. Events are appended straight to the store, so no subscriber
is involved, and a fresh database gives the same row ids on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID, uuid4

from esnb.exercises import Wrong, report, scratch_store


def check_last_version(last_version: Callable[[Any, UUID], int | None]) -> None:
    """Exercise 7.1: `last_version(event_store, entity_id)` is the position of the entity's last event, or None."""
    report("Exercise 7.1", lambda: _last_version(last_version))


def check_read_new(read_new: Callable[[Any, int], tuple[list[Any], int]]) -> None:
    """Exercise 7.2: `read_new(event_store, last_seen)` gives the events stored after id `last_seen`,
    and the last id."""
    report("Exercise 7.2", lambda: _read_new(read_new))


IN_MEMORY = "sqlite:///:memory:"  # a new database, so row ids start at 1 on every run


@contextmanager
def _event_store() -> Iterator[tuple[Any, list[int], Any]]:
    """An event store on a new SQLite database in memory, how many items each read returned, and a session."""
    with scratch_store(IN_MEMORY) as scratch:
        yield scratch.event_store, scratch.strategy.read, scratch.datastore.session


def _changes(entity_id: UUID, values: list[str], first_version: int = 1) -> list[Any]:
    """AttributeChanged events of `foo`, one per value, from `first_version` on."""
    from esnb.course.events import AttributeChanged

    return [AttributeChanged(originator_id=entity_id, originator_version=version, name="foo", value=value)
            for version, value in enumerate(values, start=first_version)]


def _last_version(last_version: Callable[[Any, UUID], int | None]) -> str:
    from esnb.course.events import Created

    with _event_store() as (event_store, read, _session):
        long_id, short_id = uuid4(), uuid4()
        event_store.append([Created(originator_id=long_id, foo="a"), *_changes(long_id, ["b", "c", "d", "e"])])
        event_store.append(Created(originator_id=short_id, foo="x"))
        for entity_id, expected, what in [(long_id, 4, "five events"), (short_id, 0, "only its Created event")]:
            read.clear()
            answer = last_version(event_store, entity_id)
            if answer is not None and not isinstance(answer, int):
                raise Wrong(f"last_version returned an object of type {type(answer).__name__}: return a position, "
                            "the event's `originator_version`, an int.")
            if answer == expected + 1:
                raise Wrong(f"for an entity with {what}, last_version gave {answer}, but its last event is at "
                            f"position {expected}: positions start at 0, so the count of events is one too many.")
            if answer != expected:
                raise Wrong(f"for an entity with {what}, last_version should give {expected}, but gave {answer!r}.")
            if sum(read) > 1:
                raise Wrong(f"to find one event, your code read {sum(read)} from the store: "
                            "`event_store.get_most_recent_event(entity_id)` reads only the last one.")
        try:
            unknown = last_version(event_store, uuid4())
        except (AttributeError, IndexError, TypeError) as error:
            raise Wrong(f"for an id with no events, your code raised {type(error).__name__}: the store has no "
                        "last event to give, so return None.") from None
        if unknown is not None:
            raise Wrong(f"for an id with no events, last_version should give None, but gave {unknown!r}.")
    return "last_version reads one event, and gives None for an id with no events."


def _read_new(read_new: Callable[[Any, int], tuple[list[Any], int]]) -> str:
    from sqlalchemy import delete

    from esnb.course.events import Created
    from esnb.course.records import SequencedItemRecord

    with _event_store() as (event_store, read, session):
        first, second, gone = uuid4(), uuid4(), uuid4()
        for event in [Created(originator_id=first, foo="a"), Created(originator_id=second, foo="x"),
                      *_changes(first, ["b"]), Created(originator_id=gone, foo="-"), *_changes(second, ["y"]),
                      *_changes(first, ["c"], first_version=2)]:
            event_store.append(event)  # ids 1 to 6, one per event
        session.execute(delete(SequencedItemRecord).where(SequencedItemRecord.sequence_id == gone))
        session.commit()  # id 4 is gone: ids 1, 2, 3, 5, 6 remain
        values = {1: "a", 2: "x", 3: "b", 5: "y", 6: "c"}

        def call(last_seen: int) -> tuple[list[Any], Any]:
            read.clear()
            answer = read_new(event_store, last_seen)
            if not isinstance(answer, tuple) or len(answer) != 2:
                raise Wrong(f"read_new returned {type(answer).__name__}: return a pair, (events, last_id).")
            events, last_id = answer
            if not isinstance(events, list):
                raise Wrong(f"read_new gave its events as a {type(events).__name__}: make them a list.")
            if events and isinstance(events[0], tuple):
                raise Wrong("read_new gave (id, event) pairs: `read_all` yields pairs, "
                            "but the list should hold only the events.")
            return events, last_id

        for last_seen, ids in [(0, [1, 2, 3, 5, 6]), (2, [3, 5, 6]), (3, [5, 6])]:
            events, last_id = call(last_seen)
            got = [getattr(event, "value", getattr(event, "foo", None)) for event in events]
            expected = [values[i] for i in ids]
            if last_seen in values and got == [values[last_seen], *expected]:
                raise Wrong(f"after id {last_seen}, read_new gave back the event with id {last_seen} again: "
                            f"start reading from the id after it, `start=last_seen + 1`.")
            if got != expected:
                raise Wrong(f"after id {last_seen}, read_new should give the events with ids {ids}, "
                            "in the order they were stored, but it gave different events.")
            if last_id != ids[-1]:
                raise Wrong(f"after id {last_seen}, read_new gave last_id={last_id!r}, but the last event read has id "
                            f"{ids[-1]}: ids can skip numbers, so take the id that read_all gives with the event.")
            if sum(read) > len(ids):
                raise Wrong(f"to find {len(ids)} new events, your code read {sum(read)}: "
                            "let read_all start at the first new id, `start=last_seen + 1`.")
        events, last_id = call(6)
        if events:
            raise Wrong("after the last id, read_new should give no events, but it gave some.")
        if last_id != 6:
            raise Wrong("when nothing is new, read_new should give last_seen back as last_id, "
                        f"but it gave {last_id!r}: the next call must carry on from the same place.")
        event_store.append(_changes(second, ["z"], first_version=2))
        events, last_id = call(last_id)
        if [getattr(event, "value", None) for event in events] != ["z"] or last_id != 7:
            raise Wrong("after a new event was stored, read_new did not give it, with its id as last_id.")
    return "read_new carries on after the last id seen, reading only what is new."
