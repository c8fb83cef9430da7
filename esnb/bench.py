"""Race esnb's event store against the raw driver and the eventsourcing library's recorders.

    python -m esnb.bench                       SQLite in memory, a SQLite file, and PostgreSQL if configured
    python -m esnb.bench --aggregates 20000    ten times the default size
    python -m esnb.bench --help                every flag

The workloads, on N aggregates of E small JSON events each:

    A  append    each aggregate's events in one transaction
    B  replay    each aggregate's events read back in order and decoded
    C  read all  every event in the table's global order, in pages

Each contender runs in a fresh process of its own, which repeats the workloads several
times, each time on a new, empty database; the table shows the medians, in events per
second and as a ratio to the raw driver, the practical floor of overhead. The last column
is the worker process's peak resident memory. With --trace-memory, one more run with
tracemalloc on gives instead the most Python memory each workload held at once, above
what was held before it started: the figure that shows whether rows are streamed.

The contenders (esnb.bench_contenders says exactly what each does):

    raw                the driver alone: sqlite3, or psycopg 3
    es-application     eventsourcing's application recorder (stored events with a global order)
    es-aggregate       eventsourcing's aggregate recorder (no global order, so no C)
    esnb-strategy      esnb's active record strategy, with the same least codec as the three above
                       (left out unless asked for: it tells the storage layer's cost from the mapper's)
    esnb               esnb's event store: the strategy and the course's own mapper

PostgreSQL runs when ESNB_DATABASE_URL (or --database-url) names a PostgreSQL server.
Each run gets a scratch database of its own, dropped afterwards.
The eventsourcing recorders need `pip install eventsourcing` (with psycopg_pool for PostgreSQL);
without it they are left out, with a note.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from esnb.databases import ENVIRONMENT_VARIABLE, backend_name, is_in_memory, scratch_database

WORKLOADS = ("A", "B", "C")
DEFAULT_CONTENDERS = ("raw", "es-application", "es-aggregate", "esnb")
WORKLOAD_NAMES = {"A": "append", "B": "replay", "C": "read all"}
BACKENDS = {
    "sqlite-memory": "SQLite in memory",
    "sqlite-file": "SQLite file",
    "postgresql": "PostgreSQL",
}


@dataclass
class Sizes:
    aggregates: int = 2000
    events: int = 10
    page_size: int = 1000

    @property
    def total(self) -> int:
        return self.aggregates * self.events


# One run, in the worker process


def run_workloads(contender: Any, sizes: Sizes, trace_memory: bool = False, clock: str = "wall") -> dict[str, Any]:
    """Run A, B and C once on a contender with an empty table; seconds (or peak bytes) for each."""
    from esnb.bench_contenders import aggregate_ids, events_of

    seconds: dict[str, float] = {}
    peaks: dict[str, int] = {}
    now = time.perf_counter if clock == "wall" else time.process_time

    def start() -> None:
        if trace_memory:
            tracemalloc.reset_peak()
            start.baseline = tracemalloc.get_traced_memory()[0]  # type: ignore[attr-defined]

    def stop(workload: str) -> None:
        if trace_memory:
            peaks[workload] = tracemalloc.get_traced_memory()[1] - start.baseline  # type: ignore[attr-defined]

    start()
    elapsed = 0.0
    for aggregate_id in aggregate_ids(sizes.aggregates):
        events = events_of(aggregate_id, sizes.events)
        began = now()
        contender.append(events)
        elapsed += now() - began
    del events
    seconds["A"] = elapsed
    stop("A")

    start()
    began = now()
    replayed = 0
    for aggregate_id in aggregate_ids(sizes.aggregates):
        replayed += len(contender.replay(aggregate_id))
    seconds["B"] = now() - began
    stop("B")
    if replayed != sizes.total:
        raise AssertionError(f"{contender.name} replayed {replayed} events, not {sizes.total}")

    if contender.reads_all:
        start()
        began = now()
        count, last = 0, 0
        for notification_id, _event in contender.read_all(sizes.page_size):
            if notification_id <= last:
                raise AssertionError(f"{contender.name} read id {notification_id} after {last}")
            count, last = count + 1, notification_id
        seconds["C"] = now() - began
        stop("C")
        if count != sizes.total:
            raise AssertionError(f"{contender.name} read {count} events in all, not {sizes.total}")
    return {"seconds": seconds, "peak_bytes": peaks}


def prepare_database(url: str, durable: bool) -> None:
    """Set up a new scratch database the same way for every contender.

    A SQLite file goes into write-ahead-log mode, the mode the eventsourcing recorder insists on;
    the mode is stored in the file, so every contender runs on the same footing. A PostgreSQL
    database gets `synchronous_commit = off` unless `durable`: each commit then returns without
    waiting for the disk, so the figures show the cost of the code rather than of fsync.
    """
    backend = backend_name(url)
    if backend == "sqlite" and not is_in_memory(url):
        import sqlite3

        from esnb.bench_contenders import sqlite_path

        database = sqlite3.connect(sqlite_path(url))
        database.execute("PRAGMA journal_mode=WAL")
        database.close()
    elif backend == "postgresql" and not durable:
        from sqlalchemy import create_engine, make_url

        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(f'ALTER DATABASE "{make_url(url).database}" SET synchronous_commit = off')
        engine.dispose()


def worker(contender_key: str, base_url: str, sizes: Sizes, repeats: int, memory: bool, durable: bool,
           clock: str = "wall") -> dict[str, Any]:
    """Time one contender `repeats` times, each on a new empty database; with `memory`, trace one more run."""
    from esnb.bench_contenders import contenders_for

    contender_class = contenders_for(backend_name(base_url))[contender_key]
    result: dict[str, Any] = {"name": contender_class.name, "seconds": {}, "peak_bytes": {}}
    for run in range(repeats + memory):
        traced = run == repeats
        with scratch_database(base_url) as url:
            prepare_database(url, durable)
            contender = contender_class(url)
            try:
                if traced:
                    tracemalloc.start()
                outcome = run_workloads(contender, sizes, trace_memory=traced, clock=clock)
            finally:
                tracemalloc.stop()
                contender.close()
        if traced:
            result["peak_bytes"] = outcome["peak_bytes"]
        else:
            for workload, seconds in outcome["seconds"].items():
                result["seconds"].setdefault(workload, []).append(seconds)
    result["max_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return result


# From the parent process


@dataclass
class Outcome:
    name: str
    seconds: dict[str, list[float]] = field(default_factory=dict)
    peak_bytes: dict[str, int] = field(default_factory=dict)
    max_rss_bytes: int = 0
    error: str = ""

    def median(self, workload: str) -> float | None:
        runs = self.seconds.get(workload)
        return statistics.median(runs) if runs else None


def run_worker(contender_key: str, base_url: str, sizes: Sizes, repeats: int, memory: bool,
               durable: bool, clock: str = "wall") -> dict[str, Any]:
    """Run one contender in a fresh Python process; its result, or RuntimeError with its last error line."""
    command = [
        sys.executable, "-m", "esnb.bench", "--worker", contender_key, "--database-url", base_url,
        "--aggregates", str(sizes.aggregates), "--events", str(sizes.events), "--page-size", str(sizes.page_size),
        "--repeats", str(repeats), "--clock", clock,
    ]
    command += ["--trace-memory"] * memory + ["--durable"] * durable
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        lines = finished.stderr.strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"exit status {finished.returncode}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def available_contenders(backend: str) -> tuple[list[str], list[str]]:
    """The contenders that can run here, and a note for each one left out."""
    from esnb.bench_contenders import contenders_for

    keys, notes = [], []
    for key, contender in contenders_for(backend).items():
        if key.startswith("es-"):
            try:
                import eventsourcing

                if backend == "postgresql":
                    import eventsourcing.postgres  # noqa: F401
            except ImportError as error:
                notes.append(f"{contender.name} left out: {error}")
                continue
        keys.append(key)
    return keys, notes


def measure(base_url: str, sizes: Sizes, repeats: int, contender_keys: list[str] | None = None,
            memory: bool = False, durable: bool = False, progress: Any = None,
            clock: str = "wall") -> tuple[dict[str, Outcome], list[str]]:
    """Run every contender on one backend, each in a fresh process."""
    keys, notes = available_contenders(backend_name(base_url))
    keys = [key for key in keys if key in (contender_keys or DEFAULT_CONTENDERS)]
    outcomes: dict[str, Outcome] = {}
    for key in keys:
        outcome = outcomes[key] = Outcome(name=key)
        try:
            result = run_worker(key, base_url, sizes, repeats, memory, durable, clock)
        except RuntimeError as error:
            outcome.error = str(error)
            continue
        outcome.name = result["name"]
        outcome.seconds = result["seconds"]
        outcome.peak_bytes = result["peak_bytes"]
        outcome.max_rss_bytes = result["max_rss_bytes"]
        if progress:
            progress(f"  {outcome.name}: done")
    return outcomes, notes


def format_table(title: str, outcomes: dict[str, Outcome], sizes: Sizes, repeats: int, clock: str = "wall") -> str:
    """The side-by-side table of one backend."""
    raw = outcomes.get("raw")
    traced = any(outcome.peak_bytes for outcome in outcomes.values())
    memory_heading = "Python peak, MB" if traced else "peak RSS"
    memory_columns = "A / B / C" if traced else "MB"
    rate = "events/s" if clock == "wall" else "ev/CPU s"
    lines = [
        f"{title}: {sizes.aggregates:,} aggregates x {sizes.events} events = {sizes.total:,} events,"
        f" read all in pages of {sizes.page_size:,}; median of {repeats} run{'s' * (repeats != 1)}"
        + ("" if clock == "wall" else ", timed by CPU time"),
        "",
        f"{'':36} {'A append':>16} {'B replay':>16} {'C read all':>16}   {memory_heading:>17}",
        f"{'implementation':36} {rate + '  x raw':>16} {rate + '  x raw':>16} {rate + '  x raw':>16}"
        f"   {memory_columns:>17}",
    ]
    for outcome in outcomes.values():
        if outcome.error:
            lines.append(f"{outcome.name:36} failed: {outcome.error}")
            continue
        cells = []
        for workload in WORKLOADS:
            seconds = outcome.median(workload)
            raw_seconds = raw.median(workload) if raw and not raw.error else None
            if seconds is None:
                cells.append(f"{'n/a':>16}")
                continue
            ratio = f"{raw_seconds / seconds:5.2f}" if raw_seconds else "  -  "
            cells.append(f"{sizes.total / seconds:>10,.0f} {ratio}")
        if traced:
            memory = " / ".join(
                f"{outcome.peak_bytes[w] / 1e6:.1f}" if w in outcome.peak_bytes else "-" for w in WORKLOADS
            )
        else:
            memory = f"{outcome.max_rss_bytes / 1e6:.0f}"
        lines.append(f"{outcome.name:36} {' '.join(cells)}   {memory:>17}")
    return "\n".join(lines)


def backend_urls(selected: list[str], server_url: str | None) -> dict[str, str]:
    """The base URL of each backend to run; PostgreSQL only when server_url names one.

    server_url is None (or empty) when no server is configured: then there is nothing to parse,
    and PostgreSQL is simply left out.
    """
    urls: dict[str, str] = {}
    for backend in selected:
        if backend == "sqlite-memory":
            urls[backend] = "sqlite:///:memory:"
        elif backend == "sqlite-file":
            urls[backend] = "sqlite:///esnb-bench.sqlite"  # scratch_database puts it in a new temporary folder
        elif backend == "postgresql" and server_url and backend_name(server_url) == "postgresql":
            urls[backend] = server_url
    return urls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m esnb.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--aggregates", type=int, default=Sizes.aggregates, help="aggregates (default %(default)s)")
    parser.add_argument("--events", type=int, default=Sizes.events, help="events per aggregate (default %(default)s)")
    parser.add_argument("--page-size", type=int, default=Sizes.page_size,
                        help="read-all page size (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=2,
                        help="timed runs of each contender (default %(default)s; more give steadier medians)")
    parser.add_argument("--durable", action="store_true",
                        help="PostgreSQL: keep the server's synchronous_commit, so each commit waits for the disk")
    parser.add_argument("--backends", default=",".join(BACKENDS),
                        help="comma-separated, from %(default)s; postgresql needs a server URL")
    parser.add_argument("--contenders", default="",
                        help="comma-separated, from raw,es-application,es-aggregate,esnb-strategy,esnb "
                             "(default: all but esnb-strategy)")
    parser.add_argument("--database-url", default=None,
                        help="server URL for the postgresql backend (default: $ESNB_DATABASE_URL)")
    parser.add_argument("--trace-memory", action="store_true",
                        help="one more run per contender with tracemalloc on, for the peak Python memory of A, B and C")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="time by the wall clock (default), or by the process's CPU time, which a busy machine "
                             "disturbs less but which leaves out the server's work and the wait for the disk")
    parser.add_argument("--json", type=Path, default=None, help="also write the medians and memory figures here")
    parser.add_argument("--quiet", action="store_true", help="print only the tables")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = Sizes(args.aggregates, args.events, args.page_size)

    if args.worker:
        print(json.dumps(worker(args.worker, args.database_url, sizes, args.repeats, args.trace_memory, args.durable,
                                args.clock)))
        return 0

    server_url = args.database_url or os.environ.get(ENVIRONMENT_VARIABLE) or None
    selected = [name.strip() for name in args.backends.split(",") if name.strip()]
    unknown = set(selected) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    urls = backend_urls(selected, server_url)
    if "postgresql" in selected and "postgresql" not in urls:
        print("PostgreSQL left out: set ESNB_DATABASE_URL=postgresql+psycopg://USER@HOST:5432/DB to include it.\n")
    contender_keys = [key.strip() for key in args.contenders.split(",") if key.strip()] or None
    progress = None if args.quiet else (lambda message: print(message, file=sys.stderr, flush=True))

    report: dict[str, Any] = {"sizes": vars(sizes), "repeats": args.repeats, "backends": {}}
    began = time.perf_counter()
    for backend, url in urls.items():
        if progress:
            progress(f"{BACKENDS[backend]} ...")
        outcomes, notes = measure(url, sizes, args.repeats, contender_keys, args.trace_memory, args.durable, progress,
                                  args.clock)
        title = BACKENDS[backend]
        if backend == "postgresql":
            title += " (synchronous_commit " + ("as the server has it)" if args.durable else "off: see --durable)")
        elif backend == "sqlite-file":
            title += " (write-ahead log)"
        print(format_table(title, outcomes, sizes, args.repeats, args.clock))
        for note in notes:
            print(f"  ({note})")
        print()
        report["backends"][backend] = {
            key: {"name": o.name, "median_seconds": {w: o.median(w) for w in o.seconds}, "peak_bytes": o.peak_bytes,
                  "max_rss_bytes": o.max_rss_bytes, "error": o.error}
            for key, o in outcomes.items()
        }
    if not args.quiet:
        print(f"(took {time.perf_counter() - began:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
