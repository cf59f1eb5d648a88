"""JSON as AppSync's Jackson `ObjectMapper` writes and reads it.

`$util.toJson` output ends up byte-for-byte in resolver requests and responses, so it follows
Jackson's defaults rather than Python's `json`: compact separators, doubles printed by
`Double.toString` (`1.0`, `1.0E10`), non-ASCII written as is, `/` not escaped, control
characters as `\\u00XX` (upper-case hex) except the short escapes, NaN and infinities quoted.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from app.templates.api import TemplateRuntimeError
from app.templates.java.lang import double_to_string, java_type_name

# Jackson's default nesting limit for writing (StreamWriteConstraints, 2.16+) and reading.
MAX_DEPTH = 1000

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r"}
_SHORT_ESCAPES["\t"] = "\\t"
_ESCAPES = {chr(code): f"\\u{code:04X}" for code in range(0x20)} | _SHORT_ESCAPES
_NEEDS_ESCAPE = frozenset(_ESCAPES)


def quote(text: str) -> str:
    """A JSON string literal the way Jackson's generator writes it."""
    if _NEEDS_ESCAPE.isdisjoint(text):
        return f'"{text}"'
    return '"' + "".join(_ESCAPES.get(char, char) for char in text) + '"'


def to_json(value: Any) -> str:
    """`$util.toJson`: serialize a template value with Jackson's rules and key order."""
    out: list[str] = []
    try:
        _write_plain(value, out, 0)
    except _NotPlain:
        return _to_json_checked(value)
    return "".join(out)


# How deep `_write_plain` goes before it leaves a value to `_to_json_checked`.
_PLAIN_DEPTH = 32


class _NotPlain(Exception):
    """A value the fast path leaves to `_to_json_checked` (it then gives the answer)."""


def _write_plain(value: Any, out: list[str], depth: int) -> None:
    """The common case, fast: exact JSON types, string keys, finite doubles, shallow nesting.

    Anything else raises `_NotPlain` (a cycle, being deep, raises it at `_PLAIN_DEPTH`), and
    `to_json` starts again with `_to_json_checked`, which writes the same text for every
    value written here and also makes the errors.
    """
    kind = type(value)
    if kind is str:
        out.append(quote(value))
    elif kind is dict:
        if depth == _PLAIN_DEPTH:
            raise _NotPlain
        separator = "{"
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            out.append(f"{separator}{quote(key)}:")
            separator = ","
            _write_plain(item, out, depth + 1)
        out.append("{}" if separator == "{" else "}")
    elif kind is list or kind is tuple:
        if depth == _PLAIN_DEPTH:
            raise _NotPlain
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write_plain(item, out, depth + 1)
        out.append("]")
    elif value is None:
        out.append("null")
    elif kind is bool:
        out.append("true" if value else "false")
    elif kind is int:
        out.append(str(value))
    elif kind is float and not (math.isnan(value) or math.isinf(value)):
        out.append(double_to_string(value))
    else:
        raise _NotPlain


def _to_json_checked(value: Any) -> str:
    """`to_json` for any value: cycles, nesting depth and unsupported types are errors."""
    out: list[str] = []
    # Each frame is an iterator of pending output pieces and values, so nesting depth is
    # bounded by MAX_DEPTH rather than by Python's recursion limit.
    stack: list[Iterator[Any]] = [iter((value,))]
    open_ids: list[int] = []
    while stack:
        item = next(stack[-1], _END)
        if item is _END:
            stack.pop()
            if open_ids:
                open_ids.pop()
            continue
        if isinstance(item, _Raw):
            out.append(item.text)
            continue
        if isinstance(item, dict | list | tuple):
            if id(item) in open_ids:
                raise TemplateRuntimeError("Cannot serialize a value that contains itself to JSON")
            if len(open_ids) >= MAX_DEPTH:
                raise TemplateRuntimeError(
                    f"Cannot serialize to JSON: nesting depth exceeds the maximum of {MAX_DEPTH}"
                )
            open_ids.append(id(item))
            stack.append(_map_pieces(item) if isinstance(item, dict) else _list_pieces(item))
            continue
        out.append(_scalar_json(item))
    return "".join(out)


class _Raw:
    """Literal output text interleaved with values in a serialization frame."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_END = object()
_OPEN_MAP, _CLOSE_MAP = _Raw("{"), _Raw("}")
_OPEN_LIST, _CLOSE_LIST = _Raw("["), _Raw("]")
_COMMA = _Raw(",")


def _map_pieces(mapping: dict[Any, Any]) -> Iterator[Any]:
    yield _OPEN_MAP
    for index, (key, item) in enumerate(mapping.items()):
        name = key if isinstance(key, str) else _key_string(key)
        yield _Raw(("," if index else "") + quote(name) + ":")
        yield item
    yield _CLOSE_MAP


def _list_pieces(items: list[Any] | tuple[Any, ...]) -> Iterator[Any]:
    yield _OPEN_LIST
    for index, item in enumerate(items):
        if index:
            yield _COMMA
        yield item
    yield _CLOSE_LIST


def _key_string(key: Any) -> str:
    if key is None:
        # Jackson's default null-key serializer refuses.
        raise TemplateRuntimeError("Cannot serialize a map with a null key to JSON")
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, float):
        return double_to_string(key)
    if isinstance(key, int):
        return str(key)
    raise TemplateRuntimeError(f"Cannot serialize a map key of type {java_type_name(key)}")


def _scalar_json(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = double_to_string(value)
        return f'"{text}"' if math.isnan(value) or math.isinf(value) else text
    raise TemplateRuntimeError(f"Cannot serialize a value of type {type(value).__name__} to JSON")


def parse_json(text: str) -> Any:
    """`$util.parseJson`: read one JSON value as Jackson's `ObjectMapper.readValue` does.

    Jackson rejects NaN/Infinity literals, comments and single quotes, keeps the last of
    duplicate keys, and by default ignores anything after the first complete value.
    """
    start = _skip_whitespace(text, 0)
    if start == len(text):
        raise TemplateRuntimeError("Unable to parse JSON document: no content to map")
    decoder = json.JSONDecoder(parse_constant=_reject_constant)
    try:
        value, end = decoder.raw_decode(text, start)
    except (ValueError, RecursionError) as error:
        raise TemplateRuntimeError(f"Unable to parse JSON document: {error}") from None
    if end < len(text) and not isinstance(value, str | dict | list) and text[end] not in " \t\r\n":
        # Jackson needs a space after a root-level number or literal (`01`, `1x`, `truex`).
        raise TemplateRuntimeError(
            f"Unable to parse JSON document: unexpected character {text[end]!r} after a root value"
        )
    return value


def _skip_whitespace(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Non-standard token '{name}'")
