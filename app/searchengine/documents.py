"""Document writes as requests and results: what `_doc`, `_create`, `_update` and each
`_bulk` item ask for, and the JSON OpenSearch answers with.

The store applies a `Write` to an index and returns a `WriteResult`; the same result is a
whole response for a single-document route and one item of a `_bulk` response.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

import orjson

from app.searchengine.errors import (
    SearchError,
    bad_request,
    mapper_parsing,
    parsing,
    unsupported,
    version_conflict,
)

Action = Literal["index", "create", "update", "delete"]
ACTIONS: Final = ("index", "create", "update", "delete")
PRIMARY_TERM: Final = 1
MAX_ID_BYTES: Final = 512
_UPDATE_KEYS: Final = frozenset({"doc", "doc_as_upsert", "upsert", "detect_noop", "_source"})


@dataclass(frozen=True, slots=True)
class Write:
    """One write to one index. `source`/`raw` are the document (index, create) or the
    update body (update); `doc_id` None asks for a generated id (index, create)."""

    action: Action
    doc_id: str | None
    source: Mapping[str, Any] | None = None
    raw: bytes | None = None
    if_seq_no: int | None = None
    if_primary_term: int | None = None


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What OpenSearch answers for one write: an HTTP status and the body."""

    status: int
    body: dict[str, Any]


def new_id() -> str:
    """A generated id: 20 URL-safe characters, like OpenSearch's."""
    return secrets.token_urlsafe(15)


def check_id(doc_id: str) -> None:
    if not doc_id:
        raise bad_request(
            "if _id is specified it must not be empty", "action_request_validation_exception"
        )
    size = len(doc_id.encode("utf-8"))
    if size > MAX_ID_BYTES:
        raise bad_request(
            f"id [{doc_id[:40]}...] is too long, must be no longer than {MAX_ID_BYTES} bytes "
            f"but was: {size}",
            "action_request_validation_exception",
        )


def parse_source(raw: bytes) -> Mapping[str, Any]:
    """A document body: a JSON object, else a `mapper_parsing_exception` as OpenSearch."""
    if not raw.strip():
        raise SearchError(400, "parse_exception", "request body is required")
    try:
        source = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise mapper_parsing(f"failed to parse: {error}") from None
    if not isinstance(source, dict):
        raise mapper_parsing("failed to parse, document is empty or not an object")
    return source


def check_update_body(body: Mapping[str, Any]) -> None:
    """An `_update` body: `doc`, `upsert`, `doc_as_upsert`; a script is unsupported."""
    if "script" in body or "scripted_upsert" in body:
        raise unsupported("updating a document with a script")
    for key in body:
        if key not in _UPDATE_KEYS:
            raise SearchError(
                400, "x_content_parse_exception", f"[UpdateRequest] unknown field [{key}]"
            )
    for key in ("doc", "upsert"):
        if key in body and not isinstance(body[key], Mapping):
            raise parsing(f"[UpdateRequest] [{key}] must be an object")
    if "doc" not in body and "upsert" not in body:
        raise bad_request(
            "Validation Failed: 1: script or doc is missing;", "action_request_validation_exception"
        )


def merge(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`current` with `changes` applied, objects merged key by key (an update's `doc`)."""
    merged = dict(current)
    for key, value in changes.items():
        existing = merged.get(key)
        if isinstance(existing, Mapping) and isinstance(value, Mapping):
            merged[key] = merge(existing, value)
        else:
            merged[key] = value
    return merged


def written(
    index: str,
    doc_id: str,
    version: int,
    seq_no: int,
    result: str,
    shards: Mapping[str, int],
    status: int,
) -> WriteResult:
    """A document written, deleted or not found, in OpenSearch's order of keys."""
    body = {
        "_index": index,
        "_id": doc_id,
        "_version": version,
        "result": result,
        "_shards": dict(shards),
        "_seq_no": seq_no,
        "_primary_term": PRIMARY_TERM,
    }
    return WriteResult(status, body)


def seq_no_conflict(
    index: str, doc_id: str, if_seq_no: int, if_primary_term: int, current: tuple[int, int] | None
) -> SearchError:
    required = f"required seqNo [{if_seq_no}], primary term [{if_primary_term}]."
    if current is None:
        return version_conflict(index, doc_id, f"{required} but no document was found")
    seq_no, term = current
    return version_conflict(
        index,
        doc_id,
        f"{required} current document has seqNo [{seq_no}] and primary term [{term}]",
    )
