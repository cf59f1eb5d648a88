"""Java value semantics the `$util` helpers share: `toString`, `equals`, type names, whitespace.

Templates on AppSync run on the JVM, so what a helper prints or compares follows Java rules,
not Python ones: `Double.toString(1e10)` is `1.0E10`, `Integer(1).equals(Double(1.0))` is
false, and `Map.toString()` is `{a=1, b=2}`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from app.templates.api import TemplateRuntimeError

LONG_MIN = -(2**63)
LONG_MAX = 2**63 - 1
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1

# Character.isWhitespace: Unicode space separators except the no-break ones, plus these controls.
_JAVA_WHITESPACE = frozenset(
    "\t\n\u000b\f\r\u001c\u001d\u001e\u001f \u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2008\u2009\u200a\u2028\u2029\u205f\u3000"
)


def is_number(value: Any) -> bool:
    """A Java Number: int or float, but never bool (Python's bool is an int)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_java_whitespace(char: str) -> bool:
    """`Character.isWhitespace` for one character."""
    return char in _JAVA_WHITESPACE


def is_blank(text: str) -> bool:
    """Commons-lang `StringUtils.isBlank` for a non-null string."""
    return all(char in _JAVA_WHITESPACE for char in text)


def java_trim(text: str) -> str:
    """`String.trim()`: strips every character up to U+0020 from both ends."""
    start, end = 0, len(text)
    while start < end and text[start] <= " ":
        start += 1
    while end > start and text[end - 1] <= " ":
        end -= 1
    return text[start:end]


def double_to_string(value: float) -> str:
    """`Double.toString`: shortest digits, plain between 1e-3 and 1e7, else `1.0E10` style."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    shortest = Decimal(repr(magnitude))
    if len(shortest.as_tuple().digits) == 1:
        # Java never settles for one digit: it prints the two-digit decimal closest to the
        # exact value (Double.MIN_VALUE is 4.9E-324, where the shortest form is 5e-324).
        exact = Decimal(magnitude)
        shortest = exact.quantize(Decimal(1).scaleb(exact.adjusted() - 1), ROUND_HALF_EVEN)
    _, digit_tuple, exponent = shortest.as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    # value == 0.<digits> * 10**point, i.e. `point` digits sit before the decimal point.
    point = len(digit_tuple) + exponent
    if 1e-3 <= magnitude < 1e7:
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        integer = digits[:point].ljust(point, "0")
        fraction = digits[point:] or "0"
        return f"{sign}{integer}.{fraction}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{point - 1}"


def to_java_string(value: Any) -> str:
    """`String.valueOf(value)` for a template value: what Java prints for it.

    Walks containers with an explicit stack, so deeply nested values cannot exhaust Python's
    recursion limit; a container that contains itself indirectly is an error (Java would
    overflow its stack).
    """
    if not isinstance(value, dict | list | tuple):
        return _scalar_string(value)
    out: list[str] = []
    stack: list[_Frame] = []
    open_ids: set[int] = set()

    def enter(container: Any) -> None:
        if id(container) in open_ids:
            raise TemplateRuntimeError("Cannot convert a value that contains itself to a String")
        open_ids.add(id(container))
        is_map = isinstance(container, dict)
        out.append("{" if is_map else "[")
        items = iter(container.items()) if is_map else iter(container)
        stack.append(_Frame(container, items, is_map))

    def show(item: Any, container: Any, is_map: bool) -> None:
        if item is container:
            out.append("(this Map)" if is_map else "(this Collection)")
        elif isinstance(item, dict | list | tuple):
            enter(item)
        else:
            out.append(_scalar_string(item))

    enter(value)
    while stack:
        frame = stack[-1]
        container, is_map = frame.container, frame.is_map
        entry: Any = next(frame.items, _END)
        if entry is _END:
            out.append("}" if is_map else "]")
            stack.pop()
            open_ids.discard(id(container))
            continue
        if frame.started:
            out.append(", ")
        frame.started = True
        if is_map:
            key, item = entry
            out.append(key if isinstance(key, str) else _scalar_string(key))
            out.append("=")
            show(item, container, is_map)
        else:
            show(entry, container, is_map)
    return "".join(out)


_END = object()


class _Frame:
    """One open container while `to_java_string` walks a value."""

    __slots__ = ("container", "is_map", "items", "started")

    def __init__(self, container: Any, items: Iterator[Any], is_map: bool) -> None:
        self.container = container
        self.items = items
        self.is_map = is_map
        self.started = False


def _scalar_string(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return double_to_string(value)
    return str(value)


def java_equals(left: Any, right: Any) -> bool:
    """`Object.equals`: numbers of different classes differ (`1` is not `1.0`, not `true`)."""
    if left is None or right is None:
        return left is right
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, int) and isinstance(right, int):
        return left == right
    if isinstance(left, float) and isinstance(right, float):
        # Double.equals compares bits: NaN equals NaN, 0.0 differs from -0.0.
        if math.isnan(left) and math.isnan(right):
            return True
        return left == right and math.copysign(1.0, left) == math.copysign(1.0, right)
    if isinstance(left, str) and isinstance(right, str):
        return left == right
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(map(java_equals, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        if left.keys() != right.keys():
            return False
        return all(java_equals(item, right[key]) for key, item in left.items())
    return left is right


def java_contains(items: list[Any], value: Any) -> bool:
    """`List.contains` with Java equality."""
    try:
        return any(java_equals(item, value) for item in items)
    except RecursionError:
        raise TemplateRuntimeError("Cannot compare values nested this deeply") from None


def java_type_name(value: Any) -> str:
    """The Java class a template value stands for, as error messages name it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer" if INT_MIN <= value <= INT_MAX else "Long"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list | tuple):
        return "List"
    if isinstance(value, dict):
        return "Map"
    return "Object"


def java_string_sort_key(text: str) -> bytes:
    """Orders strings as `String.compareTo` does: by UTF-16 code unit, not by code point."""
    return text.encode("utf-16-be", "surrogatepass")


def java_hash_order(keys: list[str]) -> list[str]:
    """The iteration order of a `java.util.HashMap` holding `keys`, inserted in this order.

    A HashMap iterates bucket by bucket (bucket = spread hash masked by the table size, the
    table doubling past 75% load) and, within a bucket, in insertion order. Helpers backed by
    org.json (`$util.xml`) hand templates maps in this order.
    """
    capacity = 16
    while len(keys) > capacity * 3 // 4:
        capacity *= 2
    mask = capacity - 1

    def bucket(key: str) -> int:
        code = _java_string_hash(key)
        return (code ^ (code >> 16)) & mask

    return sorted(keys, key=bucket)


def _java_string_hash(text: str) -> int:
    code = 0
    units = text.encode("utf-16-be", "surrogatepass")
    for index in range(0, len(units), 2):
        code = (31 * code + ((units[index] << 8) | units[index + 1])) & 0xFFFFFFFF
    return code
