"""Helpers that several test files share: items to append, counts of what is stored, free ports, exact equality.

Fixtures live in conftest.py, which pytest loads by itself; tests import only from here.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select

from esnb import SequencedItem, SequencedItemRecord, SQLAlchemyDatastore

TOPIC = "esnb.course.events:Created"
T = TypeVar("T")


def items_of(sequence_id: uuid.UUID, positions: Iterable[int], tag: str = "") -> list[SequencedItem]:
    """Items of one sequence at these positions, each holding its position (and `tag`, when given) as JSON.

    Items made with different tags differ at the same position: appending one where the other is stored
    is a conflict, not an identical retry.
    """
    return [
        SequencedItem(sequence_id, p, TOPIC, json.dumps({"n": p, "tag": tag}) if tag else f'{{"n":{p}}}')
        for p in positions
    ]


def row_count(datastore: SQLAlchemyDatastore) -> int:
    """How many rows the datastore's table holds, counted on a connection of its own."""
    with datastore.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(SequencedItemRecord.__table__)).scalar_one()


def two_sequences() -> tuple[uuid.UUID, uuid.UUID]:
    """Two new sequence ids, the first of which the strategy writes first."""
    first, second = sorted((uuid.uuid4(), uuid.uuid4()), key=str)
    return first, second


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def assert_exactly(got: Any, expected: Any, where: str = "value") -> None:
    """Equal, with the same types all the way down, dictionary keys included; NaN equals NaN."""
    assert type(got) is type(expected), f"{where}: {type(expected).__name__} came back as {type(got).__name__}"
    if isinstance(expected, (list, tuple)):
        assert len(got) == len(expected), where
        for index, (got_item, item) in enumerate(zip(got, expected, strict=True)):
            assert_exactly(got_item, item, f"{where}[{index}]")
    elif isinstance(expected, dict):
        assert len(got) == len(expected), where
        for (got_key, got_item), (key, item) in zip(got.items(), expected.items(), strict=True):
            assert_exactly(got_key, key, f"key of {where}")
            assert_exactly(got_item, item, f"{where}[{key!r}]")
    elif isinstance(expected, float):
        assert repr(got) == repr(expected), where  # keeps -0.0, inf and nan apart from the rest
    elif isinstance(expected, Decimal):
        assert got.as_tuple() == expected.as_tuple(), where  # keeps 1.0 and 1.00 apart, and compares NaNs
    elif isinstance(expected, datetime):
        assert (got.isoformat(), got.tzname(), got.fold) == (expected.isoformat(), expected.tzname(), expected.fold)
    else:
        assert got == expected, where


def bounded(seconds: float, call: Callable[[], T], what: str) -> T:
    """Run `call` in a thread and return its result or raise its error; fail the test if it takes over `seconds`."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, name=f"bounded: {what}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"{what} did not return within {seconds:.0f} s: it hangs")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def assert_only_intended_errors(name: str, cells: list[dict[str, Any]]) -> None:
    """Every code cell of a notebook run in a browser ran, and only the cells meant to fail show an error."""
    assert cells, f"{name} has no code cells"
    for cell in cells:
        if cell["intended"]:
            assert cell["errors"], f"{cell['source']!r} should fail on purpose"
        else:
            assert not cell["errors"], f"{cell['source']!r} failed: {cell['errors'][0]}"
    unrun = [cell["source"] for cell in cells if cell["count"] is None]
    assert not unrun, f"cells of {name} did not run: {unrun[:3]}"
