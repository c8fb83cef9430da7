"""The checks of notebook 05's exercises: placeholder, plausible wrong answers, and a right answer.

They run on the configured database (SQLite in memory by default), in a scratch database of its own.
"""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import CheckConstraint, Index, PrimaryKeyConstraint, UniqueConstraint, inspect, select
from sqlalchemy.exc import IntegrityError

from esnb import ActiveRecord, SequencedItemRecord, SQLAlchemyDatastore, SQLAlchemySettings
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb05 import ACCOUNT_TABLE, check_account_guard, check_try_append

Record = SequencedItemRecord
NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')` with your answer."
GUARD = "✗ Exercise 5.1: "
TWO_AT_ONE_ENTRY = "the table stored two different events at entry 1 of one account: "
COLUMNS = "The account table's columns are id, account_id, entry, kind and data."
APPEND = "✗ Exercise 5.2: "


def guard_placeholder():
    raise NotImplementedError(PLACEHOLDER)


def guard_crashes():
    return UniqueConstraint(account_id, "entry")  # type: ignore[name-defined]  # noqa: F821


@pytest.mark.parametrize(
    "account_guard, message",
    [
        (guard_placeholder, NOT_DONE),
        (lambda: None, "account_guard returned None: return the rule itself, a constraint that the table is "
                       "declared with, as SequencedItemRecord declares its own."),
        (lambda: "account_id, entry", "account_guard returned a str: return the rule itself, a constraint that the "
                                      "table is declared with, as SequencedItemRecord declares its own."),
        (lambda: UniqueConstraint("entry"), "the table refused entry 0 of a second account: every account has its own "
                                            "entry 0, so the rule must look at which account as well as which entry."),
        (lambda: (UniqueConstraint("account_id"), UniqueConstraint("entry")),
         "the table refused entry 0 of a second account: every account has its own entry 0, so the rule must look at "
         "which account as well as which entry."),
        (lambda: UniqueConstraint("account_id"), "the table refused entry 1 of an account that had only entry 0: an "
                                                 "account has many events, one per entry, so the rule must look at "
                                                 "which entry as well as which account."),
        (lambda: UniqueConstraint("id", "entry"), TWO_AT_ONE_ENTRY + "your rule covers id and entry, but a place in "
                                                  "an account's history is which account and which entry."),
        (lambda: UniqueConstraint("account_id", "entry", "kind"),
         TWO_AT_ONE_ENTRY + "your rule also covers kind, which the two events do not share, so the database saw no "
                            "clash."),
        (lambda: Index("accounts_entries", "account_id", "entry"),
         TWO_AT_ONE_ENTRY + "your index is not unique: an index helps the database find rows, but refuses none."),
        (lambda: CheckConstraint("entry >= 0"),
         TWO_AT_ONE_ENTRY + "the rule must refuse a second row with the same account and entry."),
        (lambda: UniqueConstraint("sequence_id", "position"),
         "the table could not be built with your rule: Can't create UniqueConstraint on table "
         f"'{ACCOUNT_TABLE}': no column named 'sequence_id' is present. " + COLUMNS),
        (lambda: UniqueConstraint(Record.sequence_id, Record.position),
         "your rule names columns of another table (sequence_id and position), not of the account table. " + COLUMNS),
        (guard_crashes, "when account_guard() was called, your code raised NameError: name 'account_id' is not "
                        "defined"),
    ],
    ids=["placeholder", "none", "str", "entry_only", "each_alone", "account_only", "id_and_entry", "with_kind",
         "plain_index", "check_constraint", "copied_names", "copied_columns", "crash"],
)
def test_account_guard_wrong_answers(verdict, url, account_guard, message):
    check_account_guard(account_guard, url)
    assert verdict() == GUARD + message


@pytest.mark.parametrize(
    "account_guard",
    [
        lambda: UniqueConstraint("account_id", "entry"),
        lambda: (UniqueConstraint("entry", "account_id", name="one_event_per_entry"),),
        lambda: Index("accounts_entries", "account_id", "entry", unique=True),
        lambda: PrimaryKeyConstraint("account_id", "entry"),
    ],
    ids=["unique_constraint", "table_args_tuple", "unique_index", "primary_key"],
)
def test_account_guard_right(verdict, url, account_guard):
    check_account_guard(account_guard, url)
    assert verdict() == "✓ Exercise 5.1: the table keeps one event per entry of each account, and refuses a second one."


def append_right(session, sequence_id, position, topic, data):
    session.add(Record(sequence_id=sequence_id, position=position, topic=topic, data=data))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def append_placeholder(session, sequence_id, position, topic, data):
    raise NotImplementedError(PLACEHOLDER)


def append_raises(session, sequence_id, position, topic, data):
    session.add(Record(sequence_id=sequence_id, position=position, topic=topic, data=data))
    session.commit()
    return True


def append_no_rollback(session, sequence_id, position, topic, data):
    session.add(Record(sequence_id=sequence_id, position=position, topic=topic, data=data))
    try:
        session.commit()
    except IntegrityError:
        return False
    return True


def append_catches_everything(session, sequence_id, position, topic, data):
    session.add(Record(sequence_id=sequence_id, position=position, topic=topic, data=data))
    try:
        session.commit()
    except Exception:
        return False
    return True


def append_rolls_back_everything(session, sequence_id, position, topic, data):
    session.add(Record(sequence_id=sequence_id, position=position, topic=topic, data=data))
    try:
        session.commit()
    except Exception:
        session.rollback()
        return False
    return True


def append_no_commit(session, sequence_id, position, topic, data):
    session.add(Record(sequence_id=sequence_id, position=position, topic=topic, data=data))
    session.flush()
    return True


def append_returns_nothing(session, sequence_id, position, topic, data):
    append_right(session, sequence_id, position, topic, data)


ROLLBACK = ("after a refused row, try_append could not store the next free position: a session whose write failed "
            "refuses all further work until it is rolled back.")


@pytest.mark.parametrize(
    "try_append, message",
    [
        (append_placeholder, NOT_DONE),
        (append_raises, "try_append let the database's refusal, IntegrityError, escape for a taken position: a taken "
                        "position is an answer the caller expects, so turn that refusal into False."),
        (append_no_rollback, ROLLBACK),
        (append_catches_everything, ROLLBACK),
        (append_rolls_back_everything, "when the database could not even be opened, try_append returned False, as "
                                       "if all were well or the position were taken: only a taken position is an "
                                       "answer the caller expects. Let every other error reach the caller."),
        (append_no_commit, "the row was gone after the session rolled back: it was never made permanent. A row is "
                           "stored only when its transaction is committed."),
        (append_returns_nothing, "try_append returned None for a free position: return True once the row is stored."),
    ],
    ids=["placeholder", "raises", "no_rollback", "catches_everything", "rolls_back_everything", "no_commit",
         "returns_nothing"],
)
def test_try_append_wrong_answers(verdict, url, try_append, message):
    check_try_append(try_append, url)
    assert verdict() == APPEND + message


def test_try_append_crash_says_which_case(verdict, url):
    def try_append(session, sequence_id, position, topic, data):
        if position == 1:
            raise RuntimeError("position 1 is not handled")
        return append_right(session, sequence_id, position, topic, data)

    check_try_append(try_append, url)
    assert verdict() == APPEND + (
        "for a free position, right after a taken one, your code raised RuntimeError: position 1 is not handled"
    )


def test_try_append_right(verdict, url):
    check_try_append(append_right, url)
    assert verdict() == (
        "✓ Exercise 5.2: try_append stores a free position, and returns False for a taken one without breaking "
        "the session."
    )


@pytest.mark.parametrize("check, answer", [
    (check_try_append, append_right),
    (check_try_append, append_no_rollback),
    (check_account_guard, lambda: UniqueConstraint("account_id", "entry")),
])
def test_checks_leave_an_existing_table_as_they_found_it(verdict, lasting_url, check, answer):
    datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri=lasting_url))
    datastore.setup_connection()
    try:
        datastore.setup_table(Record)
        session = datastore.session
        session.add(Record(sequence_id=uuid4(), position=0, topic="mine:Kept", data="{}"))
        session.commit()
        check(answer, lasting_url)
        verdict()
        assert [row.topic for row in session.scalars(select(Record))] == ["mine:Kept"]
        session.commit()
    finally:
        datastore.close_connection()


@pytest.mark.parametrize("check, answer", [
    (check_try_append, append_right),
    (check_try_append, append_placeholder),
    (check_account_guard, lambda: UniqueConstraint("account_id", "entry")),
    (check_account_guard, lambda: UniqueConstraint("entry")),
])
def test_checks_remove_the_tables_they_made(verdict, lasting_url, check, answer):
    check(answer, lasting_url)
    verdict()
    datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri=lasting_url))
    datastore.setup_connection()
    try:
        assert inspect(datastore.engine).get_table_names() == []
    finally:
        datastore.close_connection()


def test_a_rule_made_on_the_course_table_is_taken_off_it_again(verdict, url):
    table = Record.__table__
    before = (set(table.constraints), set(table.indexes))
    check_account_guard(lambda: Index("on_the_course_table", Record.sequence_id, Record.position, unique=True), url)
    assert verdict() == GUARD + (
        "your rule names columns of another table (sequence_id and position), not of the account table. " + COLUMNS
    )
    assert (set(table.constraints), set(table.indexes)) == before
