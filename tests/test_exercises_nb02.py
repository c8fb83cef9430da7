"""The checks of notebook 02's exercises: placeholder, plausible wrong answers, and a right answer.

Each answer is written against a fresh publish/subscribe, as the notebook defines its own.
The checks must leave the list of subscribers exactly as they found it, and esnb's too.
"""

from types import SimpleNamespace

import pytest

import esnb
from esnb import AttributeChanged, Created, Discarded
from esnb.exercises.nb02 import check_publisher, check_track_foo

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')` with your answer."


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

def track_foo_answers(foo_by_id):
    def placeholder(event):
        raise NotImplementedError("your code here")

    def right(event):
        if isinstance(event, Created):
            foo_by_id[event.originator_id] = event.foo
        elif isinstance(event, AttributeChanged) and event.name == "foo":
            foo_by_id[event.originator_id] = event.value
        elif isinstance(event, Discarded):
            foo_by_id.pop(event.originator_id, None)

    def by_class_name(event):
        kind = type(event).__name__
        if kind == "Created":
            foo_by_id[event.originator_id] = event.foo
        if kind == "AttributeChanged" and event.name == "foo":
            foo_by_id[event.originator_id] = event.value
        if kind == "Discarded" and event.originator_id in foo_by_id:
            del foo_by_id[event.originator_id]

    def only_created(event):
        if isinstance(event, Created):
            foo_by_id[event.originator_id] = event.foo

    def any_attribute(event):
        if isinstance(event, Created):
            foo_by_id[event.originator_id] = event.foo
        elif isinstance(event, AttributeChanged):
            foo_by_id[event.originator_id] = event.value
        elif isinstance(event, Discarded):
            foo_by_id.pop(event.originator_id, None)

    def first_value_wins(event):
        if isinstance(event, Created):
            foo_by_id[event.originator_id] = event.foo
        elif isinstance(event, AttributeChanged) and event.name == "foo" and event.originator_version == 1:
            foo_by_id[event.originator_id] = event.value
        elif isinstance(event, Discarded):
            foo_by_id.pop(event.originator_id, None)

    def everything_else_is_a_change(event):
        if isinstance(event, Created):
            foo_by_id[event.originator_id] = event.foo
        elif isinstance(event, Discarded):
            foo_by_id.pop(event.originator_id, None)
        elif event.name == "foo":
            foo_by_id[event.originator_id] = event.value

    def forgets_discarded(event):
        if isinstance(event, Created):
            foo_by_id[event.originator_id] = event.foo
        elif isinstance(event, AttributeChanged) and event.name == "foo":
            foo_by_id[event.originator_id] = event.value

    def deletes_blindly(event):
        if isinstance(event, Created):
            foo_by_id[event.originator_id] = event.foo
        elif isinstance(event, AttributeChanged) and event.name == "foo":
            foo_by_id[event.originator_id] = event.value
        elif isinstance(event, Discarded):
            del foo_by_id[event.originator_id]

    def keeps_discarded_as_none(event):
        if isinstance(event, Created):
            foo_by_id[event.originator_id] = event.foo
        elif isinstance(event, AttributeChanged) and event.name == "foo":
            foo_by_id[event.originator_id] = event.value
        elif isinstance(event, Discarded) and event.originator_id in foo_by_id:
            foo_by_id[event.originator_id] = None

    def keyed_by_text(event):
        if isinstance(event, Created):
            foo_by_id[str(event.originator_id)] = event.foo

    def local_dict(event):
        foo_by_id = {}  # a new dict, lost when the function returns
        if isinstance(event, Created):
            foo_by_id[event.originator_id] = event.foo

    return SimpleNamespace(**{name: value for name, value in locals().items() if callable(value)})


E1, E2 = "entity 1", "entity 2"
AFTER_DEPOSITED = ("the subscriber list is shared by the whole process, so a subscriber hears events it does not "
                   "know; it leaves those alone.")


@pytest.mark.parametrize("name, line", [
    ("placeholder", NOT_DONE),
    ("only_created", f"after AttributeChanged(name='foo', value='apricot') of entity 1, foo_by_id was "
                     f"{{{E1}: 'apple', {E2}: 'banana'}}, but it should be {{{E1}: 'apricot', {E2}: 'banana'}}: "
                     "a change of foo gives the entity its new foo."),
    ("any_attribute", f"after AttributeChanged(name='colour', value='yellow') of entity 2, foo_by_id was "
                      f"{{{E1}: 'apricot', {E2}: 'yellow'}}, but it should be {{{E1}: 'apricot', {E2}: 'banana'}}: "
                      "only a change of the attribute named foo changes an entity's foo."),
    ("first_value_wins", f"after AttributeChanged(name='foo', value='avocado') of entity 1, foo_by_id was "
                         f"{{{E1}: 'apricot', {E2}: 'banana'}}, but it should be {{{E1}: 'avocado', {E2}: 'banana'}}: "
                         "events arrive in the order they were published, so the latest change is the entity's foo "
                         "now."),
    ("everything_else_is_a_change", "when a Deposited event from another part of the program was published, your "
                                    "code raised AttributeError: 'Deposited' object has no attribute 'name'. "
                                    f"Remember: {AFTER_DEPOSITED}"),
    ("forgets_discarded", f"after Discarded of entity 2, foo_by_id was {{{E1}: 'avocado', {E2}: 'banana'}}, but it "
                          f"should be {{{E1}: 'avocado'}}: a discarded entity no longer exists, so it leaves the "
                          "read model."),
    ("keeps_discarded_as_none", f"after Discarded of entity 2, foo_by_id was {{{E1}: 'avocado', {E2}: None}}, but it "
                                f"should be {{{E1}: 'avocado'}}: a discarded entity no longer exists, so it leaves the "
                                "read model."),
    ("deletes_blindly", "when Discarded of entity 3 (never seen created) was published, your code raised KeyError: "
                        "UUID('00000000-0000-0000-0000-000000000003'). Remember: a subscriber hears only what is "
                        "published after it subscribed, so it can hear of an entity it never saw created; discarding "
                        "one changes nothing."),
    ("keyed_by_text", "after Created(foo='apple') of entity 1, foo_by_id was "
                      "{'00000000-0000-0000-0000-000000000001': 'apple'}, but it should be {entity 1: 'apple'}: "
                      "a Created event adds its entity, with its foo, keyed by the entity's id."),
    ("local_dict", "after Created(foo='apple') of entity 1, foo_by_id was {}, but it should be {entity 1: 'apple'}: "
                   "a Created event adds its entity, with its foo, keyed by the entity's id. Change the dict "
                   "foo_by_id itself: a dict made inside the function is lost."),
])
def test_track_foo_wrong(bus, name, line, verdict):
    foo_by_id = {"kept": "the learner's own entry"}
    check_track_foo(getattr(track_foo_answers(foo_by_id), name), foo_by_id, bus.publish, bus.subscribers)
    assert verdict() == f"✗ Exercise 2.1: {line}"
    assert foo_by_id == {"kept": "the learner's own entry"}, "the check put back what the dict held"


@pytest.mark.parametrize("name", ["right", "by_class_name"])
def test_track_foo_right(bus, name, verdict):
    foo_by_id = {}
    assert check_track_foo(getattr(track_foo_answers(foo_by_id), name), foo_by_id, bus.publish, bus.subscribers) is None
    assert verdict() == "✓ Exercise 2.1: track_foo keeps the foo of each entity that exists, whatever else it hears."


# Exercise 2.2

class Right:
    def __init__(self):
        self.subscribers = []

    def subscribe(self, subscriber):
        self.subscribers.append(subscriber)

    def unsubscribe(self, subscriber):
        self.subscribers.remove(subscriber)

    def publish(self, event):
        for subscriber in list(self.subscribers):
            subscriber(event)


class Placeholder(Right):
    def __init__(self):
        raise NotImplementedError("your code here")


class PlaceholderPublish(Right):
    def publish(self, event):
        raise NotImplementedError("your code here")


class ClassLevelList(Right):
    shared: list = []  # noqa: RUF012 -- the mistake under test: one list for every instance

    def __init__(self):
        self.subscribers = ClassLevelList.shared


class NewestFirst(Right):
    def subscribe(self, subscriber):
        self.subscribers.insert(0, subscriber)


class PublishesTwice(Right):
    def subscribe(self, subscriber):
        self.subscribers.append(subscriber)
        self.subscribers.append(subscriber)

    def unsubscribe(self, subscriber):
        while subscriber in self.subscribers:
            self.subscribers.remove(subscriber)


class FirstOnly(Right):
    def publish(self, event):
        if self.subscribers:
            self.subscribers[0](event)


class UnsubscribeForgets(Right):
    def unsubscribe(self, subscriber):
        pass


class UnsubscribesAll(Right):
    def unsubscribe(self, subscriber):
        self.subscribers.clear()


class UnsubscribeByName(Right):
    def unsubscribe(self, subscriber):
        self.subscribers.remove(subscriber.__name__)


class EsnbList(Right):
    def subscribe(self, subscriber):
        esnb.subscribe(subscriber)

    def unsubscribe(self, subscriber):
        esnb.unsubscribe(subscriber)

    def publish(self, event):
        esnb.publish(event)


def delegating(bus):
    class Delegates(Right):
        def subscribe(self, subscriber):
            bus.subscribe(subscriber)

        def unsubscribe(self, subscriber):
            bus.unsubscribe(subscriber)

        def publish(self, event):
            bus.publish(event)

    return Delegates


SHARED_LIST = ("a list the whole process shares: each publisher keeps a list of its own, "
               "so nothing else hears its events.")


class LoopsOverTheList(Right):
    def publish(self, event):
        for subscriber in self.subscribers:
            subscriber(event)


class ForgivingUnsubscribe(Right):
    def unsubscribe(self, subscriber):
        if subscriber in self.subscribers:
            self.subscribers.remove(subscriber)


@pytest.mark.parametrize("answer, line", [
    (Placeholder, NOT_DONE),
    (LoopsOverTheList, "when app three's first subscriber unsubscribed itself while hearing an event, the event "
                       "reached once, not both subscribers: a subscriber may leave during delivery, and that must "
                       "not change who hears the event being delivered."),
    (ForgivingUnsubscribe, "unsubscribing a subscriber that had already left did nothing: that is a mistake in the "
                           "caller's code, so say so with a ValueError, as this notebook's unsubscribe does."),
    (PlaceholderPublish, NOT_DONE),
    (ClassLevelList, "app two's subscriber heard an event that app one published: the two publishers share one "
                     "list. Each publisher needs a list of its own, made when the publisher is made."),
    (delegating, f"a Publisher changed this notebook's `subscribers`, {SHARED_LIST}"),
    (EsnbList, f"a Publisher changed esnb's list of subscribers, {SHARED_LIST}"),
    (PublishesTwice, "when app one published one event, its subscriber heard it 2 times: publish hands the event "
                     "once to each of the publisher's subscribers."),
    (FirstOnly, "app one's three subscribers A, B and C heard A: every subscriber of the publisher hears each "
                "event once."),
    (NewestFirst, "app one's subscribers heard the event in the order C, B, A, not A, B, C: publish hands an event "
                  "to the subscribers in the order they subscribed."),
    (UnsubscribeForgets, "after app one unsubscribed B, B still heard its next event: unsubscribing takes the "
                         "subscriber out of that publisher's list."),
    (UnsubscribesAll, "after app one unsubscribed B, its next event was heard by nobody, not A and C: "
                      "unsubscribing one subscriber leaves the others in place."),
    (UnsubscribeByName, "when app one unsubscribed subscriber B, your code raised ValueError: "
                        "list.remove(x): x not in list."),
])
def test_publisher_wrong(bus, answer, line, verdict):
    answer = answer(bus) if answer is delegating else answer
    check_publisher(answer, bus.subscribers)
    assert verdict() == f"✗ Exercise 2.2: {line}"


def test_publisher_right(bus, verdict):
    assert check_publisher(Right, bus.subscribers) is None
    assert verdict() == ("✓ Exercise 2.2: each Publisher hands its events to its own subscribers, "
                         "in the order they subscribed.")
