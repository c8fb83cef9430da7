"""The checks of notebook 09's exercises: placeholder, plausible wrong answers, and right answers.

They run on the configured database (SQLite in memory by default), in a scratch database of its own,
and must leave the course's subscriber list exactly as they found it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, ClassVar

import pytest

from esnb import ExampleApplication, subscribe, subscribers, unsubscribe
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb09 import check_event_counter, check_rename

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')`"


pytestmark = pytest.mark.usefixtures("subscribers_kept")


# Exercise 9.1

class CounterRight:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        subscribe(self.count_event)

    def count_event(self, event: Any) -> None:
        self.counts[type(event).__name__] = self.counts.get(type(event).__name__, 0) + 1

    def close(self) -> None:
        unsubscribe(self.count_event)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class CounterWithCounter(CounterRight):
    def __init__(self) -> None:
        self.counts = Counter()
        subscribe(self.count_event)


class CounterPlaceholder:
    def __init__(self) -> None:
        raise NotImplementedError(PLACEHOLDER)


class CounterNeverSubscribes(CounterRight):
    def __init__(self) -> None:
        self.counts = {}


class CounterByClass(CounterRight):
    def count_event(self, event: Any) -> None:
        self.counts[type(event)] = self.counts.get(type(event), 0) + 1


class CounterCloseDoesNothing(CounterRight):
    def close(self) -> None:
        pass


class CounterEnterReturnsNothing(CounterRight):
    def __enter__(self):
        pass


class CounterSharedCounts(CounterRight):
    shared: ClassVar[dict[str, int]] = {}

    def __init__(self) -> None:
        self.counts = CounterSharedCounts.shared
        subscribe(self.count_event)


class CounterExitDoesNotClose(CounterRight):
    def __exit__(self, *exc_info) -> None:
        pass


class CounterSwallows(CounterRight):
    def __exit__(self, *exc_info) -> bool:
        self.close()
        return True


def test_event_counter_placeholder(verdict):
    check_event_counter(CounterPlaceholder)
    assert verdict().startswith("✗ Exercise 9.1: " + NOT_DONE)


@pytest.mark.parametrize("answer, message", [
    (CounterNeverSubscribes, "a new EventCounter is not subscribed: call subscribe(...) in __init__."),
    (CounterByClass, "count under the class name, type(event).__name__."),
    (CounterCloseDoesNothing, "after close(), the counter was still subscribed: call unsubscribe(...) in close()."),
    (CounterEnterReturnsNothing, "`with EventCounter() as counter` gave None: return self from __enter__."),
    (CounterSharedCounts, "give each counter its own dict, in __init__."),
    (CounterExitDoesNotClose, "after the `with` block, the counter was still subscribed: call close() in __exit__."),
    (CounterSwallows, "an error raised inside the `with` block was hidden: __exit__ should return None."),
], ids=lambda value: getattr(value, "__name__", "message"))
def test_event_counter_wrong(verdict, answer, message):
    CounterSharedCounts.shared.clear()
    check_event_counter(answer)
    line = verdict()
    assert line.startswith("✗ Exercise 9.1: ") and message in line, line


@pytest.mark.parametrize("answer", [CounterRight, CounterWithCounter])
def test_event_counter_right(verdict, answer):
    assert check_event_counter(answer) is None
    assert verdict() == "✓ Exercise 9.1: EventCounter counts by class name, and a `with` block always unsubscribes it."


def test_event_counter_leaves_existing_subscribers(verdict):
    heard = []
    subscribe(heard.append)
    try:
        check_event_counter(CounterCloseDoesNothing)
        assert subscribers == [heard.append] and heard == []
    finally:
        unsubscribe(heard.append)
    verdict()


# Exercise 9.2

class RenameRight(ExampleApplication):
    def rename(self, entity_id, foo):
        entity = self.example_repository[entity_id]
        entity.foo = foo
        return entity.__version__


class RenamePlaceholder(ExampleApplication):
    def rename(self, entity_id, foo):
        raise NotImplementedError(PLACEHOLDER)


class RenameWithoutPublishing(ExampleApplication):
    def rename(self, entity_id, foo):
        entity = self.example_repository[entity_id]
        entity._foo = foo
        return entity.__version__ + 1


class RenameVersionBefore(ExampleApplication):
    def rename(self, entity_id, foo):
        entity = self.example_repository[entity_id]
        version = entity.__version__
        entity.foo = foo
        return version


class RenameReturnsEntity(ExampleApplication):
    def rename(self, entity_id, foo):
        entity = self.example_repository[entity_id]
        entity.foo = foo
        return entity


class RenameMakesNew(ExampleApplication):
    def rename(self, entity_id, foo):
        from esnb import create_new_example

        return create_new_example(foo=foo).__version__ + 1


class RenameHidesMissing(ExampleApplication):
    def rename(self, entity_id, foo):
        entity = self.example_repository.get_entity(entity_id)
        if entity is None:
            return None
        entity.foo = foo
        return entity.__version__


class RenameLeavesSubscriber(RenameRight):
    def rename(self, entity_id, foo):
        subscribe(lambda event: None)
        return super().rename(entity_id, foo)


def test_rename_placeholder(verdict, url):
    check_rename(RenamePlaceholder, url)
    assert verdict().startswith("✗ Exercise 9.2: " + NOT_DONE)


@pytest.mark.parametrize("answer, message", [
    (RenameWithoutPublishing, "after one rename, the stored events were ['Created'], not ['Created', "
                              "'AttributeChanged']"),
    (RenameVersionBefore, "rename returned 1 for an entity that is now at version 2: return `entity.__version__`"),
    (RenameReturnsEntity, "rename returned Example(id=UUID("),
    (RenameMakesNew, "the stored events were ['Created'], not"),
    (RenameHidesMissing, "renaming an id with no entity did not raise KeyError"),
], ids=lambda value: getattr(value, "__name__", "message"))
def test_rename_wrong(verdict, url, answer, message):
    check_rename(answer, url)
    line = verdict()
    assert line.startswith("✗ Exercise 9.2: ") and message in line, line


def test_rename_right(verdict, url):
    assert check_rename(RenameRight, url) is None
    assert verdict() == ("✓ Exercise 9.2: rename loads the entity, changes it through its own method, "
                               "and returns the new version.")


def test_rename_takes_out_a_subscriber_left_behind(verdict, url):
    check_rename(RenameLeavesSubscriber, url)
    assert verdict().startswith("✗ Exercise 9.2: ")
