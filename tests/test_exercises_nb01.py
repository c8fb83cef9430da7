"""The checks of notebook 01's exercises: placeholder, plausible wrong answers, and a right answer."""

from itertools import pairwise
from typing import Any

import pytest

from esnb import DomainEvent
from esnb.exercises.nb01 import check_renamed, check_valid_history

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


NOT_DONE_LINE = "not done yet. Replace `raise NotImplementedError('your code here')` with your answer."
WITHOUT = ("Renamed(...) without `{}` should fail with TypeError: an event that leaves out a fact it records is a "
           "mistake, so both names are required, as AttributeChanged requires name and value.")
FULL_CALL = "Renamed(originator_id=..., originator_version=4, old_name='Ada', new_name='Grace')"


class Crashes(DomainEvent):
    def __init__(self, old_name: str, new_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.old_name = old_name.title
        self.new_name = new_name
        self.initials = new_name[0] + kwargs["middle_name"][0]


class NeedsOldOnly(DomainEvent):
    def __init__(self, old_name: str, new_name: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not new_name:
            raise ValueError("new_name is empty")
        self.old_name = old_name
        self.new_name = new_name


@pytest.mark.parametrize("answer, line", [
    (Placeholder, NOT_DONE_LINE),
    (NotAnEvent, "Renamed is not a DomainEvent: every event class of the course derives from DomainEvent, "
                 "which gives it its id, its version and its equality."),
    (BareSubclass, WITHOUT.format("old_name")),
    (Optional, WITHOUT.format("old_name")),
    (NoSuper, "the event's originator_id is not the one given: Renamed must hand the id and the version on to "
              "DomainEvent, as AttributeChanged does."),
    (Swapped, "`old_name` should be 'Ada', but it is 'Grace'."),
    (OnlyOld, WITHOUT.format("new_name")),
    (NeedsReason, f"{FULL_CALL} raised TypeError: NeedsReason.__init__() missing 1 required positional "
                  "argument: 'reason'"),
    (Crashes, f"{FULL_CALL} raised KeyError: 'middle_name'"),
    (NeedsOldOnly, "Renamed(...) without `new_name` raised ValueError: new_name is empty; it should fail with "
                   "TypeError, as a call that leaves out a required argument does."),
    (OwnEquality, "two Renamed events should be equal exactly when their attributes are, which is what "
                  "DomainEvent's equality does."),
    (lambda **kwargs: None, "Renamed should be a class, but it is a function."),
])
def test_renamed_wrong(answer, line, verdict):
    check_renamed(answer)
    assert verdict() == f"✗ Exercise 1.1: {line}"


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


def crashes_on_one_event(events):
    if not events:
        return True
    one_entity = events[0].originator_id == events[1].originator_id
    return one_entity and ignores_ids(events) and all(e.originator_id == events[0].originator_id for e in events)


def first_and_last_only(events):
    if not events:
        return True
    one_entity = all(e.originator_id == events[0].originator_id for e in events)
    return one_entity and events[0].originator_version == 0 and events[-1].originator_version == len(events) - 1


@pytest.mark.parametrize("answer, line", [
    (placeholder, NOT_DONE_LINE),
    (first_and_last_only, "it said True for versions [0, 2, 2], but version 1 is missing, and two events cannot "
                          "share a version."),
    (sorts_first, "it said True for versions [0, 2, 1], but the events must be in order."),
    (ignores_ids, "it said True for two events of two different entities: a history is the events of one "
                  "entity only."),
    (compares_neighbours, "it said True when the last event belongs to another entity: every event of a history "
                          "must belong to the same entity as the first."),
    (only_increasing, "it said True for versions [1, 2, 3], but a history starts at version 0."),
    (from_one, "it said False for versions [0, 1, 2] of one entity, a valid history."),
    (indexes_first, "for an empty list, your code raised IndexError: list index out of range. An empty list is a "
                    "valid history: nothing has happened yet."),
    (crashes_on_one_event, "for versions [0] of one entity, your code raised IndexError: list index out of range."),
    (returns_none, "is_valid_history should return True or False, but for versions [1, 2, 3] it returned None."),
])
def test_valid_history_wrong(answer, line, verdict):
    check_valid_history(answer)
    assert verdict() == f"✗ Exercise 1.2: {line}"


def test_valid_history_right(verdict):
    assert check_valid_history(right) is None
    assert verdict() == "✓ Exercise 1.2: is_valid_history accepts versions 0, 1, 2, … of one entity, and nothing else."
