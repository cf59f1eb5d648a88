"""Shard lineage and positions, which DynamoDB Local cannot show on demand (it does not split
or close shards while a test runs): the real poller over a scripted DynamoDB Streams that
has a closed parent shard and its open child."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from botocore.config import Config

from app.definition.model import EventSourceMappingDef, Origin, StartingPosition
from app.streams.checkpoint import FileCheckpoints
from app.streams.delivery import BatchDelivery, RetryPolicy
from app.streams.poller import Checkpoint, StreamPoller
from app.streams.records import sequence_number
from app.streams.targets import DELIVERED, Outcome

ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/T/stream/2026-12-07T00:00:00.000"


def raw(sequence: int) -> dict[str, Any]:
    return {
        "eventID": str(sequence),
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "dynamodb": {"Keys": {"id": {"S": str(sequence)}}, "SequenceNumber": str(sequence)},
    }


class ScriptedStreams:
    """Two shards: `parent` (closed, records 1-4) and `child` (open, records 5-7), the child
    listed first. Iterators are `<shard>:<index of the next record>`."""

    def __init__(self) -> None:
        self.shards = {
            "parent": [raw(n) for n in range(1, 5)],
            "child": [raw(n) for n in range(5, 8)],
        }
        self.iterator_requests: list[dict[str, Any]] = []

    async def describe_stream(self, **kwargs: Any) -> dict[str, Any]:
        shards = [
            {"ShardId": "child", "ParentShardId": "parent"},
            {"ShardId": "parent", "ParentShardId": "trimmed-long-ago"},
        ]
        return {"StreamDescription": {"StreamArn": ARN, "Shards": shards}}

    async def get_shard_iterator(self, **kwargs: Any) -> dict[str, Any]:
        self.iterator_requests.append(kwargs)
        records = self.shards[kwargs["ShardId"]]
        start = 0
        if kwargs["ShardIteratorType"] == "AFTER_SEQUENCE_NUMBER":
            after = kwargs["SequenceNumber"]
            start = next(i for i, r in enumerate(records) if sequence_number(r) == after) + 1
        elif kwargs["ShardIteratorType"] == "LATEST":
            start = len(records)
        return {"ShardIterator": f"{kwargs['ShardId']}:{start}"}

    async def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        shard, _, index = ShardIterator.partition(":")
        records = self.shards[shard]
        start = int(index)
        page = records[start : start + 2]  # small pages: batches span several reads
        end = start + len(page)
        if shard == "parent" and end == len(records):
            return {"Records": page}  # closed and read to its end
        return {"Records": page, "NextShardIterator": f"{shard}:{end}"}


class Table:
    def __init__(self, streams: ScriptedStreams) -> None:
        self.streams = streams
        self.region = "us-east-1"

    async def latest_stream_arn(self) -> str | None:
        return ARN

    def streams_client(self, config: Config) -> contextlib.AbstractAsyncContextManager[Any]:
        @contextlib.asynccontextmanager
        async def client() -> AsyncIterator[ScriptedStreams]:
            yield self.streams

        return client()


class Recording:
    name = "recording"

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    async def deliver(self, records: Sequence[Mapping[str, Any]], *, more: bool = False) -> Outcome:
        self.batches.append([sequence_number(r) for r in records])
        return DELIVERED


def mapping(**overrides: Any) -> EventSourceMappingDef:
    return EventSourceMappingDef(
        table="T", table_source="Table", origin=Origin("test"), function="F", **overrides
    )


async def run(streams: ScriptedStreams, path: Path, expected: int, **overrides: Any) -> Recording:
    target = Recording()

    def delivery(checkpoint: Checkpoint, label: str) -> BatchDelivery:
        return BatchDelivery(target, RetryPolicy(), checkpoint, label=label)

    poller = StreamPoller(
        mapping(**overrides), Table(streams), delivery, FileCheckpoints(path), poll_interval=0.01
    )
    poller.start()
    for _ in range(500):
        count = sum(len(b) for b in target.batches)
        if count >= expected and (
            expected or any(r["ShardId"] == "child" for r in streams.iterator_requests)
        ):
            break
        await asyncio.sleep(0.01)
    await poller.close()
    return target


async def test_a_child_shard_is_read_after_its_parent_is_finished(tmp_path: Path) -> None:
    streams = ScriptedStreams()
    target = await run(streams, tmp_path / "position.json", 7, batch_size=3)
    delivered = [s for batch in target.batches for s in batch]
    assert delivered == [str(n) for n in range(1, 8)]
    assert all(len(batch) <= 3 for batch in target.batches)
    saved = (await FileCheckpoints(tmp_path / "position.json").load()).shards
    assert saved["parent"].finished and saved["parent"].sequence_number == "4"
    assert not saved["child"].finished and saved["child"].sequence_number == "7"


async def test_a_restarted_poller_resumes_after_its_position(tmp_path: Path) -> None:
    path = tmp_path / "position.json"
    await run(ScriptedStreams(), path, 7)
    again = ScriptedStreams()
    again.shards["child"].append(raw(8))
    target = await run(again, path, 1)
    assert target.batches == [["8"]]
    assert again.iterator_requests == [
        {
            "StreamArn": ARN,
            "ShardId": "child",
            "ShardIteratorType": "AFTER_SEQUENCE_NUMBER",
            "SequenceNumber": "7",
        }
    ]


async def test_latest_skips_what_the_stream_held_before(tmp_path: Path) -> None:
    streams = ScriptedStreams()
    target = await run(streams, tmp_path / "p.json", 0, starting_position=StartingPosition.LATEST)
    assert target.batches == []
    assert {r["ShardIteratorType"] for r in streams.iterator_requests} == {"LATEST"}


async def test_another_stream_arn_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "position.json"
    await run(ScriptedStreams(), path, 7)
    position = await FileCheckpoints(path).load()
    position.stream_arn = ARN.replace("2026-12-07", "2025-01-01")  # the table's earlier stream
    await FileCheckpoints(path).save(position)
    target = await run(ScriptedStreams(), path, 7)
    assert [s for batch in target.batches for s in batch] == [str(n) for n in range(1, 8)]
