"""What a mapping feeds: a Lambda function, or the built-in indexer.

Both take a batch of records (Lambda's `Records` entries, in stream order) and answer an
`Outcome`: delivered, or the position of the first record that was not, and why. That is
Lambda's own model: a function error fails the whole batch; with `ReportBatchItemFailures`
the function names the records that failed and Lambda resumes from the lowest of them. The
indexer answers the same way from its `_bulk` response, so both share one retry policy
(`app.streams.delivery`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from app.functions.base import FunctionInvoker, InvokeRefused
from app.streams.records import INSERT, MODIFY, REMOVE, document, document_id, sequence_number

logger = logging.getLogger("strawsync.streams")

BULK_REFRESH = "true"
"""Each `_bulk` refreshes the index before it answers, so a change is searchable as soon as
the batch is delivered (the poll interval, not a refresh interval, bounds the lag)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a delivery went: `failed_at` None when every record was delivered, else the index
    of the first record that was not (the ones before it were)."""

    failed_at: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.failed_at is None


DELIVERED = Outcome()


class Target(Protocol):
    """A mapping's destination."""

    @property
    def name(self) -> str: ...

    async def deliver(self, records: Sequence[Mapping[str, Any]], *, more: bool = False) -> Outcome:
        """Deliver one batch; `more` says another batch follows at once (catching up)."""
        ...


class FunctionTarget:
    """A Lambda function, invoked synchronously with `{"Records": [...]}` as AWS does."""

    def __init__(self, name: str, invoker: FunctionInvoker, *, report_failures: bool) -> None:
        self.name = name
        self._invoker = invoker
        self._report_failures = report_failures

    async def deliver(self, records: Sequence[Mapping[str, Any]], *, more: bool = False) -> Outcome:
        payload = orjson.dumps({"Records": list(records)})
        try:
            result = await self._invoker.invoke(payload)
        except InvokeRefused as error:
            return Outcome(0, str(error))
        failure = result.error_document()
        if failure is not None:
            kind = failure.get("errorType") or result.function_error
            return Outcome(0, f"{kind}: {failure.get('errorMessage')}")
        if not self._report_failures:
            return DELIVERED
        return batch_item_failures(result.payload, records)


def batch_item_failures(payload: bytes, records: Sequence[Mapping[str, Any]]) -> Outcome:
    """A `ReportBatchItemFailures` response, read as Lambda reads it: nothing, `{}` or an
    empty list is success; a valid list resumes from the lowest failed record; an invalid
    response (not JSON, an identifier that is empty or not in the batch) fails it all."""
    try:
        response = orjson.loads(payload) if payload.strip() else None
    except orjson.JSONDecodeError:
        return Outcome(0, "the function's response is not valid JSON")
    if response is None or response == {}:
        return DELIVERED
    failures = response.get("batchItemFailures") if isinstance(response, dict) else None
    if failures is None and isinstance(response, dict):
        return DELIVERED
    if not isinstance(failures, list):
        return Outcome(0, "batchItemFailures is not a list")
    if not failures:
        return DELIVERED
    positions = {sequence_number(record): i for i, record in enumerate(records)}
    lowest = len(records)
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not isinstance(identifier, str) or identifier not in positions:
            return Outcome(0, f"batchItemFailures names an unknown itemIdentifier {identifier!r}")
        lowest = min(lowest, positions[identifier])
    return Outcome(lowest, f"the function reported {len(failures)} failed record(s)")


class SearchResponse(Protocol):
    @property
    def status(self) -> int: ...

    @property
    def body(self) -> Any: ...


class SearchClient(Protocol):
    """The OpenSearch data source's client (`app.datasources.opensearch`)."""

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        ndjson: bytes | None = None,
    ) -> SearchResponse: ...


class SearchSource(Protocol):
    @property
    def client(self) -> SearchClient: ...


class IndexTarget:
    """The built-in indexer: one `_bulk` per batch, INSERT and MODIFY index the new image,
    REMOVE deletes (a document already gone is fine)."""

    def __init__(self, source: SearchSource, index: str) -> None:
        self.name = f"index {index}"
        self._source = source
        self._index = index

    async def deliver(self, records: Sequence[Mapping[str, Any]], *, more: bool = False) -> Outcome:
        """`_bulk` with a refresh, unless another batch follows at once: then the last one
        refreshes for all (a refresh costs a bulk of 100 documents about three times over)."""
        lines: list[bytes] = []
        positions: list[int] = []
        for position, record in enumerate(records):
            action = self._action(record)
            if action is None:
                continue
            lines.extend(orjson.dumps(line) for line in action)
            positions.append(position)
        if not lines:
            return DELIVERED
        body = b"\n".join(lines) + b"\n"
        try:
            response = await self._source.client.request(
                "POST", "/_bulk", query={"refresh": "false" if more else BULK_REFRESH}, ndjson=body
            )
        except Exception as error:  # the client's "cannot reach the cluster"
            return Outcome(0, f"{type(error).__name__}: {error}")
        if not 200 <= response.status < 300 or not isinstance(response.body, dict):
            return Outcome(0, f"_bulk answered HTTP {response.status}: {_reason(response.body)}")
        return bulk_outcome(response.body, positions)

    def _action(self, record: Mapping[str, Any]) -> list[dict[str, Any]] | None:
        change = record.get("dynamodb") or {}
        keys = change.get("Keys")
        if not isinstance(keys, Mapping) or not keys:
            logger.warning("stream record %s has no keys: skipped", record.get("eventID"))
            return None
        meta = {"_index": self._index, "_id": document_id(keys)}
        name = record.get("eventName")
        if name == REMOVE:
            return [{"delete": meta}]
        if name in (INSERT, MODIFY):
            source = document(record)
            if source is None:
                logger.warning(
                    "stream record %s has no NewImage (the stream's view type must include "
                    "new images for the indexer): skipped",
                    record.get("eventID"),
                )
                return None
            return [{"index": meta}, source]
        return None


def bulk_outcome(answer: Mapping[str, Any], positions: Sequence[int]) -> Outcome:
    """The first record whose action failed (a delete of a missing document succeeds)."""
    if not answer.get("errors"):
        return DELIVERED
    items = answer.get("items")
    if not isinstance(items, list) or len(items) != len(positions):
        return Outcome(0, "_bulk reported errors without one item per action")
    for item, position in zip(items, positions, strict=True):
        ((operation, result),) = item.items() if isinstance(item, dict) and item else (("", {}),)
        status = result.get("status", 500) if isinstance(result, dict) else 500
        if 200 <= status < 300 or (operation == "delete" and status == 404):
            continue
        error = result.get("error") if isinstance(result, dict) else None
        return Outcome(position, f"{operation} failed with HTTP {status}: {_reason(error)}")
    return DELIVERED


def _reason(error: Any) -> str:
    if isinstance(error, dict):
        inner = error.get("error", error)
        if isinstance(inner, dict):
            return f"{inner.get('type')}: {inner.get('reason')}"
        return str(inner)
    return str(error)[:200]
