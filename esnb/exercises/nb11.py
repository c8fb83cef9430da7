"""Checks for the exercises of notebook 11 · Performance.

The checks count round trips and appends, never time, so their verdicts are the same on every
machine. 11.2 uses a datastore of its own (see `esnb.exercises.scratch_store`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from uuid import UUID, uuid4

from esnb.course.storage import RecordStrategy, SequencedItem, as_batch
from esnb.exercises import Wrong, call, report, scratch_store


def check_round_trips(round_trips: Callable[[int, bool], int]) -> None:
    """Exercise 11.1: `round_trips(rows, autocommit)` counts the round trips of one append on PostgreSQL."""
    report("Exercise 11.1", lambda: _round_trips(round_trips))


def check_import_backlog(import_backlog: Callable[[Any, list[list[Any]], int], int], url: str | None = None) -> None:
    """Exercise 11.2: `import_backlog(event_store, backlog, n)` stores every history whole, in few appends of at
    most n events."""
    report("Exercise 11.2", lambda: _import_backlog(import_backlog, url))


def _expected_round_trips(rows: int, autocommit: bool) -> int:
    from esnb.course.statements import ROWS_PER_INSERT

    if rows == 0:
        return 0
    inserts = -(-rows // ROWS_PER_INSERT)
    return 1 if autocommit and inserts == 1 else inserts + 2


def _round_trips(round_trips: Callable[[int, bool], int]) -> str:
    from esnb.course.statements import ROWS_PER_INSERT

    cases = [(10, False), (10, True), (ROWS_PER_INSERT, True), (1200, False), (1200, True), (ROWS_PER_INSERT + 1, True),
             (0, False), (0, True)]
    for rows, autocommit in cases:
        way = "in autocommit mode" if autocommit else "in a transaction"
        case = f"for an append of {rows:,} rows {way}"
        answer = call(case, round_trips, rows, autocommit)
        expected = _expected_round_trips(rows, autocommit)
        if type(answer) is not int:
            raise Wrong(f"{case}, round_trips returned {answer!r}, a {type(answer).__name__}: count round trips, "
                        "a whole number.")
        if answer == expected:
            continue
        inserts = -(-rows // ROWS_PER_INSERT)
        if rows == 0:
            raise Wrong(f"{case}, round_trips gave {answer}, not 0: an append of no rows returns before it talks to "
                        "the database.")
        if answer == expected + rows - inserts or answer == rows + (0 if autocommit and rows == 1 else 2):
            raise Wrong(f"{case}, round_trips gave {answer}, not {expected}: the rows of an append do not go one "
                        "by one; an INSERT carries up to ROWS_PER_INSERT of them.")
        if rows == ROWS_PER_INSERT and answer == _expected_round_trips(rows + 1, autocommit):
            raise Wrong(f"{case}, round_trips gave {answer}, not {expected}: {rows} rows fit in one INSERT, which "
                        "carries up to ROWS_PER_INSERT rows.")
        if rows > ROWS_PER_INSERT and answer == expected - 1:
            raise Wrong(f"{case}, round_trips gave {answer}, not {expected}: when the rows do not fill the last "
                        "INSERT, it still has to be sent.")
        if autocommit and inserts > 1 and answer == inserts:
            raise Wrong(f"{case}, round_trips gave {answer}, not {expected}: in autocommit mode each of those "
                        f"{inserts} INSERTs would commit alone, and a failure between them would leave the append half "
                        "stored. An append of several statements needs a transaction.")
        if autocommit and inserts == 1 and answer == inserts + 2:
            raise Wrong(f"{case}, round_trips gave {answer}, not {expected}: in autocommit mode a single statement "
                        "is a transaction of its own.")
        if expected == inserts + 2 and answer in (inserts, inserts + 1):
            raise Wrong(f"{case}, round_trips gave {answer}, not {expected}: a transaction costs two round trips of "
                        "its own, a BEGIN to open it and a COMMIT to end it.")
        raise Wrong(f"{case}, round_trips gave {answer}, not {expected}.")
    return "round_trips counts the INSERTs of an append, and a BEGIN and a COMMIT only where they are needed."


class _Appends:
    """A strategy that passes appends on, recording the sequence id of each item, and fails the append at
    `fail_at` (counting from 1) without storing it, as another writer's change would."""

    def __init__(self, inner: RecordStrategy, fail_at: int | None = None) -> None:
        self.inner = inner
        self.fail_at = fail_at
        self.appends: list[list[UUID]] = []

    def append(self, items: SequencedItem | Sequence[SequencedItem]) -> None:
        from esnb.course.errors import ConcurrencyError

        batch: list[SequencedItem] = as_batch(items)
        self.appends.append([item.sequence_id for item in batch])
        if len(self.appends) == self.fail_at:
            raise ConcurrencyError("another writer took one of these positions (the check made this append fail)")
        self.inner.append(batch)

    def list_items(
        self, sequence_id: UUID, *, gt: int | None = None, gte: int | None = None, lt: int | None = None,
        lte: int | None = None, limit: int | None = None, descending: bool = False,
    ) -> list[SequencedItem]:
        return self.inner.list_items(sequence_id, gt=gt, gte=gte, lt=lt, lte=lte, limit=limit, descending=descending)

    def read_all(self, start: int = 1, page_size: int = 1000) -> Iterator[tuple[int, SequencedItem]]:
        return self.inner.read_all(start, page_size)


# 36 events. Filling appends of at most 10 in order gives 4: [10], [4, 3, 3], [5, 2], [4, 4, 1]. The first history,
# and the second append, hold exactly N: an answer that starts a new append when the next history would make N
# makes more.
SIZES, N = [10, 4, 3, 3, 5, 2, 4, 4, 1], 10


def _backlog(track: Callable[[UUID], UUID]) -> list[list[Any]]:
    from esnb.course.events import AttributeChanged, Created

    backlog = []
    for size in SIZES:
        aggregate_id = track(uuid4())
        history: list[Any] = [Created(originator_id=aggregate_id, foo="imported")]
        history += [AttributeChanged(originator_id=aggregate_id, originator_version=version, name="foo",
                                     value=f"change {version}") for version in range(1, size)]
        backlog.append(history)
    return backlog


def _appends_filled_in_order(sizes: list[int], n: int) -> int:
    """The appends of whole histories taken in order, each append filled while the next history fits."""
    appends, room = 0, 0
    for size in sizes:
        if size > room:
            appends, room = appends + 1, n
        room -= size
    return appends


def _import_backlog(import_backlog: Callable[[Any, list[list[Any]], int], int], url: str | None) -> str:
    case = f"for a backlog of {len(SIZES)} histories of {SIZES} events, with n={N}"
    with scratch_store(url) as scratch:
        store = scratch.event_store
        inner = store.active_record_strategy
        recorder = store.active_record_strategy = _Appends(inner)
        backlog = _backlog(scratch.track)
        returned = call(case, import_backlog, store, [list(history) for history in backlog], N)
        biggest = max((len(ids) for ids in recorder.appends), default=0)
        if biggest > N:
            raise Wrong(f"{case}, an append held {biggest} events, more than n={N}: a transaction that big is what "
                        "the limit is there to prevent.")
        stored = [store.get_domain_events(history[0].originator_id) for history in backlog]
        if stored != backlog:
            missing = sum(len(history) for history in backlog) - sum(len(events) for events in stored)
            raise Wrong(f"{case}, {missing} of the {sum(SIZES)} events were not stored: every history must reach "
                        "the store." if missing > 0 else f"{case}, the store does not hold the histories as given.")
        split = _split_at(recorder.appends)

        # a backlog like it, with the append that holds the rest of a split history made to fail (else the second)
        failing = split or 2
        store.active_record_strategy = failing_recorder = _Appends(inner, fail_at=failing)
        again = _backlog(scratch.track)
        try:
            import_backlog(store, [list(history) for history in again], N)
        except Exception:
            refused = True
        else:
            refused = False
        half = [(len(events), len(history)) for history in again
                if 0 < len(events := store.get_domain_events(history[0].originator_id)) < len(history)]
        if half:
            kept, whole = half[0]
            raise Wrong(f"{case}, when append {failing} failed, a history was left with {kept} of its {whole} events "
                        "stored: an aggregate's events must go in one append, so that they are stored all together "
                        "or not at all.")
        if not refused and len(failing_recorder.appends) >= failing:
            raise Wrong(f"{case}, append {failing} failed, but import_backlog returned as if the import was done: "
                        "let the error reach the caller.")

        in_order = _appends_filled_in_order(SIZES, N)
        if len(recorder.appends) > in_order:
            raise Wrong(f"{case}, it made {len(recorder.appends)} appends where {in_order} or fewer would do: each "
                        "append costs at least one round trip, so put as many whole histories in one as n allows."
                        + _sent_too_soon(recorder.appends))
        if returned != len(recorder.appends):
            raise Wrong(f"{case}, it made {len(recorder.appends)} appends, but returned {returned!r}: "
                        "return the number of appends.")
    return "import_backlog stores whole histories, in few appends of at most n events."


def _sent_too_soon(appends: list[list[UUID]]) -> str:
    """A sentence about the first append sent while the next history would still have fitted in it, if any."""
    for number, (sent, following) in enumerate(itertools.pairwise(appends), start=1):
        if not following:
            continue
        size = following.count(following[0])  # the next history: a whole one, as the check found them all whole
        if len(sent) + size <= N:
            exactly = ": an append may hold n events, n itself included" if len(sent) + size == N else ""
            return (f" Append {number} held {len(sent)} events, yet the next history, of {size}, would have "
                    f"fitted in it{exactly}.")
    return ""


def _split_at(appends: list[list[UUID]]) -> int | None:
    """The number (from 1) of the first append that holds the rest of a history begun in an earlier one."""
    seen: set[UUID] = set()
    for number, ids in enumerate(appends, start=1):
        if any(sequence_id in seen for sequence_id in set(ids)):
            return number
        seen.update(ids)
    return None
