"""Checks for the exercises of notebook 18 · The outbox and process managers.

Both checks run on a SQLite database in memory of their own, unless given a URL, with the library's and the
catalogue's tables of notebook 18; on a server they drop those tables afterwards. Exercise 18.1's check kills the
publisher once after a send and before its commit. Exercise 18.2's check delivers every event twice with no tracking
record, so only the command ids can keep a copy from taking effect again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from sqlalchemy.exc import IntegrityError

from esnb.exercises import Wrong, call, report

_ANN = UUID(int=1)
_DUNE, _EMMA = UUID(int=101), UUID(int=102)


def check_make_message(make_message: Callable[[Any], Any], url: str | None = None) -> None:
    """Exercise 18.1: `make_message(event)` gives every copy of an event's message one id, and other events others."""
    report("Exercise 18.1", lambda: _make_message(make_message, url))


def check_checkout_for(checkout_for: Callable[[Any], Any], url: str | None = None) -> None:
    """Exercise 18.2: `checkout_for(event)` gives a CheckOut whose effect a redelivered loan cannot repeat."""
    report("Exercise 18.2", lambda: _checkout_for(checkout_for, url))


@contextmanager
def _library(url: str | None) -> Iterator[tuple[Any, Any, Any]]:
    """A datastore with notebook 18's tables, a library on them with Ann a member, and its notification log."""
    from esnb.course.datastore import SQLAlchemyDatastore, SQLAlchemySettings
    from esnb.course.library import JoinLibrary, LibraryApplication
    from esnb.course.notification_log import NotificationLog, keep_ids_in_order
    from esnb.course.outbox import SentRecord
    from esnb.course.process_managers import CatalogueEventRecord, LibraryEventRecord, ProcessRecord
    from esnb.course.projections import TrackingRecord

    datastore = SQLAlchemyDatastore(base=ProcessRecord, settings=SQLAlchemySettings(uri=url or "sqlite://"))
    datastore.setup_connection()
    tables = (LibraryEventRecord, CatalogueEventRecord, SentRecord, TrackingRecord)
    try:
        for record_class in tables:
            datastore.drop_table(record_class)
        for record_class in tables:
            datastore.setup_table(record_class)
        library = LibraryApplication(datastore.session, LibraryEventRecord)
        log = NotificationLog(keep_ids_in_order(library.event_store, datastore))
        library.handle(JoinLibrary(_ANN, "Ann"))
        yield datastore, library, log
    finally:
        for record_class in tables:
            datastore.drop_table(record_class)
        datastore.close_connection()


# Exercise 18.1


def _make_message(make_message: Callable[[Any], Any], url: str | None) -> str:
    from esnb.course.library import LendBook
    from esnb.course.outbox import Inbox, Message, publisher
    from esnb.course.redelivery import Crash

    with _library(url) as (datastore, library, log):
        library.handle(LendBook(_ANN, _DUNE))
        library.handle(LendBook(_ANN, _EMMA))
        emails = Inbox()
        died = False

        def send_then_die_once(message: Any) -> None:
            nonlocal died
            if type(message).__name__ != "Message":  # the notebook's own copy of the class is welcome too
                raise Wrong(f"make_message returned {type(message).__name__}, where the publisher sends a Message")
            emails(Message(message.id, message.topic, message.event))
            if len(emails.received) + emails.copies_dropped == 3 and not died:
                died = True
                raise Crash("the publisher died after a send")

        first = publisher("check_18_1", log, datastore, send_then_die_once, make_message)
        first.setup()
        try:
            call("on the publisher's first run", first.catch_up, passing=(Crash, Wrong, IntegrityError))
            restarted = publisher("check_18_1", log, datastore, send_then_die_once, make_message)
            call("on the publisher's run after the crash", restarted.catch_up, passing=(Wrong, IntegrityError))
        except Crash:
            restarted = publisher("check_18_1", log, datastore, send_then_die_once, make_message)
            call("on the publisher's run after the crash", restarted.catch_up, passing=(Wrong, IntegrityError))
        except IntegrityError:
            pass  # the record of what was sent refused a second message with one id: the check below says why
        received = len(emails.received)
    if received > 3:
        raise Wrong(
            "the email service took one event's message twice: after the crash it went out again with another id. "
            "Every copy of one event's message must carry the same id, worked out from the event"
        )
    if received < 3:
        raise Wrong(
            "the email service dropped a message for a new event as a copy of another, because two different events "
            "got the same id. The id must name one event: its sequence and its position there"
        )
    return "three events, three emails: the copy sent again after the crash carried the same id and was dropped."


# Exercise 18.2


def _checkout_for(checkout_for: Callable[[Any], Any], url: str | None) -> str:
    from esnb.course.infrastructure import event_store_for
    from esnb.course.library import BookLent, BookReturned, LendBook, ReturnBook
    from esnb.course.outbox import causation_id
    from esnb.course.process_managers import BookCheckedOut, CatalogueEventRecord, CheckIn, CheckOut, LendingProcess

    def command_for(event: Any) -> Any:
        if isinstance(event, BookLent):
            answer = call(f"for the loan at position {event.originator_version}", checkout_for, event)
            if type(answer).__name__ != "CheckOut":  # the notebook's own copy of the class is welcome too
                raise Wrong(f"checkout_for returned {type(answer).__name__}, where the catalogue expects a CheckOut")
            command = CheckOut(answer.command_id, answer.book_id, answer.member_id)
            if (command.book_id, command.member_id) != (event.book_id, event.originator_id):
                raise Wrong("the CheckOut names another book or member than the loan: book_id is the event's book_id, "
                            "member_id the event's originator_id")
            return command
        if isinstance(event, BookReturned):
            return CheckIn(causation_id(event), event.book_id, event.originator_id)
        return None

    with _library(url) as (datastore, library, _):
        catalogue = event_store_for(datastore.session, CatalogueEventRecord)
        process = LendingProcess(library.event_store, catalogue, command_for)
        compensated = False
        for command in (LendBook(_ANN, _DUNE), ReturnBook(_ANN, _DUNE), LendBook(_ANN, _DUNE)):
            for event in library.handle(command):
                for _ in range(2):  # every event comes twice, in transactions of their own
                    with datastore.engine.begin() as connection:
                        process.apply(connection, event)
            if isinstance(command, LendBook) and _DUNE not in library.member(_ANN).loans:
                compensated = True  # the process manager took the loan back
                break
        checkouts = [e for e in catalogue.get_domain_events(_DUNE) if isinstance(e, BookCheckedOut)]
    if compensated:
        raise Wrong(
            "the second copy of Ann's loan was refused by the catalogue as a new check-out, and the process manager "
            "took the loan back: the copy's command had another id. The id must come from the causing event"
        )
    if len(checkouts) < 2:
        raise Wrong(
            "the catalogue took the second loan of Dune for a copy of the first, and never checked it out: two loans "
            "got one command id. The id must name the causing event, not only the book or the member"
        )
    return "each copy of a loan was dropped by its command id, and each new loan checked the book out: two check-outs."
