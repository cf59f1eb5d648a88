"""`top_hits`: the best documents of each bucket, found after the buckets are known.

tantivy's own top_hits returns field values, not documents; OpenSearch's returns hits as a
search does. So an aggregation answer is walked once the buckets are counted: each
`top_hits` gets the search's query narrowed to its bucket (a term, an interval, a range, a
filter) and a small search runs on it. `hits_for(query, options)` is that search, provided
by the caller (it shapes hits exactly as the search response does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any, Final

import tantivy

from app.searchengine.dates import add_units
from app.searchengine.errors import parsing, unsupported
from app.searchengine.mapping import EPOCH, FieldKind, FieldMapping

HitsFor = Callable[[tantivy.Query, Mapping[str, Any]], dict[str, Any]]
OPTIONS: Final = frozenset({"size", "from", "sort", "_source"})
_UNIT_STEP: Final[Mapping[str, tuple[int, str]]] = {"M": (1, "M"), "q": (3, "M"), "y": (1, "y")}


def check_options(options: Any) -> Mapping[str, Any]:
    """A `top_hits` request: size, from, sort and _source; other options are refused."""
    if not isinstance(options, Mapping):
        raise parsing("Expected [START_OBJECT] under [top_hits]")
    for key in options:
        if key not in OPTIONS:
            raise unsupported(f"[{key}] on the [top_hits] aggregation")
    for key in ("size", "from"):
        value = options.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise parsing(f"[top_hits] [{key}] must be a non-negative integer")
    return options


def fill(
    plans: Sequence[Any],
    answers: dict[str, Any],
    scope: tantivy.Query,
    schema: tantivy.Schema,
    hits_for: HitsFor | None,
    compile_query: Callable[[Any], tantivy.Query],
) -> None:
    """Puts each `top_hits` answer under `plans` (with `answers` their answers at this level
    and `scope` the query of the documents they aggregate)."""
    for plan in plans:
        if plan.kind == "top_hits":
            if hits_for is None:
                raise unsupported("[top_hits] over several indexes")
            answers[plan.name] = {"hits": hits_for(scope, plan.options)}
            continue
        if not _holds_top_hits(plan):
            continue
        answer = answers[plan.name]
        if plan.kind in ("filter", "missing", "global"):
            narrowed = _scoped(plan, scope, compile_query)
            fill(plan.children, answer, narrowed, schema, hits_for, compile_query)
        elif plan.kind == "filters":
            _fill_filters(plan, answer, scope, schema, hits_for, compile_query)
        else:
            for bucket in answer.get("buckets", []):
                narrowed = _and(scope, _bucket_query(plan, bucket, schema))
                fill(plan.children, bucket, narrowed, schema, hits_for, compile_query)


def _holds_top_hits(plan: Any) -> bool:
    return any(child.kind == "top_hits" or _holds_top_hits(child) for child in plan.children)


def _and(*queries: tantivy.Query) -> tantivy.Query:
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, query) for query in queries])


def _scoped(
    plan: Any, scope: tantivy.Query, compile_query: Callable[[Any], tantivy.Query]
) -> tantivy.Query:
    if plan.kind == "global":
        return tantivy.Query.all_query()
    if plan.kind == "filter":
        return _and(scope, compile_query(plan.options))
    present = compile_query({"exists": {"field": plan.options["field"]}})
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, scope), (tantivy.Occur.MustNot, present)]
    )


def _fill_filters(
    plan: Any,
    answer: dict[str, Any],
    scope: tantivy.Query,
    schema: tantivy.Schema,
    hits_for: HitsFor | None,
    compile_query: Callable[[Any], tantivy.Query],
) -> None:
    filters = plan.options["filters"]
    named = isinstance(filters, Mapping)
    queries = {key: compile_query(node) for key, node in (filters.items() if named else enumerate(filters))}  # fmt: skip  # noqa: E501
    buckets = answer["buckets"]
    for key, query in queries.items():
        bucket = buckets[key]
        fill(plan.children, bucket, _and(scope, query), schema, hits_for, compile_query)
    other = plan.options.get("other_bucket_key", "_other_")
    if named and other in buckets and other not in queries:
        rest = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, scope)]
            + [(tantivy.Occur.MustNot, query) for query in queries.values()]
        )
        fill(plan.children, buckets[other], rest, schema, hits_for, compile_query)
    elif not named and len(buckets) > len(queries):
        rest = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, scope)]
            + [(tantivy.Occur.MustNot, query) for query in queries.values()]
        )
        fill(plan.children, buckets[-1], rest, schema, hits_for, compile_query)


def _bucket_query(plan: Any, bucket: Mapping[str, Any], schema: tantivy.Schema) -> tantivy.Query:
    """The documents of one bucket of a `terms`, histogram or `range` aggregation."""
    mapping: FieldMapping = plan.mapping
    name = mapping.tantivy_name
    key: Any = bucket.get("key")
    if plan.kind == "terms":
        query = _term(schema, mapping, key)
        missing = plan.request["terms"].get("missing")
        if missing is not None and missing == key:
            # The `missing` bucket holds the documents without the field too.
            absent = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, tantivy.Query.all_query()),
                    (tantivy.Occur.MustNot, tantivy.Query.exists_query(name)),
                ]
            )
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, query), (tantivy.Occur.Should, absent)]
            )
        return query
    if plan.kind == "range":
        low, high = bucket.get("from"), bucket.get("to")
        double = mapping.kind is FieldKind.DOUBLE
        field_type = tantivy.FieldType.Float if double else tantivy.FieldType.Integer
        if field_type == tantivy.FieldType.Integer:
            low = None if low is None else int(-(-low // 1))
            high = None if high is None else int(-(-high // 1)) - 1
            return _range(schema, name, field_type, low, high)
        return tantivy.Query.range_query(
            schema, name, field_type, low, high, include_lower=True, include_upper=False
        ) if high is not None else _range(schema, name, field_type, low, None)  # fmt: skip
    start = int(key) if plan.kind == "date_histogram" else float(key)
    if plan.kind == "date_histogram" and plan.calendar in _UNIT_STEP:
        step, unit = _UNIT_STEP[plan.calendar]
        end = add_units(EPOCH + timedelta(milliseconds=int(start)), step, unit)
        stop = (end - EPOCH) // timedelta(milliseconds=1)
        return _range(schema, name, tantivy.FieldType.Integer, int(start), stop - 1)
    interval = plan.request["histogram"]["interval"]
    if mapping.kind is FieldKind.DOUBLE:
        return tantivy.Query.range_query(
            schema, name, tantivy.FieldType.Float, float(start), float(start) + interval,
            include_lower=True, include_upper=False,
        )  # fmt: skip
    low = int(-(-start // 1))
    high = int(-(-(start + interval) // 1)) - 1
    return _range(schema, name, tantivy.FieldType.Integer, low, high)


def _term(schema: tantivy.Schema, mapping: FieldMapping, key: Any) -> tantivy.Query:
    name = mapping.tantivy_name
    match mapping.kind:
        case FieldKind.KEYWORD:
            return tantivy.Query.term_query(schema, name, str(key))
        case FieldKind.BOOLEAN:
            return tantivy.Query.term_query(schema, name, bool(key))
        case FieldKind.DOUBLE:
            return _range(schema, name, tantivy.FieldType.Float, float(key), float(key))
        case _:
            return _range(schema, name, tantivy.FieldType.Integer, int(key), int(key))


def _range(
    schema: tantivy.Schema, name: str, field_type: tantivy.FieldType, low: Any, high: Any
) -> tantivy.Query:
    if low is None and high is None:
        return tantivy.Query.all_query()
    return tantivy.Query.range_query(schema, name, field_type, low, high)
