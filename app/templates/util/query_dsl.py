"""OpenSearch (Elasticsearch) query DSL from Amplify-style filter maps.

Each field's operators become clauses (`eq` a `term`, `ne` a `bool.must_not.term`, `range`
an inclusive `range`, `wildcard`, `match`, ...); several clauses, fields or `and` items are
AND-ed with `bool.must`, `or` items go in `bool.should` with `minimum_should_match: 1`, and
`not` wraps in `bool.must_not`. A single clause is used as it is, never wrapped.
"""

from __future__ import annotations

from typing import Any

from app.templates.api import TemplateRuntimeError
from app.templates.java.lang import to_string

_RANGES = {"gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte"}
_LEAVES = {
    "match": "match",
    "matchPhrase": "match_phrase",
    "matchPhrasePrefix": "match_phrase_prefix",
    "multiMatch": "multi_match",
    "wildcard": "wildcard",
    "regexp": "regexp",
}


def query_dsl(conditions: dict[str, Any]) -> dict[str, Any]:
    """The query for a filter map, AND-ing its top-level entries."""
    return _all_of(_clauses(conditions))


def _all_of(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return clauses[0] if len(clauses) == 1 else {"bool": {"must": clauses}}


def _clauses(conditions: Any) -> list[dict[str, Any]]:
    if not isinstance(conditions, dict):
        raise TemplateRuntimeError("Invalid filter: conditions must be a map")
    clauses: list[dict[str, Any]] = []
    for key, value in conditions.items():
        lowered = key.lower()
        if lowered in ("and", "or"):
            if not isinstance(value, list):
                raise TemplateRuntimeError(f"Invalid filter: '{key}' takes a list")
            parts = [_all_of(_clauses(item)) for item in value]
            if lowered == "and":
                clauses.append({"bool": {"must": parts}})
            else:
                clauses.append({"bool": {"should": parts, "minimum_should_match": 1}})
        elif lowered == "not":
            clauses.append({"bool": {"must_not": _all_of(_clauses(value))}})
        else:
            clauses.append(_all_of(_field_clauses(key, value)))
    return clauses


def _field_clauses(field_name: str, operators: Any) -> list[dict[str, Any]]:
    if not isinstance(operators, dict):
        raise TemplateRuntimeError(
            f"Invalid filter: the conditions for '{field_name}' must be a map"
        )
    clauses: list[dict[str, Any]] = []
    for op, value in operators.items():
        if op == "eq":
            clauses.append({"term": {field_name: value}})
        elif op == "ne":
            clauses.append({"bool": {"must_not": {"term": {field_name: value}}}})
        elif op == "range":
            if not isinstance(value, list) or len(value) < 2:
                raise _unsupported(op, value)
            clauses.append({"range": {field_name: {"gte": value[0], "lte": value[1]}}})
        elif op in _RANGES:
            clauses.append({"range": {field_name: {_RANGES[op]: value}}})
        elif op in _LEAVES:
            clauses.append({_LEAVES[op]: {field_name: value}})
        elif op == "exists" and isinstance(value, bool):
            exists = {"exists": {"field": field_name}}
            clauses.append(exists if value else {"bool": {"must_not": exists}})
        else:
            raise _unsupported(op, value)
    return clauses


def _unsupported(op: str, value: Any) -> TemplateRuntimeError:
    return TemplateRuntimeError(
        f"Could not construct an Elasticsearch Query DSL from {op} and {to_string(value)}"
    )
