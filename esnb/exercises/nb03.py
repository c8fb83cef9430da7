"""Checks for the exercises of notebook 03 · The entity.

The checks use the package's `Example`, which is the notebook's class saved by
`python -m esnb.sync`. While a check runs, `esnb.subscribers` is emptied, so the
learner's subscribers hear nothing; afterwards it is put back as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from unittest.mock import patch
from uuid import uuid4

from esnb.course.domain import Example
from esnb.course.pubsub import subscribers
from esnb.exercises import Wrong, an, report, subscribers_emptied


def check_decide_foo_change(decide_foo_change: Callable[[Example, str], Any]) -> None:
    """Exercise 3.1: `decide_foo_change(entity, value)` builds the next event, and does nothing else."""
    report("Exercise 3.1", lambda: _decide_foo_change(decide_foo_change))


def check_record_life(record_life: Callable[[str, str], Any]) -> None:
    """Exercise 3.2: `record_life(foo, new_foo)` returns the three events of a short life, and unsubscribes."""
    report("Exercise 3.2", lambda: _record_life(record_life))


def _decide_foo_change(decide_foo_change: Callable[[Example, str], Any]) -> str:
    for version in [3, 0]:
        entity = Example(originator_id=uuid4(), originator_version=version, foo="bar")
        state = dict(vars(entity))
        with subscribers_emptied(subscribers):
            heard: list[Any] = []
            subscribers.append(heard.append)
            event = decide_foo_change(entity, "baz")
        if event is None:
            raise Wrong("decide_foo_change returned None: return the event you built.")
        if type(event).__name__ != "AttributeChanged":
            raise Wrong(f"it returned a {type(event).__name__}, but it should return an AttributeChanged event.")
        if vars(entity) != state:
            raise Wrong("the entity changed: deciding only builds the event. Applying it is the mutator's job.")
        if heard:
            raise Wrong("the event was published: deciding only builds the event. "
                        "Announcing comes later, after the event is applied and recorded.")
        if getattr(event, "originator_id", None) != entity.id:
            raise Wrong("the event's originator_id is not the entity's id: "
                        "an event belongs to the entity it happened to.")
        if getattr(event, "originator_version", None) != version:
            raise Wrong(f"the event has originator_version {getattr(event, 'originator_version', None)!r}, "
                        f"but the entity is at version {version}: the version counts the events applied so far, "
                        "so it is also the version the next event carries.")
        if (getattr(event, "name", None), getattr(event, "value", None)) != ("foo", "baz"):
            raise Wrong(f"the event says name={getattr(event, 'name', None)!r}, "
                        f"value={getattr(event, 'value', None)!r}; "
                        "it should say name='foo' and value='baz' (the new value).")
    entity = Example(originator_id=uuid4(), originator_version=2, foo="bar")
    entity._is_discarded = True
    with subscribers_emptied(subscribers):
        try:
            decide_foo_change(entity, "baz")
        except Exception as error:
            if type(error).__name__ != "EntityIsDiscarded":
                raise Wrong(f"a discarded entity raised {type(error).__name__}, but it should raise EntityIsDiscarded: "
                            "the entity has its own check for this, which its foo setter runs first.") from None
        else:
            raise Wrong("a discarded entity gave an event: a discarded entity accepts no more changes, "
                        "so deciding must refuse with EntityIsDiscarded.")
    return "decide_foo_change builds the right event at the right version, and changes nothing."


def _record_life(record_life: Callable[[str, str], Any]) -> str:
    with subscribers_emptied(subscribers):
        events = _life_of(record_life, "bar", "baz")
        names = [type(event).__name__ for event in events]
        expected = ["Created", "AttributeChanged", "Discarded"]
        if names == expected[1:]:
            raise Wrong("the Created event is missing: a subscriber hears only what is published after it subscribes.")
        if names != expected:
            raise Wrong(f"it returned {names}, but expected {expected}: "
                        "create the entity, set its foo, then discard it.")
        versions = [event.originator_version for event in events]
        if versions != [0, 1, 2] or len({event.originator_id for event in events}) != 1:
            raise Wrong(f"the events should be versions 0, 1, 2 of one entity, but they are versions {versions}: "
                        "make all three changes to the one entity the factory returned.")
        if events[0].foo != "bar" or events[1].value != "baz":
            raise Wrong("the entity should be created with foo='bar' and then get foo='baz': use the two arguments.")
        again = _life_of(record_life, "qux", "quux")
        if len(again) != 3:
            raise Wrong(f"a second call returned {len(again)} events, not 3: "
                        "each call should hear only its own events.")
        _fails_cleanly(record_life)
    return ("record_life saw Created at version 0, AttributeChanged at 1 and Discarded at 2, "
            "and cleans up when a step fails.")


def _life_of(record_life: Callable[[str, str], Any], foo: str, new_foo: str) -> list[Any]:
    """The events record_life returned, after checking that it left nothing subscribed, returned a list,
    and had a subscriber listening while the events were published."""
    from esnb.course.pubsub import publish

    case = f"record_life({foo!r}, {new_foo!r})"
    listeners: list[int] = []

    def counting_publish(event: Any) -> None:
        listeners.append(len(subscribers))
        publish(event)

    try:
        with patch("esnb.course.domain.publish", counting_publish):
            events = record_life(foo, new_foo)
    except Exception as error:
        if isinstance(error, NotImplementedError):
            raise
        raise Wrong(f"{case} raised {type(error).__name__}: {error}") from None
    if subscribers:
        raise Wrong(f"after {case} returned, your list was still subscribed: a forgotten subscriber hears "
                    "every later event in the process. Unsubscribe before you return.")
    if not isinstance(events, list):
        raise Wrong(f"{case} returned {an(events)}, not a list: return the events your subscriber received.")
    if listeners and max(listeners) == 0:
        raise Wrong(f"{case} returned a list, but nothing was subscribed while the events were published: this "
                    "exercise is about hearing the announcements, so collect the events with a subscriber.")
    return events


def _fails_cleanly(record_life: Callable[[str, str], Any]) -> None:
    """Make discard fail inside record_life: the error must reach the caller, and nothing may stay subscribed."""

    def broken_discard(entity: Example) -> None:
        raise _InjectedFailure("the check made discard() fail")

    working_discard = Example.discard
    Example.discard = broken_discard  # type: ignore[method-assign, assignment]
    try:
        record_life("bar", "baz")
    except _InjectedFailure:
        pass
    except Exception as error:
        raise Wrong(f"when the check made discard() fail, record_life raised {type(error).__name__}: {error}. "
                    "Let the failure reach the caller as it is.") from None
    else:
        raise Wrong("when the check made discard() fail, record_life returned normally: let the failure reach "
                    "the caller, who would otherwise believe the entity was discarded.")
    finally:
        Example.discard = working_discard  # type: ignore[method-assign]
    if subscribers:
        raise Wrong("when the check made discard() fail, your list stayed subscribed: it will hear every later "
                    "event in the process. Make sure it is unsubscribed whatever happens.")


class _InjectedFailure(RuntimeError):
    """The failure a check injects into the learner's code."""

