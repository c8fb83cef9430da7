"""The checks of notebook 18's exercises: the placeholder, the wrong answers a learner would try, and a right one."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from esnb.course.outbox import Message
from esnb.course.process_managers import CheckOut
from esnb.course.topics import get_topic
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb18 import check_checkout_for, check_make_message


def verdict(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out.strip()


def placeholder(event: Any) -> Any:
    raise NotImplementedError(PLACEHOLDER)


def test_18_1_placeholder(capsys: pytest.CaptureFixture[str]) -> None:
    check_make_message(placeholder)
    assert verdict(capsys) == (
        "✗ Exercise 18.1: not done yet. Replace `raise NotImplementedError('your code here')` with your answer."
    )


def test_18_1_a_fresh_id_for_each_copy(capsys: pytest.CaptureFixture[str]) -> None:
    check_make_message(lambda event: Message(uuid.uuid4(), get_topic(type(event)), event))
    assert verdict(capsys) == (
        "✗ Exercise 18.1: the email service took one event's message twice: after the crash it went out again with "
        "another id. Every copy of one event's message must carry the same id, worked out from the event"
    )


def test_18_1_the_member_id_for_every_event(capsys: pytest.CaptureFixture[str]) -> None:
    check_make_message(lambda event: Message(event.originator_id, get_topic(type(event)), event))
    assert verdict(capsys) == (
        "✗ Exercise 18.1: the email service dropped a message for a new event as a copy of another, because two "
        "different events got the same id. The id must name one event: its sequence and its position there"
    )


def test_18_1_not_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    check_make_message(lambda event: event)
    assert verdict(capsys) == (
        "✗ Exercise 18.1: make_message returned MemberJoined, where the publisher sends a Message"
    )


def test_18_1_a_crash_names_the_case(capsys: pytest.CaptureFixture[str]) -> None:
    check_make_message(lambda event: Message(event.id, get_topic(type(event)), event))
    assert verdict(capsys) == (
        "✗ Exercise 18.1: on the publisher's first run, your code raised AttributeError: "
        "'MemberJoined' object has no attribute 'id'"
    )


def test_18_1_right(capsys: pytest.CaptureFixture[str]) -> None:
    check_make_message(
        lambda event: Message(uuid.uuid5(event.originator_id, str(event.originator_version)), get_topic(type(event)),
                              event)
    )
    assert verdict(capsys) == (
        "✓ Exercise 18.1: three events, three emails: the copy sent again after the crash carried the same id "
        "and was dropped."
    )


def test_18_2_placeholder(capsys: pytest.CaptureFixture[str]) -> None:
    check_checkout_for(placeholder)
    assert verdict(capsys) == (
        "✗ Exercise 18.2: not done yet. Replace `raise NotImplementedError('your code here')` with your answer."
    )


def test_18_2_a_fresh_id_for_each_delivery(capsys: pytest.CaptureFixture[str]) -> None:
    check_checkout_for(lambda event: CheckOut(uuid.uuid4(), event.book_id, event.originator_id))
    assert verdict(capsys) == (
        "✗ Exercise 18.2: the second copy of Ann's loan was refused by the catalogue as a new check-out, and the "
        "process manager took the loan back: the copy's command had another id. The id must come from the causing event"
    )


@pytest.mark.parametrize("name", ["book", "member and book"])
def test_18_2_an_id_from_the_book_or_the_member(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    def checkout_for(event: Any) -> CheckOut:
        key = event.book_id if name == "book" else uuid.uuid5(event.originator_id, str(event.book_id))
        return CheckOut(key, event.book_id, event.originator_id)

    check_checkout_for(checkout_for)
    assert verdict(capsys) == (
        "✗ Exercise 18.2: the catalogue took the second loan of Dune for a copy of the first, and never checked it "
        "out: two loans got one command id. The id must name the causing event, not only the book or the member"
    )


def test_18_2_book_and_member_swapped(capsys: pytest.CaptureFixture[str]) -> None:
    check_checkout_for(lambda event: CheckOut(uuid.uuid5(event.originator_id, str(event.originator_version)),
                                              event.originator_id, event.book_id))
    assert verdict(capsys) == (
        "✗ Exercise 18.2: the CheckOut names another book or member than the loan: book_id is the event's book_id, "
        "member_id the event's originator_id"
    )


def test_18_2_a_crash_names_the_case(capsys: pytest.CaptureFixture[str]) -> None:
    check_checkout_for(lambda event: CheckOut(event.command_id, event.book_id, event.originator_id))
    assert verdict(capsys) == (
        "✗ Exercise 18.2: for the loan at position 1, your code raised AttributeError: "
        "'BookLent' object has no attribute 'command_id'"
    )


def test_18_2_right(capsys: pytest.CaptureFixture[str]) -> None:
    check_checkout_for(lambda event: CheckOut(uuid.uuid5(event.originator_id, str(event.originator_version)),
                                              event.book_id, event.originator_id))
    assert verdict(capsys) == (
        "✓ Exercise 18.2: each copy of a loan was dropped by its command id, and each new loan checked the book out: "
        "two check-outs."
    )
