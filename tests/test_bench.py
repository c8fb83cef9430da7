"""A smoke test of `python -m esnb.bench` at tiny sizes: it runs and prints its table. No timings are checked."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from esnb.bench import BACKENDS, Sizes, backend_urls, run_workloads
from esnb.bench_contenders import aggregate_ids, contenders_for, events_of
from esnb.databases import ENVIRONMENT_VARIABLE, backend_name, database_url

TINY = ["--aggregates", "6", "--events", "3", "--page-size", "4", "--repeats", "1"]


def test_bench_prints_its_table():
    finished = subprocess.run(
        [sys.executable, "-m", "esnb.bench", *TINY, "--backends", "sqlite-file", "--quiet",
         "--contenders", "raw,esnb", "--trace-memory", "--clock", "cpu"],
        capture_output=True, text=True, timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stderr == ""
    out = finished.stdout
    assert "SQLite file (write-ahead log): 6 aggregates x 3 events = 18 events" in out
    assert "failed" not in out
    rows = [line for line in out.splitlines() if line.startswith(("raw sqlite3", "esnb event store"))]
    assert len(rows) == 2
    assert all(row.count("/") == 2 for row in rows)  # a peak for each of A, B and C


def test_bench_runs_with_no_server_configured():
    """The README's `python -m esnb.bench`, with every backend (the default) and no ESNB_DATABASE_URL:
    SQLite only, and a line saying how to add PostgreSQL. It once failed on parsing the absent server URL."""
    environment = {name: value for name, value in os.environ.items() if name != ENVIRONMENT_VARIABLE}
    finished = subprocess.run(
        [sys.executable, "-m", "esnb.bench", *TINY, "--contenders", "raw", "--quiet"],
        capture_output=True, text=True, timeout=300, env=environment,
    )
    assert finished.returncode == 0, finished.stderr
    out = finished.stdout
    assert out.startswith("PostgreSQL left out: set ESNB_DATABASE_URL=postgresql+psycopg://")
    assert "SQLite in memory: 6 aggregates x 3 events = 18 events" in out
    assert "SQLite file (write-ahead log): 6 aggregates x 3 events = 18 events" in out
    assert "failed" not in out


@pytest.mark.parametrize("server_url", [None, ""])
def test_no_server_url_leaves_postgresql_out(server_url):
    assert backend_urls(list(BACKENDS), server_url) == {
        "sqlite-memory": "sqlite:///:memory:",
        "sqlite-file": "sqlite:///esnb-bench.sqlite",
    }


@pytest.mark.parametrize("server_url", ["mysql+pymysql://root@127.0.0.1:3306/test", "sqlite:////tmp/esnb.sqlite"])
def test_a_server_url_that_is_not_postgresql_leaves_postgresql_out(server_url):
    assert "postgresql" not in backend_urls(list(BACKENDS), server_url)


def test_a_postgresql_url_adds_postgresql():
    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    assert backend_urls(["postgresql"], url) == {"postgresql": url}


@pytest.mark.parametrize("key", list(contenders_for("sqlite")))
def test_every_contender_gives_back_the_events_it_stored(key):
    """Every contender races on the same terms only if it stores the workload's events and gives them back:
    each aggregate's in order, and every event once, in the order appended, with increasing ids."""
    if key.startswith("es-"):
        pytest.importorskip("eventsourcing")
    contender_class = contenders_for("sqlite")[key]
    ids = list(aggregate_ids(3, seed=7))
    appended = [events_of(aggregate_id, 4) for aggregate_id in ids]
    contender = contender_class("sqlite:///:memory:")
    try:
        for events in appended:
            contender.append(events)
        assert [contender.replay(aggregate_id) for aggregate_id in ids] == appended
        assert contender.replay(uuid.uuid4()) == []
        if contender.reads_all:
            read = list(contender.read_all(page_size=5))
            assert [event for _, event in read] == [event for events in appended for event in events]
            row_ids = [row_id for row_id, _ in read]
            assert row_ids == sorted(set(row_ids))
    finally:
        contender.close()


@pytest.mark.parametrize("key", list(contenders_for("sqlite")))
def test_every_contender_does_the_whole_workload(key):
    """run_workloads checks the counts and the order of ids itself, and raises if they are wrong."""
    if key.startswith("es-"):
        pytest.importorskip("eventsourcing")
    contender = contenders_for("sqlite")[key]("sqlite:///:memory:")
    try:
        result = run_workloads(contender, Sizes(aggregates=5, events=4, page_size=3))
    finally:
        contender.close()
    assert set(result["seconds"]) == ({"A", "B", "C"} if contender.reads_all else {"A", "B"})


def test_postgresql_contenders_when_a_server_is_configured():
    url = database_url()
    if backend_name(url) != "postgresql":
        pytest.skip("needs a PostgreSQL server: set ESNB_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test")
    finished = subprocess.run(
        [sys.executable, "-m", "esnb.bench", *TINY, "--backends", "postgresql", "--database-url", url, "--quiet"],
        capture_output=True, text=True, timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    assert "PostgreSQL (synchronous_commit off" in finished.stdout
    assert "failed" not in finished.stdout
    assert "raw psycopg 3" in finished.stdout
