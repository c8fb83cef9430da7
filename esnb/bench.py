"""Race esnb's event store against the raw driver and the eventsourcing library's recorders.

    python -m esnb.bench                       SQLite in memory, a SQLite file, and the configured server
    python -m esnb.bench --aggregates 20000    ten times the default size
    python -m esnb.bench --workloads D,L       the projection and the gap-free log instead of A, B and C
    python -m esnb.bench --help                every flag

The workloads, on N aggregates of E small JSON events each:

    A  append    each aggregate's events in one transaction
    B  replay    each aggregate's events read back in order and decoded
    C  read all  every event in the table's global order, in pages
    D  projection catch-up: a projection with tracking builds a read model from A's events
                 (esnb.bench_projection)
    L  gap-free log append: A's appends with ids kept in commit order, by 1 and by 4 writer
                 processes at once (esnb.bench_log)

Each contender runs in a fresh process of its own, which repeats the workloads several
times, each time on a new, empty database; the table shows the medians, in events per
second and as a ratio to the raw driver, the practical floor of overhead. The last column
is the worker process's peak resident memory. With --trace-memory, one more run with
tracemalloc on gives instead the most Python memory each workload held at once, above
what was held before it started: the figure that shows whether rows are streamed.

The contenders of A, B and C (esnb.bench_contenders says exactly what each does):

    raw                the driver alone: sqlite3, psycopg 3 or PyMySQL
    es-application     eventsourcing's application recorder (stored events with a global order)
    es-aggregate       eventsourcing's aggregate recorder (no global order, so no C)
    esnb-strategy      esnb's active record strategy, with the same least codec as the three above
                       (left out unless asked for, but on MariaDB, where eventsourcing has no recorder:
                       it tells the storage layer's cost from the mapper's)
    esnb               esnb's event store: the strategy and the course's own mapper

PostgreSQL runs when ESNB_DATABASE_URL (or --database-url) names a PostgreSQL server, and MariaDB
(or MySQL) when it names one of those. Each run gets a scratch database of its own, dropped afterwards.
The eventsourcing recorders need `pip install eventsourcing` (with psycopg_pool for PostgreSQL);
without it they are left out, with a note. eventsourcing 9 has no MySQL/MariaDB recorder.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from esnb.bench_results import Outcome, Sizes, rate_cell, runs_phrase
from esnb.databases import ENVIRONMENT_VARIABLE, backend_name, is_in_memory, scratch_database

WORKLOADS = ("A", "B", "C")
GROUPS = {"A,B,C": WORKLOADS, "D": ("D",), "L": ("L",)}  # the workloads one worker process runs together
DEFAULT_CONTENDERS = ("raw", "es-application", "es-aggregate", "esnb")
WORKLOAD_NAMES = {"A": "append", "B": "replay", "C": "read all", "D": "projection catch-up",
                  "L": "gap-free log append"}
BACKENDS = {
    "sqlite-memory": "SQLite in memory",
    "sqlite-file": "SQLite file",
    "postgresql": "PostgreSQL",
    "mariadb": "MariaDB",
}
SERVERS = {  # the server backends, the name of their SQLAlchemy backend, and an example URL
    "postgresql": ("postgresql", "postgresql+psycopg://USER@HOST:5432/DB"),
    "mariadb": ("mysql", "mysql+pymysql://USER@HOST:3306/DB"),
}


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

        from esnb.bench_raw import sqlite_path

        database = sqlite3.connect(sqlite_path(url))
        database.execute("PRAGMA journal_mode=WAL")
        database.close()
    elif backend == "postgresql" and not durable:
        from sqlalchemy import create_engine, make_url

        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(f'ALTER DATABASE "{make_url(url).database}" SET synchronous_commit = off')
        engine.dispose()


@dataclass
class Settings:
    """What one worker process is asked to run, besides the contender and the server."""

    sizes: Sizes
    repeats: int = 2
    memory: bool = False
    durable: bool = False
    clock: str = "wall"
    writers: tuple[int, ...] = (1, 4)
    batch: int = 100


def worker(group: str, contender_key: str, base_url: str, settings: Settings) -> dict[str, Any]:
    """Time one contender on one group of workloads, `repeats` times, each on a new empty database (L: that many
    times for each number of writers); with `memory`, trace one more run (A, B, C and D)."""
    result: dict[str, Any] = {
        "name": contender_name(group, contender_key, backend_name(base_url)), "seconds": {}, "peak_bytes": {}
    }
    if group == "L":
        plans = [(writers, False) for writers in settings.writers for _ in range(settings.repeats)]
    else:
        plans = [(0, run == settings.repeats) for run in range(settings.repeats + settings.memory)]
    for writers, traced in plans:
        with scratch_database(base_url) as url:
            prepare_database(url, settings.durable)
            outcome = run_once(group, contender_key, url, settings, traced, writers)
        if traced:
            result["peak_bytes"] = outcome["peak_bytes"]
        else:
            for workload, seconds in outcome["seconds"].items():
                result["seconds"].setdefault(workload, []).append(seconds)
        result["events_per_transaction"] = outcome.get("events_per_transaction", 0)
    result["max_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return result


def run_once(group: str, contender_key: str, url: str, settings: Settings, traced: bool,
             writers: int) -> dict[str, Any]:
    """One run of a group of workloads on one contender, on the new, empty database at `url`."""
    backend = backend_name(url)
    if group == "L":
        from esnb.bench_log import run_log, writers_for

        seconds = run_log(writers_for(backend)[0][contender_key], url, settings.sizes, writers)
        return {"seconds": {f"L{writers}": seconds}, "peak_bytes": {}}
    if group == "D":
        from esnb.bench_projection import projections_for, run_projection

        projection = projections_for(backend)[0][contender_key](url, settings.sizes, settings.batch)
        try:
            return run_projection(projection, trace_memory=traced, clock=settings.clock)
        finally:
            projection.close()
    from esnb.bench_contenders import contenders_for

    contender = contenders_for(backend)[contender_key](url)
    try:
        if traced:
            tracemalloc.start()
        return run_workloads(contender, settings.sizes, trace_memory=traced, clock=settings.clock)
    finally:
        tracemalloc.stop()
        contender.close()


# From the parent process


def run_worker(group: str, contender_key: str, base_url: str, settings: Settings) -> dict[str, Any]:
    """Run one contender in a fresh Python process; its result, or RuntimeError with its last error line."""
    sizes = settings.sizes
    command = [
        sys.executable, "-m", "esnb.bench", "--worker", contender_key, "--workloads", group,
        "--database-url", base_url, "--aggregates", str(sizes.aggregates), "--events", str(sizes.events),
        "--page-size", str(sizes.page_size), "--repeats", str(settings.repeats), "--clock", settings.clock,
        "--writers", ",".join(map(str, settings.writers)), "--batch", str(settings.batch),
    ]
    command += ["--trace-memory"] * settings.memory + ["--durable"] * settings.durable
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        lines = finished.stderr.strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"exit status {finished.returncode}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def available_contenders(backend: str, group: str = "A,B,C") -> tuple[list[str], list[str]]:
    """The contenders of a group of workloads that can run on a backend, and a note for each one left out."""
    if group == "D":
        from esnb.bench_projection import projections_for

        projections, notes = projections_for(backend)
        return list(projections), notes
    if group == "L":
        from esnb.bench_log import writers_for

        writers, notes = writers_for(backend)
        return list(writers), notes
    from esnb.bench_contenders import contenders_for

    keys, notes = [], []
    for key, contender in contenders_for(backend).items():
        if key.startswith("es-"):
            if backend == "mysql":
                notes.append(f"{contender.name} left out: eventsourcing 9 has no MySQL/MariaDB recorder")
                continue
            try:
                import eventsourcing

                if backend == "postgresql":
                    import eventsourcing.postgres  # noqa: F401
            except ImportError as error:
                notes.append(f"{contender.name} left out: {error}")
                continue
        keys.append(key)
    return keys, notes


def default_contenders(backend: str, group: str) -> tuple[str, ...]:
    """Every contender of D and L; those of A, B and C but esnb-strategy, which stands in for the
    eventsourcing recorders on MariaDB."""
    if group != "A,B,C":
        return tuple(available_contenders(backend, group)[0])
    return DEFAULT_CONTENDERS + ("esnb-strategy",) * (backend == "mysql")


def contender_name(group: str, key: str, backend: str) -> str:
    """The name a contender goes by in its table."""
    if group == "D":
        from esnb.bench_projection import projection_name

        return projection_name(key, backend)
    if group == "L":
        from esnb.bench_log import writer_name

        return writer_name(key, backend)
    from esnb.bench_contenders import contenders_for

    return contenders_for(backend)[key].name


def measure(base_url: str, settings: Settings, contender_keys: list[str] | None = None, progress: Any = None,
            group: str = "A,B,C") -> tuple[dict[str, Outcome], list[str]]:
    """Run every contender of a group of workloads on one backend, each in a fresh process."""
    backend = backend_name(base_url)
    keys, notes = available_contenders(backend, group)
    keys = [key for key in keys if key in (contender_keys or default_contenders(backend, group))]
    outcomes: dict[str, Outcome] = {}
    for key in keys:
        outcome = outcomes[key] = Outcome(name=contender_name(group, key, backend))
        try:
            result = run_worker(group, key, base_url, settings)
        except RuntimeError as error:
            outcome.error = str(error)
            continue
        outcome.seconds = result["seconds"]
        outcome.peak_bytes = result["peak_bytes"]
        outcome.max_rss_bytes = result["max_rss_bytes"]
        outcome.events_per_transaction = result["events_per_transaction"]
        if progress:
            progress(f"  {outcome.name}: done")
    return outcomes, notes


def format_table(title: str, outcomes: dict[str, Outcome], sizes: Sizes, repeats: int, clock: str = "wall") -> str:
    """The side-by-side table of A, B and C on one backend."""
    raw = outcomes.get("raw")
    traced = any(outcome.peak_bytes for outcome in outcomes.values())
    memory_heading = "Python peak, MB" if traced else "peak RSS"
    memory_columns = "A / B / C" if traced else "MB"
    rate = "events/s" if clock == "wall" else "ev/CPU s"
    lines = [
        f"{title}: {sizes.aggregates:,} aggregates x {sizes.events} events = {sizes.total:,} events,"
        f" read all in pages of {sizes.page_size:,}; {runs_phrase(repeats)}"
        + ("" if clock == "wall" else ", timed by CPU time"),
        "",
        f"{'':36} {'A append':>16} {'B replay':>16} {'C read all':>16}   {memory_heading:>18}",
        f"{'implementation':36} {rate + '  x raw':>16} {rate + '  x raw':>16} {rate + '  x raw':>16}"
        f"   {memory_columns:>18}",
    ]
    for outcome in outcomes.values():
        if outcome.error:
            lines.append(f"{outcome.name:36} failed: {outcome.error}")
            continue
        raw_seconds = raw.median if raw and not raw.error else None
        cells = [
            rate_cell(sizes.total, outcome.median(w), raw_seconds(w) if raw_seconds else None) for w in WORKLOADS
        ]
        if traced:
            memory = " / ".join(
                f"{outcome.peak_bytes[w] / 1e6:.2f}" if w in outcome.peak_bytes else "-" for w in WORKLOADS
            )
        else:
            memory = f"{outcome.max_rss_bytes / 1e6:.0f}"
        lines.append(f"{outcome.name:36} {' '.join(cells)}   {memory:>18}")
    return "\n".join(lines)


def backend_urls(selected: list[str], server_url: str | None) -> dict[str, str]:
    """The base URL of each backend to run; a server only when server_url names one of its kind.

    server_url is None (or empty) when no server is configured: then there is nothing to parse,
    and the servers are simply left out.
    """
    urls: dict[str, str] = {}
    for backend in selected:
        if backend == "sqlite-memory":
            urls[backend] = "sqlite:///:memory:"
        elif backend == "sqlite-file":
            urls[backend] = "sqlite:///esnb-bench.sqlite"  # scratch_database puts it in a new temporary folder
        elif backend in SERVERS and server_url and backend_name(server_url) == SERVERS[backend][0]:
            urls[backend] = server_url
    return urls


def left_out_servers(selected: list[str], urls: dict[str, str]) -> list[str]:
    """A line for each server asked for but not configured, when no server is configured at all."""
    if any(backend in urls for backend in SERVERS):
        return []
    return [
        f"{BACKENDS[backend]} left out: set {ENVIRONMENT_VARIABLE}={example} to include it."
        for backend, (_, example) in SERVERS.items()
        if backend in selected
    ]


def backend_title(backend: str, url: str, durable: bool) -> str:
    """The backend's name, and how its commits reach the disk."""
    title = BACKENDS[backend]
    if backend == "postgresql":
        return title + " (synchronous_commit " + ("as the server has it)" if durable else "off: see --durable)")
    if backend == "sqlite-file":
        return title + " (write-ahead log)"
    if backend == "mariadb":
        flush = mariadb_flush_setting(url)
        waits = "each commit waits for the disk" if flush == "1" else "commits do not wait for the disk"
        return f"{title} (innodb_flush_log_at_trx_commit = {flush}, server-wide: {waits})"
    return title


def mariadb_flush_setting(url: str) -> str:
    """The server's innodb_flush_log_at_trx_commit: 1 makes each commit wait for the disk."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SELECT @@innodb_flush_log_at_trx_commit")).scalar())
    finally:
        engine.dispose()


def parse_workloads(text: str) -> list[str]:
    """The groups of workloads to run, in order, from a comma-separated list; ValueError if it makes no sense."""
    named = {name.strip().upper() for name in text.split(",") if name.strip()}
    unknown = named - set(WORKLOAD_NAMES)
    if unknown:
        raise ValueError(f"unknown workloads: {', '.join(sorted(unknown))}; choose from A,B,C,D,L")
    if named & set(WORKLOADS) and not set(WORKLOADS) <= named:
        raise ValueError("A, B and C run together (B and C read what A wrote): give all three, or none")
    return [group for group, workloads in GROUPS.items() if set(workloads) <= named]


def parse_counts(text: str) -> tuple[int, ...]:
    counts = tuple(int(count) for count in text.split(",") if count.strip())
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected positive whole numbers, separated by commas: {text!r}")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m esnb.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", default="A,B,C",
                        help="comma-separated, from A,B,C,D,L (default %(default)s); A, B and C run together")
    parser.add_argument("--aggregates", type=int, default=Sizes.aggregates, help="aggregates (default %(default)s)")
    parser.add_argument("--events", type=int, default=Sizes.events, help="events per aggregate (default %(default)s)")
    parser.add_argument("--page-size", type=int, default=Sizes.page_size,
                        help="events per page when reading all (C) or the log (D) (default %(default)s)")
    parser.add_argument("--batch", type=int, default=Settings.batch,
                        help="D: events per transaction of raw and esnb (default %(default)s; eventsourcing's runner "
                             "always commits each event alone, so --batch 1 races it like for like)")
    parser.add_argument("--writers", type=parse_counts, default=Settings.writers,
                        help="L: how many writer processes append at once, comma-separated (default 1,4)")
    parser.add_argument("--repeats", type=int, default=Settings.repeats,
                        help="timed runs of each contender (default %(default)s; more give steadier medians; "
                             "0 with --trace-memory: only the memory figures)")
    parser.add_argument("--durable", action="store_true",
                        help="PostgreSQL: keep the server's synchronous_commit, so each commit waits for the disk")
    parser.add_argument("--backends", default=",".join(BACKENDS),
                        help="comma-separated, from %(default)s; postgresql and mariadb need a server URL")
    parser.add_argument("--contenders", default="",
                        help="comma-separated: A,B,C from raw,es-application,es-aggregate,esnb-strategy,esnb "
                             "(default: all but esnb-strategy, but on MariaDB); D from raw,esnb,es-runner; "
                             "L from raw,esnb,es-application (default: all)")
    parser.add_argument("--database-url", default=None,
                        help="server URL for the postgresql or mariadb backend (default: $ESNB_DATABASE_URL)")
    parser.add_argument("--trace-memory", action="store_true",
                        help="one more run per contender with tracemalloc on, for the peak Python memory of A, B, C "
                             "and D")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="time by the wall clock (default), or by the process's CPU time, which a busy machine "
                             "disturbs less but which leaves out the server's work and the wait for the disk "
                             "(L is always timed by the wall clock)")
    parser.add_argument("--json", type=Path, default=None, help="also write the medians and memory figures here")
    parser.add_argument("--quiet", action="store_true", help="print only the tables")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        groups = parse_workloads(args.workloads)
    except ValueError as error:
        parser.error(str(error))
    settings = Settings(Sizes(args.aggregates, args.events, args.page_size), args.repeats, args.trace_memory,
                        args.durable, args.clock, args.writers, args.batch)

    if args.worker:
        print(json.dumps(worker(groups[0], args.worker, args.database_url, settings)))
        return 0

    server_url = args.database_url or os.environ.get(ENVIRONMENT_VARIABLE) or None
    selected = [name.strip() for name in args.backends.split(",") if name.strip()]
    unknown = set(selected) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    urls = backend_urls(selected, server_url)
    left_out = left_out_servers(selected, urls)
    if left_out:
        print("\n".join(left_out) + "\n")
    contender_keys = [key.strip() for key in args.contenders.split(",") if key.strip()] or None
    progress = None if args.quiet else (lambda message: print(message, file=sys.stderr, flush=True))

    report: dict[str, Any] = {"sizes": vars(settings.sizes), "repeats": args.repeats, "backends": {}, "D": {}, "L": {}}
    began = time.perf_counter()
    for backend, url in urls.items():
        title = backend_title(backend, url, args.durable)
        for group in groups:
            if group == "L" and is_in_memory(url):
                print(f"L {WORKLOAD_NAMES['L']}: {BACKENDS[backend]} left out: its database lives in one process, "
                      "and L's writers are processes of their own\n")
                continue
            if progress:
                progress(f"{BACKENDS[backend]}, {group} ...")
            outcomes, notes = measure(url, settings, contender_keys, progress, group)
            print(format_group(group, title, outcomes, settings))
            for note in notes:
                print(f"  ({note})")
            print()
            figures = {
                key: {"name": o.name, "median_seconds": {w: o.median(w) for w in o.seconds}, "peak_bytes": o.peak_bytes,
                      "max_rss_bytes": o.max_rss_bytes, "error": o.error}
                for key, o in outcomes.items()
            }
            report["backends" if group == "A,B,C" else group][backend] = figures
    if not args.quiet:
        print(f"(took {time.perf_counter() - began:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


def format_group(group: str, title: str, outcomes: dict[str, Outcome], settings: Settings) -> str:
    """The table of one group of workloads on one backend."""
    if group == "D":
        from esnb.bench_projection import format_projection_table

        return format_projection_table(f"D {WORKLOAD_NAMES['D']}, {title}", outcomes, settings.sizes,
                                       settings.repeats, settings.clock)
    if group == "L":
        from esnb.bench_log import format_log_table

        return format_log_table(f"L {WORKLOAD_NAMES['L']}, {title}", outcomes, settings.sizes, settings.repeats,
                                settings.writers)
    return format_table(title, outcomes, settings.sizes, settings.repeats, settings.clock)


if __name__ == "__main__":
    sys.exit(main())
