"""`$util.math`: rounding, min/max and random numbers with `java.lang.Math` semantics."""

from __future__ import annotations

import math
import random
from fractions import Fraction

from app.templates.api import TemplateNamespace, TemplateRuntimeError
from app.templates.java.lang import LONG_MAX, LONG_MIN
from app.templates.util._args import double_arg, long_arg


class MathNamespace(TemplateNamespace):
    """`$util.math`. Random numbers are not for security; `$util.autoId` is."""

    __slots__ = ()

    def roundNum(self, value: object) -> int:
        """`Math.round`: half rounds up (`-2.5` gives `-2`), NaN gives 0, saturating at long."""
        number = double_arg("$util.math.roundNum", value)
        if math.isnan(number):
            return 0
        if math.isinf(number):
            return LONG_MAX if number > 0 else LONG_MIN
        # Exact arithmetic: floor(x + 0.5) in doubles misrounds 0.49999999999999994.
        rounded = math.floor(Fraction(number) + Fraction(1, 2))
        return max(LONG_MIN, min(LONG_MAX, rounded))

    def minVal(self, first: object, second: object) -> float:
        """`Math.min(double, double)`: always a Double; NaN wins; -0.0 is below 0.0."""
        method = "$util.math.minVal"
        return _pick(double_arg(method, first), double_arg(method, second, 2), smaller=True)

    def maxVal(self, first: object, second: object) -> float:
        """`Math.max(double, double)`: always a Double; NaN wins; 0.0 is above -0.0."""
        method = "$util.math.maxVal"
        return _pick(double_arg(method, first), double_arg(method, second, 2), smaller=False)

    def randomDouble(self) -> float:
        """A pseudo-random double in [0, 1)."""
        return random.random()

    def randomWithinRange(self, low: object, high: object) -> int:
        """A pseudo-random integer between `low` and `high`, both included."""
        method = "$util.math.randomWithinRange"
        start, end = long_arg(method, low), long_arg(method, high, 2)
        if start > end:
            raise TemplateRuntimeError(f"{method}: the lower bound {start} exceeds {end}")
        return random.randint(start, end)


def _pick(first: float, second: float, *, smaller: bool) -> float:
    if math.isnan(first) or math.isnan(second):
        return math.nan
    if first == second == 0.0:
        negative = math.copysign(1.0, first) < 0 or math.copysign(1.0, second) < 0
        positive = math.copysign(1.0, first) > 0 or math.copysign(1.0, second) > 0
        if smaller:
            return -0.0 if negative else 0.0
        return 0.0 if positive else -0.0
    return min(first, second) if smaller else max(first, second)


MATH = MathNamespace()
