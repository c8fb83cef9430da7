"""The limits of the store: arguments that fit a BIGINT, appends too big for one INSERT, errors of a readable size.

Each test runs on every backend; the test id names it.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

import esnb.course.statements
from esnb import (
    MAX_DATA_BYTES,
    ROWS_PER_INSERT,
    ActiveRecord,
    ConcurrencyError,
    DatabaseLockedError,
    SequencedItem,
    SequencedItemRecord,
    SQLAlchemyActiveRecordStrategy,
    SQLAlchemyDatastore,
    SQLAlchemySettings,
)
from tests.support import TOPIC, items_of, row_count, two_sequences

LOWEST, HIGHEST = -(2**63), 2**63 - 1  # a signed 64-bit BIGINT

# Item 1: every int argument fits a BIGINT, or is refused with a ValueError that names it

OUT_OF_RANGE: dict[str, tuple[str, Callable[[Any, Any, uuid.UUID], Any]]] = {
    "read_all-start": ("start", lambda strategy, store, s: list(strategy.read_all(start=2**63))),
    "read_all-start-low": ("start", lambda strategy, store, s: list(strategy.read_all(start=LOWEST - 1))),
    "read_all-page_size": ("page_size", lambda strategy, store, s: list(strategy.read_all(page_size=2**63))),
    "list_items-gt": ("gt", lambda strategy, store, s: strategy.list_items(s, gt=2**63)),
    "list_items-lt-low": ("lt", lambda strategy, store, s: strategy.list_items(s, lt=LOWEST - 1)),
    "list_items-limit": ("limit", lambda strategy, store, s: strategy.list_items(s, limit=2**64)),
    "get_item-position": ("position", lambda strategy, store, s: strategy.get_item(s, 2**64)),
    "get_domain_events-gte": ("gte", lambda strategy, store, s: store.get_domain_events(s, gte=10**30)),
    "get_domain_events-lte": ("lte", lambda strategy, store, s: store.get_domain_events(s, lte=-(10**30))),
    "get_domain_events-limit": ("limit", lambda strategy, store, s: store.get_domain_events(s, limit=2**63)),
    "event_store-read_all-start": ("start", lambda strategy, store, s: list(store.read_all(start=2**63))),
    "event_store-read_all-page_size": ("page_size", lambda strategy, store, s: list(store.read_all(page_size=2**63))),
}


@pytest.mark.parametrize("case", OUT_OF_RANGE, ids=list(OUT_OF_RANGE))
def test_an_int_argument_outside_a_bigint_is_refused_by_name(strategy, event_store, case):
    sequence_id = uuid.uuid4()
    strategy.append(items_of(sequence_id, [0, 1]))
    name, call = OUT_OF_RANGE[case]
    with pytest.raises(ValueError, match=rf"^{name} must be at (most|least) -?\d+, not -?\d+$"):
        call(strategy, event_store, sequence_id)


def test_the_ends_of_the_bigint_range_work_on_every_backend(strategy, event_store):
    sequence_id = uuid.uuid4()
    items = items_of(sequence_id, [0, 1, 2])
    strategy.append(items)
    assert strategy.list_items(sequence_id, gt=HIGHEST) == []
    assert strategy.list_items(sequence_id, lt=LOWEST) == []
    assert strategy.list_items(sequence_id, gte=LOWEST, lte=HIGHEST, limit=HIGHEST) == items
    assert strategy.list_items(sequence_id, gt=LOWEST, lt=HIGHEST, limit=HIGHEST, descending=True) == items[::-1]
    with pytest.raises(KeyError):
        strategy.get_item(sequence_id, HIGHEST)
    with pytest.raises(KeyError):
        strategy.get_item(sequence_id, LOWEST)
    assert list(strategy.read_all(start=HIGHEST)) == []
    assert [item for _, item in strategy.read_all(start=LOWEST, page_size=HIGHEST)] == items
    assert len(event_store.get_domain_events(sequence_id, gte=LOWEST, limit=HIGHEST)) == 3


# Item 2: an append too big for one INSERT, by bytes, goes as several statements in one transaction


@contextmanager
def counted_inserts(strategy: SQLAlchemyActiveRecordStrategy) -> Iterator[list[str]]:
    """The INSERT statements the strategy sends, on any of its engines, while the block runs."""
    inserts: list[str] = []
    engines: set[Engine] = {strategy.engine, getattr(strategy.connections, "autocommit_engine", strategy.engine)}

    def count(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement[:60])

    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        yield inserts
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)


def padded(sequence_id: uuid.UUID, positions: range, size: int, tag: str = "") -> list[SequencedItem]:
    """Items whose data is `size` bytes of text."""
    return [SequencedItem(sequence_id, p, TOPIC, f'"{tag}{p:06}'.ljust(size - 1, "x") + '"') for p in positions]


def test_an_append_over_the_byte_budget_goes_in_several_inserts(strategy, datastore, monkeypatch):
    monkeypatch.setattr(esnb.course.statements, "BYTES_PER_INSERT", 10_000)
    sequence_id = uuid.uuid4()
    items = padded(sequence_id, range(30), 2_000)
    with counted_inserts(strategy) as inserts:
        strategy.append(items)
    assert len(inserts) >= 30 * 2_000 // 10_000, inserts
    assert strategy.list_items(sequence_id) == items


def test_an_append_of_several_inserts_by_bytes_stays_atomic(strategy, datastore, monkeypatch):
    monkeypatch.setattr(esnb.course.statements, "BYTES_PER_INSERT", 10_000)
    mine, taken = two_sequences()  # `taken` sorts last, so its row goes in the last INSERT
    strategy.append(padded(taken, range(1), 2_000, tag="theirs"))
    with counted_inserts(strategy) as inserts, pytest.raises(ConcurrencyError):
        strategy.append(padded(mine, range(20), 2_000) + padded(taken, range(1), 2_000, tag="mine"))
    assert len(inserts) > 1, inserts
    assert strategy.list_items(mine) == []
    assert row_count(datastore) == 1


def test_an_append_over_64_mib_goes_in_two_inserts(strategy, datastore):
    sequence_id = uuid.uuid4()
    count = 64 // 4 + 1  # events of the largest size, together just over 64 MiB
    with counted_inserts(strategy) as inserts:
        strategy.append(padded(sequence_id, range(count), MAX_DATA_BYTES))
    assert row_count(datastore) == count
    assert len(inserts) == 2, inserts


# Item 3: a big append that meets a conflict prints nothing (psycopg's "pipeline aborted")


def test_a_big_conflicting_append_prints_nothing(strategy, datastore, capfd, caplog):
    caplog.set_level(logging.DEBUG)
    capfd.readouterr()
    # psycopg's message depends on timing, so the conflict is met a few times
    for size in [ROWS_PER_INSERT + 10, 2 * ROWS_PER_INSERT, ROWS_PER_INSERT + 10]:
        sequence_id = uuid.uuid4()
        strategy.append(items_of(sequence_id, [0], tag="theirs"))
        with pytest.raises(ConcurrencyError):  # the first row conflicts, with many more to come in its INSERT
            strategy.append(items_of(sequence_id, range(size), tag="mine"))
    captured = capfd.readouterr()
    assert "error ignored" not in captured.err and "pipeline" not in captured.err.lower(), captured.err
    assert "error ignored" not in caplog.text and "pipeline" not in caplog.text.lower(), caplog.text
    assert row_count(datastore) == 3


# Item 4: a ConcurrencyError names a few positions, not all of them


def test_a_conflict_of_a_big_batch_names_five_positions_and_how_many_more(strategy):
    sequence_id = uuid.uuid4()
    strategy.append(items_of(sequence_id, range(1000), tag="theirs"))
    with pytest.raises(ConcurrencyError) as raised:
        strategy.append(items_of(sequence_id, range(1000), tag="mine"))
    shown = ", ".join(f"{p} of sequence {sequence_id}" for p in range(5))
    assert str(raised.value) == f"one of positions {shown} and 995 more is already taken"


def test_a_conflict_of_a_small_batch_names_every_position(strategy):
    sequence_id = uuid.uuid4()
    strategy.append(items_of(sequence_id, range(5), tag="theirs"))
    with pytest.raises(ConcurrencyError) as raised:
        strategy.append(items_of(sequence_id, range(5), tag="mine"))
    shown = ", ".join(f"{p} of sequence {sequence_id}" for p in range(5))
    assert str(raised.value) == f"one of positions {shown} is already taken"


# Item 5: a read blocked by a lock says the read was not done


@pytest.mark.backends("sqlite-file")
def test_a_read_blocked_by_a_lock_says_the_read_was_not_done(database):
    store = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri=database, lock_timeout=0.3))
    store.setup_connection()
    store.setup_table(SequencedItemRecord)
    try:
        strategy = SQLAlchemyActiveRecordStrategy(session=store.session, active_record_class=SequencedItemRecord)
        sequence_id = uuid.uuid4()
        strategy.append(items_of(sequence_id, [0]))
        blocker = sqlite3.connect(make_url(database).database, isolation_level=None)
        try:
            blocker.execute("BEGIN EXCLUSIVE")  # keeps readers out, too
            with pytest.raises(DatabaseLockedError) as raised:
                strategy.list_items(sequence_id)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert "the read was not done" in str(raised.value), str(raised.value)
        assert "nothing was written" not in str(raised.value), str(raised.value)
        assert strategy.list_items(sequence_id) == items_of(sequence_id, [0])
    finally:
        store.close_connection()
