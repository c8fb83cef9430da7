"""Topics, transcoding and the sequenced item mapper."""

import re
import sys
import types
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest

from esnb import (
    AttributeChanged,
    Created,
    Discarded,
    EsnbError,
    SequencedItem,
    SequencedItemMapper,
    TopicResolutionError,
    decode_attributes,
    encode_attributes,
    get_topic,
    resolve_topic,
)

ENTITY_ID = UUID(int=1)


class Outer:
    class Inner:
        pass


class Deposited:
    """An event from another system, with its own names for the sequence id and position."""

    def __init__(self, account_id, sequence_number, amount):
        self.account_id = account_id
        self.sequence_number = sequence_number
        self.amount = amount


class Counted:
    """An event that counts how often its __init__ runs."""

    inits = 0

    def __init__(self, originator_id, originator_version, note):
        type(self).inits += 1
        self.originator_id = originator_id
        self.originator_version = originator_version
        self.note = note


# Topics


@pytest.mark.parametrize("cls", [Created, AttributeChanged, Discarded, UUID, Outer, Outer.Inner, Deposited])
def test_a_topic_resolves_back_to_its_class(cls):
    topic = get_topic(cls)
    assert topic == f"{cls.__module__}:{cls.__qualname__}"
    assert resolve_topic(topic) is cls


def test_topic_of_a_course_event():
    assert get_topic(Created) == "esnb.course.events:Created"
    assert resolve_topic("uuid:UUID") is UUID


@pytest.mark.parametrize(
    "topic",
    [
        "esnb.course.events:Made",  # a class renamed since the event was stored
        "esnb.course.events:Created.Missing",
        "no_such_module_for_esnb_tests:Created",
        "esnb.course.no_such_module:Created",
        "esnb.course.events",
        "esnb.course.events:",
        ":Created",
        "",
        "os:system",  # a function, not a class
        "sys:path",  # a list, not a class
        "esnb.course.events:DomainEvent.__init__",
    ],
)
def test_a_topic_that_names_no_class_raises_topic_resolution_error(topic):
    with pytest.raises(TopicResolutionError, match=re.escape(repr(topic))):
        resolve_topic(topic)


def test_topic_resolution_error_is_an_esnb_error():
    assert issubclass(TopicResolutionError, EsnbError)


def test_a_module_that_fails_to_import_raises_topic_resolution_error(tmp_path, monkeypatch):
    (tmp_path / "esnb_test_broken_module.py").write_text("raise RuntimeError('broken on purpose')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    topic = "esnb_test_broken_module:Anything"
    with pytest.raises(TopicResolutionError, match=re.escape(repr(topic)) + ".*broken on purpose"):
        resolve_topic(topic)


@pytest.fixture
def lazy_module(monkeypatch):
    """A module whose module-level __getattr__ records every name it is asked for."""
    module = types.ModuleType("esnb_test_lazy_module")
    module.asked = []

    def module_getattr(name):
        module.asked.append(name)
        return Outer

    module.__getattr__ = module_getattr
    module.Real = Outer
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module


def test_resolving_does_not_call_a_module_getattr(lazy_module):
    assert getattr(lazy_module, "Lazy") is Outer  # the hook works for ordinary attribute access
    lazy_module.asked.clear()
    with pytest.raises(TopicResolutionError, match=re.escape("'esnb_test_lazy_module:Lazy'")):
        resolve_topic("esnb_test_lazy_module:Lazy")
    assert lazy_module.asked == []


def test_resolving_looks_names_up_without_attribute_hooks(lazy_module):
    assert resolve_topic("esnb_test_lazy_module:Real") is Outer
    assert lazy_module.asked == []


def test_a_class_defined_in_a_function_has_no_topic():
    class Local:
        pass

    with pytest.raises(TypeError, match=r"Local.*does not lead back to it"):
        get_topic(Local)


def test_a_class_whose_name_was_rebound_has_no_topic(monkeypatch):
    module = types.ModuleType("esnb_test_rebound_module")

    class Shadowed:
        pass

    Shadowed.__module__ = module.__name__
    Shadowed.__qualname__ = "Shadowed"
    module.Shadowed = Outer  # the name now leads to another class
    monkeypatch.setitem(sys.modules, module.__name__, module)
    with pytest.raises(TypeError, match=re.escape("'esnb_test_rebound_module:Shadowed'")):
        get_topic(Shadowed)


# Transcoding


@pytest.mark.parametrize(
    "value",
    [
        UUID(int=7),
        datetime(2026, 1, 2, 3, 4, 5, 600007, tzinfo=timezone.utc),
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(2026, 1, 2, 3, 4, 5),
        date(2026, 1, 2),
        Decimal("9.99"),
        Decimal("10.00"),
        Decimal("-1E+3"),
        "text",
        7,
        1.5,
        True,
        None,
    ],
    ids=repr,
)
def test_a_value_round_trips_with_its_type(value):
    decoded = decode_attributes(encode_attributes({"value": value}))["value"]
    assert decoded == value
    assert type(decoded) is type(value)


def test_timezones_and_decimal_places_are_kept():
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-7)))
    decoded = decode_attributes(encode_attributes({"when": when, "price": Decimal("10.00")}))
    assert decoded["when"].utcoffset() == timedelta(hours=-7)
    assert str(decoded["price"]) == "10.00"


def test_special_values_nested_in_lists_and_dicts_round_trip():
    attributes = {
        "ids": [UUID(int=1), UUID(int=2)],
        "order": {"placed": date(2026, 3, 4), "lines": [{"price": Decimal("1.50"), "at": datetime(2026, 3, 4, 5, 6)}]},
        "empty": {},
    }
    assert decode_attributes(encode_attributes(attributes)) == attributes


def test_encoding_is_compact_and_keeps_attribute_order():
    assert encode_attributes({"b": 1, "a": UUID(int=1)}) == (
        '{"b":1,"a":{"__uuid__":"00000000000000000000000000000001"}}'
    )


def test_dictionaries_with_mixed_key_types_are_encoded():
    assert decode_attributes(encode_attributes({"d": {1: "a", "b": 2}})) == {"d": {"1": "a", "b": 2}}


@pytest.mark.parametrize("topic", ["builtins:len.x", "os:sep.upper", "esnb.course.events:DomainEvent.__init__.x"])
def test_topic_that_looks_inside_something_other_than_a_module_or_class(topic):
    with pytest.raises(TopicResolutionError, match=re.escape(repr(topic))):
        resolve_topic(topic)


@pytest.mark.parametrize(
    "attributes, name, type_name",
    [
        ({"ok": 1, "tags": {"red", "green"}}, "tags", "set"),
        ({"lines": [1, object()]}, "lines", "object"),
        ({"nested": {"deep": {"value": b"bytes"}}}, "nested", "bytes"),
    ],
    ids=["set", "in-a-list", "in-a-dict"],
)
def test_an_unserialisable_value_raises_type_error_naming_the_attribute(attributes, name, type_name):
    with pytest.raises(TypeError, match=f"attribute '{name}' cannot be stored: {type_name} is not JSON serialisable"):
        encode_attributes(attributes)


# The sequenced item mapper


def test_an_event_maps_to_a_sequenced_item_and_back():
    mapper = SequencedItemMapper()
    event = AttributeChanged(originator_id=ENTITY_ID, originator_version=3, name="when", value=date(2026, 1, 2))
    item = mapper.to_sequenced_item(event)
    assert isinstance(item, SequencedItem)
    assert (item.sequence_id, item.position, item.topic) == (ENTITY_ID, 3, "esnb.course.events:AttributeChanged")
    rebuilt = mapper.from_sequenced_item(item)
    assert type(rebuilt) is AttributeChanged
    assert rebuilt == event


@pytest.mark.parametrize(
    "event",
    [
        Created(originator_id=ENTITY_ID, foo="bar"),
        Discarded(originator_id=ENTITY_ID, originator_version=9),
    ],
    ids=["Created", "Discarded"],
)
def test_course_events_round_trip(event):
    mapper = SequencedItemMapper()
    assert mapper.from_sequenced_item(mapper.to_sequenced_item(event)) == event


def test_the_sequence_id_and_position_are_not_duplicated_in_the_data():
    mapper = SequencedItemMapper()
    item = mapper.to_sequenced_item(
        AttributeChanged(originator_id=ENTITY_ID, originator_version=3, name="foo", value="baz")
    )
    assert decode_attributes(item.data) == {"name": "foo", "value": "baz"}


def test_mapping_leaves_the_event_unchanged():
    event = AttributeChanged(originator_id=ENTITY_ID, originator_version=3, name="foo", value="baz")
    SequencedItemMapper().to_sequenced_item(event)
    assert event == AttributeChanged(originator_id=ENTITY_ID, originator_version=3, name="foo", value="baz")


def test_custom_attribute_names():
    mapper = SequencedItemMapper(sequence_id_attr_name="account_id", position_attr_name="sequence_number")
    event = Deposited(account_id=UUID(int=2), sequence_number=4, amount=Decimal("10.00"))
    item = mapper.to_sequenced_item(event)
    assert (item.sequence_id, item.position, item.topic) == (UUID(int=2), 4, "test_mapping:Deposited")
    assert decode_attributes(item.data) == {"amount": Decimal("10.00")}
    rebuilt = mapper.from_sequenced_item(item)
    assert type(rebuilt) is Deposited
    assert vars(rebuilt) == vars(event)


@pytest.mark.parametrize(
    "mapper, missing",
    [
        (SequencedItemMapper(), "originator_id"),
        (SequencedItemMapper(sequence_id_attr_name="account_id"), "originator_version"),
        (SequencedItemMapper(sequence_id_attr_name="account_id", position_attr_name="position"), "position"),
    ],
)
def test_a_missing_attribute_raises_attribute_error_naming_it(mapper, missing):
    event = Deposited(account_id=UUID(int=2), sequence_number=4, amount=Decimal("1"))
    with pytest.raises(AttributeError, match=f"Deposited has no attribute '{missing}'"):
        mapper.to_sequenced_item(event)


def test_an_unserialisable_attribute_names_the_event_and_the_attribute():
    event = AttributeChanged(originator_id=ENTITY_ID, originator_version=1, name="tags", value={"red"})
    with pytest.raises(TypeError, match="AttributeChanged: attribute 'value' cannot be stored"):
        SequencedItemMapper().to_sequenced_item(event)


def test_rebuilding_an_event_does_not_call_its_init(monkeypatch):
    mapper = SequencedItemMapper()
    item = mapper.to_sequenced_item(Counted(originator_id=ENTITY_ID, originator_version=2, note="hi"))
    monkeypatch.setattr(Counted, "inits", 0)
    rebuilt = mapper.from_sequenced_item(item)
    assert Counted.inits == 0
    assert vars(rebuilt) == {"originator_id": ENTITY_ID, "originator_version": 2, "note": "hi"}


def test_a_stored_created_event_keeps_its_stored_position():
    # Created.__init__ forces version 0; reading back must not call it.
    item = SequencedItem(ENTITY_ID, 5, "esnb.course.events:Created", '{"foo":"bar"}')
    rebuilt = SequencedItemMapper().from_sequenced_item(item)
    assert type(rebuilt) is Created
    assert (rebuilt.originator_version, rebuilt.foo) == (5, "bar")


def test_an_item_with_an_unknown_topic_raises_topic_resolution_error():
    item = SequencedItem(ENTITY_ID, 0, "esnb.course.events:Made", "{}")
    with pytest.raises(TopicResolutionError, match=re.escape("'esnb.course.events:Made'")):
        SequencedItemMapper().from_sequenced_item(item)
