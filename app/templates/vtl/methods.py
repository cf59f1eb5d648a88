"""The Java methods a template may call on its values, by receiver type.

`$map.put(...)`, `$list.size()`, `$str.split(",")` run Java methods on AppSync; here each
receiver type (dict, list, str, int, float, bool, and the two small Java objects below) has a
table `name -> {arity: function}`. A function returns the Java result, `VOID` for a `void`
method (Velocity renders it as an empty string), or `NO_METHOD` when the arguments fit no
Java overload (Velocity then treats the call as unresolvable: null). Java exceptions are
raised as `JavaError`. Strings are measured and indexed in UTF-16 units, as in Java.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from types import MappingProxyType
from typing import Any

from app.templates.java import regex
from app.templates.java.lang import (
    INT_MAX,
    INT_MIN,
    JavaError,
    int_value,
    java_class_name,
    java_equals,
    java_trim,
    long_value,
    string_hash,
    to_string,
)
from app.templates.vtl.operators import compare_numbers

Method = Callable[..., Any]
Table = dict[str, dict[int, Method]]


class Marker:
    """`VOID` and `NO_METHOD`: results that are not Java values."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


VOID = Marker("VOID")
NO_METHOD = Marker("NO_METHOD")

_NPE = "java.lang.NullPointerException"
_IOOBE = "java.lang.IndexOutOfBoundsException"
_SIOOBE = "java.lang.StringIndexOutOfBoundsException"
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class MapEntry:
    """A live `Map.Entry` from `entrySet()`: `getValue()` reads the map, `setValue()` writes it."""

    __slots__ = ("key", "map")
    java_class = "java.util.LinkedHashMap$Entry"

    def __init__(self, mapping: dict[Any, Any], key: Any) -> None:
        self.map = mapping
        self.key = key

    @property
    def value(self) -> Any:
        return self.map.get(self.key)

    def java_string(self) -> str:
        return f"{to_string(self.key)}={to_string(self.value)}"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, MapEntry)
            and java_equals(self.key, other.key)
            and java_equals(self.value, other.value)
        )

    __hash__ = None  # type: ignore[assignment]


class JavaClass:
    """What `$x.class` / `$x.getClass()` returns: only its names are reachable."""

    __slots__ = ("name",)
    java_class = "java.lang.Class"

    def __init__(self, name: str) -> None:
        self.name = name

    def java_string(self) -> str:
        return f"class {self.name}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, JavaClass) and other.name == self.name

    __hash__ = None  # type: ignore[assignment]


# --- argument checks ---------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    """Fits a Java `int` parameter (an Integer argument; Long and Double do not convert)."""
    return type(value) is int and INT_MIN <= value <= INT_MAX


def _string_arg(value: Any) -> bool:
    """Fits a String/CharSequence parameter; null throws, as the Java method would."""
    if value is None:
        raise JavaError(_NPE, "")
    return type(value) is str


def _units(text: str) -> str:
    """`text` as UTF-16 code units (astral characters become surrogate pairs)."""
    if text.isascii() or not _ASTRAL.search(text):
        return text
    return "".join(
        char
        if ord(char) < 0x10000
        else chr(0xD800 + ((ord(char) - 0x10000) >> 10))
        + chr(0xDC00 + ((ord(char) - 0x10000) & 0x3FF))
        for char in text
    )


def _from_units(units: str) -> str:
    """Join surrogate pairs back into characters (a lone surrogate stays as it is)."""
    if units.isascii():
        return units
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _key(value: Any) -> Hashable:
    if type(value) is str or isinstance(value, Hashable):
        return value
    raise JavaError("java.lang.UnsupportedOperationException", "a List or Map cannot be a map key")


# --- java.lang.Object --------------------------------------------------------------------------


def _to_string(receiver: Any) -> str:
    return to_string(receiver)


def _equals(receiver: Any, other: Any) -> bool:
    return other is not None and java_equals(receiver, other)


def _get_class(receiver: Any) -> JavaClass:
    return JavaClass(java_class_name(receiver))


_OBJECT: Table = {
    "toString": {0: _to_string},
    "equals": {1: _equals},
    "getClass": {0: _get_class},
}

# --- java.lang.String --------------------------------------------------------------------------


def _length(s: str) -> int:
    return len(_units(s))


def _substring(s: str, begin: Any, end: Any = None) -> Any:
    if not _is_int(begin) or (end is not None and not _is_int(end)):
        return NO_METHOD
    units = _units(s)
    stop = len(units) if end is None else end
    if begin < 0:
        raise JavaError(_SIOOBE, f"String index out of range: {begin}")
    if stop > len(units):
        raise JavaError(_SIOOBE, f"String index out of range: {stop}")
    if stop - begin < 0:
        raise JavaError(_SIOOBE, f"String index out of range: {stop - begin}")
    return _from_units(units[begin:stop])


def _substring2(s: str, begin: Any, end: Any) -> Any:
    if end is None:
        return NO_METHOD
    return _substring(s, begin, end)


def _needle(value: Any) -> str | None:
    if _is_int(value):
        return _units(chr(value)) if 0 <= value <= 0x10FFFF else None
    if _string_arg(value):
        return _units(value)
    return None


def _index_of(s: str, what: Any, start: Any = 0) -> Any:
    needle = _needle(what)
    if needle is None or not _is_int(start):
        return NO_METHOD
    units = _units(s)
    return units.find(needle, min(max(start, 0), len(units)))


def _last_index_of(s: str, what: Any, start: Any = None) -> Any:
    needle = _needle(what)
    if needle is None or (start is not None and not _is_int(start)):
        return NO_METHOD
    units = _units(s)
    if start is None:
        return units.rfind(needle)
    if start < 0:
        return -1
    return units.rfind(needle, 0, min(start, len(units)) + len(needle))


def _last_index_of2(s: str, what: Any, start: Any) -> Any:
    if start is None:
        return NO_METHOD
    return _last_index_of(s, what, start)


def _char_at(s: str, index: Any) -> Any:
    if not _is_int(index):
        return NO_METHOD
    units = _units(s)
    if not 0 <= index < len(units):
        raise JavaError(_SIOOBE, f"String index out of range: {index}")
    return units[index]


def _string_fn(fn: Callable[..., Any]) -> Method:
    """A method whose every argument is a String/CharSequence."""

    def method(s: str, *args: Any) -> Any:
        for arg in args:
            if not _string_arg(arg):
                return NO_METHOD
        return fn(s, *args)

    return method


def _starts_with(s: str, prefix: Any, offset: Any = 0) -> Any:
    if not _string_arg(prefix) or not _is_int(offset):
        return NO_METHOD
    units = _units(s)
    return 0 <= offset <= len(units) and units.startswith(_units(prefix), offset)


def _equals_ignore_case(s: str, other: Any) -> Any:
    if other is None:
        return False
    if type(other) is not str:
        return NO_METHOD
    return len(s) == len(other) and all(
        a == b or a.upper() == b.upper() or a.lower() == b.lower()
        for a, b in zip(s, other, strict=True)
    )


def _compare_to(s: str, other: Any, fold: bool = False) -> Any:
    if not _string_arg(other):
        return NO_METHOD
    left, right = _units(s), _units(other)
    if fold:
        left, right = left.upper().lower(), right.upper().lower()
    for a, b in zip(left, right, strict=False):
        if a != b:
            return ord(a) - ord(b)
    return len(left) - len(right)


def _split(s: str, pattern: Any, limit: Any = 0) -> Any:
    if not _string_arg(pattern) or not _is_int(limit):
        return NO_METHOD
    return regex.split(s, pattern, limit)


_STRING: Table = {
    **_OBJECT,
    "length": {0: _length},
    "isEmpty": {0: lambda s: s == ""},
    "substring": {1: _substring, 2: _substring2},
    "indexOf": {1: _index_of, 2: _index_of},
    "lastIndexOf": {1: _last_index_of, 2: _last_index_of2},
    "charAt": {1: _char_at},
    "toUpperCase": {0: str.upper},
    "toLowerCase": {0: str.lower},
    "trim": {0: java_trim},
    "startsWith": {1: _starts_with, 2: _starts_with},
    "endsWith": {1: _string_fn(lambda s, suffix: s.endswith(suffix))},
    "contains": {1: _string_fn(lambda s, part: part in s)},
    "concat": {1: _string_fn(lambda s, other: s + other)},
    "replace": {2: _string_fn(lambda s, old, new: s.replace(old, new))},
    "replaceAll": {2: _string_fn(lambda s, rx, rep: regex.replace(s, rx, rep, 0))},
    "replaceFirst": {2: _string_fn(lambda s, rx, rep: regex.replace(s, rx, rep, 1))},
    "matches": {1: _string_fn(regex.matches)},
    "split": {1: _split, 2: _split},
    "equalsIgnoreCase": {1: _equals_ignore_case},
    "compareTo": {1: _compare_to},
    "compareToIgnoreCase": {1: lambda s, other: _compare_to(s, other, True)},
    "hashCode": {0: string_hash},
    "intern": {0: lambda s: s},
}

# --- java.util.List (ArrayList) ----------------------------------------------------------------


def _check_index(items: list[Any], index: int) -> None:
    if index >= len(items):
        raise JavaError(_IOOBE, f"Index: {index}, Size: {len(items)}")
    if index < 0:
        raise JavaError("java.lang.ArrayIndexOutOfBoundsException", str(index))


def _list_get(items: list[Any], index: Any) -> Any:
    if not _is_int(index):
        return NO_METHOD
    _check_index(items, index)
    return items[index]


def _list_set(items: list[Any], index: Any, value: Any) -> Any:
    if not _is_int(index):
        return NO_METHOD
    _check_index(items, index)
    old = items[index]
    items[index] = value
    return old


def _list_add(items: list[Any], *args: Any) -> Any:
    if len(args) == 1:
        items.append(args[0])
        return True
    index, value = args
    if not _is_int(index):
        return NO_METHOD
    if not 0 <= index <= len(items):
        raise JavaError(_IOOBE, f"Index: {index}, Size: {len(items)}")
    items.insert(index, value)
    return VOID


def _collection(value: Any) -> list[Any] | None:
    if value is None:
        raise JavaError(_NPE, "")
    if isinstance(value, list | tuple):
        return list(value)
    return None


def _list_add_all(items: list[Any], *args: Any) -> Any:
    other = _collection(args[-1])
    if other is None:
        return NO_METHOD
    if len(args) == 1:
        items.extend(other)
    else:
        index = args[0]
        if not _is_int(index):
            return NO_METHOD
        if not 0 <= index <= len(items):
            raise JavaError(_IOOBE, f"Index: {index}, Size: {len(items)}")
        items[index:index] = other
    return bool(other)


def _list_index_of(items: list[Any], value: Any) -> int:
    for index, item in enumerate(items):
        if java_equals(value, item):
            return index
    return -1


def _list_last_index_of(items: list[Any], value: Any) -> int:
    for index in range(len(items) - 1, -1, -1):
        if java_equals(value, items[index]):
            return index
    return -1


def _list_remove(items: list[Any], value: Any) -> Any:
    if _is_int(value):
        _check_index(items, value)
        return items.pop(value)
    index = _list_index_of(items, value)
    if index < 0:
        return False
    del items[index]
    return True


def _list_filter(items: list[Any], other: Any, keep: bool) -> Any:
    values = _collection(other)
    if values is None:
        return NO_METHOD
    kept = [item for item in items if (_list_index_of(values, item) >= 0) == keep]
    changed = len(kept) != len(items)
    items[:] = kept
    return changed


def _list_contains_all(items: list[Any], other: Any) -> Any:
    values = _collection(other)
    if values is None:
        return NO_METHOD
    return all(_list_index_of(items, value) >= 0 for value in values)


def _sub_list(items: list[Any], start: Any, stop: Any) -> Any:
    if not _is_int(start) or not _is_int(stop):
        return NO_METHOD
    if start < 0:
        raise JavaError(_IOOBE, f"fromIndex = {start}")
    if stop > len(items):
        raise JavaError(_IOOBE, f"toIndex = {stop}")
    if start > stop:
        raise JavaError(
            "java.lang.IllegalArgumentException", f"fromIndex({start}) > toIndex({stop})"
        )
    return items[start:stop]


def _clear(container: list[Any] | dict[Any, Any]) -> Any:
    container.clear()
    return VOID


_LIST: Table = {
    **_OBJECT,
    "size": {0: len},
    "isEmpty": {0: lambda items: not items},
    "get": {1: _list_get},
    "set": {2: _list_set},
    "add": {1: _list_add, 2: _list_add},
    "addAll": {1: _list_add_all, 2: _list_add_all},
    "remove": {1: _list_remove},
    "removeAll": {1: lambda items, other: _list_filter(items, other, False)},
    "retainAll": {1: lambda items, other: _list_filter(items, other, True)},
    "contains": {1: lambda items, value: _list_index_of(items, value) >= 0},
    "containsAll": {1: _list_contains_all},
    "indexOf": {1: _list_index_of},
    "lastIndexOf": {1: _list_last_index_of},
    "clear": {0: _clear},
    "subList": {2: _sub_list},
}

# --- java.util.Map (LinkedHashMap) -------------------------------------------------------------


def _map_get(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if type(key) is str or isinstance(key, Hashable) else None


def _map_put(mapping: dict[Any, Any], key: Any, value: Any) -> Any:
    key = _key(key)
    old = mapping.get(key)
    mapping[key] = value
    return old


def _map_put_all(mapping: dict[Any, Any], other: Any) -> Any:
    if other is None:
        raise JavaError(_NPE, "")
    if not isinstance(other, dict):
        return NO_METHOD
    mapping.update(other)
    return VOID


def _map_remove(mapping: dict[Any, Any], key: Any, *value: Any) -> Any:
    if not isinstance(key, Hashable):
        return None if not value else False
    if value:
        if key in mapping and java_equals(mapping[key], value[0]):
            del mapping[key]
            return True
        return False
    return mapping.pop(key, None)


def _map_get_or_default(mapping: dict[Any, Any], key: Any, default: Any) -> Any:
    if isinstance(key, Hashable) and key in mapping:
        return mapping[key]
    return default


def _map_put_if_absent(mapping: dict[Any, Any], key: Any, value: Any) -> Any:
    current = _map_get(mapping, key)
    if current is None:
        mapping[_key(key)] = value
    return current


def _map_replace(mapping: dict[Any, Any], key: Any, value: Any) -> Any:
    if isinstance(key, Hashable) and key in mapping:
        old = mapping[key]
        mapping[key] = value
        return old
    return None


_MAP: Table = {
    **_OBJECT,
    "size": {0: len},
    "isEmpty": {0: lambda mapping: not mapping},
    "get": {1: _map_get},
    "put": {2: _map_put},
    "putAll": {1: _map_put_all},
    "remove": {1: _map_remove, 2: _map_remove},
    "containsKey": {1: lambda mapping, key: isinstance(key, Hashable) and key in mapping},
    "containsValue": {
        1: lambda mapping, value: any(java_equals(value, item) for item in mapping.values())
    },
    "keySet": {0: lambda mapping: list(mapping)},
    "values": {0: lambda mapping: list(mapping.values())},
    "entrySet": {0: lambda mapping: [MapEntry(mapping, key) for key in mapping]},
    "getOrDefault": {2: _map_get_or_default},
    "putIfAbsent": {2: _map_put_if_absent},
    "replace": {2: _map_replace},
    "clear": {0: _clear},
}

# --- java.lang.Integer / Long / Double / Boolean -----------------------------------------------


def _number_compare(number: Any, other: Any) -> Any:
    if other is None:
        raise JavaError(_NPE, "")
    if type(other) is not type(number):
        return NO_METHOD
    return compare_numbers(number, other)


_NUMBER: Table = {
    **_OBJECT,
    "intValue": {0: int_value},
    "longValue": {0: long_value},
    "shortValue": {0: lambda number: (int_value(number) + 2**15) % 2**16 - 2**15},
    "byteValue": {0: lambda number: (int_value(number) + 2**7) % 2**8 - 2**7},
    "doubleValue": {0: float},
    "floatValue": {0: float},
    "compareTo": {1: _number_compare},
}
_INT: Table = {**_NUMBER, "hashCode": {0: int_value}}
_FLOAT: Table = {
    **_NUMBER,
    "isNaN": {0: lambda number: number != number},
    "isInfinite": {0: lambda number: number in (float("inf"), float("-inf"))},
}
_BOOL: Table = {
    **_OBJECT,
    "booleanValue": {0: lambda flag: flag},
    "compareTo": {1: lambda flag, other: _number_compare(flag, other)},
    "hashCode": {0: lambda flag: 1231 if flag else 1237},
}

# --- the two small Java objects ----------------------------------------------------------------


def _entry_set_value(entry: MapEntry, value: Any) -> Any:
    old = entry.value
    entry.map[entry.key] = value
    return old


_ENTRY: Table = {
    **_OBJECT,
    "getKey": {0: lambda entry: entry.key},
    "getValue": {0: lambda entry: entry.value},
    "setValue": {1: _entry_set_value},
}
_CLASS: Table = {
    **_OBJECT,
    "getName": {0: lambda cls: cls.name},
    "getSimpleName": {0: lambda cls: cls.name.rsplit(".", 1)[-1].rsplit("$", 1)[-1]},
}

TABLES: Mapping[type, Table] = MappingProxyType(
    {
        str: _STRING,
        list: _LIST,
        dict: _MAP,
        int: _INT,
        float: _FLOAT,
        bool: _BOOL,
        MapEntry: _ENTRY,
        JavaClass: _CLASS,
    }
)


def table_for(value: Any) -> Table | None:
    """The method table for a value (also for subclasses of the JSON types)."""
    table = TABLES.get(type(value))
    if table is not None:
        return table
    for base in (bool, str, dict, list, int, float):
        if isinstance(value, base):
            return TABLES[base]
    return None
