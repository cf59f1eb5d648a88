"""The write-ahead log of one index: what was acknowledged since the last refresh.

tantivy makes documents durable only by committing, and a commit costs ~14 ms on this
machine (a new segment and several fsyncs), against ~0.15 ms to append a line to a file
and fsync it. So, as OpenSearch does with its translog (`index.translog.durability:
request`), a write is appended here and fsynced before it is acknowledged; a refresh
commits tantivy and empties the log; opening an index replays what the log holds. Each
record states a document's whole new state (source, version, seq_no) or its deletion, so
replaying a record that a commit already holds changes nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import orjson


@dataclass(frozen=True, slots=True)
class Operation:
    """One acknowledged write: `source` is the JSON text as sent, None for a deletion."""

    doc_id: str
    version: int
    seq_no: int
    source: bytes | None

    def encode(self) -> bytes:
        record = {"id": self.doc_id, "v": self.version, "s": self.seq_no}
        if self.source is not None:
            record["src"] = self.source.decode("utf-8")
        return orjson.dumps(record) + b"\n"

    @classmethod
    def decode(cls, line: bytes) -> Operation:
        record = orjson.loads(line)
        source = record.get("src")
        return cls(
            str(record["id"]),
            int(record["v"]),
            int(record["s"]),
            None if source is None else str(source).encode("utf-8"),
        )


class Translog:
    """An append-only file of `Operation`s, one JSON line each."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] = path.open("ab")
        self.size = self._file.tell()
        """Bytes in the log: past a threshold the store commits even without a refresh due."""

    def read(self) -> list[Operation]:
        """Every complete record; a torn last line (a crash mid-append: never acknowledged)
        is dropped."""
        operations = []
        for line in self.path.read_bytes().splitlines():
            try:
                operations.append(Operation.decode(line))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                continue
        return operations

    def append(self, operations: Iterable[Operation]) -> None:
        """Write and fsync: once this returns, a crash of the process keeps them."""
        data = b"".join(operation.encode() for operation in operations)
        if not data:
            return
        self._file.write(data)
        self._file.flush()
        os.fsync(self._file.fileno())
        self.size += len(data)

    def truncate(self) -> None:
        """Forget everything: a commit now holds it."""
        self._file.truncate(0)
        self._file.flush()
        self.size = 0

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()
