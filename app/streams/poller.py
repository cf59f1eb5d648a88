"""One event source mapping's poller: reads a table's stream shard by shard, in order.

As Lambda's poller does: the stream is the table's latest (`DescribeTable`'s
`LatestStreamArn`), its shards come from `DescribeStream`, a child shard is read only once its
parent is finished (read to its end after it closed), and each shard is polled about four
times a second while it has nothing new (at once again while it does). Records are read in
pages of up to 1000 and batched up to `batchSize`, waiting up to
`maximumBatchingWindowInSeconds` for more; a shard's batches are delivered one after another
(the next page is read meanwhile), so its records arrive in order. Shards are read side by
side.

The position survives restarts (`app.streams.checkpoint`): a shard resumes after the last
record done with (`AFTER_SEQUENCE_NUMBER`); a shard never read starts at `startingPosition`.
Anything that goes wrong on the way (DynamoDB Local restarting on a new port, a table without
a stream, a network error) ends the current pass: the poller says why, waits, and starts
again from its position, on the endpoint the DynamoDB data source has then. Only `close`
stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.config import Config
from botocore.exceptions import ClientError

from app.definition.model import EventSourceMappingDef, StartingPosition
from app.streams.checkpoint import Checkpoints, StreamPosition
from app.streams.delivery import BatchDelivery, Record
from app.streams.records import lambda_record, sequence_number

logger = logging.getLogger("strawsync.streams")

POLL_INTERVAL_SECONDS = 0.25
"""Lambda polls each shard four times a second."""
DISCOVERY_INTERVAL_SECONDS = 10.0
"""How often the shard list is read again while shards are being read (at once when one
ends, to find its children)."""
IDLE_DISCOVERY_SECONDS = 1.0
GET_RECORDS_LIMIT = 1000
CLOSE_GRACE_SECONDS = 10.0
RETRY_INITIAL_SECONDS = 0.5
RETRY_MAXIMUM_SECONDS = 10.0
Checkpoint = Callable[[Record], Awaitable[None]]
DeliveryFactory = Callable[[Checkpoint, str], BatchDelivery]
"""Makes a shard's delivery, given how to checkpoint its records and a label for logs."""
CLIENT_CONFIG = Config(
    connect_timeout=2, read_timeout=10, retries={"mode": "standard", "max_attempts": 2}
)


class StreamUnavailable(Exception):
    """The table has no stream to read (yet): the poller waits and looks again."""


class StreamsClient(Protocol):
    """The DynamoDB Streams calls the poller makes (aioboto3's `dynamodbstreams` client)."""

    async def describe_stream(self, **kwargs: Any) -> dict[str, Any]: ...

    async def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]: ...

    async def get_records(self, **kwargs: Any) -> dict[str, Any]: ...


class TableAccess(Protocol):
    """How the poller reaches the table: the DynamoDB data source's current endpoint."""

    async def latest_stream_arn(self) -> str | None:
        """The table's current stream, or None when it has none enabled."""
        ...

    def streams_client(self, config: Config) -> contextlib.AbstractAsyncContextManager[Any]:
        """A DynamoDB Streams client for where the table is now."""
        ...

    @property
    def region(self) -> str: ...


class StreamPoller:
    """Follows one table's stream for one mapping until closed."""

    def __init__(
        self,
        mapping: EventSourceMappingDef,
        table: TableAccess,
        delivery_factory: DeliveryFactory,
        checkpoints: Checkpoints,
        *,
        poll_interval: float = POLL_INTERVAL_SECONDS,
        backfill: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        self.mapping = mapping
        self.label = f"stream {mapping.table} -> {mapping.target}"
        self._table = table
        self._delivery_factory = delivery_factory
        self._checkpoints = checkpoints
        self._poll_interval = poll_interval
        self._backfill = backfill
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._position = StreamPosition()
        self.state = "stopped"
        self.problem: str | None = None

    def start(self) -> None:
        if self._task is None:
            self.state = "starting"
            self._task = asyncio.create_task(self._run(), name=self.label)

    async def close(self, grace: float = CLOSE_GRACE_SECONDS) -> None:
        """Stop reading; a batch being delivered may finish (and be checkpointed) within
        `grace` seconds, so a restart does not deliver it again."""
        task, self._task = self._task, None
        self._stopping.set()
        if task is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(task), grace)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.state = "stopped"

    async def _pause(self, seconds: float) -> None:
        """Sleep, or less when the poller is closing."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _run(self) -> None:
        self._position = await self._checkpoints.load()
        delay = RETRY_INITIAL_SECONDS
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                problem = _describe(error)
                if problem != self.problem:
                    logger.warning("%s: %s; retrying", self.label, problem)
                self.problem = problem
                self.state = "waiting"
            if time.monotonic() - started > RETRY_MAXIMUM_SECONDS:
                delay = RETRY_INITIAL_SECONDS
            await self._pause(delay)
            delay = min(delay * 2, RETRY_MAXIMUM_SECONDS)

    async def _follow(self) -> None:
        """One pass: find the stream, then read its shards until something fails."""
        arn = await self._table.latest_stream_arn()
        if arn is None:
            raise StreamUnavailable(
                f"table {self.mapping.table} has no stream enabled (a table created before "
                "its data source declared table.stream keeps none: enable it with UpdateTable "
                "or create the table again)"
            )
        if self._position.stream_arn != arn:
            if self._position.stream_arn is not None:
                logger.warning(
                    "%s: the table's stream changed (the table was created again): reading the "
                    "new stream from %s",
                    self.label,
                    self.mapping.starting_position.value,
                )
            self._position = StreamPosition(stream_arn=arn)
            await self._checkpoints.save(self._position)
        if self._backfill is not None and not self._position.backfilled:
            self.state = "backfilling"
            count = await self._backfill()
            logger.info("%s: the table's %d earlier item(s) delivered", self.label, count)
            self._position.backfilled = True
            await self._checkpoints.save(self._position)
        async with AsyncExitStack() as stack:
            client = await stack.enter_async_context(self._table.streams_client(CLIENT_CONFIG))
            if self.problem is not None:
                logger.info("%s: reading the stream again", self.label)
            self.problem = None
            self.state = "polling"
            await self._read_shards(client, arn)

    async def _read_shards(self, client: StreamsClient, arn: str) -> None:
        readers: dict[str, asyncio.Task[None]] = {}
        try:
            while not self._stopping.is_set():
                shards = await _describe_shards(client, arn)
                known = {shard["ShardId"] for shard in shards}
                for shard in shards:
                    shard_id = shard["ShardId"]
                    if shard_id in readers or self._position.shard(shard_id).finished:
                        continue
                    parent = shard.get("ParentShardId")
                    if (
                        isinstance(parent, str)
                        and parent in known
                        and not self._position.shard(parent).finished
                    ):
                        continue
                    readers[shard_id] = asyncio.create_task(self._read_shard(client, arn, shard_id))
                for shard_id in set(self._position.shards) - known:
                    # Trimmed from the stream (older than 24 hours): nothing left to read.
                    del self._position.shards[shard_id]
                if not readers:
                    # Every shard finished and no child yet: look again shortly.
                    await self._pause(IDLE_DISCOVERY_SECONDS)
                    continue
                done, _ = await asyncio.wait(
                    readers.values(),
                    timeout=DISCOVERY_INTERVAL_SECONDS,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                for task in done:
                    task.result()  # a failed reader ends this pass
                readers = {k: t for k, t in readers.items() if not t.done()}
        finally:
            for task in readers.values():
                task.cancel()
            await asyncio.gather(*readers.values(), return_exceptions=True)

    async def _read_shard(self, client: StreamsClient, arn: str, shard_id: str) -> None:
        """Read one shard to its end (an open shard: until closed), batch by batch. While a
        batch is being delivered the next page is already being read (one page ahead)."""
        position = self._position.shard(shard_id)

        async def checkpoint(record: Record) -> None:
            position.sequence_number = sequence_number(record)
            await self._checkpoints.save(self._position)

        delivery = self._delivery_factory(checkpoint, f"{self.label} [{shard_id}]")
        after = position.sequence_number
        iterator: str | None = await self._iterator(client, arn, shard_id, after)
        batch_size = self.mapping.batch_size
        window = float(self.mapping.batching_window_seconds)
        pending: list[Record] = []
        first_at = 0.0
        ahead: asyncio.Task[_Page] | None = None
        try:
            while iterator is not None and not self._stopping.is_set():
                if ahead is not None:
                    page, ahead = await ahead, None
                else:
                    page = await self._page(client, arn, shard_id, iterator, after)
                iterator, after = page.iterator, page.last or after
                if page.records and not pending:
                    first_at = time.monotonic()
                pending.extend(page.records)
                if not pending:
                    await self._pause(self._poll_interval)
                    continue
                due = iterator is None or time.monotonic() - first_at >= window
                ready = len(pending) if due else len(pending) // batch_size * batch_size
                if not ready:
                    if not page.records:
                        await self._pause(self._poll_interval)
                    continue
                if iterator is not None and page.records:
                    ahead = asyncio.create_task(self._page(client, arn, shard_id, iterator, after))
                for start in range(0, ready, batch_size):
                    if self._stopping.is_set():
                        return  # the rest is read again after the position on the next start
                    end = min(start + batch_size, ready)
                    await delivery.deliver(pending[start:end], more=end < ready)
                pending = pending[ready:]
                first_at = time.monotonic()
        finally:
            if ahead is not None:
                ahead.cancel()
                await asyncio.gather(ahead, return_exceptions=True)
        if iterator is None:
            position.finished = True
            await self._checkpoints.save(self._position)

    async def _page(
        self, client: StreamsClient, arn: str, shard_id: str, iterator: str, after: str | None
    ) -> _Page:
        """One GetRecords; an expired iterator is replaced by one after `after` (the last
        record read), once."""
        try:
            answer = await client.get_records(ShardIterator=iterator, Limit=GET_RECORDS_LIMIT)
        except ClientError as error:
            if _code(error) != "ExpiredIteratorException":
                raise
            fresh = await self._iterator(client, arn, shard_id, after)
            if fresh is None:
                return _Page([], None, None)
            answer = await client.get_records(ShardIterator=fresh, Limit=GET_RECORDS_LIMIT)
        region = self._table.region
        records: list[Record] = [lambda_record(r, arn, region) for r in answer.get("Records") or []]
        following = answer.get("NextShardIterator")
        last = sequence_number(records[-1]) if records else None
        return _Page(records, str(following) if following else None, last)

    async def _iterator(
        self, client: StreamsClient, arn: str, shard_id: str, after: str | None
    ) -> str | None:
        """Where to read a shard from: after `after`, else the mapping's starting position.
        Records already trimmed from the stream are gone: say so, read from the oldest."""
        request: dict[str, Any] = {"StreamArn": arn, "ShardId": shard_id}
        if after is not None:
            request.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=after)
        else:
            request["ShardIteratorType"] = self.mapping.starting_position.value
        try:
            answer = await client.get_shard_iterator(**request)
        except ClientError as error:
            if after is None or _code(error) != "TrimmedDataAccessException":
                raise
            logger.error(
                "%s: records after %s in shard %s were trimmed from the stream before they "
                "were read; reading from the oldest record left",
                self.label,
                after,
                shard_id,
            )
            request = {
                "StreamArn": arn,
                "ShardId": shard_id,
                "ShardIteratorType": StartingPosition.TRIM_HORIZON.value,
            }
            answer = await client.get_shard_iterator(**request)
        iterator = answer.get("ShardIterator")
        return str(iterator) if iterator else None


@dataclass(frozen=True, slots=True)
class _Page:
    """What one GetRecords read: the records (Lambda's shape), where to read next (None: the
    shard is closed and read to its end), and the last record's sequence number."""

    records: list[Record]
    iterator: str | None
    last: str | None


async def _describe_shards(client: StreamsClient, arn: str) -> list[dict[str, Any]]:
    """Every shard of the stream, all pages of `DescribeStream`."""
    shards: list[dict[str, Any]] = []
    request: dict[str, Any] = {"StreamArn": arn}
    while True:
        answer = (await client.describe_stream(**request))["StreamDescription"]
        shards.extend(answer.get("Shards") or [])
        last = answer.get("LastEvaluatedShardId")
        if not last:
            return shards
        request["ExclusiveStartShardId"] = last


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _describe(error: Exception) -> str:
    """One line for the log, without endpoints or credentials."""
    if isinstance(error, StreamUnavailable):
        return str(error)
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code')}: {details.get('Message')}"
    code = getattr(error, "code", None)
    if code is not None:
        return f"{code}: {getattr(error, 'message', error)}"
    return f"{type(error).__name__}"
