"""The checks of notebook 14's exercises: placeholder, plausible wrong answers, and right answers."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest

from esnb import DomainEvent, EsnbError, Member, RuleBroken
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb14 import (
    CopyLent,
    LeaveLibrary,
    MemberLeft,
    check_decide_leave,
    check_lend_copy,
)

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')`"

pytestmark = pytest.mark.usefixtures("subscribers_kept")


class NotebookRuleBroken(EsnbError):
    """The notebook's own copy of RuleBroken: a class of its own, with the same name."""


NotebookRuleBroken.__name__ = NotebookRuleBroken.__qualname__ = "RuleBroken"


# Exercise 14.1


def leave_right(command: LeaveLibrary, state: Member | None) -> list[DomainEvent]:
    if state is None:
        raise RuleBroken("only a member can leave the library")
    if state.loans:
        raise RuleBroken(f"{state.name} still has books on loan")
    return [MemberLeft(originator_id=state.id, originator_version=state.version)]


def leave_right_in_the_notebook(command: LeaveLibrary, state: Member | None) -> list[DomainEvent]:
    try:
        return leave_right(command, state)
    except RuleBroken as refusal:
        raise NotebookRuleBroken(str(refusal)) from None


def leave_placeholder(command: LeaveLibrary, state: Member | None) -> list[DomainEvent]:
    raise NotImplementedError(PLACEHOLDER)


def leave_at_zero(command: LeaveLibrary, state: Member | None) -> list[DomainEvent]:
    leave_right(command, state)
    return [MemberLeft(originator_id=command.member_id, originator_version=0)]


def leave_without_loan_rule(command: LeaveLibrary, state: Member | None) -> list[DomainEvent]:
    if state is None:
        raise RuleBroken("only a member can leave the library")
    return [MemberLeft(originator_id=state.id, originator_version=state.version)]


def leave_empty_for_loans(command: LeaveLibrary, state: Member | None) -> list[DomainEvent]:
    if state is not None and state.loans:
        return []
    return leave_right(command, state)


def leave_value_error(command: LeaveLibrary, state: Member | None) -> list[DomainEvent]:
    if state is not None and state.loans:
        raise ValueError("return your books first")
    return leave_right(command, state)


def leave_forgets_none(command: LeaveLibrary, state: Any) -> list[DomainEvent]:
    if state.loans:
        raise RuleBroken("return your books first")
    return [MemberLeft(originator_id=state.id, originator_version=state.version)]


def leave_refuses_any_borrower(command: LeaveLibrary, state: Member | None) -> list[DomainEvent]:
    if state is not None and state.version > 1:
        raise RuleBroken("this member has borrowed books")
    return leave_right(command, state)


def leave_silent_refusal(command: LeaveLibrary, state: Member | None) -> list[DomainEvent]:
    if state is None or state.loans:
        raise RuleBroken()
    return [MemberLeft(originator_id=state.id, originator_version=state.version)]


def leave_not_a_list(command: LeaveLibrary, state: Member | None) -> Any:
    return leave_right(command, state)[0]


@pytest.mark.parametrize("answer, message", [
    (leave_placeholder, NOT_DONE),
    (leave_at_zero, "for Ada, a member at version 5 who has returned every book she borrowed, the MemberLeft event "
                    "claims position 0, but her next position is 5 (state.version)"),
    (leave_without_loan_rule, "for Ada with 1 book on loan, decide_leave returned [MemberLeft("),
    (leave_empty_for_loans, "for Ada with 1 book on loan, decide_leave returned []: no events means the command was "
                            "accepted and changed nothing. A member with books on loan cannot leave: refuse with "
                            "RuleBroken, so the person hears why."),
    (leave_value_error, "for Ada with 1 book on loan, your code raised ValueError: return your books first. "
                        "A command that breaks a rule is refused with RuleBroken."),
    (leave_forgets_none, "for someone who is not a member (state is None), your code raised AttributeError: "
                         "'NoneType' object has no attribute 'loans'. A command that breaks a rule is refused "
                         "with RuleBroken."),
    (leave_refuses_any_borrower, "for Ada, a member at version 5 who has returned every book she borrowed, "
                                 "decide_leave refused: this member has borrowed books. No rule stops her"),
    (leave_not_a_list, "not a list holding one MemberLeft event."),
    (leave_silent_refusal, "your RuleBroken said nothing: say which rule the command breaks, so the person hears "
                           "why."),
], ids=lambda value: getattr(value, "__name__", "message"))
def test_decide_leave_verdicts(answer: Any, message: str, verdict: Any) -> None:
    check_decide_leave(answer)
    line = verdict()
    assert line.startswith("✗ Exercise 14.1: ")
    assert message in line


@pytest.mark.parametrize("answer", [leave_right, leave_right_in_the_notebook])
def test_decide_leave_right_answers_pass(answer: Any, verdict: Any) -> None:
    check_decide_leave(answer)
    assert verdict() == ("✓ Exercise 14.1: decide_leave lets a member with no loans leave, and refuses both "
                         "commands that break a rule.")


# Exercise 14.2


def copy_right(event_store: Any, book_id: UUID, member_id: UUID) -> list[DomainEvent]:
    history = event_store.get_domain_events(book_id)
    if history and isinstance(history[-1], CopyLent):
        raise RuleBroken("the book is already on loan")
    events: list[DomainEvent] = [CopyLent(originator_id=book_id, originator_version=len(history), member_id=member_id)]
    event_store.append(events)
    return events


def copy_right_with_last_event(event_store: Any, book_id: UUID, member_id: UUID) -> list[DomainEvent]:
    last = event_store.get_most_recent_event(book_id)
    if isinstance(last, CopyLent):
        raise NotebookRuleBroken("the book is already on loan")
    version = 0 if last is None else last.originator_version + 1
    events: list[DomainEvent] = [CopyLent(originator_id=book_id, originator_version=version, member_id=member_id)]
    event_store.append(events)
    return events


def copy_right_retrying(event_store: Any, book_id: UUID, member_id: UUID) -> list[DomainEvent]:
    from esnb import ConcurrencyError

    try:
        return copy_right(event_store, book_id, member_id)
    except ConcurrencyError:
        return copy_right(event_store, book_id, member_id)  # decides again: refused by the rule


def copy_placeholder(event_store: Any, book_id: UUID, member_id: UUID) -> list[DomainEvent]:
    raise NotImplementedError(PLACEHOLDER)


def copy_in_member_sequence(event_store: Any, book_id: UUID, member_id: UUID) -> list[DomainEvent]:
    history = event_store.get_domain_events(member_id)
    events: list[DomainEvent] = [CopyLent(originator_id=member_id, originator_version=len(history),
                                          member_id=member_id)]
    event_store.append(events)
    return events


def copy_in_new_sequence(event_store: Any, book_id: UUID, member_id: UUID) -> list[DomainEvent]:
    events: list[DomainEvent] = [CopyLent(originator_id=uuid4(), originator_version=0, member_id=member_id)]
    event_store.append(events)
    return events


def copy_always_at_zero(event_store: Any, book_id: UUID, member_id: UUID) -> list[DomainEvent]:
    events: list[DomainEvent] = [CopyLent(originator_id=book_id, originator_version=0, member_id=member_id)]
    event_store.append(events)
    return events


def copy_refused_if_ever_lent(event_store: Any, book_id: UUID, member_id: UUID) -> list[DomainEvent]:
    if any(isinstance(event, CopyLent) for event in event_store.get_domain_events(book_id)):
        raise RuleBroken("the book is already on loan")
    return copy_right(event_store, book_id, member_id)


def copy_swallows_conflict(event_store: Any, book_id: UUID, member_id: UUID) -> list[DomainEvent]:
    from esnb import ConcurrencyError

    try:
        return copy_right(event_store, book_id, member_id)
    except ConcurrencyError:
        return []


def copy_returns_nothing(event_store: Any, book_id: UUID, member_id: UUID) -> None:
    copy_right(event_store, book_id, member_id)


def copy_crashes(event_store: Any, book_id: UUID, member_id: UUID) -> list[DomainEvent]:
    return list(event_store.get_domain_events(book_id)[-1])


@pytest.mark.parametrize("answer, message", [
    (copy_placeholder, NOT_DONE),
    (copy_in_member_sequence, "for a book on the shelf, lent to Ada, the loan went into Ada's sequence, not the "
                              "book's. Two members are two sequences"),
    (copy_in_new_sequence, "for a book on the shelf, lent to Ada, nothing was stored in the book's sequence. "
                           "The rule is about the book, so record the loan there."),
    (copy_always_at_zero, "for a book already lent to Ada, lent to Bo, your code raised ConcurrencyError: "),
    (copy_refused_if_ever_lent, "for a book Ada borrowed and returned, lent to Bo, your code refused: the book is "
                                "already on loan. Only the book's last event says whether it is out"),
    (copy_swallows_conflict, "when another librarian lent the book to Grace just after your code read it, "
                             "lend_copy returned [] as if nothing had happened, but the store refused the loan: "
                             "let that refusal through, so the librarian knows."),
    (copy_returns_nothing, "for a book on the shelf, lent to Ada, lend_copy returned None, not the events it stored."),
    (copy_crashes, "for a book on the shelf, lent to Ada, your code raised IndexError: list index out of range"),
], ids=lambda value: getattr(value, "__name__", "message"))
def test_lend_copy_verdicts(answer: Any, message: str, url: str, verdict: Any) -> None:
    check_lend_copy(answer, url)
    line = verdict()
    assert line.startswith("✗ Exercise 14.2: ")
    assert message in line


@pytest.mark.parametrize("answer", [copy_right, copy_right_with_last_event, copy_right_retrying])
def test_lend_copy_right_answers_pass(answer: Any, url: str, verdict: Any) -> None:
    check_lend_copy(answer, url)
    assert verdict() == ("✓ Exercise 14.2: lend_copy keeps each loan in the book's sequence, so the store refuses "
                         "a second loan of one copy.")
