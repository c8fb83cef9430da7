"""Properties of the transcoder: what it accepts comes back exactly, and what it refuses raises TypeError."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from enum import IntEnum
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from esnb import decode_attributes, encode_attributes
from esnb.course.transcoding import _DECODERS
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
