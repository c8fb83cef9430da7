"""Checks for the exercises of notebook 02 · Publish and subscribe.

Exercise 2.1's check is given the notebook's own `publish` and `subscribers`, because the
notebook defines them afresh. While it runs, the list is emptied, so the learner's other
subscribers hear nothing; afterwards it is put back as it was. Exercise 2.2's check makes
sure a learner's publisher leaves that list, and esnb's, alone.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any
from uuid import UUID

from esnb.course import pubsub
from esnb.course.events import AttributeChanged, Created, Discarded, DomainEvent
from esnb.exercises import Wrong, report, subscribers_emptied

Publish = Callable[[Any], None]
Subscriber = Callable[[Any], None]

FIRST, SECOND, STRANGER, OTHER_APP = (UUID(int=n) for n in (1, 2, 3, 4))
_NAMES = {FIRST: "entity 1", SECOND: "entity 2", STRANGER: "entity 3", OTHER_APP: "entity 4"}


def check_track_foo(track_foo: Subscriber, foo_by_id: MutableMapping[Any, Any],
                    publish: Publish, subscribers: list[Any]) -> None:
    """Exercise 2.1: the subscriber `track_foo` keeps `foo_by_id`, the foo of each entity that exists, up to date."""
    report("Exercise 2.1", lambda: _track_foo(track_foo, foo_by_id, publish, subscribers))


def check_publisher(publisher_class: Callable[[], Any], subscribers: list[Any]) -> None:
    """Exercise 2.2: each `Publisher()` hands its events to its own subscribers only, in the order they subscribed."""
    report("Exercise 2.2", lambda: _publisher(publisher_class, subscribers))


class Deposited(DomainEvent):
    """An event of another part of the program, which a subscriber of the whole process hears too."""


def _shown(foo_by_id: MutableMapping[Any, Any]) -> str:
    """The read model, with the check's entities named, not spelled out as UUIDs."""
    entries = (f"{_NAMES.get(key, repr(key))}: {value!r}" for key, value in foo_by_id.items())
    return "{" + ", ".join(entries) + "}"


def _track_foo(track_foo: Subscriber, foo_by_id: MutableMapping[Any, Any],
               publish: Publish, subscribers: list[Any]) -> str:
    steps: list[tuple[str, Any, dict[UUID, Any], str]] = [
        ("Created(foo='apple') of entity 1", Created(originator_id=FIRST, foo="apple"), {FIRST: "apple"},
         "a Created event adds its entity, with its foo, keyed by the entity's id"),
        ("Created(foo='banana') of entity 2", Created(originator_id=SECOND, foo="banana"),
         {FIRST: "apple", SECOND: "banana"},
         "each entity has its own entry, keyed by the entity's id"),
        ("AttributeChanged(name='foo', value='apricot') of entity 1",
         AttributeChanged(originator_id=FIRST, originator_version=1, name="foo", value="apricot"),
         {FIRST: "apricot", SECOND: "banana"},
         "a change of foo gives the entity its new foo"),
        ("AttributeChanged(name='colour', value='yellow') of entity 2",
         AttributeChanged(originator_id=SECOND, originator_version=1, name="colour", value="yellow"),
         {FIRST: "apricot", SECOND: "banana"},
         "only a change of the attribute named foo changes an entity's foo"),
        ("AttributeChanged(name='foo', value='avocado') of entity 1",
         AttributeChanged(originator_id=FIRST, originator_version=2, name="foo", value="avocado"),
         {FIRST: "avocado", SECOND: "banana"},
         "events arrive in the order they were published, so the latest change is the entity's foo now"),
        ("a Deposited event from another part of the program",
         Deposited(originator_id=OTHER_APP, originator_version=0, amount=10),
         {FIRST: "avocado", SECOND: "banana"},
         "the subscriber list is shared by the whole process, so a subscriber hears events it does not know; "
         "it leaves those alone"),
        ("Discarded of entity 2", Discarded(originator_id=SECOND, originator_version=2), {FIRST: "avocado"},
         "a discarded entity no longer exists, so it leaves the read model"),
        ("Discarded of entity 3 (never seen created)",
         Discarded(originator_id=STRANGER, originator_version=7), {FIRST: "avocado"},
         "a subscriber hears only what is published after it subscribed, so it can hear of an entity "
         "it never saw created; discarding one changes nothing"),
    ]
    kept = dict(foo_by_id)
    foo_by_id.clear()
    try:
        with subscribers_emptied(subscribers):
            subscribers.append(track_foo)
            for step, event, expected, why in steps:
                try:
                    publish(event)
                except NotImplementedError:
                    raise
                except Exception as error:
                    raise Wrong(f"when {step} was published, your code raised {type(error).__name__}: {error}. "
                                f"Remember: {why}.") from None
                if dict(foo_by_id) != expected:
                    local = " Change the dict foo_by_id itself: a dict made inside the function is lost." \
                        if not foo_by_id else ""
                    raise Wrong(f"after {step}, foo_by_id was {_shown(foo_by_id)}, "
                                f"but it should be {_shown(expected)}: {why}.{local}")
    finally:
        foo_by_id.clear()
        foo_by_id.update(kept)
    return "track_foo keeps the foo of each entity that exists, whatever else it hears."


def _listener(name: str, log: list[tuple[str, Any]]) -> Subscriber:
    def listener(event: Any) -> None:
        log.append((name, event))

    listener.__qualname__ = name
    return listener


def _call(what: str, action: Callable[[], Any]) -> Any:
    """Run one step of the learner's code; a crash is reported with the step it happened in."""
    try:
        return action()
    except NotImplementedError:
        raise
    except Exception as error:
        raise Wrong(f"when {what}, your code raised {type(error).__name__}: {error}.") from None


def _publisher(publisher_class: Callable[[], Any], subscribers: list[Any]) -> str:
    notebook_before = list(subscribers)
    package_before = list(pubsub.subscribers)
    log: list[tuple[str, Any]] = []
    shared = "a list the whole process shares"

    def left_alone() -> None:
        if subscribers != notebook_before:
            raise Wrong(f"a Publisher changed this notebook's `subscribers`, {shared}: "
                        "each publisher keeps a list of its own, so nothing else hears its events.")
        if pubsub.subscribers != package_before:
            raise Wrong(f"a Publisher changed esnb's list of subscribers, {shared}: "
                        "each publisher keeps a list of its own, so nothing else hears its events.")

    app_one = _call("Publisher() was made", publisher_class)
    app_two = _call("a second Publisher() was made", publisher_class)
    try:
        _call("app one subscribed a subscriber", lambda: app_one.subscribe(_listener("A", log)))
        _call("app two subscribed a subscriber", lambda: app_two.subscribe(_listener("Z", log)))
        left_alone()
        first = Created(originator_id=FIRST, foo="one")
        _call("app one published an event", lambda: app_one.publish(first))
        left_alone()
        heard = [name for name, event in log]
        if "Z" in heard:
            raise Wrong("app two's subscriber heard an event that app one published: the two publishers share "
                        "one list. Each publisher needs a list of its own, made when the publisher is made.")
        if heard != ["A"]:
            raise Wrong(f"when app one published one event, its subscriber heard it {len(heard)} times: "
                        "publish hands the event once to each of the publisher's subscribers.")
        log.clear()
        second_subscriber, third_subscriber = _listener("B", log), _listener("C", log)
        _call("app one subscribed a second subscriber", lambda: app_one.subscribe(second_subscriber))
        _call("app one subscribed a third subscriber", lambda: app_one.subscribe(third_subscriber))
        second = AttributeChanged(originator_id=FIRST, originator_version=1, name="foo", value="two")
        _call("app one published an event to three subscribers", lambda: app_one.publish(second))
        heard = [name for name, event in log]
        if sorted(heard) != ["A", "B", "C"]:
            raise Wrong(f"app one's three subscribers A, B and C heard {', '.join(heard) or 'nothing'}: "
                        "every subscriber of the publisher hears each event once.")
        if heard != ["A", "B", "C"]:
            raise Wrong(f"app one's subscribers heard the event in the order {', '.join(heard)}, "
                        "not A, B, C: publish hands an event to the subscribers in the order they subscribed.")
        log.clear()
        _call("app one unsubscribed subscriber B", lambda: app_one.unsubscribe(second_subscriber))
        third = Discarded(originator_id=FIRST, originator_version=2)
        _call("app one published after unsubscribing B", lambda: app_one.publish(third))
        heard = [name for name, event in log]
        if "B" in heard:
            raise Wrong("after app one unsubscribed B, B still heard its next event: "
                        "unsubscribing takes the subscriber out of that publisher's list.")
        if heard != ["A", "C"]:
            raise Wrong(f"after app one unsubscribed B, its next event was heard by {', '.join(heard) or 'nobody'}, "
                        "not A and C: unsubscribing one subscriber leaves the others in place.")
        left_alone()
        log.clear()
        app_three = _call("a third Publisher() was made", publisher_class)

        def leaves_after_one(event: Any) -> None:
            log.append(("once", event))
            app_three.unsubscribe(leaves_after_one)

        _call("app three subscribed a subscriber that unsubscribes itself",
              lambda: app_three.subscribe(leaves_after_one))
        _call("app three subscribed a second subscriber", lambda: app_three.subscribe(_listener("D", log)))
        fourth = Created(originator_id=FIRST, foo="four")
        _call("app three published while its first subscriber unsubscribed itself", lambda: app_three.publish(fourth))
        heard = [name for name, event in log]
        if heard != ["once", "D"]:
            raise Wrong(f"when app three's first subscriber unsubscribed itself while hearing an event, the event "
                        f"reached {', '.join(heard)}, not both subscribers: a subscriber may leave during delivery, "
                        "and that must not change who hears the event being delivered.")
        try:
            app_three.unsubscribe(leaves_after_one)
        except ValueError:
            pass
        except Exception as error:
            raise Wrong(f"unsubscribing a subscriber that had already left raised {type(error).__name__}, not "
                        "ValueError: say what is wrong, as this notebook's unsubscribe does.") from None
        else:
            raise Wrong("unsubscribing a subscriber that had already left did nothing: that is a mistake in the "
                        "caller's code, so say so with a ValueError, as this notebook's unsubscribe does.")
    finally:
        subscribers[:] = notebook_before
        pubsub.subscribers[:] = package_before
    return "each Publisher hands its events to its own subscribers, in the order they subscribed."
