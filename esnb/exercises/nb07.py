"""Checks for the exercises of notebook 07 · The event store.

Each check builds an event store on a SQLite database of its own, in memory, and
closes it at the end. Events are appended straight to the store, so no subscriber
is involved, and a fresh database gives the same row ids on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import reduce
from typing import Any
from uuid import UUID, uuid4

from esnb.exercises import Wrong, report, scratch_store, subscribers_emptied


def check_rename_all(rename_all: Callable[[Any, list[Any], str], None]) -> None:
    """Exercise 7.1: `rename_all(event_store, entities, new_foo)` renames every entity, or none of them."""
    report("Exercise 7.1", lambda: _rename_all(rename_all))


def check_read_new(read_new: Callable[[Any, int], tuple[list[Any], int]]) -> None:
    """Exercise 7.2: `read_new(event_store, last_seen)` gives the events stored after row id `last_seen`,
    and the last row id."""
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


def _rename_all(rename_all: Callable[[Any, list[Any], str], None]) -> str:
    from esnb.course.domain import mutate
    from esnb.course.errors import ConcurrencyError, SequenceGapError
    from esnb.course.events import Created
    from esnb.course.pubsub import subscribers

    with subscribers_emptied(subscribers), _event_store() as (event_store, _read, _session):
        ids = [uuid4() for _ in range(3)]
        for older, entity_id in enumerate(ids):  # versions 1, 2 and 3
            event_store.append([Created(originator_id=entity_id, foo="old"), *_changes(entity_id, ["older"] * older)])

        def load() -> list[Any]:
            return [reduce(mutate, event_store.get_domain_events(entity_id), None) for entity_id in ids]

        def call(entities: list[Any], new_foo: str, case: str) -> ConcurrencyError | None:
            try:
                rename_all(event_store, entities, new_foo)
            except ConcurrencyError as error:
                return error
            except NotImplementedError:
                raise
            except SequenceGapError:
                raise Wrong(f"{case}, the store refused your events: they would leave a gap in a sequence. An entity's "
                            "version counts the events stored for it: which position does its next event take?"
                            ) from None
            except Exception as error:
                raise Wrong(f"{case}, your code raised {type(error).__name__}: {error}") from None
            return None

        quiet = "for three entities and no other writer"
        foos_before = [entity.foo for entity in load()]
        if call(load(), "new", quiet) is not None:
            raise Wrong(f"{quiet}, the store refused a position as taken: your events claimed positions that hold "
                        "stored events. An entity's version counts its events, so it is also the position its next "
                        "event takes.")
        after = load()
        if [entity.__version__ for entity in after] == [1, 2, 3]:
            raise Wrong(f"{quiet}, nothing was stored: the renames must reach the event store.")
        foos = [entity.foo for entity in after]
        if foos == foos_before:
            raise Wrong(f"{quiet}, events were stored, yet the entities' foo is still {foos}, not "
                        "['new', 'new', 'new']: which attribute do your events change?")
        if foos != ["new"] * 3:
            raise Wrong(f"{quiet}, the entities' foo values are {foos}, not ['new', 'new', 'new'].")
        if [entity.__version__ for entity in after] != [2, 3, 4]:
            raise Wrong(f"{quiet}, rename_all stored more than one event for an entity: one rename is one event.")

        before = load()
        changed = before[1]  # the middle one: an answer that appends one by one, in either order, stores another first
        event_store.append(_changes(changed.id, ["theirs"], first_version=changed.__version__))
        refused = call(before, "newer", "when another writer had changed one of the entities")
        foos = [entity.foo for entity in load()]
        if foos[1] != "theirs":
            raise Wrong("another writer had changed one of the entities since it was loaded, and rename_all wrote "
                        "over that change: when a position is taken, let the ConcurrencyError reach the caller.")
        renamed = foos.count("newer")
        if renamed:
            were = "was" if renamed == 1 else "were"
            raise Wrong(f"another writer had changed one of the three entities, so its rename was refused, "
                        f"yet {renamed} of the others {were} renamed: the renames must be stored all together, "
                        "or not at all.")
        if refused is None:
            raise Wrong("another writer had changed one of the entities, so nothing could be stored, but rename_all "
                        "returned as if all went well: let the ConcurrencyError reach the caller.")
    return "rename_all renames every entity, or none: when one position was taken, nothing was stored."


def _read_new(read_new: Callable[[Any, int], tuple[list[Any], int]]) -> str:
    from sqlalchemy import delete

    from esnb.course.events import Created
    from esnb.course.records import SequencedItemRecord

    with _event_store() as (event_store, read, session):

        def call(last_seen: int, case: str) -> tuple[list[Any], Any]:
            read.clear()
            try:
                answer = read_new(event_store, last_seen)
            except NotImplementedError:
                raise
            except Exception as error:
                raise Wrong(f"{case}, your code raised {type(error).__name__}: {error}") from None
            if not isinstance(answer, tuple) or len(answer) != 2:
                raise Wrong(f"read_new returned {type(answer).__name__}: return a pair, (events, last_id).")
            events, last_id = answer
            if not isinstance(events, list):
                raise Wrong(f"read_new gave its events as a {type(events).__name__}: make them a list.")
            if events and isinstance(events[0], tuple):
                raise Wrong("read_new gave (id, event) pairs: `read_all` yields pairs, "
                            "but the list should hold only the events.")
            return events, last_id

        empty = "for an empty store (last_seen=0)"
        events, last_id = call(0, empty)
        if events or last_id != 0:
            raise Wrong(f"{empty}, read_new should give ([], 0), but gave ({events!r}, {last_id!r}): when nothing "
                        "is new, the reader stays where it was.")

        first, second, gone = uuid4(), uuid4(), uuid4()
        for event in [Created(originator_id=first, foo="a"), Created(originator_id=second, foo="x"),
                      *_changes(first, ["b"]), Created(originator_id=gone, foo="-"), *_changes(second, ["y"]),
                      *_changes(first, ["c"], first_version=2)]:
            event_store.append(event)  # row ids 1 to 6, one per event
        session.execute(delete(SequencedItemRecord).where(SequencedItemRecord.sequence_id == gone))
        session.commit()  # row id 4 is gone: row ids 1, 2, 3, 5, 6 remain
        values = {1: "a", 2: "x", 3: "b", 5: "y", 6: "c"}

        for last_seen, ids in [(0, [1, 2, 3, 5, 6]), (2, [3, 5, 6]), (3, [5, 6])]:
            events, last_id = call(last_seen, f"after row id {last_seen}")
            got = [getattr(event, "value", getattr(event, "foo", None)) for event in events]
            expected = [values[i] for i in ids]
            if last_seen in values and got == [values[last_seen], *expected]:
                raise Wrong(f"after row id {last_seen}, read_new gave back the event with row id {last_seen} again: "
                            "the reader has handled that one already, so reading starts after it.")
            if got != expected:
                raise Wrong(f"after row id {last_seen}, read_new should give the events with row ids {ids}, "
                            "in the order they were stored, but it gave different events.")
            if last_id != ids[-1]:
                raise Wrong(f"after row id {last_seen}, read_new gave last_id={last_id!r}, but the last event read "
                            f"has row id {ids[-1]}: row ids can skip numbers, so take the row id that read_all gives "
                            "with the event.")
            if sum(read) > len(ids):
                raise Wrong(f"to find {len(ids)} new events, your code read {sum(read)}: let the store skip the "
                            "events the reader has seen, rather than reading from the start.")
        nothing_new = "after the last row id (last_seen=6)"
        events, last_id = call(6, nothing_new)
        if events:
            raise Wrong(f"{nothing_new}, read_new should give no events, but it gave some.")
        if last_id != 6:
            raise Wrong(f"{nothing_new}, read_new should give last_seen back as last_id, but it gave {last_id!r}: "
                        "the next call must carry on from the same place.")
        event_store.append(_changes(second, ["z"], first_version=2))
        events, last_id = call(last_id, "after a new event was stored")
        if [getattr(event, "value", None) for event in events] != ["z"] or last_id != 7:
            raise Wrong("after a new event was stored, read_new did not give it, with its row id as last_id.")
    return "read_new carries on after the last row id seen, reading only what is new."
