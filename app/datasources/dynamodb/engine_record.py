"""How `strawsync provision` and `seed` find the DynamoDB Local of a running `strawsync serve`.

While it serves, `serve` keeps `.strawsync/dynamodb/engine.json` under the project: the
engine's loopback endpoint, the server's and the engine's process ids, and whether its data is
in memory. It rewrites the file after a restart (a new port) and removes it on shutdown. A
command trusts the file only if the server process is alive and the endpoint answers; a stale
file (a crashed server, an engine mid-restart) is ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from app.datasources.dynamodb.local_engine import LOOPBACK, answers, project_data_dir

ENGINE_FILE = "engine.json"


@dataclass(frozen=True, slots=True)
class EngineRecord:
    """What `serve` publishes about the DynamoDB Local it runs."""

    endpoint: str
    server_pid: int
    engine_pid: int
    in_memory: bool

    @property
    def port(self) -> int:
        return urlsplit(self.endpoint).port or 0


def record_path(project_dir: Path) -> Path:
    return project_data_dir(project_dir) / ENGINE_FILE


def publish(project_dir: Path, record: EngineRecord) -> None:
    """Write the record in one step (a reader never sees half of it); readable by the owner
    only. Blocking: call through `asyncio.to_thread` from async code."""
    path = record_path(project_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{ENGINE_FILE}.{os.getpid()}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(asdict(record), out)
    os.replace(staging, path)


def withdraw(project_dir: Path, server_pid: int) -> None:
    """Remove the record if this server wrote it (another server may have replaced it)."""
    record = read(project_dir)
    if record is not None and record.server_pid == server_pid:
        with contextlib.suppress(FileNotFoundError):
            record_path(project_dir).unlink()


def read(project_dir: Path) -> EngineRecord | None:
    """The record as written, or None if there is none or it is not one of ours."""
    try:
        data = json.loads(record_path(project_dir).read_text(encoding="utf-8"))
        record = EngineRecord(
            endpoint=str(data["endpoint"]),
            server_pid=int(data["server_pid"]),
            engine_pid=int(data["engine_pid"]),
            in_memory=bool(data["in_memory"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    parts = urlsplit(record.endpoint)
    if parts.scheme != "http" or parts.hostname != LOOPBACK or not record.port:
        return None
    return record


async def find_running(project_dir: Path) -> EngineRecord | None:
    """The running server's engine, if its process is alive and the engine answers now."""
    record = await asyncio.to_thread(read, project_dir)
    if record is None or not _alive(record.server_pid):
        return None
    if not await answers(record.port, within=2.0):
        return None
    return record


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
