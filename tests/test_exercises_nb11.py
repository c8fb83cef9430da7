"""The checks of notebook 11's exercises: placeholder, plausible wrong answers, and right answers.

They run on the configured database (SQLite in memory by default), in a scratch database of its own.
"""

from __future__ import annotations

from itertools import islice
from uuid import uuid4

import pytest
from sqlalchemy import select

from esnb import ActiveRecord, SequencedItemRecord, SQLAlchemyDatastore, SQLAlchemySettings
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb11 import check_append_in_batches, check_next_page

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')`"


# Exercise 11.1

def batches_right(event_store, events, n):
    appends = 0
    for start in range(0, len(events), n):
        event_store.append(events[start : start + n])
        appends += 1
    return appends


def batches_placeholder(event_store, events, n):
    raise NotImplementedError(PLACEHOLDER)


def batches_one_at_a_time(event_store, events, n):
    for event in events:
        event_store.append(event)
    return len(events)


def batches_ignores_n(event_store, events, n):
    event_store.append(events)
    return 1


def batches_drop_the_tail(event_store, events, n):
    for index in range(len(events) // n):
        event_store.append(events[index * n : (index + 1) * n])
    return len(events) // n


def batches_count_events(event_store, events, n):
    batches_right(event_store, events, n)
    return len(events)


def batches_empty_append(event_store, events, n):
    if not events:
        event_store.append([])
        return 1
    return batches_right(event_store, events, n)


def batches_off_by_one(event_store, events, n):
    for start in range(0, len(events), n - 1):
        event_store.append(events[start : start + n - 1])
    return len(range(0, len(events), n - 1))


def test_append_in_batches_placeholder(verdict, url):
    check_append_in_batches(batches_placeholder, url)
    assert verdict().startswith("✗ Exercise 11.1: " + NOT_DONE)


@pytest.mark.parametrize("answer, message", [
    (batches_one_at_a_time, "it made 24 appends of one event each: pass a list of up to n events"),
    (batches_ignores_n, "it appended all 24 events in one call, but n was 10"),
    (batches_drop_the_tail, "only 20 of 24 events were stored: the last, shorter batch is missing."),
    (batches_count_events, "it returned 24, but it made 3 appends"),
    (batches_empty_append, "with no events, it still called append 1 time(s)"),
    (batches_off_by_one, "24 events with n=10 were appended in batches of [9, 9, 6], not [10, 10, 4]."),
], ids=lambda value: getattr(value, "__name__", "message"))
def test_append_in_batches_wrong(verdict, url, answer, message):
    check_append_in_batches(answer, url)
    line = verdict()
    assert line.startswith("✗ Exercise 11.1: ") and message in line, line


def test_append_in_batches_right(verdict, url):
    assert check_append_in_batches(batches_right, url) is None
    assert verdict() == ("✓ Exercise 11.1: append_in_batches makes one append per batch of at most n events, "
                               "and counts them.")


# Exercise 11.2

def page_right(event_store, last_id, page_size):
    return list(islice(event_store.read_all(start=last_id + 1, page_size=page_size), page_size))


def page_loop(event_store, last_id, page_size):
    page = []
    for pair in event_store.read_all(start=last_id + 1, page_size=page_size):
        page.append(pair)
        if len(page) == page_size:
            break
    return page


def page_placeholder(event_store, last_id, page_size):
    raise NotImplementedError(PLACEHOLDER)


def page_includes_last(event_store, last_id, page_size):
    return list(islice(event_store.read_all(start=last_id, page_size=page_size), page_size))


def page_no_limit(event_store, last_id, page_size):
    return list(event_store.read_all(start=last_id + 1, page_size=page_size))


def page_reads_everything(event_store, last_id, page_size):
    return list(event_store.read_all(start=last_id + 1))[:page_size]


def page_events_only(event_store, last_id, page_size):
    return [event for _, event in islice(event_store.read_all(start=last_id + 1), page_size)]


def page_generator(event_store, last_id, page_size):
    return islice(event_store.read_all(start=last_id + 1, page_size=page_size), page_size)


def test_next_page_placeholder(verdict, url):
    check_next_page(page_placeholder, url)
    assert verdict().startswith("✗ Exercise 11.2: " + NOT_DONE)


@pytest.mark.parametrize("answer, message", [
    (page_includes_last, "the page began with the event at last_id: start after it, with start=last_id + 1."),
    (page_no_limit, "for a page of 3, it took 5 events from read_all: stop after page_size"),
    (page_reads_everything, "for a page of 3, it took 5 events from read_all"),
    (page_events_only, "the page holds AttributeChanged objects: return (id, event) pairs"),
    (page_generator, "next_page returned something of type islice: return a list of (id, event) pairs."),
], ids=lambda value: getattr(value, "__name__", "message"))
def test_next_page_wrong(verdict, url, answer, message):
    check_next_page(answer, url)
    line = verdict()
    assert line.startswith("✗ Exercise 11.2: ") and message in line, line


@pytest.mark.parametrize("answer", [page_right, page_loop])
def test_next_page_right(verdict, url, answer):
    assert check_next_page(answer, url) is None
    assert verdict() == "✓ Exercise 11.2: next_page reads one page after last_id, and no more."


@pytest.mark.parametrize("check, answer", [(check_append_in_batches, batches_right),
                                           (check_append_in_batches, batches_drop_the_tail),
                                           (check_next_page, page_right)])
def test_checks_leave_an_existing_table_as_they_found_it(verdict, lasting_url, check, answer):
    datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri=lasting_url))
    datastore.setup_connection()
    try:
        datastore.setup_table(SequencedItemRecord)
        session = datastore.session
        session.add(SequencedItemRecord(sequence_id=uuid4(), position=0, topic="mine:Kept", data="{}"))
        session.commit()
        check(answer, lasting_url)
        verdict()
        assert [row.topic for row in session.scalars(select(SequencedItemRecord))] == ["mine:Kept"]
        session.commit()
    finally:
        datastore.close_connection()
