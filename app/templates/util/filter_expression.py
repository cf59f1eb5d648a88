"""DynamoDB filter and condition expressions from Amplify-style filter maps.

`{"title": {"contains": "Hello"}, "or": [{"a": {"eq": 1}}, {"b": {"gt": 2}}]}` becomes
`{expression, expressionNames, expressionValues}` with names `#field` and values
`:field_op`. Inside `and`/`or` lists a value name is prefixed with the list and the item's
index (`:or_0_a_eq`), and inside `not` with `not` (`:not_a_eq`), so every value is unique;
several conditions under one field or list are parenthesised. This is the naming the Amplify
AppSync simulator uses and Amplify-generated resolvers rely on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.templates.api import TemplateRuntimeError
from app.templates.util.dynamodb import to_dynamodb

_COMPARISONS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_FUNCTIONS = {"contains": "contains", "notContains": "NOT contains", "beginsWith": "begins_with"}
_LOGICAL = ("and", "or", "not")
# Amplify's ModelAttributeTypes names for DynamoDB's attribute_type codes.
_ATTRIBUTE_TYPES = {
    "binary": "B",
    "binarySet": "BS",
    "bool": "BOOL",
    "list": "L",
    "map": "M",
    "number": "N",
    "numberSet": "NS",
    "string": "S",
    "stringSet": "SS",
    "_null": "NULL",
}
_OPERATORS = frozenset(
    {*_COMPARISONS, *_FUNCTIONS, "between", "in", "attributeExists", "attributeType", "size"}
)


@dataclass(slots=True)
class Expression:
    """Expression parts to be joined with spaces, and the names and values they use."""

    parts: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)

    def merge(self, other: Expression, joiner: str = "AND") -> Expression:
        if not other.parts:
            return self
        parts = [*self.parts, joiner, *other.parts] if self.parts else list(other.parts)
        return Expression(parts, self.names | other.names, self.values | other.values)

    def scoped(self) -> Expression:
        """One part; parenthesised when it joins several conditions."""
        if len(self.parts) > 1:
            return Expression(["(" + " ".join(self.parts) + ")"], self.names, self.values)
        return self

    def document(self) -> dict[str, Any]:
        return {
            "expression": " ".join(self.parts),
            "expressionNames": self.names,
            "expressionValues": self.values,
        }


def filter_expression(conditions: dict[str, Any]) -> dict[str, Any]:
    """The `{expression, expressionNames, expressionValues}` document for a filter map."""
    return _build(conditions, None, None).document()


def _join(*parts: str | int | None) -> str:
    return "_".join(str(part) for part in parts if part is not None and part != "")


def _build(conditions: Any, prefix: str | None, parent: str | None) -> Expression:
    if not isinstance(conditions, dict):
        raise TemplateRuntimeError(
            f"Invalid filter: the conditions for '{parent or 'the filter'}' must be a map"
        )
    result = Expression()
    for name, value in conditions.items():
        if name in ("and", "or"):
            part = _logical(name, value, prefix)
        elif name == "not":
            inner = _build(value, _join(prefix, name), None).scoped()
            part = Expression(["NOT", *inner.parts], inner.names, inner.values)
        elif name in _OPERATORS:
            if parent is None:
                raise TemplateRuntimeError(f"Invalid filter: operator '{name}' needs a field")
            part = _condition(parent, name, value, prefix)
        else:
            part = _build(value, prefix, name).scoped()
        result = result.merge(part)
    return result


def _logical(name: str, value: Any, prefix: str | None) -> Expression:
    if not isinstance(value, list):
        return _build(value, _join(prefix, name), None)
    combined = Expression()
    for index, item in enumerate(value):
        combined = combined.merge(_build(item, _join(prefix, name, index), None), name.upper())
    return combined.scoped()


def _condition(field_name: str, op: str, value: Any, prefix: str | None) -> Expression:
    name_ref = f"#{field_name}"
    value_ref = ":" + _join(prefix, field_name, op)
    names = {name_ref: field_name}
    if op in _COMPARISONS:
        text = f"{name_ref} {_COMPARISONS[op]} {value_ref}"
    elif op in _FUNCTIONS:
        text = f"{_FUNCTIONS[op]}({name_ref}, {value_ref})"
    elif op == "in":
        text = f"contains({value_ref}, {name_ref})"
    elif op == "between":
        return _between(name_ref, names, value_ref, value)
    elif op == "attributeExists":
        function = "attribute_exists" if value is True else "attribute_not_exists"
        return Expression([f"{function}({name_ref})"], names)
    elif op == "attributeType":
        text = f"attribute_type({name_ref}, {value_ref})"
        value = _ATTRIBUTE_TYPES.get(value, value) if isinstance(value, str) else value
    else:
        return _size(name_ref, names, value_ref, value)
    return Expression([text], names, {value_ref: to_dynamodb(value)})


def _between(subject: str, names: dict[str, str], value_ref: str, value: Any) -> Expression:
    if not isinstance(value, list) or len(value) != 2:
        raise TemplateRuntimeError("Invalid filter: 'between' takes a list of two values")
    low, high = f"{value_ref}_1", f"{value_ref}_2"
    values = {low: to_dynamodb(value[0]), high: to_dynamodb(value[1])}
    return Expression([f"{subject} BETWEEN {low} AND {high}"], names, values)


def _size(name_ref: str, names: dict[str, str], value_ref: str, value: Any) -> Expression:
    if not isinstance(value, dict):
        raise TemplateRuntimeError("Invalid filter: 'size' takes a map of comparisons")
    subject = f"size({name_ref})"
    result = Expression()
    for op, operand in value.items():
        if op == "between":
            part = _between(subject, names, f"{value_ref}_{op}", operand)
        elif op in _COMPARISONS:
            ref = f"{value_ref}_{op}"
            part = Expression(
                [f"{subject} {_COMPARISONS[op]} {ref}"], names, {ref: to_dynamodb(operand)}
            )
        else:
            raise TemplateRuntimeError(f"Invalid filter: unsupported size operator '{op}'")
        result = result.merge(part)
    return result.scoped()
