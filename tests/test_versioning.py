"""Versioning (notebook 15): rows written by old code are read by new code, on every backend.

Each test defines its classes by running source text into a module of its own, as a program would import
them, writes rows, then runs a newer source into the same module: the old class is gone, as after a deploy.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from esnb import (
    EventDecodingError,
    SequencedItem,
    SequencedItemMapper,
    SQLAlchemyDatastore,
    TopicResolutionError,
    UpcastingMapper,
    event_store_for,
    register_event_class,
)

BANK, MOVED = "esnb_test_bank", "esnb_test_bank_moved"

V1 = '''
from esnb import DomainEvent

class Deposited(DomainEvent):
    """Version 1: an amount, in euros."""
'''

V2 = '''
from esnb import DomainEvent

class Deposited(DomainEvent):
    """Version 2: an amount in a currency."""

    class_version = 2

    def __init__(self, amount, currency, **kwargs):
        super().__init__(**kwargs)
        self.amount = amount
        self.currency = currency

    @staticmethod
    def upcast_v1_v2(attributes):
        return {**attributes, "currency": "EUR"}
'''

V3 = '''
from esnb import DomainEvent

class {name}(DomainEvent):
    """Version 3: the currency is called currency_code."""

    class_version = 3

    def __init__(self, amount, currency_code, **kwargs):
        super().__init__(**kwargs)
        self.amount = amount
        self.currency_code = currency_code

    @staticmethod
    def upcast_v1_v2(attributes):
        return {{**attributes, "currency": "EUR"}}

    @staticmethod
    def upcast_v2_v3(attributes):
        upgraded = dict(attributes)
        upgraded["currency_code"] = upgraded.pop("currency")
        return upgraded
'''


@pytest.fixture
def load() -> Iterator[Any]:
    """A function that runs source into a fresh module of a name, replacing the module before it."""
    names: list[str] = []

    def run(name: str, source: str) -> types.ModuleType:
        module = types.ModuleType(name)
        sys.modules[name] = module
        names.append(name)
        exec(compile(source, f"<{name}>", "exec"), vars(module))
        return module

    yield run
    for name in names:
        sys.modules.pop(name, None)


def fields(event: Any) -> dict[str, Any]:
    return {name: value for name, value in vars(event).items() if name not in ("originator_id", "originator_version")}


def test_rows_written_by_old_code_are_read_by_new_code(datastore: SQLAlchemyDatastore, load: Any) -> None:
    account_id = uuid4()
    old = load(BANK, V1)
    event_store_for(datastore.session).append([  # the old code, with the course's plain mapper
        old.Deposited(originator_id=account_id, originator_version=0, amount=Decimal("10.00")),
        old.Deposited(originator_id=account_id, originator_version=1, amount=Decimal("25.00")),
    ])
    middle = load(BANK, V2)
    store = event_store_for(datastore.session, mapper=UpcastingMapper())
    store.append(middle.Deposited(originator_id=account_id, originator_version=2, amount=Decimal("7.50"),
                                  currency="USD"))
    rows_before = store.active_record_strategy.list_items(account_id)

    new = load(BANK, V3.format(name="Deposited"))
    store = event_store_for(datastore.session, mapper=UpcastingMapper())
    store.append(new.Deposited(originator_id=account_id, originator_version=3, amount=Decimal("2.50"),
                               currency_code="EUR"))
    events = store.get_domain_events(account_id)

    assert all(type(event) is new.Deposited for event in events)
    assert [fields(event) for event in events] == [
        {"amount": Decimal("10.00"), "currency_code": "EUR"},
        {"amount": Decimal("25.00"), "currency_code": "EUR"},
        {"amount": Decimal("7.50"), "currency_code": "USD"},
        {"amount": Decimal("2.50"), "currency_code": "EUR"},
    ]
    assert [event.originator_version for event in events] == [0, 1, 2, 3]
    assert [fields(event) for _, event in store.read_all() if event.originator_id == account_id] == [
        fields(event) for event in events
    ]
    assert fields(store.get_most_recent_event(account_id)) == {"amount": Decimal("2.50"), "currency_code": "EUR"}
    # Reading changed no row: the old rows are as they were written.
    assert store.active_record_strategy.list_items(account_id)[:3] == rows_before
    assert [item.data for item in rows_before] == [
        '{"amount":{"__decimal__":"10.00"}}',
        '{"amount":{"__decimal__":"25.00"}}',
        '{"class_version":2,"amount":{"__decimal__":"7.50"},"currency":"USD"}',
    ]


def test_a_renamed_and_moved_class_keeps_loading_through_a_topic_alias(
    datastore: SQLAlchemyDatastore, load: Any
) -> None:
    account_id = uuid4()
    old = load(BANK, V1)
    event_store_for(datastore.session).append(
        old.Deposited(originator_id=account_id, originator_version=0, amount=Decimal("10.00"))
    )
    del sys.modules[BANK]  # the old module is gone
    moved = load(MOVED, V3.format(name="MoneyDeposited"))

    with pytest.raises(TopicResolutionError, match="module 'esnb_test_bank' is not imported"):
        event_store_for(datastore.session, mapper=UpcastingMapper()).get_domain_events(account_id)

    mapper = UpcastingMapper(topic_aliases={f"{BANK}:Deposited": moved.MoneyDeposited})
    store = event_store_for(datastore.session, mapper=mapper)
    store.append(moved.MoneyDeposited(originator_id=account_id, originator_version=1, amount=Decimal("1.00"),
                                      currency_code="USD"))
    events = store.get_domain_events(account_id)
    assert all(type(event) is moved.MoneyDeposited for event in events)
    assert [fields(event) for event in events] == [
        {"amount": Decimal("10.00"), "currency_code": "EUR"},
        {"amount": Decimal("1.00"), "currency_code": "USD"},
    ]
    assert [item.topic for item in store.active_record_strategy.list_items(account_id)] == [
        f"{BANK}:Deposited", f"{MOVED}:MoneyDeposited"
    ]


def test_a_class_at_version_1_writes_the_rows_the_course_mapper_writes(load: Any) -> None:
    old = load(BANK, V1)
    event = old.Deposited(originator_id=uuid4(), originator_version=0, amount=Decimal("1.00"))
    assert UpcastingMapper().to_sequenced_item(event) == SequencedItemMapper().to_sequenced_item(event)


SNAPSHOT = '''
class Snapshot:
    """Not an event: the state of an account at one version. Version 2 keeps the state in one dict."""

    class_version = 2

    @staticmethod
    def upcast_v1_v2(attributes):
        return {"state": {"balance": attributes.pop("balance")}, **attributes}
'''


def test_any_registered_class_is_versioned_the_same_way(load: Any) -> None:
    """Not only events: a snapshot class, say, that is no DomainEvent, gets its class_version and upcasters too."""
    module = load(BANK, SNAPSHOT)
    topic = register_event_class(module.Snapshot)
    entity_id = uuid4()
    old_row = SequencedItem(entity_id, 4, topic, '{"balance":{"__decimal__":"5.00"}}')
    snapshot = UpcastingMapper().from_sequenced_item(old_row)
    assert type(snapshot) is module.Snapshot
    assert vars(snapshot) == {"state": {"balance": Decimal("5.00")}, "originator_id": entity_id,
                              "originator_version": 4}
    stored = UpcastingMapper().to_sequenced_item(snapshot).data
    assert stored == '{"class_version":2,"state":{"balance":{"__decimal__":"5.00"}}}'


@pytest.mark.parametrize(("data", "message"), [
    ('{"class_version":4,"amount":1}', "it was written by version 4 of Deposited, and this program has version 3: "
                                       "only newer code can read it"),
    ('{"class_version":0,"amount":1}', "its class_version 0 is not an int from 1 up"),
    ('{"class_version":"2","amount":1}', "its class_version '2' is not an int from 1 up"),
    ('{"class_version":2,"amount":1}', "Deposited.upcast_v2_v3 raised KeyError: 'currency'"),
])
def test_a_row_the_chain_cannot_bring_up_is_refused_with_one_error_naming_it(
    load: Any, data: str, message: str
) -> None:
    load(BANK, V3.format(name="Deposited"))
    row = SequencedItem(uuid4(), 7, f"{BANK}:Deposited", data)
    with pytest.raises(EventDecodingError) as caught:
        UpcastingMapper().from_sequenced_item(row)
    assert str(caught.value) == f"cannot read the event at position 7 of sequence {row.sequence_id}: {message}"
    assert caught.value.__suppress_context__


def test_a_missing_upcaster_is_named(load: Any) -> None:
    module = load(BANK, V3.format(name="Deposited"))
    del module.Deposited.upcast_v1_v2
    row = SequencedItem(uuid4(), 0, f"{BANK}:Deposited", '{"amount":1}')
    with pytest.raises(EventDecodingError, match="Deposited is at version 3, and has no upcast_v1_v2 for a row of "
                                                 "version 1"):
        UpcastingMapper().from_sequenced_item(row)


def test_the_mapper_refuses_an_attribute_named_class_version_and_a_bad_class_version(load: Any) -> None:
    module = load(BANK, V1)
    with pytest.raises(TypeError, match="attribute 'class_version' is the mapper's own"):
        UpcastingMapper().to_sequenced_item(module.Deposited(originator_id=uuid4(), originator_version=0,
                                                             class_version=2))
    module.Deposited.class_version = "2"
    with pytest.raises(TypeError, match=r"Deposited\.class_version must be an int from 1 up, not '2'"):
        UpcastingMapper().to_sequenced_item(module.Deposited(originator_id=uuid4(), originator_version=0))


def test_an_upcaster_cannot_move_an_event(load: Any) -> None:
    module = load(BANK, V2)
    module.Deposited.upcast_v1_v2 = staticmethod(lambda attributes: {**attributes, "originator_version": 99,
                                                                     "currency": "EUR"})
    row = SequencedItem(uuid4(), 3, f"{BANK}:Deposited", '{"amount":1}')
    event = UpcastingMapper().from_sequenced_item(row)
    assert (event.originator_id, event.originator_version, event.currency) == (row.sequence_id, 3, "EUR")
