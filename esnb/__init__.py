"""esnb: event sourcing, notebook by notebook.

The names below come from `esnb.course`, the modules saved from the course
notebooks, and include every library name the seed walkthrough imports.
They are loaded on first use, so `python -m esnb.sync` still runs when a
saved module is missing or broken and needs saving again.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "esnb.course.active_records": ["MAX_DATA_BYTES", "SQLAlchemyActiveRecordStrategy", "is_unique_violation"],
    "esnb.course.application": ["ExampleApplication", "PersistencePolicy"],
    "esnb.course.datastore": ["SharedConnectionPool", "SQLAlchemyDatastore", "SQLAlchemySettings", "engine_options"],
    "esnb.course.domain": ["Example", "create_new_example", "mutate"],
    "esnb.course.errors": [
        "ConcurrencyError",
        "DatabaseLockedError",
        "DatastoreClosedError",
        "EntityIsDiscarded",
        "EsnbError",
        "EventDecodingError",
        "SequenceGapError",
        "TopicResolutionError",
        "UnguardedTableError",
        "UnknownOutcomeError",
    ],
    "esnb.course.event_store": ["EventStore"],
    "esnb.course.events": ["AttributeChanged", "Created", "Discarded", "DomainEvent"],
    "esnb.course.mapper": ["SequencedItem", "SequencedItemMapper"],
    "esnb.course.mutators": ["mutator"],
    "esnb.course.pubsub": ["publish", "subscribe", "subscribers", "unsubscribe"],
    "esnb.course.records": ["ActiveRecord", "SequencedItemRecord"],
    "esnb.course.repository": ["EventSourcedRepository"],
    "esnb.course.topics": ["get_topic", "register_event_class", "resolve_topic"],
    "esnb.course.transcoding": ["decode_attributes", "encode_attributes"],
    "esnb.course.unit_of_work": ["AtomicExampleApplication", "UnitOfWork"],
    "esnb.databases": ["database_url"],
}
_MODULE_OF = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module 'esnb' has no attribute {name!r}")
    value = getattr(importlib.import_module(_MODULE_OF[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
