"""The checks of notebook 09's exercises: placeholder, plausible wrong answers, and right answers.

They run on the configured database (SQLite in memory by default), in a scratch database of its own.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from esnb import ConcurrencyError, ExampleApplication
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb09 import check_rename, check_swap_foo

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')`"

pytestmark = pytest.mark.usefixtures("subscribers_kept")


# Exercise 9.1

def swap_right(app: Any, first_id: UUID, second_id: UUID) -> None:
    first, second = app.example_repository[first_id], app.example_repository[second_id]
    first.foo, second.foo = second.foo, first.foo
    app.save(first, second)


def swap_placeholder(app: Any, first_id: UUID, second_id: UUID) -> None:
    raise NotImplementedError(PLACEHOLDER)


def swap_never_saves(app: Any, first_id: UUID, second_id: UUID) -> None:
    first, second = app.example_repository[first_id], app.example_repository[second_id]
    first.foo, second.foo = second.foo, first.foo


def swap_two_saves(app: Any, first_id: UUID, second_id: UUID) -> None:
    first, second = app.example_repository[first_id], app.example_repository[second_id]
    first.foo, second.foo = second.foo, first.foo
    app.save(first)
    app.save(second)


def swap_two_saves_second_first(app: Any, first_id: UUID, second_id: UUID) -> None:
    first, second = app.example_repository[first_id], app.example_repository[second_id]
    first.foo, second.foo = second.foo, first.foo
    app.save(second)
    app.save(first)


def swap_swallows(app: Any, first_id: UUID, second_id: UUID) -> None:
    try:
        swap_right(app, first_id, second_id)
    except ConcurrencyError:
        pass


def swap_sequential(app: Any, first_id: UUID, second_id: UUID) -> None:
    first, second = app.example_repository[first_id], app.example_repository[second_id]
    first.foo = second.foo
    second.foo = first.foo
    app.save(first, second)


def swap_appends_by_hand(app: Any, first_id: UUID, second_id: UUID) -> None:
    first, second = app.example_repository[first_id], app.example_repository[second_id]
    first.foo, second.foo = second.foo, first.foo
    for entity in (first, second):
        app.event_store.append(entity.collect_events())


def swap_crashes(app: Any, first_id: UUID, second_id: UUID) -> None:
    app.repository[first_id]


@pytest.mark.parametrize("answer, message", [
    (swap_placeholder, NOT_DONE),
    (swap_never_saves, "after swap_foo, the stored values were still 'left' and 'right': a change stays pending in "
                       "the entity until the application saves it."),
    (swap_two_saves, "when another writer changed the second entity during your command, the stored values became "
                     "['right', 'right (changed by another writer)']: half of the swap was stored. The two changes "
                     "are one decision: store them so that either both go in, or neither."),
    (swap_two_saves_second_first, "when another writer changed the first entity during your command, the stored "
                                  "values became ['left (changed by another writer)', 'left']: half of the swap was "
                                  "stored."),
    (swap_appends_by_hand, "when another writer changed the second entity during your command, the stored values "
                           "became ['right', 'right (changed by another writer)']: half of the swap was stored."),
    (swap_swallows, "when another writer changed the first entity during your command, swap_foo returned normally: "
                    "its save must fail with ConcurrencyError, and that error must reach the caller"),
    (swap_sequential, "after swap_foo, the stored values were ['right', 'right'], not ['right', 'left']."),
    (swap_crashes, "with no other writer, your code raised AttributeError: 'ExampleApplication' object has no "
                   "attribute 'repository'"),
])
def test_swap_foo_wrong(answer, message, url, verdict):
    check_swap_foo(answer, url)
    line = verdict()
    assert line.startswith("✗ Exercise 9.1: ") and message in line, line


def test_swap_foo_right(url, verdict):
    assert check_swap_foo(swap_right, url) is None
    assert verdict() == ("✓ Exercise 9.1: swap_foo stores both changes in one atomic save, and a conflict on either "
                         "entity stores neither.")


# Exercise 9.2

class RenameRight(ExampleApplication):
    def rename(self, entity_id: UUID, foo: str) -> int:
        entity = self.example_repository[entity_id]
        entity.foo = foo
        self.save(entity)
        return entity.__version__


class RenamePlaceholder(ExampleApplication):
    def rename(self, entity_id: UUID, foo: str) -> int:
        raise NotImplementedError(PLACEHOLDER)


class RenameNeverSaves(ExampleApplication):
    def rename(self, entity_id: UUID, foo: str) -> int:
        entity = self.example_repository[entity_id]
        entity.foo = foo
        return entity.__version__


class RenameByHand(ExampleApplication):
    def rename(self, entity_id: UUID, foo: str) -> int:
        entity = self.example_repository[entity_id]
        entity.foo = foo
        self.event_store.append(entity.collect_events())
        return entity.__version__


class RenameVersionBefore(ExampleApplication):
    def rename(self, entity_id: UUID, foo: str) -> int:
        entity = self.example_repository[entity_id]
        version = entity.__version__
        entity.foo = foo
        self.save(entity)
        return version


class RenameHidesMissing(ExampleApplication):
    def rename(self, entity_id: UUID, foo: str) -> int:
        try:
            return RenameRight.rename(self, entity_id, foo)
        except KeyError:
            return 0


class RenameMakesNew(ExampleApplication):
    def rename(self, entity_id: UUID, foo: str) -> int:
        entity = self.create_new_example(foo)
        return entity.__version__


class RenameCrashes(ExampleApplication):
    def rename(self, entity_id: UUID, foo: str) -> int:
        return self.repository[entity_id]


@pytest.mark.parametrize("answer, message", [
    (RenamePlaceholder, NOT_DONE),
    (RenameNeverSaves, "after rename, the change was not stored: a change stays pending in the entity until the "
                       "application saves it."),
    (RenameByHand, "the application's followers heard 0 events, not the one change: save through the application"),
    (RenameVersionBefore, "rename returned 1 for an entity that is now at version 2"),
    (RenameHidesMissing, "renaming an id with no entity did not raise KeyError"),
    (RenameMakesNew, "after rename, the change was not stored"),
    (RenameCrashes, "renaming an entity at version 1, your code raised AttributeError: 'RenameCrashes' object has "
                    "no attribute 'repository'"),
])
def test_rename_wrong(answer, message, url, verdict):
    check_rename(answer, url)
    line = verdict()
    assert line.startswith("✗ Exercise 9.2: ") and message in line, line


def test_rename_right(url, verdict):
    assert check_rename(RenameRight, url) is None
    assert verdict() == ("✓ Exercise 9.2: rename stores the change through the application's save, and returns the "
                         "new version.")
