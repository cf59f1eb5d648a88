"""Java value semantics for template values: `toString`, `equals`, numbers, class names, strings.

Values are plain Python JSON values standing in for Java objects: dict = LinkedHashMap,
list = ArrayList, str = String, int = Integer/Long, float = Double, bool = Boolean. What a
template prints or compares follows Java, not Python: `true` not `True`, `1.0E10` not
`1e10`, `{a=1}` not `{'a': 1}`, and `Integer(1).equals(Double(1.0))` is false.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from app.templates.api import TemplateNamespace, TemplateRuntimeError

INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1

# Character.isWhitespace: Unicode space separators except the no-break ones, plus these controls.
_JAVA_WHITESPACE = frozenset(
    "\t\n\u000b\f\r\u001c\u001d\u001e\u001f \u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2008\u2009\u200a\u2028\u2029\u205f\u3000"
)


class JavaError(Exception):
    """A Java exception a method would throw (`IndexOutOfBoundsException: Index: 3, Size: 1`)."""

    def __init__(self, java_class: str, message: str) -> None:
        self.java_class = java_class
        self.message = message
        super().__init__(f"{java_class}: {message}")


# --- numbers -----------------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    """A Java Number: int or float, but never bool (Python's bool is an int)."""
    kind = type(value)
    return kind is int or kind is float or (kind is not bool and isinstance(value, int | float))


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
    shortest = Decimal(repr(magnitude))
    if len(shortest.as_tuple().digits) == 1:
        # Java never settles for one digit: it prints the two-digit decimal closest to the
        # exact value (Double.MIN_VALUE is 4.9E-324, where the shortest form is 5e-324).
        exact = Decimal(magnitude)
        shortest = exact.quantize(Decimal(1).scaleb(exact.adjusted() - 1), ROUND_HALF_EVEN)
    _, digit_tuple, exponent = shortest.as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    point = len(digit_tuple) + exponent  # digits before the decimal point
    if 1e-3 <= magnitude < 1e7:
        if point <= 0:
            return f"{sign}0.{'0' * -point}{digits}"
        whole = digits[:point].ljust(point, "0")
        return f"{sign}{whole}.{digits[point:] or '0'}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}E{point - 1}"


def int_value(value: int | float) -> int:
    """`Number.intValue()`: a narrowing cast to a 32-bit int (Java saturates doubles)."""
    return _narrow(value, 32)


def long_value(value: int | float) -> int:
    """`Number.longValue()`: a narrowing cast to a 64-bit long."""
    return _narrow(value, 64)


def _narrow(value: int | float, bits: int) -> int:
    low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    if type(value) is float:
        if value != value:
            return 0
        return high if value >= high else low if value <= low else int(value)
    wrapped = int(value) & ((1 << bits) - 1)
    return wrapped - (1 << bits) if wrapped > high else wrapped


# --- toString ----------------------------------------------------------------------------------


def to_string(value: Any) -> str:
    """`String.valueOf(value)`: what Java prints for a template value (and Velocity renders).

    Collections nested at any depth print (past a few dozen levels, with an explicit stack
    rather than recursion, so Python's recursion limit does not apply). A collection that
    holds itself prints `(this Map)` or `(this Collection)`, as Java's do; one that holds
    itself indirectly is an error (Java would overflow its stack).
    """
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
    if kind is dict or kind is list or kind is tuple:
        return _collection_string(value)
    java_string = getattr(kind, "java_string", None)
    if java_string is not None:
        return str(java_string(value))
    if isinstance(value, dict | list | tuple):
        return _collection_string(value)
    if isinstance(value, float):
        return double_to_string(value)
    if isinstance(value, TemplateNamespace):
        return f"{kind.__name__}@{id(value):x}"
    return str(value)


# How deep `_plain_string` goes before it leaves a value to `_walked_string`.
_PLAIN_DEPTH = 32
_SCALARS = frozenset({str, bool, int, float, type(None)})
_COLLECTIONS = (dict, list, tuple)


class _TooDeep(Exception):
    """Raised by `_plain_string` past `_PLAIN_DEPTH`; `_walked_string` then gives the answer."""


def _collection_string(value: dict[Any, Any] | list[Any] | tuple[Any, ...]) -> str:
    """`AbstractMap.toString` / `AbstractCollection.toString`, nested ones included."""
    try:
        return _plain_string(value, 0)
    except _TooDeep:
        return _walked_string(value)


def _plain_string(value: dict[Any, Any] | list[Any] | tuple[Any, ...], depth: int) -> str:
    """The common case, fast: recursion, for values nested less than `_PLAIN_DEPTH` deep.

    A value that holds itself indirectly nests without end, so it too ends up with
    `_walked_string`, which writes the same text for every value written here.
    """
    if depth == _PLAIN_DEPTH:
        raise _TooDeep
    parts = []
    if isinstance(value, dict):
        for key, item in value.items():
            if type(item) in _SCALARS or not isinstance(item, _COLLECTIONS):
                text = to_string(item)
            else:
                text = "(this Map)" if item is value else _plain_string(item, depth + 1)
            parts.append(f"{to_string(key)}={text}")
        return "{" + ", ".join(parts) + "}"
    for item in value:
        if type(item) in _SCALARS or not isinstance(item, _COLLECTIONS):
            parts.append(to_string(item))
        else:
            parts.append("(this Collection)" if item is value else _plain_string(item, depth + 1))
    return "[" + ", ".join(parts) + "]"


_END = object()


class _Frame:
    """One open collection while `_walked_string` walks a value."""

    __slots__ = ("collection", "is_map", "items", "started")

    def __init__(self, collection: Any, items: Iterator[Any], is_map: bool) -> None:
        self.collection = collection
        self.items = items
        self.is_map = is_map
        self.started = False


def _walked_string(value: dict[Any, Any] | list[Any] | tuple[Any, ...]) -> str:
    """`_collection_string` with an explicit stack: for any depth, and for cycles (an error)."""
    out: list[str] = []
    stack: list[_Frame] = []
    open_ids: set[int] = set()

    def enter(collection: Any) -> None:
        if id(collection) in open_ids:
            raise TemplateRuntimeError("Cannot convert a value that contains itself to a String")
        open_ids.add(id(collection))
        is_map = isinstance(collection, dict)
        out.append("{" if is_map else "[")
        items = iter(collection.items()) if is_map else iter(collection)
        stack.append(_Frame(collection, items, is_map))

    def show(item: Any, collection: Any, is_map: bool) -> None:
        if item is collection:
            out.append("(this Map)" if is_map else "(this Collection)")
        elif isinstance(item, dict | list | tuple):
            enter(item)
        else:
            out.append(to_string(item))

    enter(value)
    while stack:
        frame = stack[-1]
        collection, is_map = frame.collection, frame.is_map
        entry: Any = next(frame.items, _END)
        if entry is _END:
            out.append("}" if is_map else "]")
            stack.pop()
            open_ids.discard(id(collection))
            continue
        if frame.started:
            out.append(", ")
        frame.started = True
        if is_map:
            key, item = entry
            out.append(to_string(key))
            out.append("=")
            show(item, collection, is_map)
        else:
            show(entry, collection, is_map)
    return "".join(out)


# --- equals ------------------------------------------------------------------------------------


def java_equals(left: Any, right: Any) -> bool:
    """`Objects.equals(left, right)`: numbers of different classes differ (`1` is not `1.0`,
    not `true`); doubles compare by bits (NaN equals NaN, 0.0 is not -0.0)."""
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


def _map_equals(left: dict[Any, Any], right: dict[Any, Any]) -> bool:
    if left is right:
        return True
    if len(left) != len(right):
        return False
    for key, value in left.items():
        if key not in right or not java_equals(value, right[key]):
            return False
    return True


def _list_equals(left: list[Any] | tuple[Any, ...], right: list[Any] | tuple[Any, ...]) -> bool:
    if left is right:
        return True
    return len(left) == len(right) and all(map(java_equals, left, right))


def java_contains(items: list[Any], value: Any) -> bool:
    """`List.contains` with Java equality."""
    try:
        return any(java_equals(item, value) for item in items)
    except RecursionError:
        raise TemplateRuntimeError("Cannot compare values nested this deeply") from None


# --- class names -------------------------------------------------------------------------------


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


def java_type_name(value: Any) -> str:
    """The Java class a template value stands for, as error messages name it (`Integer`)."""
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


# --- strings -----------------------------------------------------------------------------------


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


def string_hash(text: str) -> int:
    """`String.hashCode()`: over UTF-16 code units, as a signed 32-bit int."""
    code = 0
    units = text.encode("utf-16-be", "surrogatepass")
    for index in range(0, len(units), 2):
        code = (31 * code + ((units[index] << 8) | units[index + 1])) & 0xFFFFFFFF
    return code - (1 << 32) if code > INT_MAX else code


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
        code = string_hash(key) & 0xFFFFFFFF
        return (code ^ (code >> 16)) & mask

    return sorted(keys, key=bucket)
