"""Properties of the transcoder: what it accepts comes back exactly, and what it refuses raises TypeError."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import IntEnum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from esnb import decode_attributes, encode_attributes
from esnb.course.transcoding import _DECODERS, _MAX_DEPTH, _MAX_INT_BITS
from tests.support import assert_exactly

TAGS = sorted(_DECODERS)

offsets = st.integers(min_value=-24 * 60 + 1, max_value=24 * 60 - 1).map(lambda minutes: timedelta(minutes=minutes))
datetimes = st.datetimes(timezones=st.none() | offsets.map(timezone)).map(lambda moment: moment.replace(fold=0))
keys = st.recursive(
    st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False) | st.uuids() | st.dates()
    | st.decimals(allow_nan=False) | datetimes,
    lambda children: st.lists(children, max_size=3).map(tuple),
    max_leaves=6,
)
leaves = (
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.uuids() | datetimes | st.dates()
    | st.decimals()
)


def containers(children: st.SearchStrategy) -> st.SearchStrategy:
    """Lists, tuples and dictionaries of children: string keys, other keys, and dictionaries shaped like tags."""
    return (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=4).map(tuple)
        | st.dictionaries(st.text(), children, max_size=4)
        | st.dictionaries(keys, children, max_size=4)
        | st.builds(lambda tag, value: {tag: value}, st.sampled_from(TAGS), children)
    )


values = st.recursive(leaves, containers, max_leaves=20)
names = st.text() | st.sampled_from(TAGS)


class Size(IntEnum):
    SMALL = 1


class Text(str):
    pass


class Number(float):
    pass


refused_leaves = st.sampled_from(
    [
        {1, 2},
        frozenset({1}),
        object(),
        b"bytes",
        bytearray(b"x"),
        1j,
        Size.SMALL,
        Text("x"),
        Number(1.5),
        range(3),
        int,
        len,
        datetime(2026, 7, 1, tzinfo=ZoneInfo("Europe/Paris")),
        datetime(2026, 1, 2, tzinfo=timezone(timedelta(hours=1), "CET")),
        datetime(2026, 10, 25, 1, 30, fold=1),
        datetime(2026, 1, 2, tzinfo=timezone(timedelta(seconds=7))),
        datetime(2026, 1, 2, tzinfo=timezone(timedelta(microseconds=1))),
    ]
)


def with_one_refused(children: st.SearchStrategy) -> st.SearchStrategy:
    """Containers holding at least one child from children, among values that are accepted."""
    return (
        st.builds(lambda before, child, after: [*before, child, *after], st.lists(values, max_size=2), children,
                  st.lists(values, max_size=2))
        | st.builds(lambda child: (child,), children)
        | st.builds(lambda key, child: {key: child}, st.text() | st.sampled_from(TAGS) | st.integers(), children)
    )


unstorable = st.recursive(refused_leaves, with_one_refused, max_leaves=5)


@given(st.dictionaries(names, values, max_size=4))
def test_every_accepted_value_comes_back_exactly(attributes: dict[str, Any]) -> None:
    text = encode_attributes(attributes)
    assert_exactly(decode_attributes(text), attributes, "attributes")
    assert encode_attributes(attributes) == text
    assert encode_attributes(decode_attributes(text)) == text


@given(names, unstorable, st.dictionaries(st.text(), values, max_size=2))
def test_every_refused_value_raises_type_error_naming_its_attribute(name: str, value: Any,
                                                                    others: dict[str, Any]) -> None:
    attributes = {**others, name: value}
    try:
        encode_attributes(attributes)
    except TypeError as error:
        assert re.match(re.escape(f"attribute {name!r} cannot be stored: "), str(error)), str(error)
    else:
        raise AssertionError(f"{value!r} was stored")


@given(st.sampled_from(TAGS), values)
def test_a_dictionary_shaped_like_a_tag_comes_back_as_itself(tag: str, value: Any) -> None:
    lookalike = {"note": {tag: value}}
    assert_exactly(decode_attributes(encode_attributes(lookalike)), lookalike)


def test_nan_comes_back_as_nan() -> None:
    decoded = decode_attributes(encode_attributes({"x": float("nan"), "d": Decimal("NaN"), "s": Decimal("sNaN")}))
    assert repr(decoded["x"]) == "nan"
    assert decoded["d"].is_qnan() and decoded["s"].is_snan()


def test_a_date_is_not_a_datetime_and_back() -> None:
    decoded = decode_attributes(encode_attributes({"day": date(2026, 1, 2), "moment": datetime(2026, 1, 2)}))
    assert type(decoded["day"]) is date and type(decoded["moment"]) is datetime


# Fixed limits: what is stored does not depend on the writer's interpreter settings.

LARGEST_INT = 2**_MAX_INT_BITS - 1


def nested_lists(depth: int, innermost: Any = 1) -> Any:
    """innermost inside depth lists."""
    value = innermost
    for _ in range(depth):
        value = [value]
    return value


def nested_pairs(depth: int) -> Any:
    """The deepest JSON per level: dictionaries with a tuple for a key, each holding the next, a UUID inside."""
    value: Any = UUID(int=1)
    for level in range(depth):
        value = {(level,): value} if level % 2 else {level: value}
    return value


def test_the_limits_fit_the_default_interpreter_settings() -> None:
    assert _MAX_DEPTH == 100
    assert len(str(LARGEST_INT)) <= 4300 == sys.int_info.default_max_str_digits


@pytest.mark.parametrize("value", [LARGEST_INT, -LARGEST_INT, [LARGEST_INT], {LARGEST_INT: -LARGEST_INT}])
def test_ints_up_to_the_limit_come_back_exactly(value: Any) -> None:
    assert_exactly(decode_attributes(encode_attributes({"n": value})), {"n": value})


@pytest.mark.parametrize(
    "attributes, message",
    [
        ({"n": 10**5000}, "attribute 'n' cannot be stored: int is too large: "
                          f"the store keeps ints of up to {_MAX_INT_BITS} bits, which have at most 4300 digits"),
        ({"n": [1, -LARGEST_INT - 1]}, "attribute 'n' cannot be stored: int at n[1] is too large"),
        ({"n": {2**_MAX_INT_BITS: 1}}, "attribute 'n' cannot be stored: int at n (in a key) is too large"),
        ({"n": {"a": (0, 10**5000)}}, "attribute 'n' cannot be stored: int at n['a'][1] is too large"),
    ],
    ids=["int", "in-a-list", "in-a-key", "in-a-tuple"],
)
def test_an_int_over_the_limit_raises_type_error_naming_where_it_is(attributes: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=re.escape(message)):
        encode_attributes(attributes)


def test_an_int_over_the_limit_is_refused_even_when_the_writer_allows_longer_ints() -> None:
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        with pytest.raises(TypeError, match=re.escape("attribute 'n' cannot be stored: int is too large")):
            encode_attributes({"n": 10**5000})
    finally:
        sys.set_int_max_str_digits(before)


@given(st.integers(min_value=0, max_value=2 * _MAX_INT_BITS), st.booleans())
def test_an_int_is_stored_exactly_when_it_fits_in_the_limit(bits: int, negative: bool) -> None:
    value = -(2**bits - 1) if negative else 2**bits - 1
    if bits <= _MAX_INT_BITS:
        assert_exactly(decode_attributes(encode_attributes({"n": value})), {"n": value})
    else:
        with pytest.raises(TypeError, match="int is too large"):
            encode_attributes({"n": value})


@pytest.mark.parametrize("deepest", [nested_lists(_MAX_DEPTH), nested_pairs(_MAX_DEPTH)], ids=["lists", "pairs"])
def test_values_nested_up_to_the_limit_come_back_exactly(deepest: Any) -> None:
    attributes = {"deep": deepest, "__uuid__": deepest}
    assert_exactly(decode_attributes(encode_attributes(attributes)), attributes)


@pytest.mark.parametrize(
    "attributes, message",
    [
        ({"deep": nested_lists(_MAX_DEPTH + 1)}, "attribute 'deep' cannot be stored: list at deep[0][0][0][0]"
         + f"…{_MAX_DEPTH - 7} more…[0][0][0]"
         + f" is nested too deeply, or contains itself: the store keeps values nested up to {_MAX_DEPTH} deep"),
        ({"deep": nested_pairs(_MAX_DEPTH + 1)}, "attribute 'deep' cannot be stored: tuple at deep[100][(99,)][98]"),
        ({"deep": {"a": nested_lists(_MAX_DEPTH - 2, ((),))}}, "attribute 'deep' cannot be stored: tuple at deep['a']"
         + f"[0][0][0]…{_MAX_DEPTH - 7} more…[0][0][0] is nested too deeply"),
    ],
    ids=["lists", "pairs", "a-tuple"],
)
def test_a_value_nested_deeper_than_the_limit_raises_type_error_naming_where(attributes: dict[str, Any],
                                                                              message: str) -> None:
    with pytest.raises(TypeError, match=re.escape(message)):
        encode_attributes(attributes)


def test_a_deep_value_is_refused_even_when_the_writer_raised_the_recursion_limit() -> None:
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(20_000)
    try:
        with pytest.raises(TypeError, match="attribute 'deep' cannot be stored: list at deep"):
            encode_attributes({"deep": nested_lists(2000)})
    finally:
        sys.setrecursionlimit(before)


def json_depth(text: str) -> int:
    """How deeply JSON text with no brackets inside its strings nests."""
    depth = deepest = 0
    for char in text:
        depth += (char in "[{") - (char in "]}")
        deepest = max(deepest, depth)
    return deepest


READER = """
import sys
from esnb import decode_attributes
for line in sys.stdin:
    decode_attributes(line)
print("read", sys.getrecursionlimit(), sys.get_int_max_str_digits())
"""


def test_what_a_writer_with_raised_limits_stores_a_new_process_reads_with_default_settings() -> None:
    recursion, digits = sys.getrecursionlimit(), sys.get_int_max_str_digits()
    sys.setrecursionlimit(20_000)
    sys.set_int_max_str_digits(0)
    try:
        texts = [
            encode_attributes({"__uuid__": nested_pairs(_MAX_DEPTH)}),
            encode_attributes({"deep": nested_lists(_MAX_DEPTH - 1, (LARGEST_INT, -LARGEST_INT))}),
        ]
    finally:
        sys.setrecursionlimit(recursion)
        sys.set_int_max_str_digits(digits)
    assert json_depth(texts[0]) > 3 * _MAX_DEPTH
    reader = subprocess.run([sys.executable, "-c", READER], input="\n".join(texts), capture_output=True, text=True,
                            check=False)
    assert reader.returncode == 0, reader.stderr
    assert reader.stdout.split() == ["read", "1000", "4300"]
