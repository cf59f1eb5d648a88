"""`$util.math`: java.lang.Math semantics."""

from __future__ import annotations

import math

import pytest

from app.templates.api import TemplateRuntimeError
from app.templates.util.math_util import MATH


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2.5, 3),
        (-2.5, -2),
        (2.4, 2),
        (-2.6, -3),
        (0.49999999999999994, 0),
        (7, 7),
        (math.nan, 0),
        (math.inf, 2**63 - 1),
        (-1e300, -(2**63)),
    ],
)
def test_round_num_is_java_math_round(value: float, expected: int) -> None:
    assert MATH.roundNum(value) == expected


def test_min_and_max_return_doubles() -> None:
    assert MATH.minVal(1, 2) == 1.0 and isinstance(MATH.minVal(1, 2), float)
    assert MATH.maxVal(1, 2.5) == 2.5
    assert math.copysign(1.0, MATH.minVal(0.0, -0.0)) == -1.0
    assert math.copysign(1.0, MATH.maxVal(-0.0, 0.0)) == 1.0
    assert math.isnan(MATH.maxVal(math.nan, 1))


def test_random_numbers_stay_in_range() -> None:
    for _ in range(200):
        assert 0.0 <= MATH.randomDouble() < 1.0
        assert 3 <= MATH.randomWithinRange(3, 5) <= 5
    assert MATH.randomWithinRange(4, 4) == 4


def test_bad_arguments() -> None:
    with pytest.raises(TemplateRuntimeError, match="Double"):
        MATH.roundNum("1.5")
    with pytest.raises(TemplateRuntimeError, match="lower bound"):
        MATH.randomWithinRange(5, 1)
