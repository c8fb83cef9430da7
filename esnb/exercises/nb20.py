"""Checks for the exercises of notebook 20 · From esnb to eventsourcing 9.

Exercise 20.1 needs no database: it calls the learner's aggregate and replays its events by hand, as the library's
repository does. Exercise 20.2 runs on the library's in-memory persistence module (`eventsourcing.popo`), and
stages a race: another librarian lends a book just after the learner's code first loads the member.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from typing import Any
from uuid import UUID

from esnb.exercises import Wrong, call, report

DUNE, EMMA, ULYSSES, BELOVED = (UUID(int=number) for number in range(1, 5))
_checked_count = itertools.count(1)


def check_give_back(member_class: type[Any]) -> None:
    """Exercise 20.1: `give_back` refuses a book not on loan, and the BookReturned event applies and never fails."""
    report("Exercise 20.1", lambda: _give_back(member_class))


def check_lend_with_retry(lend_with_retry: Callable[[Any, UUID, UUID], Any]) -> None:
    """Exercise 20.2: `lend_with_retry(library, member_id, book_id)` decides again after a RecordConflictError."""
    report("Exercise 20.2", lambda: _lend_with_retry(lend_with_retry))


def _checked_class(member_class: type[Any]) -> type[Any]:
    """A fresh subclass of the learner's class, with a name of its own.

    The library registers each aggregate class under its topic (module and name) and refuses a second class
    under the same topic. Checking a fresh subclass leaves the learner's own name free for the next attempt.
    """
    name = f"{member_class.__name__}Checked{next(_checked_count)}"
    return type(name, (member_class,), {"__module__": __name__, "__qualname__": name})


def _give_back(member_class: type[Any]) -> str:
    from esnb.course.library import RuleBroken

    member_class = _checked_class(member_class)
    member = member_class("Ada")
    member.lend(DUNE)
    call("giving back a book the member has", member.give_back, DUNE)
    events = member.collect_events()
    if DUNE in member.loans:
        raise Wrong("after giving Dune back, Dune is still in the member's loans. "
                    "The BookReturned event must remove it.")
    if len(events) != 3 or type(events[-1]).__name__ != "BookReturned":
        names = [type(event).__name__ for event in events[2:]]
        raise Wrong(f"giving a book back triggered {names or 'no event'}, not one BookReturned event. "
                    'Decorate the method that applies it with @event("BookReturned").')

    stranger = member_class("Grace")
    try:
        call("giving back a book the member never had", stranger.give_back, EMMA, passing=(RuleBroken, ValueError))
    except RuleBroken:
        pass
    except ValueError as error:
        raise Wrong(f"giving back a book the member never had, your code raised ValueError: {error}. A broken rule "
                    "is refused with RuleBroken, so the caller can tell it from a bug.") from None
    else:
        raise Wrong("giving back a book the member never had was accepted. Only a lent book can be returned: "
                    "refuse with RuleBroken.")
    if len(stranger.pending_events) != 1:
        raise Wrong("a refused return still left a BookReturned event pending. Check the rule before the event.")

    # A stored event that broke the rule: Dune returned a second time. Loading must still work.
    history = [*events, dataclasses.replace(events[-1], originator_version=4)]
    loaded = None
    try:
        for stored in history:
            loaded = stored.mutate(loaded)
    except Exception as error:
        raise Wrong(f"replaying stored events where Dune comes back twice, your code raised {type(error).__name__}: "
                    f"{error}. An @event method runs again on every load, so it must apply the event and never "
                    "fail; check the rule in the command method.") from None
    return "the rule is checked when the command is decided, and a stored BookReturned always loads."


_MOST_LOADS = 20  # a retry loop that loads more often than this is not going to stop


class _EndlessRetry(BaseException):
    """Raised into the learner's code when it keeps loading the member: a BaseException, so that no `except
    Exception` in a retry loop can swallow it and loop on."""


class _RacingRepository:
    """The library's repository, but another writer acts just after the first load of one member."""

    def __init__(self, library: Any, raced_id: UUID, other_book: UUID) -> None:
        self.library = library
        self.raced_id = raced_id
        self.other_book = other_book
        self.raced = False
        self.loads = 0

    def get(self, aggregate_id: UUID, **kwargs: Any) -> Any:
        if self.loads >= _MOST_LOADS:
            raise _EndlessRetry(f"your code loaded the member {self.loads} times and was still going: a conflict is "
                                "worth one more try, but a RuleBroken is the answer, not something to retry.")
        aggregate = self.library.repository.get(aggregate_id, **kwargs)
        self.loads += aggregate_id == self.raced_id
        if aggregate_id == self.raced_id and not self.raced:
            self.raced = True
            self.library.lend(aggregate_id, self.other_book)
        return aggregate


class _RacingLibrary:
    """What the learner's code gets: `repository.get` and `save`, with a race after the first load."""

    def __init__(self, library: Any, raced_id: UUID, other_book: UUID) -> None:
        self.library = library
        self.repository = _RacingRepository(library, raced_id, other_book)

    def save(self, *aggregates: Any) -> Any:
        return self.library.save(*aggregates)


def _bounded(run: Callable[..., Any], case: str, *args: Any, **kwargs: Any) -> Any:
    """Run the learner's retry loop; if the check had to stop it, say so as the verdict."""
    try:
        return run(case, *args, **kwargs)
    except _EndlessRetry as endless:
        raise Wrong(f"{case}, {endless}") from None


def _loaded_again(case: str, racing: _RacingLibrary) -> None:
    if racing.repository.loads < 2:
        raise Wrong(f"{case}, your code did not load the member again after the conflict, so it decided on a stale "
                    "member. Load again, then decide again.")


def _lend_with_retry(lend_with_retry: Callable[[Any, UUID, UUID], Any]) -> str:
    from eventsourcing.persistence import RecordConflictError

    from esnb.course.eventsourcing9 import LendingLibrary
    from esnb.course.library import RuleBroken

    library = LendingLibrary(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    try:
        ada = library.join("Ada")
        racing = _RacingLibrary(library, ada, EMMA)
        case = "when another librarian lends Ada a book while your code runs"
        try:
            _bounded(call, case, lend_with_retry, racing, ada, DUNE, passing=(RecordConflictError, RuleBroken))
        except RuleBroken as refusal:
            raise Wrong(f"{case}, your code raised RuleBroken: {refusal}. The member that lost the race is stale: "
                        "decide on a freshly loaded member, not the one that lost.") from None
        except RecordConflictError:
            raise Wrong(f"{case}, RecordConflictError reached the caller. Another writer saved first: load the "
                        "member again and decide again.") from None
        loans = library.member(ada).loans
        if DUNE not in loans:
            raise Wrong(f"{case}, the other librarian's loan is stored but yours is not. A conflict means: "
                        "load again and decide again, not give up.")
        _loaded_again(case, racing)

        grace = library.join("Grace")
        library.lend(grace, DUNE)
        library.lend(grace, EMMA)
        racing = _RacingLibrary(library, grace, ULYSSES)
        case = "when the race gives Grace her third book before yours"
        try:
            _bounded(call, case, lend_with_retry, racing, grace, BELOVED, passing=(RuleBroken, RecordConflictError))
        except RuleBroken:
            _loaded_again(case, racing)
        except RecordConflictError:
            raise Wrong(f"{case}, RecordConflictError reached the caller. Load the member again and decide again: "
                        "then the rule refuses the fourth loan.") from None
        else:
            raise Wrong(f"{case}, your code returned without RuleBroken. Deciding again on the fresh member "
                        "must refuse a fourth loan.")
        if len(library.member(grace).loans) != 3:
            raise Wrong(f"{case}, Grace ended with {len(library.member(grace).loans)} loans; the most is 3.")
    finally:
        library.close()
    return "after a conflict your code loads the member again and decides again, so no rule is broken."
