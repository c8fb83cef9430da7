"""The checks of notebook 02's exercises: placeholder, plausible wrong answers, and a right answer.

Each answer is written against a fresh publish/subscribe, as the notebook defines its own.
The checks must leave the list of subscribers exactly as they found it.
"""

from collections import Counter
from types import SimpleNamespace

import pytest

import esnb
from esnb.exercises.nb02 import check_count_events, check_subscribe_once

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')`"



def pubsub() -> SimpleNamespace:
    """A publish/subscribe like the notebook's, with a subscriber already in the list."""
    subscribers = []

    def publish(event):
        for subscriber in list(subscribers):
            subscriber(event)

    def unsubscribe(subscriber):
        try:
            subscribers.remove(subscriber)
        except ValueError:
            raise ValueError(f"cannot unsubscribe {subscriber.__qualname__}: it is not subscribed") from None

    bystander = []
    subscribers.append(bystander.append)
    return SimpleNamespace(subscribers=subscribers, publish=publish, subscribe=subscribers.append,
                           unsubscribe=unsubscribe, bystander=bystander)


@pytest.fixture
def bus():
    bus = pubsub()
    before = list(bus.subscribers)
    package_before = list(esnb.subscribers)
    yield bus
    assert bus.subscribers == before, "the check left the learner's subscribers changed"
    assert bus.bystander == [], "the learner's own subscriber heard the check's events"
    assert esnb.subscribers == package_before


# Exercise 2.1

def count_events_answers(bus):
    def placeholder(action):
        raise NotImplementedError("your code here")

    def right(action):
        counts = {}

        def counter(event):
            counts[type(event).__name__] = counts.get(type(event).__name__, 0) + 1

        bus.subscribe(counter)
        try:
            action()
        finally:
            bus.unsubscribe(counter)
        return counts

    def with_counter(action):
        counts = Counter()

        def counter(event):
            counts[type(event).__name__] += 1

        bus.subscribe(counter)
        try:
            action()
        finally:
            bus.unsubscribe(counter)
        return counts

    def never_unsubscribes(action):
        counts = {}
        bus.subscribe(lambda event: counts.update({type(event).__name__: counts.get(type(event).__name__, 0) + 1}))
        action()
        return counts

    def no_finally(action):
        counts = Counter()

        def counter(event):
            counts[type(event).__name__] += 1

        bus.subscribe(counter)
        action()
        bus.unsubscribe(counter)
        return counts

    def swallows(action):
        counts = Counter()

        def counter(event):
            counts[type(event).__name__] += 1

        bus.subscribe(counter)
        try:
            action()
        except Exception:
            pass
        finally:
            bus.unsubscribe(counter)
        return counts

    shared = Counter()

    def shared_counts(action):
        def counter(event):
            shared[type(event).__name__] += 1

        bus.subscribe(counter)
        try:
            action()
        finally:
            bus.unsubscribe(counter)
        return shared

    def by_class(action):
        counts = Counter()

        def counter(event):
            counts[type(event)] += 1

        bus.subscribe(counter)
        try:
            action()
        finally:
            bus.unsubscribe(counter)
        return counts

    def subscribes_late(action):
        counts = Counter()

        def counter(event):
            counts[type(event).__name__] += 1

        action()
        bus.subscribe(counter)
        bus.unsubscribe(counter)
        return counts

    return SimpleNamespace(**{name: value for name, value in locals().items() if callable(value)})


@pytest.mark.parametrize("name, message", [
    ("placeholder", NOT_DONE),
    ("never_unsubscribes", "after count_events returned, the counter was still subscribed: unsubscribe it before "
                           "returning."),
    ("no_finally", "when action() raised an error, the counter stayed subscribed: unsubscribe in a `finally:` block."),
    ("swallows", "when action() raised an error, count_events hid it: let the error go on to the caller."),
    ("shared_counts", "a second call returned {'Created': 1, 'AttributeChanged': 2, 'Discarded': 1}, not "
                      "{'Discarded': 1}: make a new dict on every call."),
    ("by_class", "count each event under its class name, type(event).__name__."),
    ("subscribes_late", "it counted nothing: subscribe the counter before calling action()"),
])
def test_count_events_wrong(bus, name, message, verdict):
    check_count_events(getattr(count_events_answers(bus), name), bus.publish, bus.subscribers)
    line = verdict()
    assert line.startswith("✗ Exercise 2.1: ") and message in line, line


@pytest.mark.parametrize("name", ["right", "with_counter"])
def test_count_events_right(bus, name, verdict):
    assert check_count_events(getattr(count_events_answers(bus), name), bus.publish, bus.subscribers) is None
    assert verdict() == "✓ Exercise 2.1: count_events counts by class name and always unsubscribes."


# Exercise 2.2

def subscribe_once_answers(bus):
    def placeholder(subscriber):
        raise NotImplementedError("your code here")

    def right(subscriber):
        def once(event):
            bus.unsubscribe(once)
            subscriber(event)

        bus.subscribe(once)

    def plain_subscribe(subscriber):
        bus.subscribe(subscriber)

    def never_unsubscribes(subscriber):
        done = []

        def once(event):
            if not done:
                done.append(True)
                subscriber(event)

        bus.subscribe(once)

    def unsubscribes_the_subscriber(subscriber):
        def once(event):
            bus.unsubscribe(subscriber)
            subscriber(event)

        bus.subscribe(once)

    def hands_on_before_unsubscribing(subscriber):
        def once(event):
            subscriber(event)
            bus.unsubscribe(once)

        bus.subscribe(once)

    def forgets_to_call(subscriber):
        def once(event):
            bus.unsubscribe(once)

        bus.subscribe(once)

    def subscribes_nothing(subscriber):
        pass

    flag = []

    def shared_flag(subscriber):
        def once(event):
            bus.unsubscribe(once)
            if not flag:
                flag.append(True)
                subscriber(event)

        bus.subscribe(once)

    return SimpleNamespace(**{name: value for name, value in locals().items() if callable(value)})


@pytest.mark.parametrize("name, message", [
    ("placeholder", NOT_DONE),
    ("plain_subscribe", "the subscriber heard both events, but it should hear only the first: unsubscribe the "
                        "wrapper when the first event arrives."),
    ("never_unsubscribes", "after the first event, something was still subscribed: the wrapper should unsubscribe "
                           "itself, or the list keeps it forever."),
    ("unsubscribes_the_subscriber", "publishing raised ValueError (cannot unsubscribe list.append: it is not "
                                    "subscribed): unsubscribe the wrapper"),
    ("forgets_to_call", "the subscriber heard nothing: the wrapper should call it with the event."),
    ("hands_on_before_unsubscribing", "when the subscriber raised an error, the wrapper stayed subscribed"),
    ("subscribes_nothing", "subscribe_once should add one subscriber to the list, but it added 0."),
    ("shared_flag", "with two subscribe_once calls, each subscriber should hear the first event once"),
])
def test_subscribe_once_wrong(bus, name, message, verdict):
    check_subscribe_once(getattr(subscribe_once_answers(bus), name), bus.publish, bus.subscribers)
    line = verdict()
    assert line.startswith("✗ Exercise 2.2: ") and message in line, line


def test_subscribe_once_right(bus, verdict):
    assert check_subscribe_once(subscribe_once_answers(bus).right, bus.publish, bus.subscribers) is None
    assert verdict() == "✓ Exercise 2.2: subscribe_once hands over one event, then unsubscribes itself."
