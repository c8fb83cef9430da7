"""The checks of notebook 15's exercises: placeholder, plausible wrong answers, and a right answer."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb15 import check_options, check_withdrawn_upcaster

pytestmark = pytest.mark.usefixtures("subscribers_kept")

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')` with your answer."
RENT = "for the old row {'amount_in_cents': 1250, 'reference': 'rent'}"


def upcaster_right(attributes: dict[str, Any]) -> dict[str, Any]:
    upgraded = dict(attributes)
    upgraded["amount"] = Decimal(upgraded.pop("amount_in_cents")).scaleb(-2)
    upgraded["currency_code"] = "EUR"
    return upgraded


def upcaster_divides(attributes: dict[str, Any]) -> dict[str, Any]:
    """Also right: Decimal(1250) / 100 is Decimal('12.5'), the same amount as 12.50."""
    cents = attributes.pop("amount_in_cents")
    return {**attributes, "amount": Decimal(cents) / 100, "currency_code": "EUR"}


def upcaster_in_place(attributes: dict[str, Any]) -> dict[str, Any]:
    """Also right: the mapper hands each upcaster a copy."""
    attributes["amount"] = Decimal(attributes.pop("amount_in_cents")) / 100
    attributes["currency_code"] = "EUR"
    return attributes


def upcaster_placeholder(attributes: dict[str, Any]) -> dict[str, Any]:
    raise NotImplementedError(PLACEHOLDER)


def upcaster_float(attributes: dict[str, Any]) -> dict[str, Any]:
    cents = attributes.pop("amount_in_cents")
    return {**attributes, "amount": cents / 100, "currency_code": "EUR"}


def upcaster_cents(attributes: dict[str, Any]) -> dict[str, Any]:
    cents = attributes.pop("amount_in_cents")
    return {**attributes, "amount": Decimal(cents), "currency_code": "EUR"}


def upcaster_floor(attributes: dict[str, Any]) -> dict[str, Any]:
    cents = attributes.pop("amount_in_cents")
    return {**attributes, "amount": Decimal(cents // 100), "currency_code": "EUR"}


def upcaster_copies(attributes: dict[str, Any]) -> dict[str, Any]:
    return {**attributes, "amount": Decimal(attributes["amount_in_cents"]) / 100, "currency_code": "EUR"}


def upcaster_no_currency(attributes: dict[str, Any]) -> dict[str, Any]:
    cents = attributes.pop("amount_in_cents")
    return {**attributes, "amount": Decimal(cents) / 100}


def upcaster_currency(attributes: dict[str, Any]) -> dict[str, Any]:
    cents = attributes.pop("amount_in_cents")
    return {**attributes, "amount": Decimal(cents) / 100, "currency": "EUR"}


def upcaster_dollars(attributes: dict[str, Any]) -> dict[str, Any]:
    cents = attributes.pop("amount_in_cents")
    return {**attributes, "amount": Decimal(cents) / 100, "currency_code": "USD"}


def upcaster_drops_reference(attributes: dict[str, Any]) -> dict[str, Any]:
    return {"amount": Decimal(attributes["amount_in_cents"]) / 100, "currency_code": "EUR"}


def upcaster_returns_nothing(attributes: dict[str, Any]) -> None:
    attributes["amount"] = Decimal(attributes.pop("amount_in_cents")) / 100
    attributes["currency_code"] = "EUR"


def upcaster_renames_only(attributes: dict[str, Any]) -> dict[str, Any]:
    return {**attributes, "currency_code": "EUR"}


def upcaster_reads_version_2(attributes: dict[str, Any]) -> dict[str, Any]:
    return {**attributes, "amount": attributes["amount"], "currency_code": "EUR"}


@pytest.mark.parametrize(("answer", "expected"), [
    (upcaster_placeholder, f"✗ Exercise 15.1: {NOT_DONE}"),
    (upcaster_float, f"✗ Exercise 15.1: {RENT}, the amount is the float 12.5: a float cannot hold every amount of "
                     "cents exactly, and the mapper stores a float as a float. Version 2's amount is a Decimal."),
    (upcaster_cents, f"✗ Exercise 15.1: {RENT}, the amount is Decimal('1250'), which is the number of cents: "
                     "version 2 holds euros and cents, 12.50"),
    (upcaster_floor, f"✗ Exercise 15.1: {RENT}, the amount is Decimal('12'): 1250 cents are 12.50"),
    (upcaster_copies, f"✗ Exercise 15.1: {RENT}, your upcaster kept amount_in_cents beside the amount: version 2 "
                      "has no such attribute. An upcaster renames; it does not copy, or the old name lives on in "
                      "every event."),
    (upcaster_no_currency, f"✗ Exercise 15.1: {RENT}, your upcaster gave no currency_code: version 2 has one, and "
                           "the old row does not say it. What do you know about the currency of every version 1 "
                           "withdrawal?"),
    (upcaster_currency, f"✗ Exercise 15.1: {RENT}, your upcaster gave 'currency': version 2 calls it "
                        "'currency_code'"),
    (upcaster_dollars, f"✗ Exercise 15.1: {RENT}, currency_code is 'USD': every version 1 withdrawal was in euros, "
                       "'EUR'"),
    (upcaster_drops_reference, f"✗ Exercise 15.1: {RENT}, the reference is missing: an upcaster changes what "
                               "changed between the versions, and keeps every other attribute as it was"),
    (upcaster_returns_nothing, f"✗ Exercise 15.1: {RENT}, your upcaster returned None: return the attributes as "
                               "version 2 has them, a dict"),
    (upcaster_renames_only, f"✗ Exercise 15.1: {RENT}, your upcaster gave {{'amount_in_cents': 1250, "
                            "'reference': 'rent', 'currency_code': 'EUR'}: version 2 has no amount_in_cents, it has "
                            "an amount, in euros and cents (12.50)"),
    (upcaster_reads_version_2, f"✗ Exercise 15.1: {RENT}, your code raised KeyError: 'amount'"),
])
def test_check_withdrawn_upcaster_names_the_mistake(
    answer: Callable[[dict[str, Any]], Any], expected: str, verdict: Callable[[], str]
) -> None:
    check_withdrawn_upcaster(answer)
    assert verdict() == expected


@pytest.mark.parametrize("answer", [upcaster_right, upcaster_divides, upcaster_in_place])
def test_check_withdrawn_upcaster_passes_a_right_answer(
    answer: Callable[[dict[str, Any]], Any], verdict: Callable[[], str]
) -> None:
    check_withdrawn_upcaster(answer)
    assert verdict() == ("✓ Exercise 15.1: rows written by version 1 of Withdrawn read as version 2, with the amount "
                         "in euros and cents, the currency EUR, and the rest kept.")
    assert "esnb_exercise_bank" not in sys.modules


def test_check_withdrawn_upcaster_reads_the_rows_through_the_mapper(verdict: Callable[[], str]) -> None:
    """An upcaster that gives the right attributes when called, but breaks when the mapper runs it, is refused."""
    calls: list[int] = []

    def upcaster_right_once_per_row(attributes: dict[str, Any]) -> dict[str, Any]:
        calls.append(1)
        if len(calls) > 3:
            raise RuntimeError("called again")
        return upcaster_right(attributes)

    check_withdrawn_upcaster(upcaster_right_once_per_row)
    assert re.fullmatch(
        r"✗ Exercise 15.1: reading the old rows through an UpcastingMapper failed: cannot read the event at "
        r"position 0 of sequence [0-9a-f-]{36}: Withdrawn.upcast_v1_v2 raised RuntimeError: called again",
        verdict(),
    )


RIGHT = {"a": "tolerant reading", "b": "upcasting", "c": "new event type", "d": "copy-and-replace"}


@pytest.mark.parametrize(("answer", "expected"), [
    (None, f"✗ Exercise 15.2: {NOT_DONE}"),
    (["tolerant reading", "upcasting", "new event type", "copy-and-replace"],
     "✗ Exercise 15.2: options() returned ['tolerant reading', 'upcasting', 'new event type', 'copy-and-replace']: "
     "return a dict from each letter, 'a' to 'd', to an option"),
    ({**RIGHT, "a": "upcasting"},
     "✗ Exercise 15.2: for a, upcasting works, but nothing needs working out: a missing channel has an obvious "
     "meaning, so a default in the reader is enough, and cheaper."),
    ({**RIGHT, "b": "new event type"},
     "✗ Exercise 15.2: for b, a withdrawal means what it meant before: only the shape of its amount changed, and "
     "every old row holds what the new shape needs."),
    ({**RIGHT, "b": "update the rows"},
     "✗ Exercise 15.2: for b, 'update the rows' is not an option: stored rows are never edited in place"),
    ({**RIGHT, "c": "upcasting"},
     "✗ Exercise 15.2: for c, no upcaster can tell old interest from money paid in, since the old rows do not say: "
     "the meaning changed, so old and new rows must be told apart by what they are."),
    ({**RIGHT, "d": "upcasting"},
     "✗ Exercise 15.2: for d, an upcaster changes an event as it is read, but cannot move it to another stream: "
     "the streams themselves must change."),
    ({**RIGHT, "d": "copy and replace"},
     "✗ Exercise 15.2: for d, 'copy and replace' is not one of OPTIONS: choose one of tolerant reading, upcasting, "
     "new event type, copy-and-replace"),
    ({"a": "tolerant reading", "b": "upcasting", "c": "new event type"},
     "✗ Exercise 15.2: options() gave no answer for 'd': give one for each change, 'a' to 'd'"),
])
def test_check_options_explains_each_wrong_choice(answer: Any, expected: str, verdict: Callable[[], str]) -> None:
    def options() -> Any:
        if answer is None:
            raise NotImplementedError(PLACEHOLDER)
        return answer

    check_options(options)
    assert verdict() == expected


def test_check_options_passes_the_right_choices(verdict: Callable[[], str]) -> None:
    check_options(lambda: dict(RIGHT))
    assert verdict() == ("✓ Exercise 15.2: a tolerant reading, b upcasting, c a new event type, d copy-and-replace: "
                         "the cheapest option that fits each change.")
