"""Checks for the exercises of notebook 04 · The mutator and replay."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import uuid4

from esnb.exercises import Wrong, report


def check_foo_cleared(my_mutate: Callable[[Any, Any], Any], foo_cleared_class: type) -> None:
    """Exercise 4.1: `my_mutate` has a case for FooCleared that empties foo and moves the version on."""
    report("Exercise 4.1", lambda: _foo_cleared(my_mutate, foo_cleared_class))


def check_state_at(state_at: Callable[[Sequence[Any], int], Any]) -> None:
    """Exercise 4.2: `state_at(events, version)` replays the first `version` events, from None."""
    report("Exercise 4.2", lambda: _state_at(state_at))


def _foo_cleared(my_mutate: Callable[[Any, Any], Any], foo_cleared_class: type) -> str:
    from esnb.course import domain, pubsub
    from esnb.course.events import AttributeChanged, Created

    if foo_cleared_class in domain.mutate.registry:
        raise Wrong("FooCleared has a case in esnb's shared `mutate`, which later code also uses: "
                    "register it on your own mutator, with `@my_mutate.register(FooCleared)`.")
    if foo_cleared_class not in getattr(my_mutate, "registry", {}):
        raise Wrong("my_mutate has no case for FooCleared: put `@my_mutate.register(FooCleared)` "
                    "above your function.")
    entity_id = uuid4()
    entity = my_mutate(None, Created(originator_id=entity_id, foo="bar"))
    published: list[Any] = []
    pubsub.subscribe(published.append)
    try:
        result = my_mutate(entity, foo_cleared_class(originator_id=entity_id, originator_version=1))
    finally:
        pubsub.unsubscribe(published.append)
    if published:
        raise Wrong(f"applying FooCleared published an event, {type(published[0]).__name__}: a mutator only "
                    "changes state, so set `entity._foo` instead of `entity.foo`.")
    if result is None:
        raise Wrong("the FooCleared case returned None: return the entity, so replay can carry on.")
    if getattr(result, "foo", None) != "":
        raise Wrong(f"after FooCleared, foo should be '', but it is {getattr(result, 'foo', None)!r}.")
    if result.__version__ != 2:
        raise Wrong(f"FooCleared at version 1 should leave the entity at version 2, but it is at version "
                    f"{result.__version__}: add one to `entity._version`, once.")
    for state, version, where in [
        (None, 0, "to no entity (None)"),
        (_fresh(my_mutate), 5, "at version 5 to an entity at version 1"),
    ]:
        try:
            my_mutate(state, foo_cleared_class(originator_id=entity_id, originator_version=version))
        except ValueError:
            continue
        except AttributeError:
            pass
        raise Wrong(f"applying FooCleared {where} should raise ValueError, as the other cases do: "
                    "start with `_check_can_apply(entity, event)`.")
    history = [
        Created(originator_id=entity_id, foo="bar"),
        AttributeChanged(originator_id=entity_id, originator_version=1, name="foo", value="baz"),
        foo_cleared_class(originator_id=entity_id, originator_version=2),
        AttributeChanged(originator_id=entity_id, originator_version=3, name="foo", value="qux"),
    ]
    replayed = None
    for event in history:
        replayed = my_mutate(replayed, event)
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
        try:
            return state_at(history, version)
        except TypeError as error:
            if "reduce()" in str(error):
                raise Wrong(f"state_at(events, {version}) raised TypeError: {error}. "
                            "Start the replay from None: functools.reduce(mutate, events, None).") from None
            raise
        finally:
            if history != original:
                raise Wrong("state_at changed the list of events it was given: leave it as it is, "
                            "and replay a slice of it, such as events[:version].")

    for version, foo in [(1, "a"), (2, "b"), (3, "c")]:
        state = call(version)
        if not isinstance(state, Example):
            raise Wrong(f"state_at(events, {version}) returned {type(state).__name__}, not an Example: "
                        "replay with functools.reduce(mutate, events, None).")
        if state.__version__ != version:
            raise Wrong(f"state_at(events, {version}) returned an entity at version {state.__version__}: "
                        f"replay only events[:{version}].")
        if state.foo != foo:
            raise Wrong(f"state_at(events, {version}) has foo={state.foo!r}, but it should be {foo!r}.")
    if call(0) is not None:
        raise Wrong("state_at(events, 0) should be None: before the first event there is no entity.")
    if call(4) is not None:
        raise Wrong("state_at(events, 4) should be None: the fourth event discards the entity.")
    try:
        too_far = call(5)
    except ValueError:
        pass
    except Exception as error:
        raise Wrong(f"state_at(events, 5) on a history of 4 events raised {type(error).__name__}: "
                    "raise ValueError instead.") from None
    else:
        shown = "None" if too_far is None else f"an entity at version {too_far.__version__}"
        raise Wrong(f"state_at(events, 5) on a history of 4 events returned {shown}: "
                    "version 5 does not exist yet, so raise ValueError.")
    return "state_at replays the first N events, from None, and refuses versions that do not exist."
