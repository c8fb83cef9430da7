"""Checks for the exercises of notebook 17 · Testing event-sourced code.

Both exercises ask for a test, so the checks test the tests: a learner's test must pass with the course's decide
and evolve (esnb.course.library), and fail with each of a few flawed ones, as a good test fails when a bug is
brought in. Exercise 17.2's property is run by Hypothesis, with fixed choices, so every run gives the same verdict.
No database is needed.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from esnb.course.events import DomainEvent
from esnb.course.library import (
    MAX_LOANS,
    BookLent,
    BookReturned,
    JoinLibrary,
    LendBook,
    LibraryCommand,
    Member,
    MemberJoined,
    ReturnBook,
    RuleBroken,
    decide,
    evolve,
)
from esnb.exercises import Wrong, crashed, report

Decide = Callable[[Any, Member | None], list[DomainEvent]]
Evolve = Callable[[Member | None, DomainEvent], Member | None]


def check_loan_limit_scenarios(loan_limit_scenarios: Callable[[Decide, Evolve], Any]) -> None:
    """Exercise 17.1: scenarios that pass with the course's loan limit and fail with each flawed one."""
    report("Exercise 17.1", lambda: _loan_limit(loan_limit_scenarios))


def check_versions_have_no_gaps(versions_have_no_gaps: Callable[[Decide, Evolve, list[LibraryCommand]], Any]) -> None:
    """Exercise 17.2: a property that holds for the course's decide and evolve and catches each version bug."""
    report("Exercise 17.2", lambda: _versions(versions_have_no_gaps))


@dataclass(frozen=True)
class _Flaw:
    """A flawed decide or evolve, what it gets wrong, and what a test must show to catch it."""

    name: str
    decide: Decide
    evolve: Evolve
    hint: str


def _one_line(error: BaseException) -> str:
    """An error's message on one line: the verdict is one line."""
    return " ".join(str(error).split()) or f"{type(error).__name__} with no message"


def _first_line(error: BaseException) -> str:
    """The first line of an error's message: pytest's assert rewriting adds lines of diff after it."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else f"{type(error).__name__} with no message"


# Exercise 17.1 -----------------------------------------------------------------------------------------------------

def _lends_a_fourth(command: Any, state: Member | None) -> list[DomainEvent]:
    """The limit tested with > instead of >=: a member with 3 books on loan gets a fourth."""
    if isinstance(command, LendBook) and state is not None and len(state.loans) == MAX_LOANS:
        if command.book_id not in state.loans:
            return [BookLent(originator_id=state.id, originator_version=state.version, book_id=command.book_id)]
    return decide(command, state)


def _refuses_a_third(command: Any, state: Member | None) -> list[DomainEvent]:
    """The limit one too low: a member with 2 books on loan is refused a third."""
    if isinstance(command, LendBook) and state is not None and len(state.loans) == MAX_LOANS - 1:
        raise RuleBroken(f"{state.name} already has {len(state.loans)} books on loan, the most a member may have")
    return decide(command, state)


def _forgets_returns(state: Member | None, event: DomainEvent) -> Member | None:
    """Counts every book ever lent: a returned book stays on the member's loans."""
    if isinstance(event, BookReturned) and state is not None:
        return replace(state, version=event.originator_version + 1)
    return evolve(state, event)


_LOAN_FLAWS = [
    _Flaw("a decide that lends a fourth book", _lends_a_fourth, evolve,
          "show that a member with 3 books on loan is refused another"),
    _Flaw("a decide that refuses a third book", _refuses_a_third, evolve,
          "a rule has two sides: show that a member with 2 books on loan may still borrow a third"),
    _Flaw("an evolve that forgets returned books, so a member who reaches 3 can never borrow again", decide,
          _forgets_returns, "the limit counts the books on loan now: show that a member who brought one of 3 back "
          "may borrow again"),
]


def _loan_limit(loan_limit_scenarios: Callable[[Decide, Evolve], Any]) -> str:
    try:
        returned = loan_limit_scenarios(decide, evolve)
    except AssertionError as error:
        raise Wrong(f"with the course's decide and evolve, which keep the rule, your scenarios fail: "
                    f"{_one_line(error)}") from None
    except Exception as error:
        raise crashed("with the course's decide and evolve", error) from None
    if returned is not None:
        shown = " ".join(repr(returned).split())[:80]
        raise Wrong(f"your function returned {shown}: a scenario is checked by running it, so call "
                    "scenario for each one; what the function returns is not looked at.")
    missed = [flaw for flaw in _LOAN_FLAWS if _passes(loan_limit_scenarios, flaw)]
    if len(missed) == len(_LOAN_FLAWS):
        raise Wrong(f"your scenarios pass with every flawed decide and evolve the check tried, such as "
                    f"{missed[0].name}: do they test the limit, with the decide and evolve your function is given?")
    if missed:
        raise Wrong(f"your scenarios pass with {missed[0].name}, so they would not catch it: {missed[0].hint}.")
    return ("your scenarios pass with the course's rules, and catch a fourth loan, a third one refused, "
            "and returns forgotten.")


def _passes(loan_limit_scenarios: Callable[[Decide, Evolve], Any], flaw: _Flaw) -> bool:
    """Whether the learner's scenarios pass with a flawed decide or evolve: any error is a failed test."""
    try:
        loan_limit_scenarios(flaw.decide, flaw.evolve)
    except Exception:
        return False
    return True


# Exercise 17.2 -----------------------------------------------------------------------------------------------------

_ADA = UUID(int=1)
_BOOKS = [UUID(int=number) for number in range(101, 105)]
_SHOWN = {_ADA: "Ada", **{book: f"book {number}" for number, book in enumerate(_BOOKS, 1)}}
_EXAMPLES = 200


def _keeps_version_on_return(state: Member | None, event: DomainEvent) -> Member | None:
    """After a return, the member keeps the version it had: the next event repeats a version."""
    after = evolve(state, event)
    if isinstance(event, BookReturned) and state is not None and after is not None:
        return replace(after, version=state.version)
    return after


def _skips_a_version_on_loan(state: Member | None, event: DomainEvent) -> Member | None:
    """After a loan, the version moves on by 2: a gap."""
    after = evolve(state, event)
    if isinstance(event, BookLent) and after is not None:
        return replace(after, version=after.version + 1)
    return after


def _joins_at_version_1(command: Any, state: Member | None) -> list[DomainEvent]:
    """The first event is at version 1, and the rest follow on from it."""
    if isinstance(command, JoinLibrary) and state is None:
        return [MemberJoined(originator_id=command.member_id, originator_version=1, name=command.name)]
    return decide(command, state)


_VERSION_FLAWS = [
    _Flaw("an evolve that keeps the version after a return, so the next event repeats it", decide,
          _keeps_version_on_return, "versions run 0, 1, 2, … with none repeated"),
    _Flaw("an evolve that moves the version on by 2 after a loan, which leaves a gap", decide,
          _skips_a_version_on_loan, "versions run 0, 1, 2, … with none missing"),
    _Flaw("a decide whose first event is version 1", _joins_at_version_1, evolve,
          "the first event is version 0"),
]


def _shown(commands: list[LibraryCommand]) -> str:
    """Commands as a learner reads them: [JoinLibrary(Ada), LendBook(Ada, book 1), ...]."""
    parts = []
    for command in commands:
        names = [_SHOWN.get(value, repr(value)) for value in vars(command).values() if isinstance(value, UUID)]
        parts.append(f"{type(command).__name__}({', '.join(names)})")
    return f"[{', '.join(parts)}]"


def _falsify(prop: Callable[..., Any], decide_with: Decide, evolve_with: Evolve
             ) -> tuple[list[LibraryCommand], Exception] | None:
    """The simplest command list Hypothesis finds on which the learner's property raises, with the error; or None."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    books = st.sampled_from(_BOOKS)
    command = (st.builds(LendBook, st.just(_ADA), books) | st.builds(ReturnBook, st.just(_ADA), books)
               | st.just(JoinLibrary(_ADA, "Ada")))
    failing: list[list[LibraryCommand]] = []

    @settings(derandomize=True, database=None, deadline=None, max_examples=_EXAMPLES, report_multiple_bugs=False,
              phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(st.lists(command, max_size=12))
    def run(rest: list[LibraryCommand]) -> None:
        commands = [JoinLibrary(_ADA, "Ada"), *rest]
        try:
            prop(decide_with, evolve_with, list(commands))
        except Exception:
            failing.append(commands)
            raise

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            run()
    except Exception as error:
        return (failing[-1] if failing else []), error
    return None


def _versions(versions_have_no_gaps: Callable[[Decide, Evolve, list[LibraryCommand]], Any]) -> str:
    first: list[LibraryCommand] = [JoinLibrary(_ADA, "Ada"), LendBook(_ADA, _BOOKS[0]), ReturnBook(_ADA, _BOOKS[0])]
    try:
        versions_have_no_gaps(decide, evolve, list(first))
    except (AssertionError, RuleBroken):
        pass  # said below, with the simplest command list on which it happens
    except Exception as error:
        raise crashed(f"for the course's decide and evolve and {_shown(first)}", error) from None
    found = _falsify(versions_have_no_gaps, decide, evolve)
    if found is not None:
        commands, failure = found
        if isinstance(failure, RuleBroken):
            raise Wrong(f"for {_shown(commands)}, your code let RuleBroken through ({_one_line(failure)}): a refused "
                        "command produces no events, so go on with the next one.")
        if not isinstance(failure, AssertionError):
            raise crashed(f"for the course's decide and evolve and {_shown(commands)}", failure)
        raise Wrong(f"your property fails for the course's decide and evolve, which are right, on {_shown(commands)}: "
                    f"{_first_line(failure)}. Each command is decided on the state that all the events before it give.")
    missed = [flaw for flaw in _VERSION_FLAWS if _falsify(versions_have_no_gaps, flaw.decide, flaw.evolve) is None]
    if len(missed) == len(_VERSION_FLAWS):
        raise Wrong(f"your property holds for every flawed decide and evolve the check tried, such as {missed[0].name}:"
                    " does it check the versions, with the decide and evolve it is given?")
    if missed:
        raise Wrong(f"your property holds for {missed[0].name}, so it would not catch it: {missed[0].hint}.")
    return (f"your property holds for the course's decide and evolve on {_EXAMPLES} made-up command lists, and "
            "catches a repeated version, a gap, and a first version of 1.")
