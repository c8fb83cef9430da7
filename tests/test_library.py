"""The library domain of notebook 14: decide refuses what breaks a rule, evolve never fails, and
LibraryApplication runs it on esnb's store, on every backend, keeping "at most 3 loans" under concurrent writers."""

from __future__ import annotations

import functools
import threading
from uuid import UUID, uuid4

import pytest

from esnb import (
    MAX_LOANS,
    BookLent,
    BookReturned,
    ConcurrencyError,
    DomainEvent,
    JoinLibrary,
    LendBook,
    LibraryApplication,
    LibraryCommand,
    Member,
    MemberJoined,
    ReturnBook,
    RuleBroken,
    SQLAlchemyDatastore,
    decide,
    evolve,
)

THREADS = 4


def state_of(events: list[DomainEvent]) -> Member | None:
    return functools.reduce(evolve, events, None)


def run(commands: list[LibraryCommand]) -> list[DomainEvent]:
    """Decide each command on the state the events so far leave, and return all the events."""
    events: list[DomainEvent] = []
    for command in commands:
        events += decide(command, state_of(events))
    return events


def run_on(history: list[DomainEvent], commands: list[LibraryCommand]) -> list[DomainEvent]:
    """The new events of the commands, decided after the given history."""
    new: list[DomainEvent] = []
    for command in commands:
        new += decide(command, state_of(history + new))
    return new


# decide and evolve, with no database


def test_a_member_joins_borrows_and_returns_in_the_business_words() -> None:
    ada, dune = uuid4(), uuid4()
    events = run([JoinLibrary(ada, "Ada"), LendBook(ada, dune), ReturnBook(ada, dune)])
    assert events == [
        MemberJoined(originator_id=ada, originator_version=0, name="Ada"),
        BookLent(originator_id=ada, originator_version=1, book_id=dune),
        BookReturned(originator_id=ada, originator_version=2, book_id=dune),
    ]
    assert state_of(events) == Member(id=ada, version=3, name="Ada", loans=frozenset())
    assert state_of(events[:2]) == Member(id=ada, version=2, name="Ada", loans=frozenset({dune}))


@pytest.mark.parametrize("given, when, rule", [
    ([], "lend", "only a member can borrow"),
    ([], "return", "only a member can borrow or return"),
    (["join"], "join", "Ada is already a member"),
    (["join", "lend"], "lend", "this book is already lent to Ada"),
    (["join"], "return", "this book is not lent to Ada"),
    (["join", "lend", "return"], "return", "this book is not lent to Ada"),
], ids=["stranger lends", "stranger returns", "joins twice", "same book twice", "never lent", "returned twice"])
def test_decide_refuses_each_rule_with_rule_broken_in_plain_words(given: list[str], when: str, rule: str) -> None:
    ada, dune = uuid4(), uuid4()
    commands: dict[str, LibraryCommand] = {
        "join": JoinLibrary(ada, "Ada"), "lend": LendBook(ada, dune), "return": ReturnBook(ada, dune)}
    state = state_of(run([commands[name] for name in given]))
    with pytest.raises(RuleBroken, match=rule):
        decide(commands[when], state)


def test_a_member_may_have_at_most_three_loans_and_borrow_again_after_a_return() -> None:
    ada = uuid4()
    books = [uuid4() for _ in range(MAX_LOANS + 1)]
    events = run([JoinLibrary(ada, "Ada"), *(LendBook(ada, book) for book in books[:MAX_LOANS])])
    with pytest.raises(RuleBroken, match="Ada already has 3 books on loan"):
        decide(LendBook(ada, books[-1]), state_of(events))
    events = events + run_on(events, [ReturnBook(ada, books[0]), LendBook(ada, books[-1])])
    member = state_of(events)
    assert member is not None and member.loans == frozenset(books[1:]) and member.version == 6


def test_decide_changes_nothing_it_is_given() -> None:
    ada, dune = uuid4(), uuid4()
    state = state_of(run([JoinLibrary(ada, "Ada")]))
    before = state
    decide(LendBook(ada, dune), state)
    assert state == before == Member(id=ada, version=1, name="Ada")


def test_evolve_never_fails_and_never_checks_a_rule() -> None:
    ada = uuid4()
    books = [uuid4() for _ in range(MAX_LOANS + 1)]
    history: list[DomainEvent] = [MemberJoined(originator_id=ada, originator_version=0, name="Ada")]
    history += [BookLent(originator_id=ada, originator_version=v, book_id=b) for v, b in enumerate(books, 1)]
    history += [BookReturned(originator_id=ada, originator_version=5, book_id=uuid4())]  # a book never lent
    history += [DomainEvent(originator_id=ada, originator_version=6)]  # an event evolve does not know
    member = state_of(history)
    assert member == Member(id=ada, version=7, name="Ada", loans=frozenset(books))
    assert evolve(None, BookLent(originator_id=ada, originator_version=1, book_id=books[0])) is None


# LibraryApplication on every backend


def test_the_application_stores_the_events_it_decides_and_loads_the_member(datastore: SQLAlchemyDatastore) -> None:
    library = LibraryApplication(datastore.session)
    ada, dune, emma = uuid4(), uuid4(), uuid4()
    handled = [library.handle(command) for command in
               [JoinLibrary(ada, "Ada"), LendBook(ada, dune), LendBook(ada, emma), ReturnBook(ada, dune)]]
    stored = library.event_store.get_domain_events(ada)
    assert stored == [event for events in handled for event in events]
    assert [type(event).__name__ for event in stored] == ["MemberJoined", "BookLent", "BookLent", "BookReturned"]
    assert library.member(ada) == Member(id=ada, version=4, name="Ada", loans=frozenset({emma}))
    assert LibraryApplication(datastore.session).member(ada) == library.member(ada)


def test_an_unknown_member_is_a_key_error(datastore: SQLAlchemyDatastore) -> None:
    nobody = uuid4()
    with pytest.raises(KeyError):
        LibraryApplication(datastore.session).member(nobody)


def test_a_refused_command_stores_nothing(datastore: SQLAlchemyDatastore) -> None:
    library = LibraryApplication(datastore.session)
    ada = uuid4()
    library.handle(JoinLibrary(ada, "Ada"))
    for _ in range(MAX_LOANS):
        library.handle(LendBook(ada, uuid4()))
    with pytest.raises(RuleBroken):
        library.handle(LendBook(ada, uuid4()))
    with pytest.raises(RuleBroken):
        library.handle(JoinLibrary(ada, "Ada again"))
    with pytest.raises(RuleBroken):
        library.handle(LendBook(uuid4(), uuid4()))
    assert len(library.event_store.get_domain_events(ada)) == 1 + MAX_LOANS


def test_the_staged_race_of_the_notebook_is_refused_and_the_retry_is_refused_by_the_rule(
    datastore: SQLAlchemyDatastore,
) -> None:
    first, second = LibraryApplication(datastore.session), LibraryApplication(datastore.session)
    katherine = uuid4()
    for command in [JoinLibrary(katherine, "Katherine"), LendBook(katherine, uuid4()), LendBook(katherine, uuid4())]:
        first.handle(command)
    first_sees, second_sees = first.member(katherine), second.member(katherine)
    first_loan = decide(LendBook(katherine, uuid4()), first_sees)
    second_book = uuid4()
    second_loan = decide(LendBook(katherine, second_book), second_sees)
    first.event_store.append(first_loan)
    with pytest.raises(ConcurrencyError):
        second.event_store.append(second_loan)
    with pytest.raises(RuleBroken):
        second.handle(LendBook(katherine, second_book))
    assert len(first.member(katherine).loans) == MAX_LOANS
    assert [event.originator_version for event in first.event_store.get_domain_events(katherine)] == [0, 1, 2, 3]


@pytest.mark.backends("sqlite-file", "postgresql", "mysql")
def test_concurrent_loans_in_threads_never_give_a_member_more_than_three(datastore: SQLAlchemyDatastore) -> None:
    """4 threads lend 5 books each to one member, deciding again after each conflict: 3 loans are stored, no more."""
    library = LibraryApplication(datastore.session)
    hedy = uuid4()
    library.handle(JoinLibrary(hedy, "Hedy"))
    lent: list[UUID] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work() -> None:
        try:
            start.wait(timeout=30)
            for _ in range(5):
                book = uuid4()
                while True:
                    try:
                        library.handle(LendBook(hedy, book))
                    except ConcurrencyError:
                        continue  # decide again, on the member as stored now
                    except RuleBroken:
                        break
                    lent.append(book)
                    break
        except BaseException as error:  # the test reports every thread's error, not only the first
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish within 120 s"
    assert errors == []
    assert library.member(hedy).loans == frozenset(lent) and len(lent) == MAX_LOANS
    assert [event.originator_version for event in library.event_store.get_domain_events(hedy)] == [0, 1, 2, 3]
