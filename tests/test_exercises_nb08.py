"""The checks of notebook 08's exercises: placeholder, plausible wrong answers, and a right answer."""

from __future__ import annotations

import functools
from typing import Any
from uuid import UUID

import pytest

from esnb.course.domain import mutate
from esnb.course.repository import EventSourcedRepository
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb08 import check_get_entity_as_of, check_history_repository

pytestmark = pytest.mark.usefixtures("subscribers_kept")



def as_of_right(repository: Any, entity_id: UUID, version: int) -> Any:
    events = repository.event_store.get_domain_events(entity_id, lt=version)
    entity = functools.reduce(repository.mutator_func, events, None)
    if entity is None or entity.__version__ != version:
        raise KeyError(entity_id)
    return entity


def as_of_placeholder(repository: Any, entity_id: UUID, version: int) -> Any:
    raise NotImplementedError(PLACEHOLDER)


def as_of_lte(repository: Any, entity_id: UUID, version: int) -> Any:
    events = repository.event_store.get_domain_events(entity_id, lte=version)
    entity = functools.reduce(repository.mutator_func, events, None)
    if entity is None:
        raise KeyError(entity_id)
    return entity


def as_of_none(repository: Any, entity_id: UUID, version: int) -> Any:
    events = repository.event_store.get_domain_events(entity_id, lt=version)
    return functools.reduce(repository.mutator_func, events, None)


def as_of_no_version_check(repository: Any, entity_id: UUID, version: int) -> Any:
    events = repository.event_store.get_domain_events(entity_id, lt=version)
    entity = functools.reduce(repository.mutator_func, events, None)
    if entity is None:
        raise KeyError(entity_id)
    return entity


def as_of_reads_all(repository: Any, entity_id: UUID, version: int) -> Any:
    events = repository.event_store.get_domain_events(entity_id)[:version]
    entity = functools.reduce(repository.mutator_func, events, None)
    if entity is None or entity.__version__ != version:
        raise KeyError(entity_id)
    return entity


def as_of_global_mutate(repository: Any, entity_id: UUID, version: int) -> Any:
    events = repository.event_store.get_domain_events(entity_id, lt=version)
    entity = functools.reduce(mutate, events, None)
    if entity is None or entity.__version__ != version:
        raise KeyError(entity_id)
    return entity


def as_of_current(repository: Any, entity_id: UUID, version: int) -> Any:
    return repository[entity_id]


def test_get_entity_as_of_placeholder(verdict):
    check_get_entity_as_of(as_of_placeholder)
    assert verdict().startswith("✗ Exercise 8.1: not done yet")


@pytest.mark.parametrize(
    "get_entity_as_of, message",
    [
        (as_of_lte, "gave the entity at version 2: positions start at 0, so read the events before position 1, with "
                    "lt=1"),
        (as_of_none, "asked for version 4 where the replay ends in None, because the entity was discarded, "
                     "get_entity_as_of returned None: raise KeyError(entity_id)"),
        (as_of_no_version_check, "asked for version 5 but the entity only ever reached version 2, "
                                 "get_entity_as_of returned the entity at version 2: raise KeyError"),
        (as_of_reads_all, "to rebuild version 1, your code read 4 events from the store: ask it only for the first 1, "
                          "with `get_domain_events(entity_id, lt=1)`"),
        (as_of_global_mutate, "your code did not replay with the repository's mutator"),
        (as_of_current, "get_entity_as_of(repository, entity_id, 1) raised KeyError, but the entity existed at "
                        "version 1"),
    ],
    ids=["lte", "none", "no_version_check", "reads_all", "global_mutate", "current"],
)
def test_get_entity_as_of_wrong_answers(verdict, get_entity_as_of, message):
    check_get_entity_as_of(get_entity_as_of)
    line = verdict()
    assert line.startswith("✗ Exercise 8.1:") and message in line, line


def test_get_entity_as_of_right(verdict):
    check_get_entity_as_of(as_of_right)
    assert verdict().startswith("✓ Exercise 8.1:")


class HistoryRight(EventSourcedRepository):
    def history(self, entity_id: UUID) -> list[tuple[int, str]]:
        return [(e.originator_version, type(e).__name__) for e in self.event_store.get_domain_events(entity_id)]


class HistoryPlaceholder(EventSourcedRepository):
    def history(self, entity_id: UUID) -> list[tuple[int, str]]:
        raise NotImplementedError(PLACEHOLDER)


class HistoryThroughEntity(EventSourcedRepository):
    def history(self, entity_id: UUID) -> list[tuple[int, str]]:
        entity = self[entity_id]
        return [(e.originator_version, type(e).__name__) for e in self.event_store.get_domain_events(entity.id)]


class HistorySwapped(EventSourcedRepository):
    def history(self, entity_id: UUID) -> list[tuple[str, int]]:
        return [(type(e).__name__, e.originator_version) for e in self.event_store.get_domain_events(entity_id)]


class HistoryFromOne(EventSourcedRepository):
    def history(self, entity_id: UUID) -> list[tuple[int, str]]:
        events = self.event_store.get_domain_events(entity_id)
        return [(number, type(e).__name__) for number, e in enumerate(events, start=1)]


class HistoryOfEvents(EventSourcedRepository):
    def history(self, entity_id: UUID) -> list[tuple[int, Any]]:
        return [(e.originator_version, e) for e in self.event_store.get_domain_events(entity_id)]


class HistoryGenerator(EventSourcedRepository):
    def history(self, entity_id: UUID) -> Any:
        return ((e.originator_version, type(e).__name__) for e in self.event_store.get_domain_events(entity_id))


class HistoryUnknownRaises(EventSourcedRepository):
    def history(self, entity_id: UUID) -> list[tuple[int, str]]:
        events = self.event_store.get_domain_events(entity_id)
        if not events:
            raise KeyError(entity_id)
        return [(e.originator_version, type(e).__name__) for e in events]


class NoHistory(EventSourcedRepository):
    pass


def test_history_placeholder(verdict):
    check_history_repository(HistoryPlaceholder)
    assert verdict().startswith("✗ Exercise 8.2: not done yet")


@pytest.mark.parametrize(
    "history_repository_class, message",
    [
        (HistoryThroughEntity, "history raised KeyError for a discarded entity: read its events from self.event_store"),
        (HistorySwapped, "put the position first, then the name: (0, 'Created')"),
        (HistoryFromOne, "positions start at 0. Use each event's originator_version"),
        (HistoryOfEvents, "history gave the events themselves in its pairs: use the class name"),
        (HistoryGenerator, "history returned a generator: return a list of (position, name) tuples"),
        (HistoryUnknownRaises, "history raised KeyError for an id with no events: its history is empty, so return []"),
        (NoHistory, "HistoryRepository has no method `history`"),
    ],
    ids=["through_entity", "swapped", "from_one", "of_events", "generator", "unknown_raises", "no_method"],
)
def test_history_wrong_answers(verdict, history_repository_class, message):
    check_history_repository(history_repository_class)
    line = verdict()
    assert line.startswith("✗ Exercise 8.2:") and message in line, line


def test_history_right(verdict):
    check_history_repository(HistoryRight)
    assert verdict().startswith("✓ Exercise 8.2:")
