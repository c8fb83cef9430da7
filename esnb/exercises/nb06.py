"""Checks for the exercises of notebook 06 · Sequenced items."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

from esnb.course.events import AttributeChanged, Created, DomainEvent
from esnb.course.mapper import SequencedItemMapper
from esnb.course.storage import SequencedItem
from esnb.exercises import Wrong, report

ComesBackExactly = Callable[[SequencedItemMapper, Any], bool]


def check_comes_back_exactly(comes_back_exactly: ComesBackExactly) -> None:
    """Exercise 6.1: `comes_back_exactly(mapper, event)` tells an exact round trip from one that lost something."""
    report("Exercise 6.1", lambda: _comes_back_exactly(comes_back_exactly))


def check_resolve_renamed(resolve_renamed: Callable[[str, dict[str, str]], type]) -> None:
    """Exercise 6.2: `resolve_renamed(topic, renames)` follows old topics to new ones, then resolves."""
    report("Exercise 6.2", lambda: _resolve_renamed(resolve_renamed))


# Exercise 6.1

class _Losing(SequencedItemMapper):
    """The course's mapper, with one way of losing data added when it reads an event back."""

    def lose(self, attributes: dict[str, Any]) -> None:
        raise NotImplementedError

    def from_sequenced_item(self, item: SequencedItem) -> Any:
        event = super().from_sequenced_item(item)
        self.lose(vars(event))
        return event


class _TuplesAsLists(_Losing):
    def lose(self, attributes: dict[str, Any]) -> None:
        attributes.update({name: list(value) for name, value in attributes.items() if type(value) is tuple})


class _LosesNone(_Losing):
    def lose(self, attributes: dict[str, Any]) -> None:
        for name in [name for name, value in attributes.items() if value is None]:
            del attributes[name]


class _DecimalsAsFloats(_Losing):
    def lose(self, attributes: dict[str, Any]) -> None:
        attributes.update({name: float(value) for name, value in attributes.items() if type(value) is Decimal})


class _AsDomainEvent(SequencedItemMapper):
    """Reads every event back as a plain DomainEvent, with the right attributes."""

    def from_sequenced_item(self, item: SequencedItem) -> Any:
        plain = DomainEvent.__new__(DomainEvent)
        plain.__dict__.update(vars(super().from_sequenced_item(item)))
        return plain


_PRICED = "AttributeChanged(name='price', value=Decimal('10.00'))"
_SIZED = "AttributeChanged(name='size', value=(40, 42))"
_NOTED = "Created(foo='bar', note=None)"
_TAGGED = "AttributeChanged(name='tags', value={'red'})"


def _events() -> dict[str, Any]:
    entity_id = UUID(int=1)
    return {
        _PRICED: AttributeChanged(originator_id=entity_id, originator_version=1, name="price", value=Decimal("10.00")),
        _SIZED: AttributeChanged(originator_id=entity_id, originator_version=2, name="size", value=(40, 42)),
        _NOTED: Created(originator_id=entity_id, foo="bar", note=None),
        _TAGGED: AttributeChanged(originator_id=entity_id, originator_version=3, name="tags", value={"red"}),
    }


def _refusal(mapper: SequencedItemMapper, event: Any) -> str:
    """The message of the TypeError with which the mapper refuses an event it cannot store."""
    try:
        mapper.to_sequenced_item(event)
    except TypeError as error:
        return str(error)
    raise AssertionError(f"the course's mapper stored {event!r}, which it should refuse")


def _comes_back_exactly(comes_back_exactly: ComesBackExactly) -> str:
    events = _events()

    def verdict(mapper: SequencedItemMapper, shown: str, mapper_shown: str) -> bool:
        try:
            answer = comes_back_exactly(mapper, events[shown])
        except NotImplementedError:
            raise
        except Exception as error:
            raise Wrong(f"for {shown} and {mapper_shown}, your code raised {type(error).__name__}: {error}.") from None
        if not isinstance(answer, bool):
            raise Wrong(f"comes_back_exactly should return True or False, but for {shown} it returned {answer!r}.")
        return answer

    for shown in [_PRICED, _SIZED, _NOTED]:
        if not verdict(SequencedItemMapper(), shown, "the course's mapper"):
            raise Wrong(f"it said False for {shown} and the course's mapper, which gives it back exactly. "
                        "(The id and the version come back last: compare attributes by name, not by order.)")
    losses: list[tuple[SequencedItemMapper, str, str, str]] = [
        (_TuplesAsLists(), _SIZED, "a mapper that gives the tuple (40, 42) back as the list [40, 42]",
         "map the event to a sequenced item, read that item back with the same mapper, "
         "and compare what came back with the event"),
        (_LosesNone(), _NOTED, "a mapper that loses the attribute `note`, whose value was None",
         "what comes back must have the same attributes as the event, no more and no fewer"),
        (_DecimalsAsFloats(), _PRICED, "a mapper that gives Decimal('10.00') back as the float 10.0",
         "`==` calls them equal, but they are values of different types, so the event did not come back exactly. "
         "Compare each attribute's type as well as its value"),
        (_AsDomainEvent(), _PRICED, "a mapper that reads an AttributeChanged back as a plain DomainEvent "
         "with the same attributes", "the class of the event is part of what must come back"),
    ]
    for mapper, shown, mapper_shown, why in losses:
        if verdict(mapper, shown, mapper_shown):
            raise Wrong(f"it said True for {shown} and {mapper_shown}: {why}.")

    mapper = SequencedItemMapper()
    tagged = events[_TAGGED]
    refusal = _refusal(mapper, tagged)
    refused = f"the course's mapper refused {_TAGGED} (TypeError: {refusal})"
    try:
        answer = comes_back_exactly(mapper, tagged)
    except TypeError as error:
        if str(error) != refusal:
            raise Wrong(f"when {refused}, your code raised another TypeError: {error}. "
                        "Let the mapper's own error go on: it says what cannot be stored.") from None
    except NotImplementedError:
        raise
    except Exception as error:
        raise Wrong(f"when {refused}, your code raised {type(error).__name__}: {error}. "
                    "Let the mapper's own error go on: it says what cannot be stored.") from None
    else:
        raise Wrong(f"when {refused}, your code returned {answer!r}: a refusal is the other good outcome, "
                    "since nothing is lost without a sound. Let the mapper's error go on.")
    return "comes_back_exactly tells an exact round trip from one that lost a type, an attribute or the class."


# Exercise 6.2

class _Map(dict[str, str]):
    """A map of renames that counts look-ups, so that a loop that never moves on ends with a verdict."""

    LIMIT = 1000

    def __init__(self, renames: dict[str, str]) -> None:
        super().__init__(renames)
        self.lookups = 0

    def _count(self) -> None:
        self.lookups += 1
        if self.lookups > self.LIMIT:
            raise Wrong(f"resolve_renamed looked in the map more than {self.LIMIT} times for one topic: "
                        "each step should move on to the topic the last one was renamed to.")

    def __contains__(self, key: object) -> bool:
        self._count()
        return super().__contains__(key)

    def __getitem__(self, key: str) -> str:
        self._count()
        return super().__getitem__(key)


def _is_resolution_error(error: Exception) -> bool:
    return type(error).__name__ == "TopicResolutionError"


def _resolve_renamed(resolve_renamed: Callable[[str, dict[str, str]], type]) -> str:
    from esnb.course.events import Created, Discarded

    made, created = "esnb.course.events:Made", "esnb.course.events:Created"

    def call(topic: str, renames: dict[str, str]) -> Any:
        given = _Map(renames)
        try:
            found = resolve_renamed(topic, given)
        except KeyError as error:
            raise Wrong(f"resolve_renamed({topic!r}, ...) raised KeyError {error}: a topic that was never renamed "
                        "is not in the map, and resolves as it is.") from None
        except (Wrong, NotImplementedError):
            raise
        except Exception as error:
            if _is_resolution_error(error):
                raise
            raise Wrong(f"resolve_renamed({topic!r}, ...) raised {type(error).__name__}: {error}.") from None
        finally:
            if dict(given) != renames:
                raise Wrong("resolve_renamed changed the map it was given: it should only read it, "
                            "since the same map serves every old row.")
        if isinstance(found, str):
            raise Wrong(f"resolve_renamed({topic!r}, ...) returned the string {found!r}: "
                        "return the class, which resolve_topic finds for the newest topic.")
        return found

    found = call(made, {made: created})
    if found is not Created:
        raise Wrong(f"resolve_renamed({made!r}, ...) returned {found!r}, not Created: "
                    "a renamed topic leads to the new one.")
    found = call("esnb.course.events:Discarded", {made: created})
    if found is not Discarded:
        raise Wrong(f"resolve_renamed('esnb.course.events:Discarded', ...) returned {found!r}: "
                    "a topic that was never renamed should resolve as before.")
    chains = [
        ("twice", "shop.events:Bought", {made: created, "shop.events:Bought": made}),
        ("four times", "shop.v1:Ordered", {
            "shop.v2:Placed": "shop.v3:Bought", made: created, "shop.v1:Ordered": "shop.v2:Placed",
            "shop.v3:Bought": made,
        }),
    ]
    for times, oldest, renames in chains:
        try:
            found = call(oldest, renames)
        except Exception as error:
            if not _is_resolution_error(error):
                raise
            raise Wrong(f"a class renamed {times} did not resolve from {oldest!r} ({error}). The map lists the "
                        "renames in any order, so one pass over it is not enough: follow the topic from each "
                        "rename to the next until it is not in the map.") from None
        if found is not Created:
            raise Wrong(f"resolve_renamed({oldest!r}, ...) returned {found!r}, not Created, "
                        f"after the class was renamed {times}.")
    try:
        missing = call("esnb.course.events:Gone", {made: created})
    except Exception as error:
        if not _is_resolution_error(error):
            raise
    else:
        raise Wrong(f"resolve_renamed('esnb.course.events:Gone', ...) returned {missing!r}: a topic that leads "
                    "nowhere should still raise TopicResolutionError, so the problem is not hidden.")
    return "resolve_renamed follows old topics to new ones, however many renames, then resolves them."
