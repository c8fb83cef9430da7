"""Checks for the exercises of notebook 14 · Designing events and aggregates.

Exercise 14.1 needs no database: it calls the learner's decide on states made by hand.
Exercise 14.2 runs on a datastore of its own from `esnb.exercises.scratch_store`, and stages a race step by step,
as the notebook does: another librarian lends the book just after the learner's code first reads it.

The events and the command the exercises use live here, so the notebook's own library stays as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from esnb.course.events import DomainEvent
from esnb.exercises import Wrong, crashed, report, scratch_store


@dataclass(frozen=True)
class LeaveLibrary:
    """Stop being a member."""

    member_id: UUID


class MemberLeft(DomainEvent):
    """The member left the library."""


class CopyLent(DomainEvent):
    """The one copy of a book was lent to a member."""

    member_id: UUID


class CopyReturned(DomainEvent):
    """The member brought the one copy of a book back."""

    member_id: UUID


def _attempt(case: str, answer: Callable[..., Any], *args: Any) -> tuple[Any, Exception | None]:
    """Call the learner's code: (what it returned, None), or (None, the RuleBroken or ConcurrencyError it raised).

    RuleBroken is known by its name: the notebook defines its own copy of the class. Any other error says
    which case crashed.
    """
    from esnb.course.errors import ConcurrencyError

    try:
        return answer(*args), None
    except Exception as error:
        if type(error).__name__ == "RuleBroken" or isinstance(error, ConcurrencyError):
            return None, error
        raise crashed(case, error) from None


def _is_rule_broken(error: Exception | None) -> bool:
    return type(error).__name__ == "RuleBroken"


def check_decide_leave(decide_leave: Callable[[LeaveLibrary, Any], Any]) -> None:
    """Exercise 14.1: `decide_leave(command, state)` gives MemberLeft, or refuses with RuleBroken."""
    report("Exercise 14.1", lambda: _decide_leave(decide_leave))


def check_lend_copy(lend_copy: Callable[[Any, UUID, UUID], Any], url: str | None = None) -> None:
    """Exercise 14.2: `lend_copy(event_store, book_id, member_id)` records the loan where the store can guard it."""
    report("Exercise 14.2", lambda: _lend_copy(lend_copy, url))


def _refused(case: str, decide_leave: Callable[[LeaveLibrary, Any], Any], command: LeaveLibrary, state: Any,
             rule: str) -> None:
    """The learner's decide_leave must raise RuleBroken for this case."""
    try:
        events, refusal = _attempt(case, decide_leave, command, state)
    except Wrong as wrong:
        raise Wrong(f"{wrong}. A command that breaks a rule is refused with RuleBroken.") from None
    if _is_rule_broken(refusal):
        if not str(refusal).strip():
            raise Wrong(f"{case}, your RuleBroken said nothing: say which rule the command breaks, so the person "
                        "hears why.")
        return
    if refusal is not None:
        raise Wrong(f"{case}, your code raised {type(refusal).__name__}: {refusal}. {rule}: refuse with RuleBroken.")
    if events == []:
        raise Wrong(f"{case}, decide_leave returned []: no events means the command was accepted and changed nothing. "
                    f"{rule}: refuse with RuleBroken, so the person hears why.")
    raise Wrong(f"{case}, decide_leave returned {events!r}. {rule}: refuse with RuleBroken.")


def _decide_leave(decide_leave: Callable[[LeaveLibrary, Any], Any]) -> str:
    from esnb.course.library import Member

    ada = uuid4()
    case = "for Ada, a member at version 5 who has returned every book she borrowed"
    state = Member(id=ada, version=5, name="Ada", loans=frozenset())
    events, refusal = _attempt(case, decide_leave, LeaveLibrary(ada), state)
    if refusal is not None:
        raise Wrong(f"{case}, decide_leave refused: {refusal}. No rule stops her: only the books she has on loan "
                    "now count, not the ones she borrowed and returned.") from None
    if not isinstance(events, list) or len(events) != 1 or not isinstance(events[0], MemberLeft):
        raise Wrong(f"{case}, decide_leave returned {events!r}, not a list holding one MemberLeft event.")
    left = events[0]
    if left.originator_id != ada:
        raise Wrong(f"{case}, the MemberLeft event belongs to {left.originator_id!r}, not to Ada: "
                    "its originator_id is the member's id, the id of the sequence it goes in.")
    if left.originator_version != 5:
        raise Wrong(f"{case}, the MemberLeft event claims position {left.originator_version!r}, but her next position "
                    "is 5 (state.version): a new event goes right after the member's last one.")

    _refused("for someone who is not a member (state is None)", decide_leave, LeaveLibrary(uuid4()), None,
             "Only a member can leave")
    book = uuid4()
    _refused("for Ada with 1 book on loan", decide_leave, LeaveLibrary(ada),
             Member(id=ada, version=6, name="Ada", loans=frozenset({book})),
             "A member with books on loan cannot leave")
    return "decide_leave lets a member with no loans leave, and refuses both commands that break a rule."


class _RacingStore:
    """An event store that lets another librarian lend one book just after the learner's code first reads it."""

    def __init__(self, event_store: Any, book_id: UUID, other_member: UUID) -> None:
        self.event_store = event_store
        self.book_id = book_id
        self.other_member = other_member
        self.raced = False

    def _race(self, originator_id: UUID) -> None:
        if originator_id == self.book_id and not self.raced:
            self.raced = True
            self.event_store.append(CopyLent(originator_id=self.book_id, originator_version=0,
                                             member_id=self.other_member))

    def get_domain_events(self, originator_id: UUID, **bounds: Any) -> list[Any]:
        events = self.event_store.get_domain_events(originator_id, **bounds)
        self._race(originator_id)
        return list(events)

    def get_most_recent_event(self, originator_id: UUID) -> Any:
        event = self.event_store.get_most_recent_event(originator_id)
        self._race(originator_id)
        return event

    def __getattr__(self, name: str) -> Any:
        return getattr(self.event_store, name)


def _lend_copy(lend_copy: Callable[[Any, UUID, UUID], Any], url: str | None) -> str:
    with scratch_store(url) as scratch:
        store = scratch.event_store
        book, ada, bo = scratch.track(uuid4()), scratch.track(uuid4()), scratch.track(uuid4())

        case = "for a book on the shelf, lent to Ada"
        returned, refusal = _attempt(case, lend_copy, store, book, ada)
        if refusal is not None:
            raise Wrong(f"{case}, your code raised {type(refusal).__name__}: {refusal}. "
                        "Nobody has the book, so it can be lent.")
        stored = store.get_domain_events(book)
        if not stored:
            if store.get_domain_events(ada):
                raise Wrong(f"{case}, the loan went into Ada's sequence, not the book's. Two members are two "
                            "sequences, so the store could not stop two loans of one book: the rule is about the book, "
                            "so record the loan in the sequence of what the rule is about.")
            raise Wrong(f"{case}, nothing was stored in the book's sequence. The rule is about the book, "
                        "so record the loan there.")
        if stored != [CopyLent(originator_id=book, originator_version=0, member_id=ada)]:
            raise Wrong(f"{case}, the book's sequence holds {stored!r}, not one CopyLent at position 0 for Ada.")
        if returned != stored:
            raise Wrong(f"{case}, lend_copy returned {returned!r}, not the events it stored.")

        case = "for a book already lent to Ada, lent to Bo"
        returned, refusal = _attempt(case, lend_copy, store, book, bo)
        if refusal is None:
            raise Wrong(f"{case}, lend_copy returned {returned!r}: the book's own events say it is out. "
                        "Refuse with RuleBroken.")
        if not _is_rule_broken(refusal):
            raise Wrong(f"{case}, your code raised ConcurrencyError: {refusal}. The store refused a taken position, "
                        "but the decision comes first: read the book's events, see it is out, and refuse with "
                        "RuleBroken.")
        if len(store.get_domain_events(book)) != 1:
            raise Wrong(f"{case}, a refused loan stored events: a refusal stores nothing.")

        case = "for a book Ada borrowed and returned, lent to Bo"
        store.append(CopyReturned(originator_id=book, originator_version=1, member_id=ada))
        returned, refusal = _attempt(case, lend_copy, store, book, bo)
        if _is_rule_broken(refusal):
            raise Wrong(f"{case}, your code refused: {refusal}. Only the book's last event says whether it is out: "
                        "it was returned, so it is on the shelf.")
        if refusal is not None:
            raise Wrong(f"{case}, your code raised ConcurrencyError: {refusal}. The new event goes at the book's "
                        "next position, right after its last event (here 2).")
        if store.get_domain_events(book, gte=2) != [CopyLent(originator_id=book, originator_version=2, member_id=bo)]:
            raise Wrong(f"{case}, the book's sequence does not end with Bo's CopyLent at position 2: "
                        f"it holds {store.get_domain_events(book)!r}.")

        case = "when another librarian lent the book to Grace just after your code read it"
        raced_book, grace = scratch.track(uuid4()), scratch.track(uuid4())
        racing = _RacingStore(store, raced_book, grace)
        returned, refusal = _attempt(case, lend_copy, racing, raced_book, bo)
        if not racing.raced:
            raise Wrong(f"{case}, your code never read the book's events: the decision must read the sequence "
                        "it appends to, so the store can refuse it when that sequence moves on.")
        held = [event.member_id for event in store.get_domain_events(raced_book) if isinstance(event, CopyLent)]
        if held != [grace]:
            raise Wrong(f"{case}, the book was lent {len(held)} times at once: the new event must claim the book's "
                        "next position, the one the other librarian took, so the store refuses it.")
        if refusal is None:
            raise Wrong(f"{case}, lend_copy returned {returned!r} as if nothing had happened, but the store refused "
                        "the loan: let that refusal through, so the librarian knows.")
    return "lend_copy keeps each loan in the book's sequence, so the store refuses a second loan of one copy."
