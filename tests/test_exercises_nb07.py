"""The checks of notebook 07's exercises: placeholder, plausible wrong answers, and a right answer."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb07 import check_last_version, check_read_new

pytestmark = pytest.mark.usefixtures("subscribers_kept")



def last_right(event_store: Any, entity_id: UUID) -> int | None:
    event = event_store.get_most_recent_event(entity_id)
    return None if event is None else event.originator_version


def last_placeholder(event_store: Any, entity_id: UUID) -> int | None:
    raise NotImplementedError(PLACEHOLDER)


def last_count(event_store: Any, entity_id: UUID) -> int | None:
    return len(event_store.get_domain_events(entity_id)) or None


def last_reads_all(event_store: Any, entity_id: UUID) -> int | None:
    events = event_store.get_domain_events(entity_id)
    return events[-1].originator_version if events else None


def last_no_none_case(event_store: Any, entity_id: UUID) -> int | None:
    return event_store.get_most_recent_event(entity_id).originator_version


def last_event(event_store: Any, entity_id: UUID) -> Any:
    return event_store.get_most_recent_event(entity_id)


def last_minus_one(event_store: Any, entity_id: UUID) -> int | None:
    event = event_store.get_most_recent_event(entity_id)
    return -1 if event is None else event.originator_version


def test_last_version_placeholder(verdict):
    check_last_version(last_placeholder)
    assert verdict().startswith("✗ Exercise 7.1: not done yet")


@pytest.mark.parametrize(
    "last_version, message",
    [
        (last_count, "last_version gave 5, but its last event is at position 4: positions start at 0"),
        (last_reads_all, "to find one event, your code read 5 from the store: "
                         "`event_store.get_most_recent_event(entity_id)` reads only the last one"),
        (last_no_none_case, "for an id with no events, your code raised AttributeError"),
        (last_event, "returned an object of type AttributeChanged: return a position, the event's "
                     "`originator_version`"),
        (last_minus_one, "for an id with no events, last_version should give None, but gave -1"),
    ],
    ids=["count", "reads_all", "no_none_case", "event", "minus_one"],
)
def test_last_version_wrong_answers(verdict, last_version, message):
    check_last_version(last_version)
    line = verdict()
    assert line.startswith("✗ Exercise 7.1:") and message in line, line


def test_last_version_right(verdict):
    check_last_version(last_right)
    assert verdict() == "✓ Exercise 7.1: last_version reads one event, and gives None for an id with no events."


def new_right(event_store: Any, last_seen: int) -> tuple[list[Any], int]:
    events = []
    for row_id, event in event_store.read_all(start=last_seen + 1):
        events.append(event)
        last_seen = row_id
    return events, last_seen


def new_placeholder(event_store: Any, last_seen: int) -> tuple[list[Any], int]:
    raise NotImplementedError(PLACEHOLDER)


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


def test_read_new_placeholder(verdict):
    check_read_new(new_placeholder)
    assert verdict().startswith("✗ Exercise 7.2: not done yet")


@pytest.mark.parametrize(
    "read_new, message",
    [
        (new_from_last_seen, "after id 2, read_new gave back the event with id 2 again: start reading from the id "
                             "after it"),
        (new_counted_id, "after id 0, read_new gave last_id=5, but the last event read has id 6: ids can skip numbers"),
        (new_none_when_empty, "when nothing is new, read_new should give last_seen back as last_id, but it gave None"),
        (new_pairs, "read_new gave (id, event) pairs"),
        (new_filters_everything, "to find 3 new events, your code read 5: let read_all start at the first new id"),
        (new_generator, "read_new gave its events as a generator: make them a list"),
    ],
    ids=["from_last_seen", "counted_id", "none_when_empty", "pairs", "filters_everything", "generator"],
)
def test_read_new_wrong_answers(verdict, read_new, message):
    check_read_new(read_new)
    line = verdict()
    assert line.startswith("✗ Exercise 7.2:") and message in line, line


def test_read_new_right(verdict):
    check_read_new(new_right)
    assert verdict() == "✓ Exercise 7.2: read_new carries on after the last id seen, reading only what is new."
