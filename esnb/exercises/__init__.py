"""Self-checks for the course's exercises: one module per notebook, such as `esnb.exercises.nb02`.

A check runs the learner's code, prints one line that starts with ✓ or ✗ and says
what is right or wrong, and never raises: a notebook keeps running past a failed
exercise. The learner's placeholder raises `NotImplementedError(PLACEHOLDER)`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

PLACEHOLDER = "your code here"


class Wrong(Exception):
    """What a check found wrong with an answer, said in one or two lines."""


def report(title: str, check: Callable[[], str]) -> bool:
    """Run one check and print its verdict: ✓ with the check's message, or ✗ with what is wrong."""
    try:
        success = check()
    except Wrong as wrong:
        verdict = f"✗ {title}: {wrong}"
    except NotImplementedError as error:
        if error.args == (PLACEHOLDER,):
            verdict = f"✗ {title}: not done yet. Replace `raise NotImplementedError({PLACEHOLDER!r})` with your answer."
        else:
            verdict = f"✗ {title}: your code raised NotImplementedError: {error}"
    except Exception as error:
        verdict = f"✗ {title}: your code raised {type(error).__name__}: {error}"
    else:
        print(f"✓ {title}: {success}")
        return True
    print(verdict)
    return False


@contextmanager
def subscribers_emptied(subscribers: list[Any]) -> Iterator[None]:
    """Run with an empty subscriber list, then put back the subscribers that were there before."""
    saved = list(subscribers)
    subscribers.clear()
    try:
        yield
    finally:
        subscribers[:] = saved


class Tracked:
    """A datastore, an event store on its table, and the sequence ids whose rows are removed at the end."""

    def __init__(self, datastore: Any, event_store: Any) -> None:
        self.datastore = datastore
        self.event_store = event_store
        self.ids: list[UUID] = []

    def track(self, sequence_id: UUID) -> UUID:
        self.ids.append(sequence_id)
        return sequence_id


@contextmanager
def scratch_store(url: str | None = None, event_store_class: Any = None) -> Iterator[Tracked]:
    """A connected datastore with the sequenced-items table and an event store on it; tidied up afterwards.

    Rows of the tracked sequence ids are deleted at the end; a table the check made is dropped
    (an in-memory SQLite database goes with its connection).
    """
    from sqlalchemy import delete, inspect
    from sqlalchemy.exc import SAWarning

    from esnb.course.active_records import SQLAlchemyActiveRecordStrategy
    from esnb.course.datastore import SQLAlchemyDatastore, SQLAlchemySettings
    from esnb.course.event_store import EventStore
    from esnb.course.mapper import SequencedItemMapper
    from esnb.course.records import ActiveRecord, SequencedItemRecord
    from esnb.databases import database_url, is_in_memory

    url = url or database_url()
    datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri=url))
    datastore.setup_connection()
    try:
        had_table = inspect(datastore.engine).has_table(SequencedItemRecord.__tablename__)
        datastore.setup_table(SequencedItemRecord)
        strategy = SQLAlchemyActiveRecordStrategy(session=datastore.session, active_record_class=SequencedItemRecord)
        store = (event_store_class or EventStore)(active_record_strategy=strategy,
                                                  sequenced_item_mapper=SequencedItemMapper())
        tracked = Tracked(datastore, store)
        try:
            yield tracked
        finally:
            session = datastore.session
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SAWarning)
                session.rollback()
            if had_table:
                if tracked.ids:
                    session.execute(delete(SequencedItemRecord).where(SequencedItemRecord.sequence_id.in_(tracked.ids)))
                session.commit()
            elif not is_in_memory(url):
                session.close()
                datastore.drop_table(SequencedItemRecord)
    finally:
        datastore.close_connection()
