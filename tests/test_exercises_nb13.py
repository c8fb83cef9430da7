"""The checks of notebook 13's exercises: placeholder, plausible wrong answers, and right answers."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

import pytest

from esnb import last_stored_id, wait_for
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb13 import check_count_change, check_rename_and_read, read_change_count, write_change_count

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')`"

pytestmark = pytest.mark.usefixtures("subscribers_kept")


# Exercise 13.1

def count_right(connection: Any, event: Any) -> None:
    changes, last_version = read_change_count(connection, event.originator_id)
    if event.originator_version > last_version:
        write_change_count(connection, event.originator_id, changes + 1, event.originator_version)


def count_placeholder(connection: Any, event: Any) -> None:
    raise NotImplementedError(PLACEHOLDER)


def count_always(connection: Any, event: Any) -> None:
    changes, _ = read_change_count(connection, event.originator_id)
    write_change_count(connection, event.originator_id, changes + 1, event.originator_version)


def count_unless_same_as_last(connection: Any, event: Any) -> None:
    changes, last_version = read_change_count(connection, event.originator_id)
    if event.originator_version != last_version:
        write_change_count(connection, event.originator_id, changes + 1, event.originator_version)


def count_at_or_above(connection: Any, event: Any) -> None:
    changes, last_version = read_change_count(connection, event.originator_id)
    if event.originator_version >= last_version:
        write_change_count(connection, event.originator_id, changes + 1, event.originator_version)


def count_keeping_the_old_version(connection: Any, event: Any) -> None:
    changes, last_version = read_change_count(connection, event.originator_id)
    if event.originator_version > last_version:
        write_change_count(connection, event.originator_id, changes + 1, last_version)


SEEN: set[tuple[UUID, int]] = set()


def count_remembered_in_memory(connection: Any, event: Any) -> None:
    key = (event.originator_id, event.originator_version)
    if key not in SEEN:
        SEEN.add(key)
        changes, _ = read_change_count(connection, event.originator_id)
        write_change_count(connection, event.originator_id, changes + 1, event.originator_version)


def count_only_the_next_version(connection: Any, event: Any) -> None:
    changes, last_version = read_change_count(connection, event.originator_id)
    if event.originator_version == last_version + 1:
        write_change_count(connection, event.originator_id, changes + 1, event.originator_version)


def count_never_written(connection: Any, event: Any) -> None:
    changes, last_version = read_change_count(connection, event.originator_id)
    if event.originator_version > last_version:
        changes += 1


def count_unpacks_three(connection: Any, event: Any) -> None:
    changes, last_version, seen = read_change_count(connection, event.originator_id)  # type: ignore[misc]
    if event.originator_version > last_version and not seen:
        write_change_count(connection, event.originator_id, changes + 1, event.originator_version)


@pytest.mark.parametrize("answer, message", [
    (count_placeholder, NOT_DONE),
    (count_always, "when the same change came twice in a row, the count became 4, not 3: the second copy was counted "
                   "again. The table must tell you which changes are counted already, and a change it covers must "
                   "change nothing."),
    (count_unless_same_as_last, "when an old change (version 1) came again after version 3, the count became 4, not 3: "
                                "the old copy was counted again."),
    (count_at_or_above, "when the same change came twice in a row, the count became 4, not 3"),
    (count_keeping_the_old_version, "when the same change came twice in a row, the count became 4, not 3"),
    (count_remembered_in_memory, "when a crash rolled back the transaction of change 2, and change 2 came again, the "
                                 "count became 1, not 2: the rolled-back change was never counted. What was counted "
                                 "must be recorded in the table, in the same transaction as the count, not in "
                                 "Python's memory."),
    (count_only_the_next_version, "when version 2 changed another attribute, so the changes of foo came as versions "
                                  "1 and 3, the count became 1, not 2: version 3 was not counted. Versions skip the "
                                  "numbers of changes to other attributes"),
    (count_never_written, "when each change came once, the count stayed 0: store the new count with "
                          "write_change_count."),
    (count_unpacks_three, "when each change came once, your code raised ValueError: not enough values to unpack"),
])
def test_count_change_wrong(answer, message, url, verdict):
    check_count_change(answer, url)
    line = verdict()
    assert line.startswith("✗ Exercise 13.1: ") and message in line, line


def test_count_change_right(url, verdict):
    assert check_count_change(count_right, url) is None
    assert verdict() == ("✓ Exercise 13.1: count_change counts each change once: repeats, old copies and rolled-back "
                         "transactions change nothing.")


def test_count_change_leaves_no_table_behind(url, verdict):
    from sqlalchemy import create_engine, inspect

    check_count_change(count_right, url)
    verdict()
    if "memory" not in url:
        engine = create_engine(url)
        try:
            assert "exercise_change_counts" not in inspect(engine).get_table_names()
        finally:
            engine.dispose()


# Exercise 13.2

def rename(app: Any, entity_id: UUID, foo: str) -> None:
    entity = app.example_repository[entity_id]
    entity.foo = foo
    app.save(entity)


def read_right(app: Any, projection: Any, entity_id: UUID, foo: str) -> dict[str, int]:
    rename(app, entity_id, foo)
    wait_for(projection, last_stored_id(app.event_store), timeout=2)
    counts: dict[str, int] = projection.read_model.counts()
    return counts


def read_placeholder(app: Any, projection: Any, entity_id: UUID, foo: str) -> dict[str, int]:
    raise NotImplementedError(PLACEHOLDER)


def read_without_waiting(app: Any, projection: Any, entity_id: UUID, foo: str) -> dict[str, int]:
    rename(app, entity_id, foo)
    counts: dict[str, int] = projection.read_model.counts()
    return counts


def read_after_a_sleep(app: Any, projection: Any, entity_id: UUID, foo: str) -> dict[str, int]:
    rename(app, entity_id, foo)
    time.sleep(0.3)
    counts: dict[str, int] = projection.read_model.counts()
    return counts


def read_waiting_for_the_version(app: Any, projection: Any, entity_id: UUID, foo: str) -> dict[str, int]:
    rename(app, entity_id, foo)
    wait_for(projection, app.example_repository[entity_id].__version__, timeout=2)
    counts: dict[str, int] = projection.read_model.counts()
    return counts


def read_waiting_for_the_last_change_version(app: Any, projection: Any, entity_id: UUID, foo: str) -> dict[str, int]:
    rename(app, entity_id, foo)
    wait_for(projection, app.example_repository[entity_id].__version__ - 1, timeout=2)
    counts: dict[str, int] = projection.read_model.counts()
    return counts


def read_waiting_for_the_id_before_the_save(app: Any, projection: Any, entity_id: UUID, foo: str) -> dict[str, int]:
    before = last_stored_id(app.event_store)
    rename(app, entity_id, foo)
    wait_for(projection, before, timeout=2)
    counts: dict[str, int] = projection.read_model.counts()
    return counts


def read_waiting_past_the_end(app: Any, projection: Any, entity_id: UUID, foo: str) -> dict[str, int]:
    rename(app, entity_id, foo)
    wait_for(projection, last_stored_id(app.event_store) + 1, timeout=0.3)
    counts: dict[str, int] = projection.read_model.counts()
    return counts


def read_with_a_short_wait(app: Any, projection: Any, entity_id: UUID, foo: str) -> dict[str, int]:
    rename(app, entity_id, foo)
    wait_for(projection, last_stored_id(app.event_store), timeout=0.01)
    counts: dict[str, int] = projection.read_model.counts()
    return counts


def read_running_the_projection(app: Any, projection: Any, entity_id: UUID, foo: str) -> dict[str, int]:
    rename(app, entity_id, foo)
    projection.catch_up()
    counts: dict[str, int] = projection.read_model.counts()
    return counts


def read_never_saving(app: Any, projection: Any, entity_id: UUID, foo: str) -> dict[str, int]:
    app.example_repository[entity_id].foo = foo
    wait_for(projection, last_stored_id(app.event_store), timeout=2)
    counts: dict[str, int] = projection.read_model.counts()
    return counts


def read_returning_nothing(app: Any, projection: Any, entity_id: UUID, foo: str) -> Any:
    rename(app, entity_id, foo)
    wait_for(projection, last_stored_id(app.event_store), timeout=2)


@pytest.mark.parametrize("answer, message", [
    (read_placeholder, NOT_DONE),
    (read_without_waiting, "when the projection was behind, you read the counts when the projection had got to event "
                           "0, before your rename, event 6: wait until it has processed your command's events, then "
                           "read."),
    (read_after_a_sleep, "you read the counts when the projection had got to event 0, before your rename, event 6"),
    (read_waiting_for_the_version, "when the projection was behind, you read the counts when the projection had got "
                                   "to event 2, before your rename, event 6. Which id did you wait for? An entity's "
                                   "version counts the events of that entity only: it is not an id in the log, which "
                                   "counts the events of every entity."),
    (read_waiting_for_the_last_change_version, "had got to event 1, before your rename, event 6. Which id did you wait "
                                               "for? An entity's version"),
    (read_waiting_for_the_id_before_the_save, "you read the counts when the projection had got to event 5, before "
                                              "your rename, event 6: wait until it has processed your command's "
                                              "events, then read."),
    (read_waiting_past_the_end, "when the projection was behind, you waited for event 7, but the log ends at event 6: "
                                "the command's events are at or before the last id stored right after the save."),
    (read_with_a_short_wait, "when the projection was behind, your wait ran out after 0.01 s, with the projection at "
                             "event "),
    (read_running_the_projection, "when the projection was behind, your code raised AttributeError: "
                                  "'_RunningElsewhere' object has no attribute 'catch_up'. The projection runs "
                                  "elsewhere: you can ask how far it has got, and read its read model."),
    (read_never_saving, "when the projection was behind, the entity's foo is still 'apple' in the store: save the "
                        "change, then wait for it."),
    (read_returning_nothing, "when the projection was behind, rename_and_read returned None, not {'fig': 1, 'pear': 2, "
                             "'plum': 2}: return projection.read_model.counts(), read once the wait is over."),
])
def test_rename_and_read_wrong(answer, message, url, verdict):
    check_rename_and_read(answer, url)
    line = verdict()
    assert line.startswith("✗ Exercise 13.2: ") and message in line, line


def test_rename_and_read_right(url, verdict):
    assert check_rename_and_read(read_right, url) is None
    assert verdict() == ("✓ Exercise 13.2: rename_and_read waits for the command's own events, so the screen shows "
                         "the rename.")


def test_rename_and_read_uses_its_own_database_in_memory_by_default(verdict):
    assert check_rename_and_read(read_right) is None
    assert verdict().startswith("✓ Exercise 13.2")
