"""Domain events, publish/subscribe, the Example entity and its mutator."""

import functools
from uuid import UUID

import pytest

import esnb
from esnb import (
    AttributeChanged,
    Created,
    Discarded,
    DomainEvent,
    EntityIsDiscarded,
    EsnbError,
    Example,
    create_new_example,
    mutate,
    mutator,
    publish,
    subscribe,
    unsubscribe,
)

ENTITY_ID = UUID(int=1)


@pytest.fixture(autouse=True)
def isolated_subscribers():
    """Give each test an empty subscriber list and put the process-wide one back afterwards."""
    saved = esnb.subscribers[:]
    esnb.subscribers.clear()
    yield
    esnb.subscribers[:] = saved


@pytest.fixture
def received():
    events = []
    subscribe(events.append)
    return events


# Domain events


def test_events_with_the_same_class_and_attributes_are_equal():
    first = DomainEvent(originator_id=ENTITY_ID, originator_version=0, colour="red")
    second = DomainEvent(originator_id=ENTITY_ID, originator_version=0, colour="red")
    assert first == second
    assert first.colour == "red"


@pytest.mark.parametrize(
    "other",
    [
        DomainEvent(originator_id=ENTITY_ID, originator_version=1, colour="red"),
        DomainEvent(originator_id=UUID(int=2), originator_version=0, colour="red"),
        DomainEvent(originator_id=ENTITY_ID, originator_version=0, colour="blue"),
        DomainEvent(originator_id=ENTITY_ID, originator_version=0),
        Created(originator_id=ENTITY_ID, colour="red"),
        {"originator_id": ENTITY_ID, "originator_version": 0, "colour": "red"},
    ],
    ids=["version", "id", "attribute", "missing-attribute", "subclass", "dict"],
)
def test_events_differ_by_class_or_any_attribute(other):
    event = DomainEvent(originator_id=ENTITY_ID, originator_version=0, colour="red")
    assert event != other
    assert other != event


def test_repr_names_the_class_and_every_attribute():
    event = DomainEvent(originator_id=ENTITY_ID, originator_version=3, colour="red")
    assert repr(event) == (
        "DomainEvent(originator_id=UUID('00000000-0000-0000-0000-000000000001'), "
        "originator_version=3, colour='red')"
    )


def test_subclass_repr_uses_the_subclass_name():
    event = AttributeChanged(originator_id=ENTITY_ID, originator_version=1, name="foo", value="baz")
    assert repr(event).startswith("AttributeChanged(")
    assert "name='foo'" in repr(event) and "value='baz'" in repr(event)


def test_created_is_always_version_0():
    event = Created(originator_id=ENTITY_ID, foo="bar")
    assert event.originator_version == 0
    assert event.foo == "bar"


def test_created_refuses_another_version():
    with pytest.raises(TypeError, match="originator_version"):
        Created(originator_id=ENTITY_ID, originator_version=5)


def test_attribute_changed_keeps_name_and_value():
    event = AttributeChanged(originator_id=ENTITY_ID, originator_version=1, name="foo", value=42)
    assert (event.name, event.value, event.originator_version) == ("foo", 42, 1)


# Publish and subscribe


def test_publish_hands_the_event_to_every_subscriber_in_order():
    calls = []
    subscribe(lambda event: calls.append(("first", event)))
    subscribe(lambda event: calls.append(("second", event)))
    event = Created(originator_id=ENTITY_ID)
    publish(event)
    assert calls == [("first", event), ("second", event)]


def test_unsubscribed_subscriber_receives_nothing_more(received):
    publish(Created(originator_id=ENTITY_ID))
    unsubscribe(received.append)
    publish(Discarded(originator_id=ENTITY_ID, originator_version=1))
    assert received == [Created(originator_id=ENTITY_ID)]
    assert esnb.subscribers == []


def test_unsubscribing_an_unknown_function_names_it():
    def audit(event):
        pass

    with pytest.raises(ValueError, match=r"cannot unsubscribe .*audit: it is not subscribed"):
        unsubscribe(audit)


def test_unsubscribing_twice_names_the_subscriber():
    def audit(event):
        pass

    subscribe(audit)
    unsubscribe(audit)
    with pytest.raises(ValueError, match=r"audit: it is not subscribed"):
        unsubscribe(audit)


def test_unsubscribing_an_unknown_callable_object_names_its_class():
    class Recorder:
        def __call__(self, event):
            pass

    with pytest.raises(ValueError, match=r"cannot unsubscribe Recorder: it is not subscribed"):
        unsubscribe(Recorder())


def test_a_subscriber_may_unsubscribe_while_an_event_is_delivered():
    received = []

    def once(event):
        unsubscribe(once)

    subscribe(once)
    subscribe(received.append)
    first = Created(originator_id=ENTITY_ID)
    publish(first)
    second = Discarded(originator_id=ENTITY_ID, originator_version=1)
    publish(second)
    assert received == [first, second]
    assert esnb.subscribers == [received.append]


# The Example entity


def test_create_new_example_publishes_created_and_starts_at_version_1(received):
    entity = create_new_example(foo="bar")
    assert (entity.foo, entity.__version__) == ("bar", 1)
    assert isinstance(entity.id, UUID)
    assert received == [Created(originator_id=entity.id, foo="bar")]


def test_each_change_publishes_an_event_at_the_current_version(received):
    entity = create_new_example(foo="bar")
    entity.foo = "baz"
    entity.foo = "qux"
    assert (entity.foo, entity.__version__) == ("qux", 3)
    assert [e.originator_version for e in received] == [0, 1, 2]
    assert received[1:] == [
        AttributeChanged(originator_id=entity.id, originator_version=1, name="foo", value="baz"),
        AttributeChanged(originator_id=entity.id, originator_version=2, name="foo", value="qux"),
    ]


def test_new_examples_get_different_ids():
    assert create_new_example(foo="a").id != create_new_example(foo="a").id


def test_replaying_the_published_events_rebuilds_the_live_entity(received):
    entity = create_new_example(foo="bar")
    entity.foo = "baz"
    entity.foo = "qux"
    replayed = functools.reduce(mutate, received, None)
    assert replayed is not entity
    assert (replayed.id, replayed.__version__, replayed.foo) == (entity.id, entity.__version__, entity.foo)
    assert repr(replayed) == repr(entity)


def test_discard_publishes_discarded_and_replay_gives_none(received):
    entity = create_new_example(foo="bar")
    entity.discard()
    assert received[-1] == Discarded(originator_id=entity.id, originator_version=1)
    assert entity.__version__ == 2
    assert functools.reduce(mutate, received, None) is None


def test_a_discarded_entity_refuses_changes(received):
    entity = create_new_example(foo="bar")
    entity.discard()
    with pytest.raises(EntityIsDiscarded, match=str(entity.id)):
        entity.foo = "too late"
    with pytest.raises(EntityIsDiscarded, match="discarded"):
        entity.discard()
    assert (entity.foo, entity.__version__) == ("bar", 2)
    assert len(received) == 2
    assert issubclass(EntityIsDiscarded, EsnbError)


def test_example_repr_shows_id_version_and_foo():
    entity = Example(originator_id=ENTITY_ID, originator_version=4, foo="bar")
    assert repr(entity) == "Example(id=UUID('00000000-0000-0000-0000-000000000001'), version=4, foo='bar')"


# The mutator


def created_entity(foo="bar"):
    return mutate(None, Created(originator_id=ENTITY_ID, foo=foo))


def test_mutate_created_builds_an_entity_at_version_1():
    entity = created_entity()
    assert isinstance(entity, Example)
    assert (entity.id, entity.__version__, entity.foo) == (ENTITY_ID, 1, "bar")


@pytest.mark.parametrize("version", [0, 2, 5])
def test_mutate_refuses_an_event_out_of_order(version):
    entity = created_entity()
    late = AttributeChanged(originator_id=ENTITY_ID, originator_version=version, name="foo", value="late")
    with pytest.raises(ValueError, match=f"at version {version}: the entity is at version 1"):
        mutate(entity, late)
    assert (entity.foo, entity.__version__) == ("bar", 1)


@pytest.mark.parametrize(
    "event",
    [
        AttributeChanged(originator_id=ENTITY_ID, originator_version=1, name="foo", value="x"),
        Discarded(originator_id=ENTITY_ID, originator_version=1),
    ],
    ids=["AttributeChanged", "Discarded"],
)
def test_mutate_refuses_an_event_for_no_entity(event):
    with pytest.raises(ValueError, match=f"cannot apply {type(event).__name__}: the entity does not exist"):
        mutate(None, event)


def test_mutate_refuses_an_event_for_a_discarded_entity():
    entity = created_entity()
    assert mutate(entity, Discarded(originator_id=ENTITY_ID, originator_version=1)) is None
    with pytest.raises(EntityIsDiscarded):
        mutate(entity, AttributeChanged(originator_id=ENTITY_ID, originator_version=2, name="foo", value="x"))


class Renamed(DomainEvent):
    pass


@pytest.mark.parametrize("event_class", [Renamed, DomainEvent])
def test_mutate_refuses_an_unknown_event_type(event_class):
    with pytest.raises(NotImplementedError, match=event_class.__name__):
        mutate(created_entity(), event_class(originator_id=ENTITY_ID, originator_version=1))


class FooChanged(AttributeChanged):
    pass


def test_mutate_handles_a_subclass_with_its_parents_case():
    entity = mutate(created_entity(), FooChanged(originator_id=ENTITY_ID, originator_version=1, name="foo", value="x"))
    assert (entity.foo, entity.__version__) == ("x", 2)


class Base:
    pass


class Child(Base):
    pass


class GrandChild(Child):
    pass


class Other:
    pass


@pytest.fixture
def describe():
    @mutator
    def describe(entity, event):
        """Say which case handled the event."""
        return ("default", entity)

    @describe.register(Base)
    def _base(entity, event):
        return ("base", entity)

    @describe.register(Child)
    def _child(entity, event):
        return ("child", entity)

    return describe


@pytest.mark.parametrize(
    "event, case",
    [(Base(), "base"), (Child(), "child"), (GrandChild(), "child"), (Other(), "default")],
    ids=["Base", "Child", "GrandChild", "Other"],
)
def test_mutator_picks_the_case_by_the_event_type(describe, event, case):
    assert describe("entity", event) == (case, "entity")


def test_mutator_dispatches_on_the_event_not_the_entity(describe):
    entity = Child()
    assert describe(entity, Other()) == ("default", entity)


def test_mutator_keeps_the_default_function_name_and_registry(describe):
    assert describe.__name__ == "describe"
    assert describe.__doc__ == "Say which case handled the event."
    assert set(describe.registry) == {object, Base, Child}


def test_mutators_keep_separate_registries(describe):
    @mutator
    def other(entity, event):
        return "other default"

    assert other(None, Child()) == "other default"
    assert set(mutate.registry) == {object, Created, AttributeChanged, Discarded}
