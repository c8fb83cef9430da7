"""The checks of notebook 12's exercises: placeholder, plausible wrong answers, and right answers."""

from __future__ import annotations

from typing import Any

import pytest

from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb12 import check_missed_ids, check_safe_position

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')`"


# Exercise 12.1

def missed_right(commits: list[tuple[int, float]], polls: list[float]) -> list[int]:
    position, read = 0, set()
    for poll in polls:
        visible = [row_id for row_id, committed in commits if committed < poll and row_id > position]
        read.update(visible)
        position = max([position, *visible])
    return sorted({row_id for row_id, _ in commits} - read)


def missed_placeholder(commits: list[tuple[int, float]], polls: list[float]) -> list[int]:
    raise NotImplementedError(PLACEHOLDER)


def missed_nothing(commits: list[tuple[int, float]], polls: list[float]) -> list[int]:
    return []


def missed_out_of_commit_order(commits: list[tuple[int, float]], polls: list[float]) -> list[int]:
    """Every id that committed after a higher id: ignores when the polls happen."""
    return sorted(row_id for row_id, committed in commits
                  if any(other > row_id and when < committed for other, when in commits))


def missed_counts_rows(commits: list[tuple[int, float]], polls: list[float]) -> list[int]:
    """Moves the position by how many rows it read, not to the highest id."""
    position, read = 0, set()
    for poll in polls:
        visible = [row_id for row_id, committed in commits if committed < poll and row_id > position]
        read.update(visible)
        position += len(visible)
    return sorted({row_id for row_id, _ in commits} - read)


def missed_ignores_time(commits: list[tuple[int, float]], polls: list[float]) -> list[int]:
    """Reads every row at the first poll, as if all were committed."""
    return []


def missed_at_or_before(commits: list[tuple[int, float]], polls: list[float]) -> list[int]:
    position, read = 0, set()
    for poll in polls:
        visible = [row_id for row_id, committed in commits if committed <= poll and row_id > position]
        read.update(visible)
        position = max([position, *visible])
    return sorted({row_id for row_id, _ in commits} - read)


def missed_crashes_when_empty(commits: list[tuple[int, float]], polls: list[float]) -> list[int]:
    last = max(row_id for row_id, _ in commits)
    return missed_right(commits, polls) if last else []


def missed_unsorted(commits: list[tuple[int, float]], polls: list[float]) -> Any:
    return set(missed_right(commits, polls))


@pytest.mark.parametrize("answer, message", [
    (missed_placeholder, NOT_DONE),
    (missed_nothing, "for id 1 committed at 3.0 and id 2 at 1.0, polls at 2.0 and 4.0, missed_ids gave [], but the "
                     "follower misses [1]: the poll at 2.0 reads id 2 and moves the position to 2; id 1 commits "
                     "later, below the position, so no later poll asks for it."),
    (missed_out_of_commit_order, "for id 1 committed late but before the first poll, missed_ids gave [1], but the "
                                 "follower misses []: a row that commits late but before a poll is visible to that "
                                 "poll, so it is read."),
    (missed_counts_rows, "for ids 1, 2, 5 committed at 1.0 (3 was rolled back), id 4 at 2.5, polls at 2.0 and 3.0, "
                         "missed_ids gave [], but the follower misses [4]: the first poll reads ids 1, 2 and 5, and "
                         "the position becomes 5, the highest id read, not 3, the number of rows read"),
    (missed_at_or_before, "for id 1 committed at exactly 2.0, the time of the first poll, and id 2 at 1.0, missed_ids "
                          "gave [], but the follower misses [1]: a row that commits at the very moment of a poll is "
                          "not yet visible to it"),
    (missed_crashes_when_empty, "for no commits, your code raised ValueError: max() arg is an empty sequence"),
    (missed_unsorted, "for ids 1, 2, 3 committed in order, one poll after all, missed_ids returned set(): return a "
                      "sorted list of ids."),
])
def test_missed_ids_wrong(answer, message, verdict):
    check_missed_ids(answer)
    line = verdict()
    assert line.startswith("✗ Exercise 12.1: ") and message in line, line


def test_missed_ids_right(verdict):
    assert check_missed_ids(missed_right) is None
    assert verdict() == ("✓ Exercise 12.1: missed_ids finds every id that commits behind the follower's position, "
                         "and only those.")


# Exercise 12.2

def safe_right(committed: list[int], in_flight: list[int]) -> int:
    return max((row_id for row_id in committed if not in_flight or row_id < min(in_flight)), default=0)


def safe_placeholder(committed: list[int], in_flight: list[int]) -> int:
    raise NotImplementedError(PLACEHOLDER)


def safe_ignores_in_flight(committed: list[int], in_flight: list[int]) -> int:
    return max(committed, default=0)


def safe_up_to_oldest(committed: list[int], in_flight: list[int]) -> int:
    return min(in_flight) if in_flight else max(committed, default=0)


def safe_just_below_oldest(committed: list[int], in_flight: list[int]) -> int:
    return min(in_flight) - 1 if in_flight else max(committed, default=0)


def safe_below_newest(committed: list[int], in_flight: list[int]) -> int:
    below = [row_id for row_id in committed if not in_flight or row_id < max(in_flight)]
    return max(below, default=0)


def safe_no_gaps(committed: list[int], in_flight: list[int]) -> int:
    """Stops at the first missing id, as if a rolled-back id could still come."""
    position = 0
    while position + 1 in committed:
        position += 1
    return position


def safe_crashes_when_empty(committed: list[int], in_flight: list[int]) -> int:
    return safe_right(committed, in_flight) if max(committed) else 0


@pytest.mark.parametrize("answer, message", [
    (safe_placeholder, NOT_DONE),
    (safe_ignores_in_flight, "for committed [1, 2, 4], id 3 in flight, safe_position gave 4, not 2: id 3 may still "
                             "commit, so a reader that went past it to 4 would skip it."),
    (safe_up_to_oldest, "for committed [1, 2, 4], id 3 in flight, safe_position gave 3, which is not a committed id: "
                        "the position is the last id the follower has read, so it is one it can read now."),
    (safe_just_below_oldest, "for committed [2, 5, 6], id 4 in flight, safe_position gave 3, which is not a committed "
                             "id"),
    (safe_below_newest, "for committed [1, 2, 4], ids 5 and 3 in flight, safe_position gave 4, not 2: the oldest id "
                        "in flight, 3, is the one a reader must stop below."),
    (safe_no_gaps, "for committed [1, 2, 5], id 3 rolled back, nothing in flight, safe_position gave 2, not 5: a "
                   "rolled-back id is gone for good, and must not hold the reader back."),
    (safe_crashes_when_empty, "for nothing committed, id 1 in flight, your code raised ValueError: max() arg is an "
                              "empty sequence"),
])
def test_safe_position_wrong(answer, message, verdict):
    check_safe_position(answer)
    line = verdict()
    assert line.startswith("✗ Exercise 12.2: ") and message in line, line


def test_safe_position_right(verdict):
    assert check_safe_position(safe_right) is None
    assert verdict() == ("✓ Exercise 12.2: safe_position stops below the oldest id in flight, and lets rolled-back "
                         "ids go.")
