"""Checks for the exercises of notebook 02 · Publish and subscribe.

Each check is given the notebook's own `publish` and `subscribers`, because the
notebook defines them afresh. While a check runs, the list is emptied, so the
learner's other subscribers hear nothing; afterwards it is put back as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import uuid4

from esnb.course.events import AttributeChanged, Created, Discarded
from esnb.exercises import Wrong, report, subscribers_emptied

Publish = Callable[[Any], None]


def check_count_events(count_events: Callable[[Callable[[], None]], Mapping[str, int]],
                       publish: Publish, subscribers: list[Any]) -> None:
    """Exercise 2.1: `count_events(action)` counts what `action()` publishes, by class name, and unsubscribes."""
    report("Exercise 2.1", lambda: _count_events(count_events, publish, subscribers))


def check_subscribe_once(subscribe_once: Callable[[Callable[[Any], None]], Any],
                         publish: Publish, subscribers: list[Any]) -> None:
    """Exercise 2.2: `subscribe_once(subscriber)` hands over the next event only, then unsubscribes itself."""
    report("Exercise 2.2", lambda: _subscribe_once(subscribe_once, publish, subscribers))


class _Boom(Exception):
    """The error the check's failing action raises."""


def _count_events(count_events: Callable[[Callable[[], None]], Mapping[str, int]],
                  publish: Publish, subscribers: list[Any]) -> str:
    entity_id = uuid4()

    def action() -> None:
        publish(Created(originator_id=entity_id, foo="bar"))
        publish(AttributeChanged(originator_id=entity_id, originator_version=1, name="foo", value="baz"))
        publish(AttributeChanged(originator_id=entity_id, originator_version=2, name="foo", value="qux"))

    def fails() -> None:
        publish(Discarded(originator_id=entity_id, originator_version=3))
        raise _Boom("the action failed")

    with subscribers_emptied(subscribers):
        counts = count_events(action)
        if subscribers:
            raise Wrong("after count_events returned, the counter was still subscribed: "
                        "unsubscribe it before returning.")
        if not isinstance(counts, Mapping):
            raise Wrong(f"count_events should return a dict, but it returned {counts!r}.")
        expected = {"Created": 1, "AttributeChanged": 2}
        if not counts:
            raise Wrong("it counted nothing: subscribe the counter before calling action(), with this "
                        "notebook's own subscribe (esnb's subscribe fills a different list).")
        if dict(counts) != expected:
            raise Wrong(f"it returned {dict(counts)!r}, but expected {expected!r}: "
                        "count each event under its class name, type(event).__name__.")
        again = count_events(lambda: publish(Discarded(originator_id=entity_id, originator_version=3)))
        if dict(again) != {"Discarded": 1}:
            raise Wrong(f"a second call returned {dict(again)!r}, not {{'Discarded': 1}}: "
                        "make a new dict on every call.")
        try:
            count_events(fails)
        except _Boom:
            pass
        else:
            raise Wrong("when action() raised an error, count_events hid it: let the error go on to the caller.")
        if subscribers:
            raise Wrong("when action() raised an error, the counter stayed subscribed: "
                        "unsubscribe in a `finally:` block.")
    return "count_events counts by class name and always unsubscribes."


def _subscribe_once(subscribe_once: Callable[[Callable[[Any], None]], Any],
                    publish: Publish, subscribers: list[Any]) -> str:
    entity_id = uuid4()
    first = Created(originator_id=entity_id, foo="bar")
    second = AttributeChanged(originator_id=entity_id, originator_version=1, name="foo", value="baz")
    with subscribers_emptied(subscribers):
        heard: list[Any] = []
        subscribe_once(heard.append)
        if len(subscribers) != 1:
            raise Wrong(f"subscribe_once should add one subscriber to the list, but it added {len(subscribers)}.")
        if heard:
            raise Wrong("the subscriber heard an event before anything was published.")
        try:
            publish(first)
            publish(second)
        except ValueError as error:
            raise Wrong(f"publishing raised ValueError ({error}): "
                        "unsubscribe the wrapper that you subscribed, not the subscriber you were given.") from None
        if not heard:
            raise Wrong("the subscriber heard nothing: the wrapper should call it with the event.")
        if heard == [first, second]:
            raise Wrong("the subscriber heard both events, but it should hear only the first: "
                        "unsubscribe the wrapper when the first event arrives.")
        if heard != [first]:
            raise Wrong(f"the subscriber heard {len(heard)} events; it should hear only the first one.")
        if subscribers:
            raise Wrong("after the first event, something was still subscribed: the wrapper should "
                        "unsubscribe itself, or the list keeps it forever.")
        one: list[Any] = []
        other: list[Any] = []
        subscribe_once(one.append)
        subscribe_once(other.append)
        publish(first)
        publish(second)
        if (one, other) != ([first], [first]) or subscribers:
            raise Wrong("with two subscribe_once calls, each subscriber should hear the first event once, "
                        "and both wrappers should be gone afterwards.")

        def fails(event: Any) -> None:
            raise _Boom("the subscriber failed")

        subscribe_once(fails)
        try:
            publish(first)
        except _Boom:
            pass
        if subscribers:
            raise Wrong("when the subscriber raised an error, the wrapper stayed subscribed: "
                        "unsubscribe the wrapper first, then hand the event on.")
    return "subscribe_once hands over one event, then unsubscribes itself."
