"""Checks for the exercises of notebook 11 · Performance.

The checks count calls and rows, never time, so their verdicts are the same on every
machine. Each uses a datastore of its own (see `esnb.exercises.scratch_store`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

from esnb.exercises import Wrong, report, scratch_store


def check_append_in_batches(append_in_batches: Callable[[Any, list[Any], int], int], url: str | None = None) -> None:
    """Exercise 11.1: `append_in_batches(event_store, events, n)` makes one append per batch of up to n events."""
    report("Exercise 11.1", lambda: _append_in_batches(append_in_batches, url))


def check_next_page(next_page: Callable[[Any, int, int], list[Any]], url: str | None = None) -> None:
    """Exercise 11.2: `next_page(event_store, last_id, page_size)` gives the next page_size (id, event) pairs."""
    report("Exercise 11.2", lambda: _next_page(next_page, url))


def _events(aggregates: int, count: int) -> list[Any]:
    from esnb.course.events import AttributeChanged, Created

    events: list[Any] = []
    for _ in range(aggregates):
        aggregate_id = uuid4()
        events.append(Created(originator_id=aggregate_id, foo="start"))
        events += [AttributeChanged(originator_id=aggregate_id, originator_version=version, name="foo", value=version)
                   for version in range(1, count)]
    return events


def _ids_of(events: list[Any]) -> list[UUID]:
    return list(dict.fromkeys(event.originator_id for event in events))


def _append_in_batches(append_in_batches: Callable[[Any, list[Any], int], int], url: str | None) -> str:
    with scratch_store(url) as scratch:
        store = scratch.event_store
        appended = scratch.strategy.appended  # the number of events of each append

        def run(events: list[Any], n: int) -> tuple[Any, list[int], int]:
            for aggregate_id in _ids_of(events):
                scratch.track(aggregate_id)
            appended.clear()
            returned = append_in_batches(store, list(events), n)
            stored = sum(len(store.get_domain_events(aggregate_id)) for aggregate_id in _ids_of(events))
            return returned, list(appended), stored

        events = _events(3, 8)
        returned, batches, stored = run(events, 10)
        if batches and set(batches) == {1}:
            raise Wrong(f"it made {len(batches)} appends of one event each: pass a list of up to n events "
                        "to each `event_store.append(...)`.")
        if batches == [24]:
            raise Wrong("it appended all 24 events in one call, but n was 10: make batches of at most n events.")
        if stored < len(events):
            raise Wrong(f"only {stored} of {len(events)} events were stored: the last, shorter batch is missing.")
        if batches != [10, 10, 4]:
            raise Wrong(f"24 events with n=10 were appended in batches of {batches}, not [10, 10, 4].")
        if returned != 3:
            raise Wrong(f"it returned {returned!r}, but it made 3 appends: return the number of appends.")
        for n, expected in [(8, [8, 8, 8]), (24, [24]), (100, [24])]:
            returned, batches, stored = run(_events(3, 8), n)
            if (batches, returned, stored) != (expected, len(expected), 24):
                raise Wrong(f"with n={n}, 24 events went in batches of {batches}, it returned {returned!r}, "
                            f"and {stored} were stored; expected batches of {expected}, {len(expected)}, and 24.")
        returned, batches, stored = run([], 10)
        if batches:
            raise Wrong(f"with no events, it still called append {len(batches)} time(s): make no appends at all.")
        if returned != 0:
            raise Wrong(f"with no events, it returned {returned!r}, not 0.")
    return "append_in_batches makes one append per batch of at most n events, and counts them."


def _next_page(next_page: Callable[[Any, int, int], list[Any]], url: str | None) -> str:
    with scratch_store(url) as scratch:
        store = scratch.event_store
        events = _events(1, 7)
        scratch.track(events[0].originator_id)
        store.append(events)
        mine = [(row_id, event) for row_id, event in store.read_all() if event.originator_id == events[0].originator_id]
        ids = [row_id for row_id, _ in mine]

        def page(last_id: int, page_size: int) -> list[Any]:
            scratch.strategy.read.clear()  # a 1 for each event read_all hands out
            answer = next_page(store, last_id, page_size)
            if not isinstance(answer, list):
                raise Wrong(f"next_page returned something of type {type(answer).__name__}: "
                            "return a list of (id, event) pairs.")
            handed_out = sum(scratch.strategy.read)
            if handed_out > page_size + 1:
                raise Wrong(f"for a page of {page_size}, it took {handed_out} events from read_all: stop after "
                            "page_size, for example with itertools.islice. read_all's page_size is not a limit.")
            return answer

        first = page(ids[1], 3)
        if first and not isinstance(first[0], tuple):
            raise Wrong(f"the page holds {type(first[0]).__name__} objects: "
                        "return (id, event) pairs, as read_all gives.")
        if first == mine[1:4]:
            raise Wrong("the page began with the event at last_id: start after it, with start=last_id + 1.")
        if len(first) > 3:
            raise Wrong(f"a page of 3 held {len(first)} events: stop after page_size events.")
        if first != mine[2:5]:
            raise Wrong(f"after id {ids[1]}, the page held ids {[pair[0] for pair in first]}, not {ids[2:5]}.")
        walked, last_id = [], ids[1]
        while chunk := page(last_id, 2):
            walked.append([row_id for row_id, _ in chunk])
            last_id = chunk[-1][0]
            if len(walked) > 10:
                break
        expected = [ids[2:4], ids[4:6], ids[6:7]]
        if walked != expected:
            raise Wrong(f"walking pages of 2 from id {ids[1]} gave {walked}, not {expected}.")
        if page(ids[-1], 5) != []:
            raise Wrong("after the last event, next_page should return [].")
    return "next_page reads one page after last_id, and no more."
