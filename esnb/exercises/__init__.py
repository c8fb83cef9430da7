"""Self-checks for the course's exercises: one module per notebook, such as `esnb.exercises.nb02`.

A check runs the learner's code, prints one line that starts with ✓ or ✗ and says
what is right or wrong, and never raises: a notebook keeps running past a failed
exercise. The learner's placeholder raises `NotImplementedError(PLACEHOLDER)`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from esnb.course.storage import RecordStrategy, SequencedItem, as_batch

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


class RecordingStrategy:
    """The one fake strategy of the checks: it implements `RecordStrategy` by passing every call on to a real
    strategy, and records what each call moved, so a check can say how much the learner's code read or wrote.

    `appended` holds the number of items of each append. `read` holds one entry per call of list_items,
    the number of items it returned, and a 1 for each item that read_all handed out.
    """

    def __init__(self, inner: RecordStrategy) -> None:
        self.inner = inner
        self.appended: list[int] = []
        self.read: list[int] = []

    def append(self, items: SequencedItem | Sequence[SequencedItem]) -> None:
        batch: list[SequencedItem] = as_batch(items)
        self.appended.append(len(batch))
        self.inner.append(batch)

    def list_items(
        self,
        sequence_id: UUID,
        *,
        gt: int | None = None,
        gte: int | None = None,
        lt: int | None = None,
        lte: int | None = None,
        limit: int | None = None,
        descending: bool = False,
    ) -> list[SequencedItem]:
        items = self.inner.list_items(sequence_id, gt=gt, gte=gte, lt=lt, lte=lte, limit=limit, descending=descending)
        self.read.append(len(items))
        return items

    def read_all(self, start: int = 1, page_size: int = 1000) -> Iterator[tuple[int, SequencedItem]]:
        for pair in self.inner.read_all(start, page_size):
            self.read.append(1)
            yield pair


class Tracked:
    """A datastore, an event store on its table, its recording strategy, and the sequence ids whose rows are
    removed at the end."""

    def __init__(self, datastore: Any, event_store: Any, strategy: RecordingStrategy) -> None:
        self.datastore = datastore
        self.event_store = event_store
        self.strategy = strategy
        self.ids: list[UUID] = []

    def track(self, sequence_id: UUID) -> UUID:
        self.ids.append(sequence_id)
        return sequence_id


@contextmanager
def scratch_store(url: str | None = None) -> Iterator[Tracked]:
    """A connected datastore with the sequenced-items table and an event store on it; tidied up afterwards.

    The event store's strategy is a RecordingStrategy around the course's strategy.

    Rows of the tracked sequence ids are deleted at the end; a table the check made is dropped
    (an in-memory SQLite database goes with its connection).
    """
    from sqlalchemy import delete, inspect
    from sqlalchemy.exc import SAWarning

    from esnb.course.datastore import SQLAlchemyDatastore, SQLAlchemySettings
    from esnb.course.infrastructure import event_store_for
    from esnb.course.records import ActiveRecord, SequencedItemRecord
    from esnb.databases import database_url, is_in_memory

    url = url or database_url()
    datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(uri=url))
    datastore.setup_connection()
    try:
        had_table = inspect(datastore.engine).has_table(SequencedItemRecord.__tablename__)
        datastore.setup_table(SequencedItemRecord)
        store = event_store_for(datastore.session)
        strategy = store.active_record_strategy = RecordingStrategy(store.active_record_strategy)
        tracked = Tracked(datastore, store, strategy)
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


def crashed(case: str, error: Exception) -> Exception:
    """The learner's placeholder or a check's verdict as it is; any other error, as a Wrong naming the case."""
    if isinstance(error, Wrong) or (isinstance(error, NotImplementedError) and error.args == (PLACEHOLDER,)):
        return error
    return Wrong(f"{case}, your code raised {type(error).__name__}: {error}")


def call(case: str, answer: Callable[..., Any], *args: Any, passing: tuple[type[Exception], ...] = ()) -> Any:
    """Call the learner's code; the errors in `passing` go on as they are, any other says which case crashed."""
    try:
        return answer(*args)
    except passing:
        raise
    except Exception as error:
        raise crashed(case, error) from None


class RacingRepository:
    """A repository that lets another writer change one entity just after the learner's code first loads it."""

    def __init__(self, repository: Any, raced_id: UUID, other_writer: Callable[[Any], None]) -> None:
        self.repository = repository
        self.raced_id = raced_id
        self.other_writer = other_writer
        self.raced = False
        self.loads = 0

    def __getitem__(self, entity_id: UUID) -> Any:
        entity = self.repository[entity_id]
        self.loads += entity_id == self.raced_id
        if entity_id == self.raced_id and not self.raced:
            self.raced = True
            self.other_writer(entity)
        return entity

    def __contains__(self, entity_id: UUID) -> bool:
        return entity_id in self.repository

    def get_entity(self, entity_id: UUID) -> Any:
        return self.repository.get_entity(entity_id)


def another_writer_sets_foo(event_store: Any, suffix: str) -> Callable[[Any], None]:
    """Another writer who appends `foo + suffix` at the loaded entity's version, straight into the store."""
    from esnb.course.events import AttributeChanged

    def write(loaded: Any) -> None:
        event_store.append(AttributeChanged(originator_id=loaded.id, originator_version=loaded.__version__,
                                            name="foo", value=loaded.foo + suffix))

    return write


def an(value: Any) -> str:
    """'an Example', 'a dict', 'None': what a value is, for a message."""
    if value is None:
        return "None"
    name = type(value).__name__
    return f"an {name}" if name[0].lower() in "aeiou" else f"a {name}"
