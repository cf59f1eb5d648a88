"""DynamoDB typed values: request documents → wire JSON, wire JSON → `$ctx.result` values.

Requests arrive already typed (`$util.dynamodb.*`), but in AppSync's looser dialect: numbers
may be JSON numbers (`{"N": 12345}`), `NULL` is `null` rather than `true`, and binaries are
decoded with RFC 2045 rules. Results follow boto3's `TypeDeserializer` adapted to JSON:
numbers become int or float (not Decimal), sets become lists, binaries stay base64.

Why not boto3's `TypeSerializer`/`TypeDeserializer` themselves: they convert between typed
values and Python objects (`Decimal`, `bytes`, `set`), while this path never leaves the wire
JSON. Deserialising with boto3 would decode every binary and build every `Decimal` only to
undo both for `$ctx.result`, and `TypeSerializer` refuses the floats AppSync templates send.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.datasources.base import InvalidRequestError

TYPE_TAGS = frozenset({"S", "N", "B", "SS", "NS", "BS", "BOOL", "NULL", "L", "M"})
_NOT_BASE64 = re.compile(r"[^A-Za-z0-9+/=]")


def _invalid(path: str, why: str) -> InvalidRequestError:
    return InvalidRequestError(f"Invalid typed value at '{path}': {why}")


def _number(value: Any, path: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _invalid(path, "a number is expected.")
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def _binary(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _invalid(path, "a base64 string is expected.")
    return _NOT_BASE64.sub("", value)


def _strings(value: Any, path: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid(path, "a list of strings is expected.")
    return value


def to_wire(value: Any, path: str) -> dict[str, Any]:
    """One typed value in DynamoDB's wire form, or InvalidRequestError naming the path."""
    if not isinstance(value, dict) or len(value) != 1:
        raise _invalid(path, "an object with exactly one type key (S, N, M, ...) is expected.")
    ((tag, inner),) = value.items()
    match tag:
        case "S":
            if not isinstance(inner, str):
                raise _invalid(path, "S takes a string.")
            return value
        case "N":
            return {"N": _number(inner, path)}
        case "B":
            return {"B": _binary(inner, path)}
        case "BOOL":
            if not isinstance(inner, bool):
                raise _invalid(path, "BOOL takes true or false.")
            return value
        case "NULL":
            return {"NULL": True}
        case "SS":
            return {"SS": _strings(inner, path)}
        case "NS":
            if not isinstance(inner, list):
                raise _invalid(path, "NS takes a list of numbers.")
            return {"NS": [_number(v, path) for v in inner]}
        case "BS":
            if not isinstance(inner, list):
                raise _invalid(path, "BS takes a list of base64 strings.")
            return {"BS": [_binary(v, path) for v in inner]}
        case "L":
            if not isinstance(inner, list):
                raise _invalid(path, "L takes a list of typed values.")
            return {"L": [to_wire(v, f"{path}[{i}]") for i, v in enumerate(inner)]}
        case "M":
            return {"M": map_to_wire(inner, path)}
    raise _invalid(path, f"unknown type '{tag}'.")


def map_to_wire(values: Any, path: str) -> dict[str, Any]:
    """A map of attribute name → typed value (a key, an item, expressionValues)."""
    if not isinstance(values, dict):
        raise _invalid(path, "an object of typed values is expected.")
    return {name: to_wire(v, f"{path}.{name}") for name, v in values.items()}


def _plain_number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def to_plain(value: Mapping[str, Any]) -> Any:
    """One wire value as a plain JSON value (`$ctx.result` form)."""
    ((tag, inner),) = value.items()
    match tag:
        case "S" | "B" | "BOOL" | "SS" | "BS":
            return inner
        case "N":
            return _plain_number(inner)
        case "NS":
            return [_plain_number(v) for v in inner]
        case "NULL":
            return None
        case "L":
            return [to_plain(v) for v in inner]
        case "M":
            return item_to_plain(inner)
    raise ValueError(f"unknown DynamoDB type {tag!r}")


def item_to_plain(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: to_plain(v) for name, v in item.items()}


def maybe_item(item: Any) -> dict[str, Any] | None:
    return item_to_plain(item) if isinstance(item, dict) else None
