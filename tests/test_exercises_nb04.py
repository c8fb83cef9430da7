"""The checks of notebook 04's exercises: placeholder, plausible wrong answers, and a right answer."""

from __future__ import annotations

import functools

import pytest

import esnb.course.domain
from esnb.course.domain import _check_can_apply, mutate
from esnb.course.events import DomainEvent
from esnb.course.mutators import mutator
from esnb.course.pubsub import subscribers
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb04 import check_foo_cleared, check_state_at


class FooCleared(DomainEvent):
    """The entity's foo was emptied."""


def make_mutator(case=None):
    """A learner's `my_mutate`, with `case` registered for FooCleared unless it is None."""

    @mutator
    def my_mutate(entity, event):
        return mutate(entity, event)

    if case is not None:
        my_mutate.register(FooCleared)(case)
    return my_mutate


def placeholder(entity, event):
    raise NotImplementedError(PLACEHOLDER)


def right(entity, event):
    _check_can_apply(entity, event)
    entity._foo = ""
    entity._version += 1
    return entity


def no_version(entity, event):
    _check_can_apply(entity, event)
    entity._foo = ""
    return entity


def returns_nothing(entity, event):
    _check_can_apply(entity, event)
    entity._foo = ""
    entity._version += 1


def uses_property(entity, event):
    _check_can_apply(entity, event)
    entity.foo = ""
    return entity


def no_order_check(entity, event):
    entity._foo = ""
    entity._version += 1
    return entity



def test_foo_cleared_placeholder(verdict):
    assert check_foo_cleared(make_mutator(placeholder), FooCleared) is None
    assert verdict().startswith("✗ Exercise 4.1: not done yet")


@pytest.mark.parametrize(
    "case, message",
    [
        (no_version, "should leave the entity at version 2, but it is at version 1"),
        (returns_nothing, "returned None: return the entity"),
        (uses_property, "published an event, AttributeChanged: a mutator only changes state"),
        (no_order_check, "to no entity (None) should raise ValueError"),
    ],
    ids=["no_version", "returns_nothing", "uses_property", "no_order_check"],
)
def test_foo_cleared_wrong_answers(verdict, case, message):
    before = list(subscribers)
    check_foo_cleared(make_mutator(case), FooCleared)
    line = verdict()
    assert line.startswith("✗ Exercise 4.1:") and message in line
    assert subscribers == before


def test_foo_cleared_out_of_order_without_the_none_case(verdict):
    def only_none_check(entity, event):
        if entity is None:
            raise ValueError("no entity")
        return no_order_check(entity, event)

    check_foo_cleared(make_mutator(only_none_check), FooCleared)
    assert "at version 5 to an entity at version 1 should raise ValueError" in verdict()


def test_foo_cleared_not_registered(verdict):
    check_foo_cleared(make_mutator(None), FooCleared)
    assert "my_mutate has no case for FooCleared" in verdict()


def test_foo_cleared_registered_on_the_shared_mutate(verdict, monkeypatch):
    @mutator
    def shared(entity, event):
        return mutate(entity, event)

    shared.register(FooCleared)(right)
    monkeypatch.setattr(esnb.course.domain, "mutate", shared)

    @mutator
    def my_mutate(entity, event):
        return shared(entity, event)

    check_foo_cleared(my_mutate, FooCleared)
    assert "FooCleared has a case in esnb's shared `mutate`" in verdict()


def test_foo_cleared_right(verdict):
    before = list(subscribers)
    check_foo_cleared(make_mutator(right), FooCleared)
    assert verdict().startswith("✓ Exercise 4.1:")
    assert subscribers == before
    assert FooCleared not in mutate.registry


def state_at_right(events, version):
    if version > len(events):
        raise ValueError(version)
    return functools.reduce(mutate, events[:version], None)


def test_state_at_placeholder(verdict):
    def state_at(events, version):
        raise NotImplementedError(PLACEHOLDER)

    check_state_at(state_at)
    assert verdict().startswith("✗ Exercise 4.2: not done yet")


def off_by_one(events, version):
    if version > len(events):
        raise ValueError(version)
    return functools.reduce(mutate, events[: version + 1], None)


def no_initial(events, version):
    if version > len(events):
        raise ValueError(version)
    return functools.reduce(mutate, events[:version])


def no_value_error(events, version):
    return functools.reduce(mutate, events[:version], None)


def index_error(events, version):
    events[version - 1]
    return functools.reduce(mutate, events[:version], None)


def cuts_the_list(events, version):
    if version > len(events):
        raise ValueError(version)
    del events[version:]
    return functools.reduce(mutate, events, None)


@pytest.mark.parametrize(
    "state_at, message",
    [
        (off_by_one, "state_at(events, 1) returned an entity at version 2: replay only events[:1]"),
        (no_initial, "state_at(events, 1) returned Created, not an Example"),
        (no_value_error, "state_at(events, 5) on a history of 4 events returned None"),
        (index_error, "raised IndexError: raise ValueError instead"),
        (cuts_the_list, "state_at changed the list of events it was given"),
    ],
    ids=["off_by_one", "no_initial", "no_value_error", "index_error", "cuts_the_list"],
)
def test_state_at_wrong_answers(verdict, state_at, message):
    check_state_at(state_at)
    line = verdict()
    assert line.startswith("✗ Exercise 4.2:") and message in line, line


def test_state_at_empty_reduce_gets_a_hint(verdict):
    def state_at(events, version):
        if version > len(events):
            raise ValueError(version)
        if version == 0:
            return functools.reduce(mutate, [])
        return functools.reduce(mutate, events[:version], None)

    check_state_at(state_at)
    assert "Start the replay from None" in verdict()


def test_state_at_right(verdict):
    check_state_at(state_at_right)
    assert verdict().startswith("✓ Exercise 4.2:")

