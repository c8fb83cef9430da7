"""The notification log (notebook 12): a follower that carries on from the last id it saw never skips a committed
event once every writer keeps ids in order; and the plain store, on a server, does let it skip."""

from __future__ import annotations

import random
import threading
import time
import uuid
from typing import Any

import pytest
from sqlalchemy import insert

from esnb import (
    AttributeChanged,
    ConcurrencyError,
    Created,
    DatabaseLockedError,
    EsnbError,
    EventStore,
    NotificationLog,
    SQLAlchemyDatastore,
    event_store_for,
    keep_ids_in_order,
    take_log_lock,
)

WRITERS, APPENDS = 4, 500
SERVERS = ("postgresql", "mysql")


def append_commands(store: EventStore, seed: int, count: int, errors: list[BaseException]) -> None:
    """`count` atomic appends of 1 to 3 events, each for a new entity."""
    rng = random.Random(seed)
    try:
        for _ in range(count):
            entity_id = uuid.uuid4()
            events: list[Any] = [Created(originator_id=entity_id, foo="new")]
            events += [AttributeChanged(originator_id=entity_id, originator_version=version, name="foo", value=version)
                       for version in range(1, rng.randint(1, 3))]
            store.append(events)
    except BaseException as error:  # reported by the test, with every other thread's
        errors.append(error)


def follow_while_writing(
    store: EventStore, writers: int = WRITERS, appends: int = APPENDS
) -> tuple[list[int], list[int]]:
    """Writers append while a follower reads from the start, until they are done and it has caught up.

    Returns the ids the follower read, in the order it read them, and the ids the table holds at the end.
    """
    log = NotificationLog(store)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=append_commands, args=(store, seed, appends, errors)) for seed in range(writers)]
    seen: list[int] = []
    position = 0
    deadline = time.monotonic() + 300
    for thread in threads:
        thread.start()
    while True:
        finished = not any(thread.is_alive() for thread in threads)
        for notification in log.read(position + 1, page_size=100):
            seen.append(notification.id)
            position = notification.id
        if finished:
            break
        assert time.monotonic() < deadline, "the writers did not finish within 300 s"
        time.sleep(0.001)
    assert errors == []
    return seen, [notification.id for notification in log.read()]


@pytest.mark.backends("sqlite-file", *SERVERS)
def test_a_follower_sees_every_committed_event_once_in_id_order(datastore: SQLAlchemyDatastore) -> None:
    store = keep_ids_in_order(event_store_for(datastore.session), datastore)
    seen, stored = follow_while_writing(store)
    assert len(stored) >= WRITERS * APPENDS
    assert seen == stored  # every committed event, exactly once, in id order


@pytest.mark.backends(*SERVERS)
def test_the_same_follower_skips_events_on_a_server_without_the_lock(datastore: SQLAlchemyDatastore) -> None:
    store = event_store_for(datastore.session)
    for _ in range(3):  # a skip needs an overlap of writers at the right moment: give it three runs
        seen, stored = follow_while_writing(store)
        if set(stored) - set(seen):
            return
    pytest.fail("in three runs of 4 writers x 500 appends, the follower never skipped an event without the lock")


def _staged_late_commit(datastore: SQLAlchemyDatastore, store: EventStore, lock: bool) -> tuple[list[int], bool]:
    """Writer A inserts first and commits last; a follower reads in between. Returns (missed ids, B was held back)."""
    table = store.active_record_strategy.table
    log = NotificationLog(store)
    position = log.last_id()

    def row(foo: str) -> dict[str, Any]:
        return store.sequenced_item_mapper.to_sequenced_item(Created(originator_id=uuid.uuid4(), foo=foo))._asdict()

    held_back = False
    with datastore.engine.connect() as writer_a, datastore.engine.connect() as writer_b:
        writer_a.begin()
        if lock:
            take_log_lock(writer_a, table.name)
        writer_a.execute(insert(table), row("A"))
        writer_b.begin()
        try:
            if lock:
                take_log_lock(writer_b, table.name, timeout=0.2)
            writer_b.execute(insert(table), row("B"))
            writer_b.commit()
        except DatabaseLockedError:
            held_back = True
            writer_b.rollback()
        seen = [notification.id for notification in log.read(position + 1)]
        writer_a.commit()
        if held_back:
            writer_b.begin()
            take_log_lock(writer_b, table.name)
            writer_b.execute(insert(table), row("B"))
            writer_b.commit()
        later = [notification.id for notification in log.read(max([position, *seen]) + 1)]
    stored = [notification.id for notification in log.read(position + 1)]
    return sorted(set(stored) - set(seen) - set(later)), held_back


@pytest.mark.backends(*SERVERS)
def test_an_id_that_commits_late_is_skipped_without_the_lock(datastore: SQLAlchemyDatastore) -> None:
    missed, held_back = _staged_late_commit(datastore, event_store_for(datastore.session), lock=False)
    assert len(missed) == 1 and not held_back


@pytest.mark.backends(*SERVERS)
def test_with_the_lock_the_second_writer_waits_and_nothing_is_skipped(datastore: SQLAlchemyDatastore) -> None:
    store = keep_ids_in_order(event_store_for(datastore.session), datastore)
    missed, held_back = _staged_late_commit(datastore, store, lock=True)
    assert missed == [] and held_back


@pytest.mark.backends(*SERVERS)
def test_an_append_that_waits_too_long_for_the_lock_writes_nothing(datastore: SQLAlchemyDatastore) -> None:
    store = keep_ids_in_order(event_store_for(datastore.session), datastore, lock_timeout=0.3)
    entity_id = uuid.uuid4()
    with datastore.engine.connect() as holder:
        holder.begin()
        take_log_lock(holder, store.active_record_strategy.table.name)
        began = time.monotonic()
        with pytest.raises(DatabaseLockedError, match=r"lock for more than 0\.3 s: nothing was written"):
            store.append(Created(originator_id=entity_id, foo="waits"))
        assert time.monotonic() - began < 5
        holder.rollback()
    assert store.get_domain_events(entity_id) == []
    store.append(Created(originator_id=entity_id, foo="waits"))  # the same append, once the lock is free
    assert [event.foo for event in store.get_domain_events(entity_id)] == ["waits"]


def test_a_follower_carries_on_past_the_id_of_a_rolled_back_append(datastore: SQLAlchemyDatastore) -> None:
    store = keep_ids_in_order(event_store_for(datastore.session), datastore)
    log = NotificationLog(store)
    entity_id = uuid.uuid4()
    store.append(Created(originator_id=entity_id, foo="a"))
    position = log.last_id()
    with pytest.raises(ConcurrencyError):
        store.append(Created(originator_id=entity_id, foo="b"))  # position 0 is taken: rolled back
    store.append(AttributeChanged(originator_id=entity_id, originator_version=1, name="foo", value="c"))
    after = list(log.read(position + 1))
    assert [notification.event.value for notification in after] == ["c"]


def test_the_log_reads_from_any_id_in_pages(datastore: SQLAlchemyDatastore) -> None:
    store = keep_ids_in_order(event_store_for(datastore.session), datastore)
    log = NotificationLog(store)
    assert log.last_id() == 0 and list(log.read()) == [] and list(log.pages()) == []
    ids = [uuid.uuid4() for _ in range(5)]
    for entity_id in ids:
        store.append(Created(originator_id=entity_id, foo=str(entity_id)))
    everything = list(log.read())
    assert [n.event.originator_id for n in everything] == ids
    assert log.last_id() == everything[-1].id
    assert [len(page) for page in log.pages(page_size=2)] == [2, 2, 1]
    assert [n.id for n in log.read(everything[2].id)] == [n.id for n in everything[2:]]
    assert list(log.read(everything[-1].id + 1)) == []


def test_keeping_ids_in_order_twice_changes_nothing_more(datastore: SQLAlchemyDatastore) -> None:
    store = event_store_for(datastore.session)
    keep_ids_in_order(store, datastore)
    connections = store.active_record_strategy.connections
    assert keep_ids_in_order(store, datastore) is store
    assert store.active_record_strategy.connections is connections
    keep_ids_in_order(event_store_for(datastore.session), datastore)  # a second store on the same table


@pytest.mark.backends(*SERVERS)
def test_a_table_without_its_lock_row_is_refused_by_name(datastore: SQLAlchemyDatastore) -> None:
    with datastore.engine.connect() as connection:
        connection.begin()
        with pytest.raises(EsnbError, match="has no lock: call keep_ids_in_order"):
            take_log_lock(connection, "no_such_events")
