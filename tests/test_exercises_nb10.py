"""The checks of notebook 10's exercises: placeholder, plausible wrong answers, and right answers.

They run on the configured database (SQLite in memory by default), in a scratch database of its own,
and must leave the course's subscriber list exactly as they found it.
"""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from esnb import (
    ActiveRecord,
    SequencedItemRecord,
    SQLAlchemyDatastore,
    SQLAlchemySettings,
    UnitOfWork,
    unsubscribe,
)
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb10 import check_add_suffix, check_one_entity_unit_of_work

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')`"


pytestmark = pytest.mark.usefixtures("subscribers_kept")


# Exercise 10.1

def suffix_right(app, entity_id, suffix):
    def command(entity):
        entity.foo = entity.foo + suffix

    return app.run_command(entity_id, command)


def suffix_placeholder(app, entity_id, suffix):
    raise NotImplementedError(PLACEHOLDER)


def suffix_reads_first(app, entity_id, suffix):
    new_foo = app.example_repository[entity_id].foo + suffix

    def command(entity):
        entity.foo = new_foo

    return app.run_command(entity_id, command)


def suffix_no_retry(app, entity_id, suffix):
    entity = app.example_repository[entity_id]
    with app.unit_of_work():
        entity.foo = entity.foo + suffix
    return 1


def suffix_returns_nothing(app, entity_id, suffix):
    suffix_right(app, entity_id, suffix)


def suffix_prefix(app, entity_id, suffix):
    def command(entity):
        entity.foo = suffix + entity.foo

    return app.run_command(entity_id, command)


def suffix_always_one(app, entity_id, suffix):
    suffix_right(app, entity_id, suffix)
    return 1


def test_add_suffix_placeholder(verdict, url):
    check_add_suffix(suffix_placeholder, url)
    assert verdict().startswith("✗ Exercise 10.1: " + NOT_DONE)


@pytest.mark.parametrize("answer, message", [
    (suffix_reads_first, "the other writer's change ('-alice') was lost: work out the new value inside the command"),
    (suffix_no_retry, "add_suffix raised ConcurrencyError: use app.run_command(entity_id, command)"),
    (suffix_returns_nothing, "with no other writer, add_suffix returned None, not 1"),
    (suffix_prefix, "with no other writer, foo became '-bobstart', not 'start-bob'"),
    (suffix_always_one, "after losing one race, add_suffix returned 1, not 2"),
], ids=lambda value: getattr(value, "__name__", "message"))
def test_add_suffix_wrong(verdict, url, answer, message):
    check_add_suffix(answer, url)
    line = verdict()
    assert line.startswith("✗ Exercise 10.1: ") and message in line, line


def test_add_suffix_right(verdict, url):
    assert check_add_suffix(suffix_right, url) is None
    assert verdict() == "✓ Exercise 10.1: add_suffix retries on the newer state, so no one's change is lost."


# Exercise 10.2

class OneEntityRight(UnitOfWork):
    def __exit__(self, exc_type, exc, tb):
        entity_ids = {event.originator_id for event in self.pending}
        if exc_type is None and len(entity_ids) > 1:
            unsubscribe(self.pending.append)
            raise ValueError("more than one entity")
        super().__exit__(exc_type, exc, tb)


class OneEntityPlaceholder(UnitOfWork):
    def __exit__(self, exc_type, exc, tb):
        raise NotImplementedError(PLACEHOLDER)


class OneEntityCountsEvents(UnitOfWork):
    def __exit__(self, exc_type, exc, tb):
        if exc_type is None and len(self.pending) > 1:
            unsubscribe(self.pending.append)
            raise ValueError("more than one event")
        super().__exit__(exc_type, exc, tb)


class OneEntityStaysSubscribed(UnitOfWork):
    def __exit__(self, exc_type, exc, tb):
        if exc_type is None and len({event.originator_id for event in self.pending}) > 1:
            raise ValueError("more than one entity")
        super().__exit__(exc_type, exc, tb)


class OneEntityStoresFirst(UnitOfWork):
    def __exit__(self, exc_type, exc, tb):
        super().__exit__(exc_type, exc, tb)
        if exc_type is None and len({event.originator_id for event in self.pending}) > 1:
            raise ValueError("more than one entity")


class OneEntityNeverRefuses(UnitOfWork):
    pass


class OneEntityStoresNothing(UnitOfWork):
    def __exit__(self, exc_type, exc, tb):
        unsubscribe(self.pending.append)
        if exc_type is None and len({event.originator_id for event in self.pending}) > 1:
            raise ValueError("more than one entity")


class OneEntityHidesErrors(OneEntityRight):
    def __exit__(self, exc_type, exc, tb):
        super().__exit__(exc_type, exc, tb)
        return True


def test_one_entity_placeholder(verdict, url):
    check_one_entity_unit_of_work(OneEntityPlaceholder, url)
    assert verdict().startswith("✗ Exercise 10.2: " + NOT_DONE)


@pytest.mark.parametrize("answer, message", [
    (OneEntityCountsEvents, "a command that changed one entity twice was refused: count the different originator_ids"),
    (OneEntityStaysSubscribed, "after refusing a command, the unit of work was still subscribed: unsubscribe before"),
    (OneEntityStoresFirst, "a refused command was stored anyway: raise ValueError before anything is appended."),
    (OneEntityNeverRefuses, "a command that created two entities was not refused"),
    (OneEntityStoresNothing, "a command that changed one entity stored [], not ['Created', 'AttributeChanged']"),
    (OneEntityHidesErrors, "an error raised by the command was hidden"),
], ids=lambda value: getattr(value, "__name__", "message"))
def test_one_entity_wrong(verdict, url, answer, message):
    check_one_entity_unit_of_work(answer, url)
    line = verdict()
    assert line.startswith("✗ Exercise 10.2: ") and message in line, line


def test_one_entity_right(verdict, url):
    assert check_one_entity_unit_of_work(OneEntityRight, url) is None
    assert verdict() == ("✓ Exercise 10.2: OneEntityUnitOfWork stores one entity's events together "
                               "and refuses a command that changes two.")


# Both checks tidy up after themselves.

@pytest.mark.parametrize("check, answer", [(check_add_suffix, suffix_right), (check_add_suffix, suffix_reads_first),
                                           (check_one_entity_unit_of_work, OneEntityRight),
                                           (check_one_entity_unit_of_work, OneEntityStoresFirst)])
def test_checks_leave_an_existing_table_as_they_found_it(verdict, lasting_url, check, answer):
    datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri=lasting_url))
    datastore.setup_connection()
    try:
        datastore.setup_table(SequencedItemRecord)
        session = datastore.session
        from uuid import uuid4

        session.add(SequencedItemRecord(sequence_id=uuid4(), position=0, topic="mine:Kept", data="{}"))
        session.commit()
        check(answer, lasting_url)
        verdict()
        assert [row.topic for row in session.scalars(select(SequencedItemRecord))] == ["mine:Kept"]
        session.commit()
    finally:
        datastore.close_connection()


@pytest.mark.parametrize("check, answer", [(check_add_suffix, suffix_right),
                                           (check_one_entity_unit_of_work, OneEntityPlaceholder)])
def test_checks_remove_the_table_they_made(verdict, lasting_url, check, answer):
    check(answer, lasting_url)
    verdict()
    datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri=lasting_url))
    datastore.setup_connection()
    try:
        assert not inspect(datastore.engine).has_table(SequencedItemRecord.__tablename__)
    finally:
        datastore.close_connection()
