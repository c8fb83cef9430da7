"""Snapshots (notebook 16), on every backend: the store keeps each entity's latest snapshot in a table of its own,
the repository loads snapshot plus tail, a snapshot of another class version is ignored or upcast, and snapshot plus
tail equals full replay for every stream and every N (a Hypothesis property, derandomized)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esnb import (
    ActiveRecord,
    AttributeChanged,
    Created,
    EventSourcedRepository,
    EventStore,
    Example,
    ExampleApplication,
    SequencedItemRecord,
    Snapshot,
    SnapshotRecord,
    SnapshotStore,
    SnapshottingRepository,
    SQLAlchemyDatastore,
    event_store_for,
    mutate,
    snapshot_every,
)


@pytest.fixture
def snapshots(datastore: SQLAlchemyDatastore) -> SnapshotStore:
    store = SnapshotStore(datastore)
    store.setup()
    return store


def stream(event_store: EventStore, length: int) -> uuid.UUID:
    """A new Example with `length` events: created, then foo set to "value 1", "value 2", ..."""
    entity_id = uuid.uuid4()
    events: list[Any] = [Created(originator_id=entity_id, foo="value 0")]
    events += [AttributeChanged(originator_id=entity_id, originator_version=version, name="foo",
                                value=f"value {version}") for version in range(1, length)]
    event_store.append(events)
    return entity_id


def state(entity: Any) -> Any:
    return None if entity is None else vars(entity)


class CountingExample(Example):
    """A second edition of Example, whose state also counts the changes of foo."""

    class_version = 2

    def __init__(self, originator_id: uuid.UUID, originator_version: int = 0, foo: str = "") -> None:
        super().__init__(originator_id, originator_version, foo)
        self._changes = 0


def mutate_counting(entity: Any, event: Any) -> Any:
    if isinstance(event, Created):
        return CountingExample(event.originator_id, originator_version=1, foo=event.foo)
    entity = mutate(entity, event)
    if isinstance(event, AttributeChanged):
        entity._changes += 1
    return entity


def test_the_snapshots_table_has_a_declarative_base_of_its_own() -> None:
    assert SnapshotRecord.metadata is not ActiveRecord.metadata
    assert SnapshotRecord.__table__.name not in ActiveRecord.metadata.tables
    assert SequencedItemRecord.__table__.name not in SnapshotRecord.metadata.tables


def test_a_snapshot_reads_back_as_it_was_stored(snapshots: SnapshotStore) -> None:
    entity_id = uuid.uuid4()
    snapshot = Snapshot(entity_id, 3, 1, {"_id": entity_id, "_foo": "ü" * 1000, "_pending_events": []})
    snapshots.save(snapshot)
    assert snapshots.get(entity_id) == snapshot
    assert snapshots.get(uuid.uuid4()) is None


def test_setup_is_safe_to_repeat(snapshots: SnapshotStore) -> None:
    entity_id = uuid.uuid4()
    snapshots.save(Snapshot(entity_id, 1, 1, {}))
    snapshots.setup()
    assert snapshots.get(entity_id) == Snapshot(entity_id, 1, 1, {})


def test_a_newer_snapshot_replaces_an_older_one_and_never_the_reverse(snapshots: SnapshotStore) -> None:
    entity_id = uuid.uuid4()
    snapshots.save(Snapshot(entity_id, 5, 1, {"at": 5}))
    snapshots.save(Snapshot(entity_id, 9, 1, {"at": 9}))
    assert snapshots.get(entity_id) == Snapshot(entity_id, 9, 1, {"at": 9})
    snapshots.save(Snapshot(entity_id, 7, 1, {"at": 7}))  # a slower writer, with an older state
    assert snapshots.get(entity_id) == Snapshot(entity_id, 9, 1, {"at": 9})
    snapshots.save(Snapshot(entity_id, 9, 1, {"at": "9 again"}))  # the same version: either will do
    assert snapshots.get(entity_id) == Snapshot(entity_id, 9, 1, {"at": "9 again"})


def test_a_snapshot_replaces_one_of_another_class_version_whatever_its_version(snapshots: SnapshotStore) -> None:
    entity_id = uuid.uuid4()
    snapshots.save(Snapshot(entity_id, 9, 1, {"edition": 1}))
    snapshots.save(Snapshot(entity_id, 4, 2, {"edition": 2}))
    assert snapshots.get(entity_id) == Snapshot(entity_id, 4, 2, {"edition": 2})


def test_a_state_that_cannot_be_stored_exactly_is_refused(snapshots: SnapshotStore) -> None:
    entity_id = uuid.uuid4()
    with pytest.raises(TypeError, match="attribute '_when' cannot be stored"):
        snapshots.save(Snapshot(entity_id, 1, 1, {"_when": object()}))
    assert snapshots.get(entity_id) is None


def test_the_repository_loads_the_snapshot_plus_the_tail(event_store: EventStore, snapshots: SnapshotStore) -> None:
    entity_id = stream(event_store, 10)
    repository = SnapshottingRepository(event_store, mutate, snapshots, Example)
    planted = dict(vars(EventSourcedRepository(event_store, mutate)[entity_id]), _foo="from the snapshot")
    snapshots.save(Snapshot(entity_id, 10, 1, planted))
    assert repository[entity_id].foo == "from the snapshot"  # the snapshot was used, and the tail is empty
    event_store.append(AttributeChanged(originator_id=entity_id, originator_version=10, name="foo", value="tail"))
    loaded = repository[entity_id]
    assert (type(loaded), loaded.__version__, loaded.foo, loaded.pending_events) == (Example, 11, "tail", ())
    assert entity_id in repository and uuid.uuid4() not in repository


def test_take_snapshot_stores_the_entity_as_it_is_now(event_store: EventStore, snapshots: SnapshotStore) -> None:
    entity_id = stream(event_store, 6)
    repository = SnapshottingRepository(event_store, mutate, snapshots, Example)
    taken = repository.take_snapshot(entity_id)
    assert taken == snapshots.get(entity_id)
    assert taken is not None and (taken.version, taken.class_version, taken.state["_foo"]) == (6, 1, "value 5")
    assert state(repository[entity_id]) == state(EventSourcedRepository(event_store, mutate)[entity_id])


def test_take_snapshot_stores_nothing_for_an_entity_that_loads_as_none(
    datastore: SQLAlchemyDatastore, snapshots: SnapshotStore
) -> None:
    app = ExampleApplication(datastore.session)
    example = app.create_new_example(foo="gone")
    example.discard()
    app.save(example)
    repository = SnapshottingRepository(app.event_store, mutate, snapshots, Example)
    unknown = uuid.uuid4()
    assert repository.take_snapshot(example.id) is None and repository.take_snapshot(unknown) is None
    assert snapshots.get(example.id) is None and snapshots.get(unknown) is None


def test_snapshot_every_n_takes_one_at_each_multiple_of_n(datastore: SQLAlchemyDatastore,
                                                          snapshots: SnapshotStore) -> None:
    app = ExampleApplication(datastore.session)
    repository = SnapshottingRepository(app.event_store, mutate, snapshots, Example)
    app.followers.append(snapshot_every(4, repository))
    example = app.create_new_example(foo="start")
    versions = []
    for number in range(1, 11):
        example.foo = f"change {number}"
        app.save(example)
        found = snapshots.get(example.id)
        versions.append(found.version if found else None)
    assert versions == [None, None, 4, 4, 4, 4, 8, 8, 8, 8]


def test_snapshot_every_refuses_an_n_below_one(event_store: EventStore, snapshots: SnapshotStore) -> None:
    repository = SnapshottingRepository(event_store, mutate, snapshots, Example)
    with pytest.raises(ValueError, match="at least 1, not 0"):
        snapshot_every(0, repository)


def test_a_snapshot_the_old_class_wrote_is_ignored_by_the_new_class(
    event_store: EventStore, snapshots: SnapshotStore
) -> None:
    """Rows written by the old code, read by the new: the new class replays the events, and snapshots again."""
    entity_id = stream(event_store, 8)
    old = SnapshottingRepository(event_store, mutate, snapshots, Example)
    assert old.take_snapshot(entity_id) is not None
    new = SnapshottingRepository(event_store, mutate_counting, snapshots, CountingExample)
    assert new[entity_id]._changes == 7
    assert new.take_snapshot(entity_id) == Snapshot(entity_id, 8, 2, vars(new[entity_id]))
    assert state(old[entity_id]) == state(EventSourcedRepository(event_store, mutate)[entity_id])  # and back


def test_an_upcaster_turns_another_class_versions_snapshot_into_the_new_shape(
    event_store: EventStore, snapshots: SnapshotStore
) -> None:
    entity_id = stream(event_store, 5)
    SnapshottingRepository(event_store, mutate, snapshots, Example).take_snapshot(entity_id)
    seen: list[int] = []

    def upcast(snapshot: Snapshot) -> dict[str, Any] | None:
        seen.append(snapshot.class_version)
        return {**snapshot.state, "_changes": -1}  # marks the state as upcast

    new = SnapshottingRepository(event_store, mutate_counting, snapshots, CountingExample, upcast=upcast)
    assert new[entity_id]._changes == -1 and seen == [1]
    refusing = SnapshottingRepository(event_store, mutate_counting, snapshots, CountingExample,
                                      upcast=lambda snapshot: None)
    assert refusing[entity_id]._changes == 4


@settings(max_examples=40, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.text(max_size=5), max_size=20), per_save=st.integers(1, 4), discard=st.booleans(),
       n=st.integers(1, 8))
def test_snapshot_plus_tail_equals_full_replay_for_every_stream_and_every_n(
    datastore: SQLAlchemyDatastore, snapshots: SnapshotStore, values: list[str], per_save: int, discard: bool, n: int
) -> None:
    app = ExampleApplication(datastore.session)
    repository = SnapshottingRepository(app.event_store, mutate, snapshots, Example)
    full_replay = EventSourcedRepository(event_store_for(datastore.session), mutate)
    app.followers.append(snapshot_every(n, repository))
    example = app.create_new_example(foo="start")
    for start in range(0, len(values), per_save):
        for value in values[start:start + per_save]:
            example.foo = value
        app.save(example)
        assert state(repository.get_entity(example.id)) == state(full_replay.get_entity(example.id))
    if per_save == 1:  # a save for each event: the follower saw the entity reach every multiple of n
        taken = snapshots.get(example.id)
        assert (taken.version if taken else 0) == (len(values) + 1) // n * n
    if discard:
        example.discard()
        app.save(example)
        assert repository.get_entity(example.id) is None is full_replay.get_entity(example.id)
