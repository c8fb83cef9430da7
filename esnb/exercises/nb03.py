"""Checks for the exercises of notebook 03 · The entity.

The checks use the package's `Example`, which is the notebook's class saved by
`python -m esnb.sync`. While a check runs, `esnb.subscribers` is emptied, so the
learner's subscribers hear nothing; afterwards it is put back as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

from esnb.course.domain import Example
from esnb.course.pubsub import subscribers
from esnb.exercises import Wrong, report, subscribers_emptied


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
            raise Wrong("the event was published: deciding only builds the event. It is published after it is applied.")
        if getattr(event, "originator_id", None) != entity.id:
            raise Wrong("the event's originator_id is not the entity's id: use entity.id.")
        if getattr(event, "originator_version", None) != version:
            raise Wrong(f"the event has originator_version {getattr(event, 'originator_version', None)!r}, "
                        f"but the entity is at version {version}: the next event carries entity.__version__.")
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
                raise Wrong(f"a discarded entity raised {type(error).__name__}, but it should raise EntityIsDiscarded "
                            "(entity._check_not_discarded() does that).") from None
        else:
            raise Wrong("a discarded entity gave an event: it should raise EntityIsDiscarded "
                        "(entity._check_not_discarded() does that).")
    return "decide_foo_change builds the right event at the right version, and changes nothing."


def _record_life(record_life: Callable[[str, str], Any]) -> str:
    with subscribers_emptied(subscribers):
        events = record_life("bar", "baz")
        if subscribers:
            raise Wrong("after record_life returned, your list was still subscribed: "
                        "unsubscribe it before returning, in a `finally:` block.")
        if events is None:
            raise Wrong("record_life returned None: return the list of events you received.")
        events = list(events)
        names = [type(event).__name__ for event in events]
        expected = ["Created", "AttributeChanged", "Discarded"]
        if names == expected[1:]:
            raise Wrong("the Created event is missing: subscribe before you call create_new_example.")
        if names != expected:
            raise Wrong(f"it returned {names}, but expected {expected}: "
                        "create the entity, set its foo, then discard it.")
        versions = [event.originator_version for event in events]
        if versions != [0, 1, 2] or len({event.originator_id for event in events}) != 1:
            raise Wrong(f"the events should be versions 0, 1, 2 of one entity, but they are versions {versions}: "
                        "make all three changes to the one entity the factory returned.")
        if events[0].foo != "bar" or events[1].value != "baz":
            raise Wrong("the entity should be created with foo='bar' and then get foo='baz': use the two arguments.")
        again = list(record_life("qux", "quux"))
        if len(again) != 3 or subscribers:
            raise Wrong(f"a second call returned {len(again)} events, not 3: make a new list on every call.")
    return "record_life saw Created at version 0, AttributeChanged at 1 and Discarded at 2."
