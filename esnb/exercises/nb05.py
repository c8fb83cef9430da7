"""Checks for the exercises of notebook 05 · The database table.

Each check opens a datastore of its own on the course's database (SQLite in memory
unless ESNB_DATABASE_URL names another), writes rows of its own, and removes them
again afterwards, with any table it made.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

from esnb.exercises import Wrong, crashed, report, scratch_store

ACCOUNT_COLUMNS = ("id", "account_id", "entry", "kind", "data")
ACCOUNT_TABLE = "exercise_5_1_account_events"
_THE_COLUMNS = "The account table's columns are " + ", ".join(ACCOUNT_COLUMNS[:-1]) + f" and {ACCOUNT_COLUMNS[-1]}."


def check_account_guard(account_guard: Callable[[], Any], url: str | None = None) -> None:
    """Exercise 5.1: `account_guard()` is the rule that refuses a second event at a used entry of one account."""
    report("Exercise 5.1", lambda: _account_guard(account_guard, url))


def check_try_append(try_append: Callable[..., bool], url: str | None = None) -> None:
    """Exercise 5.2: `try_append(session, sequence_id, position, topic, data)` is False when the position is taken."""
    report("Exercise 5.2", lambda: _with_table(url, lambda session, ids: _try_append(try_append, session, ids)))



def _account_table(account_guard: Callable[[], Any]) -> tuple[Any, list[Any]]:
    """The account table built with the learner's rule, and the rule's parts."""
    from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, Text
    from sqlalchemy.exc import ArgumentError
    from sqlalchemy.schema import SchemaItem

    try:
        rule = account_guard()
    except Exception as error:
        raise crashed("when account_guard() was called", error) from None
    parts = list(rule) if isinstance(rule, (tuple, list)) else [rule]
    if not parts or not all(isinstance(part, SchemaItem) for part in parts):
        shown = "None" if rule is None else f"a {type(rule).__name__}"
        raise Wrong(f"account_guard returned {shown}: return the rule itself, a constraint that the table is "
                    "declared with, as SequencedItemRecord declares its own.")
    borrowed = [(part, owner) for part in parts if (owner := _owner(part)) is not None]
    for part, owner in borrowed:  # such a rule was added to the other table when it was made: take it off again
        owner.constraints.discard(part)
        owner.indexes.discard(part)
    if borrowed:
        names = " and ".join(column.name for part, _ in borrowed for column in part.columns)
        raise Wrong(f"your rule names columns of another table ({names}), not of the account table. {_THE_COLUMNS}")
    columns: list[SchemaItem] = [
        Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
        Column("account_id", String(36), nullable=False),
        Column("entry", BigInteger, nullable=False),
        Column("kind", String(255), nullable=False),
        Column("data", Text, nullable=False),
    ]
    try:
        table = Table(ACCOUNT_TABLE, MetaData(), *columns, *parts)
    except ArgumentError as error:
        raise Wrong(f"the table could not be built with your rule: {error} {_THE_COLUMNS}") from None
    return table, parts


def _owner(part: Any) -> Any:
    """The table a constraint or index already belongs to, if any."""
    from sqlalchemy.exc import InvalidRequestError

    try:
        return part.table
    except InvalidRequestError:  # a constraint that belongs to no table yet
        return None


def _columns_of(parts: list[Any]) -> list[Any]:
    return [column for part in parts for column in getattr(part, "columns", [])]


def _account_guard(account_guard: Callable[[], Any], url: str | None) -> str:
    from sqlalchemy.exc import SAWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # a primary key on other columns than id is fine here
        return _try_account_table(account_guard, url)


def _try_account_table(account_guard: Callable[[], Any], url: str | None) -> str:
    from sqlalchemy import Index, insert
    from sqlalchemy.exc import DBAPIError, IntegrityError

    from esnb.course.datastore import SQLAlchemyDatastore, SQLAlchemySettings
    from esnb.course.records import ActiveRecord
    from esnb.databases import database_url

    table, parts = _account_table(account_guard)
    datastore = SQLAlchemyDatastore(base=ActiveRecord, settings=SQLAlchemySettings(url=url or database_url()))
    datastore.setup_connection()
    try:
        engine = datastore.engine
        table.drop(engine, checkfirst=True)  # left by a check that was stopped half way
        try:
            datastore.create_table(table)
        except DBAPIError as error:
            reason = str(error.orig).strip().splitlines()[0]
            raise Wrong(f"the database could not create the account table with your rule: {reason}") from None
        try:
            rows = iter(range(1, 100))

            def stored(account: str, entry: int, kind: str) -> bool:
                try:
                    with engine.begin() as connection:
                        connection.execute(insert(table).values(
                            id=next(rows), account_id=account, entry=entry, kind=kind, data=f'{{"kind":"{kind}"}}'))
                except IntegrityError:
                    return False
                return True

            if not stored("A-1", 0, "Opened"):
                raise Wrong("the table refused the very first event of an account, which clashes with no other row: "
                            "the rule must refuse only a second event at an entry that is taken.")
            if not stored("B-2", 0, "Opened"):
                raise Wrong("the table refused entry 0 of a second account: every account has its own entry 0, "
                            "so the rule must look at which account as well as which entry.")
            if not stored("A-1", 1, "Deposited"):
                raise Wrong("the table refused entry 1 of an account that had only entry 0: an account has many "
                            "events, one per entry, so the rule must look at which entry as well as which account.")
            if stored("A-1", 1, "Withdrawn"):
                covered = [column.name for column in _columns_of(parts)]
                if any(isinstance(part, Index) and not part.unique for part in parts):
                    why = "your index is not unique: an index helps the database find rows, but refuses none."
                elif covered and not {"account_id", "entry"} <= set(covered):
                    why = (f"your rule covers {' and '.join(covered)}, but a place in an account's history "
                           "is which account and which entry.")
                elif extra := [name for name in covered if name not in ("account_id", "entry")]:
                    why = (f"your rule also covers {' and '.join(extra)}, which the two events do not share, "
                           "so the database saw no clash.")
                else:
                    why = "the rule must refuse a second row with the same account and entry."
                raise Wrong(f"the table stored two different events at entry 1 of one account: {why}")
        finally:
            table.drop(engine, checkfirst=True)
    finally:
        datastore.close_connection()
    return "the table keeps one event per entry of each account, and refuses a second one."


def _with_table(url: str | None, check: Callable[[Any, list[UUID]], str]) -> str:
    with scratch_store(url) as scratch:
        return check(scratch.datastore.session, scratch.ids)


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

    try:
        first = try_append(session, sequence_id, 0, "check:Created", '{"n":1}')
    except Exception as error:
        raise crashed("for a free position", error) from None
    if first is not True:
        raise Wrong(f"try_append returned {first!r} for a free position: return True once the row is stored.")
    session.rollback()
    if stored() != [(0, '{"n":1}')]:
        raise Wrong("the row was gone after the session rolled back: it was never made permanent. "
                    "A row is stored only when its transaction is committed.")
    try:
        taken = try_append(session, sequence_id, 0, "check:Created", '{"n":2}')
    except IntegrityError:
        raise Wrong("try_append let the database's refusal, IntegrityError, escape for a taken position: "
                    "a taken position is an answer the caller expects, so turn that refusal into False.") from None
    except Exception as error:
        raise crashed("for a taken position", error) from None
    if taken is not False:
        raise Wrong(f"try_append returned {taken!r} for a taken position: return False.")
    try:
        after = try_append(session, sequence_id, 1, "check:Changed", '{"n":3}')
    except InvalidRequestError:
        after = None
    except Exception as error:
        raise crashed("for a free position, right after a taken one", error) from None
    if after is not True:
        raise Wrong("after a refused row, try_append could not store the next free position: a session whose "
                    "write failed refuses all further work until it is rolled back.")
    if stored() != [(0, '{"n":1}'), (1, '{"n":3}')]:
        raise Wrong(f"the sequence should hold positions 0 and 1 with their first data, but it holds {stored()}.")
    _other_errors_escape(try_append)
    return "try_append stores a free position, and returns False for a taken one without breaking the session."


def _other_errors_escape(try_append: Callable[..., bool]) -> None:
    """A database that cannot be opened is not a taken position: its error must reach the caller."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    unreachable = create_engine("sqlite:////esnb-no-such-folder/events.sqlite")
    try:
        with Session(unreachable) as session:
            answer = try_append(session, uuid4(), 0, "check:Created", "{}")
    except Exception:
        return
    finally:
        unreachable.dispose()
    raise Wrong(f"when the database could not even be opened, try_append returned {answer!r}, as if all were well or "
                "the position were taken: only a taken position is an answer the caller expects. Let every other "
                "error reach the caller.")
