"""The contract every storage backend keeps: active record strategy, event store and repository.

Each test runs on every backend; the test id names it.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from sqlalchemy import BigInteger, CheckConstraint, Integer, String, Text, UniqueConstraint
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy_utils import UUIDType

from esnb import (
    ActiveRecord,
    AttributeChanged,
    ConcurrencyError,
    Created,
    Discarded,
    EventSourcedRepository,
    SequencedItem,
    SequencedItemRecord,
    SQLAlchemyActiveRecordStrategy,
    SQLAlchemyDatastore,
    SQLAlchemySettings,
    mutate,
)
from tests.support import items_of, row_count, two_sequences

# The active record strategy


def test_append_and_list_in_position_order(strategy):
    sequence_id = uuid.uuid4()
    strategy.append(list(reversed(items_of(sequence_id, range(3)))))
    assert strategy.list_items(sequence_id) == items_of(sequence_id, range(3))


def test_sequences_are_kept_apart(strategy):
    first, second = uuid.uuid4(), uuid.uuid4()
    strategy.append(items_of(first, range(2)))
    strategy.append(items_of(second, range(3)))
    assert [item.position for item in strategy.list_items(first)] == [0, 1]
    assert strategy.list_items(uuid.uuid4()) == []


def test_uuid_comes_back_as_uuid(strategy):
    sequence_id = uuid.uuid4()
    strategy.append(items_of(sequence_id, [0]))
    assert isinstance(strategy.list_items(sequence_id)[0].sequence_id, uuid.UUID)


def test_bounds_limit_and_order(strategy):
    sequence_id = uuid.uuid4()
    strategy.append(items_of(sequence_id, range(6)))

    def positions(**bounds):
        return [item.position for item in strategy.list_items(sequence_id, **bounds)]

    assert positions(gt=1, lt=4) == [2, 3]
    assert positions(gte=1, lte=4) == [1, 2, 3, 4]
    assert positions(limit=2) == [0, 1]
    assert positions(descending=True, limit=2) == [5, 4]
    assert strategy.get_item(sequence_id, 3) == items_of(sequence_id, [3])[0]
    with pytest.raises(KeyError):
        strategy.get_item(sequence_id, 6)


def test_taken_position_raises_concurrency_error_and_keeps_what_was_stored(strategy, datastore):
    sequence_id = uuid.uuid4()
    strategy.append(items_of(sequence_id, range(2)))
    clash = SequencedItem(sequence_id, 1, "esnb.course.events:Created", '{"n":"clash"}')
    with pytest.raises(ConcurrencyError, match=f"position 1 of sequence {sequence_id} is already taken"):
        strategy.append(clash)
    assert strategy.list_items(sequence_id) == items_of(sequence_id, range(2))
    strategy.append(items_of(sequence_id, [2]))  # the session is still usable
    assert row_count(datastore) == 3


def test_batch_is_all_or_nothing(strategy, datastore):
    free, taken = two_sequences()
    strategy.append(items_of(taken, [0]))
    clash = SequencedItem(taken, 0, "esnb.course.events:Created", '{"n":"other"}')
    with pytest.raises(ConcurrencyError):
        strategy.append([*items_of(free, range(6)), clash])
    assert strategy.list_items(free) == []
    assert row_count(datastore) == 1


def test_batch_larger_than_one_insert_is_all_or_nothing(strategy, datastore):
    free, taken = two_sequences()
    strategy.append(items_of(taken, [0]))
    clash = SequencedItem(taken, 0, "esnb.course.events:Created", '{"n":"other"}')
    with pytest.raises(ConcurrencyError):
        strategy.append([*items_of(free, range(1199)), clash])
    assert row_count(datastore) == 1
    strategy.append(items_of(free, range(1199)))
    assert len(strategy.list_items(free)) == 1199


def test_other_integrity_errors_are_not_concurrency_errors(datastore):
    class Base(DeclarativeBase):
        pass

    class CheckedRecord(Base):
        __tablename__ = "checked_items"
        id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
        sequence_id: Mapped[uuid.UUID] = mapped_column(UUIDType(binary=True))
        position: Mapped[int] = mapped_column(BigInteger)
        topic: Mapped[str] = mapped_column(String(255))
        data: Mapped[str] = mapped_column(Text)
        __table_args__ = (UniqueConstraint("sequence_id", "position"), CheckConstraint("position < 2"))

    datastore.setup_table(CheckedRecord)
    strategy = SQLAlchemyActiveRecordStrategy(session=datastore.session, active_record_class=CheckedRecord)
    sequence_id = uuid.uuid4()
    with pytest.raises(DBAPIError) as raised:  # PyMySQL calls a failed CHECK an OperationalError
        strategy.append(items_of(sequence_id, range(3)))
    assert not isinstance(raised.value, ConcurrencyError)
    assert strategy.list_items(sequence_id) == []
    strategy.append(items_of(sequence_id, [0]))
    assert len(strategy.list_items(sequence_id)) == 1


def test_reads_see_writes_from_other_sessions(strategy, datastore):
    sequence_id = uuid.uuid4()
    strategy.append(items_of(sequence_id, [0]))
    assert len(strategy.list_items(sequence_id)) == 1
    other_session = datastore.session.session_factory()
    try:
        other_session.execute(SequencedItemRecord.__table__.insert(), items_of(sequence_id, [1])[0]._asdict())
        other_session.commit()
    finally:
        other_session.close()
    assert len(strategy.list_items(sequence_id)) == 2


# The event store


def test_event_store_round_trip(event_store):
    entity_id = uuid.uuid4()
    events = [
        Created(originator_id=entity_id, foo="bar"),
        AttributeChanged(originator_id=entity_id, originator_version=1, name="foo", value="baz"),
    ]
    for event in events:
        event_store.append(event)
    assert event_store.get_domain_events(entity_id) == events
    assert event_store.get_domain_events(entity_id, gt=0) == events[1:]
    assert event_store.get_most_recent_event(entity_id) == events[-1]
    assert event_store.get_most_recent_event(uuid.uuid4()) is None


def test_event_store_appends_several_events_atomically(event_store):
    entity_id = uuid.uuid4()
    event_store.append(Created(originator_id=entity_id, foo="bar"))
    batch = [
        AttributeChanged(originator_id=entity_id, originator_version=1, name="foo", value="one"),
        AttributeChanged(originator_id=entity_id, originator_version=0, name="foo", value="clash"),
    ]
    with pytest.raises(ConcurrencyError):
        event_store.append(batch)
    assert len(event_store.get_domain_events(entity_id)) == 1
    event_store.append(batch[:1])
    assert len(event_store.get_domain_events(entity_id)) == 2


def test_unserialisable_event_writes_nothing(event_store, datastore):
    entity_id = uuid.uuid4()
    good = Created(originator_id=entity_id, foo="bar")
    bad = AttributeChanged(originator_id=entity_id, originator_version=1, name="foo", value={1, 2})
    with pytest.raises(TypeError, match="attribute 'value' cannot be stored"):
        event_store.append([good, bad])
    assert row_count(datastore) == 0


# The repository


def test_repository_rebuilds_and_forgets_discarded(event_store):
    repository = EventSourcedRepository(event_store=event_store, mutator_func=mutate)
    entity_id = uuid.uuid4()
    event_store.append([
        Created(originator_id=entity_id, foo="bar"),
        AttributeChanged(originator_id=entity_id, originator_version=1, name="foo", value="baz"),
    ])
    entity = repository[entity_id]
    assert (entity.id, entity.foo, entity.__version__) == (entity_id, "baz", 2)
    assert entity_id in repository
    unknown = uuid.uuid4()
    assert unknown not in repository
    with pytest.raises(KeyError):
        repository[unknown]
    event_store.append(Discarded(originator_id=entity_id, originator_version=2))
    assert entity_id not in repository
    with pytest.raises(KeyError):
        repository[entity_id]
    assert len(event_store.get_domain_events(entity_id)) == 3


# Threads


@pytest.mark.backends("sqlite-file", "postgresql", "mysql")
def test_racing_writers_each_position_won_once(strategy, datastore):
    """8 threads append positions 0-199 of one sequence; one wins each, the rest get ConcurrencyError."""
    threads_count, positions = 8, 200
    sequence_id = uuid.uuid4()
    barrier = threading.Barrier(threads_count)
    outcomes: Counter = Counter()
    winners: Counter = Counter()
    lock = threading.Lock()

    def write(writer: int) -> None:
        barrier.wait()
        for position in range(positions):
            item = SequencedItem(sequence_id, position, "esnb.course.events:Created", f'{{"writer":{writer}}}')
            try:
                strategy.append(item)
                outcome = "won"
            except ConcurrencyError:
                outcome = "ConcurrencyError"
            except Exception as error:  # anything else is a failure of the contract
                outcome = f"{type(error).__name__}: {error}"
            with lock:
                outcomes[outcome] += 1
                if outcome == "won":
                    winners[position] += 1
        datastore.session.remove()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes == Counter({"won": positions, "ConcurrencyError": positions * (threads_count - 1)})
    assert all(winners[p] == 1 for p in range(positions))
    assert [item.position for item in strategy.list_items(sequence_id)] == list(range(positions))
    assert row_count(datastore) == positions


@pytest.mark.backends("postgresql")
def test_postgresql_reads_share_one_autocommit_pool_per_engine_and_close_it_with_the_engine(datastore, strategy):
    """No read borrows a connection that must switch to autocommit and back; none is left open afterwards."""
    second = SQLAlchemyActiveRecordStrategy(session=datastore.session, active_record_class=SequencedItemRecord)
    assert second.connections.autocommit_engine is strategy.connections.autocommit_engine
    assert strategy.connections.autocommit_engine is not datastore.engine
    strategy.append(items_of(uuid.uuid4(), range(3)))
    with strategy.connections.autocommit_engine.connect() as connection:
        assert connection.connection.driver_connection.autocommit  # psycopg: no BEGIN before a statement
    assert strategy.connections.autocommit_engine.pool.checkedin() >= 1
    datastore.engine.dispose()
    assert strategy.connections.autocommit_engine.pool.checkedin() == 0


@pytest.mark.backends("postgresql")
def test_postgresql_autocommit_connections_keep_the_options_of_the_engine(database):
    """The autocommit pool connects as the datastore's engine does: with its connect_timeout, for one."""
    datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(url=database, connect_timeout=3))
    datastore.setup_connection()
    try:
        strategy = SQLAlchemyActiveRecordStrategy(session=datastore.session, active_record_class=SequencedItemRecord)
        with strategy.connections.autocommit_engine.connect() as connection:
            assert connection.connection.driver_connection.info.get_parameters()["connect_timeout"] == "3"
    finally:
        datastore.close_connection()
