"""Checks for the exercises of notebook 09 · The application.

While a check runs, the course's subscriber list is emptied, and afterwards it is
put back as it was, so nothing the learner's code subscribes is left behind.
The check of the application uses a datastore of its own on the course's database
(see `esnb.exercises.scratch_store`), and removes its rows afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from uuid import uuid4

from esnb.exercises import Wrong, report, scratch_store, subscribers_emptied


def check_event_counter(counter_class: Callable[[], Any]) -> None:
    """Exercise 9.1: `EventCounter()` subscribes, counts events by class name, and unsubscribes when closed."""
    report("Exercise 9.1", lambda: _event_counter(counter_class))


def check_rename(application_class: Callable[[Any], Any], url: str | None = None) -> None:
    """Exercise 9.2: `app.rename(entity_id, foo)` changes one entity's foo, and returns its new version."""
    report("Exercise 9.2", lambda: _rename(application_class, url))


class _Boom(Exception):
    """The error the check raises inside a `with` block."""


def _event_counter(counter_class: Callable[[], Any]) -> str:
    from esnb.course.events import AttributeChanged, Created, Discarded
    from esnb.course.pubsub import publish, subscribers

    entity_id = uuid4()
    created = Created(originator_id=entity_id, foo="bar")
    changes = [AttributeChanged(originator_id=entity_id, originator_version=v, name="foo", value=f"v{v}")
               for v in (1, 2)]
    discarded = Discarded(originator_id=entity_id, originator_version=3)
    with subscribers_emptied(subscribers):
        counter = counter_class()
        if not subscribers:
            raise Wrong("a new EventCounter is not subscribed: call subscribe(...) in __init__.")
        for event in [created, *changes]:
            publish(event)
        counts = getattr(counter, "counts", None)
        if not isinstance(counts, Mapping):
            raise Wrong(f"the counter's `counts` attribute is {counts!r}: make it a dict, set in __init__.")
        expected = {"Created": 1, "AttributeChanged": 2}
        if dict(counts) != expected:
            raise Wrong(f"after one Created and two AttributeChanged, counts was {dict(counts)!r}, not {expected!r}: "
                        "count under the class name, type(event).__name__.")
        counter.close()
        if subscribers:
            raise Wrong("after close(), the counter was still subscribed: call unsubscribe(...) in close().")
        publish(discarded)
        if dict(counter.counts) != expected:
            raise Wrong("the counter still counted after close().")
        with counter_class() as entered:
            if not hasattr(entered, "counts"):
                raise Wrong(f"`with EventCounter() as counter` gave {entered!r}: return self from __enter__.")
            publish(discarded)
        if dict(entered.counts) != {"Discarded": 1}:
            raise Wrong(f"a new counter that heard one Discarded event has counts {dict(entered.counts)!r}: "
                        "give each counter its own dict, in __init__.")
        if subscribers:
            raise Wrong("after the `with` block, the counter was still subscribed: call close() in __exit__.")
        try:
            with counter_class():
                raise _Boom("the block failed")
        except _Boom:
            pass
        else:
            raise Wrong("an error raised inside the `with` block was hidden: __exit__ should return None.")
        if subscribers:
            raise Wrong("after a `with` block that raised an error, the counter was still subscribed: "
                        "call close() in __exit__.")
    return "EventCounter counts by class name, and a `with` block always unsubscribes it."


def _rename(application_class: Callable[[Any], Any], url: str | None) -> str:
    from esnb.course.domain import create_new_example
    from esnb.course.pubsub import subscribers

    with subscribers_emptied(subscribers), scratch_store(url) as scratch:
        def tracker(event: Any) -> None:  # so the rows of every entity made here are removed afterwards
            scratch.track(event.originator_id)

        subscribers.append(tracker)
        with application_class(scratch.datastore.session) as app:
            entity = create_new_example(foo="first")
            version = app.rename(entity.id, "second")
            stored = [type(event).__name__ for event in scratch.event_store.get_domain_events(entity.id)]
            if stored != ["Created", "AttributeChanged"]:
                raise Wrong(f"after one rename, the stored events were {stored}, not ['Created', 'AttributeChanged']: "
                            "load the entity from self.example_repository and set `entity.foo`, which publishes.")
            if app.example_repository[entity.id].foo != "second":
                raise Wrong("the stored entity's foo is not the new value: set `entity.foo = foo`.")
            if version != 2:
                raise Wrong(f"rename returned {version!r} for an entity that is now at version 2: "
                            "return `entity.__version__` after the change.")
            again = app.rename(entity.id, "third")
            if again != 3 or app.example_repository[entity.id].foo != "third":
                raise Wrong(f"a second rename returned {again!r} and left foo as "
                            f"{app.example_repository[entity.id].foo!r}, not 3 and 'third'.")
            try:
                app.rename(uuid4(), "nobody")
            except KeyError:
                pass
            else:
                raise Wrong("renaming an id with no entity did not raise KeyError: "
                            "get the entity with `self.example_repository[entity_id]`.")
        if subscribers != [tracker]:
            raise Wrong("after the `with` block, something was still subscribed.")
    return "rename loads the entity, changes it through its own method, and returns the new version."
