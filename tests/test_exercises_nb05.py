"""The checks of notebook 05's exercises: placeholder, plausible wrong answers, and a right answer.

They run on the configured database (SQLite in memory by default), in a scratch database of its own.
"""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from esnb import ActiveRecord, SequencedItemRecord, SQLAlchemyDatastore, SQLAlchemySettings
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb05 import check_positions_of, check_try_append

Record = SequencedItemRecord


def query(sequence_id):
    return select(Record.position).where(Record.sequence_id == sequence_id)


def positions_right(session, sequence_id):
    return list(session.scalars(query(sequence_id).order_by(Record.position)))


def positions_placeholder(session, sequence_id):
    raise NotImplementedError(PLACEHOLDER)


def positions_records(session, sequence_id):
    return list(session.scalars(select(Record).where(Record.sequence_id == sequence_id).order_by(Record.position)))


def positions_rows(session, sequence_id):
    return list(session.execute(query(sequence_id).order_by(Record.position)))


def positions_every_sequence(session, sequence_id):
    return list(session.scalars(select(Record.position).order_by(Record.position)))


def positions_unordered(session, sequence_id):
    return list(session.scalars(query(sequence_id).order_by(Record.id)))


def positions_result(session, sequence_id):
    return session.scalars(query(sequence_id).order_by(Record.position))


def test_positions_of_placeholder(verdict, url):
    check_positions_of(positions_placeholder, url)
    assert verdict().startswith("✗ Exercise 5.1: not done yet")


@pytest.mark.parametrize(
    "positions_of, message",
    [
        (positions_records, "a list of SequencedItemRecord, not of int"),
        (positions_rows, "a list of Row, not of int"),
        (positions_every_sequence, "the positions of every sequence"),
        (positions_unordered, "returned [2, 0, 1, 5]: put them lowest first"),
        (positions_result, "positions_of returned a ScalarResult: return a list"),
    ],
    ids=["records", "rows", "every_sequence", "unordered", "result"],
)
def test_positions_of_wrong_answers(verdict, url, positions_of, message):
    check_positions_of(positions_of, url)
    line = verdict()
    assert line.startswith("✗ Exercise 5.1:") and message in line, line


def test_positions_of_right(verdict, url):
    check_positions_of(positions_right, url)
    assert verdict() == "✓ Exercise 5.1: positions_of lists one sequence's positions, lowest first."


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


def append_no_commit(session, sequence_id, position, topic, data):
    session.add(Record(sequence_id=sequence_id, position=position, topic=topic, data=data))
    session.flush()
    return True


def append_returns_nothing(session, sequence_id, position, topic, data):
    append_right(session, sequence_id, position, topic, data)


def test_try_append_placeholder(verdict, url):
    check_try_append(append_placeholder, url)
    assert verdict().startswith("✗ Exercise 5.2: not done yet")


@pytest.mark.parametrize(
    "try_append, message",
    [
        (append_raises, "raised IntegrityError for a taken position: catch it"),
        (append_no_rollback, "call `session.rollback()` when you catch the IntegrityError"),
        (append_catches_everything, "call `session.rollback()` when you catch the IntegrityError"),
        (append_no_commit, "the row was gone after the session rolled back: call `session.commit()`"),
        (append_returns_nothing, "returned None for a free position"),
    ],
    ids=["raises", "no_rollback", "catches_everything", "no_commit", "returns_nothing"],
)
def test_try_append_wrong_answers(verdict, url, try_append, message):
    check_try_append(try_append, url)
    line = verdict()
    assert line.startswith("✗ Exercise 5.2:") and message in line, line


def test_try_append_right(verdict, url):
    check_try_append(append_right, url)
    assert verdict().startswith("✓ Exercise 5.2:")


@pytest.mark.parametrize("check, answer", [(check_positions_of, positions_right), (check_try_append, append_right),
                                           (check_try_append, append_no_rollback)])
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
    (check_positions_of, positions_right),
    (check_try_append, append_placeholder),
    (check_positions_of, positions_result),
])
def test_checks_remove_the_table_they_made(verdict, lasting_url, check, answer):
    check(answer, lasting_url)
    verdict()
    datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri=lasting_url))
    datastore.setup_connection()
    try:
        assert not inspect(datastore.engine).has_table(Record.__tablename__)
    finally:
        datastore.close_connection()
