"""The sizes of a benchmark run, what one contender's worker process reports, and the cells of the tables."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field


@dataclass
class Sizes:
    aggregates: int = 2000
    events: int = 10
    page_size: int = 1000

    @property
    def total(self) -> int:
        return self.aggregates * self.events


@dataclass
class Outcome:
    """One contender's figures: the seconds of each run, by workload, and the peaks of the traced run."""

    name: str
    seconds: dict[str, list[float]] = field(default_factory=dict)
    peak_bytes: dict[str, int] = field(default_factory=dict)
    max_rss_bytes: int = 0
    events_per_transaction: int = 0  # D only
    error: str = ""

    def median(self, workload: str) -> float | None:
        runs = self.seconds.get(workload)
        return statistics.median(runs) if runs else None


def rate_cell(events: int, seconds: float | None, raw_seconds: float | None, width: int = 16) -> str:
    """Events per second and the ratio to the raw driver's time, or n/a when the workload did not run."""
    if seconds is None:
        return f"{'n/a':>{width}}"
    ratio = f"{raw_seconds / seconds:5.2f}" if raw_seconds else "  -  "
    return f"{events / seconds:>{width - 6},.0f} {ratio}"


def runs_phrase(repeats: int) -> str:
    """How the table's figures were taken: 'median of 2 runs', or, with --repeats 0, no timed run at all."""
    return f"median of {repeats} run{'s' * (repeats != 1)}" if repeats else "no timed runs"
