"""Checks for the exercises of notebook 12 · The notification log.

Both exercises are about ids and times only, so the checks need no database: they compare the learner's answer
with the course's on cases chosen to tell the ideas apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from esnb.exercises import Wrong, call, report

Commits = list[tuple[int, float]]


def check_missed_ids(missed_ids: Callable[[Commits, list[float]], Any]) -> None:
    """Exercise 12.1: `missed_ids(commits, polls)` are the ids a follower that carries on from its position skips."""
    report("Exercise 12.1", lambda: _missed_ids(missed_ids))


def check_safe_position(safe_position: Callable[[list[int], list[int]], Any]) -> None:
    """Exercise 12.2: `safe_position(committed, in_flight)` is the highest id a reader may go to without skipping."""
    report("Exercise 12.2", lambda: _safe_position(safe_position))


_MISSED_CASES: list[tuple[str, Commits, list[float], list[int], str]] = [
    ("ids 1, 2, 3 committed in order, one poll after all", [(1, 1.0), (2, 2.0), (3, 3.0)], [4.0], [],
     "when every row is visible at a poll, the follower reads them all"),
    ("ids 1 and 2 committed in order, with a poll between", [(1, 1.0), (2, 3.0)], [2.0, 4.0], [],
     "ids that commit in order are all read, however the polls fall"),
    ("id 1 committed at 3.0 and id 2 at 1.0, polls at 2.0 and 4.0", [(1, 3.0), (2, 1.0)], [2.0, 4.0], [1],
     "the poll at 2.0 reads id 2 and moves the position to 2; id 1 commits later, below the position, "
     "so no later poll asks for it"),
    ("id 2 committed late, polls at 2.0 and 5.0", [(1, 1.0), (2, 4.0), (3, 1.5)], [2.0, 5.0], [2],
     "the position jumps to 3 at the first poll, so id 2, committed later, is behind the follower"),
    ("id 1 committed late but before the first poll", [(1, 1.5), (2, 1.0)], [2.0], [],
     "a row that commits late but before a poll is visible to that poll, so it is read"),
    ("the late id committed before a poll that found nothing new",
     [(1, 1.0), (3, 1.5), (2, 2.5)], [2.0, 3.0], [2],
     "after the poll at 2.0 the position is 3; id 2 is below it"),
    ("ids 1, 2, 5 committed at 1.0 (3 was rolled back), id 4 at 2.5, polls at 2.0 and 3.0",
     [(1, 1.0), (2, 1.0), (5, 1.0), (4, 2.5)], [2.0, 3.0], [4],
     "the first poll reads ids 1, 2 and 5, and the position becomes 5, the highest id read, not 3, the number of "
     "rows read; so id 4 is behind it"),
    ("id 1 committed at exactly 2.0, the time of the first poll, and id 2 at 1.0", [(1, 2.0), (2, 1.0)], [2.0, 3.0],
     [1], "a row that commits at the very moment of a poll is not yet visible to it, so that poll reads only id 2"),
    ("no commits", [], [1.0], [], "with nothing committed, nothing is missed"),
    ("two late ids, listed out of order", [(4, 1.0), (2, 3.0), (1, 3.5), (3, 1.0)], [2.0, 4.0], [1, 2],
     "the first poll reads ids 3 and 4, so the position is 4 and ids 1 and 2 are behind it"),
]


def _missed_ids(missed_ids: Callable[[Commits, list[float]], Any]) -> str:
    for case, commits, polls, expected, why in _MISSED_CASES:
        answer = call(f"for {case}", missed_ids, list(commits), list(polls))
        if not isinstance(answer, list):
            raise Wrong(f"for {case}, missed_ids returned {answer!r}: return a sorted list of ids.")
        if answer != expected:
            raise Wrong(f"for {case}, missed_ids gave {answer}, but the follower misses {expected}: {why}.")
    return "missed_ids finds every id that commits behind the follower's position, and only those."


_SAFE_CASES: list[tuple[str, list[int], list[int], int, str]] = [
    ("committed [1, 2, 3], nothing in flight", [1, 2, 3], [], 3, "with nothing in flight, every committed id is safe"),
    ("committed [1, 2, 4], id 3 in flight", [1, 2, 4], [3], 2,
     "id 3 may still commit, so a reader that went past it to 4 would skip it"),
    ("committed [1, 2], ids 3 and 4 in flight", [1, 2], [4, 3], 2,
     "the oldest id in flight is 3: a reader may read up to 2"),
    ("committed [1, 2, 4], ids 5 and 3 in flight", [1, 2, 4], [5, 3], 2,
     "the oldest id in flight, 3, is the one a reader must stop below"),
    ("nothing committed, id 1 in flight", [], [1], 0, "before the oldest id in flight, nothing is committed"),
    ("no ids committed or in flight", [], [], 0, "an empty log has nothing to read: position 0"),
    ("committed [1, 2, 5], id 3 rolled back, nothing in flight", [1, 2, 5], [], 5,
     "a rolled-back id is gone for good, and must not hold the reader back"),
    ("committed [2, 5, 6], id 4 in flight", [6, 2, 5], [4], 2,
     "ids above the oldest in flight must wait, even when they are committed"),
]


def _safe_position(safe_position: Callable[[list[int], list[int]], Any]) -> str:
    for case, committed, in_flight, expected, why in _SAFE_CASES:
        answer = call(f"for {case}", safe_position, list(committed), list(in_flight))
        if type(answer) is not int:
            raise Wrong(f"for {case}, safe_position returned {answer!r}: return an id, an int (0 for none).")
        if answer not in (0, *committed):
            raise Wrong(f"for {case}, safe_position gave {answer}, which is not a committed id: the position is the "
                        "last id the follower has read, so it is one it can read now.")
        if answer != expected:
            raise Wrong(f"for {case}, safe_position gave {answer}, not {expected}: {why}.")
    return "safe_position stops below the oldest id in flight, and lets rolled-back ids go."
