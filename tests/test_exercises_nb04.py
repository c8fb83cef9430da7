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

FOO_CLEARED = "✗ Exercise 4.1: "
STATE_AT = "✗ Exercise 4.2: "
NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')` with your answer."
FITS = "a case must first check that the event fits the entity, as the other cases do."


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


def only_none_check(entity, event):
    if entity is None:
        raise ValueError("no entity")
    return no_order_check(entity, event)


def typo(entity, event):
    _check_can_apply(entity, event)
    entity._foo = entity.fooo
    return entity


def test_foo_cleared_placeholder(verdict):
    assert check_foo_cleared(make_mutator(placeholder), FooCleared) is None
    assert verdict() == FOO_CLEARED + NOT_DONE


@pytest.mark.parametrize(
    "case, message",
    [
        (None, "my_mutate has no case for FooCleared: a function becomes a case only when it is registered on the "
               "mutator, for its event class."),
        (no_version, "FooCleared at version 1 should leave the entity at version 2, but it is at version 1: "
                     "each event applied moves the version on by exactly one."),
        (returns_nothing, "the FooCleared case returned None: return the entity, so replay can carry on from it."),
        (uses_property, "applying FooCleared published an event, AttributeChanged: the mutator went through the "
                        "entity's property, which makes a new event. A mutator only changes state."),
        (no_order_check, "applying FooCleared to no entity (None) raised AttributeError, not ValueError: " + FITS),
        (only_none_check, "applying FooCleared at version 5 to an entity at version 1 should raise ValueError, "
                          "but it was applied: " + FITS),
        (typo, "when applying FooCleared at version 1 to an entity at version 1, your code raised AttributeError: "
               "'Example' object has no attribute 'fooo'"),
    ],
    ids=["not_registered", "no_version", "returns_nothing", "uses_property", "no_order_check", "only_none_check",
         "crash"],
)
def test_foo_cleared_wrong_answers(verdict, case, message):
    before = list(subscribers)
    check_foo_cleared(make_mutator(case), FooCleared)
    assert verdict() == FOO_CLEARED + message
    assert subscribers == before


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
    assert verdict() == FOO_CLEARED + (
        "FooCleared has a case in esnb's shared `mutate`, which every later notebook uses: give the case to your "
        "own mutator, my_mutate, and restart the kernel to clear the shared one."
    )


def test_foo_cleared_right(verdict):
    before = list(subscribers)
    check_foo_cleared(make_mutator(right), FooCleared)
    assert verdict() == "✓ Exercise 4.1: my_mutate empties foo, moves the version on, and refuses events out of order."
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
    assert verdict() == STATE_AT + NOT_DONE


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


def refuses_the_last(events, version):
    if version >= len(events):
        raise ValueError(f"no version {version}")
    return functools.reduce(mutate, events[:version], None)


def empty_reduce(events, version):
    if version > len(events):
        raise ValueError(version)
    if version == 0:
        return functools.reduce(mutate, [])
    return functools.reduce(mutate, events[:version], None)


def crashes(events, version):
    entity = functools.reduce(mutate, events[:version], None)
    entity.foo.cleared()
    return entity


@pytest.mark.parametrize(
    "state_at, message",
    [
        (off_by_one, "state_at(events, 1) returned an entity at version 2: version 1 is the state after the first "
                     "event, so apply only those."),
        (no_initial, "state_at(events, 1) returned the Created event, not an Example: a replay with no starting "
                     "state hands back the first event itself. Start from None, the state before the first event."),
        (no_value_error, "state_at(events, 5) on a history of 4 events returned None: version 5 does not exist yet, "
                         "so raise ValueError."),
        (index_error, "for state_at(events, 5) on a history of 4 events, your code raised IndexError: list index out "
                      "of range. Version 5 does not exist yet, so raise ValueError for it."),
        (cuts_the_list, "state_at changed the list of events it was given: leave the caller's history as it is, and "
                        "replay a part of it."),
        (refuses_the_last, "state_at(events, 4) on a history of 4 events raised ValueError: no version 4. "
                           "Version 4 exists, and it is None: the fourth event discards the entity."),
        (empty_reduce, "state_at(events, 0) raised TypeError: reduce() of empty iterable with no initial value. "
                       "A replay of no events needs a state to start from: the state before the first event, None."),
        (crashes, "for state_at(events, 1) on a history of 4 events, your code raised AttributeError: 'str' object "
                  "has no attribute 'cleared'"),
    ],
    ids=["off_by_one", "no_initial", "no_value_error", "index_error", "cuts_the_list", "refuses_the_last",
         "empty_reduce", "crashes"],
)
def test_state_at_wrong_answers(verdict, state_at, message):
    check_state_at(state_at)
    assert verdict() == STATE_AT + message


def test_state_at_right(verdict):
    check_state_at(state_at_right)
    assert verdict() == (
        "✓ Exercise 4.2: state_at replays the first N events, from None, and refuses versions that do not exist."
    )
