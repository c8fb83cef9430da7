"""The seed's stand-alone walkthrough, run as a script so its domain classes live in __main__.

Only the library imports differ from the seed: its infrastructure names come
from esnb, and declarative_base from sqlalchemy.orm (SQLAlchemy 2 removed
sqlalchemy.ext.declarative.api). The database URI comes from WALKTHROUGH_URI.
"""
import os
import time
import uuid


class DomainEvent(object):
    """
    Supertype for domain event objects.
    """
    def __init__(self, originator_id, originator_version, **kwargs):
        self.originator_id = originator_id
        self.originator_version = originator_version
        self.__dict__.update(kwargs)


class Created(DomainEvent):
    """
    Published when an entity is created.
    """
    def __init__(self, **kwargs):
        super(Created, self).__init__(originator_version=0, **kwargs)


class AttributeChanged(DomainEvent):
    """
    Published when an attribute value is changed.
    """
    def __init__(self, name, value, **kwargs):
        super(AttributeChanged, self).__init__(**kwargs)
        self.name = name
        self.value = value


class Discarded(DomainEvent):
    """
    Published when an entity is discarded.
    """


subscribers = []


def publish(event):
    for subscriber in subscribers:
        subscriber(event)


def subscribe(subscriber):
    subscribers.append(subscriber)


def unsubscribe(subscriber):
    subscribers.remove(subscriber)


class Example(object):
    """
    Example domain entity.
    """
    def __init__(self, originator_id, originator_version=0, foo=''):
        self._id = originator_id
        self.___version__ = originator_version
        self._is_discarded = False
        self._foo = foo

    @property
    def id(self):
        return self._id

    @property
    def __version__(self):
        return self.___version__

    @property
    def foo(self):
        return self._foo

    @foo.setter
    def foo(self, value):
        assert not self._is_discarded
        event = AttributeChanged(
            originator_id=self.id,
            originator_version=self.__version__,
            name='foo',
            value=value,
        )
        mutate(self, event)
        publish(event)

    def discard(self):
        assert not self._is_discarded
        event = Discarded(
            originator_id=self.id,
            originator_version=self.__version__
        )
        mutate(self, event)
        publish(event)


def create_new_example(foo):
    """
    Factory for Example entities.
    """
    entity_id = uuid.uuid4()
    event = Created(
        originator_id=entity_id,
        foo=foo
    )
    entity = mutate(None, event)
    publish(event=event)
    return entity


def mutate(entity, event):
    """
    Mutator function for Example entities.
    """
    if isinstance(event, Created):
        entity = Example(**event.__dict__)
        entity.___version__ += 1
        return entity
    elif isinstance(event, AttributeChanged):
        assert not entity._is_discarded
        setattr(entity, '_' + event.name, event.value)
        entity.___version__ += 1
        return entity
    elif isinstance(event, Discarded):
        assert not entity._is_discarded
        entity.___version__ += 1
        entity._is_discarded = True
        return None
    else:
        raise NotImplementedError(type(event))


received_events = []
subscribe(lambda e: received_events.append(e))

entity = create_new_example(foo='bar')
assert entity.id
assert entity.__version__ == 1
assert len(received_events) == 1, received_events
assert isinstance(received_events[0], Created)
assert received_events[0].originator_id == entity.id
assert received_events[0].originator_version == 0
assert received_events[0].foo == 'bar'
assert entity.foo == 'bar'
entity.foo = 'baz'
assert entity.foo == 'baz'
assert entity.__version__ == 2
assert len(received_events) == 2, received_events
assert isinstance(received_events[1], AttributeChanged)
assert received_events[1].originator_version == 1
assert received_events[1].name == 'foo'
assert received_events[1].value == 'baz'


from sqlalchemy.orm import declarative_base
from sqlalchemy.sql.schema import Column, Sequence, Index
from sqlalchemy.sql.sqltypes import BigInteger, Integer, String, Text
from sqlalchemy_utils import UUIDType

ActiveRecord = declarative_base()


class SequencedItemRecord(ActiveRecord):
    __tablename__ = 'sequenced_items'

    id = Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    sequence_id = Column(UUIDType(), nullable=False)
    position = Column(BigInteger(), nullable=False)
    topic = Column(String(255))
    data = Column(Text())

    __table_args__ = Index('index', 'sequence_id', 'position', unique=True),


from esnb import SQLAlchemySettings, SQLAlchemyDatastore

datastore = SQLAlchemyDatastore(
    base=ActiveRecord,
    settings=SQLAlchemySettings(uri=os.environ.get('WALKTHROUGH_URI', 'sqlite:///:memory:')),
)

datastore.setup_connection()
datastore.setup_table(SequencedItemRecord)

from esnb import EventStore
from esnb import SQLAlchemyActiveRecordStrategy
from esnb import SequencedItemMapper

active_record_strategy = SQLAlchemyActiveRecordStrategy(
    session=datastore.session,
    active_record_class=SequencedItemRecord,
)

sequenced_item_mapper = SequencedItemMapper(
    sequence_id_attr_name='originator_id',
    position_attr_name='originator_version'
)

event_store = EventStore(
    active_record_strategy=active_record_strategy,
    sequenced_item_mapper=sequenced_item_mapper
)

from esnb import EventSourcedRepository

example_repository = EventSourcedRepository(
    event_store=event_store,
    mutator_func=mutate
)

for event in received_events:
    event_store.append(event)

stored_events = event_store.get_domain_events(entity.id)
assert len(stored_events) == 2, (received_events, stored_events)

retrieved_entity = example_repository[entity.id]
assert retrieved_entity.foo == 'baz'

sequenced_items = event_store.active_record_strategy.list_items(entity.id)

assert len(sequenced_items) == 2

assert sequenced_items[0].sequence_id == entity.id
assert sequenced_items[0].position == 0
assert 'Created' in sequenced_items[0].topic
assert 'bar' in sequenced_items[0].data

assert sequenced_items[1].sequence_id == entity.id
assert sequenced_items[1].position == 1
assert 'AttributeChanged' in sequenced_items[1].topic
assert 'baz' in sequenced_items[1].data


class PersistencePolicy(object):
    def __init__(self, event_store):
        self.event_store = event_store
        subscribe(self.store_event)

    def close(self):
        unsubscribe(self.store_event)

    def store_event(self, event):
        self.event_store.append(event)


class ExampleApplication(object):
    def __init__(self, session):
        self.event_store = EventStore(
            active_record_strategy=SQLAlchemyActiveRecordStrategy(
                active_record_class=SequencedItemRecord,
                session=session,
            ),
            sequenced_item_mapper=SequencedItemMapper(
                sequence_id_attr_name='originator_id',
                position_attr_name='originator_version'
            )
        )
        self.persistence_policy = PersistencePolicy(
            event_store=self.event_store
        )
        self.example_repository = EventSourcedRepository(
            event_store=self.event_store,
            mutator_func=mutate
        )

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.persistence_policy.close()


with ExampleApplication(datastore.session) as app:
    example = create_new_example(foo='bar')
    assert example.id in app.example_repository
    assert app.example_repository[example.id].foo == 'bar'
    example.foo = 'baz'
    assert app.example_repository[example.id].foo == 'baz'
    example.discard()
    assert example.id not in app.example_repository

print("walkthrough passed")
