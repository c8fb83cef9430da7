"""Topics, transcoding and the sequenced item mapper."""

import importlib.abc
import re
import sys
import types
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import IntEnum
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

import esnb.course.topics
from esnb import (
    AttributeChanged,
    Created,
    Discarded,
    EsnbError,
    EventDecodingError,
    SequencedItem,
    SequencedItemMapper,
    TopicResolutionError,
    decode_attributes,
    encode_attributes,
    get_topic,
    register_event_class,
    resolve_topic,
)
from tests.support import assert_exactly

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


class Slotted(AttributeChanged):
    """An event that keeps one attribute in a slot, outside its __dict__."""

    __slots__ = ("extra",)


class SlottedChild(Slotted):
    """An event whose slot is declared by its base class."""


class SlotsOnly:
    """An event with slots and no __dict__ at all."""

    __slots__ = ("originator_id", "originator_version")

    def __init__(self, originator_id, originator_version):
        self.originator_id = originator_id
        self.originator_version = originator_version


class NoDict(tuple):
    """An event with no __dict__ and no slots of its own."""

    __slots__ = ()


class DictSlot:
    """An event whose slots are only __dict__ and __weakref__: all its attributes are in its __dict__."""

    __slots__ = ("__dict__", "__weakref__")

    def __init__(self, originator_id, originator_version, note):
        self.originator_id = originator_id
        self.originator_version = originator_version
        self.note = note


# Topics


@pytest.fixture(autouse=True)
def no_registered_classes(monkeypatch):
    """Each test starts with no registered event classes, and its registrations end with it.

    The topics the registry has resolved go with it: they remember classes it let through."""
    monkeypatch.setattr(esnb.course.topics, "_REGISTERED", set())
    monkeypatch.setattr(esnb.course.topics, "_RESOLVED", {})


@pytest.mark.parametrize("cls", [Created, AttributeChanged, Discarded, UUID, Outer, Outer.Inner, Deposited])
def test_a_class_has_a_topic_naming_its_module_and_qualname(cls):
    assert get_topic(cls) == f"{cls.__module__}:{cls.__qualname__}"


@pytest.mark.parametrize("cls", [Created, AttributeChanged, Discarded])
def test_the_topic_of_a_domain_event_resolves_back_to_its_class(cls):
    assert resolve_topic(get_topic(cls)) is cls


def test_topic_of_a_course_event():
    assert get_topic(Created) == "esnb.course.events:Created"


@pytest.mark.parametrize(
    "topic",
    ["uuid:UUID", "subprocess:Popen", "collections:OrderedDict", "builtins:object", "esnb.course.errors:EsnbError"],
)
def test_a_class_that_is_not_an_event_class_is_refused(topic):
    with pytest.raises(TopicResolutionError, match=re.escape(topic) + ".* not an event class"):
        resolve_topic(topic)


@pytest.mark.parametrize("cls", [Outer, Outer.Inner, Deposited])
def test_a_registered_class_resolves(cls):
    topic = get_topic(cls)
    with pytest.raises(TopicResolutionError, match="not an event class"):
        resolve_topic(topic)
    assert register_event_class(cls) == topic
    assert resolve_topic(topic) is cls


def test_a_class_whose_topic_leads_elsewhere_cannot_be_registered():
    class Local:
        pass

    with pytest.raises(TypeError, match="does not lead back to it"):
        register_event_class(Local)


class BlockedImports(importlib.abc.MetaPathFinder):
    """Records, and refuses, every import of the named modules."""

    def __init__(self, names):
        self.names = set(names)
        self.attempts = []

    def find_spec(self, fullname, path, target=None):
        if fullname in self.names:
            self.attempts.append(fullname)
            raise ImportError(f"{fullname} is blocked by the test")
        return None


@pytest.mark.parametrize(
    "topic",
    ["this:Zen", "antigravity:Fly", "unittest.__main__:main", "esnb_test_never_imported:Created", "colorsys:Created"],
)
def test_resolving_never_imports_a_module(topic, monkeypatch, capsys):
    module_name = topic.partition(":")[0]
    assert module_name not in sys.modules
    blocker = BlockedImports([module_name])
    monkeypatch.setattr(sys, "meta_path", [blocker, *sys.meta_path])
    with pytest.raises(TopicResolutionError, match=re.escape(f"module {module_name!r} is not imported")):
        resolve_topic(topic)
    assert blocker.attempts == []
    assert module_name not in sys.modules
    assert capsys.readouterr() == ("", "")


def test_resolving_finds_classes_only_through_classes():
    # esnb.course is a module, reachable as an attribute of esnb: the walk does not go through it.
    with pytest.raises(TopicResolutionError, match=re.escape("'course' is a module, not a class")):
        resolve_topic("esnb:course.events.Created")


@pytest.mark.parametrize(
    "topic",
    [
        "x" * 10_000_000 + ":Created",
        "esnb.course.events:" + "x" * 10_000_000,
        "esnb.course.events:Created." + "x" * 10_000_000,
        "esnb.course.events:" + "." * 10_000_000,
        "x" * 10_000_000,
    ],
    ids=["module", "qualname", "nested", "dots", "no-colon"],
)
def test_the_message_about_a_long_topic_is_short(topic):
    with pytest.raises(TopicResolutionError) as raised:
        resolve_topic(topic)
    assert len(str(raised.value)) < 500


@pytest.mark.parametrize("topic", [None, b"esnb.course.events:Created", 7])
def test_a_topic_that_is_not_a_str_raises_topic_resolution_error(topic):
    with pytest.raises(TopicResolutionError, match=f"a topic is a str, not a {type(topic).__name__}"):
        resolve_topic(topic)


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


def test_a_module_that_would_fail_to_import_is_not_imported(tmp_path, monkeypatch):
    (tmp_path / "esnb_test_broken_module.py").write_text("raise SystemExit('broken on purpose')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    topic = "esnb_test_broken_module:Anything"
    with pytest.raises(TopicResolutionError, match=re.escape(repr(topic)) + ".*is not imported"):
        resolve_topic(topic)
    assert "esnb_test_broken_module" not in sys.modules


@pytest.fixture
def lazy_module(monkeypatch):
    """A module whose module-level __getattr__ records every name it is asked for."""
    module = types.ModuleType("esnb_test_lazy_module")
    module.asked = []

    def module_getattr(name):
        module.asked.append(name)
        return Outer

    module.__getattr__ = module_getattr
    module.Real = Created
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module


def test_resolving_does_not_call_a_module_getattr(lazy_module):
    assert lazy_module.Lazy is Outer  # the hook works for ordinary attribute access
    lazy_module.asked.clear()
    with pytest.raises(TopicResolutionError, match=re.escape("'esnb_test_lazy_module:Lazy'")):
        resolve_topic("esnb_test_lazy_module:Lazy")
    assert lazy_module.asked == []


def test_resolving_looks_names_up_without_attribute_hooks(lazy_module):
    assert resolve_topic("esnb_test_lazy_module:Real") is Created
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


@pytest.mark.parametrize(
    "value",
    [
        {1: "a", "b": 2},
        {1: "a"},
        {(1, 2): "x"},
        {UUID(int=1): [UUID(int=2)]},
        {None: 1, True: 2, 1.5: 3, Decimal("2.5"): 4, date(2026, 1, 2): 5},
        {"__uuid__": "x"},
        {"__datetime__": 5},
        {"__decimal__": "abc"},
        {"__date__": "2026-01-02"},
        {"__tuple__": [1, 2]},
        {"__pairs__": [["a", 1]]},
        {"__uuid__": {"__uuid__": "x"}},
        (1, (2, [3, (4,)])),
        (),
        [(), {}, [()]],
        {"__uuid__": "00000000000000000000000000000001", "other": 1},
    ],
    ids=repr,
)
def test_tuples_keys_and_tag_like_dictionaries_come_back_exactly(value):
    assert_exactly(decode_attributes(encode_attributes({"value": value}))["value"], value)


@pytest.mark.parametrize("name", ["__uuid__", "__datetime__", "__decimal__", "__tuple__", "__pairs__"])
def test_an_attribute_named_like_a_tag_comes_back(name):
    attributes = {name: "x"}
    assert decode_attributes(encode_attributes(attributes)) == attributes
    event = AttributeChanged(originator_id=ENTITY_ID, originator_version=1, name="n", value="v")
    del event.name, event.value
    setattr(event, name, "x")
    mapper = SequencedItemMapper()
    assert vars(mapper.from_sequenced_item(mapper.to_sequenced_item(event))) == vars(event)


def test_data_written_before_the_tuple_and_pairs_tags_reads_as_before():
    # Text the encoder wrote before tuples and non-string keys kept their types.
    old = (
        '{"id":{"__uuid__":"00000000000000000000000000000007"},"when":{"__datetime__":"2026-01-02T03:04:05+00:00"},'
        '"day":{"__date__":"2026-01-02"},"price":{"__decimal__":"9.99"},"pair":[1,2],"d":{"1":"a","b":[{"c":null}]}}'
    )
    assert decode_attributes(old) == {
        "id": UUID(int=7),
        "when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        "day": date(2026, 1, 2),
        "price": Decimal("9.99"),
        "pair": [1, 2],
        "d": {"1": "a", "b": [{"c": None}]},
    }


@pytest.mark.parametrize(
    "data, message",
    [
        ('{"v":{"__uuid__":"x"}}', "__uuid__ cannot be read from 'x'"),
        ('{"v":{"__uuid__":5}}', "__uuid__ cannot be read from 5"),
        ('{"v":{"__datetime__":5}}', "__datetime__ cannot be read from 5"),
        ('{"v":{"__decimal__":"abc"}}', "__decimal__ cannot be read from 'abc'"),
        ('{"v":{"__tuple__":"ab"}}', "__tuple__ cannot be read from 'ab'"),
        ('{"v":{"__pairs__":[["a"]]}}', "__pairs__ cannot be read from [['a']]"),
        ('{"v":{"__pairs__":[[[1],2]]}}', "__pairs__ cannot be read from [[[1], 2]]"),
        ("[1]", "the JSON holds a list, not a dictionary of attributes"),
        ("{", "Expecting property name"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_text_the_encoder_could_not_have_written_raises_value_error(data, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        decode_attributes(data)


@pytest.mark.parametrize("topic", ["builtins:len.x", "os:sep.upper", "esnb.course.events:DomainEvent.__init__.x"])
def test_topic_that_looks_inside_something_other_than_a_module_or_class(topic):
    with pytest.raises(TopicResolutionError, match=re.escape(repr(topic))):
        resolve_topic(topic)


class Size(IntEnum):
    SMALL = 1


class Name(str):
    pass


@pytest.mark.parametrize(
    "attributes, message",
    [
        ({"ok": 1, "tags": {"red", "green"}}, "attribute 'tags' cannot be stored: set has no JSON form"),
        ({"tags": ["a", "b", {"c"}]}, "attribute 'tags' cannot be stored: set at tags[2] has no JSON form"),
        ({"lines": [1, object()]}, "attribute 'lines' cannot be stored: object at lines[1] has no JSON form"),
        ({"nested": {"deep": {"value": b"bytes"}}}, "bytes at nested['deep']['value'] has no JSON form"),
        ({"pair": (1, frozenset())}, "attribute 'pair' cannot be stored: frozenset at pair[1] has no JSON form"),
        ({"d": {frozenset(): 1}}, "attribute 'd' cannot be stored: frozenset at d (in a key) has no JSON form"),
        ({"d": {1: {2}}}, "attribute 'd' cannot be stored: set at d[1] has no JSON form"),
        ({"size": Size.SMALL}, "attribute 'size' cannot be stored: Size has no JSON form"),
        ({"name": Name("x")}, "attribute 'name' cannot be stored: Name has no JSON form"),
        ({"when": datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/London"))}, "attribute 'when' cannot be "
                                                                                   "stored: datetime with tzinfo"),
        ({"when": datetime(2026, 1, 2, tzinfo=timezone(timedelta(hours=1), "CET"))}, "attribute 'when' cannot be "
                                                                                     "stored: datetime with tzinfo"),
        ({"when": datetime(2026, 10, 25, 1, 30, fold=1)}, "attribute 'when' cannot be stored: datetime with tzinfo "
                                                          "None and fold=1"),
        ({"__uuid__": {1}}, "attribute '__uuid__' cannot be stored: set has no JSON form"),
    ],
    ids=["set", "in-a-list", "in-an-object", "in-a-dict", "in-a-tuple", "key", "keyed", "IntEnum", "str-subclass",
         "ZoneInfo", "named-zone", "fold", "tag-named"],
)
def test_a_value_with_no_exact_json_form_raises_type_error_naming_the_attribute(attributes, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        encode_attributes(attributes)


def test_a_value_that_contains_itself_raises_type_error():
    looped = []
    looped.append(looped)
    with pytest.raises(TypeError, match=re.escape("attribute 'looped' cannot be stored: list at looped[0][0]")):
        encode_attributes({"looped": looped})


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


def test_an_item_with_an_unknown_topic_raises_topic_resolution_error_naming_the_row():
    item = SequencedItem(ENTITY_ID, 4, "esnb.course.events:Made", "{}")
    with pytest.raises(TopicResolutionError) as raised:
        SequencedItemMapper().from_sequenced_item(item)
    assert str(raised.value).startswith(
        f"cannot read the event at position 4 of sequence {ENTITY_ID}: topic 'esnb.course.events:Made': "
    )
    assert raised.value.__suppress_context__  # the message says it all: one error, not a chain of three


@pytest.mark.parametrize(
    "data, reason",
    [
        ('{"value":{"__uuid__":"x"}}', "__uuid__ cannot be read from 'x'"),
        ('{"value":{"__datetime__":5}}', "__datetime__ cannot be read from 5"),
        ('{"value":{"__decimal__":"abc"}}', "__decimal__ cannot be read from 'abc'"),
        ("not JSON", "Expecting value"),
        ("[1]", "the JSON holds a list"),
    ],
)
def test_an_item_whose_data_cannot_be_read_raises_event_decoding_error_naming_the_row(data, reason):
    item = SequencedItem(ENTITY_ID, 3, "esnb.course.events:AttributeChanged", data)
    with pytest.raises(EventDecodingError) as raised:
        SequencedItemMapper().from_sequenced_item(item)
    assert str(raised.value).startswith(f"cannot read the event at position 3 of sequence {ENTITY_ID}: {reason}")
    assert raised.value.__suppress_context__  # the message says it all: one error, not a chain of three
    assert isinstance(raised.value, EsnbError)


@pytest.mark.parametrize("position", [True, False, 1.5, 1.0, "7", Decimal(1), None])
def test_a_position_that_is_not_an_int_is_refused(position):
    event = AttributeChanged(originator_id=ENTITY_ID, originator_version=position, name="n", value="v")
    with pytest.raises(TypeError, match="AttributeChanged: attribute 'originator_version' must be an int"):
        SequencedItemMapper().to_sequenced_item(event)


@pytest.mark.parametrize("position", [-1, 2**63, 2**64])
def test_a_position_out_of_the_bigint_range_is_refused(position):
    event = AttributeChanged(originator_id=ENTITY_ID, originator_version=position, name="n", value="v")
    with pytest.raises(ValueError, match=re.escape("attribute 'originator_version' must be from 0 to 2**63 - 1")):
        SequencedItemMapper().to_sequenced_item(event)


@pytest.mark.parametrize("position", [0, 2**63 - 1])
def test_positions_at_the_ends_of_the_range_are_accepted(position):
    event = AttributeChanged(originator_id=ENTITY_ID, originator_version=position, name="n", value="v")
    assert SequencedItemMapper().to_sequenced_item(event).position == position


@pytest.mark.parametrize("sequence_id", [str(ENTITY_ID), ENTITY_ID.int, ENTITY_ID.bytes, None])
def test_a_sequence_id_that_is_not_a_uuid_is_refused(sequence_id):
    event = Deposited(account_id=sequence_id, sequence_number=1, amount=Decimal("1"))
    mapper = SequencedItemMapper(sequence_id_attr_name="account_id", position_attr_name="sequence_number")
    with pytest.raises(TypeError, match="Deposited: attribute 'account_id' must be a UUID"):
        mapper.to_sequenced_item(event)


def test_writing_an_event_registers_its_class_and_nothing_else_does():
    item = SequencedItem(UUID(int=2), 4, "test_mapping:Deposited", '{"amount":{"__decimal__":"1"}}')
    mapper = SequencedItemMapper(sequence_id_attr_name="account_id", position_attr_name="sequence_number")
    with pytest.raises(TopicResolutionError, match="not an event class"):
        mapper.from_sequenced_item(item)
    mapper.to_sequenced_item(Deposited(account_id=UUID(int=3), sequence_number=0, amount=Decimal("2")))
    assert vars(mapper.from_sequenced_item(item)) == {
        "account_id": UUID(int=2), "sequence_number": 4, "amount": Decimal("1")
    }


def test_a_refused_event_does_not_register_its_class():
    mapper = SequencedItemMapper(sequence_id_attr_name="account_id", position_attr_name="sequence_number")
    with pytest.raises(TypeError):
        mapper.to_sequenced_item(Deposited(account_id=UUID(int=3), sequence_number=0, amount={1}))
    with pytest.raises(TopicResolutionError, match="not an event class"):
        resolve_topic("test_mapping:Deposited")


def _slotted(cls):
    event = cls(originator_id=ENTITY_ID, originator_version=1, name="n", value="v")
    event.extra = "important"
    return event


@pytest.mark.parametrize(
    "event, message",
    [
        (_slotted(Slotted), "Slotted cannot be stored: the mapper stores an event's __dict__, "
                            "but class Slotted declares __slots__ 'extra' outside it"),
        (_slotted(SlottedChild), "SlottedChild cannot be stored: the mapper stores an event's __dict__, "
                                 "but class Slotted declares __slots__ 'extra' outside it"),
        (SlotsOnly(ENTITY_ID, 1), "SlotsOnly cannot be stored: the mapper stores an event's __dict__, "
                                  "but class SlotsOnly declares __slots__ 'originator_id', 'originator_version'"),
        (NoDict(), "NoDict cannot be stored: the mapper stores an event's __dict__, and a NoDict has none"),
    ],
    ids=["slots", "slots-of-a-base", "slots-only", "no-dict"],
)
def test_an_event_that_keeps_attributes_outside_its_dict_is_refused_naming_its_class(event, message):
    with pytest.raises(TypeError, match=re.escape(message)):
        SequencedItemMapper().to_sequenced_item(event)
    assert type(event) not in esnb.course.topics._REGISTERED


def test_an_event_whose_only_slots_are_dict_and_weakref_round_trips():
    mapper = SequencedItemMapper()
    event = DictSlot(originator_id=ENTITY_ID, originator_version=2, note="kept")
    rebuilt = mapper.from_sequenced_item(mapper.to_sequenced_item(event))
    assert type(rebuilt) is DictSlot and vars(rebuilt) == vars(event)


def test_a_rows_own_columns_win_over_data_that_names_them():
    item = SequencedItem(ENTITY_ID, 1, "esnb.course.events:Created", '{"originator_version":99,"foo":"bar"}')
    rebuilt = SequencedItemMapper().from_sequenced_item(item)
    assert (rebuilt.originator_id, rebuilt.originator_version, rebuilt.foo) == (ENTITY_ID, 1, "bar")


def test_the_path_to_a_value_nested_too_deeply_is_shown_by_its_ends():
    value: list = []
    for _ in range(150):
        value = [value]
    with pytest.raises(TypeError) as raised:
        encode_attributes({"deep": value})
    message = str(raised.value)
    assert message.startswith("attribute 'deep' cannot be stored: list at deep[0][0][0][0]…") and "more…" in message
    assert len(message) < 300


def test_a_topic_resolves_to_the_class_its_module_holds_now_even_after_an_earlier_read(monkeypatch):
    """Redefining an event class in a notebook rebinds its name: the topic must follow, however often it was read."""
    topic = get_topic(Created)  # from esnb.course.events
    assert resolve_topic(topic) is Created
    assert resolve_topic(topic) is Created  # now remembered

    class Created2(esnb.DomainEvent):
        pass

    monkeypatch.setattr(sys.modules["esnb.course.events"], "Created", Created2)
    assert resolve_topic(topic) is Created2
    monkeypatch.setattr(sys.modules["esnb.course.events"], "Created", "not a class")
    with pytest.raises(TopicResolutionError, match="not a class"):
        resolve_topic(topic)
