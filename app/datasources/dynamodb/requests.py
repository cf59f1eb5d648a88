"""Reading DynamoDB request documents strictly, with AppSync's `MappingTemplate` messages.

Every field is checked where it is read; unknown fields are refused so a typo in a template
fails loudly instead of being ignored. Paths are written AppSync's way: `$[condition][expression]`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.datasources.base import InvalidRequestError
from app.datasources.dynamodb.values import map_to_wire

_MISSING: Any = object()
ROOT = "$"
COMMON = frozenset({"version", "operation"})


def child(path: str, name: str | int) -> str:
    return f"{path}[{name}]"


def as_object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidRequestError(f"Expected an object for field '{path}'.")
    return value


def check_fields(doc: dict[str, Any], allowed: Iterable[str], path: str) -> None:
    unknown = sorted(set(doc) - set(allowed))
    if unknown:
        names = ", ".join(f"'{child(path, name)}'" for name in unknown)
        raise InvalidRequestError(f"Unknown field(s) {names} in the DynamoDB request.")


def required(doc: dict[str, Any], name: str, path: str) -> Any:
    value = doc.get(name, _MISSING)
    if value is _MISSING or value is None:
        raise InvalidRequestError(f"Value for field '{child(path, name)}' not found.")
    return value


def string(doc: dict[str, Any], name: str, path: str, *, need: bool = False) -> str | None:
    value = required(doc, name, path) if need else doc.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidRequestError(f"Expected a string for field '{child(path, name)}'.")
    return value


def boolean(doc: dict[str, Any], name: str, path: str, default: bool) -> bool:
    value = doc.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidRequestError(f"Expected a boolean for field '{child(path, name)}'.")
    return value


def integer(doc: dict[str, Any], name: str, path: str) -> int | None:
    value = doc.get(name)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequestError(f"Expected an integer for field '{child(path, name)}'.")
    return value


def one_of(doc: dict[str, Any], name: str, path: str, choices: Iterable[str]) -> str | None:
    value = string(doc, name, path)
    options = tuple(choices)
    if value is not None and value not in options:
        raise InvalidRequestError(
            f"Invalid value '{value}' for field '{child(path, name)}'; "
            f"expected one of {', '.join(options)}."
        )
    return value


def typed_map(doc: dict[str, Any], name: str, path: str, *, need: bool = False) -> dict[str, Any]:
    value = required(doc, name, path) if need else doc.get(name)
    if value is None:
        return {}
    return map_to_wire(value, child(path, name))


def key(doc: dict[str, Any], path: str) -> dict[str, Any]:
    return typed_map(doc, "key", path, need=True)


@dataclass(frozen=True, slots=True)
class Expression:
    """An expression with its placeholders: query, filter, update, condition, projection."""

    text: str
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


def _names(doc: dict[str, Any], path: str) -> dict[str, str]:
    names = doc.get("expressionNames")
    if names is None:
        return {}
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise InvalidRequestError(
            f"Expected an object of strings for field '{child(path, 'expressionNames')}'."
        )
    return names


def expression(
    doc: dict[str, Any],
    name: str,
    path: str,
    *,
    extra: Iterable[str] = (),
    with_values: bool = True,
) -> tuple[Expression, dict[str, Any]] | None:
    """Parse `doc[name]` as an expression block; returns it plus the block for extra fields."""
    raw = doc.get(name)
    if raw is None:
        return None
    where = child(path, name)
    block = as_object(raw, where)
    allowed = {"expression", "expressionNames", *extra}
    if with_values:
        allowed.add("expressionValues")
    check_fields(block, allowed, where)
    text = string(block, "expression", where, need=True)
    assert text is not None
    values = typed_map(block, "expressionValues", where) if with_values else {}
    return Expression(text, _names(block, where), values), block


class ExpressionSet:
    """Collects the placeholders of every expression in one DynamoDB call."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def use(self, expr: Expression) -> str:
        self.names.update(expr.names)
        self.values.update(expr.values)
        return expr.text

    def apply(self, payload: dict[str, Any]) -> dict[str, Any]:
        # DynamoDB refuses empty placeholder maps, so send them only when used.
        if self.names:
            payload["ExpressionAttributeNames"] = self.names
        if self.values:
            payload["ExpressionAttributeValues"] = self.values
        return payload


def projection(doc: dict[str, Any], path: str, exprs: ExpressionSet) -> str | None:
    """A `projection` block's expression, its names registered in `exprs`."""
    parsed = expression(doc, "projection", path, with_values=False)
    return exprs.use(parsed[0]) if parsed else None
