"""The checks of notebook 07's exercises: placeholder, plausible wrong answers, and a right answer."""

from __future__ import annotations

from typing import Any

import pytest

from esnb import AttributeChanged, ConcurrencyError, subscribe, unsubscribe
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb07 import check_read_new, check_rename_all

pytestmark = pytest.mark.usefixtures("subscribers_kept")


# Exercise 7.1


def rename(entity: Any, new_foo: str, version: int | None = None) -> AttributeChanged:
    version = entity.__version__ if version is None else version
    return AttributeChanged(originator_id=entity.id, originator_version=version, name="foo", value=new_foo)


def rename_right(event_store: Any, entities: list[Any], new_foo: str) -> None:
    event_store.append([rename(entity, new_foo) for entity in entities])


def rename_through_the_entities(event_store: Any, entities: list[Any], new_foo: str) -> None:
    """Right too: the entities make the events, a subscriber collects them, and one append stores them."""
    events: list[Any] = []
    subscribe(events.append)
    try:
        for entity in entities:
            entity.foo = new_foo
    finally:
        unsubscribe(events.append)
    event_store.append(events)


def rename_placeholder(event_store: Any, entities: list[Any], new_foo: str) -> None:
    raise NotImplementedError(PLACEHOLDER)


def rename_one_by_one(event_store: Any, entities: list[Any], new_foo: str) -> None:
    for entity in entities:
        event_store.append(rename(entity, new_foo))


def rename_one_by_one_backwards(event_store: Any, entities: list[Any], new_foo: str) -> None:
    for entity in reversed(entities):
        event_store.append(rename(entity, new_foo))


def rename_the_others_anyway(event_store: Any, entities: list[Any], new_foo: str) -> None:
    for entity in entities:
        try:
            event_store.append(rename(entity, new_foo))
        except ConcurrencyError:
            continue


def rename_hiding_the_refusal(event_store: Any, entities: list[Any], new_foo: str) -> None:
    try:
        rename_right(event_store, entities, new_foo)
    except ConcurrencyError:
        pass


def rename_next_version(event_store: Any, entities: list[Any], new_foo: str) -> None:
    event_store.append([rename(entity, new_foo, entity.__version__ + 1) for entity in entities])


def rename_last_version(event_store: Any, entities: list[Any], new_foo: str) -> None:
    event_store.append([rename(entity, new_foo, entity.__version__ - 1) for entity in entities])


def rename_in_memory_only(event_store: Any, entities: list[Any], new_foo: str) -> None:
    for entity in entities:
        entity.foo = new_foo


def rename_wrong_attribute(event_store: Any, entities: list[Any], new_foo: str) -> None:
    event_store.append([AttributeChanged(originator_id=entity.id, originator_version=entity.__version__,
                                         name="bar", value=new_foo) for entity in entities])


def rename_some_other_value(event_store: Any, entities: list[Any], new_foo: str) -> None:
    event_store.append([rename(entity, new_foo if number < 2 else new_foo.upper())
                        for number, entity in enumerate(entities)])


def rename_crashes(event_store: Any, entities: list[Any], new_foo: str) -> None:
    event_store.append([rename(entity, new_foo) for entity in entities[0]])


def test_rename_all_placeholder(verdict):
    check_rename_all(rename_placeholder)
    assert verdict().startswith("✗ Exercise 7.1: not done yet")


ALL_OR_NOTHING = ("so its rename was refused, yet 1 of the others was renamed: the renames must be stored all "
                  "together, or not at all.")


@pytest.mark.parametrize(
    "rename_all, message",
    [
        (rename_one_by_one, ALL_OR_NOTHING),
        (rename_one_by_one_backwards, ALL_OR_NOTHING),
        (rename_the_others_anyway, "yet 2 of the others were renamed: the renames must be stored all together"),
        (rename_hiding_the_refusal, "but rename_all returned as if all went well: let the ConcurrencyError reach the "
                                    "caller."),
        (rename_next_version, "for three entities and no other writer, the store refused your events: they would "
                              "leave a gap in a sequence. An entity's version counts the events stored for it"),
        (rename_last_version, "for three entities and no other writer, the store refused a position as taken"),
        (rename_in_memory_only, "for three entities and no other writer, nothing was stored: the renames must reach "
                                "the event store."),
        (rename_wrong_attribute, "for three entities and no other writer, events were stored, yet the entities' foo "
                                 "is still ['old', 'older', 'older'], not ['new', 'new', 'new']: which attribute do "
                                 "your events change?"),
        (rename_some_other_value, "for three entities and no other writer, the entities' foo values are "
                                  "['new', 'new', 'NEW'], not ['new', 'new', 'new']."),
        (rename_crashes, "for three entities and no other writer, your code raised TypeError: "),
    ],
    ids=["one_by_one", "one_by_one_backwards", "others_anyway", "hiding_the_refusal", "next_version",
         "last_version", "in_memory_only", "wrong_attribute", "some_other_value", "crashes"],
)
def test_rename_all_wrong_answers(verdict, rename_all, message):
    check_rename_all(rename_all)
    line = verdict()
    assert line.startswith("✗ Exercise 7.1:") and message in line, line


@pytest.mark.parametrize("rename_all", [rename_right, rename_through_the_entities])
def test_rename_all_right(verdict, rename_all):
    check_rename_all(rename_all)
    assert verdict() == ("✓ Exercise 7.1: rename_all renames every entity, or none: when one position was taken, "
                         "nothing was stored.")


# Exercise 7.2


def new_right(event_store: Any, last_seen: int) -> tuple[list[Any], int]:
    events = []
    for row_id, event in event_store.read_all(start=last_seen + 1):
        events.append(event)
        last_seen = row_id
    return events, last_seen


def new_placeholder(event_store: Any, last_seen: int) -> tuple[list[Any], int]:
    raise NotImplementedError(PLACEHOLDER)


def new_crashes_when_empty(event_store: Any, last_seen: int) -> tuple[list[Any], int]:
    pairs = list(event_store.read_all(start=last_seen + 1))
    return [event for _, event in pairs], pairs[-1][0]


def new_from_last_seen(event_store: Any, last_seen: int) -> tuple[list[Any], int]:
    events = []
    for row_id, event in event_store.read_all(start=last_seen):
        events.append(event)
        last_seen = row_id
    return events, last_seen


def new_counted_id(event_store: Any, last_seen: int) -> tuple[list[Any], int]:
    events = [event for _, event in event_store.read_all(start=last_seen + 1)]
    return events, last_seen + len(events)


def new_none_when_empty(event_store: Any, last_seen: int) -> tuple[list[Any], Any]:
    pairs = list(event_store.read_all(start=last_seen + 1))
    return [event for _, event in pairs], (pairs[-1][0] if pairs else None)


def new_pairs(event_store: Any, last_seen: int) -> tuple[list[Any], int]:
    pairs = list(event_store.read_all(start=last_seen + 1))
    return pairs, (pairs[-1][0] if pairs else last_seen)


def new_filters_everything(event_store: Any, last_seen: int) -> tuple[list[Any], int]:
    events = []
    for row_id, event in event_store.read_all():
        if row_id > last_seen:
            events.append(event)
            last_seen = row_id
    return events, last_seen


def new_generator(event_store: Any, last_seen: int) -> tuple[Any, int]:
    pairs = list(event_store.read_all(start=last_seen + 1))
    return (event for _, event in pairs), (pairs[-1][0] if pairs else last_seen)


def new_zero_when_nothing_new(event_store: Any, last_seen: int) -> tuple[list[Any], int]:
    pairs = list(event_store.read_all(start=last_seen + 1))
    return [event for _, event in pairs], (pairs[-1][0] if pairs else 0)


def test_read_new_placeholder(verdict):
    check_read_new(new_placeholder)
    assert verdict().startswith("✗ Exercise 7.2: not done yet")


@pytest.mark.parametrize(
    "read_new, message",
    [
        (new_crashes_when_empty, "for an empty store (last_seen=0), your code raised IndexError: "
                                 "list index out of range"),
        (new_from_last_seen, "after row id 2, read_new gave back the event with row id 2 again: the reader has "
                             "handled that one already, so reading starts after it."),
        (new_counted_id, "after row id 0, read_new gave last_id=5, but the last event read has row id 6: row ids can "
                         "skip numbers, so take the row id that read_all gives with the event."),
        (new_none_when_empty, "for an empty store (last_seen=0), read_new should give ([], 0), but gave ([], None)"),
        (new_zero_when_nothing_new, "after the last row id (last_seen=6), read_new should give last_seen back as "
                                    "last_id, but it gave 0"),
        (new_pairs, "read_new gave (id, event) pairs"),
        (new_filters_everything, "to find 3 new events, your code read 5: let the store skip the events the reader "
                                 "has seen"),
        (new_generator, "read_new gave its events as a generator: make them a list"),
    ],
    ids=["crashes_when_empty", "from_last_seen", "counted_id", "none_when_empty", "zero_when_nothing_new", "pairs",
         "filters_everything", "generator"],
)
def test_read_new_wrong_answers(verdict, read_new, message):
    check_read_new(read_new)
    line = verdict()
    assert line.startswith("✗ Exercise 7.2:") and message in line, line


def test_read_new_right(verdict):
    check_read_new(new_right)
    assert verdict() == "✓ Exercise 7.2: read_new carries on after the last row id seen, reading only what is new."
