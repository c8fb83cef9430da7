"""The transactional outbox and the process manager of notebook 18, on every backend: an event is published if and only
if it is stored, each command takes effect once however the events come, a refused step is compensated, and a crash
before any statement or commit leaves every effect exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import delete, event

from esnb.course.datastore import SQLAlchemyDatastore, SQLAlchemySettings
from esnb.course.errors import ConcurrencyError
from esnb.course.infrastructure import event_store_for
from esnb.course.library import BookLent, JoinLibrary, LendBook, LibraryApplication, ReturnBook, decide
from esnb.course.notification_log import NotificationLog, keep_ids_in_order
from esnb.course.outbox import Inbox, Message, SentRecord, causation_id, publisher
from esnb.course.process_managers import (
    CatalogueEventRecord,
    CheckOut,
    LendingProcess,
    LibraryEventRecord,
    ProcessRecord,
    decide_book,
    evolve_book,
    run_to_the_end,
)
from esnb.course.projections import Projection, TrackingRecord
from esnb.course.redelivery import Crash

ANN, BOB = UUID(int=1), UUID(int=2)
DUNE, EMMA = UUID(int=101), UUID(int=102)
TABLES = (LibraryEventRecord, CatalogueEventRecord, SentRecord, TrackingRecord)


class World:
    """The library on its own table, its log, and the catalogue."""

    def __init__(self, datastore: SQLAlchemyDatastore) -> None:
        self.datastore = datastore
        self.library = LibraryApplication(datastore.session, LibraryEventRecord)
        self.log = NotificationLog(keep_ids_in_order(self.library.event_store, datastore))
        self.catalogue = event_store_for(datastore.session, CatalogueEventRecord)

    def manager(self) -> Projection:
        return Projection("lending", LendingProcess(self.library.event_store, self.catalogue), self.datastore,
                          read_log=self.log.read)

    def scenario(self) -> None:
        """Empty tables, then Dune lent to Ann and to Bob, Ann's return, and Emma lent to Bob."""
        with self.datastore.engine.begin() as connection:
            for record_class in (LibraryEventRecord, CatalogueEventRecord):
                connection.execute(delete(record_class))
            connection.execute(delete(TrackingRecord).where(TrackingRecord.projection == "lending"))
        self.manager().setup()
        for command in (JoinLibrary(ANN, "Ann"), JoinLibrary(BOB, "Bob"), LendBook(ANN, DUNE), LendBook(BOB, DUNE),
                        ReturnBook(ANN, DUNE), LendBook(BOB, EMMA)):
            self.library.handle(command)


@pytest.fixture
def world(database: str) -> Iterator[World]:
    store = SQLAlchemyDatastore(base=ProcessRecord, settings=SQLAlchemySettings(uri=database))
    store.setup_connection()
    for record_class in TABLES:
        store.setup_table(record_class)
    yield World(store)
    for record_class in TABLES:
        store.drop_table(record_class)
    store.close_connection()


def kinds(store: Any, originator_id: UUID) -> list[str]:
    return [type(e).__name__ for e in store.get_domain_events(originator_id)]


def test_a_refused_append_sends_nothing_and_a_stored_event_is_sent_once_after_a_crash(world: World) -> None:
    library = world.library
    library.handle(JoinLibrary(ANN, "Ann"))
    stale = decide(LendBook(ANN, DUNE), library.member(ANN))
    library.handle(LendBook(ANN, EMMA))
    with pytest.raises(ConcurrencyError):
        library.event_store.append(stale)
    emails = Inbox()
    died: list[Message] = []

    def send_then_die_once(message: Message) -> None:
        emails(message)
        if isinstance(message.event, BookLent) and not died:
            died.append(message)
            raise Crash("after the send")

    emailer = publisher("emails", world.log, world.datastore, send_then_die_once)
    emailer.setup()
    with pytest.raises(Crash):
        emailer.catch_up(page_size=1)
    assert emailer.last_id() == 1 and len(emailer.read_model.snapshot()) == 1
    assert publisher("emails", world.log, world.datastore, emails).catch_up() == 1
    assert [type(m.event).__name__ for m in emails.received] == ["MemberJoined", "BookLent"]
    assert emails.received[1].event.book_id == EMMA and emails.copies_dropped == 1
    assert len(emailer.read_model.snapshot()) == 2


def test_a_command_with_a_known_id_has_no_second_effect() -> None:
    loan = BookLent(originator_id=ANN, originator_version=1, book_id=DUNE)
    command = CheckOut(causation_id(loan), DUNE, ANN)
    book = evolve_book(None, decide_book(command, None)[0])
    assert decide_book(command, book) == [] and book.holder == ANN


def test_a_refused_check_out_is_compensated_by_a_return(world: World) -> None:
    world.scenario()
    run_to_the_end(world.manager)
    assert kinds(world.library.event_store, BOB) == ["MemberJoined", "BookLent", "BookLent", "BookReturned"]
    assert kinds(world.catalogue, DUNE) == ["BookCheckedOut", "BookCheckedIn"]
    assert kinds(world.catalogue, EMMA) == ["BookCheckedOut"]
    assert world.library.member(BOB).loans == frozenset({EMMA})


def test_a_crash_before_any_step_leaves_every_effect_exactly_once(world: World) -> None:
    steps = 0

    def count(*_: Any) -> None:
        nonlocal steps
        steps += 1

    world.scenario()
    for name in ("before_cursor_execute", "commit"):
        event.listen(world.datastore.engine, name, count)
    run_to_the_end(world.manager)
    for name in ("before_cursor_execute", "commit"):
        event.remove(world.datastore.engine, name, count)
    clean = world.manager().read_model.snapshot()
    assert [kind for _, _, kind in clean].count("BookReturned") == 2
    assert steps > 20
    for step in range(1, steps + 1):
        world.scenario()
        assert run_to_the_end(world.manager, crash_before={step}) == 1, step
        assert world.manager().read_model.snapshot() == clean, step
