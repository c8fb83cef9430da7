"""`python -m esnb.bench` at tiny sizes: A, B and C run and print their table, on every backend. No timings are
checked. tests/test_bench_workloads.py checks D and L."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from esnb.bench import BACKENDS, Sizes, backend_urls, left_out_servers, parse_workloads, run_workloads
from esnb.bench_contenders import aggregate_ids, contenders_for, events_of
from esnb.databases import ENVIRONMENT_VARIABLE, backend_name, database_url, scratch_database

TINY = ["--aggregates", "6", "--events", "3", "--page-size", "4", "--repeats", "1"]
SERVERS = {  # the SQLAlchemy backend: the server's name, and the URL the suite's README uses
    "postgresql": ("PostgreSQL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    "mysql": ("MySQL or MariaDB", "mysql+pymysql://root@127.0.0.1:3306/test"),
}


def server_url(backend: str) -> str:
    """The configured server's URL if it is of this backend; else a skip that names the server and how to get it."""
    url = database_url()
    if backend_name(url) != backend:
        name, example = SERVERS[backend]
        pytest.skip(f"needs a {name} server: set {ENVIRONMENT_VARIABLE}={example} (or pass --database-url) to run it")
    return url


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
    assert "MariaDB left out: set ESNB_DATABASE_URL=mysql+pymysql://" in out
    assert "SQLite in memory: 6 aggregates x 3 events = 18 events" in out
    assert "SQLite file (write-ahead log): 6 aggregates x 3 events = 18 events" in out
    assert "failed" not in out


@pytest.mark.parametrize("url", [None, "", "sqlite:////tmp/esnb.sqlite"])
def test_no_server_url_leaves_both_servers_out_and_says_so(url):
    urls = backend_urls(list(BACKENDS), url)
    assert urls == {"sqlite-memory": "sqlite:///:memory:", "sqlite-file": "sqlite:///esnb-bench.sqlite"}
    assert [line.split(":")[0] for line in left_out_servers(list(BACKENDS), urls)] == [
        "PostgreSQL left out", "MariaDB left out"
    ]


@pytest.mark.parametrize(("bench_backend", "url"), [
    ("postgresql", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    ("mariadb", "mysql+pymysql://root@127.0.0.1:3306/test"),
])
def test_a_server_url_adds_its_own_backend_only(bench_backend, url):
    """One server per run, as the README's lines show: the other one is not mentioned."""
    urls = backend_urls(list(BACKENDS), url)
    assert {name: u for name, u in urls.items() if name in ("postgresql", "mariadb")} == {bench_backend: url}
    assert left_out_servers(list(BACKENDS), urls) == []


@pytest.mark.parametrize(("text", "groups"), [
    ("A,B,C", ["A,B,C"]), ("D", ["D"]), ("l, d", ["D", "L"]), ("A,B,C,D,L", ["A,B,C", "D", "L"]),
])
def test_workloads_run_in_their_groups(text, groups):
    assert parse_workloads(text) == groups


@pytest.mark.parametrize(("text", "message"), [("A,B", "A, B and C run together"), ("D,X", "unknown workloads: X")])
def test_workloads_that_cannot_run_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_workloads(text)


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


@pytest.mark.server
@pytest.mark.parametrize("server", ["postgresql", "mysql"])
def test_a_server_runs_its_contenders(server):
    """On PostgreSQL, every contender; on MariaDB, raw PyMySQL and both of esnb's, and a note for each recorder
    eventsourcing 9 does not have."""
    url = server_url(server)
    finished = subprocess.run(
        [sys.executable, "-m", "esnb.bench", *TINY, "--backends", "postgresql,mariadb", "--database-url", url,
         "--quiet"],
        capture_output=True, text=True, timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    out = finished.stdout
    assert "failed" not in out
    assert "left out: set" not in out  # the other server is not asked for: one server per run
    rows = [line for line in out.splitlines() if line.startswith(("raw ", "esnb ", "eventsourcing "))]
    if server == "postgresql":
        assert "PostgreSQL (synchronous_commit off" in out
        assert [row.split("  ")[0] for row in rows] == [
            "raw psycopg 3", "eventsourcing application recorder", "eventsourcing aggregate recorder",
            "esnb event store",
        ]
    else:
        assert "MariaDB (innodb_flush_log_at_trx_commit = " in out
        assert [row.split("  ")[0] for row in rows] == ["raw PyMySQL", "esnb strategy, least codec", "esnb event store"]
        assert "(eventsourcing application recorder left out: eventsourcing 9 has no MySQL/MariaDB recorder)" in out
        assert "(eventsourcing aggregate recorder left out: eventsourcing 9 has no MySQL/MariaDB recorder)" in out


@pytest.mark.server
@pytest.mark.parametrize("server", ["postgresql", "mysql"])
def test_the_raw_driver_of_a_server_gives_back_the_events_it_stored(server):
    with scratch_database(server_url(server)) as url:
        contender = contenders_for(server)["raw"](url)
        try:
            ids = list(aggregate_ids(3, seed=11))
            appended = [events_of(aggregate_id, 4) for aggregate_id in ids]
            for events in appended:
                contender.append(events)
            assert [contender.replay(aggregate_id) for aggregate_id in ids] == appended
            assert [event for _, event in contender.read_all(page_size=5)] == [e for es in appended for e in es]
        finally:
            contender.close()
