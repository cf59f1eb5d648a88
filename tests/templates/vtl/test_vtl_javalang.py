"""Java value semantics: Double.toString, toString of collections, equals, operators."""

from __future__ import annotations

import math
from typing import Any

import pytest

from app.templates.vtl.javalang import (
    double_to_string,
    int_value,
    java_equals,
    long_value,
    to_string,
    vtl_add,
    vtl_div,
    vtl_eq,
    vtl_lt,
    vtl_mod,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, "1.0"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (100.0, "100.0"),
        (1e7, "1.0E7"),
        (9999999.0, "9999999.0"),
        (1e10, "1.0E10"),
        (1.2e-5, "1.2E-5"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (123.456, "123.456"),
        (-1.5e300, "-1.5E300"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        (math.nan, "NaN"),
        (0.1 + 0.2, "0.30000000000000004"),
    ],
)
def test_double_to_string(value: float, expected: str) -> None:
    assert double_to_string(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "true"),
        ("s", "s"),
        (12, "12"),
        ({"a": 1, "b": [None, True, "x"]}, "{a=1, b=[null, true, x]}"),
        ([{"k": {}}, []], "[{k={}}, []]"),
        ({1: 2.5}, "{1=2.5}"),
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


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (1, 1, True),
        (1, 1.0, False),
        (True, 1, False),
        (1.0, 1.0, True),
        (0.0, -0.0, False),
        (math.nan, math.nan, True),
        ("a", "a", True),
        ({"a": [1]}, {"a": [1]}, True),
        ({"a": None}, {"b": None}, False),
        ([1, None], [1, None], True),
        ([1], [1.0], False),
    ],
)
def test_java_equals(left: Any, right: Any, expected: bool) -> None:
    assert java_equals(left, right) is expected


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (1, 1.0, True),
        (1, "1", True),
        (None, None, True),
        (None, "null", False),
        (True, "true", True),
        ([1], "[1]", True),
        ({"a": 1}, {"a": 1}, True),
        (math.nan, math.nan, True),  # MathUtils.compare says 0 for NaN
    ],
)
def test_vtl_eq(left: Any, right: Any, expected: bool) -> None:
    assert vtl_eq(left, right) is expected


def test_operators_on_numbers() -> None:
    assert vtl_add(1, 2) == 3 and type(vtl_add(1, 2)) is int
    assert vtl_add(1, 2.0) == 3.0 and type(vtl_add(1, 2.0)) is float
    assert vtl_add(True, 1) is None
    assert vtl_div(-7, 2) == -3
    assert vtl_div(7, 0) is None
    assert vtl_div(7, 0.0) is None
    assert vtl_mod(-7, 2) == -1
    assert vtl_mod(7.5, 2) == 1.5
    assert vtl_lt(1, 2) and not vtl_lt("a", "b") and not vtl_lt(None, 1)


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
