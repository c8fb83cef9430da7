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


def as_of_value_error(repository: Any, entity_id: UUID, version: int) -> Any:
    events = repository.event_store.get_domain_events(entity_id, lt=version)
    if len(events) < version:
        raise ValueError(version)
    entity = functools.reduce(repository.mutator_func, events, None)
    if entity is None:
        raise ValueError(version)
    return entity


def as_of_crashes(repository: Any, entity_id: UUID, version: int) -> Any:
    events = repository.event_store.get_domain_events(entity_id, lt=version)
    return functools.reduce(repository.mutator_func, events, None).fooo


AS_OF = "✗ Exercise 8.1: "
MISSING = ": the entity did not exist at that version, so raise KeyError, as repository[entity_id] does."


@pytest.mark.parametrize(
    "get_entity_as_of, message",
    [
        (as_of_placeholder, "not done yet. Replace `raise NotImplementedError('your code here')` with your answer."),
        (as_of_lte, "get_entity_as_of(repository, entity_id, 1) gave the entity at version 2: version 1 is built by "
                    "the event at position 0 alone, and your code also applied the one at position 1."),
        (as_of_none, "asked for version 4 of an entity that its fourth event discarded, get_entity_as_of returned None"
                     + MISSING),
        (as_of_no_version_check, "asked for version 5 of an entity that only ever reached version 2, get_entity_as_of "
                                 "returned the entity at version 2" + MISSING),
        (as_of_reads_all, "to rebuild version 1, your code read 4 events from the store: let the store leave out the "
                          "events that version does not need, so old versions stay cheap however long the history "
                          "grows."),
        (as_of_global_mutate, "your code did not replay with the repository's mutator: use the one it was given, "
                              "repository.mutator_func, since a repository may hold any kind of entity."),
        (as_of_current, "get_entity_as_of(repository, entity_id, 1) raised KeyError, but the entity existed at "
                        "version 1, with foo='a'."),
        (as_of_value_error, "for version 4 of an entity that its fourth event discarded, your code raised "
                            "ValueError: 4. A version the entity never had is like an id the repository does not know: "
                            "say so the way the repository does, with a KeyError."),
        (as_of_crashes, "for version 1 of an entity with 4 stored events, your code raised AttributeError: 'Example' "
                        "object has no attribute 'fooo'"),
    ],
    ids=["placeholder", "lte", "none", "no_version_check", "reads_all", "global_mutate", "current", "value_error",
         "crashes"],
)
def test_get_entity_as_of_wrong_answers(verdict, get_entity_as_of, message):
    check_get_entity_as_of(get_entity_as_of)
    assert verdict() == AS_OF + message


def test_get_entity_as_of_right(verdict):
    check_get_entity_as_of(as_of_right)
    assert verdict() == (
        "✓ Exercise 8.1: get_entity_as_of reads only the events it needs and rebuilds any earlier version."
    )


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


class HistoryOfClasses(EventSourcedRepository):
    def history(self, entity_id: UUID) -> list[tuple[int, Any]]:
        return [(e.originator_version, type(e)) for e in self.event_store.get_domain_events(entity_id)]


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


class HistoryCrashes(EventSourcedRepository):
    def history(self, entity_id: UUID) -> list[tuple[int, str]]:
        return [(e.originator_version, e.name) for e in self.event_store.get_domain_events(entity_id)]


HISTORY = "✗ Exercise 8.2: "


@pytest.mark.parametrize(
    "history_repository_class, message",
    [
        (HistoryPlaceholder, "not done yet. Replace `raise NotImplementedError('your code here')` with your answer."),
        (HistoryThroughEntity, "history raised KeyError for a discarded entity: the repository's lookup treats a "
                               "discarded entity as gone, but all its events are still stored, and they are its "
                               "history."),
        (HistorySwapped, "history gave [('Created', 0), ('AttributeChanged', 1), ('Discarded', 2)]: put the position "
                         "first, then the name: (0, 'Created')."),
        (HistoryFromOne, "history gave [(1, 'Created'), (2, 'AttributeChanged'), (3, 'Discarded')]: an event's "
                         "position is the version it was applied at, so the first event is at 0."),
        (HistoryOfEvents, "history gave the events themselves in its pairs: give each event's class name, such as "
                          "'Created'."),
        (HistoryOfClasses, "history gave the event classes in its pairs: give each class's name, a str such as "
                           "'Created'."),
        (HistoryGenerator, "history returned a generator: return a list of (position, name) tuples."),
        (HistoryUnknownRaises, "history raised KeyError for an id with no events: its history is empty, so return []."),
        (NoHistory, "HistoryRepository has no method called history: add it to the class."),
        (HistoryCrashes, "for an entity that was created, changed once and discarded, your code raised "
                         "AttributeError: 'Created' object has no attribute 'name'"),
    ],
    ids=["placeholder", "through_entity", "swapped", "from_one", "of_events", "of_classes", "generator",
         "unknown_raises",
         "no_method", "crashes"],
)
def test_history_wrong_answers(verdict, history_repository_class, message):
    check_history_repository(history_repository_class)
    assert verdict() == HISTORY + message


def test_history_right(verdict):
    check_history_repository(HistoryRight)
    assert verdict() == (
        "✓ Exercise 8.2: history lists every stored event by position and name, discarded entities included."
    )
