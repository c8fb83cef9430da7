"""The checks of notebook 06's exercises: placeholder, plausible wrong answers, and a right answer."""

from __future__ import annotations

from typing import Any

import pytest

from esnb.course.topics import resolve_topic
from esnb.course.transcoding import _decode_special, _encode_special
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb06 import check_frozenset_json, check_resolve_renamed

KEY = "__frozenset__"



def encode_right(value: Any) -> Any:
    if isinstance(value, frozenset):
        return {KEY: sorted(value)}
    return _encode_special(value)


def decode_right(obj: dict) -> Any:
    if list(obj) == [KEY]:
        return frozenset(obj[KEY])
    return _decode_special(obj)


def placeholder(value: Any) -> Any:
    raise NotImplementedError(PLACEHOLDER)


def encode_unsorted(value: Any) -> Any:
    if isinstance(value, frozenset):
        return {KEY: list(value)}
    return _encode_special(value)


def encode_other_key(value: Any) -> Any:
    if isinstance(value, frozenset):
        return {"__set__": sorted(value)}
    return _encode_special(value)


def encode_bare_list(value: Any) -> Any:
    if isinstance(value, frozenset):
        return sorted(value)
    return _encode_special(value)


def encode_only_frozensets(value: Any) -> Any:
    if isinstance(value, frozenset):
        return {KEY: sorted(value)}
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def encode_returns_none(value: Any) -> Any:
    if isinstance(value, frozenset):
        return {KEY: sorted(value)}
    if isinstance(value, object) and type(value) is object:
        return None
    return _encode_special(value)


def decode_as_set(obj: dict) -> Any:
    if list(obj) == [KEY]:
        return set(obj[KEY])
    return _decode_special(obj)


def decode_only_frozensets(obj: dict) -> Any:
    if list(obj) == [KEY]:
        return frozenset(obj[KEY])
    return obj


def test_frozenset_json_placeholder(verdict):
    check_frozenset_json(placeholder, placeholder)
    assert verdict().startswith("✗ Exercise 6.1: not done yet")


def test_frozenset_json_decoder_placeholder(verdict):
    check_frozenset_json(encode_right, placeholder)
    assert verdict().startswith("✗ Exercise 6.1: not done yet")


@pytest.mark.parametrize(
    "encode, decode, message",
    [
        (encode_unsorted, decode_right, "sort the items, so the same event always gives the same text"),
        (encode_other_key, decode_right, "write it as {'__frozenset__': [...]}"),
        (encode_bare_list, decode_right,
         "frozenset({'blue', 'green', 'red'}) was written as [\"blue\", \"green\", \"red\"]: write it as"),
        (_encode_special, _decode_special, "a frozenset could not be written"),
        (encode_only_frozensets, decode_right, "a UUID could not be written any more"),
        (encode_returns_none, decode_right, "an object JSON cannot hold was written as"),
        (encode_right, decode_as_set, "a frozenset came back as a set: turn"),
        (encode_right, _decode_special, "a frozenset came back as a dict: turn"),
        (encode_right, decode_only_frozensets, "a UUID came back as {'__uuid__': "
                                               "'00000000000000000000000000000007'}: hand every dictionary"),
    ],
    ids=["unsorted", "other_key", "bare_list", "no_frozenset_case", "only_frozensets", "returns_none",
         "decode_as_set", "no_decode_case", "decode_only_frozensets"],
)
def test_frozenset_json_wrong_answers(verdict, encode, decode, message):
    check_frozenset_json(encode, decode)
    line = verdict()
    assert line.startswith("✗ Exercise 6.1:") and message in line, line


def test_frozenset_json_right(verdict):
    check_frozenset_json(encode_right, decode_right)
    assert verdict().startswith("✓ Exercise 6.1:")


def resolve_right(topic: str, renames: dict[str, str]) -> type:
    while topic in renames:
        topic = renames[topic]
    return resolve_topic(topic)


def resolve_placeholder(topic: str, renames: dict[str, str]) -> type:
    raise NotImplementedError(PLACEHOLDER)


def resolve_once(topic: str, renames: dict[str, str]) -> type:
    return resolve_topic(renames.get(topic, topic))


def resolve_key_error(topic: str, renames: dict[str, str]) -> type:
    return resolve_topic(renames[topic])


def resolve_string(topic: str, renames: dict[str, str]) -> Any:
    while topic in renames:
        topic = renames[topic]
    return topic


def resolve_quietly(topic: str, renames: dict[str, str]) -> Any:
    try:
        return resolve_right(topic, renames)
    except Exception:
        return None


def resolve_popping(topic: str, renames: dict[str, str]) -> type:
    while topic in renames:
        topic = renames.pop(topic)
    return resolve_topic(topic)


def test_resolve_renamed_placeholder(verdict):
    check_resolve_renamed(resolve_placeholder)
    assert verdict().startswith("✗ Exercise 6.2: not done yet")


@pytest.mark.parametrize(
    "resolve_renamed, message",
    [
        (resolve_once, "a class renamed twice did not resolve"),
        (resolve_key_error, "raised KeyError 'esnb.course.events:Discarded'"),
        (resolve_string, "returned the string 'esnb.course.events:Created': return the class"),
        (resolve_quietly, "returned None: a topic that leads nowhere should still raise TopicResolutionError"),
        (resolve_popping, "resolve_renamed changed the map it was given"),
    ],
    ids=["once", "key_error", "string", "quietly", "popping"],
)
def test_resolve_renamed_wrong_answers(verdict, resolve_renamed, message):
    check_resolve_renamed(resolve_renamed)
    line = verdict()
    assert line.startswith("✗ Exercise 6.2:") and message in line, line


def test_resolve_renamed_right(verdict):
    check_resolve_renamed(resolve_right)
    assert verdict().startswith("✓ Exercise 6.2:")
