"""The checks of notebook 03's exercises: placeholder, plausible wrong answers, and a right answer.

The checks must leave `esnb.subscribers` exactly as they found it, and keep
its subscribers from hearing the check's events.
"""

import uuid

import pytest

import esnb
from esnb import AttributeChanged, Created, Discarded
from esnb.exercises import subscribers_emptied
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
    (next_version, "the event has originator_version 4, but the entity is at version 3: the version counts the "
                   "events applied so far, so it is also the version the next event carries."),
    (no_guard, "a discarded entity gave an event: a discarded entity accepts no more changes, so deciding must "
               "refuse with EntityIsDiscarded."),
    (value_error, "a discarded entity raised ValueError, but it should raise EntityIsDiscarded: the entity has its "
                  "own check for this, which its foo setter runs first."),
    (applies, "the entity changed: deciding only builds the event. Applying it is the mutator's job."),
    (uses_setter, "the entity changed: deciding only builds the event."),
    (publishes, "the event was published: deciding only builds the event. Announcing comes later, after the event "
                "is applied and recorded."),
    (returns_nothing, "decide_foo_change returned None: return the event you built."),
    (old_value, "the event says name='foo', value='bar'; it should say name='foo' and value='baz' (the new value)."),
    (new_id, "the event's originator_id is not the entity's id: an event belongs to the entity it happened to."),
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


def life_returns_entity(foo, new_foo):
    entity = esnb.create_new_example(foo)
    entity.foo = new_foo
    entity.discard()
    return entity


def life_returns_tuple(foo, new_foo):
    return tuple(life_right(foo, new_foo))


def life_crashes(foo, new_foo):
    esnb.create_new_example(foo)
    entitty.foo = new_foo  # noqa: F821  (the typo is the point)
    return []


def life_from_pending(foo, new_foo):
    entity = esnb.create_new_example(foo)
    entity.foo = new_foo
    entity.discard()
    return list(entity.pending_events)


def life_no_finally(foo, new_foo):
    received = []
    esnb.subscribe(received.append)
    entity = esnb.create_new_example(foo)
    entity.foo = new_foo
    entity.discard()
    esnb.unsubscribe(received.append)
    return received


def life_swallows(foo, new_foo):
    received = []
    esnb.subscribe(received.append)
    try:
        entity = esnb.create_new_example(foo)
        entity.foo = new_foo
        entity.discard()
    except RuntimeError:
        pass
    finally:
        esnb.unsubscribe(received.append)
    return received


def life_wraps(foo, new_foo):
    try:
        return life_right(foo, new_foo)
    except RuntimeError as error:
        raise ValueError(str(error)) from error


@pytest.mark.parametrize("answer, message", [
    (life_placeholder, NOT_DONE),
    (life_never_unsubscribes, "after record_life('bar', 'baz') returned, your list was still subscribed: a "
                              "forgotten subscriber hears every later event in the process. Unsubscribe before you "
                              "return."),
    (life_subscribes_late, "the Created event is missing: a subscriber hears only what is published after it "
                           "subscribes."),
    (life_no_discard, "it returned ['Created', 'AttributeChanged'], but expected ['Created', 'AttributeChanged', "
                      "'Discarded']"),
    (life_by_hand, "the events should be versions 0, 1, 2 of one entity, but they are versions [0, 0, 0]"),
    (life_swapped, "the entity should be created with foo='bar' and then get foo='baz': use the two arguments."),
    (life_shared_list, "a second call returned 6 events, not 3: each call should hear only its own events."),
    (life_returns_nothing, "record_life('bar', 'baz') returned None, not a list: return the events your subscriber "
                           "received."),
    (life_returns_entity, "record_life('bar', 'baz') returned an Example, not a list: return the events your "
                          "subscriber received."),
    (life_returns_tuple, "record_life('bar', 'baz') returned a tuple, not a list"),
    (life_crashes, "record_life('bar', 'baz') raised NameError: name 'entitty' is not defined"),
    (life_from_pending, "record_life('bar', 'baz') returned a list, but nothing was subscribed while the events "
                        "were published: this exercise is about hearing the announcements, so collect the events "
                        "with a subscriber."),
    (life_no_finally, "when the check made discard() fail, your list stayed subscribed: it will hear every later "
                      "event in the process. Make sure it is unsubscribed whatever happens."),
    (life_swallows, "when the check made discard() fail, record_life returned normally: let the failure reach the "
                    "caller, who would otherwise believe the entity was discarded."),
    (life_wraps, "when the check made discard() fail, record_life raised ValueError: the check made discard() fail. "
                 "Let the failure reach the caller as it is."),
])
def test_record_life_wrong(answer, message, verdict):
    check_record_life(answer)
    line = verdict()
    assert line.startswith("✗ Exercise 3.2: ") and message in line, line


def test_record_life_right(verdict):
    assert check_record_life(life_right) is None
    assert verdict() == (
        "✓ Exercise 3.2: record_life saw Created at version 0, AttributeChanged at 1 and Discarded at 2, "
        "and cleans up when a step fails."
    )


def test_record_life_check_puts_discard_back(verdict):
    check_record_life(life_no_finally)
    with subscribers_emptied(esnb.subscribers):
        entity = esnb.create_new_example("after the check")
        entity.discard()
    assert entity.__version__ == 2
    assert [type(event).__name__ for event in entity.collect_events()] == ["Created", "Discarded"]
