"""Self-checks for the course's exercises: one module per notebook, such as `esnb.exercises.nb02`.

A check runs the learner's code, prints one line that starts with ✓ or ✗ and says
what is right or wrong, and never raises: a notebook keeps running past a failed
exercise. The learner's placeholder raises `NotImplementedError(PLACEHOLDER)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

PLACEHOLDER = "your code here"


class Wrong(Exception):
    """What a check found wrong with an answer, said in one or two lines."""


def report(title: str, check: Callable[[], str]) -> bool:
    """Run one check and print its verdict: ✓ with the check's message, or ✗ with what is wrong."""
    try:
        success = check()
    except Wrong as wrong:
        verdict = f"✗ {title}: {wrong}"
    except NotImplementedError as error:
        if error.args == (PLACEHOLDER,):
            verdict = f"✗ {title}: not done yet. Replace `raise NotImplementedError({PLACEHOLDER!r})` with your answer."
        else:
            verdict = f"✗ {title}: your code raised NotImplementedError: {error}"
    except Exception as error:
        verdict = f"✗ {title}: your code raised {type(error).__name__}: {error}"
    else:
        print(f"✓ {title}: {success}")
        return True
    print(verdict)
    return False


@contextmanager
def subscribers_emptied(subscribers: list) -> Iterator[None]:
    """Run with an empty subscriber list, then put back the subscribers that were there before."""
    saved = list(subscribers)
    subscribers.clear()
    try:
        yield
    finally:
        subscribers[:] = saved
