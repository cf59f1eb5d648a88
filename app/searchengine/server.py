"""OpenSearch's REST API over the store: routes, query parameters and JSON shapes.

A small router of its own (not Starlette's) so that what OpenSearch does at the edges is
kept: an unknown path is a 400 `no handler found for uri [...] and method [...]`, a known
path with the wrong method a 405, an unknown query parameter a 400 naming it. Every handler
is a plain function run in a worker thread (tantivy is CPU-bound; the event loop stays free
to accept requests); writes to one index are serialized by the index's own lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import zlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import unquote

import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.searchengine.bulk import bulk
from app.searchengine.documents import Action, Write, parse_source
from app.searchengine.errors import SearchError, bad_request, unsupported
from app.searchengine.filter_path import filter_response, parse_filter_path
from app.searchengine.source_filter import SourceFilter, parse_source_params
from app.searchengine.store import Found, Store

logger = logging.getLogger("strawsync.searchengine")

VERSION: Final = "2.17.0"
MAX_CONTENT_BYTES: Final = 100 * 1024 * 1024
"""OpenSearch's `http.max_content_length` default."""
REFRESH_TICK: Final = 0.1
WORKER_THREADS: Final = 64
UNSUPPORTED_PARAMS: Final = frozenset({"version", "version_type", "pipeline", "if_match"})
"""Valid OpenSearch parameters the engine does not implement (a 400 that names them)."""
KNOWN_APIS: Final = frozenset(
    {"_msearch", "_delete_by_query", "_update_by_query", "_settings", "_aliases", "_alias",
     "_cat", "_reindex", "_scroll", "_analyze", "_explain", "_termvectors", "_mtermvectors",
     "_validate", "_field_caps", "_stats", "_close", "_open", "_forcemerge", "_cache",
     "_segments", "_recovery", "_shrink", "_split", "_clone", "_rollover", "_template",
     "_index_template", "_component_template", "_ingest", "_nodes", "_snapshot", "_tasks",
     "_plugins", "_opendistro", "_rank_eval", "_search_shards", "_render", "_scripts",
     "_cluster", "_data_stream", "_pit", "_resolve", "_shard_stores", "_upgrade", "_block",
     "_disk_usage", "_field_usage_stats", "_remotestore", "_search_pipeline", "_dangling"}
)  # fmt: skip
"""OpenSearch APIs outside the engine's surface: refused by name, not "no handler"."""
COMMON_PARAMS: Final = frozenset({"pretty", "human", "error_trace", "filter_path", "format"})
WRITE_PARAMS: Final = frozenset(
    {"refresh", "routing", "timeout", "wait_for_active_shards", "if_seq_no", "if_primary_term",
     "op_type", "require_alias"}
)  # fmt: skip
SEARCH_PARAMS: Final = frozenset(
    {"size", "from", "sort", "_source", "_source_includes", "_source_excludes", "q",
     "track_total_hits", "timeout", "routing", "ignore_unavailable", "allow_no_indices",
     "expand_wildcards", "search_type", "request_cache", "preference", "rest_total_hits_as_int",
     "typed_keys", "seq_no_primary_term", "version", "explain", "stored_fields",
     "docvalue_fields", "terminate_after", "batched_reduce_size", "analyzer", "analyze_wildcard",
     "default_operator", "df", "lenient", "scroll", "allow_partial_search_results",
     "track_scores", "stats", "suggest_field", "ccs_minimize_roundtrips", "min_score"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Call:
    """What a handler gets: path parameters, query parameters and the raw body."""

    path: Mapping[str, str]
    params: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON, None when empty; malformed JSON is a 400 `parse_exception`."""
        if not self.body.strip():
            return None
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as error:
            raise SearchError(
                400, "parse_exception", f"Failed to parse request body: {error}"
            ) from None

    def object(self) -> Mapping[str, Any] | None:
        body = self.json()
        if body is not None and not isinstance(body, Mapping):
            raise SearchError(400, "parse_exception", "request body must be a JSON object")
        return body

    def flag(self, name: str) -> bool:
        value = self.params.get(name)
        return value is not None and value.lower() in ("", "true")


Reply = tuple[int, Any]
Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class _Route:
    pattern: re.Pattern[str]
    template: str
    handlers: Mapping[str, Handler]
    params: frozenset[str] = field(default_factory=frozenset)


class SearchApi:
    """The engine's handlers over one `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.routes = self._routes()

    # -- routing ------------------------------------------------------------------------------

    def _routes(self) -> list[_Route]:
        doc = {"GET": self.get_doc, "HEAD": self.head_doc, "DELETE": self.delete_doc}
        put_doc = {"PUT": self.put_doc, "POST": self.put_doc}
        search = {"GET": self.search, "POST": self.search}
        count = {"GET": self.count, "POST": self.count}
        realtime = frozenset({"realtime", "refresh", "routing", "preference", "_source",
                              "_source_includes", "_source_excludes", "stored_fields"})  # fmt: skip
        table: list[tuple[str, Mapping[str, Handler], frozenset[str]]] = [
            ("/", {"GET": self.info, "HEAD": self.info}, frozenset()),
            ("/_cluster/health", {"GET": self.health}, _HEALTH_PARAMS),
            ("/_cluster/health/{index}", {"GET": self.health}, _HEALTH_PARAMS),
            ("/_bulk", {"POST": self.bulk, "PUT": self.bulk}, WRITE_PARAMS),
            ("/_refresh", {"POST": self.refresh, "GET": self.refresh}, _INDICES_PARAMS),
            ("/_search", search, SEARCH_PARAMS),
            ("/_count", count, SEARCH_PARAMS),
            ("/_mapping", {"GET": self.get_mapping}, _INDICES_PARAMS),
            ("/_mget", {"GET": self.mget, "POST": self.mget}, realtime),
            ("/{index}/_mget", {"GET": self.mget, "POST": self.mget}, realtime),
            ("/{index}", {"PUT": self.create_index, "DELETE": self.delete_index,
                          "HEAD": self.head_index, "GET": self.get_index},
             _INDICES_PARAMS | {"timeout", "master_timeout", "cluster_manager_timeout",
                                "wait_for_active_shards", "include_defaults", "local"}),
            ("/{index}/_mapping", {"GET": self.get_mapping, "PUT": self.put_mapping,
                                   "POST": self.put_mapping},
             _INDICES_PARAMS | {"timeout", "master_timeout", "cluster_manager_timeout",
                                "write_index_only", "local"}),
            ("/{index}/_refresh", {"POST": self.refresh, "GET": self.refresh}, _INDICES_PARAMS),
            ("/_flush", {"POST": self.refresh, "GET": self.refresh}, _FLUSH_PARAMS),
            ("/{index}/_flush", {"POST": self.refresh, "GET": self.refresh}, _FLUSH_PARAMS),
            ("/{index}/_bulk", {"POST": self.bulk, "PUT": self.bulk}, WRITE_PARAMS),
            ("/{index}/_search", search, SEARCH_PARAMS),
            ("/{index}/_count", count, SEARCH_PARAMS),
            ("/{index}/_doc", {"POST": self.put_doc}, WRITE_PARAMS),
            ("/{index}/_doc/{id}", {**doc, **put_doc}, WRITE_PARAMS | realtime),
            ("/{index}/_create/{id}", {"PUT": self.create_doc, "POST": self.create_doc},
             WRITE_PARAMS),
            ("/{index}/_update/{id}", {"POST": self.update_doc},
             WRITE_PARAMS | {"retry_on_conflict", "_source", "_source_includes",
                             "_source_excludes"}),
            ("/{index}/_source/{id}", {"GET": self.get_source, "HEAD": self.head_doc}, realtime),
        ]  # fmt: skip
        routes = []
        for template, handlers, params in table:
            regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template.rstrip("/") or "/")
            routes.append(_Route(re.compile(f"^{regex}/?$"), template, handlers, params))
        return routes

    def dispatch(self, method: str, path: str, params: Mapping[str, str], body: bytes) -> Reply:
        """The status and JSON body for one request (errors included)."""
        try:
            for route in self.routes:
                match = route.pattern.match(path)
                if match is None or not _literal_fits(route.template, match.groupdict()):
                    continue
                handler = route.handlers.get(method)
                if handler is None:
                    allowed = ", ".join(sorted(route.handlers))
                    return 405, {
                        "error": f"Incorrect HTTP method for uri [{path}] and method "
                        f"[{method}], allowed: [{allowed}]",
                        "status": 405,
                    }
                for name in params:
                    if name in UNSUPPORTED_PARAMS and name not in route.params:
                        raise unsupported(f"the [{name}] parameter")
                    if name not in route.params and name not in COMMON_PARAMS:
                        raise bad_request(
                            f"request [{path}] contains unrecognized parameter: [{name}]"
                        )
                patterns = parse_filter_path(params.get("filter_path", ""))
                path_params = {key: unquote(value) for key, value in match.groupdict().items()}
                status, payload = handler(Call(path_params, params, body))
                if patterns and payload is not None:
                    payload = filter_response(orjson.loads(orjson.dumps(payload)), patterns)
                return status, payload
            for segment in path.split("/"):
                if segment.split("?")[0] in KNOWN_APIS:
                    raise unsupported(f"the [{segment}] API")
            return 400, {"error": f"no handler found for uri [{path}] and method [{method}]"}
        except SearchError as error:
            return error.status, error.body()
        except Exception as error:  # a bug: OpenSearch's 500 shape, and the traceback logged
            logger.exception("%s %s failed", method, path)
            failure = SearchError(500, "exception", f"{type(error).__name__}: {error}")
            return failure.status, failure.body()

    # -- cluster ------------------------------------------------------------------------------

    def info(self, call: Call) -> Reply:
        return 200, {
            "name": "strawsync",
            "cluster_name": "strawsync",
            "cluster_uuid": "strawsync-embedded-engine",
            "version": {
                "distribution": "opensearch",
                "number": VERSION,
                "build_type": "strawsync",
                "build_hash": "strawsync",
                "build_date": "2024-09-13T00:00:00.000000Z",
                "build_snapshot": False,
                "lucene_version": "9.11.1",
                "minimum_wire_compatibility_version": "7.10.0",
                "minimum_index_compatibility_version": "7.0.0",
            },
            "tagline": "The OpenSearch Project: https://opensearch.org/",
        }

    def health(self, call: Call) -> Reply:
        expression = call.path.get("index", "_all")
        names = self.store.resolve(expression)
        indexes = [self.store.index(name) for name in names]
        primaries = sum(index.settings.shards for index in indexes)
        unassigned = sum(index.settings.shards * index.settings.replicas for index in indexes)
        total = primaries + unassigned
        return 200, {
            "cluster_name": "strawsync",
            "status": "yellow" if unassigned else "green",
            "timed_out": False,
            "number_of_nodes": 1,
            "number_of_data_nodes": 1,
            "discovered_master": True,
            "discovered_cluster_manager": True,
            "active_primary_shards": primaries,
            "active_shards": primaries,
            "relocating_shards": 0,
            "initializing_shards": 0,
            "unassigned_shards": unassigned,
            "delayed_unassigned_shards": 0,
            "number_of_pending_tasks": 0,
            "number_of_in_flight_fetch": 0,
            "task_max_waiting_in_queue_millis": 0,
            "active_shards_percent_as_number": 100.0 * primaries / total if total else 100.0,
        }

    # -- indexes ------------------------------------------------------------------------------

    def create_index(self, call: Call) -> Reply:
        name = call.path["index"]
        self.store.create(name, call.object())
        return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}

    def delete_index(self, call: Call) -> Reply:
        self.store.delete(call.path["index"])
        return 200, {"acknowledged": True}

    def head_index(self, call: Call) -> Reply:
        names = self.store.resolve(call.path["index"], allow_missing=True)
        return (200 if names else 404), None

    def get_index(self, call: Call) -> Reply:
        names = self.store.resolve(call.path["index"])
        return 200, {name: self.store.index(name).describe() for name in names}

    def get_mapping(self, call: Call) -> Reply:
        names = self.store.resolve(call.path.get("index", "_all"))
        return 200, {name: {"mappings": self.store.index(name).mapping.to_body()} for name in names}

    def put_mapping(self, call: Call) -> Reply:
        body = call.object()
        if body is None:
            raise _invalid("mapping source is empty")
        for name in self.store.resolve(call.path["index"]):
            self.store.index(name).put_mapping(body)
        return 200, {"acknowledged": True}

    def refresh(self, call: Call) -> Reply:
        names = self.store.refresh(call.path.get("index", "_all"))
        shards = sum(self.store.index(name).settings.shards for name in names)
        replicas = sum(self.store.index(name).settings.replicas for name in names)
        return 200, {"_shards": {"total": shards + replicas, "successful": shards, "failed": 0}}

    # -- documents ------------------------------------------------------------------------------

    def put_doc(self, call: Call) -> Reply:
        op_type = call.params.get("op_type", "index")
        if op_type not in ("index", "create"):
            raise bad_request(f"opType must be 'create' or 'index', found: [{op_type}]")
        return self._write(call, "create" if op_type == "create" else "index")

    def create_doc(self, call: Call) -> Reply:
        return self._write(call, "create")

    def update_doc(self, call: Call) -> Reply:
        return self._write(call, "update")

    def delete_doc(self, call: Call) -> Reply:
        request = Write("delete", call.path["id"], None, None, *_seq(call))
        return self._apply(call, call.path["index"], request)

    def _write(self, call: Call, action: Action) -> Reply:
        raw = call.body
        if action == "update":
            source = call.object()
            if source is None:
                raise _invalid("script or doc is missing")
            raw_source = None
        else:
            source = parse_source(raw)
            raw_source = raw.strip()
        request = Write(
            action,
            call.path.get("id"),
            source,
            raw_source,
            *_seq(call),
        )
        return self._apply(call, call.path["index"], request)

    def _apply(self, call: Call, name: str, request: Write) -> Reply:
        index = self.store.for_write(name) if request.action != "delete" else self.store.index(name)
        (result,) = index.write([request])
        if isinstance(result, SearchError):
            raise result
        if _refresh_asked(call):
            index.refresh()
            if call.params.get("refresh") != "wait_for":
                result.body["forced_refresh"] = True
        return result.status, result.body

    def get_doc(self, call: Call) -> Reply:
        name, doc_id = call.path["index"], call.path["id"]
        found = self.store.index(name).get(doc_id)
        body = _document_body(name, doc_id, found, _source_filter(call))
        return (404 if found is None else 200), body

    def mget(self, call: Call) -> Reply:
        """`_mget`: `docs` (each with `_index` unless the path names it) or `ids`."""
        body = call.object() or {}
        default = call.path.get("index")
        if "ids" in body:
            if default is None:
                raise _invalid("index is missing for doc 0")
            wanted = [{"_index": default, "_id": doc_id} for doc_id in body["ids"]]
        elif isinstance(body.get("docs"), list):
            wanted = body["docs"]
        else:
            raise _invalid("no documents to get")
        source_filter = _source_filter(call)
        docs = []
        for number, spec in enumerate(wanted):
            if not isinstance(spec, Mapping) or "_id" not in spec:
                raise _invalid(f"id is missing for doc {number}")
            name = str(spec.get("_index", default or ""))
            doc_id = str(spec["_id"])
            if not name:
                raise _invalid(f"index is missing for doc {number}")
            docs.append(self._mget_one(name, doc_id, source_filter))
        return 200, {"docs": docs}

    def _mget_one(self, name: str, doc_id: str, source_filter: SourceFilter) -> dict[str, Any]:
        try:
            found = self.store.index(name).get(doc_id)
        except SearchError as error:
            return {"_index": name, "_id": doc_id, "error": error.cause()}
        return _document_body(name, doc_id, found, source_filter)

    def head_doc(self, call: Call) -> Reply:
        index = self.store.index(call.path["index"])
        return (200 if index.get(call.path["id"]) is not None else 404), None

    def get_source(self, call: Call) -> Reply:
        name, doc_id = call.path["index"], call.path["id"]
        found = self.store.index(name).get(doc_id)
        if found is None:
            raise SearchError(
                404,
                "resource_not_found_exception",
                f"Document not found [{name}]/[{doc_id}]",
            )
        return 200, _shown_source(found.source, _source_filter(call))

    def bulk(self, call: Call) -> Reply:
        return 200, bulk(self.store, call.path.get("index"), call.body, call.params)

    # -- search -------------------------------------------------------------------------------

    def search(self, call: Call) -> Reply:
        from app.searchengine import search as searching

        snapshots = self._snapshots(call)
        return 200, searching.search(snapshots, call.object(), _search_params(call))

    def count(self, call: Call) -> Reply:
        from app.searchengine import search as searching

        snapshots = self._snapshots(call)
        return 200, searching.count(snapshots, call.object(), _search_params(call))

    def _snapshots(self, call: Call) -> Sequence[Any]:
        expression = call.path.get("index", "_all")
        lenient = call.flag("ignore_unavailable")
        return self.store.snapshots(expression, allow_missing=lenient)


_INDICES_PARAMS: Final = frozenset(
    {"ignore_unavailable", "allow_no_indices", "expand_wildcards", "flat_settings"}
)
_FLUSH_PARAMS: Final = _INDICES_PARAMS | {"force", "wait_if_ongoing"}
_HEALTH_PARAMS: Final = frozenset(
    {"wait_for_status", "timeout", "level", "local", "master_timeout", "cluster_manager_timeout",
     "wait_for_active_shards", "wait_for_nodes", "wait_for_events", "wait_for_no_relocating_shards",
     "wait_for_no_initializing_shards", "awareness_attribute", "expand_wildcards"}
)  # fmt: skip


def _invalid(reason: str) -> SearchError:
    """OpenSearch's request validation failure (400)."""
    return SearchError(
        400, "action_request_validation_exception", f"Validation Failed: 1: {reason};"
    )


def _literal_fits(template: str, groups: Mapping[str, str]) -> bool:
    """`/{index}` does not take `/_bulk`: a name starting with `_` is an API, not an index
    (OpenSearch refuses such index names anyway)."""
    return not any(value.startswith("_") for key, value in groups.items() if key == "index")


def _seq(call: Call) -> tuple[int | None, int | None]:
    """`if_seq_no` and `if_primary_term`, when given."""
    values: list[int | None] = []
    for name in ("if_seq_no", "if_primary_term"):
        text = call.params.get(name)
        try:
            values.append(None if text is None else int(text))
        except ValueError:
            raise bad_request(f"Failed to parse [{name}] with value [{text}]") from None
    return values[0], values[1]


def _refresh_asked(call: Call) -> bool:
    value = call.params.get("refresh")
    if value is None or value == "false":
        return False
    if value in ("", "true", "wait_for"):
        return True
    raise bad_request(f"Unknown value for refresh: [{value}].")


def _source_filter(call: Call) -> SourceFilter:
    """`_source`, `_source_includes`, `_source_excludes` of a get."""
    params = call.params
    found = parse_source_params(
        params.get("_source"), params.get("_source_includes"), params.get("_source_excludes")
    )
    return found or SourceFilter()


def _shown_source(raw: bytes, source_filter: SourceFilter) -> Any:
    """The stored bytes as they are, or filtered."""
    if not source_filter.filters:
        return orjson.Fragment(raw)
    return source_filter.apply(orjson.loads(raw))


def _search_params(call: Call) -> dict[str, str]:
    return {key: value for key, value in call.params.items() if key not in COMMON_PARAMS}


# -- the ASGI application ---------------------------------------------------------------------


def create_app(store: Store) -> Starlette:
    """The engine as an ASGI app; its lifespan runs the refresh ticker and, at shutdown,
    commits every index."""
    api = SearchApi(store)

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        try:
            body = await _read_body(request)
        except SearchError as error:
            return _respond(error.status, error.body(), pretty=False, head=False)
        params = dict(request.query_params)
        method = request.method
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        path = raw_path.decode("latin-1").split("?", 1)[0]
        if path == "/":  # the liveness probe never queues behind busy index work
            status, payload = api.dispatch(method, path, params, body)
        else:
            status, payload = await asyncio.to_thread(api.dispatch, method, path, params, body)
        logger.debug(
            "%s %s -> %d (%.1f ms)", method, path, status,
            (time.perf_counter() - started) * 1000,
        )  # fmt: skip
        pretty = "pretty" in params and params["pretty"] != "false"
        return _respond(status, payload, pretty=pretty, head=method == "HEAD")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Requests waiting on an index's write lock hold a thread each: more than the
        # default min(32, cores + 4), so a busy index never starves the others.
        workers = ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="searchengine")
        asyncio.get_running_loop().set_default_executor(workers)
        ticker = asyncio.create_task(_refresh_ticker(store))
        try:
            yield
        finally:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker
            await asyncio.to_thread(store.close)

    methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
    return Starlette(
        routes=[Route("/{path:path}", endpoint, methods=methods)],
        middleware=[Middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES)],
        lifespan=lifespan,
    )


GZIP_MINIMUM_BYTES: Final = 1024
"""Answers this large are gzipped for a client that accepts it (OpenSearch compresses too)."""


def _document_body(
    name: str, doc_id: str, found: Found | None, source_filter: SourceFilter
) -> dict[str, Any]:
    """A document as `GET _doc` and each `_mget` entry show it (`found: false` if absent)."""
    if found is None:
        return {"_index": name, "_id": doc_id, "found": False}
    body: dict[str, Any] = {
        "_index": name,
        "_id": doc_id,
        "_version": found.version,
        "_seq_no": found.seq_no,
        "_primary_term": 1,
        "found": True,
    }
    if source_filter.enabled:
        body["_source"] = _shown_source(found.source, source_filter)
    return body


async def _refresh_ticker(store: Store) -> None:
    while True:
        await asyncio.sleep(REFRESH_TICK)
        await asyncio.to_thread(store.refresh_due)


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_CONTENT_BYTES:
        raise _too_large()
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_CONTENT_BYTES:
            raise _too_large()
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise bad_request(f"unsupported Content-Encoding [{encoding}]")
    return await asyncio.to_thread(_decompress, body, encoding)


def _decompress(body: bytes, encoding: str) -> bytes:
    """A compressed body (opensearch-py's `http_compress`), inflated up to the same cap as a
    plain one, so a small bomb cannot take the engine's memory."""
    inflater = zlib.decompressobj(wbits=31 if encoding == "gzip" else 15)
    try:
        inflated = inflater.decompress(body, MAX_CONTENT_BYTES + 1)
    except zlib.error as error:
        raise bad_request(f"the {encoding} request body cannot be decompressed: {error}") from None
    if len(inflated) > MAX_CONTENT_BYTES or inflater.unconsumed_tail:
        raise _too_large()
    return inflated


def _too_large() -> SearchError:
    return SearchError(
        413,
        "content_too_long_exception",
        f"the request body is larger than http.max_content_length [{MAX_CONTENT_BYTES}b]",
    )


def _respond(status: int, payload: Any, *, pretty: bool, head: bool) -> Response:
    if head or payload is None:
        return Response(status_code=status, media_type="application/json; charset=UTF-8")
    option = orjson.OPT_INDENT_2 if pretty else 0
    content = orjson.dumps(payload, option=option)
    return Response(content, status_code=status, media_type="application/json; charset=UTF-8")
