"""Enhanced subscription filters: building them from filter maps (`toSubscriptionFilter`).

A filter is `{"filterGroup": [{"filters": [{"fieldName", "operator", "value"}, ...]}, ...]}`:
filters inside one group are AND-ed, groups are OR-ed. `to_subscription_filter` expands
`and`/`or` nesting and several operators on one field (which are OR-ed) into that shape as a
cross product, in the input's key order. The rules a document must follow (operators, AppSync's
limits) live with its evaluation, in `app.realtime.filters`.
"""

from __future__ import annotations

from itertools import product
from typing import Any

from app.realtime.filters import FilterError, compile_filter
from app.templates.api import TemplateRuntimeError

Conjunction = list[dict[str, Any]]


def to_subscription_filter(
    conditions: dict[str, Any],
    ignored_fields: list[Any] | None = None,
    rules: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`$util.transform.toSubscriptionFilter` with its optional second and third arguments.

    `ignored_fields` drops those field names wherever they appear. Each entry of `rules` is a
    field with exactly one operator; every group is repeated once per rule with that rule
    added, so at least one rule must hold.
    """
    ignored = frozenset(name for name in ignored_fields or () if isinstance(name, str))
    groups = _alternatives(conditions, ignored)
    if rules:
        strict = [_rule(name, operators) for name, operators in rules.items()]
        groups = [[*group, rule] for group in groups for rule in strict]
    return {"filterGroup": [{"filters": group} for group in groups if group]}


def _alternatives(conditions: Any, ignored: frozenset[str]) -> list[Conjunction]:
    """The OR-ed conjunctions a filter map stands for."""
    if not isinstance(conditions, dict):
        raise TemplateRuntimeError("Invalid subscription filter: conditions must be a map")
    result: list[Conjunction] = [[]]
    for key, value in conditions.items():
        if key in ("and", "or"):
            if not isinstance(value, list):
                raise TemplateRuntimeError(f"Invalid subscription filter: '{key}' takes a list")
            parts = [_alternatives(item, ignored) for item in value]
            if key == "and":
                options: list[Conjunction] = [[]]
                for part in parts:
                    options = _cross(options, part)
            else:
                # An alternative made only of ignored fields is dropped, not always true.
                options = [option for part in parts for option in part if option] or [[]]
        elif key in ignored:
            continue
        else:
            if not isinstance(value, dict):
                raise TemplateRuntimeError(
                    f"Invalid subscription filter: the conditions for '{key}' must be a map"
                )
            options = [[_filter(key, op, operand)] for op, operand in value.items()]
        result = _cross(result, options)
    return result


def _cross(left: list[Conjunction], right: list[Conjunction]) -> list[Conjunction]:
    return [a + b for a, b in product(left, right)]


def _filter(field_name: str, op: str, value: Any) -> dict[str, Any]:
    return {"fieldName": field_name, "operator": op, "value": value}


def _rule(field_name: str, operators: Any) -> dict[str, Any]:
    if field_name in ("and", "or") or not isinstance(operators, dict) or len(operators) != 1:
        raise TemplateRuntimeError(
            f"Invalid subscription filter rule '{field_name}': a rule is one field with exactly "
            "one operator"
        )
    ((op, value),) = operators.items()
    return _filter(field_name, op, value)


def validate_subscription_filter(method: str, document: Any) -> None:
    """Check a filter document's shape and AppSync's enhanced-filtering limits.

    The check is compiling it as the real-time engine will, so a template learns of a bad
    filter where it sets it, with the same rules the engine applies.
    """
    try:
        compile_filter(document)
    except FilterError as error:
        raise TemplateRuntimeError(f"{method}: {error}") from error
