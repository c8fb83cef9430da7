"""The checks of notebook 01's exercises: placeholder, plausible wrong answers, and a right answer."""

from itertools import pairwise
from typing import Any

import pytest

from esnb import DomainEvent
from esnb.exercises.nb01 import check_renamed, check_valid_history

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')`"



# Exercise 1.1

class Placeholder(DomainEvent):
    def __init__(self, **kwargs: Any) -> None:
        raise NotImplementedError("your code here")


class Right(DomainEvent):
    def __init__(self, old_name: str, new_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.old_name = old_name
        self.new_name = new_name


class NotAnEvent:
    def __init__(self, old_name: str, new_name: str, **kwargs: Any) -> None:
        self.__dict__.update(kwargs, old_name=old_name, new_name=new_name)


class BareSubclass(DomainEvent):
    pass


class NoSuper(DomainEvent):
    def __init__(self, old_name: str, new_name: str, **kwargs: Any) -> None:
        self.old_name = old_name
        self.new_name = new_name


class Swapped(DomainEvent):
    def __init__(self, old_name: str, new_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.old_name = new_name
        self.new_name = old_name


class OnlyOld(DomainEvent):
    def __init__(self, old_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.old_name = old_name


class NeedsReason(DomainEvent):
    def __init__(self, old_name: str, new_name: str, reason: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)


class Optional(DomainEvent):
    def __init__(self, old_name: str = "", new_name: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.old_name = old_name
        self.new_name = new_name


class OwnEquality(Right):
    def __eq__(self, other: object) -> bool:
        return isinstance(other, OwnEquality) and self.originator_id == other.originator_id


@pytest.mark.parametrize("answer, message", [
    (Placeholder, NOT_DONE),
    (NotAnEvent, "Renamed is not a DomainEvent: write `class Renamed(DomainEvent):`."),
    (BareSubclass, "Renamed(...) without `old_name` should fail with TypeError"),
    (Optional, "Renamed(...) without `old_name` should fail with TypeError"),
    (NoSuper, "the event's originator_id is not the one given: pass the other keyword arguments on with "
              "`super().__init__(**kwargs)`."),
    (Swapped, "`old_name` should be 'Ada', but it is 'Grace'."),
    (OnlyOld, "Renamed(...) without `new_name` should fail with TypeError"),
    (NeedsReason, "raised TypeError: NeedsReason.__init__() missing 1 required positional argument: 'reason'"),
    (OwnEquality, "two Renamed events should be equal exactly when their attributes are"),
    (lambda **kwargs: None, "Renamed should be a class, but it is a function."),
])
def test_renamed_wrong(answer, message, verdict):
    check_renamed(answer)
    line = verdict()
    assert line.startswith("✗ Exercise 1.1: ") and message in line, line


def test_renamed_right(verdict):
    assert check_renamed(Right) is None
    assert verdict() == "✓ Exercise 1.1: Renamed is a DomainEvent with the two names it needs."


# Exercise 1.2

def placeholder(events):
    raise NotImplementedError("your code here")


def right(events):
    return all(event.originator_id == events[0].originator_id and event.originator_version == position
               for position, event in enumerate(events))


def sorts_first(events):
    versions = sorted(event.originator_version for event in events)
    return versions == list(range(len(events))) and len({event.originator_id for event in events}) <= 1


def ignores_ids(events):
    return [event.originator_version for event in events] == list(range(len(events)))


def only_increasing(events):
    versions = [event.originator_version for event in events]
    return all(a < b for a, b in pairwise(versions))


def from_one(events):
    return [event.originator_version for event in events] == list(range(1, len(events) + 1))


def indexes_first(events):
    first = events[0].originator_id
    return all(e.originator_id == first and e.originator_version == i for i, e in enumerate(events))


def compares_neighbours(events):
    # wrong: compares the ids of the first two events only
    return ignores_ids(events) and (len(events) < 2 or events[0].originator_id == events[1].originator_id)


def returns_none(events):
    return True if right(events) else None


@pytest.mark.parametrize("answer, message", [
    (placeholder, NOT_DONE),
    (sorts_first, "it said True for versions [0, 2, 1], but the events must be in order."),
    (ignores_ids, "it said True for two events of two different entities"),
    (compares_neighbours, "it said True when the last event belongs to another entity"),
    (only_increasing, "it said True for versions [1, 2, 3], but a history starts at version 0."),
    (from_one, "it said False for versions [0, 1, 2] of one entity, a valid history."),
    (indexes_first, "is_valid_history([]) raised IndexError: an empty list is a valid history, so return True."),
    (returns_none, "is_valid_history should return True or False, but it returned None."),
])
def test_valid_history_wrong(answer, message, verdict):
    check_valid_history(answer)
    line = verdict()
    assert line.startswith("✗ Exercise 1.2: ") and message in line, line


def test_valid_history_right(verdict):
    assert check_valid_history(right) is None
    assert verdict().startswith("✓ Exercise 1.2: ")
