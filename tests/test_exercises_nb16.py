"""The checks of notebook 16's exercises: placeholder, plausible wrong answers, and right answers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from esnb import EventSourcedRepository, Snapshot, SnapshottingRepository
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb16 import check_load, check_upcast

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')`"

# Exercise 16.1


def restored(repository: SnapshottingRepository, entity_id: UUID, *, check_version: bool = True) -> tuple[Any, int]:
    """The entity from its snapshot, or None, and the version the tail starts at."""
    snapshot = repository.snapshot_store.get(entity_id)
    if snapshot is None:
        return None, 0
    state = repository.usable_state(snapshot) if check_version else snapshot.state
    if state is None:
        return None, 0
    entity = object.__new__(repository.entity_class)
    vars(entity).update(state)
    return entity, snapshot.version


def store_snapshot(repository: SnapshottingRepository, entity: Any) -> None:
    snapshot = Snapshot(entity.id, entity.__version__, repository.class_version, dict(vars(entity)))
    repository.snapshot_store.save(snapshot)


def make_load(*, check_version: bool = True, gt: bool = False, at_least: Callable[[int, int], bool] = int.__ge__,
              skip_none: bool = True) -> Callable[[SnapshottingRepository, UUID, int], Any]:
    def load(repository: SnapshottingRepository, entity_id: UUID, n: int) -> Any:
        entity, start = restored(repository, entity_id, check_version=check_version)
        bound = {"gt": start} if gt and entity is not None else {"gte": start}
        tail = repository.event_store.get_domain_events(entity_id, **bound)
        entity = functools.reduce(repository.mutator_func, tail, entity)
        if (entity is not None or not skip_none) and at_least(len(tail), n):
            store_snapshot(repository, entity)
        return entity

    return load


def load_placeholder(repository: SnapshottingRepository, entity_id: UUID, n: int) -> Any:
    raise NotImplementedError(PLACEHOLDER)


def load_never_snapshots(repository: SnapshottingRepository, entity_id: UUID, n: int) -> Any:
    return repository.get_entity(entity_id)


def load_snapshots_every_time(repository: SnapshottingRepository, entity_id: UUID, n: int) -> Any:
    entity = repository.get_entity(entity_id)
    if entity is not None:
        store_snapshot(repository, entity)
    return entity


def load_full_replay(repository: SnapshottingRepository, entity_id: UUID, n: int) -> Any:
    """Ignores snapshots: counts every event."""
    entity = EventSourcedRepository(repository.event_store, repository.mutator_func).get_entity(entity_id)
    if entity is not None and entity.__version__ >= n:
        store_snapshot(repository, entity)
    return entity


def load_with_take_snapshot(repository: SnapshottingRepository, entity_id: UUID, n: int) -> Any:
    """Right: works out the tail from the versions, and lets the repository take the snapshot."""
    snapshot = repository.snapshot_store.get(entity_id)
    start = snapshot.version if snapshot and repository.usable_state(snapshot) is not None else 0
    entity = repository.get_entity(entity_id)
    if entity is not None and entity.__version__ - start >= n:
        repository.take_snapshot(entity_id)
    return entity


def test_a_load_check_on_the_placeholder(verdict: Callable[[], str]) -> None:
    check_load(load_placeholder)
    assert verdict() == f"✗ Exercise 16.1: {NOT_DONE} with your answer."


CASE_12 = "for a stream of 12 events with no snapshot, n=5"
CASE_10 = "for a stream of 12 events with a snapshot at version 10, n=5"
CASE_EXACT = "for a stream of 10 events with a snapshot at version 5, n=5"
CASE_OTHER = ("for a stream of 12 events with a snapshot that class version 2 wrote at version 8, n=5 (the "
              "repository's class is at version 1)")
CASE_DISCARDED = "for an entity discarded at its 8th event, with a snapshot at version 3, n=2"


@pytest.mark.parametrize("answer, message", [
    (load_never_snapshots, f"{CASE_12}, the load applied 12 events, n or more, so a snapshot of the entity at "
                           "version 12, of the repository's class version, should be stored; the store holds none."),
    (load_snapshots_every_time, f"{CASE_10}, load changed the stored snapshot (now a snapshot at version 12), but "
                                "it should store none: it applied only 2 events, fewer than n=5: a write on every "
                                "load costs more than the snapshot saves."),
    (load_full_replay, f"{CASE_10}, load read 12 events, but the tail after the snapshot holds 2: start from the "
                       "snapshot, and read only the events after it."),
    (make_load(gt=True), f"{CASE_10}, applying the events raised ValueError: cannot apply AttributeChanged at "
                         "version 11: the entity is at version 10. A snapshot at version v has applied the events at "
                         "positions 0 to v - 1: the tail is the events after those."),
    (make_load(at_least=int.__gt__), f"{CASE_EXACT}, the load applied 5 events, n or more, so a snapshot of the "
                                     "entity at version 10, of the repository's class version, should be stored; "
                                     "the store holds one at version 5 of class version 1."),
    (make_load(check_version=False), f"{CASE_OTHER}, load used the snapshot that class version 2 wrote, though the "
                                     "repository's class is at version 1: its state need not fit the class. Use a "
                                     "snapshot only when the repository can (its usable_state), and otherwise "
                                     "replay every event."),
    (make_load(skip_none=False), f"{CASE_DISCARDED}, your code raised AttributeError: 'NoneType' object has no "
                                 "attribute 'id'"),
])
def test_a_load_check_blames_the_mistake(answer: Callable[..., Any], message: str,
                                         verdict: Callable[[], str]) -> None:
    check_load(answer)
    assert verdict() == f"✗ Exercise 16.1: {message}"


@pytest.mark.parametrize("answer", [make_load(), load_with_take_snapshot])
def test_a_load_check_passes_a_right_answer(answer: Callable[..., Any], verdict: Callable[[], str]) -> None:
    check_load(answer)
    assert verdict() == ("✓ Exercise 16.1: load uses a snapshot only when its class version fits, applies just the "
                         "tail, and stores a snapshot once a load applies n events or more.")


# Exercise 16.2


def upcast_right(snapshot: Any) -> dict[str, Any] | None:
    if snapshot.class_version != 2:
        return None
    state = dict(snapshot.state)
    state["_title"] = state.pop("_foo")
    return state


def upcast_placeholder(snapshot: Any) -> dict[str, Any] | None:
    raise NotImplementedError(PLACEHOLDER)


def upcast_nothing(snapshot: Any) -> dict[str, Any] | None:
    return None


def upcast_counts_none(snapshot: Any) -> dict[str, Any] | None:
    """Makes up a count of 0 for version 1."""
    if snapshot.class_version > 2:
        return None
    state = dict(snapshot.state)
    state.setdefault("_changes", 0)
    state["_title"] = state.pop("_foo")
    return state


def upcast_copies(snapshot: Any) -> dict[str, Any] | None:
    if snapshot.class_version != 2:
        return None
    return {**snapshot.state, "_title": snapshot.state["_foo"]}


def upcast_any_other_version(snapshot: Any) -> dict[str, Any] | None:
    if snapshot.class_version == 1:
        return None
    state = dict(snapshot.state)
    state["_title"] = state.pop("_foo")
    return state


def upcast_in_place(snapshot: Any) -> dict[str, Any] | None:
    """Right too: the snapshot is a throwaway copy the store decoded for this load."""
    if snapshot.class_version != 2:
        return None
    snapshot.state["_title"] = snapshot.state.pop("_foo")
    return dict(snapshot.state)


def test_an_upcast_check_on_the_placeholder(verdict: Callable[[], str]) -> None:
    check_upcast(upcast_placeholder)
    assert verdict() == f"✗ Exercise 16.2: {NOT_DONE} with your answer."


V1 = "for a snapshot of class version 1 at version 4"


@pytest.mark.parametrize("answer, message", [
    (upcast_nothing, "for a snapshot of class version 2 at version 7, upcast returned None, but this snapshot holds "
                     "everything version 3 needs, under another name: upcast it, so that the long stream need not be "
                     "replayed."),
    (upcast_counts_none, f"{V1}, upcast gave {{'_id': UUID('00000000-0000-0000-0000-000000000010'), '_version': 4, "
                         "'_is_discarded': False, '_pending_events': [], '_changes': 0, '_title': 'four'}, but a "
                         "version 1 state does not say how many times foo was changed; only the events do (here, 3 "
                         "times). Return None, so that the repository replays them."),
    (upcast_copies, "for a snapshot of class version 2 at version 7, the state upcast gave still has _foo, which "
                    "version 3 no longer has: version 3 renamed it _title."),
    (upcast_any_other_version, "for a snapshot of class version 4 at version 9, from newer code, your code raised "
                               "KeyError: '_foo'"),
])
def test_an_upcast_check_blames_the_mistake(answer: Callable[..., Any], message: str,
                                            verdict: Callable[[], str]) -> None:
    check_upcast(answer)
    assert verdict() == f"✗ Exercise 16.2: {message}"


@pytest.mark.parametrize("answer", [upcast_right, upcast_in_place])
def test_an_upcast_check_passes_a_right_answer(answer: Callable[..., Any], verdict: Callable[[], str]) -> None:
    check_upcast(answer)
    assert verdict() == ("✓ Exercise 16.2: upcast renames _foo in a version 2 state, and leaves to a replay the "
                         "states it cannot rebuild: version 1's, which never counted the changes, and newer "
                         "versions'.")
