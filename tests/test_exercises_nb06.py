"""The checks of notebook 06's exercises: placeholder, plausible wrong answers, and a right answer."""

from __future__ import annotations

from typing import Any

import pytest

from esnb.course.topics import resolve_topic
from esnb.exercises import PLACEHOLDER
from esnb.exercises.nb06 import check_comes_back_exactly, check_resolve_renamed

NOT_DONE = "not done yet. Replace `raise NotImplementedError('your code here')` with your answer."


# Exercise 6.1

def exactly_right(mapper: Any, event: Any) -> bool:
    back = mapper.from_sequenced_item(mapper.to_sequenced_item(event))
    before, after = vars(event), vars(back)
    return (type(back) is type(event) and before.keys() == after.keys()
            and all(type(after[name]) is type(value) and after[name] == value for name, value in before.items()))


def compares_items(mapper: Any, event: Any) -> bool:
    item = mapper.to_sequenced_item(event)
    return mapper.to_sequenced_item(mapper.from_sequenced_item(item)) == item


def exactly_placeholder(mapper: Any, event: Any) -> bool:
    raise NotImplementedError(PLACEHOLDER)


def no_round_trip(mapper: Any, event: Any) -> bool:
    mapper.to_sequenced_item(event)
    return True


def equal_events(mapper: Any, event: Any) -> bool:
    return bool(mapper.from_sequenced_item(mapper.to_sequenced_item(event)) == event)


def same_repr(mapper: Any, event: Any) -> bool:
    return repr(mapper.from_sequenced_item(mapper.to_sequenced_item(event))) == repr(event)


def types_of_the_original_only(mapper: Any, event: Any) -> bool:
    back = mapper.from_sequenced_item(mapper.to_sequenced_item(event))
    return all(type(getattr(back, name)) is type(value) and getattr(back, name) == value
               for name, value in vars(event).items())


def attributes_only(mapper: Any, event: Any) -> bool:
    after = vars(mapper.from_sequenced_item(mapper.to_sequenced_item(event)))
    return vars(event).keys() == after.keys() and all(
        type(after[name]) is type(value) and after[name] == value for name, value in vars(event).items()
    )


def refusal_is_false(mapper: Any, event: Any) -> bool:
    try:
        return exactly_right(mapper, event)
    except TypeError:
        return False


def refusal_is_value_error(mapper: Any, event: Any) -> bool:
    try:
        return exactly_right(mapper, event)
    except TypeError as error:
        raise ValueError(f"cannot store it: {error}") from error


def returns_text(mapper: Any, event: Any) -> Any:
    return "yes" if exactly_right(mapper, event) else "no"


TAGGED = ("the course's mapper refused AttributeChanged(name='tags', value={'red'}) "
          "(TypeError: AttributeChanged: attribute 'value' cannot be stored: set has no JSON form)")


@pytest.mark.parametrize("answer, line", [
    (exactly_placeholder, NOT_DONE),
    (no_round_trip, "it said True for AttributeChanged(name='size', value=(40, 42)) and a mapper that gives the "
                    "tuple (40, 42) back as the list [40, 42]: map the event to a sequenced item, read that item "
                    "back with the same mapper, and compare what came back with the event."),
    (equal_events, "it said True for AttributeChanged(name='price', value=Decimal('10.00')) and a mapper that "
                   "gives Decimal('10.00') back as the float 10.0: `==` calls them equal, but they are values of "
                   "different types, so the event did not come back exactly. Compare each attribute's type as "
                   "well as its value."),
    (same_repr, "it said False for AttributeChanged(name='price', value=Decimal('10.00')) and the course's mapper, "
                "which gives it back exactly. (The id and the version come back last: compare attributes by name, "
                "not by order.)"),
    (types_of_the_original_only, "for Created(foo='bar', note=None) and a mapper that loses the attribute `note`, "
                                 "whose value was None, your code raised AttributeError: 'Created' object has no "
                                 "attribute 'note'."),
    (attributes_only, "it said True for AttributeChanged(name='price', value=Decimal('10.00')) and a mapper that "
                      "reads an AttributeChanged back as a plain DomainEvent with the same attributes: the class of "
                      "the event is part of what must come back."),
    (refusal_is_false, f"when {TAGGED}, your code returned False: a refusal is the other good outcome, since "
                       "nothing is lost without a sound. Let the mapper's error go on."),
    (refusal_is_value_error, f"when {TAGGED}, your code raised ValueError: cannot store it: AttributeChanged: "
                             "attribute 'value' cannot be stored: set has no JSON form. Let the mapper's own error "
                             "go on: it says what cannot be stored."),
    (returns_text, "comes_back_exactly should return True or False, but for "
                   "AttributeChanged(name='price', value=Decimal('10.00')) it returned 'yes'."),
])
def test_comes_back_exactly_wrong(verdict, answer, line):
    check_comes_back_exactly(answer)
    assert verdict() == f"✗ Exercise 6.1: {line}"


@pytest.mark.parametrize("answer", [exactly_right, compares_items])
def test_comes_back_exactly_right(verdict, answer):
    check_comes_back_exactly(answer)
    assert verdict() == ("✓ Exercise 6.1: comes_back_exactly tells an exact round trip from one that lost a type, "
                         "an attribute or the class.")


# Exercise 6.2

def resolve_right(topic: str, renames: dict[str, str]) -> type:
    while topic in renames:
        topic = renames[topic]
    return resolve_topic(topic)


def resolve_recursively(topic: str, renames: dict[str, str]) -> type:
    return resolve_recursively(renames[topic], renames) if topic in renames else resolve_topic(topic)


def resolve_placeholder(topic: str, renames: dict[str, str]) -> type:
    raise NotImplementedError(PLACEHOLDER)


def resolve_once(topic: str, renames: dict[str, str]) -> type:
    return resolve_topic(renames.get(topic, topic))


def resolve_in_one_pass(topic: str, renames: dict[str, str]) -> type:
    for old, new in renames.items():
        if topic == old:
            topic = new
    return resolve_topic(topic)


def resolve_in_one_pass_backwards(topic: str, renames: dict[str, str]) -> type:
    for old, new in reversed(renames.items()):
        if topic == old:
            topic = new
    return resolve_topic(topic)


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


def resolve_never_moves_on(topic: str, renames: dict[str, str]) -> type:
    newer = topic
    while topic in renames:
        newer = renames[topic]
    return resolve_topic(newer)


def resolve_splits_wrongly(topic: str, renames: dict[str, str]) -> type:
    while topic in renames:
        topic = renames[topic]
    module, name = topic.split(".")
    return resolve_topic(f"{module}:{name}")


TWICE = ("a class renamed twice did not resolve from 'shop.events:Bought' (topic 'esnb.course.events:Made': "
         "'esnb.course.events' has no class named 'Made'). The map lists the renames in any order, so one pass "
         "over it is not enough: follow the topic from each rename to the next until it is not in the map.")


@pytest.mark.parametrize(
    "resolve_renamed, line",
    [
        (resolve_placeholder, NOT_DONE),
        (resolve_once, TWICE),
        (resolve_in_one_pass, TWICE),
        (resolve_in_one_pass_backwards,
         "a class renamed four times did not resolve from 'shop.v1:Ordered' (topic 'shop.v3:Bought': module "
         "'shop.v3' is not imported). The map lists the renames in any order, so one pass over it is not enough: "
         "follow the topic from each rename to the next until it is not in the map."),
        (resolve_key_error, "resolve_renamed('esnb.course.events:Discarded', ...) raised KeyError "
                            "'esnb.course.events:Discarded': a topic that was never renamed is not in the map, "
                            "and resolves as it is."),
        (resolve_string, "resolve_renamed('esnb.course.events:Made', ...) returned the string "
                         "'esnb.course.events:Created': return the class, which resolve_topic finds for the "
                         "newest topic."),
        (resolve_quietly, "resolve_renamed('esnb.course.events:Gone', ...) returned None: a topic that leads "
                          "nowhere should still raise TopicResolutionError, so the problem is not hidden."),
        (resolve_popping, "resolve_renamed changed the map it was given: it should only read it, since the same "
                          "map serves every old row."),
        (resolve_never_moves_on, "resolve_renamed looked in the map more than 1000 times for one topic: each step "
                                 "should move on to the topic the last one was renamed to."),
        (resolve_splits_wrongly, "resolve_renamed('esnb.course.events:Made', ...) raised ValueError: too many values "
                                 "to unpack (expected 2)."),
    ],
    ids=["placeholder", "once", "one_pass", "one_pass_backwards", "key_error", "string", "quietly", "popping",
         "never_moves_on", "splits_wrongly"],
)
def test_resolve_renamed_wrong_answers(verdict, resolve_renamed, line):
    check_resolve_renamed(resolve_renamed)
    assert verdict() == f"✗ Exercise 6.2: {line}"


@pytest.mark.parametrize("resolve_renamed", [resolve_right, resolve_recursively])
def test_resolve_renamed_right(verdict, resolve_renamed):
    check_resolve_renamed(resolve_renamed)
    assert verdict() == ("✓ Exercise 6.2: resolve_renamed follows old topics to new ones, however many renames, "
                         "then resolves them.")
