"""Checks for the exercises of notebook 16 · Snapshots.

Exercise 16.1 runs the learner's `load` on a store of its own, with snapshots the check plants, and counts the
events it reads. Exercise 16.2 is about the shapes of states only, so its check needs no database.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from esnb.exercises import Tracked, Wrong, call, crashed, report, scratch_store


def check_load(load: Callable[[Any, UUID, int], Any]) -> None:
    """Exercise 16.1: `load(repository, entity_id, n)` loads from a usable snapshot plus the tail, and stores a
    snapshot when that meant applying n events or more."""
    report("Exercise 16.1", lambda: _load(load))


def check_upcast(upcast: Callable[[Any], Any]) -> None:
    """Exercise 16.2: `upcast(snapshot)` gives a class version 3 state, or None when the snapshot cannot give one."""
    report("Exercise 16.2", lambda: _upcast(upcast))


# Exercise 16.1


@dataclass(frozen=True)
class _LoadCase:
    name: str
    length: int  # events in the stream, the last of them a Discarded if `discarded`
    planted: int | None  # the version of the planted snapshot, if any
    n: int
    discarded: bool = False
    planted_by: int = 1  # the class version that wrote the planted snapshot (the repository's class is at 1)


_LOAD_CASES = [
    _LoadCase("a stream of 12 events with no snapshot, n=5", 12, None, 5),
    _LoadCase("a stream of 12 events with a snapshot at version 10, n=5", 12, 10, 5),
    _LoadCase("a stream of 12 events with a snapshot at version 4, n=5", 12, 4, 5),
    _LoadCase("a stream of 10 events with a snapshot at version 5, n=5", 10, 5, 5),
    _LoadCase("a stream of 12 events with a snapshot that class version 2 wrote at version 8, n=5 (the repository's "
              "class is at version 1)", 12, 8, 5, planted_by=2),
    _LoadCase("an entity discarded at its 8th event, with a snapshot at version 3, n=2", 8, 3, 2, discarded=True),
    _LoadCase("an id with no events, n=1", 0, None, 1),
]


def _stream(entity_id: UUID, case: _LoadCase) -> list[Any]:
    from esnb.course.events import AttributeChanged, Created, Discarded

    events: list[Any] = [Created(originator_id=entity_id, foo="value 0")][:case.length]
    events += [AttributeChanged(originator_id=entity_id, originator_version=version, name="foo",
                                value=f"value {version}") for version in range(1, case.length)]
    if case.discarded:
        events[-1] = Discarded(originator_id=entity_id, originator_version=case.length - 1)
    return events


@contextmanager
def _snapshot_store(tracked: Tracked) -> Iterator[Any]:
    """A snapshot store beside the scratch event store; its rows, or its table if the check made it, go afterwards."""
    from sqlalchemy import delete, inspect

    from esnb.course.snapshots import SnapshotRecord, SnapshotStore
    from esnb.databases import is_in_memory

    datastore = tracked.datastore
    had_table = inspect(datastore.engine).has_table(SnapshotRecord.__tablename__)
    store = SnapshotStore(datastore)
    store.setup()
    try:
        yield store
    finally:
        if had_table:
            with datastore.engine.begin() as connection:
                connection.execute(delete(SnapshotRecord).where(SnapshotRecord.entity_id.in_(tracked.ids)))
        elif not is_in_memory(str(datastore.engine.url)):
            datastore.drop_table(SnapshotRecord)


def _load(load: Callable[[Any, UUID, int], Any]) -> str:
    from esnb.course.domain import Example, mutate
    from esnb.course.repository import EventSourcedRepository
    from esnb.course.snapshots import Snapshot, SnapshottingRepository

    with scratch_store() as tracked, _snapshot_store(tracked) as snapshots:
        event_store = tracked.event_store
        replay = EventSourcedRepository(event_store, mutate)
        for case in _LOAD_CASES:
            entity_id = tracked.track(uuid.uuid4())
            events = _stream(entity_id, case)
            if events:
                event_store.append(events)
            if case.planted is not None:
                state = dict(vars(functools.reduce(mutate, events[:case.planted], None)))
                if case.planted_by != 1:
                    state["_changes"] = case.planted - 1  # what version 2 keeps, and version 1 does not know
                snapshots.save(Snapshot(entity_id, case.planted, case.planted_by, state))
            expected = replay.get_entity(entity_id)
            repository = SnapshottingRepository(event_store, mutate, snapshots, Example)
            tracked.strategy.read.clear()
            try:
                loaded = load(repository, entity_id, case.n)
            except Exception as error:
                if isinstance(error, ValueError) and "cannot apply" in str(error):
                    raise Wrong(f"for {case.name}, applying the events raised ValueError: {error}. A snapshot at "
                                "version v has applied the events at positions 0 to v - 1: the tail is the events "
                                "after those.") from None
                raise crashed(f"for {case.name}", error) from None
            _check_loaded(case, loaded, expected)
            _check_reads(case, sum(tracked.strategy.read))
            _check_snapshot(case, snapshots.get(entity_id), expected)
    return ("load uses a snapshot only when its class version fits, applies just the tail, and stores a snapshot "
            "once a load applies n events or more.")


def _state(entity: Any) -> Any:
    return None if entity is None else vars(entity)


def _check_loaded(case: _LoadCase, loaded: Any, expected: Any) -> None:
    if expected is None:
        if loaded is not None:
            raise Wrong(f"for {case.name}, load returned {loaded!r}, but the repository gives None: "
                        f"{'the entity was discarded' if case.discarded else 'it has no events'}.")
        return
    if type(loaded) is not type(expected):
        raise Wrong(f"for {case.name}, load returned {loaded!r}, not an Example: return the entity it built.")
    if case.planted_by != 1 and "_changes" in vars(loaded):
        raise Wrong(f"for {case.name}, load used the snapshot that class version 2 wrote, though the repository's "
                    "class is at version 1: its state need not fit the class. Use a snapshot only when the "
                    "repository can (its usable_state), and otherwise replay every event.")
    if _state(loaded) != _state(expected):
        raise Wrong(f"for {case.name}, load gave an entity with {_state(loaded)}, but replaying every event gives "
                    f"{_state(expected)}: snapshot plus tail must give the same entity as a full replay.")


def _check_reads(case: _LoadCase, read: int) -> None:
    if case.planted is None or case.planted_by != 1:
        return
    tail = case.length - case.planted
    if read > 2 * tail:
        raise Wrong(f"for {case.name}, load read {read} events, but the tail after the snapshot holds {tail}: "
                    "start from the snapshot, and read only the events after it.")


def _check_snapshot(case: _LoadCase, snapshot: Any, expected: Any) -> None:
    usable = case.planted if case.planted_by == 1 else None
    applied = case.length - (usable or 0)
    if expected is not None and applied >= case.n:
        if snapshot is None or snapshot.version != case.length or snapshot.class_version != 1:
            found = "none" if snapshot is None else (f"one at version {snapshot.version} of class version "
                                                      f"{snapshot.class_version}")
            raise Wrong(f"for {case.name}, the load applied {applied} events, n or more, so a snapshot of the "
                        f"entity at version {case.length}, of the repository's class version, should be stored; "
                        f"the store holds {found}.")
        if snapshot.state != vars(expected):
            raise Wrong(f"for {case.name}, the snapshot stored holds {snapshot.state}, but the entity it should "
                        f"hold is {vars(expected)}.")
        return
    kept = case.planted
    if (snapshot.version if snapshot else None) != kept:
        why = ("an entity that loads as None gets no snapshot" if expected is None else
               f"it applied only {applied} events, fewer than n={case.n}: a write on every load costs more than "
               "the snapshot saves")
        now = "none" if snapshot is None else f"a snapshot at version {snapshot.version}"
        raise Wrong(f"for {case.name}, load changed the stored snapshot (now {now}), but it should store none: {why}.")


# Exercise 16.2


_ID = UUID(int=16)


def _version_1(version: int, foo: str) -> dict[str, Any]:
    return {"_id": _ID, "_version": version, "_is_discarded": False, "_foo": foo, "_pending_events": []}


def _version_2(version: int, foo: str) -> dict[str, Any]:
    return {**_version_1(version, foo), "_changes": version - 1}


def _version_3(version: int, title: str) -> dict[str, Any]:
    state = _version_2(version, title)
    state["_title"] = state.pop("_foo")
    return state


def _version_4(version: int, title: str) -> dict[str, Any]:
    return {**_version_3(version, title), "_tags": ["new"]}


_UPCAST_CASES: list[tuple[str, int, dict[str, Any], dict[str, Any] | None]] = [
    ("a snapshot of class version 2 at version 7", 2, _version_2(7, "seven"), _version_3(7, "seven")),
    ("a snapshot of class version 2 at version 1", 2, _version_2(1, "one"), _version_3(1, "one")),
    ("a snapshot of class version 1 at version 4", 1, _version_1(4, "four"), None),
    ("a snapshot of class version 4 at version 9, from newer code", 4, _version_4(9, "nine"), None),
]


def _upcast(upcast: Callable[[Any], Any]) -> str:
    from esnb.course.snapshots import Snapshot

    for case, class_version, state, expected in _UPCAST_CASES:
        snapshot = Snapshot(_ID, state["_version"], class_version, dict(state))
        answer = call(f"for {case}", upcast, snapshot)
        if expected is None:
            if answer is None:
                continue
            if class_version == 1:
                raise Wrong(f"for {case}, upcast gave {answer!r}, but a version 1 state does not say how many times "
                            f"foo was changed; only the events do (here, {state['_version'] - 1} times). Return None, "
                            "so that the repository replays them.")
            raise Wrong(f"for {case}, upcast gave {answer!r}, but that version is newer than 3: its state may hold "
                        "what version 3 does not know how to read. Return None, so that the repository replays the "
                        "events.")
        if answer is None:
            raise Wrong(f"for {case}, upcast returned None, but this snapshot holds everything version 3 needs, "
                        "under another name: upcast it, so that the long stream need not be replayed.")
        if not isinstance(answer, dict):
            raise Wrong(f"for {case}, upcast returned {answer!r}: return the state, a dict, or None.")
        if "_foo" in answer:
            raise Wrong(f"for {case}, the state upcast gave still has _foo, which version 3 no longer has: "
                        "version 3 renamed it _title.")
        if answer != expected:
            raise Wrong(f"for {case}, upcast gave {answer!r}, but version 3 holds {expected!r}.")
    return ("upcast renames _foo in a version 2 state, and leaves to a replay the states it cannot rebuild: "
            "version 1's, which never counted the changes, and newer versions'.")
