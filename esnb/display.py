"""Show the rows of a sequenced-items table in a notebook, as an HTML table."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any, NamedTuple
from uuid import UUID

from sqlalchemy import select

from esnb.course.records import SequencedItemRecord


class StoredRow(NamedTuple):
    id: int
    sequence_id: UUID
    position: int
    topic: str
    data: str


class StoredRows:
    """Rows of a table in the order they were stored, shown as an HTML table in a notebook."""

    COLUMNS = ("id", "sequence id", "position", "topic", "data")

    def __init__(self, rows: list[StoredRow], table_name: str) -> None:
        self.rows = rows
        self.table_name = table_name

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"StoredRows({len(self.rows)} rows of {self.table_name})"

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{name}</th>" for name in self.COLUMNS)
        body = "".join(
            "<tr>"
            f'<td class="esnb-row-id">{row.id}</td>'
            f"<td><code>{short_id(row.sequence_id)}</code></td>"
            f"<td>{row.position}</td>"
            f"<td><code>{html.escape(row.topic)}</code></td>"
            f"<td><code>{html.escape(row.data)}</code></td>"
            "</tr>"
            for row in self.rows
        )
        caption = f"<caption>{self.table_name}: {len(self.rows)} rows</caption>"
        return f'<table class="esnb-rows">{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def short_id(sequence_id: UUID) -> str:
    """The first eight hex digits of a UUID, enough to tell a notebook's few sequences apart."""
    return f"{sequence_id.hex[:8]}…"


def stored_rows(
    session: Any, record_class: Any = SequencedItemRecord, sequence_ids: Iterable[UUID] | None = None
) -> StoredRows:
    """The table's rows in the order they were stored, optionally only those of some sequences."""
    columns = record_class.__table__.c
    query = select(columns.id, columns.sequence_id, columns.position, columns.topic, columns.data).order_by(columns.id)
    if sequence_ids is not None:
        query = query.where(columns.sequence_id.in_(list(sequence_ids)))
    try:
        rows = [StoredRow(*row) for row in session.execute(query)]
    finally:
        session.commit()
    return StoredRows(rows, record_class.__tablename__)
