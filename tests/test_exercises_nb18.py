"""The checks of notebook 18's exercises: the placeholder, the wrong answers a learner would try, and a right one."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest

from esnb.course.outbox import Message, causation_id
from esnb.databases import database_url
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb18 import check_receive, check_reminder_for

URL = database_url()  # SQLite in memory, or the server in ESNB_DATABASE_URL


def verdict(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out.strip()


def placeholder(*args: Any) -> Any:
    raise NotImplementedError(PLACEHOLDER)


NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')` with your answer."


# Exercise 18.1


def right_receive(seen: set[uuid.UUID], loans: Counter[uuid.UUID], message: Any) -> None:
    if message.id in seen:
        return
    seen.add(message.id)
    loans[message.event.originator_id] += 1


def test_18_1_placeholder(capsys: pytest.CaptureFixture[str]) -> None:
    check_receive(placeholder, URL)
    assert verdict(capsys) == f"✗ Exercise 18.1: {NOT_DONE}"


def test_18_1_no_copy_dropped(capsys: pytest.CaptureFixture[str]) -> None:
    def receive(seen: set[uuid.UUID], loans: Counter[uuid.UUID], message: Any) -> None:
        loans[message.event.originator_id] += 1

    check_receive(receive, URL)
    assert verdict(capsys) == (
        "✗ Exercise 18.1: a copy of a message was counted again. Drop a message whose id is in `seen`, and put the "
        "id of each message you apply into `seen`"
    )


def test_18_1_known_by_position(capsys: pytest.CaptureFixture[str]) -> None:
    def receive(seen: set[Any], loans: Counter[uuid.UUID], message: Any) -> None:
        key = uuid.uuid5(uuid.NAMESPACE_URL, str(message.event.originator_version))
        if key not in seen:
            seen.add(key)
            loans[message.event.originator_id] += 1

    check_receive(receive, URL)
    assert verdict(capsys) == (
        "✗ Exercise 18.1: Bob's loan was dropped as a copy of Ann's: both sit at position 1 of their sequences. "
        "Know a copy by its message id, which names one event, not by the event's position alone"
    )


@pytest.mark.parametrize("field", ["originator_id", "book_id"])
def test_18_1_known_by_member_or_book(field: str, capsys: pytest.CaptureFixture[str]) -> None:
    def receive(seen: set[Any], loans: Counter[uuid.UUID], message: Any) -> None:
        key = getattr(message.event, field)
        if key not in seen:
            seen.add(key)
            loans[message.event.originator_id] += 1

    check_receive(receive, URL)
    assert verdict(capsys) == (
        "✗ Exercise 18.1: Ann's second loan was dropped as a copy of her first. Know a copy by its message id, "
        "which names one event, not by the member or the book"
    )


def test_18_1_ids_kept_outside_the_transaction(capsys: pytest.CaptureFixture[str]) -> None:
    kept: set[uuid.UUID] = set()

    def receive(seen: set[uuid.UUID], loans: Counter[uuid.UUID], message: Any) -> None:
        if message.id not in kept:
            kept.add(message.id)
            loans[message.event.originator_id] += 1

    check_receive(receive, URL)
    assert verdict(capsys) == (
        "✗ Exercise 18.1: after a crash before the commit, the redelivered message was dropped, though its effect "
        "had been rolled back: its id was kept where the rollback could not reach. Record the id in `seen`, the "
        "receiver's state, together with the effect"
    )


def test_18_1_a_crash_names_the_case(capsys: pytest.CaptureFixture[str]) -> None:
    check_receive(lambda seen, loans, message: loans[message.member_id], URL)
    assert verdict(capsys) == (
        "✗ Exercise 18.1: for Ann's loan at position 1, your code raised AttributeError: "
        "'Message' object has no attribute 'member_id'"
    )


def test_18_1_right(capsys: pytest.CaptureFixture[str]) -> None:
    check_receive(right_receive, URL)
    assert verdict(capsys) == (
        "✓ Exercise 18.1: each loan counted once: copies dropped by their id, and the message redelivered after a "
        "crash applied."
    )


# Exercise 18.2


def test_18_2_placeholder(capsys: pytest.CaptureFixture[str]) -> None:
    check_reminder_for(placeholder, URL)
    assert verdict(capsys) == f"✗ Exercise 18.2: {NOT_DONE}"


def test_18_2_a_fresh_id_for_each_copy(capsys: pytest.CaptureFixture[str]) -> None:
    check_reminder_for(lambda loan: Message(uuid.uuid4(), "reminder", loan), URL)
    assert verdict(capsys) == (
        "✗ Exercise 18.2: the email service took one loan's reminder twice: the copy came with another id. The id "
        "must be worked out from the loan, so that every copy carries the same one"
    )


def test_18_2_the_loans_own_id(capsys: pytest.CaptureFixture[str]) -> None:
    check_reminder_for(lambda loan: Message(causation_id(loan), "reminder", loan), URL)
    assert verdict(capsys) == (
        "✗ Exercise 18.2: the email service dropped a reminder as a copy of the loan's own email: both had the "
        "loan's causation id, and one event here causes two messages. Work the reminder's id out from that id and "
        "the word 'reminder'"
    )


def test_18_2_an_id_from_the_position_alone(capsys: pytest.CaptureFixture[str]) -> None:
    check_reminder_for(
        lambda loan: Message(uuid.uuid5(uuid.NAMESPACE_URL, str(loan.originator_version)), "reminder", loan), URL
    )
    assert verdict(capsys) == (
        "✗ Exercise 18.2: Bob's reminder was dropped as a copy of Ann's: both loans sit at position 1 of their "
        "sequences. The id must name the loan: its member's sequence and its position there"
    )


@pytest.mark.parametrize("field", ["originator_id", "book_id"])
def test_18_2_an_id_from_the_member_or_the_book(field: str, capsys: pytest.CaptureFixture[str]) -> None:
    check_reminder_for(lambda loan: Message(uuid.uuid5(getattr(loan, field), "reminder"), "reminder", loan), URL)
    assert verdict(capsys) == (
        "✗ Exercise 18.2: Ann's second reminder was dropped as a copy of her first: two loans got one id. The id "
        "must name the loan, not only the member or the book"
    )


def test_18_2_an_int_id(capsys: pytest.CaptureFixture[str]) -> None:
    check_reminder_for(lambda loan: Message(loan.originator_version, "reminder", loan), URL)  # type: ignore[arg-type]
    assert verdict(capsys) == "✗ Exercise 18.2: the reminder's id is int: the id must be a UUID"


def test_18_2_not_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    check_reminder_for(lambda loan: loan, URL)
    assert verdict(capsys) == "✗ Exercise 18.2: reminder_for returned BookLent, where the email service takes a Message"


def test_18_2_right(capsys: pytest.CaptureFixture[str]) -> None:
    check_reminder_for(lambda loan: Message(uuid.uuid5(causation_id(loan), "reminder"), "reminder", loan), URL)
    assert verdict(capsys) == (
        "✓ Exercise 18.2: three loans, three emails and three reminders: each copy dropped by its id, and no two "
        "messages shared one."
    )
