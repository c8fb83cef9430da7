"""Workloads D (projection catch-up) and L (gap-free log append) of `python -m esnb.bench`, at tiny sizes.

Each contender must build exactly the expected read model (D) or log (L) on every backend, and each workload's
check must catch a run that went wrong. Timings are not checked. A test that needs a server this run is not
configured with is skipped with a message naming the server (the `backend` parametrisation of tests/conftest.py).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from esnb.bench import prepare_database
from esnb.bench_contenders import aggregate_ids
from esnb.bench_log import RawLogWriter, run_log, verify_log, writers_for
from esnb.bench_projection import expected_read_model, projections_for, run_projection, verify_read_model
from esnb.bench_results import Sizes
from esnb.databases import backend_name, scratch_database
from tests.test_bench import server_url

SIZES = Sizes(aggregates=7, events=3, page_size=4)  # pages and transactions end in the middle of an aggregate
TINY = ["--aggregates", "5", "--events", "3", "--page-size", "4", "--repeats", "1", "--quiet"]


@pytest.fixture
def base(backend: str) -> str:
    """The URL the bench's scratch databases of the backend under test are made beside."""
    return {"sqlite-memory": "sqlite:///:memory:", "sqlite-file": "sqlite:///esnb-bench.sqlite"}.get(backend) or (
        server_url(backend)
    )


@contextmanager
def fresh_database(base: str) -> Iterator[str]:
    """A new, empty database beside `base`, prepared as the bench prepares one."""
    with scratch_database(base) as url:
        prepare_database(url, durable=False)
        yield url


# D, projection catch-up


@pytest.mark.parametrize("batch", [1, 5])
def test_every_projection_builds_the_read_model_and_tracks_the_last_id(base, batch):
    """Every contender of the backend, at one event per transaction and at transactions that cross pages; a second
    catch-up finds nothing left to do, so the tracking works."""
    contenders, _ = projections_for(backend_name(base))
    for key, contender_class in contenders.items():
        with fresh_database(base) as url:
            contender = contender_class(url, SIZES, batch)
            try:
                outcome = run_projection(contender)  # it checks the read model too
                rows, tracked, last_event_id = contender.read_model()
                assert rows == expected_read_model(SIZES), key
                assert tracked == last_event_id == SIZES.total, key
                assert set(outcome["seconds"]) == {"D"}
                assert contender.catch_up() == 0, f"{key} applied events a second time"
            finally:
                contender.close()


@pytest.mark.backends("postgresql")
def test_eventsourcing_runner_commits_each_event_alone(base):
    runner_class = projections_for("postgresql")[0]["es-runner"]
    with fresh_database(base) as url:
        runner = runner_class(url, SIZES, batch=100)
        try:
            assert run_projection(runner)["events_per_transaction"] == 1
        finally:
            runner.close()


@pytest.mark.parametrize(("sqlalchemy_backend", "left_out"), [
    ("sqlite", "SQLite recorder has no subscribe()"), ("mysql", "eventsourcing 9 has no MySQL/MariaDB recorder"),
])
def test_the_runner_is_left_out_with_a_note_where_it_cannot_run(sqlalchemy_backend, left_out):
    contenders, notes = projections_for(sqlalchemy_backend)
    assert list(contenders) == ["raw", "esnb"]
    assert len(notes) == 1
    assert notes[0].startswith("eventsourcing ProjectionRunner left out: ") and left_out in notes[0]


def test_the_read_model_check_catches_a_wrong_row_and_a_wrong_tracked_id():
    rows = expected_read_model(SIZES)
    verify_read_model(rows, SIZES.total, SIZES.total, SIZES)
    first = next(aggregate_ids(SIZES.aggregates))
    with pytest.raises(AssertionError, match="1 rows differ"):
        verify_read_model({**rows, first: ("value 2", SIZES.events + 1)}, SIZES.total, SIZES.total, SIZES)
    with pytest.raises(AssertionError, match="1 rows differ"):
        verify_read_model({key: row for key, row in rows.items() if key != first}, SIZES.total, SIZES.total, SIZES)
    with pytest.raises(AssertionError, match="the tracked id is 20, but the log's last id is 21"):
        verify_read_model(rows, SIZES.total - 1, SIZES.total, SIZES)


# L, gap-free log append


def log_of(sizes: Sizes, order: list[tuple[uuid.UUID, int]] | None = None) -> list[tuple[int, uuid.UUID, int]]:
    """The rows a correct run leaves: each aggregate's events at consecutive ids."""
    keys = order or [(a, p) for a in aggregate_ids(sizes.aggregates) for p in range(sizes.events)]
    return [(row_id, aggregate, position) for row_id, (aggregate, position) in enumerate(keys, start=1)]


def test_the_log_check_passes_a_complete_log():
    verify_log(log_of(SIZES), SIZES)


def test_the_log_check_catches_a_lost_event():
    with pytest.raises(AssertionError, match="1 events lost"):
        verify_log(log_of(SIZES)[:-1], SIZES)


def test_the_log_check_catches_an_event_stored_twice():
    rows = log_of(SIZES)
    with pytest.raises(AssertionError, match="1 events stored more than once"):
        verify_log([*rows, (len(rows) + 1, rows[0][1], rows[0][2])], SIZES)


def test_the_log_check_catches_appends_whose_ids_interleave():
    """Two aggregates' appends that took ids in turn: each aggregate's own ids are in order, but not consecutive."""
    first, second, *rest = [[(a, p) for p in range(SIZES.events)] for a in aggregate_ids(SIZES.aggregates)]
    interleaved = [key for pair in zip(first, second, strict=True) for key in pair]
    with pytest.raises(AssertionError, match="2 aggregates' events do not hold consecutive ids"):
        verify_log(log_of(SIZES, interleaved + [key for keys in rest for key in keys]), SIZES)


class LossyLogWriter(RawLogWriter):
    """A writer that drops the last event of the first aggregate: the run must say so."""

    def append(self, events: list[Any]) -> None:
        super().append(events[:-1] if events[0].originator_id == next(aggregate_ids(1)) else events)


class FailingLogWriter(RawLogWriter):
    def append(self, events: list[Any]) -> None:
        raise ValueError("the disk is full")


@pytest.mark.backends("sqlite-file", "postgresql", "mysql")  # not in memory: L's writers are processes
def test_every_log_writer_appends_every_event_once_at_consecutive_ids(base):
    """Each writer is a process of its own, started together; run_log checks the table and returns the wall time."""
    writers = 3
    for key, writer_class in writers_for(backend_name(base))[0].items():
        with fresh_database(base) as url:
            assert run_log(writer_class, url, SIZES, writers) > 0, key
            rows = writer_class.stored(url)
        assert len(rows) == SIZES.total, key


@pytest.mark.backends("sqlite-file")
def test_a_run_that_loses_an_event_fails(base):
    with fresh_database(base) as url, pytest.raises(AssertionError, match="1 events lost"):
        run_log(LossyLogWriter, url, SIZES, writers=2)


@pytest.mark.backends("sqlite-file")
def test_a_writer_that_fails_fails_the_run_with_its_own_error(base):
    """Not with the other writers' broken barrier: the first error is the one that says why."""
    with fresh_database(base) as url, pytest.raises(RuntimeError, match=r"ValueError: the disk is full"):
        run_log(FailingLogWriter, url, SIZES, writers=2)


def test_eventsourcing_has_no_mariadb_writer_and_says_so():
    writers, notes = writers_for("mysql")
    assert list(writers) == ["raw", "esnb"]
    assert notes == ["eventsourcing application recorder left out: eventsourcing 9 has no MySQL/MariaDB recorder"]


# The command, end to end


def bench(*arguments: str) -> str:
    finished = subprocess.run([sys.executable, "-m", "esnb.bench", *TINY, *arguments],
                              capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert "failed" not in finished.stdout, finished.stdout
    return finished.stdout


def table_rows(out: str, title: str) -> list[str]:
    """The contenders' rows of the table under `title`."""
    lines = out.split(title, 1)[1].split("\n\n", 2)[1].splitlines()
    return [line for line in lines if not line.startswith((" ", "implementation"))]


@pytest.mark.slow
@pytest.mark.backends("sqlite-memory", "sqlite-file")
def test_d_and_l_run_end_to_end_on_sqlite(backend):
    """D with its peak memory on both; L on the file only, and a line saying why not in memory."""
    out = bench("--workloads", "D,L", "--backends", backend, "--writers", "1,2", "--trace-memory")
    title = {"sqlite-memory": "SQLite in memory", "sqlite-file": "SQLite file (write-ahead log)"}[backend]
    d_rows = table_rows(out, f"D projection catch-up, {title}: 5 aggregates x 3 events = 15 events")
    assert [row[:36].strip() for row in d_rows] == ["raw sqlite3", "esnb Projection"]
    assert all(float(row.split()[-1]) >= 0 for row in d_rows)  # Python peak, MB
    if backend == "sqlite-memory":
        assert "L gap-free log append: SQLite in memory left out: its database lives in one process" in out
    else:
        l_rows = table_rows(out, f"L gap-free log append, {title}: 5 aggregates x 3 events = 15 events")
        assert [row[:36].strip() for row in l_rows] == [
            "raw sqlite3", "esnb event store, ids in order", "eventsourcing application recorder"
        ]


@pytest.mark.server
@pytest.mark.slow
@pytest.mark.backends("postgresql", "mysql")
def test_d_and_l_run_end_to_end_on_a_server(backend, base):
    out = bench("--workloads", "D,L", "--backends", "postgresql,mariadb", "--database-url", base, "--writers", "2")
    title = "PostgreSQL (synchronous_commit off" if backend == "postgresql" else "MariaDB (innodb_flush_log_at_trx"
    d_rows = table_rows(out, f"D projection catch-up, {title}")
    l_rows = table_rows(out, f"L gap-free log append, {title}")
    if backend == "postgresql":
        assert [row[:36].strip() for row in d_rows] == ["raw psycopg 3", "esnb Projection",
                                                       "eventsourcing ProjectionRunner"]
        assert [row[:36].strip() for row in l_rows] == ["raw psycopg 3", "esnb event store, ids in order",
                                                       "eventsourcing application recorder"]
    else:
        assert [row[:36].strip() for row in d_rows] == ["raw PyMySQL", "esnb Projection"]
        assert [row[:36].strip() for row in l_rows] == ["raw PyMySQL", "esnb event store, ids in order"]
        assert out.count("left out: eventsourcing 9 has no MySQL/MariaDB recorder") == 2
