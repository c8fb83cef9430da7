"""The contract of reading everything in order: `read_all` of the strategy and of the event store.

Every backend keeps it; the test id names the backend. Items come back in the order of the
table's auto-increment id, each with that id, one page (one short SELECT) at a time.
"""

from __future__ import annotations

import inspect
import uuid

import pytest
from sqlalchemy import Engine, event, select

from esnb import AttributeChanged, ConcurrencyError, Created, SequencedItemRecord
from tests.support import items_of


def table_ids(datastore) -> list[int]:
    with datastore.engine.connect() as connection:
        return list(connection.scalars(select(SequencedItemRecord.id).order_by(SequencedItemRecord.id)))


@pytest.fixture
def three_appends(strategy):
    """Seven items of three sequences, appended in three calls, in the order they were appended."""
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    batches = [items_of(first, range(3)), items_of(second, range(2)), items_of(third, range(2))]
    for batch in batches:
        strategy.append(batch)
    return [item for batch in batches for item in batch]


def test_empty_table_reads_nothing(strategy, event_store):
    assert list(strategy.read_all()) == []
    assert list(event_store.read_all()) == []


def test_items_come_back_in_the_order_they_were_stored_with_their_ids(strategy, datastore, three_appends):
    read = list(strategy.read_all())
    assert [item for _, item in read] == three_appends
    assert [row_id for row_id, _ in read] == table_ids(datastore)


def test_ids_increase(strategy, three_appends):
    ids = [row_id for row_id, _ in strategy.read_all()]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)


@pytest.mark.parametrize("page_size", [1, 2, 3, 7, 8, 1000])
def test_every_page_size_reads_each_item_once(strategy, three_appends, page_size):
    assert [item for _, item in strategy.read_all(page_size=page_size)] == three_appends


def test_each_page_is_one_select_of_at_most_page_size_rows(strategy, three_appends):
    selects = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(Engine, "before_cursor_execute", count)  # every engine: reads may use one of their own
    try:
        reader = strategy.read_all(page_size=3)
        assert inspect.isgenerator(reader)
        assert selects == []  # nothing is read until the first item is asked for
        next(reader)
        assert len(selects) == 1
        rest = list(reader)
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    assert len(rest) == 6
    assert len(selects) == 3  # pages of 3, 3 and 1 rows


def test_start_is_inclusive_and_carries_on_from_an_id(strategy, three_appends):
    read = list(strategy.read_all())
    fourth_id = read[3][0]
    assert list(strategy.read_all(start=fourth_id)) == read[3:]
    last_id = read[-1][0]
    assert list(strategy.read_all(start=last_id + 1)) == []


def test_carrying_on_after_more_appends_reads_only_the_new_items(strategy, three_appends):
    last_id = list(strategy.read_all())[-1][0]
    later = items_of(uuid.uuid4(), range(4))
    strategy.append(later)
    assert [item for _, item in strategy.read_all(start=last_id + 1)] == later


def test_a_paused_reader_holds_nothing_and_sees_later_appends(strategy, three_appends):
    """Between pages the reader holds no connection or transaction, so writers are not blocked."""
    reader = strategy.read_all(page_size=4)
    first_page = [next(reader) for _ in range(4)]
    later = items_of(uuid.uuid4(), range(2))
    strategy.append(later)  # would wait on a lock, on SQLite, if the reader held a transaction open
    rest = list(reader)
    assert [item for _, item in first_page + rest] == three_appends + later


def test_refused_appends_leave_nothing_to_read(strategy, three_appends):
    sequence_id = three_appends[0].sequence_id
    with pytest.raises(ConcurrencyError):
        strategy.append(items_of(sequence_id, [3, 4, 2]))
    assert [item for _, item in strategy.read_all()] == three_appends


def test_event_store_reads_all_events_with_the_strategys_ids(event_store, strategy):
    first, second = uuid.uuid4(), uuid.uuid4()
    events = [
        Created(originator_id=first, foo="a"),
        Created(originator_id=second, foo="b"),
        AttributeChanged(originator_id=first, originator_version=1, name="foo", value="c"),
    ]
    for each in events:
        event_store.append(each)
    read = list(event_store.read_all(page_size=2))
    assert [e for _, e in read] == events
    assert [row_id for row_id, _ in read] == [row_id for row_id, _ in strategy.read_all()]
    assert [e for _, e in event_store.read_all(start=read[1][0])] == events[1:]
