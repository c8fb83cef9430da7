"""Checks for the exercises of notebook 19 · Personal data and crypto-shredding.

Exercise 19.1 runs on a datastore of its own from `esnb.exercises.scratch_store`, with a key store beside it and an
event store whose mapper seals personal fields. Exercise 19.2 needs no database: it feeds the learner's projection
events made by hand, some with personal fields already FORGOTTEN, as a forgotten customer's events load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

from esnb.exercises import Wrong, call, report, scratch_store


def check_forget_customer(forget_customer: Callable[[Any, Any, UUID], None], url: str | None = None) -> None:
    """Exercise 19.1: afterwards the customer's personal fields read FORGOTTEN, and their sequence says so."""
    report("Exercise 19.1", lambda: _forget_customer(forget_customer, url))


def _forget_customer(forget_customer: Callable[[Any, Any, UUID], None], url: str | None) -> str:
    from sqlalchemy import delete

    from esnb.course.crypto_shredding import (
        FORGOTTEN,
        CustomerForgotten,
        CustomerRegistered,
        EmailChanged,
        KeyStore,
        PersonalDataMapper,
        PersonalKeyRecord,
    )
    from esnb.course.infrastructure import event_store_for

    with scratch_store(url) as tracked:
        key_store = KeyStore(tracked.datastore.engine)
        key_store.setup()
        store = event_store_for(tracked.datastore.session, mapper=PersonalDataMapper(key_store))
        store.active_record_strategy = tracked.event_store.active_record_strategy
        carol, dan = tracked.track(uuid4()), tracked.track(uuid4())
        try:
            store.append(CustomerRegistered(originator_id=carol, originator_version=0, name="Carol",
                                            email="carol@example.com", plan="free"))
            store.append(EmailChanged(originator_id=carol, originator_version=1, email="carol@example.org"))
            store.append(CustomerRegistered(originator_id=dan, originator_version=0, name="Dan",
                                            email="dan@example.com", plan="pro"))
            case = "forgetting Carol, who registered and then changed her email"
            call(case, forget_customer, key_store, store, carol)
            events = store.get_domain_events(carol)
            readable = [
                f"{name} {value!r}" for event in events for name, value in vars(event).items()
                if name in ("name", "email") and value is not FORGOTTEN
            ]
            if readable:
                raise Wrong(f"Carol's events still read {readable[0]}: her key is still in the key store, so "
                            "anyone who can read the table can read her personal data.")
            if type(events[-1]).__name__ != CustomerForgotten.__name__:  # the notebook's copy of the class will do
                raise Wrong(f"Carol's personal fields are unreadable, but her last event is "
                            f"{type(events[-1]).__name__}: a projection that copied her name never learns she "
                            "was forgotten. Tell every reader of the store, in her own sequence.")
            if [type(event).__name__ for event in events].count(CustomerForgotten.__name__) > 1:
                raise Wrong("Carol's sequence says twice that she was forgotten: once is enough.")
            other = store.get_domain_events(dan)
            if len(other) != 1 or other[0].email is FORGOTTEN:
                raise Wrong("Dan was changed too: forgetting Carol must leave every other customer as they were.")
        finally:
            with tracked.datastore.engine.begin() as connection:
                connection.execute(delete(PersonalKeyRecord).where(PersonalKeyRecord.subject_id.in_([carol, dan])))
    return ("Carol's name and email are FORGOTTEN for good, her events still load, and her sequence ends with "
            "CustomerForgotten for every projection to hear.")


def check_apply_to_names(apply_to_names: Callable[[dict[UUID, Any], Any], None]) -> None:
    """Exercise 19.2: the names projection drops a forgotten customer, live and when rebuilt."""
    report("Exercise 19.2", lambda: _apply_to_names(apply_to_names))


def _apply_to_names(apply_to_names: Callable[[dict[UUID, Any], Any], None]) -> str:
    from esnb.course.crypto_shredding import FORGOTTEN, CustomerForgotten, CustomerRegistered, EmailChanged

    erin, fred = uuid4(), uuid4()

    def registered(customer: UUID, name: Any, email: Any) -> CustomerRegistered:
        return CustomerRegistered(originator_id=customer, originator_version=0, name=name, email=email, plan="free")

    live: dict[UUID, Any] = {}
    case = "building the names live, as events are stored"
    for event in [
        registered(erin, "Erin", "erin@example.com"),
        registered(fred, "Fred", "fred@example.com"),
        EmailChanged(originator_id=fred, originator_version=1, email="fred@example.org"),
    ]:
        call(case, apply_to_names, live, event)
    if live != {erin: "Erin", fred: "Fred"}:
        raise Wrong(f"after Erin and Fred registered, names is {_shown(live, erin, fred)}, not "
                    "{Erin's id: 'Erin', Fred's id: 'Fred'}: keep each customer's name, by their id.")
    call(case, apply_to_names, live, CustomerForgotten(originator_id=fred, originator_version=2))
    if fred in live:
        raise Wrong("after CustomerForgotten for Fred, names still holds him: deleting his key does not reach a "
                    "copy, so the projection must drop him when it hears he was forgotten.")
    if live != {erin: "Erin"}:
        raise Wrong(f"after Fred was forgotten, names is {_shown(live, erin, fred)}: Erin must stay.")
    rebuilt: dict[UUID, Any] = {}
    case = "rebuilding the names from Fred's first event, which loads with name FORGOTTEN"
    for event in [registered(erin, "Erin", "erin@example.com"), registered(fred, FORGOTTEN, FORGOTTEN)]:
        call(case, apply_to_names, rebuilt, event)
    if fred in rebuilt:
        raise Wrong(f"rebuilt from events whose name is FORGOTTEN, names holds Fred as {rebuilt[fred]!r}: a "
                    "rebuilt projection reads his events before it reaches CustomerForgotten, and must never "
                    "hold a forgotten customer, at any point of the rebuild (FORGOTTEN is a marker object, "
                    "not a string).")
    case = "rebuilding the names to the end of Fred's sequence, where CustomerForgotten comes after his registration"
    for event in [EmailChanged(originator_id=fred, originator_version=1, email=FORGOTTEN),
                  CustomerForgotten(originator_id=fred, originator_version=2)]:
        call(case, apply_to_names, rebuilt, event)
    if rebuilt != {erin: "Erin"}:
        raise Wrong(f"rebuilt from scratch, names is {_shown(rebuilt, erin, fred)}: Erin must be there.")
    return "the names projection drops Fred when told, and never holds him when rebuilt."


def _shown(names: dict[UUID, Any], erin: UUID, fred: UUID) -> str:
    """A names dict with the customers' ids written as their names, so the message has no UUIDs."""
    labels = {erin: "Erin's id", fred: "Fred's id"}
    return "{" + ", ".join(f"{labels.get(key, repr(key))}: {value!r}" for key, value in names.items()) + "}"
