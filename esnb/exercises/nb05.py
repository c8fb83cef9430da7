"""Checks for the exercises of notebook 05 · The database table.

Each check opens a datastore of its own on the course's database (SQLite in memory
unless ESNB_DATABASE_URL names another), adds rows with new random sequence ids,
and removes them again afterwards, with the table too if the check made it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

from esnb.exercises import Wrong, report, scratch_store


def check_positions_of(positions_of: Callable[[Any, UUID], list[int]], url: str | None = None) -> None:
    """Exercise 5.1: `positions_of(session, sequence_id)` lists one sequence's positions, lowest first."""
    report("Exercise 5.1", lambda: _with_table(url, lambda session, ids: _positions_of(positions_of, session, ids)))


def check_try_append(try_append: Callable[..., bool], url: str | None = None) -> None:
    """Exercise 5.2: `try_append(session, sequence_id, position, topic, data)` is False when the position is taken."""
    report("Exercise 5.2", lambda: _with_table(url, lambda session, ids: _try_append(try_append, session, ids)))


def _with_table(url: str | None, check: Callable[[Any, list[UUID]], str]) -> str:
    with scratch_store(url) as scratch:
        return check(scratch.datastore.session, scratch.ids)


def _add(session: Any, ids: list[UUID], rows: list[tuple[UUID, int]]) -> None:
    """Add rows of (sequence id, position), one commit each, in the order given."""
    from esnb.course.records import SequencedItemRecord

    for sequence_id, position in rows:
        if sequence_id not in ids:
            ids.append(sequence_id)
        session.add(SequencedItemRecord(sequence_id=sequence_id, position=position, topic="check:Event", data="{}"))
        session.commit()


def _positions_of(positions_of: Callable[[Any, UUID], list[int]], session: Any, ids: list[UUID]) -> str:
    mine, other = uuid4(), uuid4()
    _add(session, ids, [(mine, 2), (other, 0), (mine, 0), (other, 7), (mine, 1), (mine, 5)])
    answer = positions_of(session, mine)
    if not isinstance(answer, list):
        if hasattr(answer, "close"):
            answer.close()
        session.rollback()
        raise Wrong(f"positions_of returned a {type(answer).__name__}: return a list, "
                    "for example `list(session.scalars(query))`.")
    session.rollback()
    for item in answer:
        if not isinstance(item, int) or isinstance(item, bool):
            raise Wrong(f"positions_of returned a list of {type(item).__name__}, not of int: select only the "
                        "position column, `select(SequencedItemRecord.position)`, and use `session.scalars()`.")
    if 7 in answer:  # only the other sequence has a row at position 7
        raise Wrong("positions_of returned the positions of every sequence: keep only one, "
                    "with `.where(SequencedItemRecord.sequence_id == sequence_id)`.")
    if sorted(answer) != [0, 1, 2, 5]:
        raise Wrong(f"positions_of returned {sorted(answer)} (sorted), but the sequence has positions [0, 1, 2, 5].")
    if answer != [0, 1, 2, 5]:
        raise Wrong(f"positions_of returned {answer}: put them lowest first, "
                    "with `.order_by(SequencedItemRecord.position)`.")
    empty = positions_of(session, uuid4())
    session.rollback()
    if empty != []:
        raise Wrong(f"a sequence with no rows should give [], but positions_of returned {empty!r}.")
    return "positions_of lists one sequence's positions, lowest first."


def _try_append(try_append: Callable[..., bool], session: Any, ids: list[UUID]) -> str:
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError, InvalidRequestError

    from esnb.course.records import SequencedItemRecord

    sequence_id = uuid4()
    ids.append(sequence_id)

    def stored() -> list[tuple[int, str]]:
        query = (select(SequencedItemRecord.position, SequencedItemRecord.data)
                 .where(SequencedItemRecord.sequence_id == sequence_id)
                 .order_by(SequencedItemRecord.position))
        rows = [(row.position, row.data) for row in session.execute(query)]
        session.rollback()
        return rows

    first = try_append(session, sequence_id, 0, "check:Created", '{"n":1}')
    if first is not True:
        raise Wrong(f"try_append returned {first!r} for a free position: return True once the row is stored.")
    session.rollback()
    if stored() != [(0, '{"n":1}')]:
        raise Wrong("the row was gone after the session rolled back: call `session.commit()` to keep it.")
    try:
        taken = try_append(session, sequence_id, 0, "check:Created", '{"n":2}')
    except IntegrityError:
        raise Wrong("try_append raised IntegrityError for a taken position: catch it, "
                    "call `session.rollback()`, and return False.") from None
    if taken is not False:
        raise Wrong(f"try_append returned {taken!r} for a taken position: return False.")
    try:
        after = try_append(session, sequence_id, 1, "check:Changed", '{"n":3}')
    except InvalidRequestError:
        after = None
    if after is not True:
        raise Wrong("after a refused row, try_append did not store the next free position: "
                    "call `session.rollback()` when you catch the IntegrityError, so the session can be used again.")
    if stored() != [(0, '{"n":1}'), (1, '{"n":3}')]:
        raise Wrong(f"the sequence should hold positions 0 and 1 with their first data, but it holds {stored()}.")
    return "try_append stores a free position, and returns False for a taken one without breaking the session."
