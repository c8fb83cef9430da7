"""The raw drivers of workloads D and L: sqlite3, psycopg 3 or PyMySQL behind one small connection class.

The workloads write their SQL once, with `?` placeholders, and say BEGIN and COMMIT themselves, so
each raw contender sends the same statements whatever the driver: no pool, no ORM, no retries.
"""

from __future__ import annotations

import importlib
import sqlite3
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Table, make_url
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import CreateTable

from esnb.course.datastore import with_inline_uniques

DRIVER_NAMES = {"sqlite": "raw sqlite3", "postgresql": "raw psycopg 3", "mysql": "raw PyMySQL"}
DIALECTS: dict[str, Dialect] = {
    "sqlite": sqlite.dialect(), "postgresql": postgresql.dialect(), "mysql": mysql.dialect()
}


def table_of(record_class: Any) -> Table:
    """A record class's table. SQLAlchemy types a mapped class's __table__ as any FromClause; a declarative one's
    is a Table."""
    table = record_class.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{record_class.__name__} is mapped to {table!r}, not to a table")
    return table


def create_table_sql(table: Table, backend: str) -> str:
    """CREATE TABLE for one of esnb's tables as esnb's datastore makes it: unique indexes inline, utf8mb4 on MariaDB."""
    return str(CreateTable(with_inline_uniques(table)).compile(dialect=DIALECTS[backend]))


def psycopg_conninfo(url: str) -> dict[str, Any]:
    """psycopg's connection arguments for a postgresql:// URL."""
    parsed = make_url(url)
    return {
        "host": parsed.host or "localhost",
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "password": unquote(parsed.password or ""),
        "dbname": parsed.database,
    }


def pymysql_conninfo(url: str) -> dict[str, Any]:
    """PyMySQL's connection arguments for a mysql:// URL."""
    parsed = make_url(url)
    return {
        "host": parsed.host or "localhost",
        "port": parsed.port or 3306,
        "user": parsed.username or "root",
        "password": unquote(parsed.password or ""),
        "database": parsed.database,
    }


def sqlite_path(url: str) -> str:
    """The file a sqlite:/// URL names, or ':memory:'."""
    return make_url(url).database or ":memory:"


class RawConnection:
    """One connection of the URL's own driver, in autocommit mode: `begin()` and `commit()` send BEGIN and COMMIT.

    SQLite has no SELECT ... FOR UPDATE: `begin(write_lock=True)` takes its one write lock at once instead.
    """

    def __init__(self, url: str, lock_timeout: float = 5.0) -> None:
        self.backend = make_url(url).get_backend_name()
        self.name = DRIVER_NAMES[self.backend]
        self.connection: Any
        if self.backend == "sqlite":
            self.connection = sqlite3.connect(sqlite_path(url), isolation_level=None, timeout=lock_timeout)
        elif self.backend == "postgresql":
            import psycopg

            self.connection = psycopg.connect(**psycopg_conninfo(url), autocommit=True)
        else:
            pymysql = importlib.import_module("pymysql")  # it ships no type hints
            self.connection = pymysql.connect(**pymysql_conninfo(url), autocommit=True)
        self.placeholder = "?" if self.backend == "sqlite" else "%s"
        self.for_update = "" if self.backend == "sqlite" else " FOR UPDATE"
        self._sql: dict[str, str] = {}

    def sql(self, statement: str) -> str:
        """The statement with this driver's placeholders."""
        if statement not in self._sql:
            self._sql[statement] = statement.replace("?", self.placeholder)
        return self._sql[statement]

    def execute(self, statement: str, parameters: Sequence[Any] = ()) -> list[Any]:
        """Run one statement; its rows, if it returns any."""
        cursor = self.connection.cursor()
        try:
            cursor.execute(self.sql(statement), parameters)
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            cursor.close()

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        cursor = self.connection.cursor()
        try:
            cursor.executemany(self.sql(statement), rows)
        finally:
            cursor.close()

    def begin(self, write_lock: bool = False) -> None:
        """Open a transaction; on SQLite with `write_lock`, one that takes the database's write lock at once."""
        self.execute("BEGIN IMMEDIATE" if write_lock and self.backend == "sqlite" else "BEGIN")

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        self.execute("ROLLBACK")

    def uuid_param(self, value: uuid.UUID) -> Any:
        """A UUID as esnb's binary UUID column takes it: psycopg's own UUID, 16 bytes elsewhere."""
        return value if self.backend == "postgresql" else value.bytes

    def to_uuid(self, value: Any) -> uuid.UUID:
        """A UUID as the driver gives back esnb's binary UUID column."""
        return value if isinstance(value, uuid.UUID) else uuid.UUID(bytes=bytes(value))

    def close(self) -> None:
        self.connection.close()
