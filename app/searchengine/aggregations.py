"""Aggregations: OpenSearch's requests run by tantivy's aggregation engine, answered in
OpenSearch's shapes.

tantivy reads Elasticsearch's aggregation format, so most of the work is checking what the
engine implements against the mapping (a `text` field cannot aggregate, as in OpenSearch;
a field the mapping lacks gives empty results), pointing dates at the right tantivy field
(epoch millis for metrics and `terms`, the `@date` field for `date_histogram`) and putting
back what OpenSearch prints and tantivy does not (`key_as_string`, `value_as_string`,
integer keys). `date_histogram`'s calendar months, quarters and years, which tantivy's fixed
intervals cannot express, are counted from day buckets here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Final

import tantivy

from app.searchengine import top_hits
from app.searchengine.dates import add_units, floor_unit
from app.searchengine.errors import SearchError, bad_request, parsing, unsupported
from app.searchengine.mapping import EPOCH, FieldKind, FieldMapping, IndexMapping, parse_date
from app.searchengine.snapshot import IndexSnapshot
from app.searchengine.sorting import TEXT_FIELD_DATA

_METRICS: Final = frozenset(
    {"avg", "sum", "min", "max", "cardinality", "value_count", "stats", "extended_stats"}
)
_BOUNDS: Final = ("upper", "lower", "upper_population", "lower_population", "upper_sampling",
                  "lower_sampling")  # fmt: skip
_BUCKETS: Final = frozenset({"terms", "date_histogram", "histogram", "range"})
_SCOPED: Final = frozenset({"filter", "filters", "missing", "global"})
KNOWN_AGGREGATIONS: Final = frozenset(
    {"adjacency_matrix", "auto_date_histogram", "avg_bucket", "bucket_script",
     "bucket_selector", "bucket_sort", "children", "composite", "cumulative_sum", "date_range",
     "derivative", "diversified_sampler", "extended_stats", "extended_stats_bucket", "filter",
     "filters", "geo_bounds", "geo_centroid", "geo_distance", "geohash_grid", "geotile_grid",
     "global", "ip_range", "matrix_stats", "max_bucket", "median_absolute_deviation",
     "min_bucket", "missing", "moving_avg", "moving_fn", "multi_terms", "nested",
     "parent", "percentile_ranks", "percentiles", "percentiles_bucket", "rare_terms",
     "reverse_nested", "sampler", "scripted_metric", "serial_diff", "significant_terms",
     "significant_text", "stats_bucket", "sum_bucket", "top_hits", "weighted_avg",
     "variable_width_histogram", "string_stats", "t_test", "boxplot", "rate",
     "geo_line"}
) | _METRICS | _BUCKETS | _SCOPED  # fmt: skip
_CALENDAR: Final[Mapping[str, str]] = {
    "minute": "m", "1m": "m", "hour": "h", "1h": "h", "day": "d", "1d": "d",
    "week": "w", "1w": "w", "month": "M", "1M": "M", "quarter": "q", "1q": "q",
    "year": "y", "1y": "y",
}  # fmt: skip
_KNOWN_PARAMETERS: Final = frozenset(
    {"format", "time_zone", "keyed", "script", "value_type", "include", "exclude",
     "shard_min_doc_count", "collect_mode", "execution_hint", "show_term_doc_count_error",
     "order", "missing", "min_doc_count", "extended_bounds", "hard_bounds", "offset",
     "interval", "ranges", "size", "shard_size", "precision_threshold", "rehash", "meta",
     "missing_bucket", "calendar_interval", "fixed_interval", "field"}
)  # fmt: skip
"""Parameters OpenSearch knows on some aggregation: where the engine lacks one, a 400 that
says so; any other name is OpenSearch's parsing error."""
_SEGMENT_TERMS: Final = 65_536
_EXACT_CARDINALITY: Final = 40_000
_ESTIMATE: Final = "#estimate"
_DURATION: Final = re.compile(r"^([+-]?\d+)(ms|s|m|h|d)$")
_UNIT_MS: Final[Mapping[str, int]] = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000,
                                      "d": 86_400_000}  # fmt: skip
_JAVA_FORMAT: Final = re.compile(r"yyyy|yy|MM|dd|HH|mm|ss|SSS|'[^']*'|[^A-Za-z']+")


@dataclass
class _Plan:
    """How one requested aggregation is run and how its answer is rewritten."""

    name: str
    kind: str
    mapping: FieldMapping | None
    request: dict[str, Any] | None
    """What tantivy runs; None when the answer is known without it (an unmapped field)."""
    children: list[_Plan] = field(default_factory=list)
    calendar: str | None = None
    date_format: str | None = None
    min_doc_count: int = 0
    approximate: dict[str, Any] | None = None
    """A second request answered beside `request` (cardinality: the estimate past the
    exact limit), under the plan's name plus `_ESTIMATE`."""
    sub_request: dict[str, Any] | None = None
    """The sub-aggregations, for aggregations answered one query per bucket."""
    options: Any = None
    """The request of `filter`, `filters`, `missing` (the query, the filters, the field)."""

    @property
    def by_period(self) -> bool:
        """A `date_histogram` by months, quarters or years: one query per period."""
        return self.calendar in ("M", "q", "y")


def aggregate(
    snapshot: IndexSnapshot,
    query: tantivy.Query,
    spec: Mapping[str, Any],
    compile_query: Callable[[Any], tantivy.Query],
    hits_for: top_hits.HitsFor | None = None,
    typed_keys: bool = False,
) -> dict[str, Any]:
    """The `aggregations` of a response for the documents `query` matches;
    `compile_query` compiles the queries of `filter` and `filters`, `hits_for` runs the
    searches of `top_hits` (None: top_hits refused); `typed_keys` names them `type#name`."""
    plans = _plan_all(spec, snapshot.mapping, 0)
    direct = [p for p in plans if not p.by_period and p.kind not in _SCOPED]
    raw = _run(snapshot.searcher, query, _requests(direct))
    answers: dict[str, Any] = {}
    for plan in plans:
        if plan.kind in _SCOPED:
            answers[plan.name] = _scoped(snapshot, query, plan, compile_query)
        elif plan.by_period and plan.mapping is not None:
            answers[plan.name] = _by_period(snapshot, query, plan)
        else:
            answers[plan.name] = _answer_in(plan, raw)
    top_hits.fill(plans, answers, query, snapshot.mapping.schema, hits_for, compile_query)
    return _typed(plans, answers) if typed_keys else answers


def _typed(plans: Sequence[_Plan], answers: Mapping[str, Any]) -> dict[str, Any]:
    """`typed_keys`: each aggregation named `type#name`, as the typed clients parse them."""
    typed: dict[str, Any] = {}
    for plan in plans:
        answer = answers[plan.name]
        if plan.children:
            answer = _typed_children(plan.children, answer)
        typed[f"{_type_name(plan)}#{plan.name}"] = answer
    return typed


def _typed_children(children: Sequence[_Plan], answer: Any) -> Any:
    if not isinstance(answer, Mapping):
        return answer
    if "buckets" in answer:
        buckets = answer["buckets"]
        if isinstance(buckets, Mapping):
            renamed: Any = {key: _typed_bucket(children, b) for key, b in buckets.items()}
        else:
            renamed = [_typed_bucket(children, bucket) for bucket in buckets]
        return {**answer, "buckets": renamed}
    return _typed_bucket(children, answer)


def _typed_bucket(children: Sequence[_Plan], bucket: Mapping[str, Any]) -> dict[str, Any]:
    names = {child.name for child in children}
    own = {key: value for key, value in bucket.items() if key not in names}
    return {**own, **_typed(children, bucket)}


def _type_name(plan: _Plan) -> str:
    if plan.kind != "terms":
        return plan.kind
    if plan.mapping is None:
        return "umterms"
    return {FieldKind.KEYWORD: "sterms", FieldKind.DOUBLE: "dterms"}.get(
        plan.mapping.kind, "lterms"
    )


def _scoped(
    snapshot: IndexSnapshot,
    query: tantivy.Query,
    plan: _Plan,
    compile_query: Callable[[Any], tantivy.Query],
) -> dict[str, Any]:
    """`filter`, `filters`, `missing` and `global`: each bucket is one query (the search's
    query narrowed, or every document for `global`), counted, with its sub-aggregations."""
    options = plan.options

    def within(*clauses: tuple[tantivy.Occur, tantivy.Query]) -> tantivy.Query:
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, query), *clauses])

    def bucket(scope: tantivy.Query) -> dict[str, Any]:
        count = int(getattr(snapshot.searcher.search(scope, 1, count=True), "count", 0) or 0)
        raw = _run(snapshot.searcher, scope, plan.sub_request or {}) if count else {}
        return {"doc_count": count, **{c.name: _answer_in(c, raw) for c in plan.children}}

    must = tantivy.Occur.Must
    if plan.kind == "global":
        return bucket(tantivy.Query.all_query())
    if plan.kind == "filter":
        return bucket(within((must, compile_query(options))))
    if plan.kind == "missing":
        present = compile_query({"exists": {"field": options["field"]}})
        return bucket(within((tantivy.Occur.MustNot, present)))
    filters = options["filters"]
    named = isinstance(filters, Mapping)
    items = sorted(filters.items()) if named else list(enumerate(filters))
    compiled = [(key, compile_query(node)) for key, node in items]
    buckets = [(key, bucket(within((must, q)))) for key, q in compiled]
    if options.get("other_bucket") or "other_bucket_key" in options:
        others = [(tantivy.Occur.MustNot, q) for _, q in compiled]
        buckets.append((options.get("other_bucket_key", "_other_"), bucket(within(*others))))
    if named:
        return {"buckets": dict(buckets)}
    return {"buckets": [answer for _, answer in buckets]}


def _run(
    searcher: tantivy.Searcher, query: tantivy.Query, request: Mapping[str, Any]
) -> Mapping[str, Any]:
    if not request:
        return {}
    try:
        return searcher.aggregate(query, dict(request))
    except ValueError as error:
        raise SearchError(400, "illegal_argument_exception", str(error)) from None


# -- planning -------------------------------------------------------------------------------


def _plan_all(spec: Any, mapping: IndexMapping, depth: int) -> list[_Plan]:
    if not isinstance(spec, Mapping):
        raise parsing("Expected [START_OBJECT] under [aggregations], but got a different token")
    return [_plan(name, body, mapping, depth) for name, body in spec.items()]


def _plan(name: str, body: Any, mapping: IndexMapping, depth: int) -> _Plan:
    if not isinstance(body, Mapping):
        raise parsing(f"Expected [START_OBJECT] under [{name}], but got a different token")
    types = [key for key in body if key not in ("aggs", "aggregations", "meta")]
    if len(types) != 1:
        if not types:
            raise parsing(f"Missing definition for aggregation [{name}]")
        raise parsing(
            f"Found two aggregation type definitions in [{name}]: [{types[0]}] and [{types[1]}]"
        )
    kind = types[0]
    if kind in _SCOPED:
        return _plan_scoped(name, kind, body, mapping, depth)
    if kind == "top_hits":
        if body.get("aggs", body.get("aggregations")) is not None:
            raise parsing(f"Aggregator [{name}] of type [top_hits] cannot accept sub-aggregations")
        return _Plan(name, kind, None, None, [], options=top_hits.check_options(body[kind]))
    if kind not in _METRICS and kind not in _BUCKETS:
        if kind in KNOWN_AGGREGATIONS:
            raise unsupported(f"the [{kind}] aggregation")
        raise parsing(f"Unknown aggregation type [{kind}]")
    if "meta" in body:
        raise unsupported("aggregation [meta]")
    options = body[kind]
    if not isinstance(options, Mapping):
        raise parsing(f"Expected [START_OBJECT] under [{kind}], but got a different token")
    if "script" in options:
        raise unsupported("scripts in aggregations")
    path = options.get("field")
    if not isinstance(path, str):
        raise bad_request(f"Required one of fields [field, script], but none were specified. "
                          f"(aggregation [{name}])")  # fmt: skip
    field_mapping = mapping.field(path)
    if field_mapping is not None and field_mapping.kind is FieldKind.TEXT:
        raise bad_request(TEXT_FIELD_DATA.format(field=path))
    sub = body.get("aggs", body.get("aggregations"))
    children = _plan_all(sub, mapping, depth + 1) if sub is not None else []
    if children and kind in _METRICS:
        raise parsing(f"Aggregator [{name}] of type [{kind}] cannot accept sub-aggregations")
    plan = _Plan(name, kind, field_mapping, None, children)
    if field_mapping is None:
        return plan
    if kind in _METRICS:
        plan.request = {kind: _metric(kind, options, field_mapping)}
        if kind == "cardinality":
            # Exact below the limit, as OpenSearch is below its precision threshold:
            # the number of distinct terms; tantivy's HyperLogLog estimate past it.
            plan.approximate = plan.request
            exact = {**plan.request["cardinality"], "size": _EXACT_CARDINALITY}
            exact.pop("precision_threshold", None)
            plan.request = {"terms": {**exact, "segment_size": _EXACT_CARDINALITY}}
    elif kind == "terms":
        plan.request = {"terms": _terms(options, field_mapping)}
        plan.options = options
    elif kind == "date_histogram":
        plan.request = {"histogram": _date_histogram(plan, options, field_mapping)}
    elif kind == "histogram":
        plan.request = {"histogram": _histogram(options, field_mapping)}
    else:
        plan.request = {"range": _range(options, field_mapping)}
    if plan.by_period and depth > 0:
        raise unsupported("a month, quarter or year [date_histogram] under another aggregation")
    nested = _requests(children)
    if plan.by_period:
        plan.sub_request = nested
    elif nested:
        plan.request["aggs"] = nested
    return plan


def _plan_scoped(
    name: str, kind: str, body: Mapping[str, Any], mapping: IndexMapping, depth: int
) -> _Plan:
    if depth > 0:
        raise unsupported(f"the [{kind}] aggregation under another aggregation")
    if "meta" in body:
        raise unsupported("aggregation [meta]")
    options = body[kind]
    if not isinstance(options, Mapping):
        raise parsing(f"Expected [START_OBJECT] under [{kind}], but got a different token")
    if kind == "missing":
        _check(kind, options, {"field"})
        if not isinstance(options.get("field"), str):
            raise bad_request(f"Required one of fields [field, script] (aggregation [{name}])")
    elif kind == "global" and options:
        raise parsing(f"[global] aggregation [{name}] takes no options")
    elif kind == "filters":
        _check(kind, options, {"filters", "other_bucket", "other_bucket_key"})
        if not isinstance(options.get("filters"), Mapping | list):
            raise parsing(f"[filters] aggregation [{name}] requires [filters]")
    sub = body.get("aggs", body.get("aggregations"))
    children = _plan_all(sub, mapping, depth + 1) if sub is not None else []
    plan = _Plan(name, kind, None, None, children, options=options)
    plan.sub_request = _requests(children)
    return plan


def _check(kind: str, options: Mapping[str, Any], allowed: set[str]) -> None:
    for key in options:
        if key not in allowed:
            if key in _KNOWN_PARAMETERS:
                raise unsupported(f"[{key}] on the [{kind}] aggregation")
            raise parsing(f"[{kind}] unknown field [{key}]")


def _metric(kind: str, options: Mapping[str, Any], mapping: FieldMapping) -> dict[str, Any]:
    _check(kind, options, {"field", "missing", "precision_threshold", "sigma"})
    if "sigma" in options and kind != "extended_stats":
        raise parsing(f"[{kind}] unknown field [sigma]")
    if mapping.kind is FieldKind.KEYWORD and kind not in ("cardinality", "value_count"):
        raise bad_request(
            f"Field [{mapping.path}] of type [keyword] is not supported for aggregation [{kind}]"
        )
    if mapping.kind is FieldKind.BOOLEAN and kind not in ("cardinality", "value_count"):
        raise unsupported(f"the [{kind}] aggregation on a [boolean] field")
    request: dict[str, Any] = {"field": mapping.tantivy_name}
    if "missing" in options:
        missing = options["missing"]
        request["missing"] = parse_date(missing) if mapping.kind is FieldKind.DATE else missing
    return request


def _terms(options: Mapping[str, Any], mapping: FieldMapping) -> dict[str, Any]:
    _check("terms", options, {"field", "size", "order", "min_doc_count", "shard_size",
           "show_term_doc_count_error", "execution_hint", "collect_mode", "missing",
           "include", "exclude"})  # fmt: skip
    request: dict[str, Any] = {"field": mapping.tantivy_name}
    for key in ("include", "exclude"):
        if key in options:
            request[key] = _term_filter(key, options[key], mapping)
    for key in ("size", "shard_size", "min_doc_count"):
        if key in options:
            value = options[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise bad_request(
                    f"[{key}] must be greater than or equal to 0. Found [{value}] in [terms]"
                )
            request[key] = value
    if request.get("size") == 0:
        raise bad_request("[size] must be greater than 0. Found [0] in [terms]")
    # One OpenSearch shard counts exactly; tantivy keeps the top `segment_size` terms of
    # each segment, so keep (nearly) all of them and the counts are exact here too.
    request.pop("shard_size", None)
    request["segment_size"] = max(_SEGMENT_TERMS, int(request.get("size", 10)))
    if "order" in options:
        request["order"] = _order(options["order"])
    if "missing" in options:
        request["missing"] = _missing(options["missing"], mapping)
    return request


def _missing(value: Any, mapping: FieldMapping) -> Any:
    """A `missing` value as the field's column holds it."""
    match mapping.kind:
        case FieldKind.BOOLEAN:
            raise unsupported("[missing] on a [terms] aggregation over a [boolean] field")
        case FieldKind.DATE:
            millis = parse_date(value)
            if millis is None:
                raise parsing(f"failed to parse date field [{value}]")
            return millis
        case FieldKind.LONG | FieldKind.DOUBLE:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise parsing(f"[missing] must be a number on the [{mapping.declared}] field")
            return value
    return value if isinstance(value, str) else str(value)


def _term_filter(key: str, value: Any, mapping: FieldMapping) -> Any:
    """`include`/`exclude`: a regular expression or a list of exact values (on keywords)."""
    if mapping.kind is not FieldKind.KEYWORD:
        raise unsupported(f"[{key}] on a [terms] aggregation over a [{mapping.declared}] field")
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    if isinstance(value, Mapping):
        raise unsupported(f"partitioned [{key}] on the [terms] aggregation")
    raise parsing(f"[terms] [{key}] must be a string or an array of strings")


def _order(order: Any) -> Any:
    items = order if isinstance(order, list) else [order]
    if len(items) != 1:
        raise unsupported("ordering [terms] buckets by several criteria")
    item = items[0]
    if not isinstance(item, Mapping) or len(item) != 1:
        raise parsing("[terms] order must be an object with one key")
    ((key, direction),) = item.items()
    if str(direction).lower() not in ("asc", "desc"):
        raise parsing(f"Unknown terms order direction [{direction}]")
    key = "_key" if key == "_term" else key
    return {key: str(direction).lower()}


def _date_histogram(
    plan: _Plan, options: Mapping[str, Any], mapping: FieldMapping
) -> dict[str, Any]:
    _check("date_histogram", options, {"field", "fixed_interval", "calendar_interval",
           "interval", "min_doc_count", "extended_bounds", "hard_bounds", "format",
           "time_zone", "offset", "order", "keyed", "missing"})  # fmt: skip
    if mapping.kind is not FieldKind.DATE:
        raise bad_request(
            f"Field [{mapping.path}] of type [{mapping.declared}] is not supported for "
            "aggregation [date_histogram]"
        )
    zone = options.get("time_zone")
    if zone not in (None, "UTC", "Z", "+00:00", "Etc/UTC", "GMT"):
        raise unsupported(f"the [time_zone] [{zone}] of the [date_histogram] aggregation")
    if options.get("keyed"):
        raise unsupported("[keyed] on the [date_histogram] aggregation")
    if "order" in options:
        raise unsupported("[order] on the [date_histogram] aggregation")
    if "missing" in options:
        raise unsupported("[missing] on the [date_histogram] aggregation")
    if "format" in options:
        plan.date_format = _java_format(str(options["format"]))
    # A histogram over the epoch milliseconds: any date a long holds, keys in millis.
    request: dict[str, Any] = {"field": mapping.tantivy_name}
    fixed = options.get("fixed_interval")
    calendar = options.get("calendar_interval")
    legacy = options.get("interval")
    if sum(value is not None for value in (fixed, calendar, legacy)) != 1:
        raise bad_request("Invalid interval specified, must be non-null and non-empty")
    if legacy is not None:
        if str(legacy) in _CALENDAR:
            calendar = legacy
        else:
            fixed = legacy
    if fixed is not None:
        interval = _duration(str(fixed))
        if interval is None or interval <= 0:
            raise bad_request(f"failed to parse setting [date_histogram.fixedInterval] with value [{fixed}] as a time value: unit is missing or unrecognized")  # fmt: skip  # noqa: E501
        request["interval"] = interval
    else:
        unit = _CALENDAR.get(str(calendar))
        if unit is None:
            raise bad_request(f"The supplied interval [{calendar}] could not be parsed as a calendar interval.")  # fmt: skip  # noqa: E501
        plan.calendar = unit
        if unit == "w":
            request["interval"] = 7 * _UNIT_MS["d"]
            request["offset"] = -3 * _UNIT_MS["d"]  # 1970-01-01 was a Thursday; weeks start Monday
        elif unit not in ("M", "q", "y"):
            request["interval"] = _UNIT_MS[unit]
    min_doc_count = options.get("min_doc_count", 0)
    if isinstance(min_doc_count, bool) or not isinstance(min_doc_count, int) or min_doc_count < 0:
        raise bad_request(f"[min_doc_count] must be greater than or equal to 0. Found [{min_doc_count}] in [date_histogram]")  # fmt: skip  # noqa: E501
    plan.min_doc_count = min_doc_count
    request["min_doc_count"] = min_doc_count
    if "offset" in options:
        if plan.calendar is not None:
            raise unsupported("[offset] with a [calendar_interval] on [date_histogram]")
        offset = _duration(str(options["offset"]))
        if offset is None:
            raise bad_request(f"failed to parse [offset] [{options['offset']}] as a time value")
        request["offset"] = offset
    for bounds in ("extended_bounds", "hard_bounds"):
        if bounds in options:
            request[bounds] = _bounds(options[bounds])
    return request


def _duration(text: str) -> int | None:
    """`90m`, `-3d`, `500ms` in milliseconds; None when it is not one."""
    match = _DURATION.match(text.strip())
    if match is None:
        return None
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def _bounds(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise parsing("bounds must be an object with [min] and [max]")
    bounds = {}
    for key in ("min", "max"):
        if key in value:
            millis = parse_date(value[key])
            if millis is None:
                raise parsing(f"failed to parse date field [{value[key]}]")
            bounds[key] = millis
    return bounds


def _histogram(options: Mapping[str, Any], mapping: FieldMapping) -> dict[str, Any]:
    _check("histogram", options, {"field", "interval", "min_doc_count", "extended_bounds",
           "hard_bounds", "offset", "keyed"})  # fmt: skip
    if mapping.kind not in (FieldKind.LONG, FieldKind.DOUBLE):
        raise bad_request(f"Field [{mapping.path}] of type [{mapping.declared}] is not supported for aggregation [histogram]")  # fmt: skip  # noqa: E501
    if options.get("keyed"):
        raise unsupported("[keyed] on the [histogram] aggregation")
    interval = options.get("interval")
    if isinstance(interval, bool) or not isinstance(interval, int | float) or interval <= 0:
        raise bad_request("[interval] must be >0 for histogram aggregation")
    request = {"field": mapping.tantivy_name, "interval": interval}
    for key in ("min_doc_count", "extended_bounds", "hard_bounds", "offset"):
        if key in options:
            request[key] = options[key]
    return request


def _range(options: Mapping[str, Any], mapping: FieldMapping) -> dict[str, Any]:
    _check("range", options, {"field", "ranges", "keyed"})
    if mapping.kind not in (FieldKind.LONG, FieldKind.DOUBLE):
        raise unsupported(f"the [range] aggregation on the [{mapping.declared}] field")
    if options.get("keyed"):
        raise unsupported("[keyed] on the [range] aggregation")
    ranges = options.get("ranges")
    if not isinstance(ranges, list) or not ranges:
        raise bad_request("No [ranges] specified for the [range] aggregation")
    keyed = []
    for item in ranges:
        if not isinstance(item, Mapping) or set(item) - {"from", "to", "key"}:
            raise parsing("[range] ranges must be objects with [from], [to] and [key]")
        bounds = {}
        for bound in ("from", "to"):
            value = item.get(bound)
            if value is not None:
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise parsing(f"[range] [{bound}] must be a number")
                bounds[bound] = float(value)
        # OpenSearch names an unnamed range by its bounds as doubles: `*-5.0`, `5.0-10.0`.
        key = item.get("key") or "-".join(
            _double(bounds[bound]) if bound in bounds else "*" for bound in ("from", "to")
        )
        keyed.append({**bounds, "key": str(key)})
    return {"field": mapping.tantivy_name, "ranges": keyed}


def _double(value: float) -> str:
    """A double as Java prints it (`5.0`, `1.0E21`)."""
    text = repr(value)
    if "e" in text:
        mantissa, _, exponent = text.partition("e")
        mantissa = mantissa if "." in mantissa else mantissa + ".0"
        return f"{mantissa}E{int(exponent)}"
    return text


def _java_format(pattern: str) -> str:
    """A Java date pattern (`yyyy-MM-dd`) as a strftime-like template; others refused."""
    if pattern in ("strict_date_optional_time", "date_optional_time", "epoch_millis"):
        return pattern
    parts = _JAVA_FORMAT.findall(pattern)
    if "".join(parts) != pattern:
        raise unsupported(f"the date [format] [{pattern}]")
    return pattern


def _format(millis: int, template: str | None) -> str:
    moment = EPOCH + timedelta(milliseconds=millis)
    if template is None or template in ("strict_date_optional_time", "date_optional_time"):
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if template == "epoch_millis":
        return str(millis)
    out = []
    for part in _JAVA_FORMAT.findall(template):
        if part.startswith("'"):
            out.append(part[1:-1])
            continue
        out.append(
            {
                "yyyy": f"{moment.year:04d}",
                "yy": f"{moment.year % 100:02d}",
                "MM": f"{moment.month:02d}",
                "dd": f"{moment.day:02d}",
                "HH": f"{moment.hour:02d}",
                "mm": f"{moment.minute:02d}",
                "ss": f"{moment.second:02d}",
                "SSS": f"{moment.microsecond // 1000:03d}",
            }.get(part, part)
        )
    return "".join(out)


# -- answering -------------------------------------------------------------------------------


def _requests(plans: Iterable[_Plan]) -> dict[str, Any]:
    """What tantivy runs for `plans`, by name."""
    requests: dict[str, Any] = {}
    for plan in plans:
        if plan.request is not None:
            requests[plan.name] = plan.request
        if plan.approximate is not None:
            requests[plan.name + _ESTIMATE] = plan.approximate
    return requests


def _answer_in(plan: _Plan, container: Mapping[str, Any]) -> dict[str, Any]:
    """The answer of `plan` from tantivy's answers at its level (`container`)."""
    if plan.kind == "top_hits":
        return {}  # filled once the buckets are known: top_hits.fill
    raw = container.get(plan.name)
    if plan.kind == "cardinality" and plan.request is not None:
        buckets = raw.get("buckets", []) if isinstance(raw, Mapping) else []
        if len(buckets) < _EXACT_CARDINALITY:
            return {"value": len(buckets)}
        raw = container.get(plan.name + _ESTIMATE)
    return _answer(plan, raw)


def _answer(plan: _Plan, raw: Any) -> dict[str, Any]:
    if plan.kind in _METRICS:
        return _metric_answer(plan, raw)
    if plan.request is None or raw is None:
        empty: dict[str, Any] = {"buckets": []}
        if plan.kind == "terms":
            return {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, **empty}
        return empty
    buckets = [_bucket(plan, bucket) for bucket in raw.get("buckets", [])]
    if plan.kind == "terms":
        order = plan.request.get("terms", {}).get("order") or {"_count": "desc"}
        if "_count" in order:
            # Equal counts in key order, as OpenSearch breaks ties.
            sign = -1 if order["_count"] == "desc" else 1
            buckets.sort(key=lambda bucket: (sign * bucket["doc_count"], bucket["key"]))
        if isinstance(plan.options, Mapping) and plan.options.get("show_term_doc_count_error"):
            for bucket in buckets:
                bucket["doc_count_error_upper_bound"] = 0  # exact counts: see _terms
        return {
            "doc_count_error_upper_bound": int(raw.get("doc_count_error_upper_bound", 0)),
            "sum_other_doc_count": int(raw.get("sum_other_doc_count", 0)),
            "buckets": buckets,
        }
    return {"buckets": buckets}


def _metric_answer(plan: _Plan, raw: Any) -> dict[str, Any]:
    is_date = plan.mapping is not None and plan.mapping.kind is FieldKind.DATE
    if plan.kind in ("stats", "extended_stats"):
        stats = dict(raw or {"count": 0, "min": None, "max": None, "avg": None, "sum": 0.0})
        stats["count"] = int(stats.get("count") or 0)
        if plan.kind == "extended_stats" and not isinstance(stats.get("std_deviation_bounds"), Mapping):  # fmt: skip  # noqa: E501
            stats["std_deviation_bounds"] = dict.fromkeys(_BOUNDS)
        if is_date:
            for key in ("min", "max", "avg", "sum"):
                if stats.get(key) is not None:
                    stats[key + "_as_string"] = _format(int(stats[key]), None)
        return stats
    value = raw.get("value") if isinstance(raw, Mapping) else None
    if plan.kind in ("cardinality", "value_count"):
        return {"value": int(value or 0)}
    if plan.kind == "sum" and value is None:
        value = 0.0
    answer: dict[str, Any] = {"value": value}
    if is_date and value is not None and plan.kind in ("min", "max", "avg"):
        answer["value_as_string"] = _format(int(value), None)
    return answer


def _bucket(plan: _Plan, raw: Mapping[str, Any]) -> dict[str, Any]:
    key = raw.get("key")
    bucket: dict[str, Any] = {}
    mapping = plan.mapping
    if plan.kind == "date_histogram":
        millis = int(key or 0)
        bucket["key_as_string"] = _format(millis, plan.date_format)
        bucket["key"] = millis
    elif plan.kind == "terms" and mapping is not None:
        if mapping.kind is FieldKind.DATE:
            bucket["key"] = int(key or 0)
            bucket["key_as_string"] = _format(int(key or 0), None)
        elif mapping.kind is FieldKind.BOOLEAN:
            bucket["key"] = int(key or 0)
            bucket["key_as_string"] = "true" if key else "false"
        elif mapping.kind is FieldKind.DOUBLE:
            bucket["key"] = float(key or 0)
        else:
            bucket["key"] = key
    elif plan.kind == "histogram":
        bucket["key"] = float(key or 0)
    else:
        bucket["key"] = key
        for bound in ("from", "to"):
            if bound in raw:
                bucket[bound] = raw[bound]
    bucket["doc_count"] = int(raw.get("doc_count", 0))
    for child in plan.children:
        bucket[child.name] = _answer_in(child, raw)
    return bucket


def _by_period(snapshot: IndexSnapshot, query: tantivy.Query, plan: _Plan) -> dict[str, Any]:
    """A calendar `date_histogram` by months, quarters or years, which tantivy's fixed
    intervals cannot express: the matches' first and last dates give the periods, and each
    period is one query (its count, and its sub-aggregations) restricted to that period."""
    assert plan.mapping is not None and plan.request is not None
    searcher = snapshot.searcher
    path = plan.mapping.tantivy_name
    options = plan.request["histogram"]
    span = _run(searcher, query, {"lo": {"min": {"field": path}}, "hi": {"max": {"field": path}}})
    low, high = span["lo"].get("value"), span["hi"].get("value")
    extended = options.get("extended_bounds", {})
    hard = options.get("hard_bounds", {})
    if low is None or high is None:
        return {"buckets": []}
    if plan.min_doc_count == 0:
        low = min(low, extended.get("min", low))
        high = max(high, extended.get("max", high))
    if "min" in hard:
        low = max(low, hard["min"])
    if "max" in hard:
        high = min(high, hard["max"])
    unit = "M" if plan.calendar == "q" else str(plan.calendar)
    step = 3 if plan.calendar == "q" else 1
    buckets = []
    start = _period_start(int(low), str(plan.calendar))
    while start <= high:
        end = _millis(add_units(EPOCH + timedelta(milliseconds=start), step, unit))
        period = tantivy.Query.range_query(
            snapshot.mapping.schema, path, tantivy.FieldType.Integer, start, end - 1
        )
        within = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, query), (tantivy.Occur.Must, period)]
        )
        doc_count = int(getattr(searcher.search(within, 1, count=True), "count", 0) or 0)
        if doc_count >= plan.min_doc_count:
            raw = _run(searcher, within, plan.sub_request or {}) if doc_count else {}
            bucket: dict[str, Any] = {
                "key_as_string": _format(start, plan.date_format),
                "key": start,
                "doc_count": doc_count,
            }
            for child in plan.children:
                bucket[child.name] = _answer_in(child, raw)
            buckets.append(bucket)
        start = end
    return {"buckets": buckets}


def _millis(moment: Any) -> int:
    return int((moment - EPOCH) // timedelta(milliseconds=1))


def _period_start(millis: int, calendar: str) -> int:
    moment = EPOCH + timedelta(milliseconds=millis)
    if calendar == "q":
        start = floor_unit(moment, "M")
        start = start.replace(month=(start.month - 1) // 3 * 3 + 1)
    else:
        start = floor_unit(moment, calendar)
    return (start - EPOCH) // timedelta(milliseconds=1)
