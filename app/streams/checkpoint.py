"""Where a mapping is in its stream, kept across restarts.

A position is the stream ARN it belongs to and, per shard, the sequence number of the last
record handled (delivered, or given up on) and whether the shard is finished (closed and read
to its end). It is saved after every batch: in a JSON file under
`<project>/.strawsync/streams/`, replaced atomically (a temporary file, fsync, rename) so a
crash leaves the old position or the new one, never half of one; or only in memory for an
`--in-memory` run, whose tables start empty anyway. A position for another stream ARN (the
table was deleted and created again) is a fresh start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import orjson

logger = logging.getLogger("strawsync.streams")

STREAMS_DIR = Path(".strawsync") / "streams"


@dataclass(slots=True)
class ShardPosition:
    sequence_number: str | None = None
    finished: bool = False


@dataclass(slots=True)
class StreamPosition:
    """A mapping's progress through one stream."""

    stream_arn: str | None = None
    shards: dict[str, ShardPosition] = field(default_factory=dict)
    backfilled: bool = False
    """Whether the table's earlier items were indexed (`app.streams.backfill`)."""

    def shard(self, shard_id: str) -> ShardPosition:
        return self.shards.setdefault(shard_id, ShardPosition())

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "streamArn": self.stream_arn,
                "backfilled": self.backfilled,
                "shards": {
                    shard_id: {"sequenceNumber": p.sequence_number, "finished": p.finished}
                    for shard_id, p in self.shards.items()
                },
            },
            option=orjson.OPT_INDENT_2,
        )

    @classmethod
    def from_json(cls, raw: bytes) -> StreamPosition:
        data: Any = orjson.loads(raw)
        shards = data.get("shards") if isinstance(data, dict) else None
        if not isinstance(shards, dict):
            raise ValueError("not a stream position")
        position = cls(stream_arn=data.get("streamArn"), backfilled=data.get("backfilled") is True)
        for shard_id, entry in shards.items():
            sequence = entry.get("sequenceNumber") if isinstance(entry, dict) else None
            finished = entry.get("finished") is True if isinstance(entry, dict) else False
            position.shards[str(shard_id)] = ShardPosition(
                str(sequence) if sequence is not None else None, finished
            )
        return position


class Checkpoints(Protocol):
    """Loads and saves one mapping's position."""

    async def load(self) -> StreamPosition: ...

    async def save(self, position: StreamPosition) -> None: ...


class MemoryCheckpoints:
    """The position of an `--in-memory` run: kept only while the server runs."""

    def __init__(self) -> None:
        self._saved = StreamPosition()

    async def load(self) -> StreamPosition:
        return StreamPosition.from_json(self._saved.to_json())

    async def save(self, position: StreamPosition) -> None:
        self._saved = StreamPosition.from_json(position.to_json())


class FileCheckpoints:
    """The position in a file, written atomically after each batch."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = asyncio.Lock()

    async def load(self) -> StreamPosition:
        return await asyncio.to_thread(self._read)

    async def save(self, position: StreamPosition) -> None:
        data = position.to_json()
        async with self._lock:
            await asyncio.to_thread(self._write, data)

    def _read(self) -> StreamPosition:
        try:
            return StreamPosition.from_json(self.path.read_bytes())
        except FileNotFoundError:
            return StreamPosition()
        except (OSError, ValueError) as error:
            logger.warning("stream position %s unreadable (%s): starting afresh", self.path, error)
            return StreamPosition()

    def _write(self, data: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with temporary.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)


def checkpoint_file(project_dir: Path, table: str, target: str) -> Path:
    """`<project>/.strawsync/streams/<table>--<target>.json`, one file per mapping."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{table}--{target}")
    return project_dir / STREAMS_DIR / f"{name}.json"
