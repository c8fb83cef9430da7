"""The checks of notebook 03's exercises: placeholder, plausible wrong answers, and a right answer.

The checks must leave `esnb.subscribers` exactly as they found it, and keep
its subscribers from hearing the check's events.
"""

import uuid

import pytest

import esnb
from esnb import AttributeChanged, Created, Discarded
from esnb.exercises.nb03 import check_decide_foo_change, check_record_life

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')`"



@pytest.fixture(autouse=True)
def bystander():
    """A subscriber of the learner's, which must neither hear the checks nor be removed by them."""
    heard = []
    esnb.subscribe(heard.append)
    before = list(esnb.subscribers)
    yield
    assert esnb.subscribers == before, "the check left esnb.subscribers changed"
    assert heard == [], "the learner's subscriber heard the check's events"
    esnb.unsubscribe(heard.append)


# Exercise 3.1

def placeholder(entity, value):
    raise NotImplementedError("your code here")


def right(entity, value):
    entity._check_not_discarded()
    return AttributeChanged(originator_id=entity.id, originator_version=entity.__version__, name="foo", value=value)


def next_version(entity, value):
    entity._check_not_discarded()
    return AttributeChanged(originator_id=entity.id, originator_version=entity.__version__ + 1, name="foo", value=value)


def no_guard(entity, value):
    return AttributeChanged(originator_id=entity.id, originator_version=entity.__version__, name="foo", value=value)


def applies(entity, value):
    event = right(entity, value)
    entity._foo = value
    entity._version += 1
    return event


def uses_setter(entity, value):
    event = right(entity, value)
    entity.foo = value
    return event


def publishes(entity, value):
    event = right(entity, value)
    esnb.publish(event)
    return event


def returns_nothing(entity, value):
    right(entity, value)


def old_value(entity, value):
    entity._check_not_discarded()
    return AttributeChanged(
        originator_id=entity.id, originator_version=entity.__version__, name="foo", value=entity.foo
    )


def new_id(entity, value):
    entity._check_not_discarded()
    return AttributeChanged(originator_id=uuid.uuid4(), originator_version=entity.__version__, name="foo", value=value)


def value_error(entity, value):
    if entity._is_discarded:
        raise ValueError("discarded")
    return right(entity, value)


def wrong_type(entity, value):
    return Created(originator_id=entity.id, foo=value)


@pytest.mark.parametrize("answer, message", [
    (placeholder, NOT_DONE),
    (next_version, "the event has originator_version 4, but the entity is at version 3: the next event carries "
                   "entity.__version__."),
    (no_guard, "a discarded entity gave an event: it should raise EntityIsDiscarded"),
    (value_error, "a discarded entity raised ValueError, but it should raise EntityIsDiscarded"),
    (applies, "the entity changed: deciding only builds the event. Applying it is the mutator's job."),
    (uses_setter, "the entity changed: deciding only builds the event."),
    (publishes, "the event was published: deciding only builds the event."),
    (returns_nothing, "decide_foo_change returned None: return the event you built."),
    (old_value, "the event says name='foo', value='bar'; it should say name='foo' and value='baz' (the new value)."),
    (new_id, "the event's originator_id is not the entity's id: use entity.id."),
    (wrong_type, "it returned a Created, but it should return an AttributeChanged event."),
])
def test_decide_foo_change_wrong(answer, message, verdict):
    check_decide_foo_change(answer)
    line = verdict()
    assert line.startswith("✗ Exercise 3.1: ") and message in line, line


def test_decide_foo_change_right(verdict):
    assert check_decide_foo_change(right) is None
    assert verdict().startswith("✓ Exercise 3.1: ")


# Exercise 3.2

def life_placeholder(foo, new_foo):
    raise NotImplementedError("your code here")


def life_right(foo, new_foo):
    received = []
    esnb.subscribe(received.append)
    try:
        entity = esnb.create_new_example(foo)
        entity.foo = new_foo
        entity.discard()
    finally:
        esnb.unsubscribe(received.append)
    return received


def life_never_unsubscribes(foo, new_foo):
    received = []
    esnb.subscribe(received.append)
    entity = esnb.create_new_example(foo)
    entity.foo = new_foo
    entity.discard()
    return received


def life_subscribes_late(foo, new_foo):
    received = []
    entity = esnb.create_new_example(foo)
    esnb.subscribe(received.append)
    entity.foo = new_foo
    entity.discard()
    esnb.unsubscribe(received.append)
    return received


def life_no_discard(foo, new_foo):
    received = []
    esnb.subscribe(received.append)
    entity = esnb.create_new_example(foo)
    entity.foo = new_foo
    esnb.unsubscribe(received.append)
    return received


def life_by_hand(foo, new_foo):
    entity_id = uuid.uuid4()
    return [Created(originator_id=entity_id, foo=foo),
            AttributeChanged(originator_id=entity_id, originator_version=0, name="foo", value=new_foo),
            Discarded(originator_id=entity_id, originator_version=0)]


def life_swapped(foo, new_foo):
    return life_right(new_foo, foo)


shared = []


def life_shared_list(foo, new_foo):
    esnb.subscribe(shared.append)
    try:
        entity = esnb.create_new_example(foo)
        entity.foo = new_foo
        entity.discard()
    finally:
        esnb.unsubscribe(shared.append)
    return shared


def life_returns_nothing(foo, new_foo):
    life_right(foo, new_foo)


@pytest.mark.parametrize("answer, message", [
    (life_placeholder, NOT_DONE),
    (life_never_unsubscribes, "after record_life returned, your list was still subscribed: unsubscribe it before "
                              "returning"),
    (life_subscribes_late, "the Created event is missing: subscribe before you call create_new_example."),
    (life_no_discard, "it returned ['Created', 'AttributeChanged'], but expected ['Created', 'AttributeChanged', "
                      "'Discarded']"),
    (life_by_hand, "the events should be versions 0, 1, 2 of one entity, but they are versions [0, 0, 0]"),
    (life_swapped, "the entity should be created with foo='bar' and then get foo='baz': use the two arguments."),
    (life_shared_list, "a second call returned 6 events, not 3: make a new list on every call."),
    (life_returns_nothing, "record_life returned None: return the list of events you received."),
])
def test_record_life_wrong(answer, message, verdict):
    check_record_life(answer)
    line = verdict()
    assert line.startswith("✗ Exercise 3.2: ") and message in line, line


def test_record_life_right(verdict):
    assert check_record_life(life_right) is None
    assert verdict() == (
        "✓ Exercise 3.2: record_life saw Created at version 0, AttributeChanged at 1 and Discarded at 2."
    )
