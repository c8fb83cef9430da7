"""The checks of notebook 17's exercises: placeholder, plausible wrong answers, and right answers."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any
from uuid import UUID

import pytest

from esnb.course.library import (
    BookLent,
    BookReturned,
    LendBook,
    MemberJoined,
    RuleBroken,
    decide,
    evolve,
)
from esnb.course.testing import scenario
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb17 import check_loan_limit_scenarios, check_versions_have_no_gaps

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')` with your answer."
ADA = UUID(int=1)
DUNE, EMMA, ULYSSES, BELOVED = (UUID(int=number) for number in range(101, 105))
JOINED = MemberJoined(originator_id=ADA, originator_version=0, name="Ada")


def lent(version: int, book: UUID) -> BookLent:
    return BookLent(originator_id=ADA, originator_version=version, book_id=book)


TWO_LOANS = [JOINED, lent(1, DUNE), lent(2, EMMA)]
THREE_LOANS = [*TWO_LOANS, lent(3, ULYSSES)]
ONE_BACK = [*THREE_LOANS, BookReturned(originator_id=ADA, originator_version=4, book_id=DUNE)]


# Exercise 17.1

def third_lent(decide: Any, evolve: Any) -> None:
    scenario(decide, evolve, given=TWO_LOANS, when=LendBook(ADA, ULYSSES), then=[lent(3, ULYSSES)])


def fourth_refused(decide: Any, evolve: Any) -> None:
    scenario(decide, evolve, given=THREE_LOANS, when=LendBook(ADA, BELOVED), then=RuleBroken)


def lent_again_after_a_return(decide: Any, evolve: Any) -> None:
    scenario(decide, evolve, given=ONE_BACK, when=LendBook(ADA, BELOVED), then=[lent(5, BELOVED)])


def limit_right(decide: Any, evolve: Any) -> None:
    third_lent(decide, evolve)
    fourth_refused(decide, evolve)
    lent_again_after_a_return(decide, evolve)


def limit_placeholder(decide: Any, evolve: Any) -> None:
    raise NotImplementedError(PLACEHOLDER)


def limit_only_the_refusal(decide: Any, evolve: Any) -> None:
    fourth_refused(decide, evolve)


def limit_only_the_third(decide: Any, evolve: Any) -> None:
    third_lent(decide, evolve)


def limit_both_sides_but_no_return(decide: Any, evolve: Any) -> None:
    third_lent(decide, evolve)
    fourth_refused(decide, evolve)


def limit_with_the_course_s_own(_decide: Any, _evolve: Any) -> None:
    limit_right(decide, evolve)


def limit_nothing(decide: Any, evolve: Any) -> None:
    pass


def limit_wrong_version(decide: Any, evolve: Any) -> None:
    scenario(decide, evolve, given=TWO_LOANS, when=LendBook(ADA, ULYSSES), then=[lent(2, ULYSSES)])


def limit_crashes(decide: Any, evolve: Any) -> None:
    scenario(decide, evolve, given=TWO_LOANS, when=LendBook(ADA, ULYSSES), then=[lent(3)])  # type: ignore[call-arg]


def limit_returns_data(decide: Any, evolve: Any) -> Any:
    return [{"given": "two loans", "when": "lend a third", "then": "lent"}]


COURSE_FAILS = "✗ Exercise 17.1: with the course's decide and evolve, which keep the rule, your scenarios fail: "


@pytest.mark.parametrize("answer, message", [
    (limit_placeholder, f"✗ Exercise 17.1: {NOT_DONE}"),
    (limit_only_the_refusal, "✗ Exercise 17.1: your scenarios pass with a decide that refuses a third book, so they "
                             "would not catch it: a rule has two sides: show that a member with 2 books on loan may "
                             "still borrow a third."),
    (limit_only_the_third, "✗ Exercise 17.1: your scenarios pass with a decide that lends a fourth book, so they "
                           "would not catch it: show that a member with 3 books on loan is refused another."),
    (limit_both_sides_but_no_return, "✗ Exercise 17.1: your scenarios pass with an evolve that forgets returned books, "
                                     "so a member who reaches 3 can never borrow again, so they would not catch it: "
                                     "the limit counts the books on loan now: show that a member who brought one of 3 "
                                     "back may borrow again."),
    (limit_with_the_course_s_own, "✗ Exercise 17.1: your scenarios pass with every flawed decide and evolve the check "
                                  "tried, such as a decide that lends a fourth book: do they test the limit, with the "
                                  "decide and evolve your function is given?"),
    (limit_nothing, "✗ Exercise 17.1: your scenarios pass with every flawed decide and evolve the check tried, such as "
                    "a decide that lends a fourth book: do they test the limit, with the decide and evolve your "
                    "function is given?"),
    (limit_wrong_version, COURSE_FAILS + "when LendBook: decide returned other events BookLent, new event 0: "
                                         "originator_version is 3, but the scenario expects 2"),
    (limit_crashes, "✗ Exercise 17.1: with the course's decide and evolve, your code raised TypeError: lent() missing "
                    "1 required positional argument: 'book'"),
    (limit_returns_data, "✗ Exercise 17.1: your function returned [{'given': 'two loans', 'when': 'lend a third', "
                         "'then': 'lent'}]: a scenario is checked by running it, so call scenario for each one; "
                         "what the function returns is not looked at."),
    (limit_right, "✓ Exercise 17.1: your scenarios pass with the course's rules, and catch a fourth loan, a third one "
                  "refused, and returns forgotten."),
])
def test_check_loan_limit_scenarios(answer: Callable[..., Any], message: str, verdict: Callable[[], str]) -> None:
    check_loan_limit_scenarios(answer)
    assert verdict() == message


# Exercise 17.2

def run(decide: Any, evolve: Any, commands: list[Any]) -> list[Any]:
    """The events the commands produce, refused commands skipped."""
    state, events = None, []
    for command in commands:
        try:
            new_events = decide(command, state)
        except RuleBroken:
            continue
        state = functools.reduce(evolve, new_events, state)
        events += new_events
    return events


def versions_right(decide: Any, evolve: Any, commands: list[Any]) -> None:
    versions = [event.originator_version for event in run(decide, evolve, commands)]
    assert versions == list(range(len(versions))), f"versions {versions}"


def versions_placeholder(decide: Any, evolve: Any, commands: list[Any]) -> None:
    raise NotImplementedError(PLACEHOLDER)


def versions_no_repeats(decide: Any, evolve: Any, commands: list[Any]) -> None:
    versions = [event.originator_version for event in run(decide, evolve, commands)]
    assert len(set(versions)) == len(versions)


def versions_one_more_each_time(decide: Any, evolve: Any, commands: list[Any]) -> None:
    versions = [event.originator_version for event in run(decide, evolve, commands)]
    assert all(later == earlier + 1 for earlier, later in itertools.pairwise(versions))


def versions_let_refusals_through(decide: Any, evolve: Any, commands: list[Any]) -> None:
    state, versions = None, []
    for command in commands:
        for event in decide(command, state):
            state = evolve(state, event)
            versions.append(event.originator_version)
    assert versions == list(range(len(versions)))


def versions_never_evolved(decide: Any, evolve: Any, commands: list[Any]) -> None:
    events = []
    for command in commands:
        try:
            events += decide(command, None)
        except RuleBroken:
            continue
    assert [event.originator_version for event in events] == list(range(len(events)))


def versions_with_the_course_s_own(_decide: Any, _evolve: Any, commands: list[Any]) -> None:
    versions_right(decide, evolve, commands)


def versions_crash_on_a_short_list(decide: Any, evolve: Any, commands: list[Any]) -> None:
    second = commands[1]
    versions_right(decide, evolve, [commands[0], second, *commands[2:]])


@pytest.mark.parametrize("answer, message", [
    (versions_placeholder, f"✗ Exercise 17.2: {NOT_DONE}"),
    (versions_no_repeats, "✗ Exercise 17.2: your property holds for an evolve that moves the version on by 2 after a "
                          "loan, which leaves a gap, so it would not catch it: versions run 0, 1, 2, … with none "
                          "missing."),
    (versions_one_more_each_time, "✗ Exercise 17.2: your property holds for a decide whose first event is version 1, "
                                  "so it would not catch it: the first event is version 0."),
    (versions_let_refusals_through, "✗ Exercise 17.2: for [JoinLibrary(Ada), JoinLibrary(Ada)], your code let "
                                    "RuleBroken through (Ada is already a member: nobody joins twice): a refused "
                                    "command produces no events, so go on with the next one."),
    (versions_never_evolved, "✗ Exercise 17.2: your property fails for the course's decide and evolve, which are "
                             "right, on [JoinLibrary(Ada), JoinLibrary(Ada)]: assert [0, 0] == [0, 1]. Each command "
                             "is decided on the state that all the events before it give."),
    (versions_with_the_course_s_own, "✗ Exercise 17.2: your property holds for every flawed decide and evolve the "
                                     "check tried, such as an evolve that keeps the version after a return, so the "
                                     "next event repeats it: does it check the versions, with the decide and evolve "
                                     "it is given?"),
    (versions_crash_on_a_short_list, "✗ Exercise 17.2: for the course's decide and evolve and [JoinLibrary(Ada)], "
                                     "your code raised IndexError: list index out of range"),
    (versions_right, "✓ Exercise 17.2: your property holds for the course's decide and evolve on 200 made-up command "
                     "lists, and catches a repeated version, a gap, and a first version of 1."),
])
def test_check_versions_have_no_gaps(answer: Callable[..., Any], message: str, verdict: Callable[[], str]) -> None:
    check_versions_have_no_gaps(answer)
    assert verdict() == message
