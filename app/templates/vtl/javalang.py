"""Java value semantics for template values: `toString`, `equals`, Velocity 1.7's operators.

Values are plain Python JSON values standing in for Java objects: dict = LinkedHashMap,
list = ArrayList, str = String, int = Integer/Long, float = Double, bool = Boolean. What a
template prints or compares must follow Java, not Python: `true` not `True`, `1.0E10` not
`1e10`, `{a=1}` not `{'a': 1}`, and `1 == "1"` is true in Velocity (both sides are compared
as strings when their classes differ).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from app.templates.api import TemplateNamespace

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1


class JavaError(Exception):
    """A Java exception a method would throw (`IndexOutOfBoundsException: Index: 3, Size: 1`)."""

    def __init__(self, java_class: str, message: str) -> None:
        self.java_class = java_class
        self.message = message
        super().__init__(f"{java_class}: {message}")


def is_number(value: Any) -> bool:
    """A Java Number: int or float but not bool (Python's bool is an int)."""
    kind = type(value)
    return kind is int or kind is float


def double_to_string(value: float) -> str:
    """`Double.toString`: shortest digits, plain in [1e-3, 1e7), otherwise `1.0E10` style."""
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    _, digit_tuple, exponent = Decimal(repr(magnitude)).as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    point = len(digit_tuple) + exponent  # digits before the decimal point
    if 1e-3 <= magnitude < 1e7:
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        whole = digits[:point].ljust(point, "0")
        return f"{sign}{whole}.{digits[point:] or '0'}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{point - 1}"


def to_string(value: Any) -> str:
    """`String.valueOf(value)`: how Velocity renders a value."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[no-any-return]
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return double_to_string(value)
    if value is None:
        return "null"
    if kind is dict:
        return _map_to_string(value)
    if kind is list or kind is tuple:
        return _list_to_string(value)
    java_string = getattr(type(value), "java_string", None)
    if java_string is not None:
        return str(java_string(value))
    if isinstance(value, dict):
        return _map_to_string(value)
    if isinstance(value, list | tuple):
        return _list_to_string(value)
    if isinstance(value, TemplateNamespace):
        return f"{type(value).__name__}@{id(value):x}"
    return str(value)


def _map_to_string(value: dict[Any, Any]) -> str:
    parts = []
    for key, item in value.items():
        key_text = "(this Map)" if key is value else to_string(key)
        item_text = "(this Map)" if item is value else to_string(item)
        parts.append(f"{key_text}={item_text}")
    return "{" + ", ".join(parts) + "}"


def _list_to_string(value: list[Any] | tuple[Any, ...]) -> str:
    return (
        "["
        + ", ".join("(this Collection)" if item is value else to_string(item) for item in value)
        + "]"
    )


def java_class_name(value: Any) -> str:
    """The Java class a value stands for (what `$x.class.name` prints). UNVERIFIED on AppSync."""
    kind = type(value)
    if kind is str:
        return "java.lang.String"
    if kind is bool:
        return "java.lang.Boolean"
    if kind is int:
        if INT_MIN <= value <= INT_MAX:
            return "java.lang.Integer"
        return "java.lang.Long" if LONG_MIN <= value <= LONG_MAX else "java.math.BigInteger"
    if kind is float:
        return "java.lang.Double"
    if isinstance(value, dict):
        return "java.util.LinkedHashMap"
    if isinstance(value, list | tuple):
        return "java.util.ArrayList"
    name = getattr(type(value), "java_class", None)
    return str(name) if name else type(value).__name__


def java_equals(left: Any, right: Any) -> bool:
    """`left.equals(right)` for a non-null `left`."""
    kind = type(left)
    if kind is not type(right):
        if isinstance(left, dict) and isinstance(right, dict):
            return _map_equals(left, right)
        if isinstance(left, list | tuple) and isinstance(right, list | tuple):
            return _list_equals(left, right)
        return False
    if kind is float:
        if left != left:
            return bool(right != right)
        return bool(left == right and math.copysign(1.0, left) == math.copysign(1.0, right))
    if kind is dict:
        return _map_equals(left, right)
    if kind is list or kind is tuple:
        return _list_equals(left, right)
    return bool(left == right)


def nullable_equals(left: Any, right: Any) -> bool:
    """`Objects.equals(left, right)`."""
    if left is None:
        return right is None
    return right is not None and java_equals(left, right)


def _map_equals(left: dict[Any, Any], right: dict[Any, Any]) -> bool:
    if left is right:
        return True
    if len(left) != len(right):
        return False
    for key, value in left.items():
        if key not in right or not nullable_equals(value, right[key]):
            return False
    return True


def _list_equals(left: list[Any] | tuple[Any, ...], right: list[Any] | tuple[Any, ...]) -> bool:
    if left is right:
        return True
    return len(left) == len(right) and all(map(nullable_equals, left, right))


def compare_numbers(left: int | float, right: int | float) -> int:
    """Velocity's `MathUtils.compare`: -1, 0 or 1; anything involving NaN compares equal."""
    if left < right:
        return -1
    if left > right:
        return 1
    return 0


# --- Velocity 1.7 operators (ASTEQNode, ASTAddNode, MathUtils, ...) ----------------------------


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


def int_value(value: int | float) -> int:
    """`Number.intValue()`: a narrowing cast to a 32-bit int (Java saturates doubles)."""
    return _narrow(value, 32)


def long_value(value: int | float) -> int:
    return _narrow(value, 64)


def _narrow(value: int | float, bits: int) -> int:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    if type(value) is float:
        if value != value:
            return 0
        return high if value >= high else low if value <= low else int(value)
    wrapped = int(value) & ((1 << bits) - 1)
    return wrapped - (1 << bits) if wrapped > high else wrapped
