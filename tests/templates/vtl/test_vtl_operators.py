"""Velocity 1.7's operators: `==` across classes, comparisons, arithmetic."""

from __future__ import annotations

import math
from typing import Any

import pytest

from app.templates.vtl.operators import vtl_add, vtl_div, vtl_eq, vtl_lt, vtl_mod


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


def test_string_concatenation_prints_java_values() -> None:
    assert vtl_add("x", 5e-324) == "x4.9E-324"
    assert vtl_add({"a": 1.0}, "!") == "{a=1.0}!"
