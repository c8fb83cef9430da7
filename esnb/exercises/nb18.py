"""Checks for the exercises of notebook 18 · The outbox and process managers.

Both checks make their events with a library on notebook 18's tables, in a SQLite database in memory of their own
unless given a URL (on a server they drop those tables afterwards). Ann and Bob each borrow a book at position 1 of
their sequences, so an id built from the position alone gives two loans one id; Ann borrows again at position 3.
Exercise 18.1's check delivers every message twice and crashes the receiver once before its commit. Exercise 18.2's
check delivers each loan's email and reminder twice to one email service.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID, uuid4

from esnb.exercises import Wrong, call, report


def check_receive(receive: Callable[[set[UUID], Counter[UUID], Any], Any], url: str | None = None) -> None:
    """Exercise 18.1: `receive(seen, loans, message)` counts each loan once, copies and a crash included."""
    report("Exercise 18.1", lambda: _receive(receive, url))


def check_reminder_for(reminder_for: Callable[[Any], Any], url: str | None = None) -> None:
    """Exercise 18.2: `reminder_for(loan)` gives a reminder whose id is the same on every copy, and no other's."""
    report("Exercise 18.2", lambda: _reminder_for(reminder_for, url))


@contextmanager
def _loans(url: str | None) -> Iterator[tuple[UUID, UUID, list[Any]]]:
    """Ann and Bob, new ids on every run, and their three loans: Ann's at positions 1 and 3, Bob's at position 1."""
    from esnb.course.datastore import SQLAlchemyDatastore, SQLAlchemySettings
    from esnb.course.library import BookLent, JoinLibrary, LendBook, LibraryApplication, ReturnBook
    from esnb.course.process_managers import LibraryEventRecord, ProcessRecord

    datastore = SQLAlchemyDatastore(base=ProcessRecord, settings=SQLAlchemySettings(uri=url or "sqlite://"))
    datastore.setup_connection()
    try:
        datastore.drop_table(LibraryEventRecord)
        datastore.setup_table(LibraryEventRecord)
        library = LibraryApplication(datastore.session, LibraryEventRecord)
        ann, bob, dune, emma = uuid4(), uuid4(), uuid4(), uuid4()
        loans: list[Any] = []
        for command in (JoinLibrary(ann, "Ann"), JoinLibrary(bob, "Bob"), LendBook(ann, dune), LendBook(bob, emma),
                        ReturnBook(ann, dune), LendBook(ann, dune)):
            loans += [event for event in library.handle(command) if isinstance(event, BookLent)]
        yield ann, bob, loans
    finally:
        datastore.drop_table(LibraryEventRecord)
        datastore.close_connection()


# Exercise 18.1


def _receive(receive: Callable[[set[UUID], Counter[UUID], Any], Any], url: str | None) -> str:
    from esnb.course.outbox import message_for

    with _loans(url) as (ann, bob, loans):
        messages = [message_for(loan) for loan in loans]

    def deliver(state: tuple[set[UUID], Counter[UUID]], message: Any, crash: bool = False,
                ) -> tuple[set[UUID], Counter[UUID]]:
        """One delivery in a transaction of its own: a crash before the commit leaves the state as it was."""
        seen, counted = set(state[0]), Counter(state[1])
        who = "Ann" if message.event.originator_id == ann else "Bob"
        call(f"for {who}'s loan at position {message.event.originator_version}", receive, seen, counted, message)
        return state if crash else (seen, counted)

    state: tuple[set[UUID], Counter[UUID]] = (set(), Counter())
    for message in messages:
        for _ in range(2):
            state = deliver(state, message)
    counted = state[1]
    if counted[ann] > 2 or counted[bob] > 1:
        raise Wrong(
            "a copy of a message was counted again. Drop a message whose id is in `seen`, and put the id of each "
            "message you apply into `seen`"
        )
    if counted[bob] < 1:
        raise Wrong(
            "Bob's loan was dropped as a copy of Ann's: both sit at position 1 of their sequences. Know a copy by "
            "its message id, which names one event, not by the event's position alone"
        )
    if counted[ann] < 2:
        raise Wrong(
            "Ann's second loan was dropped as a copy of her first. Know a copy by its message id, which names one "
            "event, not by the member or the book"
        )
    state = deliver((set(), Counter()), messages[0], crash=True)
    for message in (messages[0], messages[0], messages[1]):
        state = deliver(state, message)
    if state[1] != Counter({ann: 1, bob: 1}):
        raise Wrong(
            "after a crash before the commit, the redelivered message was dropped, though its effect had been "
            "rolled back: its id was kept where the rollback could not reach. Record the id in `seen`, the "
            "receiver's state, together with the effect"
        )
    return "each loan counted once: copies dropped by their id, and the message redelivered after a crash applied."


# Exercise 18.2


def _reminder_for(reminder_for: Callable[[Any], Any], url: str | None) -> str:
    from esnb.course.outbox import Inbox, Message, message_for

    with _loans(url) as (ann, _, loans):
        emails = Inbox()
        reminder_ids: dict[int, UUID] = {}
        for number, loan in enumerate(loans):
            who = "Ann" if loan.originator_id == ann else "Bob"
            for _ in range(2):  # the process manager gets every loan twice, and so sends every message twice
                reminder = call(f"for {who}'s loan at position {loan.originator_version}", reminder_for, loan)
                if type(reminder).__name__ != "Message":  # the notebook's own copy of the class is welcome too
                    raise Wrong(f"reminder_for returned {type(reminder).__name__}, "
                                "where the email service takes a Message")
                if not isinstance(reminder.id, UUID):
                    raise Wrong(f"the reminder's id is {type(reminder.id).__name__}: the id must be a UUID")
                reminder_ids[number] = reminder.id
                emails(message_for(loan))
                emails(Message(reminder.id, "reminder", loan))
    reminded = Counter(id(message.event) for message in emails.received if message.topic == "reminder")
    if any(count > 1 for count in reminded.values()) or len(emails.received) > 6:
        raise Wrong(
            "the email service took one loan's reminder twice: the copy came with another id. The id must be "
            "worked out from the loan, so that every copy carries the same one"
        )
    if any(reminder_ids[number] == message_for(loan).id for number, loan in enumerate(loans)):
        raise Wrong(
            "the email service dropped a reminder as a copy of the loan's own email: both had the loan's causation "
            "id, and one event here causes two messages. Work the reminder's id out from that id and the word "
            "'reminder'"
        )
    if id(loans[1]) not in reminded:
        raise Wrong(
            "Bob's reminder was dropped as a copy of Ann's: both loans sit at position 1 of their sequences. The id "
            "must name the loan: its member's sequence and its position there"
        )
    if len(reminded) < 3:
        raise Wrong(
            "Ann's second reminder was dropped as a copy of her first: two loans got one id. The id must name the "
            "loan, not only the member or the book"
        )
    return "three loans, three emails and three reminders: each copy dropped by its id, and no two messages shared one."
