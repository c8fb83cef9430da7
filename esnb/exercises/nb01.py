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


def _make(renamed_class: type, shown: str, **kwargs: Any) -> Any:
    """A Renamed made with these arguments; what went wrong, said with the call that did it."""
    try:
        return renamed_class(**kwargs)
    except NotImplementedError:
        raise
    except Exception as error:
        raise Wrong(f"{shown} raised {type(error).__name__}: {error}") from None


def _renamed(renamed_class: type) -> str:
    if not isinstance(renamed_class, type):
        raise Wrong(f"Renamed should be a class, but it is a {type(renamed_class).__name__}.")
    if not any(base.__name__ == "DomainEvent" for base in renamed_class.__mro__[1:]):
        raise Wrong("Renamed is not a DomainEvent: every event class of the course derives from DomainEvent, "
                    "which gives it its id, its version and its equality.")
    entity_id = uuid4()
    full = "Renamed(originator_id=..., originator_version=4, old_name='Ada', new_name='Grace')"
    event = _make(renamed_class, full, originator_id=entity_id, originator_version=4,
                  old_name="Ada", new_name="Grace")
    for name, expected in [("originator_id", entity_id), ("originator_version", 4)]:
        if getattr(event, name, None) != expected:
            raise Wrong(f"the event's {name} is not the one given: Renamed must hand the id and the version "
                        "on to DomainEvent, as AttributeChanged does.")
    for name, expected in [("old_name", "Ada"), ("new_name", "Grace")]:
        if not hasattr(event, name):
            raise Wrong(f"the event has no attribute `{name}`: an event keeps each fact it records "
                        "as an attribute of its own.")
        if getattr(event, name) != expected:
            raise Wrong(f"`{name}` should be {expected!r}, but it is {getattr(event, name)!r}.")
    for missing in ["old_name", "new_name"]:
        given = {"old_name": "Ada", "new_name": "Grace"}
        del given[missing]
        shown = f"Renamed(...) without `{missing}`"
        try:
            renamed_class(originator_id=entity_id, originator_version=4, **given)
        except TypeError:
            continue
        except Exception as error:
            raise Wrong(f"{shown} raised {type(error).__name__}: {error}; it should fail with TypeError, "
                        "as a call that leaves out a required argument does.") from None
        raise Wrong(f"{shown} should fail with TypeError: an event that leaves out a fact it records "
                    "is a mistake, so both names are required, as AttributeChanged requires name and value.")
    same = _make(renamed_class, full, originator_id=entity_id, originator_version=4, old_name="Ada", new_name="Grace")
    other = _make(renamed_class, "Renamed(originator_id=..., originator_version=4, old_name='Ada', new_name='Alan')",
                  originator_id=entity_id, originator_version=4, old_name="Ada", new_name="Alan")
    if event != same or event == other:
        raise Wrong("two Renamed events should be equal exactly when their attributes are, "
                    "which is what DomainEvent's equality does.")
    return "Renamed is a DomainEvent with the two names it needs."


def _event(originator_id: UUID, version: int) -> SimpleNamespace:
    """A stand-in event: the check only needs the two attributes every event has."""
    return SimpleNamespace(originator_id=originator_id, originator_version=version)


def _history(*versions: int, ids: Sequence[UUID] | None = None) -> list[SimpleNamespace]:
    entity_id = uuid4()
    return [_event(ids[index] if ids else entity_id, version) for index, version in enumerate(versions)]


def _valid_history(is_valid_history: Callable[[Sequence[Any]], bool]) -> str:
    def verdict(events: list[SimpleNamespace], case: str) -> bool:
        try:
            answer = is_valid_history(events)
        except NotImplementedError:
            raise
        except Exception as error:
            raise Wrong(f"for {case}, your code raised {type(error).__name__}: {error}.") from None
        if not isinstance(answer, bool):
            raise Wrong(f"is_valid_history should return True or False, but for {case} it returned {answer!r}.")
        return answer

    for versions in [(0, 1, 2), (0,), tuple(range(10))]:
        case = f"versions {list(versions)} of one entity"
        if not verdict(_history(*versions), case):
            raise Wrong(f"it said False for {case}, a valid history.")
    try:
        empty = verdict([], "an empty list")
    except Wrong as wrong:
        raise Wrong(f"{wrong} An empty list is a valid history: nothing has happened yet.") from None
    if not empty:
        raise Wrong("it said False for an empty list: nothing has happened yet, which is a valid history.")
    wrong_versions = [
        ((1, 2, 3), "a history starts at version 0"),
        ((0, 2, 3), "version 1 is missing"),
        ((0, 2, 1), "the events must be in order"),
        ((0, 1, 1), "two events cannot share a version"),
        ((0, 2, 2), "version 1 is missing, and two events cannot share a version"),
        ((0, 0, 2), "two events cannot share a version, and version 1 is missing"),
    ]
    for versions, why in wrong_versions:
        case = f"versions {list(versions)}"
        if verdict(_history(*versions), case):
            raise Wrong(f"it said True for {case}, but {why}.")
    first, second = uuid4(), uuid4()
    if verdict(_history(0, 1, ids=[first, second]), "two events of two different entities"):
        raise Wrong("it said True for two events of two different entities: "
                    "a history is the events of one entity only.")
    if verdict(_history(0, 1, 2, ids=[first, first, second]), "a history whose last event is another entity's"):
        raise Wrong("it said True when the last event belongs to another entity: "
                    "every event of a history must belong to the same entity as the first.")
    return "is_valid_history accepts versions 0, 1, 2, … of one entity, and nothing else."
