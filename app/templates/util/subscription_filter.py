"""Enhanced subscription filters: building them from filter maps, and checking AppSync's limits.

A filter is `{"filterGroup": [{"filters": [{"fieldName", "operator", "value"}, ...]}, ...]}`:
filters inside one group are AND-ed, groups are OR-ed. `to_subscription_filter` expands
`and`/`or` nesting and several operators on one field (which are OR-ed) into that shape as a
cross product, in the input's key order.
"""

from __future__ import annotations

from itertools import product
from typing import Any

from app.templates.api import TemplateRuntimeError

OPERATORS = frozenset(
    {"eq", "ne", "le", "lt", "ge", "gt", "contains", "notContains", "beginsWith", "in", "notIn"}
    | {"between", "containsAny"}
)
# AppSync's `toSubscriptionFilter` example feeds `lte`/`gte` through unchanged; accept them
# as the spellings of `le`/`ge` so a documented template is not refused.
OPERATOR_ALIASES = {"lte": "le", "gte": "ge"}
MAX_GROUPS = 10
MAX_FIELDS_PER_GROUP = 5
MAX_IN_VALUES = 5
MAX_CONTAINS_ANY_VALUES = 20
MAX_FIELD_NAME_LENGTH = 256

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
    """Check a filter document's shape and AppSync's enhanced-filtering limits."""
    if not isinstance(document, dict) or not isinstance(document.get("filterGroup"), list):
        raise _invalid(method, 'the filter must be a map with a "filterGroup" list')
    expanded = 0
    for group in document["filterGroup"]:
        filters = group.get("filters") if isinstance(group, dict) else None
        if not isinstance(filters, list) or not filters:
            raise _invalid(method, 'every filter group needs a non-empty "filters" list')
        names = set()
        combinations = 1
        for item in filters:
            names.add(_check_filter(method, item))
            if item["operator"] == "in":
                combinations *= len(item["value"])
        if len(names) > MAX_FIELDS_PER_GROUP:
            raise _invalid(method, f"at most {MAX_FIELDS_PER_GROUP} fields per filter group")
        expanded += combinations
    if expanded > MAX_GROUPS:
        raise _invalid(method, f"at most {MAX_GROUPS} filters per filterGroup, OR expanded")


def _check_filter(method: str, item: Any) -> str:
    if not isinstance(item, dict) or not {"fieldName", "operator"} <= item.keys():
        raise _invalid(method, 'every filter needs "fieldName", "operator" and "value"')
    name, op, value = item["fieldName"], item["operator"], item.get("value")
    if not isinstance(name, str) or not name or len(name) > MAX_FIELD_NAME_LENGTH:
        raise _invalid(method, f"field names must be 1 to {MAX_FIELD_NAME_LENGTH} characters")
    if op not in OPERATORS and op not in OPERATOR_ALIASES:
        raise _invalid(method, f"unsupported operator '{op}'")
    if op in ("in", "notIn") and (not isinstance(value, list) or len(value) > MAX_IN_VALUES):
        raise _invalid(method, f"'{op}' takes a list of at most {MAX_IN_VALUES} values")
    if op == "containsAny" and (
        not isinstance(value, list) or len(value) > MAX_CONTAINS_ANY_VALUES
    ):
        limit = MAX_CONTAINS_ANY_VALUES
        raise _invalid(method, f"'containsAny' takes a list of at most {limit} values")
    if op == "between" and (not isinstance(value, list) or len(value) != 2):
        raise _invalid(method, "'between' takes a list of two values")
    return name


def _invalid(method: str, problem: str) -> TemplateRuntimeError:
    return TemplateRuntimeError(f"{method}: invalid subscription filter: {problem}")
