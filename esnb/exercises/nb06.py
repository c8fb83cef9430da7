"""Checks for the exercises of notebook 06 · Sequenced items."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from esnb.exercises import Wrong, report

FROZENSET_KEY = "__frozenset__"


def check_frozenset_json(
    encode_with_frozenset: Callable[[Any], Any], decode_with_frozenset: Callable[[dict[str, Any]], Any]
) -> None:
    """Exercise 6.1: the two JSON hooks write a frozenset as a sorted list, and read it back as a frozenset."""
    report("Exercise 6.1", lambda: _frozenset_json(encode_with_frozenset, decode_with_frozenset))


def check_resolve_renamed(resolve_renamed: Callable[[str, dict[str, str]], type]) -> None:
    """Exercise 6.2: `resolve_renamed(topic, renames)` follows old topics to new ones, then resolves."""
    report("Exercise 6.2", lambda: _resolve_renamed(resolve_renamed))


def _frozenset_json(encode: Callable[[Any], Any], decode: Callable[[dict[str, Any]], Any]) -> str:
    def dumps(attributes: dict[str, Any]) -> str:
        return json.dumps(attributes, default=encode, sort_keys=True, separators=(",", ":"))

    def loads(text: str) -> Any:
        return json.loads(text, object_hook=decode)

    attributes = {"tags": frozenset({"red", "green", "blue"}), "sizes": frozenset([3, 11, 1])}
    try:
        text = dumps(attributes)
    except TypeError as error:
        raise Wrong(f"a frozenset could not be written ({error}): "
                    f"return {{{FROZENSET_KEY!r}: [...]}} for it.") from None
    written = json.loads(text)
    cases: list[tuple[str, list[Any]]] = [("tags", ["blue", "green", "red"]), ("sizes", [1, 3, 11])]
    for name, expected in cases:
        value = written[name]
        shown = "frozenset({" + ", ".join(map(repr, expected)) + "})"
        if not (isinstance(value, dict) and list(value) == [FROZENSET_KEY]):
            raise Wrong(f"{shown} was written as {json.dumps(value)}: "
                        f"write it as {{{FROZENSET_KEY!r}: [...]}}.")
        if value[FROZENSET_KEY] != expected:
            raise Wrong(f"{shown} was written as {json.dumps(value)}: sort the items, "
                        f"so the same event always gives the same text ({json.dumps({FROZENSET_KEY: expected})}).")
    read = loads(text)
    for value in read.values():
        if type(value) is not frozenset:
            raise Wrong(f"a frozenset came back as a {type(value).__name__}: "
                        f"turn a one-key dictionary with the key {FROZENSET_KEY!r} back into a frozenset.")
    if read != attributes:
        raise Wrong(f"the frozensets came back as {read}, not as {attributes}.")

    others = {"id": UUID(int=7), "plain": {"a": [1, 2]}}
    try:
        others_text = dumps(others)
    except TypeError as error:
        raise Wrong(f"a UUID could not be written any more ({error}): "
                    "hand every value that is not a frozenset on to `_encode_special(value)`.") from None
    back = loads(others_text)
    if not isinstance(back.get("id"), UUID):
        if back.get("id") is None:
            raise Wrong("a UUID was written as null: hand every value that is not a frozenset "
                        "on to `_encode_special(value)`, and return what it returns.")
        raise Wrong(f"a UUID came back as {back.get('id')!r}: hand every dictionary that is not a frozenset "
                    "on to `_decode_special(obj)`, and return what it returns.")
    if back != others:
        raise Wrong(f"{others} came back as {back}: return any other dictionary as `_decode_special(obj)` does.")
    uuids = {"ids": frozenset([UUID(int=2), UUID(int=1)])}
    if loads(dumps(uuids)) != uuids:
        raise Wrong(f"{uuids} came back as {loads(dumps(uuids))}.")
    try:
        null = dumps({"thing": object()})
    except TypeError:
        pass
    else:
        raise Wrong(f"an object JSON cannot hold was written as {null}: raise TypeError for it, "
                    "as `_encode_special` does.")
    return "frozensets are written as sorted lists and come back as frozensets; the other types still work."


def _resolve_renamed(resolve_renamed: Callable[[str, dict[str, str]], type]) -> str:
    from esnb.course.events import Created, Discarded

    renames = {"esnb.course.events:Made": "esnb.course.events:Created"}

    def call(topic: str, renames: dict[str, str]) -> Any:
        saved = dict(renames)
        try:
            found = resolve_renamed(topic, renames)
        except KeyError as error:
            raise Wrong(f"resolve_renamed({topic!r}, ...) raised KeyError {error}: a topic that was never renamed "
                        "is not in the map, so resolve it as it is.") from None
        finally:
            if renames != saved:
                raise Wrong("resolve_renamed changed the map it was given: only read it.")
        if isinstance(found, str):
            raise Wrong(f"resolve_renamed({topic!r}, ...) returned the string {found!r}: "
                        "return the class, with `resolve_topic(...)`.")
        return found

    found = call("esnb.course.events:Made", renames)
    if found is not Created:
        raise Wrong(f"resolve_renamed('esnb.course.events:Made', renames) returned {found!r}, not Created.")
    found = call("esnb.course.events:Discarded", renames)
    if found is not Discarded:
        raise Wrong(f"resolve_renamed('esnb.course.events:Discarded', renames) returned {found!r}: "
                    "a topic that was never renamed should resolve as before.")
    twice = {"shop.events:Bought": "esnb.course.events:Made", **renames}
    try:
        found = call("shop.events:Bought", twice)
    except Exception as error:
        if type(error).__name__ != "TopicResolutionError":
            raise
        raise Wrong("a class renamed twice did not resolve: 'shop.events:Bought' became 'esnb.course.events:Made', "
                    "which was renamed again. Keep looking the topic up until it is not in the map.") from None
    if found is not Created:
        raise Wrong(f"resolve_renamed('shop.events:Bought', ...) returned {found!r}, not Created, "
                    "after two renames.")
    try:
        missing = call("esnb.course.events:Gone", renames)
    except Exception as error:
        if type(error).__name__ != "TopicResolutionError":
            raise
    else:
        raise Wrong(f"resolve_renamed('esnb.course.events:Gone', ...) returned {missing!r}: a topic that leads "
                    "nowhere should still raise TopicResolutionError, so the problem is not hidden.")
    return "resolve_renamed follows old topics to new ones, however many renames, then resolves them."
