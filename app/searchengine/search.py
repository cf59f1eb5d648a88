"""`_search` and `_count`: a request body and URL parameters in, OpenSearch's answer out.

Pure functions over index snapshots (the store takes them at a refresh point); no I/O.
This module reads the request and shapes the response; `query` compiles the query,
`collect` finds and orders the hits, `aggregations` and `highlight` add their parts.
Several indexes are searched one by one and their hits merged.
"""

from __future__ import annotations

import math
import struct
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson
import tantivy

from app.searchengine.aggregations import aggregate
from app.searchengine.collect import Candidate, Source, collect
from app.searchengine.errors import bad_request, parsing, unsupported
from app.searchengine.highlight import Highlighter, parse_highlight
from app.searchengine.mapping import ID_FIELD, TYPE_KINDS, FieldKind
from app.searchengine.query import Compiler
from app.searchengine.several import aggregate_several
from app.searchengine.snapshot import IndexSnapshot
from app.searchengine.sorting import (
    SortKey,
    check_field,
    is_relevance,
    parse_sort,
    parse_sort_param,
    shown,
)
from app.searchengine.source_filter import SourceFilter, parse_source, parse_source_params

MAX_RESULT_WINDOW: Final = 10_000
DEFAULT_SIZE: Final = 10
DEFAULT_TRACK_TOTAL_HITS: Final = 10_000

_BODY_KEYS: Final = frozenset(
    {"query", "from", "size", "sort", "_source", "track_total_hits", "track_scores",
     "highlight", "aggs", "aggregations", "min_score", "search_after", "timeout", "version",
     "seq_no_primary_term", "post_filter", "explain", "stored_fields", "docvalue_fields",
     "fields", "script_fields", "collapse", "rescore", "suggest", "indices_boost", "profile",
     "terminate_after", "stats", "ext", "pit", "slice"}
)  # fmt: skip
_UNSUPPORTED_KEYS: Final = frozenset(
    {"docvalue_fields", "fields", "script_fields", "collapse", "rescore", "suggest",
     "indices_boost", "terminate_after", "ext", "pit", "slice", "stored_fields"}
)  # fmt: skip
_IGNORED_PARAMS: Final = frozenset(
    {"pretty", "human", "error_trace", "filter_path", "ignore_unavailable", "allow_no_indices",
     "expand_wildcards", "search_type", "preference", "routing", "request_cache",
     "batched_reduce_size", "ccs_minimize_roundtrips", "allow_partial_search_results",
     "max_concurrent_shard_requests", "pre_filter_shard_size", "timeout", "ignore_throttled",
     "cancel_after_time_interval", "source", "phase_took"}
)  # fmt: skip
_SEARCH_PARAMS: Final = frozenset(
    {"size", "from", "sort", "_source", "_source_includes", "_source_excludes",
     "track_total_hits", "track_scores", "version", "seq_no_primary_term",
     "rest_total_hits_as_int", "q", "typed_keys", "explain", "stored_fields",
     "docvalue_fields", "terminate_after", "scroll", "analyzer", "default_operator", "df",
     "lenient", "analyze_wildcard", "suggest_field", "stats"}
)  # fmt: skip


@dataclass(frozen=True)
class SearchRequest:
    """A `_search` request as read from its body and URL parameters."""

    query: Any
    start: int
    size: int
    sort: list[SortKey]
    search_after: list[Any] | None
    track_total_hits: int | None
    track_scores: bool
    source: SourceFilter
    highlight: Highlighter | None
    aggregations: Mapping[str, Any] | None
    min_score: float | None
    post_filter: Any
    version: bool
    seq_no_primary_term: bool
    total_as_int: bool
    typed_keys: bool = False


@dataclass(frozen=True)
class _Compiled:
    """One index's compiled request: the query (aggregations run on it) and the hits'
    source (the query and `post_filter`), with what highlighting needs."""

    snapshot: IndexSnapshot
    query: tantivy.Query
    source: Source
    compiler: Compiler


def search(
    snapshots: Sequence[IndexSnapshot], body: Mapping[str, Any] | None, params: Mapping[str, str]
) -> dict[str, Any]:
    """OpenSearch's `_search` response for `body` and `params` over `snapshots`."""
    started = time.perf_counter()
    request = read_request(body, params)
    now_millis = int(time.time() * 1000)
    compiled = [_compile(snapshot, request, now_millis) for snapshot in snapshots]
    _check_sort_types(request.sort, [item.source.kinds for item in compiled])
    relevance = is_relevance(request.sort)
    scored = relevance or request.track_scores or any(k.is_score for k in request.sort)
    candidates, total = collect(
        [item.source for item in compiled],
        request.sort,
        request.start + request.size,
        request.search_after,
        request.min_score,
        scored,
    )
    page = candidates[request.start : request.start + request.size]
    hits = [_hit(compiled[c.index], c, request, scored) for c in page]
    max_score: float | None = None
    if scored and candidates:
        best = max(c.score for c in candidates)
        if not relevance and request.search_after is None and request.min_score is None:
            # A field sort reads only the documents it ranks; the best score is anywhere.
            best = max(best, *(_best_score(item) for item in compiled))
        max_score = shortest_float32(best)
    hits_body: dict[str, Any] = {}
    if request.track_total_hits is not None:
        limit = request.track_total_hits
        if request.total_as_int:
            hits_body["total"] = total
        elif limit >= 0 and total > limit:
            hits_body["total"] = {"value": limit, "relation": "gte"}
        else:
            hits_body["total"] = {"value": total, "relation": "eq"}
    hits_body["max_score"] = max_score
    hits_body["hits"] = hits
    response: dict[str, Any] = {
        "took": 0,
        "timed_out": False,
        "_shards": _shards(len(snapshots)),
        "hits": hits_body,
    }
    if request.aggregations is not None:
        response["aggregations"] = _aggregations(
            compiled, request.aggregations, now_millis, request.typed_keys
        )
    response["took"] = int((time.perf_counter() - started) * 1000)
    return response


def count(
    snapshots: Sequence[IndexSnapshot], body: Mapping[str, Any] | None, params: Mapping[str, str]
) -> dict[str, Any]:
    """OpenSearch's `_count` response: how many documents the body's `query` matches."""
    body = body or {}
    if not isinstance(body, Mapping):
        raise parsing("request body must be an object")
    for key in body:
        if key != "query":
            raise parsing(f"request does not support [{key}]")
    node = _url_query(params) or body.get("query", {"match_all": {}})
    now_millis = int(time.time() * 1000)
    total = 0
    for snapshot in snapshots:
        query = Compiler(snapshot.mapping, now_millis, snapshot.searcher).compile(node)
        total += _count_matches(snapshot.searcher, query)
    return {"count": total, "_shards": _shards(len(snapshots))}


# -- reading the request ------------------------------------------------------------------


def read_request(body: Mapping[str, Any] | None, params: Mapping[str, str]) -> SearchRequest:
    """The request a body and URL parameters describe; OpenSearch's 400s for bad ones."""
    body = body or {}
    if not isinstance(body, Mapping):
        raise parsing("request body must be an object")
    for key, value in body.items():
        if key not in _BODY_KEYS:
            raise parsing(f"Unknown key for a {_token(value)} in [{key}].")
        if key in _UNSUPPORTED_KEYS:
            raise unsupported(f"the search request option [{key}]")
    if body.get("explain") or params.get("explain") == "true":
        raise unsupported("[explain]")
    if body.get("profile"):
        raise unsupported("[profile]")
    for name in params:
        if name in _IGNORED_PARAMS:
            continue
        if name not in _SEARCH_PARAMS:
            raise bad_request(f"request [_search] contains unrecognized parameter: [{name}]")
    for name in (
        "stored_fields",
        "docvalue_fields",
        "terminate_after",
        "scroll",
        "analyzer",
        "suggest_field",
        "stats",
    ):
        if name in params:
            raise unsupported(f"the [{name}] URL parameter")

    start = _int_option(params.get("from", body.get("from", 0)), "from")
    size = _int_option(params.get("size", body.get("size", DEFAULT_SIZE)), "size")
    if start < 0:
        raise bad_request("[from] parameter cannot be negative")
    if size < 0:
        raise bad_request(f"[size] parameter cannot be negative, found [{size}]")
    if start + size > MAX_RESULT_WINDOW:
        raise bad_request(
            f"Result window is too large, from + size must be less than or equal to: "
            f"[{MAX_RESULT_WINDOW}] but was [{start + size}]. See the scroll api for a more "
            "efficient way to request large data sets. This limit can be set by changing the "
            "[index.max_result_window] index level setting."
        )
    sort = parse_sort_param(params["sort"]) if "sort" in params else parse_sort(body.get("sort"))
    search_after = body.get("search_after")
    if search_after is not None:
        if not isinstance(search_after, list):
            raise parsing("[search_after] must be an array")
        if not sort:
            raise bad_request("Sort must contain at least one field.")
        if len(search_after) != len(sort):
            raise bad_request(
                f"search_after has {len(search_after)} value(s) but sort has {len(sort)}."
            )
        if start != 0:
            raise bad_request("`from` parameter must be set to 0 when `search_after` is used.")
    source = parse_source_params(
        params.get("_source"), params.get("_source_includes"), params.get("_source_excludes")
    ) or parse_source(body.get("_source"))
    min_score = body.get("min_score")
    if min_score is not None and (
        isinstance(min_score, bool) or not isinstance(min_score, int | float)
    ):
        raise parsing("[min_score] must be a number")
    aggregations = body.get("aggregations", body.get("aggs"))
    if aggregations is not None and not isinstance(aggregations, Mapping):
        raise parsing("Expected [START_OBJECT] under [aggregations], but got a different token")
    return SearchRequest(
        query=_url_query(params) or body.get("query", {"match_all": {}}),
        start=start,
        size=size,
        sort=sort,
        search_after=search_after,
        track_total_hits=_track_total_hits(
            params.get("track_total_hits", body.get("track_total_hits"))
        ),
        track_scores=_flag(params.get("track_scores", body.get("track_scores", False))),
        source=source,
        highlight=parse_highlight(body.get("highlight")),
        aggregations=aggregations,
        min_score=float(min_score) if min_score is not None else None,
        post_filter=body.get("post_filter"),
        version=_flag(params.get("version", body.get("version", False))),
        seq_no_primary_term=_flag(
            params.get("seq_no_primary_term", body.get("seq_no_primary_term", False))
        ),
        total_as_int=_flag(params.get("rest_total_hits_as_int", False)),
        typed_keys=_flag(params.get("typed_keys", False)),
    )


def _url_query(params: Mapping[str, str]) -> dict[str, Any] | None:
    """The `q` URL parameter (Lucene syntax, with `df` and `default_operator`) as a
    `query_string` query; it stands in for the body's query, as in OpenSearch."""
    if "q" not in params:
        if "df" in params or "default_operator" in params:
            raise bad_request("[df] and [default_operator] need a [q] parameter")
        return None
    options: dict[str, Any] = {"query": params["q"], "default_field": params.get("df", "*")}
    if "default_operator" in params:
        options["default_operator"] = params["default_operator"]
    return {"query_string": options}


def _token(value: Any) -> str:
    if isinstance(value, Mapping):
        return "START_OBJECT"
    if isinstance(value, list):
        return "START_ARRAY"
    if isinstance(value, bool):
        return "VALUE_BOOLEAN"
    if isinstance(value, int | float):
        return "VALUE_NUMBER"
    if value is None:
        return "VALUE_NULL"
    return "VALUE_STRING"


def _int_option(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise parsing(f"[{name}] must be a number")
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        raise bad_request(f"Failed to parse int parameter [{name}] with value [{value}]") from None


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", ""):
        return True
    if value in ("false", None):
        return False
    raise bad_request(f"Failed to parse value [{value}] as only [true] or [false] are allowed.")


def _track_total_hits(value: Any) -> int | None:
    """The threshold up to which the total is exact; -1 always exact, None no total."""
    if value is None:
        return DEFAULT_TRACK_TOTAL_HITS
    if value is True or value == "true":
        return -1
    if value is False or value == "false":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise bad_request(
            f"Failed to parse value [{value}] as only [true] or [false] are allowed."
        ) from None
    if number < -1:
        raise bad_request(
            f"[track_total_hits] parameter must be positive or equals to -1, got {number}"
        )
    return number


# -- matching ---------------------------------------------------------------------------


def _compile(snapshot: IndexSnapshot, request: SearchRequest, now_millis: int) -> _Compiled:
    compiler = Compiler(snapshot.mapping, now_millis, snapshot.searcher)
    query = compiler.compile(request.query)
    hits_query = query
    if request.post_filter is not None:
        post = compiler.compile_filter(request.post_filter)
        hits_query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, query), (tantivy.Occur.Must, post)]
        )
    kinds = _sort_kinds(snapshot, request.sort)
    return _Compiled(snapshot, query, Source(snapshot, hits_query, kinds), compiler)


def _sort_kinds(snapshot: IndexSnapshot, keys: Sequence[SortKey]) -> list[FieldKind | None]:
    """How each sort key's field sorts in `snapshot` (OpenSearch's 400s for impossible ones)."""
    kinds: list[FieldKind | None] = []
    for key in keys:
        mapping = snapshot.mapping.field(key.field)
        check_field(key, mapping, snapshot.name)
        if key.field == ID_FIELD:
            kinds.append(FieldKind.KEYWORD)
        else:
            kinds.append(mapping.kind if mapping is not None else _unmapped_kind(key))
    return kinds


_SORT_TYPES: Final[Mapping[FieldKind, str]] = {
    FieldKind.LONG: "LONG",
    FieldKind.DATE: "LONG",
    FieldKind.BOOLEAN: "LONG",
    FieldKind.DOUBLE: "DOUBLE",
    FieldKind.KEYWORD: "STRING",
}


def _check_sort_types(keys: Sequence[SortKey], kinds: Sequence[Sequence[FieldKind | None]]) -> None:
    """Several indexes sort together only where a field sorts as the same type in each."""
    for position, key in enumerate(keys):
        found = (index_kinds[position] for index_kinds in kinds)
        types = sorted({_SORT_TYPES[kind] for kind in found if kind is not None})
        if len(types) > 1:
            raise bad_request(
                f"Can't sort on field [{key.field}]; the field has incompatible sort types: "
                f"[{types[0]}] and [{types[1]}] across shards!"
            )


def _unmapped_kind(key: SortKey) -> FieldKind | None:
    return None if key.unmapped_type is None else TYPE_KINDS.get(key.unmapped_type)


def _aggregations(
    compiled: Sequence[_Compiled], spec: Mapping[str, Any], now_millis: int, typed_keys: bool
) -> dict[str, Any]:
    """The response's `aggregations` (queries inside them get their own compiler, so they
    highlight nothing)."""

    def compiler_for(snapshot: IndexSnapshot) -> Any:
        return Compiler(snapshot.mapping, now_millis, snapshot.searcher).compile_filter

    if not compiled:
        return {}
    if len(compiled) == 1:
        item = compiled[0]
        hits_for = _top_hits_search(item, now_millis)
        return aggregate(
            item.snapshot, item.query, spec, compiler_for(item.snapshot), hits_for, typed_keys
        )
    parts = [(item.snapshot, item.query) for item in compiled]
    return aggregate_several(parts, spec, compiler_for, typed_keys)


def _top_hits_search(
    item: _Compiled, now_millis: int
) -> Callable[[tantivy.Query, Mapping[str, Any]], dict[str, Any]]:
    """The search a `top_hits` aggregation runs for one bucket: hits shaped as a search's."""
    snapshot = item.snapshot

    def hits_for(query: tantivy.Query, options: Mapping[str, Any]) -> dict[str, Any]:
        body = {"size": options.get("size", 3), "from": options.get("from", 0)}
        for key in ("sort", "_source"):
            if key in options:
                body[key] = options[key]
        request = read_request(body, {})
        kinds = _sort_kinds(snapshot, request.sort)
        bucket = _Compiled(snapshot, query, Source(snapshot, query, kinds), item.compiler)
        relevance = is_relevance(request.sort)
        scored = relevance or any(k.is_score for k in request.sort)
        candidates, total = collect(
            [bucket.source], request.sort, request.start + request.size, None, None, scored
        )
        page = candidates[request.start : request.start + request.size]
        hits = [_hit(bucket, c, request, scored) for c in page]
        best = max((c.score for c in candidates), default=None) if scored else None
        return {
            "total": {"value": total, "relation": "eq"},
            "max_score": None if best is None else shortest_float32(best),
            "hits": hits,
        }

    return hits_for


def _best_score(item: _Compiled) -> float:
    hits = item.snapshot.searcher.search(item.source.query, 1, count=False).hits
    return float(hits[0][0]) if hits else 0.0


def _count_matches(searcher: tantivy.Searcher, query: tantivy.Query) -> int:
    return int(getattr(searcher.search(query, 1, count=True), "count", 0) or 0)


# -- answering --------------------------------------------------------------------------


def _hit(
    item: _Compiled, candidate: Candidate, request: SearchRequest, scored: bool
) -> dict[str, Any]:
    snapshot = item.snapshot
    assert candidate.address is not None
    stored = snapshot.stored(candidate.address)
    hit: dict[str, Any] = {"_index": snapshot.name, "_id": stored.doc_id}
    if request.version:
        hit["_version"] = stored.version
    if request.seq_no_primary_term:
        hit["_seq_no"] = stored.seq_no
        hit["_primary_term"] = 1
    hit["_score"] = shortest_float32(candidate.score) if scored else None
    source: Any = None
    if request.source.enabled or request.highlight is not None:
        source = orjson.loads(stored.source_bytes)
    if request.source.enabled:
        hit["_source"] = request.source.apply(source)
    if request.highlight is not None:
        fragments = request.highlight.highlight(snapshot.mapping, source, item.compiler.highlights)
        if fragments:
            hit["highlight"] = fragments
    if request.sort:
        keys = request.sort
        hit["sort"] = [
            shown(key, item.source.kinds[i], value) if not key.is_score else shortest_float32(value)
            for i, (key, value) in enumerate(zip(keys, candidate.values, strict=False))
        ]
    return hit


def shortest_float32(value: float) -> float:
    """A score as OpenSearch prints it: the shortest decimal that reads back as the same
    32-bit float (tantivy, like Lucene, scores in float32: 0.2876821, not 0.28768211603)."""
    if not math.isfinite(value):
        return value
    single = float(struct.unpack("f", struct.pack("f", value))[0])
    # `g` drops trailing zeros, so six digits also gives the shorter forms (0.3, 1.0).
    for digits in range(6, 10):
        candidate = float(f"{single:.{digits}g}")
        if struct.unpack("f", struct.pack("f", candidate))[0] == single:
            return candidate
    return single


def _shards(indexes: int) -> dict[str, int]:
    return {"total": indexes, "successful": indexes, "skipped": 0, "failed": 0}
