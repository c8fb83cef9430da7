"""The checks of notebook 20's exercises: placeholder, plausible wrong answers, and right answers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import event
from eventsourcing.persistence import RecordConflictError

from esnb import RuleBroken
from esnb.course.eventsourcing9 import MemberAggregate
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb20 import check_give_back, check_lend_with_retry

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')`"


# Exercise 20.1


class Placeholder(MemberAggregate):
    def give_back(self, book_id: UUID) -> None:
        raise NotImplementedError(PLACEHOLDER)


class Right(MemberAggregate):
    def give_back(self, book_id: UUID) -> None:
        if book_id not in self.loans:
            raise RuleBroken("this book is not lent")
        self._book_returned(book_id)

    @event("BookReturned")
    def _book_returned(self, book_id: UUID) -> None:
        self.loans.discard(book_id)


class RuleInTheEvent(MemberAggregate):
    @event("BookReturned")
    def give_back(self, book_id: UUID) -> None:
        if book_id not in self.loans:
            raise RuleBroken("this book is not lent")
        self.loans.discard(book_id)


class RemoveFails(MemberAggregate):
    def give_back(self, book_id: UUID) -> None:
        if book_id not in self.loans:
            raise RuleBroken("this book is not lent")
        self._book_returned(book_id)

    @event("BookReturned")
    def _book_returned(self, book_id: UUID) -> None:
        self.loans.remove(book_id)


class ValueErrorRefusal(MemberAggregate):
    def give_back(self, book_id: UUID) -> None:
        if book_id not in self.loans:
            raise ValueError("not on loan")
        self._book_returned(book_id)

    @event("BookReturned")
    def _book_returned(self, book_id: UUID) -> None:
        self.loans.discard(book_id)


class NoRule(MemberAggregate):
    @event("BookReturned")
    def give_back(self, book_id: UUID) -> None:
        self.loans.discard(book_id)


class KeepsTheBook(MemberAggregate):
    @event("BookReturned")
    def give_back(self, book_id: UUID) -> None:
        pass


class OtherName(MemberAggregate):
    def give_back(self, book_id: UUID) -> None:
        if book_id not in self.loans:
            raise RuleBroken("this book is not lent")
        self._returned(book_id)

    @event("Returned")
    def _returned(self, book_id: UUID) -> None:
        self.loans.discard(book_id)


@pytest.mark.parametrize(("answer", "verdict"), [
    (Placeholder, f"✗ Exercise 20.1: {NOT_DONE}"),
    (RuleInTheEvent, "✗ Exercise 20.1: replaying stored events where Dune comes back twice, your code raised "
                     "RuleBroken: this book is not lent. An @event method runs again on every load"),
    (RemoveFails, "✗ Exercise 20.1: replaying stored events where Dune comes back twice, your code raised KeyError"),
    (NoRule, "✗ Exercise 20.1: giving back a book the member never had was accepted."),
    (ValueErrorRefusal, "✗ Exercise 20.1: giving back a book the member never had, your code raised ValueError: not "
                        "on loan. A broken rule is refused with RuleBroken, so the caller can tell it from a bug."),
    (KeepsTheBook, "✗ Exercise 20.1: after giving Dune back, Dune is still in the member's loans."),
    (OtherName, "✗ Exercise 20.1: giving a book back triggered ['Returned'], not one BookReturned event."),
    (Right, "✓ Exercise 20.1: the rule is checked when the command is decided, "
            "and a stored BookReturned always loads."),
])
def test_give_back(answer: type[Any], verdict: str, capsys: pytest.CaptureFixture[str]) -> None:
    check_give_back(answer)
    check_give_back(answer)  # a second check of the same class works too
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0] == lines[1] and lines[0].startswith(verdict), lines


# Exercise 20.2


def placeholder(library: Any, member_id: UUID, book_id: UUID) -> None:
    raise NotImplementedError(PLACEHOLDER)


def right(library: Any, member_id: UUID, book_id: UUID) -> None:
    while True:
        member = library.repository.get(member_id)
        member.lend(book_id)
        try:
            library.save(member)
            return
        except RecordConflictError:
            continue


def no_retry(library: Any, member_id: UUID, book_id: UUID) -> None:
    member = library.repository.get(member_id)
    member.lend(book_id)
    library.save(member)


def gives_up(library: Any, member_id: UUID, book_id: UUID) -> None:
    try:
        no_retry(library, member_id, book_id)
    except RecordConflictError:
        pass


def lends_again_on_the_stale_member(library: Any, member_id: UUID, book_id: UUID) -> None:
    member = library.repository.get(member_id)
    while True:
        try:
            if book_id not in member.loans:
                member.lend(book_id)
            else:
                member._book_lent(book_id)
            library.save(member)
            return
        except RecordConflictError:
            continue


def retries_everything(library: Any, member_id: UUID, book_id: UUID) -> None:
    while True:
        member = library.repository.get(member_id)
        try:
            member.lend(book_id)
            library.save(member)
            return
        except Exception:
            continue


def uses_the_application(library: Any, member_id: UUID, book_id: UUID) -> None:
    library.lend(member_id, book_id)


@pytest.mark.parametrize(("answer", "verdict"), [
    (placeholder, f"✗ Exercise 20.2: {NOT_DONE}"),
    (no_retry, "✗ Exercise 20.2: when another librarian lends Ada a book while your code runs, RecordConflictError "
               "reached the caller."),
    (gives_up, "✗ Exercise 20.2: when another librarian lends Ada a book while your code runs, the other librarian's "
               "loan is stored but yours is not."),
    (lends_again_on_the_stale_member, "✗ Exercise 20.2: when another librarian lends Ada a book while your code runs, "
                                      "your code did not load the member again after the conflict"),
    (retries_everything, "✗ Exercise 20.2: when the race gives Grace her third book before yours, your code loaded "
                         "the member 20 times and was still going: a conflict is worth one more try, but a RuleBroken "
                         "is the answer, not something to retry."),
    (uses_the_application, "✗ Exercise 20.2: when another librarian lends Ada a book while your code runs, your code "
                           "raised AttributeError"),
    (right, "✓ Exercise 20.2: after a conflict your code loads the member again and decides again"),
])
def test_lend_with_retry(answer: Any, verdict: str, capsys: pytest.CaptureFixture[str]) -> None:
    check_lend_with_retry(answer)
    assert capsys.readouterr().out.startswith(verdict)
