"""Checks for the exercises of notebook 04 · The mutator and replay."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import uuid4

from esnb.exercises import PLACEHOLDER, Wrong, crashed, report


def check_foo_cleared(my_mutate: Callable[[Any, Any], Any], foo_cleared_class: type) -> None:
    """Exercise 4.1: `my_mutate` has a case for FooCleared that empties foo and moves the version on."""
    report("Exercise 4.1", lambda: _foo_cleared(my_mutate, foo_cleared_class))


def check_state_at(state_at: Callable[[Sequence[Any], int], Any]) -> None:
    """Exercise 4.2: `state_at(events, version)` replays the first `version` events, from None."""
    report("Exercise 4.2", lambda: _state_at(state_at))



def _first(count: int) -> str:
    return "the first event" if count == 1 else f"the first {count} events"


def _foo_cleared(my_mutate: Callable[[Any, Any], Any], foo_cleared_class: type) -> str:
    from esnb.course import domain, pubsub
    from esnb.course.events import AttributeChanged, Created

    if foo_cleared_class in domain.mutate.registry:
        raise Wrong("FooCleared has a case in esnb's shared `mutate`, which every later notebook uses: "
                    "give the case to your own mutator, my_mutate, and restart the kernel to clear the shared one.")
    if foo_cleared_class not in getattr(my_mutate, "registry", {}):
        raise Wrong("my_mutate has no case for FooCleared: a function becomes a case only when it is "
                    "registered on the mutator, for its event class.")
    entity_id = uuid4()
    entity = my_mutate(None, Created(originator_id=entity_id, foo="bar"))
    published: list[Any] = []
    pubsub.subscribe(published.append)
    try:
        result = my_mutate(entity, foo_cleared_class(originator_id=entity_id, originator_version=1))
    except Exception as error:
        raise crashed("when applying FooCleared at version 1 to an entity at version 1", error) from None
    finally:
        pubsub.unsubscribe(published.append)
    if published:
        raise Wrong(f"applying FooCleared published an event, {type(published[0]).__name__}: the mutator went "
                    "through the entity's property, which makes a new event. A mutator only changes state.")
    if result is None:
        raise Wrong("the FooCleared case returned None: return the entity, so replay can carry on from it.")
    if getattr(result, "foo", None) != "":
        raise Wrong(f"after FooCleared, foo should be '', but it is {getattr(result, 'foo', None)!r}.")
    if result.__version__ != 2:
        raise Wrong(f"FooCleared at version 1 should leave the entity at version 2, but it is at version "
                    f"{result.__version__}: each event applied moves the version on by exactly one.")
    for state, version, where in [
        (None, 0, "to no entity (None)"),
        (_fresh(my_mutate), 5, "at version 5 to an entity at version 1"),
    ]:
        try:
            my_mutate(state, foo_cleared_class(originator_id=entity_id, originator_version=version))
        except ValueError:
            continue
        except Exception as error:
            if isinstance(error, NotImplementedError) and error.args == (PLACEHOLDER,):
                raise
            raise Wrong(f"applying FooCleared {where} raised {type(error).__name__}, not ValueError: "
                        "a case must first check that the event fits the entity, as the other cases do.") from None
        raise Wrong(f"applying FooCleared {where} should raise ValueError, but it was applied: "
                    "a case must first check that the event fits the entity, as the other cases do.")
    history = [
        Created(originator_id=entity_id, foo="bar"),
        AttributeChanged(originator_id=entity_id, originator_version=1, name="foo", value="baz"),
        foo_cleared_class(originator_id=entity_id, originator_version=2),
        AttributeChanged(originator_id=entity_id, originator_version=3, name="foo", value="qux"),
    ]
    replayed = None
    try:
        for event in history:
            replayed = my_mutate(replayed, event)
    except Exception as error:
        raise crashed("when replaying Created, AttributeChanged, FooCleared, AttributeChanged", error) from None
    if replayed is None or (replayed.foo, replayed.__version__) != ("qux", 4):
        raise Wrong("replaying Created, AttributeChanged, FooCleared, AttributeChanged with my_mutate "
                    "should end at foo='qux', version 4.")
    return "my_mutate empties foo, moves the version on, and refuses events out of order."


def _fresh(my_mutate: Callable[[Any, Any], Any]) -> Any:
    from esnb.course.events import Created

    return my_mutate(None, Created(originator_id=uuid4(), foo="bar"))


def _state_at(state_at: Callable[[Sequence[Any], int], Any]) -> str:
    from esnb.course.domain import Example
    from esnb.course.events import AttributeChanged, Created, Discarded

    entity_id = uuid4()
    history = [
        Created(originator_id=entity_id, foo="a"),
        AttributeChanged(originator_id=entity_id, originator_version=1, name="foo", value="b"),
        AttributeChanged(originator_id=entity_id, originator_version=2, name="foo", value="c"),
        Discarded(originator_id=entity_id, originator_version=3),
    ]
    original = list(history)

    def call(version: int) -> Any:
        case = f"for state_at(events, {version}) on a history of {len(original)} events"
        try:
            return state_at(history, version)
        except TypeError as error:
            if "reduce()" in str(error):
                raise Wrong(f"state_at(events, {version}) raised TypeError: {error}. A replay of no events "
                            "needs a state to start from: the state before the first event, None.") from None
            raise crashed(case, error) from None
        except ValueError:
            raise
        except Exception as error:
            raise crashed(case, error) from None
        finally:
            if history != original:
                raise Wrong("state_at changed the list of events it was given: leave the caller's history "
                            "as it is, and replay a part of it.")

    for version, foo in [(1, "a"), (2, "b"), (3, "c")]:
        try:
            state = call(version)
        except ValueError as error:
            raise Wrong(f"state_at(events, {version}) on a history of 4 events raised ValueError: {error}. "
                        f"Version {version} exists: it is the state after {_first(version)}.") from None
        if isinstance(state, Created):
            raise Wrong(f"state_at(events, {version}) returned the Created event, not an Example: a replay with "
                        "no starting state hands back the first event itself. Start from None, "
                        "the state before the first event.")
        if not isinstance(state, Example):
            raise Wrong(f"state_at(events, {version}) returned {type(state).__name__}, not an Example: "
                        f"apply {_first(version)} with mutate, one after another.")
        if state.__version__ != version:
            raise Wrong(f"state_at(events, {version}) returned an entity at version {state.__version__}: "
                        f"version {version} is the state after {_first(version)}, so apply only those.")
        if state.foo != foo:
            raise Wrong(f"state_at(events, {version}) has foo={state.foo!r}, but it should be {foo!r}.")
    for version, why in [(0, "before the first event there is no entity"),
                         (4, "the fourth event discards the entity")]:
        try:
            state = call(version)
        except ValueError as error:
            raise Wrong(f"state_at(events, {version}) on a history of 4 events raised ValueError: {error}. "
                        f"Version {version} exists, and it is None: {why}.") from None
        if state is not None:
            raise Wrong(f"state_at(events, {version}) should be None: {why}.")
    try:
        too_far = call(5)
    except ValueError:
        pass
    except Wrong as wrong:
        if "your code raised" not in str(wrong):
            raise
        raise Wrong(f"{wrong}. Version 5 does not exist yet, so raise ValueError for it.") from None
    else:
        shown = "None" if too_far is None else f"an entity at version {too_far.__version__}"
        raise Wrong(f"state_at(events, 5) on a history of 4 events returned {shown}: "
                    "version 5 does not exist yet, so raise ValueError.")
    return "state_at replays the first N events, from None, and refuses versions that do not exist."
