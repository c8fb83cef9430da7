"""Checks for the exercises of notebook 15 · Versioning and upcasting.

Exercise 15.1 stores rows with version 1 of a `Withdrawn` class, in a SQLite database of its own in memory,
then defines version 2 with the learner's upcaster and reads the rows back through an `UpcastingMapper`.
The classes live in a module of the check's own, which is removed at the end.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from uuid import uuid4

from esnb.exercises import Wrong, call, report, scratch_store

Upcaster = Callable[[dict[str, Any]], Any]

OPTIONS = ("tolerant reading", "upcasting", "new event type", "copy-and-replace")
_CHOSEN = {"a": "tolerant reading", "b": "upcasting", "c": "new event type", "d": "copy-and-replace"}
_MODULE = "esnb_exercise_bank"  # the module of the check's Withdrawn classes, while a check runs
_OLD_ROWS = [
    {"amount_in_cents": 1250, "reference": "rent"},
    {"amount_in_cents": 5, "reference": "coffee"},
    {"amount_in_cents": 99999, "reference": "car"},
]


def check_withdrawn_upcaster(withdrawn_v1_v2: Upcaster) -> None:
    """Exercise 15.1: `withdrawn_v1_v2(attributes)` turns a version 1 Withdrawn's attributes into version 2's."""
    report("Exercise 15.1", lambda: _withdrawn_upcaster(withdrawn_v1_v2))


def check_options(options: Callable[[], Any]) -> None:
    """Exercise 15.2: `options()` maps each change, a to d, to the option that fits it."""
    report("Exercise 15.2", lambda: _options(options))


def _expected(row: dict[str, Any]) -> dict[str, Any]:
    return {"amount": Decimal(row["amount_in_cents"]).scaleb(-2), "currency_code": "EUR",
            "reference": row["reference"]}


def _wrong_shape(row: dict[str, Any], got: Any) -> str | None:
    """What is wrong with the attributes an upcaster gave for one old row, or None if they are right."""
    if not isinstance(got, dict):
        return (f"for the old row {row}, your upcaster returned {got!r}: return the attributes as version 2 has "
                "them, a dict")
    expected = _expected(row)
    euros = expected["amount"]
    if "amount" not in got:
        if "amount_in_cents" in got:
            return (f"for the old row {row}, your upcaster gave {got}: version 2 has no amount_in_cents, "
                    f"it has an amount, in euros and cents ({euros})")
        return f"for the old row {row}, your upcaster gave {got}, with no amount: version 2 has one ({euros})"
    amount = got["amount"]
    if isinstance(amount, float):
        return (f"for the old row {row}, the amount is the float {amount!r}: a float cannot hold every amount of "
                "cents exactly, and the mapper stores a float as a float. Version 2's amount is a Decimal.")
    if amount == row["amount_in_cents"] and amount != euros:
        return (f"for the old row {row}, the amount is {amount!r}, which is the number of cents: version 2 holds "
                f"euros and cents, {euros}")
    if type(amount) is not Decimal:
        return f"for the old row {row}, the amount is {amount!r}, a {type(amount).__name__}: version 2's is a Decimal"
    if amount != euros:
        return f"for the old row {row}, the amount is {amount!r}: {row['amount_in_cents']} cents are {euros}"
    if "amount_in_cents" in got:
        return (f"for the old row {row}, your upcaster kept amount_in_cents beside the amount: version 2 has no "
                "such attribute. An upcaster renames; it does not copy, or the old name lives on in every event.")
    if "currency_code" not in got:
        named = [key for key in got if "currenc" in key.lower()]
        if named:
            return f"for the old row {row}, your upcaster gave {named[0]!r}: version 2 calls it 'currency_code'"
        return (f"for the old row {row}, your upcaster gave no currency_code: version 2 has one, and the old row "
                "does not say it. What do you know about the currency of every version 1 withdrawal?")
    if got["currency_code"] != "EUR":
        return (f"for the old row {row}, currency_code is {got['currency_code']!r}: every version 1 withdrawal "
                "was in euros, 'EUR'")
    if got.get("reference") != row["reference"]:
        reference = f"is {got['reference']!r}" if "reference" in got else "is missing"
        return (f"for the old row {row}, the reference {reference}: an upcaster changes what changed between the "
                "versions, and keeps every other attribute as it was")
    extra = sorted(set(got) - set(expected))
    if extra:
        return f"for the old row {row}, your upcaster added {extra}: version 2 has no such attribute"
    return None


@contextmanager
def _bank_module() -> Iterator[types.ModuleType]:
    """The check's own module for its Withdrawn classes, in sys.modules while the check runs."""
    module = types.ModuleType(_MODULE)
    sys.modules[_MODULE] = module
    try:
        yield module
    finally:
        del sys.modules[_MODULE]


def _define_withdrawn(module: types.ModuleType, upcaster: Upcaster | None) -> type:
    """Define Withdrawn in the module, replacing the one before: version 1, or version 2 with the upcaster."""
    from esnb.course.events import DomainEvent

    namespace: dict[str, Any] = {"__module__": _MODULE, "__qualname__": "Withdrawn"}
    if upcaster is not None:
        namespace |= {"class_version": 2, "upcast_v1_v2": staticmethod(upcaster)}
    cls = type("Withdrawn", (DomainEvent,), namespace)
    module.Withdrawn = cls  # type: ignore[attr-defined]
    return cls


def _withdrawn_upcaster(withdrawn_v1_v2: Upcaster) -> str:
    from esnb.course.event_store import EventStore
    from esnb.course.versioning import UpcastingMapper

    for row in _OLD_ROWS:
        got = call(f"for the old row {row}", withdrawn_v1_v2, dict(row))
        wrong = _wrong_shape(row, got)
        if wrong:
            raise Wrong(wrong)

    with scratch_store("sqlite:///:memory:") as scratch, _bank_module() as module:
        account_id = scratch.track(uuid4())
        old_class = _define_withdrawn(module, None)
        scratch.event_store.append([old_class(originator_id=account_id, originator_version=position, **row)
                                    for position, row in enumerate(_OLD_ROWS)])
        new_class = _define_withdrawn(module, withdrawn_v1_v2)  # the new code: the same topic, version 2
        store = EventStore(scratch.event_store.active_record_strategy, UpcastingMapper())
        store.append(new_class(originator_id=account_id, originator_version=len(_OLD_ROWS), amount=Decimal("3.10"),
                               currency_code="USD", reference="written by version 2"))
        try:
            events = store.get_domain_events(account_id)
        except Exception as error:
            raise Wrong(f"reading the old rows through an UpcastingMapper failed: {error}") from None
        expected = [_expected(row) for row in _OLD_ROWS]
        expected.append({"amount": Decimal("3.10"), "currency_code": "USD", "reference": "written by version 2"})
        if len(events) != len(expected):
            raise Wrong(f"read through an UpcastingMapper, {len(expected)} stored rows gave {len(events)} events")
        for event, wanted in zip(events, expected, strict=True):
            got = {key: value for key, value in vars(event).items()
                   if key not in ("originator_id", "originator_version")}
            if type(event) is not new_class or got != wanted:
                raise Wrong(f"read through an UpcastingMapper, a row became {event!r}, not a version 2 Withdrawn "
                            f"with {wanted}")
    return ("rows written by version 1 of Withdrawn read as version 2, with the amount in euros and cents, "
            "the currency EUR, and the rest kept.")


_WHY = {
    ("a", "upcasting"): "upcasting works, but nothing needs working out: a missing channel has an obvious meaning, "
                        "so a default in the reader is enough, and cheaper",
    ("a", "new event type"): "a deposit means what it meant before: it only gained an optional detail",
    ("a", "copy-and-replace"): "the streams stay as they are: only one optional attribute is new",
    ("b", "tolerant reading"): "no default can stand in for an amount: it must be worked out from each old row's "
                               "cents",
    ("b", "new event type"): "a withdrawal means what it meant before: only the shape of its amount changed, and "
                             "every old row holds what the new shape needs",
    ("b", "copy-and-replace"): "the streams stay as they are, and each old row can be brought up to date as it is "
                               "read, which is cheaper",
    ("c", "tolerant reading"): "no default can make an old row say what it never recorded: the meaning changed, "
                               "so old and new rows must be told apart by what they are",
    ("c", "upcasting"): "no upcaster can tell old interest from money paid in, since the old rows do not say: "
                        "the meaning changed, so old and new rows must be told apart by what they are",
    ("c", "copy-and-replace"): "copying the streams does not add what the old rows never said: the meaning "
                               "changed, so old and new rows must be told apart by what they are",
    ("d", "tolerant reading"): "the events are fine as they are: it is the streams that must change",
    ("d", "upcasting"): "an upcaster changes an event as it is read, but cannot move it to another stream: "
                        "the streams themselves must change",
    ("d", "new event type"): "the events mean what they meant: it is the streams that must change",
}


def _options(options: Callable[[], Any]) -> str:
    answer = call("calling options()", options)
    if not isinstance(answer, dict):
        raise Wrong(f"options() returned {answer!r}: return a dict from each letter, 'a' to 'd', to an option")
    for letter, right in _CHOSEN.items():
        if letter not in answer:
            raise Wrong(f"options() gave no answer for {letter!r}: give one for each change, 'a' to 'd'")
        given = answer[letter]
        if isinstance(given, str) and any(word in given.lower() for word in ("update", "edit", "migrat", "alter")):
            raise Wrong(f"for {letter}, {given!r} is not an option: stored rows are never edited in place")
        if given not in OPTIONS:
            raise Wrong(f"for {letter}, {given!r} is not one of OPTIONS: choose one of {', '.join(OPTIONS)}")
        if given != right:
            raise Wrong(f"for {letter}, {_WHY[letter, given]}.")
    return ("a tolerant reading, b upcasting, c a new event type, d copy-and-replace: "
            "the cheapest option that fits each change.")
