"""The checks of notebook 11's exercises: placeholder, plausible wrong answers, and right answers.

11.2 runs on the configured database (SQLite in memory by default), in a scratch database of its own.
"""

from __future__ import annotations

import math
from uuid import uuid4

import pytest
from sqlalchemy import select

from esnb import ROWS_PER_INSERT, ActiveRecord, SequencedItemRecord, SQLAlchemyDatastore, SQLAlchemySettings
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb11 import check_import_backlog, check_round_trips

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')`"


# Exercise 11.1


def trips_right(rows, autocommit):
    if rows == 0:
        return 0
    inserts = math.ceil(rows / ROWS_PER_INSERT)
    return 1 if autocommit and inserts == 1 else inserts + 2


def trips_placeholder(rows, autocommit):
    raise NotImplementedError(PLACEHOLDER)


def trips_no_transaction_for_many(rows, autocommit):
    if rows == 0:
        return 0
    inserts = math.ceil(rows / ROWS_PER_INSERT)
    return inserts if autocommit else inserts + 2


def trips_always_a_transaction(rows, autocommit):
    return math.ceil(rows / ROWS_PER_INSERT) + 2 if rows else 0


def trips_forgets_begin_and_commit(rows, autocommit):
    return math.ceil(rows / ROWS_PER_INSERT)


def trips_forgets_begin(rows, autocommit):
    if rows == 0:
        return 0
    inserts = math.ceil(rows / ROWS_PER_INSERT)
    return 1 if autocommit and inserts == 1 else inserts + 1


def trips_floor_plus_one(rows, autocommit):
    if rows == 0:
        return 0
    inserts = rows // ROWS_PER_INSERT + 1
    return 1 if autocommit and inserts == 1 else inserts + 2


def trips_floor(rows, autocommit):
    if rows == 0:
        return 0
    inserts = max(rows // ROWS_PER_INSERT, 1)
    return 1 if autocommit and inserts == 1 else inserts + 2


def trips_per_row(rows, autocommit):
    if rows == 0:
        return 0
    return 1 if autocommit and rows == 1 else rows + 2


def trips_empty_append_still_talks(rows, autocommit):
    inserts = max(math.ceil(rows / ROWS_PER_INSERT), 1)
    return 1 if autocommit and inserts == 1 else inserts + 2


def trips_float(rows, autocommit):
    return float(trips_right(rows, autocommit))


def trips_crash(rows, autocommit):
    rows_per_insert = rows / math.ceil(rows / ROWS_PER_INSERT)  # no rows: ZeroDivisionError
    return trips_right(rows, autocommit) if rows_per_insert else 0


def test_round_trips_placeholder(verdict):
    check_round_trips(trips_placeholder)
    assert verdict().startswith("✗ Exercise 11.1: " + NOT_DONE)


@pytest.mark.parametrize("answer, message", [
    (trips_no_transaction_for_many, "for an append of 1,200 rows in autocommit mode, round_trips gave 3, not 5: in "
                                    "autocommit mode each of those 3 INSERTs would commit alone"),
    (trips_always_a_transaction, "for an append of 10 rows in autocommit mode, round_trips gave 3, not 1: in "
                                 "autocommit mode a single statement is a transaction of its own."),
    (trips_forgets_begin_and_commit, "for an append of 10 rows in a transaction, round_trips gave 1, not 3: a "
                                     "transaction costs two round trips of its own, a BEGIN to open it and a COMMIT "
                                     "to end it."),
    (trips_forgets_begin, "for an append of 10 rows in a transaction, round_trips gave 2, not 3: a transaction costs "
                          "two round trips of its own, a BEGIN to open it and a COMMIT to end it."),
    (trips_floor_plus_one, "for an append of 500 rows in autocommit mode, round_trips gave 4, not 1: 500 rows fit in "
                           "one INSERT, which carries up to ROWS_PER_INSERT rows."),
    (trips_floor, "for an append of 1,200 rows in a transaction, round_trips gave 4, not 5: when the rows do not "
                  "fill the last INSERT, it still has to be sent."),
    (trips_per_row, "for an append of 10 rows in a transaction, round_trips gave 12, not 3: the rows of an append "
                    "do not go one by one"),
    (trips_empty_append_still_talks, "for an append of 0 rows in a transaction, round_trips gave 3, not 0: an append "
                                     "of no rows returns before it talks to the database."),
    (trips_float, "for an append of 10 rows in a transaction, round_trips returned 3.0, a float"),
    (trips_crash, "for an append of 0 rows in a transaction, your code raised ZeroDivisionError: "),
], ids=lambda value: getattr(value, "__name__", "message"))
def test_round_trips_wrong(verdict, answer, message):
    check_round_trips(answer)
    line = verdict()
    assert line.startswith("✗ Exercise 11.1: ") and message in line, line


def test_round_trips_right(verdict):
    check_round_trips(trips_right)
    assert verdict() == ("✓ Exercise 11.1: round_trips counts the INSERTs of an append, and a BEGIN and a COMMIT only "
                         "where they are needed.")


# Exercise 11.2


def backlog_right(event_store, backlog, n):
    appends, batch = 0, []
    for history in backlog:
        if len(batch) + len(history) > n:
            event_store.append(batch)
            appends, batch = appends + 1, []
        batch += history
    if batch:
        event_store.append(batch)
        appends += 1
    return appends


def backlog_packed_tighter(event_store, backlog, n):
    """Right too: it packs the largest histories first, which can need fewer appends than filling them in order."""
    batches: list[list] = []
    for history in sorted(backlog, key=len, reverse=True):
        fits = next((batch for batch in batches if len(batch) + len(history) <= n), None)
        if fits is None:
            batches.append(list(history))
        else:
            fits += history
    for batch in batches:
        event_store.append(batch)
    return len(batches)


def backlog_sends_when_full(event_store, backlog, n):
    """Off by one: it starts a new append when the next history would fill this one exactly."""
    appends, batch = 0, []
    for history in backlog:
        if len(batch) + len(history) >= n:
            event_store.append(batch)
            appends, batch = appends + 1, []
        batch += history
    if batch:
        event_store.append(batch)
        appends += 1
    return appends


def backlog_sends_when_full_never_empty(event_store, backlog, n):
    """Off by one too, but it never sends an empty append."""
    appends, batch = 0, []
    for history in backlog:
        if batch and len(batch) + len(history) >= n:
            event_store.append(batch)
            appends, batch = appends + 1, []
        batch += history
    if batch:
        event_store.append(batch)
        appends += 1
    return appends


def backlog_placeholder(event_store, backlog, n):
    raise NotImplementedError(PLACEHOLDER)


def backlog_one_per_history(event_store, backlog, n):
    for history in backlog:
        event_store.append(history)
    return len(backlog)


def backlog_slices(event_store, backlog, n):
    events = [event for history in backlog for event in history]
    for start in range(0, len(events), n):
        event_store.append(events[start : start + n])
    return math.ceil(len(events) / n)


def backlog_ignores_n(event_store, backlog, n):
    event_store.append([event for history in backlog for event in history])
    return 1


def backlog_drops_the_last_batch(event_store, backlog, n):
    appends, batch = 0, []
    for history in backlog:
        if len(batch) + len(history) > n:
            event_store.append(batch)
            appends, batch = appends + 1, []
        batch += history
    return appends


def backlog_carries_on_after_a_failure(event_store, backlog, n):
    appends, batch, batches = 0, [], []
    for history in backlog:
        if len(batch) + len(history) > n:
            batches.append(batch)
            batch = []
        batch += history
    batches.append(batch)
    for batch in batches:
        try:
            event_store.append(batch)
        except Exception:
            continue
        appends += 1
    return appends


def backlog_counts_events(event_store, backlog, n):
    backlog_right(event_store, backlog, n)
    return sum(len(history) for history in backlog)


def backlog_crash(event_store, backlog, n):
    return backlog_right(event_store, backlog[0], n)


def test_import_backlog_placeholder(verdict, url):
    check_import_backlog(backlog_placeholder, url)
    assert verdict().startswith("✗ Exercise 11.2: " + NOT_DONE)


CASE = "for a backlog of 9 histories of [10, 4, 3, 3, 5, 2, 4, 4, 1] events, with n=10, "
TOO_MANY = "appends where 4 or fewer would do: each append costs at least one round trip, so put as many whole " \
           "histories in one as n allows."


@pytest.mark.parametrize("answer, message", [
    (backlog_one_per_history, CASE + "it made 9 " + TOO_MANY + " Append 2 held 4 events, yet the next history, "
                                     "of 3, would have fitted in it."),
    (backlog_sends_when_full, CASE + "it made 6 " + TOO_MANY + " Append 1 held 0 events, yet the next history, of 10, "
                                     "would have fitted in it: an append may hold n events, n itself included."),
    (backlog_sends_when_full_never_empty, CASE + "it made 5 " + TOO_MANY + " Append 2 held 7 events, yet the next "
                                                "history, of 3, would have fitted in it: an append may hold n events, "
                                                "n itself included."),
    (backlog_slices, CASE + "when append 4 failed, a history was left with 3 of its 4 events stored: an aggregate's "
                            "events must go in one append"),
    (backlog_ignores_n, CASE + "an append held 36 events, more than n=10"),
    (backlog_drops_the_last_batch, CASE + "9 of the 36 events were not stored: every history must reach the store."),
    (backlog_carries_on_after_a_failure, CASE + "append 2 failed, but import_backlog returned as if the import was "
                                                "done: let the error reach the caller."),
    (backlog_counts_events, CASE + "it made 4 appends, but returned 36: return the number of appends."),
    (backlog_crash, CASE + "your code raised TypeError: "),
], ids=lambda value: getattr(value, "__name__", "message"))
def test_import_backlog_wrong(verdict, url, answer, message):
    check_import_backlog(answer, url)
    line = verdict()
    assert line.startswith("✗ Exercise 11.2: ") and message in line, line


@pytest.mark.parametrize("answer", [backlog_right, backlog_packed_tighter])
def test_import_backlog_right(verdict, url, answer):
    assert check_import_backlog(answer, url) is None
    assert verdict() == "✓ Exercise 11.2: import_backlog stores whole histories, in few appends of at most n events."


@pytest.mark.parametrize("answer", [backlog_right, backlog_slices])
def test_the_check_leaves_an_existing_table_as_it_found_it(verdict, lasting_url, answer):
    datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri=lasting_url))
    datastore.setup_connection()
    try:
        datastore.setup_table(SequencedItemRecord)
        session = datastore.session
        session.add(SequencedItemRecord(sequence_id=uuid4(), position=0, topic="mine:Kept", data="{}"))
        session.commit()
        check_import_backlog(answer, lasting_url)
        verdict()
        assert [row.topic for row in session.scalars(select(SequencedItemRecord))] == ["mine:Kept"]
        session.commit()
    finally:
        datastore.close_connection()
