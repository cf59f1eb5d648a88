"""Velocity 1.7's operators on template values (`ASTEQNode`, `ASTAddNode`, `MathUtils`, ...).

`==` compares numbers by value, values of one class by `equals`, and anything else by
`toString()` (so `1 == "1"` is true); `<` and friends compare numbers only; arithmetic
follows Java (integer division truncates) but gives null where Java would throw.
"""

from __future__ import annotations

import math
from typing import Any

from app.templates.java.lang import is_number, java_equals, to_string


def compare_numbers(left: int | float, right: int | float) -> int:
    """Velocity's `MathUtils.compare`: -1, 0 or 1; anything involving NaN compares equal."""
    if left < right:
        return -1
    if left > right:
        return 1
    return 0


def vtl_eq(left: Any, right: Any) -> bool:
    """`==`: numbers by value; same classes by `equals`; otherwise by `toString()`."""
    if is_number(left) and is_number(right):
        return compare_numbers(left, right) == 0
    if left is None or right is None:
        return left is None and right is None
    if (
        type(left) is type(right)
        or (isinstance(left, dict) and isinstance(right, dict))
        or (isinstance(left, list) and isinstance(right, list))
    ):
        return java_equals(left, right)
    return to_string(left) == to_string(right)


def vtl_ne(left: Any, right: Any) -> bool:
    return not vtl_eq(left, right)


def vtl_lt(left: Any, right: Any) -> bool:
    return is_number(left) and is_number(right) and compare_numbers(left, right) < 0


def vtl_le(left: Any, right: Any) -> bool:
    return is_number(left) and is_number(right) and compare_numbers(left, right) <= 0


def vtl_gt(left: Any, right: Any) -> bool:
    return is_number(left) and is_number(right) and compare_numbers(left, right) > 0


def vtl_ge(left: Any, right: Any) -> bool:
    return is_number(left) and is_number(right) and compare_numbers(left, right) >= 0


def vtl_add(left: Any, right: Any) -> Any:
    """`+`: numeric addition, else string concatenation if either side is a String, else null."""
    if is_number(left) and is_number(right):
        return left + right
    if left is None or right is None:
        return None
    if type(left) is str or type(right) is str:
        return to_string(left) + to_string(right)
    return None


def vtl_sub(left: Any, right: Any) -> Any:
    return left - right if is_number(left) and is_number(right) else None


def vtl_mul(left: Any, right: Any) -> Any:
    return left * right if is_number(left) and is_number(right) else None


def vtl_div(left: Any, right: Any) -> Any:
    """`/`: Java division (integers truncate toward zero); dividing by zero gives null."""
    if not (is_number(left) and is_number(right)) or right == 0:
        return None
    if type(left) is int and type(right) is int:
        quotient = abs(left) // abs(right)
        return quotient if (left < 0) == (right < 0) else -quotient
    return left / right


def vtl_mod(left: Any, right: Any) -> Any:
    """`%`: Java remainder (sign of the dividend); by zero gives null."""
    if not (is_number(left) and is_number(right)) or right == 0:
        return None
    if type(left) is int and type(right) is int:
        remainder = abs(left) % abs(right)
        return remainder if left >= 0 else -remainder
    return math.fmod(left, right)
