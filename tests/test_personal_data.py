"""Crypto-shredding on every backend: personal fields sealed, a changed row detected, a forgotten person forgotten."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID, uuid4

import pytest
from sqlalchemy import select, update

from esnb.course.crypto_shredding import (
    FORGOTTEN,
    PERSONAL,
    CustomerForgotten,
    CustomerRegistered,
    EmailChanged,
    KeyStore,
    PersonalDataMapper,
    PersonalKeyRecord,
    SubjectForgotten,
    TamperedRowError,
)
from esnb.course.datastore import SQLAlchemyDatastore
from esnb.course.event_store import EventStore
from esnb.course.infrastructure import event_store_for
from esnb.course.records import SequencedItemRecord
from esnb.course.transcoding import decode_attributes, encode_attributes

pytestmark = pytest.mark.usefixtures("subscribers_kept")


@pytest.fixture
def key_store(datastore: SQLAlchemyDatastore) -> KeyStore:
    keys = KeyStore(datastore.engine)
    keys.setup()
    return keys


@pytest.fixture
def sealed_store(datastore: SQLAlchemyDatastore, key_store: KeyStore) -> EventStore:
    return event_store_for(datastore.session, mapper=PersonalDataMapper(key_store))


@pytest.fixture
def ada(sealed_store: EventStore) -> Iterator[UUID]:
    customer = uuid4()
    sealed_store.append(CustomerRegistered(originator_id=customer, originator_version=0, name="Ada",
                                           email="ada@example.com", plan="free"))
    sealed_store.append(EmailChanged(originator_id=customer, originator_version=1, email="ada@example.org"))
    yield customer


def row_data(datastore: SQLAlchemyDatastore, customer: UUID) -> list[str]:
    columns = SequencedItemRecord.__table__.c
    with datastore.engine.begin() as connection:
        query = select(columns.data).where(columns.sequence_id == customer).order_by(columns.position)
        return list(connection.scalars(query))


def set_data(datastore: SQLAlchemyDatastore, customer: UUID, position: int, data: str) -> None:
    columns = SequencedItemRecord.__table__.c
    with datastore.engine.begin() as connection:
        connection.execute(update(SequencedItemRecord).where(columns.sequence_id == customer,
                                                             columns.position == position).values(data=data))


def test_personal_fields_round_trip_and_are_not_stored_in_plain_text(
    datastore: SQLAlchemyDatastore, sealed_store: EventStore, ada: UUID
) -> None:
    registered, changed = sealed_store.get_domain_events(ada)
    assert (registered.name, registered.email, registered.plan, changed.email) == (
        "Ada", "ada@example.com", "free", "ada@example.org")
    stored = row_data(datastore, ada)
    assert not any("Ada" in data or "example" in data for data in stored)
    assert decode_attributes(stored[0])["plan"] == "free"  # what is not personal stays readable


def test_each_subject_has_one_key(datastore: SQLAlchemyDatastore, key_store: KeyStore, ada: UUID) -> None:
    with datastore.engine.begin() as connection:
        keys = list(connection.scalars(select(PersonalKeyRecord.key).where(PersonalKeyRecord.subject_id == ada)))
    assert len(keys) == 1 and keys[0] is not None and len(keys[0]) == 32
    assert key_store.key_to_write(ada) == keys[0]


@pytest.mark.parametrize("change", ["plain field", "sealed value", "sealed value of another row", "no seal"])
def test_a_changed_row_is_detected_and_named(
    datastore: SQLAlchemyDatastore, sealed_store: EventStore, ada: UUID, change: str
) -> None:
    first, second = row_data(datastore, ada)
    attributes = decode_attributes(first)
    if change == "plain field":
        attributes["plan"] = "pro"
    elif change == "sealed value":
        sealed = attributes[PERSONAL]
        attributes[PERSONAL] = sealed[:20] + ("A" if sealed[20] != "A" else "B") + sealed[21:]
    elif change == "sealed value of another row":
        attributes[PERSONAL] = decode_attributes(second)[PERSONAL]
    else:
        del attributes[PERSONAL]
    set_data(datastore, ada, 0, encode_attributes(attributes))
    with pytest.raises(TamperedRowError) as raised:
        sealed_store.get_domain_events(ada)
    assert str(raised.value) == (f"cannot read the event at position 0 of sequence {ada}: it was changed after it "
                                 "was written (its AES-GCM tag does not match)")


def test_forgetting_leaves_events_loadable_with_personal_fields_forgotten(
    datastore: SQLAlchemyDatastore, key_store: KeyStore, sealed_store: EventStore, ada: UUID
) -> None:
    bob = uuid4()
    sealed_store.append(CustomerRegistered(originator_id=bob, originator_version=0, name="Bob",
                                           email="bob@example.com", plan="pro"))
    stored_before = row_data(datastore, ada)
    key_store.forget(ada)
    registered, changed = sealed_store.get_domain_events(ada)
    assert (registered.name, registered.email, registered.plan, changed.email) == (
        FORGOTTEN, FORGOTTEN, "free", FORGOTTEN)
    assert row_data(datastore, ada) == stored_before  # no stored row changed
    assert sealed_store.get_domain_events(bob)[0].email == "bob@example.com"  # nobody else is forgotten


def test_nothing_personal_can_be_written_for_a_forgotten_subject(
    key_store: KeyStore, sealed_store: EventStore, ada: UUID
) -> None:
    key_store.forget(ada)
    with pytest.raises(SubjectForgotten, match=f"data subject {ada} was forgotten: nothing new can be written"):
        sealed_store.append(EmailChanged(originator_id=ada, originator_version=2, email="ada@example.net"))
    sealed_store.append(CustomerForgotten(originator_id=ada, originator_version=2))
    assert [type(event) for event in sealed_store.get_domain_events(ada)] == [
        CustomerRegistered, EmailChanged, CustomerForgotten]


def test_forgetting_a_subject_never_written_about_bars_them_too(key_store: KeyStore, sealed_store: EventStore) -> None:
    stranger = uuid4()
    key_store.forget(stranger)
    key_store.forget(stranger)  # forgetting twice is harmless
    assert key_store.key_to_read(stranger) is None
    with pytest.raises(SubjectForgotten):
        sealed_store.append(CustomerRegistered(originator_id=stranger, originator_version=0, name="X",
                                               email="x@example.com", plan="free"))


def test_the_mappers_own_attribute_is_refused(sealed_store: EventStore) -> None:
    with pytest.raises(TypeError, match="attribute 'personal' is the mapper's own"):
        sealed_store.append(EmailChanged(originator_id=uuid4(), originator_version=0, email="e", personal="p"))
