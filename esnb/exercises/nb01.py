"""Checks for the exercises of notebook 01 · Domain events."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any
from uuid import UUID, uuid4

from esnb.exercises import Wrong, report


def check_renamed(renamed_class: type) -> None:
    """Exercise 1.1: `Renamed` is a DomainEvent that needs `old_name` and `new_name`."""
    report("Exercise 1.1", lambda: _renamed(renamed_class))


def check_valid_history(is_valid_history: Callable[[Sequence[Any]], bool]) -> None:
    """Exercise 1.2: `is_valid_history(events)` accepts versions 0, 1, 2, … of one entity, and nothing else."""
    report("Exercise 1.2", lambda: _valid_history(is_valid_history))


def _renamed(renamed_class: type) -> str:
    if not isinstance(renamed_class, type):
        raise Wrong(f"Renamed should be a class, but it is a {type(renamed_class).__name__}.")
    if not any(base.__name__ == "DomainEvent" for base in renamed_class.__mro__[1:]):
        raise Wrong("Renamed is not a DomainEvent: write `class Renamed(DomainEvent):`.")
    entity_id = uuid4()
    try:
        event = renamed_class(originator_id=entity_id, originator_version=4, old_name="Ada", new_name="Grace")
    except TypeError as error:
        raise Wrong(f"Renamed(originator_id=..., originator_version=4, old_name='Ada', new_name='Grace') "
                    f"raised TypeError: {error}") from None
    for name, expected in [("originator_id", entity_id), ("originator_version", 4)]:
        if getattr(event, name, None) != expected:
            raise Wrong(f"the event's {name} is not the one given: pass the other keyword arguments "
                        "on with `super().__init__(**kwargs)`.")
    for name, expected in [("old_name", "Ada"), ("new_name", "Grace")]:
        if not hasattr(event, name):
            raise Wrong(f"the event has no attribute `{name}`: store it with `self.{name} = {name}`.")
        if getattr(event, name) != expected:
            raise Wrong(f"`{name}` should be {expected!r}, but it is {getattr(event, name)!r}.")
    for missing in ["old_name", "new_name"]:
        given = {"old_name": "Ada", "new_name": "Grace"}
        del given[missing]
        try:
            renamed_class(originator_id=entity_id, originator_version=4, **given)
        except TypeError:
            continue
        raise Wrong(f"Renamed(...) without `{missing}` should fail with TypeError: make old_name and new_name "
                    "required parameters of __init__, as AttributeChanged does with name and value.")
    same = renamed_class(originator_id=entity_id, originator_version=4, old_name="Ada", new_name="Grace")
    other = renamed_class(originator_id=entity_id, originator_version=4, old_name="Ada", new_name="Alan")
    if event != same or event == other:
        raise Wrong("two Renamed events should be equal exactly when their attributes are: "
                    "keep DomainEvent's __eq__ (do not define your own).")
    return "Renamed is a DomainEvent with the two names it needs."


def _event(originator_id: UUID, version: int) -> SimpleNamespace:
    """A stand-in event: the check only needs the two attributes every event has."""
    return SimpleNamespace(originator_id=originator_id, originator_version=version)


def _history(*versions: int, ids: Sequence[UUID] | None = None) -> list[SimpleNamespace]:
    entity_id = uuid4()
    return [_event(ids[index] if ids else entity_id, version) for index, version in enumerate(versions)]


def _valid_history(is_valid_history: Callable[[Sequence[Any]], bool]) -> str:
    def verdict(events: list[SimpleNamespace]) -> bool:
        answer = is_valid_history(events)
        if not isinstance(answer, bool):
            raise Wrong(f"is_valid_history should return True or False, but it returned {answer!r}.")
        return answer

    for versions in [(0, 1, 2), (0,), tuple(range(10))]:
        if not verdict(_history(*versions)):
            raise Wrong(f"it said False for versions {list(versions)} of one entity, a valid history.")
    try:
        empty = verdict([])
    except IndexError:
        raise Wrong("is_valid_history([]) raised IndexError: "
                    "an empty list is a valid history, so return True.") from None
    if not empty:
        raise Wrong("it said False for an empty list: nothing has happened yet, which is a valid history.")
    wrong_versions = [
        ((1, 2, 3), "a history starts at version 0"),
        ((0, 2, 3), "version 1 is missing"),
        ((0, 2, 1), "the events must be in order"),
        ((0, 1, 1), "two events cannot share a version"),
    ]
    for versions, why in wrong_versions:
        if verdict(_history(*versions)):
            raise Wrong(f"it said True for versions {list(versions)}, but {why}.")
    first, second = uuid4(), uuid4()
    if verdict(_history(0, 1, ids=[first, second])):
        raise Wrong("it said True for two events of two different entities: "
                    "every event must have the first event's originator_id.")
    if verdict(_history(0, 1, 2, ids=[first, first, second])):
        raise Wrong("it said True when the last event belongs to another entity: "
                    "compare the originator_id of every event.")
    return "is_valid_history accepts versions 0, 1, 2, … of one entity, and nothing else."
