"""The checks of notebook 19's exercises: placeholder, plausible wrong answers, and right answers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from esnb.course.crypto_shredding import FORGOTTEN, CustomerForgotten, CustomerRegistered, EmailChanged, KeyStore
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb19 import check_apply_to_names, check_forget_customer

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')` with your answer."

pytestmark = pytest.mark.usefixtures("subscribers_kept")


# Exercise 19.1


def _tell_readers(event_store: Any, customer_id: UUID) -> None:
    last = event_store.get_most_recent_event(customer_id)
    event_store.append(CustomerForgotten(originator_id=customer_id, originator_version=last.originator_version + 1))


def forget_right(key_store: KeyStore, event_store: Any, customer_id: UUID) -> None:
    key_store.forget(customer_id)
    _tell_readers(event_store, customer_id)


def forget_event_first(key_store: KeyStore, event_store: Any, customer_id: UUID) -> None:
    _tell_readers(event_store, customer_id)
    key_store.forget(customer_id)


def forget_placeholder(key_store: KeyStore, event_store: Any, customer_id: UUID) -> None:
    raise NotImplementedError(PLACEHOLDER)


def forget_key_only(key_store: KeyStore, event_store: Any, customer_id: UUID) -> None:
    key_store.forget(customer_id)


def forget_event_only(key_store: KeyStore, event_store: Any, customer_id: UUID) -> None:
    _tell_readers(event_store, customer_id)


def forget_at_zero(key_store: KeyStore, event_store: Any, customer_id: UUID) -> None:
    key_store.forget(customer_id)
    event_store.append(CustomerForgotten(originator_id=customer_id, originator_version=0))


def forget_twice(key_store: KeyStore, event_store: Any, customer_id: UUID) -> None:
    forget_right(key_store, event_store, customer_id)
    _tell_readers(event_store, customer_id)


def forget_everyone(key_store: KeyStore, event_store: Any, customer_id: UUID) -> None:
    forget_right(key_store, event_store, customer_id)
    for row in event_store.active_record_strategy.read_all(1, 100):
        key_store.forget(row[1].sequence_id)


@pytest.mark.parametrize(("answer", "message"), [
    (forget_placeholder, NOT_DONE),
    (forget_key_only, "Carol's personal fields are unreadable, but her last event is EmailChanged: a projection "
                      "that copied her name never learns she was forgotten. Tell every reader of the store, in her "
                      "own sequence."),
    (forget_event_only, "Carol's events still read name 'Carol': her key is still in the key store, so anyone who "
                        "can read the table can read her personal data."),
    (forget_at_zero, "forgetting Carol, who registered and then changed her email, your code raised "
                     "ConcurrencyError: "),
    (forget_twice, "Carol's sequence says twice that she was forgotten: once is enough."),
    (forget_everyone, "Dan was changed too: forgetting Carol must leave every other customer as they were."),
], ids=lambda value: getattr(value, "__name__", "message"))
def test_forget_customer_verdicts(answer: Any, message: str, url: str, verdict: Any) -> None:
    check_forget_customer(answer, url)
    line = verdict()
    assert line.startswith("✗ Exercise 19.1: ")
    assert message in line


@pytest.mark.parametrize("answer", [forget_right, forget_event_first])
def test_forget_customer_right_answers_pass(answer: Any, url: str, verdict: Any) -> None:
    check_forget_customer(answer, url)
    assert verdict() == ("✓ Exercise 19.1: Carol's name and email are FORGOTTEN for good, her events still load, "
                         "and her sequence ends with CustomerForgotten for every projection to hear.")


# Exercise 19.2


def names_right(names: dict[UUID, Any], event: Any) -> None:
    if isinstance(event, CustomerForgotten):
        names.pop(event.originator_id, None)
    elif isinstance(event, CustomerRegistered) and event.name is not FORGOTTEN:
        names[event.originator_id] = event.name


def names_by_type_name(names: dict[UUID, Any], event: Any) -> None:
    kind = type(event).__name__
    if kind == "CustomerForgotten":
        names.pop(event.originator_id, None)
    elif kind == "CustomerRegistered" and not isinstance(event.name, type(FORGOTTEN)):
        names[event.originator_id] = event.name


def names_del_on_forget(names: dict[UUID, Any], event: Any) -> None:
    if isinstance(event, CustomerForgotten):
        del names[event.originator_id]
    elif isinstance(event, CustomerRegistered) and event.name is not FORGOTTEN:
        names[event.originator_id] = event.name


def names_placeholder(names: dict[UUID, Any], event: Any) -> None:
    raise NotImplementedError(PLACEHOLDER)


def names_never_forget(names: dict[UUID, Any], event: Any) -> None:
    if isinstance(event, CustomerRegistered):
        names[event.originator_id] = event.name


def names_keep_forgotten_marker(names: dict[UUID, Any], event: Any) -> None:
    if isinstance(event, CustomerForgotten):
        names.pop(event.originator_id, None)
    elif isinstance(event, CustomerRegistered):
        names[event.originator_id] = event.name


def names_from_every_event(names: dict[UUID, Any], event: Any) -> None:
    if isinstance(event, CustomerForgotten):
        names.pop(event.originator_id, None)
    elif event.name is not FORGOTTEN:
        names[event.originator_id] = event.name


def names_store_emails(names: dict[UUID, Any], event: Any) -> None:
    if isinstance(event, CustomerForgotten):
        names.pop(event.originator_id, None)
    elif isinstance(event, (CustomerRegistered, EmailChanged)) and event.email is not FORGOTTEN:
        names[event.originator_id] = event.email


def names_forget_everyone(names: dict[UUID, Any], event: Any) -> None:
    if isinstance(event, CustomerForgotten):
        names.clear()
    elif isinstance(event, CustomerRegistered) and event.name is not FORGOTTEN:
        names[event.originator_id] = event.name


@pytest.mark.parametrize(("answer", "message"), [
    (names_placeholder, NOT_DONE),
    (names_never_forget, "after CustomerForgotten for Fred, names still holds him: deleting his key does not reach "
                         "a copy, so the projection must drop him when it hears he was forgotten."),
    (names_keep_forgotten_marker, "rebuilt from events whose name is FORGOTTEN, names holds Fred as FORGOTTEN: a "
                                  "rebuilt projection reads his events before it reaches CustomerForgotten, and "
                                  "must never hold a forgotten customer, at any point of the rebuild (FORGOTTEN is a "
                                  "marker object, not a string)."),
    (names_del_on_forget, "rebuilding the names to the end of Fred's sequence, where CustomerForgotten comes after "
                          "his registration, your code raised KeyError: "),
    (names_from_every_event, "building the names live, as events are stored, your code raised AttributeError: "),
    (names_store_emails, "after Erin and Fred registered, names is {Erin's id: 'erin@example.com', Fred's id: "
                         "'fred@example.org'}, not {Erin's id: 'Erin', Fred's id: 'Fred'}"),
    (names_forget_everyone, "after Fred was forgotten, names is {}: Erin must stay."),
], ids=lambda value: getattr(value, "__name__", "message"))
def test_apply_to_names_verdicts(answer: Any, message: str, verdict: Any) -> None:
    check_apply_to_names(answer)
    line = verdict()
    assert line.startswith("✗ Exercise 19.2: ")
    assert message in line


@pytest.mark.parametrize("answer", [names_right, names_by_type_name])
def test_apply_to_names_right_answers_pass(answer: Any, verdict: Any) -> None:
    check_apply_to_names(answer)
    assert verdict() == ("✓ Exercise 19.2: the names projection drops Fred when told, and never holds him when "
                         "rebuilt.")
