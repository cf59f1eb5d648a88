"""`_bulk`: NDJSON action lines (index, create, update, delete), each with its own result.

A malformed action line fails the whole request (400), as in OpenSearch; a bad document,
a version conflict or a missing document fails only its item, and `errors` says whether
any did. Consecutive items for one index are written as one batch under the index's lock,
with one translog fsync and at most one mapping rebuild for the fields they bring.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

from app.searchengine.documents import ACTIONS, Write, WriteResult, parse_source
from app.searchengine.errors import SearchError, bad_request, unsupported
from app.searchengine.store import Store

_META_KEYS: Final = frozenset(
    {"_index", "_id", "if_seq_no", "if_primary_term", "routing", "retry_on_conflict",
     "require_alias", "_source"}
)  # fmt: skip


@dataclass(slots=True)
class _Item:
    action: str
    index: str
    doc_id: str | None
    write: Write | None
    error: SearchError | None = None
    result: WriteResult | SearchError | None = None


def bulk(
    store: Store, default_index: str | None, body: bytes, params: Mapping[str, str]
) -> dict[str, Any]:
    """Apply a `_bulk` body; OpenSearch's response (`took`, `errors`, `items`)."""
    started = time.perf_counter()
    items = _parse(body, default_index)
    touched: dict[str, None] = {}
    start = 0
    while start < len(items):
        end = start
        while end < len(items) and items[end].index == items[start].index:
            end += 1
        _write_run(store, items[start:end])
        touched[items[start].index] = None
        start = end
    if params.get("refresh") not in (None, "false"):
        for name in touched:
            if store.exists(name):
                store.index(name).refresh()
    rendered = [_render(item) for item in items]
    return {
        "took": int((time.perf_counter() - started) * 1000),
        "errors": any("error" in next(iter(entry.values())) for entry in rendered),
        "items": rendered,
    }


def _write_run(store: Store, run: list[_Item]) -> None:
    """Items for one index, in order; an index-level failure (a bad name, a missing index
    for a delete) fails each of them."""
    pending = [item for item in run if item.error is None]
    if not pending:
        return
    name = run[0].index
    try:
        only_deletes = all(item.action == "delete" for item in pending)
        index = store.index(name) if only_deletes else store.for_write(name)
    except SearchError as error:
        for item in pending:
            item.error = error
        return
    results = index.write([item.write for item in pending if item.write is not None])
    for item, result in zip(pending, results, strict=True):
        item.result = result


def _parse(body: bytes, default_index: str | None) -> list[_Item]:
    if body and not body.endswith(b"\n"):
        raise bad_request("The bulk request must be terminated by a newline [\\n]")
    lines = body.split(b"\n")
    items: list[_Item] = []
    number = 0
    while number < len(lines):
        line = lines[number].strip()
        number += 1
        if not line:
            continue
        action, meta = _action(line, number)
        index = meta.get("_index", default_index)
        if not isinstance(index, str):
            raise SearchError(
                400,
                "action_request_validation_exception",
                "Validation Failed: 1: index is missing;",
            )
        doc_id = meta.get("_id")
        doc_id = None if doc_id is None else str(doc_id)
        source: Mapping[str, Any] | None = None
        raw: bytes | None = None
        error: SearchError | None = None
        if action != "delete":
            if number >= len(lines) or not lines[number].strip():
                raise bad_request(
                    f"Malformed action/metadata line [{number}]: no source line follows"
                )
            raw = lines[number].strip()
            number += 1
            try:
                source = parse_source(raw) if action != "update" else _update_body(raw)
            except SearchError as problem:
                error = problem
        elif doc_id is None:
            error = SearchError(
                400, "action_request_validation_exception", "Validation Failed: 1: id is missing;"
            )
        try:
            if_seq_no = _optional_int(meta, "if_seq_no")
            if_primary_term = _optional_int(meta, "if_primary_term")
        except SearchError as problem:
            error, if_seq_no, if_primary_term = problem, None, None
        if action == "update" and doc_id is None:
            error = SearchError(
                400, "action_request_validation_exception", "Validation Failed: 1: id is missing;"
            )
        write = Write(
            action,  # type: ignore[arg-type]
            doc_id,
            source,
            raw if action != "update" else None,
            if_seq_no,
            if_primary_term,
        )
        items.append(_Item(action, index, doc_id, write if error is None else None, error))
    return items


def _action(line: bytes, number: int) -> tuple[str, Mapping[str, Any]]:
    try:
        parsed = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise bad_request(
            f"Malformed action/metadata line [{number}], expected START_OBJECT or END_OBJECT"
        ) from None
    if not isinstance(parsed, dict) or len(parsed) != 1:
        raise bad_request(
            f"Malformed action/metadata line [{number}], expected START_OBJECT but found "
            "something else"
        )
    ((action, meta),) = parsed.items()
    if action not in ACTIONS:
        raise bad_request(
            f"Malformed action/metadata line [{number}], expected field [create], [delete], "
            f"[index] or [update] but found [{action}]"
        )
    if not isinstance(meta, dict):
        raise bad_request(f"Malformed action/metadata line [{number}], expected START_OBJECT")
    for key in meta:
        if key in ("version", "version_type", "pipeline"):
            raise unsupported(f"the bulk action parameter [{key}]")
        if key not in _META_KEYS:
            raise bad_request(
                f"Action/metadata line [{number}] contains an unknown parameter [{key}]"
            )
    return action, meta


def _update_body(raw: bytes) -> Mapping[str, Any]:
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise SearchError(
            400, "x_content_parse_exception", f"Failed to parse update: {error}"
        ) from None
    if not isinstance(body, dict):
        raise SearchError(400, "x_content_parse_exception", "an update must be a JSON object")
    return body


def _optional_int(meta: Mapping[str, Any], key: str) -> int | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad_request(f"[{key}] must be a number")
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"[{key}] must be a number") from None


def _render(item: _Item) -> dict[str, Any]:
    result = item.result if item.result is not None else item.error
    if isinstance(result, WriteResult):
        return {item.action: {**result.body, "status": result.status}}
    assert result is not None
    return {
        item.action: {
            "_index": item.index,
            "_id": item.doc_id,
            "status": result.status,
            "error": result.cause(),
        }
    }
