"""The checks of notebook 10's exercises: placeholder, plausible wrong answers, and right answers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from esnb import ConcurrencyError, run_command
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb10 import check_add_suffix, check_edit_foo

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')`"

pytestmark = pytest.mark.usefixtures("subscribers_kept")


# Exercise 10.1

def suffix_right(app: Any, entity_id: UUID, suffix: str) -> int:
    def command(entity: Any) -> None:
        entity.foo = entity.foo + suffix

    return run_command(app, entity_id, command)


def suffix_placeholder(app: Any, entity_id: UUID, suffix: str) -> int:
    raise NotImplementedError(PLACEHOLDER)


def suffix_decided_outside(app: Any, entity_id: UUID, suffix: str) -> int:
    new_foo = app.example_repository[entity_id].foo + suffix

    def command(entity: Any) -> None:
        entity.foo = new_foo

    return run_command(app, entity_id, command)


def suffix_no_retry(app: Any, entity_id: UUID, suffix: str) -> int:
    entity = app.example_repository[entity_id]
    entity.foo = entity.foo + suffix
    app.save(entity)
    return 1


def suffix_never_saves(app: Any, entity_id: UUID, suffix: str) -> int:
    entity = app.example_repository[entity_id]
    entity.foo = entity.foo + suffix
    return 1


def suffix_returns_nothing(app: Any, entity_id: UUID, suffix: str) -> Any:
    suffix_right(app, entity_id, suffix)


def suffix_prefix(app: Any, entity_id: UUID, suffix: str) -> int:
    def command(entity: Any) -> None:
        entity.foo = suffix + entity.foo

    return run_command(app, entity_id, command)


def suffix_crashes(app: Any, entity_id: UUID, suffix: str) -> int:
    return run_command(app, entity_id, lambda entity: entity.append(suffix))


@pytest.mark.parametrize("answer, message", [
    (suffix_placeholder, NOT_DONE),
    (suffix_decided_outside, "when another writer saved first, their change ('-alice') was lost: each attempt must "
                             "work the new value out again, from the entity that attempt loaded."),
    (suffix_no_retry, "when another writer saved first, add_suffix raised ConcurrencyError: this command may simply "
                      "be tried again, from the entity as it is now."),
    (suffix_never_saves, "with no other writer, foo was still 'start': a change is stored only when the entity is "
                         "saved."),
    (suffix_returns_nothing, "with no other writer, add_suffix returned None, not 1"),
    (suffix_prefix, "with no other writer, foo became '-bobstart', not 'start-bob'."),
    (suffix_crashes, "with no other writer, your code raised AttributeError: 'Example' object has no attribute "
                     "'append'"),
])
def test_add_suffix_wrong(answer, message, url, verdict):
    check_add_suffix(answer, url)
    line = verdict()
    assert line.startswith("✗ Exercise 10.1: ") and message in line, line


def test_add_suffix_right(url, verdict):
    assert check_add_suffix(suffix_right, url) is None
    assert verdict() == "✓ Exercise 10.1: add_suffix retries on the newer state, so no one's change is lost."


# Exercise 10.2

def edit_right(app: Any, entity_id: UUID, foo: str, seen_version: int) -> int:
    entity = app.example_repository[entity_id]
    if entity.__version__ != seen_version:
        raise ConcurrencyError(f"you saw version {seen_version}, but it is at version {entity.__version__} now")
    entity.foo = foo
    app.save(entity)
    return int(entity.__version__)


def edit_placeholder(app: Any, entity_id: UUID, foo: str, seen_version: int) -> int:
    raise NotImplementedError(PLACEHOLDER)


def edit_blind(app: Any, entity_id: UUID, foo: str, seen_version: int) -> int:
    entity = app.example_repository[entity_id]
    entity.foo = foo
    app.save(entity)
    return int(entity.__version__)


def edit_with_retries(app: Any, entity_id: UUID, foo: str, seen_version: int) -> int:
    def command(entity: Any) -> None:
        entity.foo = foo

    run_command(app, entity_id, command)
    return int(app.example_repository[entity_id].__version__)


def edit_checks_then_retries(app: Any, entity_id: UUID, foo: str, seen_version: int) -> int:
    if app.example_repository[entity_id].__version__ != seen_version:
        raise ConcurrencyError(f"you saw version {seen_version}, but it has moved on to version {seen_version + 1}")
    return edit_with_retries(app, entity_id, foo, seen_version)


def edit_checks_one_copy_saves_another(app: Any, entity_id: UUID, foo: str, seen_version: int) -> int:
    if app.example_repository[entity_id].__version__ != seen_version:
        raise ConcurrencyError(f"you saw version {seen_version}, but it is at version {seen_version + 1} now")
    entity = app.example_repository[entity_id]
    entity.foo = foo
    app.save(entity)
    return int(entity.__version__)


def edit_checks_inside_run_command(app: Any, entity_id: UUID, foo: str, seen_version: int) -> int:
    def command(entity: Any) -> None:
        if entity.__version__ != seen_version:
            raise ConcurrencyError(f"you saw version {seen_version}, but it is at version {entity.__version__} now")
        entity.foo = foo

    run_command(app, entity_id, command)
    return seen_version + 1


def edit_vague_error(app: Any, entity_id: UUID, foo: str, seen_version: int) -> int:
    entity = app.example_repository[entity_id]
    if entity.__version__ != seen_version:
        raise ConcurrencyError("someone else changed it")
    entity.foo = foo
    app.save(entity)
    return int(entity.__version__)


def edit_value_error(app: Any, entity_id: UUID, foo: str, seen_version: int) -> int:
    entity = app.example_repository[entity_id]
    if entity.__version__ != seen_version:
        raise ValueError(f"you saw version {seen_version}, but it is at version {entity.__version__} now")
    return edit_right(app, entity_id, foo, seen_version)


def edit_never_saves(app: Any, entity_id: UUID, foo: str, seen_version: int) -> int:
    entity = app.example_repository[entity_id]
    entity.foo = foo
    return int(entity.__version__)


@pytest.mark.parametrize("answer, message", [
    (edit_placeholder, NOT_DONE),
    (edit_blind, "when Bob had seen version 2 but the entity was at version 3, edit_foo stored the edit over a "
                 "change Bob never saw."),
    (edit_with_retries, "when Bob had seen version 2 but the entity was at version 3, edit_foo stored the edit"),
    (edit_checks_then_retries, "when Alice saved a change just after edit_foo loaded the entity, edit_foo stored "
                               "Bob's edit over hers. A change can land after your version check: save the very copy "
                               "you checked, so the store refuses it, and let that refusal reach Bob."),
    (edit_checks_one_copy_saves_another, "when Alice saved a change just after edit_foo loaded the entity, edit_foo "
                                         "stored Bob's edit over hers."),
    (edit_checks_inside_run_command, "when Alice saved a change just after edit_foo loaded the entity, edit_foo "
                                     "loaded the entity 3 times: after a conflict, a person's edit is not tried "
                                     "again."),
    (edit_vague_error, "the ConcurrencyError said 'someone else changed it': say which version Bob saw and which it "
                       "is at now"),
    (edit_value_error, "when Bob had seen version 2 but the entity was at version 3, your code raised ValueError"),
    (edit_never_saves, "when the entity was still at the version Bob saw (2), foo stayed 'seen by Bob'"),
])
def test_edit_foo_wrong(answer, message, url, verdict):
    check_edit_foo(answer, url)
    line = verdict()
    assert line.startswith("✗ Exercise 10.2: ") and message in line, line


def test_edit_foo_right(url, verdict):
    assert check_edit_foo(edit_right, url) is None
    assert verdict() == ("✓ Exercise 10.2: edit_foo stores an edit only on the version Bob saw, and shows him every "
                         "conflict.")
