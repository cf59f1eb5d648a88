"""Java value semantics: Double.toString, String.valueOf, equals, HashMap order."""

from __future__ import annotations

import math

import pytest

from app.templates.api import TemplateRuntimeError
from app.templates.util.java_lang import (
    double_to_string,
    is_blank,
    java_equals,
    java_hash_order,
    java_string_sort_key,
    java_trim,
    to_java_string,
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
        (9999999.0, "9999999.0"),
        (1e7, "1.0E7"),
        (12345678.9, "1.23456789E7"),
        (1e10, "1.0E10"),
        (1e23, "1.0E23"),
        (1.5e300, "1.5E300"),
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


def test_to_java_string_renders_collections_like_java() -> None:
    value = {"a": [1, 2.0, None, True, "x"], "b": {}, "c": "{"}
    assert to_java_string(value) == "{a=[1, 2.0, null, true, x], b={}, c={}"
    assert to_java_string(None) == "null"
    assert to_java_string(False) == "false"


def test_to_java_string_names_direct_self_reference() -> None:
    looped: dict[str, object] = {}
    looped["self"] = looped
    assert to_java_string(looped) == "{self=(this Map)}"


def test_to_java_string_refuses_indirect_cycles() -> None:
    outer: dict[str, object] = {}
    outer["inner"] = [outer]
    with pytest.raises(TemplateRuntimeError):
        to_java_string(outer)


def test_to_java_string_handles_deep_nesting() -> None:
    value: list[object] = []
    for _ in range(5000):
        value = [value]
    assert to_java_string(value).startswith("[[[")


def test_java_equals_keeps_number_classes_apart() -> None:
    assert java_equals(1, 1)
    assert not java_equals(1, 1.0)
    assert not java_equals(1, True)
    assert java_equals(math.nan, math.nan)
    assert not java_equals(0.0, -0.0)
    assert java_equals({"a": [1, "x"]}, {"a": [1, "x"]})
    assert not java_equals({"a": 1}, {"a": 1.0})
    assert java_equals(None, None)
    assert not java_equals(None, "")


def test_java_hash_order_matches_hashmap_buckets() -> None:
    # "upvotes" lands in a lower bucket than "id" and "title" in a 16-slot HashMap.
    assert java_hash_order(["title", "id", "upvotes"]) == ["upvotes", "id", "title"]
    assert java_hash_order(["id", "title"]) == ["id", "title"]


def test_string_helpers() -> None:
    assert java_trim("\t a b \n") == "a b"
    assert is_blank(" \t\u2003")
    assert not is_blank("\u00a0")  # no-break space is not Java whitespace
    assert java_string_sort_key("\uffff") > java_string_sort_key("\U00010000")
