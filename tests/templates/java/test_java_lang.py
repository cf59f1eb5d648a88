"""`app.templates.java.lang`: Double.toString, String.valueOf, equals, narrowing, HashMap order.

The VTL engine and `$util` both print and compare values with these functions. Where the
engine's and `$util`'s former copies disagreed, Java's documented behaviour is pinned here.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from app.templates.api import TemplateNamespace, TemplateRuntimeError
from app.templates.java.lang import (
    _walked_string,
    double_to_string,
    int_value,
    is_blank,
    is_number,
    java_contains,
    java_equals,
    java_hash_order,
    java_string_sort_key,
    java_trim,
    long_value,
    string_hash,
    to_string,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, "1.0"),
        (-1.5, "-1.5"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (100.0, "100.0"),
        (123.456, "123.456"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (1.2e-5, "1.2E-5"),
        (9999999.0, "9999999.0"),
        (1e7, "1.0E7"),
        (12345678.9, "1.23456789E7"),
        (1e10, "1.0E10"),
        (1e23, "1.0E23"),
        (1.5e300, "1.5E300"),
        (-1.5e300, "-1.5E300"),
        (0.1 + 0.2, "0.30000000000000004"),
        (5e-324, "4.9E-324"),
        (1e-323, "9.9E-324"),
        (math.nan, "NaN"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
    ],
)
def test_double_to_string_follows_java(value: float, expected: str) -> None:
    assert double_to_string(value) == expected


def test_double_to_string_prints_two_digits_where_the_shortest_form_has_one() -> None:
    # Double.toString's javadoc (JDK 19+): when the shortest decimal that rounds to the
    # double has one digit, Java picks the closest decimal of length 1 or 2. So
    # Double.MIN_VALUE prints as 4.9E-324, not 5.0E-324 (the engine's copy printed 5.0E-324).
    assert double_to_string(5e-324) == "4.9E-324"
    assert double_to_string(-5e-324) == "-4.9E-324"
    assert double_to_string(2e-323) == "2.0E-323"
    assert double_to_string(1e-5) == "1.0E-5"
    assert double_to_string(1.7976931348623157e308) == "1.7976931348623157E308"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        ("s", "s"),
        (12, "12"),
        ({"a": 1, "b": [None, True, "x"]}, "{a=1, b=[null, true, x]}"),
        ([{"k": {}}, []], "[{k={}}, []]"),
        ({1: 2.5}, "{1=2.5}"),
        (
            {"a": [1, 2.0, None, True, "x"], "b": {}, "c": "{"},
            "{a=[1, 2.0, null, true, x], b={}, c={}",
        ),
        ((1, "a"), "[1, a]"),
    ],
)
def test_to_string(value: Any, expected: str) -> None:
    assert to_string(value) == expected


def test_to_string_of_self_containing_collections() -> None:
    items: list[Any] = [1]
    items.append(items)
    mapping: dict[str, Any] = {}
    mapping["me"] = mapping
    assert to_string(items) == "[1, (this Collection)]"
    assert to_string(mapping) == "{me=(this Map)}"


def test_to_string_refuses_indirect_cycles() -> None:
    outer: dict[str, object] = {}
    outer["inner"] = [outer]
    with pytest.raises(TemplateRuntimeError, match="contains itself"):
        to_string(outer)


def test_to_string_handles_deep_nesting() -> None:
    # Java prints a 5,000-deep list; the engine's recursive copy ran out of Python stack.
    value: list[object] = []
    for _ in range(5000):
        value = [value]
    assert to_string(value) == "[" * 5001 + "]" * 5001


def _nested(depth: int) -> Any:
    value: Any = [1.5, "x"]
    for level in range(depth):
        value = [value, None] if level % 2 else {"k": value, 1: True}
    return value


@pytest.mark.parametrize("depth", [0, 1, 31, 32, 33, 100])
def test_to_string_fast_path_prints_what_the_walk_prints(depth: int) -> None:
    value: list[Any] = [_nested(depth)]
    value.append(value)  # a direct self-reference at the top
    assert to_string(value) == _walked_string(value)


def test_to_string_of_java_objects_inside_collections() -> None:
    class Entry:
        java_class = "java.util.LinkedHashMap$Entry"

        def java_string(self) -> str:
            return "k=v"

    class Namespace(TemplateNamespace):
        pass

    # `$util` helpers print these the way Java does too (its copy printed Python's repr).
    assert to_string([Entry()]) == "[k=v]"
    assert to_string({"e": Entry()}) == "{e=k=v}"
    assert to_string([Namespace()]).startswith("[Namespace@")


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (1, 1, True),
        (1, 1.0, False),
        (True, 1, False),
        (1, True, False),
        (1.0, 1.0, True),
        (0.0, -0.0, False),
        (math.nan, math.nan, True),
        ("a", "a", True),
        ({"a": [1]}, {"a": [1]}, True),
        ({"a": [1, "x"]}, {"a": [1, "x"]}, True),
        ({"a": 1}, {"a": 1.0}, False),
        ({"a": None}, {"b": None}, False),
        ([1, None], [1, None], True),
        ([1], [1.0], False),
        ([1], (1,), True),
        (None, None, True),
        (None, "", False),
        ("", None, False),
    ],
)
def test_java_equals(left: Any, right: Any, expected: bool) -> None:
    assert java_equals(left, right) is expected


def test_java_equals_uses_the_value_classes_own_equals() -> None:
    class Entry:
        def __init__(self, key: str) -> None:
            self.key = key

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Entry) and other.key == self.key

        __hash__ = None  # type: ignore[assignment]

    # Map.Entry.equals compares key and value; `$util`'s copy compared identity.
    assert java_equals(Entry("a"), Entry("a"))
    assert not java_equals(Entry("a"), Entry("b"))


def test_a_collection_equals_itself_even_when_it_contains_itself() -> None:
    # AbstractList.equals and AbstractMap.equals start with `if (o == this) return true`;
    # `$util`'s copy recursed forever and failed.
    looped: list[Any] = []
    looped.append(looped)
    assert java_equals(looped, looped)
    assert java_contains([looped], looped)


def test_java_contains_reports_values_nested_too_deeply() -> None:
    left: list[object] = []
    right: list[object] = []
    for _ in range(5000):
        left, right = [left], [right]
    with pytest.raises(TemplateRuntimeError, match="nested this deeply"):
        java_contains([left], right)


def test_is_number_excludes_booleans() -> None:
    assert is_number(1) and is_number(1.5) and is_number(2**70)
    assert not is_number(True) and not is_number("1") and not is_number(None)


@pytest.mark.parametrize(
    ("value", "as_int", "as_long"),
    [
        (2**31, -(2**31), 2**31),
        (2**63, 0, -(2**63)),
        (3.99, 3, 3),
        (-3.99, -3, -3),
        (1e30, 2**31 - 1, 2**63 - 1),
        (math.nan, 0, 0),
    ],
)
def test_narrowing(value: float, as_int: int, as_long: int) -> None:
    assert int_value(value) == as_int
    assert long_value(value) == as_long


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("hello", 99162322),
        ("polygenelubricants", -(2**31)),
        ("\U0001f600", 1772899),  # over the two UTF-16 units, not the code point
    ],
)
def test_string_hash_is_java_hash_code(text: str, expected: int) -> None:
    assert string_hash(text) == expected


def test_java_hash_order_matches_hashmap_buckets() -> None:
    # "upvotes" lands in a lower bucket than "id" and "title" in a 16-slot HashMap.
    assert java_hash_order(["title", "id", "upvotes"]) == ["upvotes", "id", "title"]
    assert java_hash_order(["id", "title"]) == ["id", "title"]


def test_string_helpers() -> None:
    assert java_trim("\t a b \n") == "a b"
    assert java_trim("\u2003a\u2003") == "\u2003a\u2003"  # only characters up to U+0020
    assert is_blank(" \t\u2003")
    assert not is_blank("\u00a0")  # no-break space is not Java whitespace
    assert java_string_sort_key("\uffff") > java_string_sort_key("\U00010000")
