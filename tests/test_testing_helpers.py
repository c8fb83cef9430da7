"""esnb.course.testing (notebook 17): `scenario` and `exactly_equal`; and the notebook's properties, held by the
course's own code: the mapper gives back every storable event, and the library's members, stored on every backend,
replay to the state their commands built, with versions 0, 1, 2, … and no gaps."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esnb import SequencedItemMapper, SQLAlchemyDatastore
from esnb.course.library import (
    BookLent,
    BookReturned,
    JoinLibrary,
    LendBook,
    LibraryApplication,
    LibraryCommand,
    Member,
    MemberJoined,
    ReturnBook,
    RuleBroken,
    decide,
    evolve,
)
from esnb.course.storage import MAX_POSITION
from esnb.course.testing import exactly_equal, scenario

ADA = uuid.UUID(int=1)
DUNE, EMMA = uuid.UUID(int=101), uuid.UUID(int=102)
JOINED = MemberJoined(originator_id=ADA, originator_version=0, name="Ada")


def lent(version: int, book: uuid.UUID) -> BookLent:
    return BookLent(originator_id=ADA, originator_version=version, book_id=book)


# scenario

def test_a_scenario_passes_when_decide_returns_the_expected_events() -> None:
    scenario(decide, evolve, given=[JOINED], when=LendBook(ADA, DUNE), then=[lent(1, DUNE)])


def test_a_scenario_passes_when_decide_raises_the_expected_error() -> None:
    scenario(decide, evolve, given=[JOINED], when=ReturnBook(ADA, DUNE), then=RuleBroken)


def test_a_scenario_with_no_past_events_starts_from_none() -> None:
    scenario(decide, evolve, given=[], when=JoinLibrary(ADA, "Ada"), then=[JOINED])
    scenario(decide, evolve, given=[], when=LendBook(ADA, DUNE), then=RuleBroken)


@pytest.mark.parametrize("given, when, then, message", [
    ([JOINED], LendBook(ADA, DUNE), [lent(2, EMMA)],
     "when LendBook: decide returned other events\n"
     f"  BookLent, new event 0: book_id is {DUNE!r}, but the scenario expects {EMMA!r}\n"
     "  BookLent, new event 0: originator_version is 1, but the scenario expects 2"),
    ([JOINED], LendBook(ADA, DUNE), [BookLent(originator_id=ADA, originator_version=1)],
     f"when LendBook: decide returned other events\n  BookLent, new event 0: book_id is {DUNE!r}, "
     "which the scenario does not expect"),
    ([JOINED], LendBook(ADA, DUNE), [BookLent(originator_id=ADA, originator_version=1, book_id=DUNE, copy=2)],
     "when LendBook: decide returned other events\n  BookLent, new event 0: has no copy, but the scenario expects 2"),
    ([JOINED], LendBook(ADA, DUNE), [],
     f"when LendBook: decide returned [{lent(1, DUNE)!r}]\n  but the scenario expects []"),
    ([JOINED], LendBook(ADA, DUNE), RuleBroken,
     f"when LendBook: decide returned [{lent(1, DUNE)!r}]\n  but the scenario expects RuleBroken"),
    ([JOINED], ReturnBook(ADA, DUNE), [BookReturned(originator_id=ADA, originator_version=1, book_id=DUNE)],
     "when ReturnBook: decide raised RuleBroken: this book is not lent to Ada, so it cannot be returned\n"
     f"  but the scenario expects [{BookReturned(originator_id=ADA, originator_version=1, book_id=DUNE)!r}]"),
    ([JOINED], ReturnBook(ADA, DUNE), KeyError,
     "when ReturnBook: decide raised RuleBroken: this book is not lent to Ada, so it cannot be returned\n"
     "  but the scenario expects KeyError"),
])
def test_a_scenario_that_does_not_hold_says_what_decide_did(given: list[Any], when: Any, then: Any,
                                                            message: str) -> None:
    with pytest.raises(AssertionError) as raised:
        scenario(decide, evolve, given=given, when=when, then=then)
    assert str(raised.value) == message
    assert raised.value.__context__ is None or raised.value.__suppress_context__, "decide's error is chained"


# exactly_equal

@pytest.mark.parametrize("got, expected, same", [
    (1, 1, True),
    (1, 1.0, False),
    (True, 1, False),
    (0.0, -0.0, False),
    (Decimal("1.0"), Decimal("1.00"), False),
    ((1, [2]), (1, [2]), True),
    ((1,), [1], False),
    ([1, (2,)], [1, [2]], False),
    ({"a": 1, "b": 2}, {"b": 2, "a": 1}, True),
    ({1: "x"}, {True: "x"}, False),
    ({"a": 1}, {"a": 1.0}, False),
    (date(2026, 1, 2), datetime(2026, 1, 2), False),
    (JOINED, MemberJoined(name="Ada", originator_version=0, originator_id=ADA), True),
    (JOINED, MemberJoined(originator_id=ADA, originator_version=0, name=("Ada",)), False),
    (lent(1, DUNE), BookReturned(originator_id=ADA, originator_version=1, book_id=DUNE), False),
])
def test_exactly_equal_compares_types_all_the_way_down(got: Any, expected: Any, same: bool) -> None:
    assert exactly_equal(got, expected) is same
    assert exactly_equal(expected, got) is same


# The notebook's properties, on the course's code

values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text() | st.uuids() | st.dates()
    | st.datetimes().map(lambda moment: moment.replace(fold=0)) | st.decimals(allow_nan=False),
    lambda children: (st.lists(children, max_size=3) | st.lists(children, max_size=3).map(tuple)
                      | st.dictionaries(st.text(), children, max_size=3)),
    max_leaves=8,
)
names = st.from_regex(r"[a-z][a-z_]{0,9}", fullmatch=True).filter(
    lambda name: name not in ("originator_id", "originator_version"))


@given(st.sampled_from([MemberJoined, BookLent, BookReturned]), st.uuids(), st.integers(0, MAX_POSITION),
       st.dictionaries(names, values, max_size=3))
def test_the_mapper_gives_back_every_event_it_stores(event_class: type, originator_id: uuid.UUID, version: int,
                                                     attributes: dict[str, Any]) -> None:
    mapper = SequencedItemMapper()
    event = event_class(originator_id=originator_id, originator_version=version, **attributes)
    assert exactly_equal(mapper.from_sequenced_item(mapper.to_sequenced_item(event)), event)


BOOKS = [uuid.UUID(int=number) for number in range(101, 105)]
commands = st.lists(
    st.sampled_from([JoinLibrary, LendBook, ReturnBook]).flatmap(
        lambda kind: st.just(kind) if kind is JoinLibrary else st.builds(kind, st.just(None), st.sampled_from(BOOKS))
    ),
    max_size=10,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(commands)
def test_stored_members_replay_to_the_state_their_commands_built(datastore: SQLAlchemyDatastore,
                                                                 drawn: list[Any]) -> None:
    """On every backend: each accepted command is stored; the member loads as a plain model of the commands says."""
    app, member_id = LibraryApplication(datastore.session), uuid.uuid4()
    history: list[LibraryCommand] = [JoinLibrary(member_id, "Ada")]
    history += [command(member_id, "Ada") if command is JoinLibrary else type(command)(member_id, command.book_id)
                for command in drawn]
    events, loans = [], set()
    for command in history:
        try:
            events += app.handle(command)
        except RuleBroken:
            continue
        if isinstance(command, LendBook):
            loans.add(command.book_id)
        elif isinstance(command, ReturnBook):
            loans.remove(command.book_id)
    assert app.member(member_id) == Member(member_id, len(events), "Ada", frozenset(loans))
    assert [event.originator_version for event in events] == list(range(len(events)))
    assert app.event_store.get_domain_events(member_id) == events
