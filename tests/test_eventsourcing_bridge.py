"""Notebook 20's port of the library domain to eventsourcing 9 runs through the library's own persistence modules:
SQLite always, PostgreSQL when ESNB_DATABASE_URL names one. MariaDB, which eventsourcing 9 does not support,
falls back to SQLite."""

from __future__ import annotations

import dataclasses
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError, RecordConflictError

from esnb import RuleBroken
from esnb.course.eventsourcing9 import LendingLibrary, MemberAggregate, conflicts_said_plainly, eventsourcing_env

DUNE, EMMA, ULYSSES, BELOVED = (UUID(int=number) for number in range(1, 5))


def test_the_course_url_becomes_the_library_settings() -> None:
    assert eventsourcing_env("sqlite:///:memory:") == {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}
    assert eventsourcing_env("mysql+pymysql://root@127.0.0.1:3306/test")["PERSISTENCE_MODULE"] == "eventsourcing.sqlite"
    assert eventsourcing_env("postgresql+psycopg://ann:secret@db.example:5433/course") == {
        "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": "course", "POSTGRES_HOST": "db.example",
        "POSTGRES_PORT": "5433", "POSTGRES_USER": "ann", "POSTGRES_PASSWORD": "secret"}


def test_an_event_method_applies_and_never_checks_a_rule() -> None:
    member = MemberAggregate("Ada")
    member.lend(DUNE)
    events = member.collect_events()
    assert [type(event).__qualname__ for event in events] == ["MemberAggregate.Joined", "MemberAggregate.BookLent"]
    # a stored loan of the same book again breaks a rule, and still loads
    loaded = None
    for event in [*events, dataclasses.replace(events[-1], originator_version=3)]:
        loaded = event.mutate(loaded)
    assert loaded is not None and loaded.version == 3 and loaded.loans == {DUNE}


@pytest.mark.backends("sqlite-memory", "sqlite-file", "postgresql")
def test_the_port_runs_on_the_library_persistence(database: str) -> None:
    library = LendingLibrary(env=eventsourcing_env(database))
    try:
        start = library.recorder.max_notification_id() or 0
        grace = library.join("Grace")
        library.lend(grace, DUNE)
        library.lend(grace, EMMA)
        member = library.member(grace)
        assert (member.name, member.version, member.loans) == ("Grace", 3, {DUNE, EMMA})
        notifications = library.notification_log.select(start + 1, 10)
        assert [(n.originator_id, n.originator_version) for n in notifications] == [(grace, 1), (grace, 2), (grace, 3)]

        stale = library.member(grace)
        library.lend(grace, ULYSSES)
        stale.lend(BELOVED)
        with pytest.raises(IntegrityError):
            library.save(stale)
        hedy = library.join("Hedy")
        stale = library.member(hedy)
        library.lend(hedy, DUNE)
        stale.lend(EMMA)
        with pytest.raises(RecordConflictError, match="another writer saved") as conflict, conflicts_said_plainly():
            library.save(stale)
        assert conflict.value.__suppress_context__

        assert library.member(grace).loans == {DUNE, EMMA, ULYSSES}
        with pytest.raises(RuleBroken, match="already has 3 books"):
            library.lend(grace, BELOVED)
    finally:
        library.close()
