"""Delivering one batch as Lambda's event source mapping does, retries and all.

A failed batch is retried with exponential backoff until it succeeds, its records grow older
than `maximumRecordAgeInSeconds`, or `maximumRetryAttempts` retries have failed; then it is
given up on (logged at ERROR with its sequence numbers) and the shard moves on, so a poison
record blocks its shard only while retries are unbounded (-1, AWS's default). With
`bisectBatchOnFunctionError` a failed batch is split in two and each half retried on its own
(splitting does not count as a retry), which narrows a poison record down to itself. A
partial failure (`ReportBatchItemFailures`, or a `_bulk` item) keeps what was delivered and
retries from the first record that was not. AWS's on-failure destination (SQS/SNS/S3) is not
served: a record given up on is only logged.

`checkpoint(record)` is awaited after every record range that is done with (delivered or
given up on), with its last record, so the position only ever moves forward.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from app.functions.base import SYNC_PAYLOAD_LIMIT
from app.streams.records import sequence_number
from app.streams.targets import Target

logger = logging.getLogger("strawsync.streams")

MAX_PAYLOAD_BYTES = SYNC_PAYLOAD_LIMIT - 1024
"""Lambda's synchronous payload limit, less room for the `{"Records": [...]}` envelope."""
INITIAL_BACKOFF_SECONDS = 0.1
MAXIMUM_BACKOFF_SECONDS = 5.0

Record = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    maximum_retry_attempts: int = -1
    maximum_record_age_seconds: int = -1
    bisect: bool = False
    initial_backoff: float = INITIAL_BACKOFF_SECONDS
    maximum_backoff: float = MAXIMUM_BACKOFF_SECONDS

    def backoff(self, retry: int) -> float:
        return float(min(self.initial_backoff * 2 ** (retry - 1), self.maximum_backoff))

    def exhausted(self, retries: int) -> bool:
        return 0 <= self.maximum_retry_attempts < retries

    def expired(self, record: Record, now: float) -> bool:
        if self.maximum_record_age_seconds < 0:
            return False
        created = record.get("dynamodb", {}).get("ApproximateCreationDateTime")
        return isinstance(created, int | float) and now - created > self.maximum_record_age_seconds


class BatchDelivery:
    """One mapping's delivery of batches to its target."""

    def __init__(
        self,
        target: Target,
        policy: RetryPolicy,
        checkpoint: Callable[[Record], Awaitable[None]],
        *,
        label: str,
    ) -> None:
        self.target = target
        self.policy = policy
        self._checkpoint = checkpoint
        self._label = label

    async def deliver(self, records: Sequence[Record], *, more: bool = False) -> None:
        """Returns once every record is delivered or given up on. A batch whose event would
        exceed Lambda's 6 MB payload is sent in parts, in order, as Lambda cuts its batches.
        `more`: another batch follows at once (the target may defer work to it)."""
        parts = payload_parts(records, MAX_PAYLOAD_BYTES)
        for index, part in enumerate(parts):
            await self._deliver(part, retries=0, more=more or index < len(parts) - 1)

    async def _deliver(self, records: list[Record], retries: int, more: bool = False) -> None:
        while records:
            # A retry is never deferred: what was delivered before it becomes visible.
            outcome = await self.target.deliver(records, more=more and not retries)
            if outcome.ok:
                await self._checkpoint(records[-1])
                return
            failed_at = outcome.failed_at or 0
            if failed_at:
                await self._checkpoint(records[failed_at - 1])
                records = records[failed_at:]
            retries += 1
            self._log_failure(records, retries, outcome.error)
            now = time.time()
            fresh = [r for r in records if not self.policy.expired(r, now)]
            if len(fresh) < len(records):
                # Records are in stream order, so the expired ones come first.
                expired = records[: len(records) - len(fresh)]
                self._give_up(expired, "older than maximumRecordAgeInSeconds")
                await self._checkpoint(expired[-1])
                records = fresh
                if not records:
                    return
            if self.policy.bisect and len(records) > 1:
                middle = len(records) // 2
                await self._deliver(records[:middle], retries - 1)
                await self._deliver(records[middle:], retries - 1)
                return
            if self.policy.exhausted(retries):
                self._give_up(records, f"{retries - 1} retries failed")
                await self._checkpoint(records[-1])
                return
            await asyncio.sleep(self.policy.backoff(retries))

    def _log_failure(self, records: Sequence[Record], retries: int, error: str | None) -> None:
        logger.warning(
            "%s: %s failed on %d record(s) from %s (attempt %d): %s",
            self._label,
            self.target.name,
            len(records),
            sequence_number(records[0]),
            retries,
            error,
        )

    def _give_up(self, records: Sequence[Record], why: str) -> None:
        logger.error(
            "%s: gave up on %d record(s), %s: sequence numbers %s (no on-failure destination)",
            self._label,
            len(records),
            why,
            ", ".join(sequence_number(r) for r in records),
        )


def payload_parts(records: Sequence[Record], limit: int) -> list[list[Record]]:
    """`records` in consecutive parts whose JSON stays within `limit` bytes each."""
    parts: list[list[Record]] = [[]]
    size = 0
    for record in records:
        length = len(orjson.dumps(record)) + 1
        if parts[-1] and size + length > limit:
            parts.append([])
            size = 0
        parts[-1].append(record)
        size += length
    return [part for part in parts if part]
