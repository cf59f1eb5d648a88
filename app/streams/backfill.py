"""What a table held before its stream began, indexed once: Amplify's backfill, built in.

A stream carries only the changes made after it was enabled (and only the last 24 hours of
them). A search index fed from a table that already had items, a table whose stream was just
enabled or an index started afresh, would miss those items until each was written again:
Amplify ships a script that scans the table into the index for this. The built-in indexer does
it by itself the first time it reads a stream (its position says whether it has), then follows
the stream from its start. A change the scan already saw may come again from the stream; an
index write is idempotent and the stream's later records win, so the index converges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Protocol

from app.streams.records import INSERT
from app.streams.targets import Target

BATCH_SIZE: Final = 500
"""Items per `_bulk` while backfilling."""


class BackfillFailed(Exception):
    """The index refused part of the backfill; the poller retries it from the start."""


class ScannableTable(Protocol):
    async def key_names(self) -> Sequence[str]:
        """The table's hash (and range) key attribute names."""
        ...

    async def scan_page(
        self, start_key: Mapping[str, Any] | None
    ) -> tuple[list[dict[str, Any]], Mapping[str, Any] | None]:
        """One page of items in DynamoDB's wire JSON, and where the next page starts."""
        ...


async def backfill(table: ScannableTable, target: Target) -> int:
    """Every item of `table` delivered to `target` as an INSERT; how many there were."""
    keys = list(await table.key_names())
    count = 0
    start: Mapping[str, Any] | None = None
    while True:
        items, start = await table.scan_page(start)
        for first in range(0, len(items), BATCH_SIZE):
            chunk = items[first : first + BATCH_SIZE]
            more = start is not None or first + BATCH_SIZE < len(items)
            outcome = await target.deliver([_insert(item, keys) for item in chunk], more=more)
            if not outcome.ok:
                raise BackfillFailed(outcome.error or "the index refused the backfill")
        count += len(items)
        if start is None:
            return count


def _insert(item: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """An item as the INSERT stream record the indexer takes."""
    return {
        "eventName": INSERT,
        "dynamodb": {"Keys": {name: item[name] for name in keys}, "NewImage": dict(item)},
    }
