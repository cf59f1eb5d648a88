"""One DynamoDB Local for a benchmark session, shared by Strawsync and the baselines.

`DynamoDBSession.start()` starts DynamoDB Local in memory (on a thread of its own running an
event loop, so the engine lives as long as the session), copies the project into a temporary
folder whose `strawsync.yaml` points every DynamoDB data source at that engine (`endpoint` and
`region`), creates the declared tables and seeds the events table: one event with a known id
(`getEvent`) and `EVENT_COUNT` in all (`listEvents`). Servers started for the session get
`environment()`: fixed local credentials for botocore's chain.

Both sides therefore read the same tables, in the same engine, holding the same items.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import threading
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import aioboto3
import yaml

from app.datasources.dynamodb.local_engine import DynamoDBLocal, default_cache_dir, prepare
from app.datasources.dynamodb.local_runtime import (
    LOCAL_CREDENTIALS,
    LOCAL_REGION,
    provision_tables,
)
from app.datasources.dynamodb.tables import TableSpec, table_spec
from benchmarks.project import CONFIG_FILE, copy_project

DYNAMODB = "AMAZON_DYNAMODB"
EVENTS_SOURCE = "AppSyncEventTable"  # the sample API's events data source
EVENT_ID = "bench-event-1"
EVENT_COUNT = 200
BATCH_SIZE = 25  # BatchWriteItem's limit


def event(index: int) -> dict[str, str]:
    """Event number `index` (1-based) as the API returns it; event 1 has id `EVENT_ID`."""
    return {
        "id": EVENT_ID if index == 1 else f"bench-event-{index}",
        "name": f"Benchmark event {index}",
        "where": f"Room {index % 17}",
        "when": f"2026-06-{1 + index % 28:02d}T18:00:00Z",
        "description": f"Event {index} of the benchmark data set, seeded by the harness.",
    }


def _item(index: int) -> dict[str, dict[str, str]]:
    item = {name: {"S": value} for name, value in event(index).items()}
    item["version"] = {"N": "1"}
    return item


def events_source(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The events data source's definition in a parsed `strawsync.yaml`."""
    for source in config.get("dataSources") or ():
        if source.get("name") == EVENTS_SOURCE:
            return dict(source)
    raise LookupError(f"no data source named {EVENTS_SOURCE} in {CONFIG_FILE}")


def point_at(config: dict[str, Any], endpoint: str) -> list[TableSpec]:
    """Set `endpoint` and `region` on every DynamoDB data source; return their tables."""
    specs: dict[str, TableSpec] = {}
    for source in config.get("dataSources") or ():
        if source.get("type") != DYNAMODB:
            continue
        settings = source.setdefault("config", {})
        settings["endpoint"] = endpoint
        settings["region"] = LOCAL_REGION
        name = settings["tableName"]
        if settings.get("table") is not None and name not in specs:
            specs[name] = table_spec(name, settings["table"])
    return list(specs.values())


class DynamoDBSession:
    """DynamoDB Local in memory plus a project copy pointing at it; `stop()` ends both."""

    def __init__(
        self,
        project: Path,
        *,
        cpus: set[int] | None = None,
        progress: Callable[[str], None] = print,
    ) -> None:
        self.source_project = project
        self.cpus = cpus
        self.progress = progress
        self.endpoint = ""
        self.project = Path()
        self.table = ""
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._engine: DynamoDBLocal | None = None

    def environment(self) -> dict[str, str]:
        """What servers of the session need in their environment (botocore's chain)."""
        return {
            "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
            "AWS_REGION": LOCAL_REGION,
            "AWS_DEFAULT_REGION": LOCAL_REGION,
        }

    def start(self) -> None:
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve_loop, args=(ready,), name="dynamodb-local", daemon=True
        )
        self._thread.start()
        ready.wait()
        try:
            self._call(self._start())
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            if self._engine is not None:
                self._call(self._engine.stop())
                self._engine = None
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop = self._thread = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def _serve_loop(self, ready: threading.Event) -> None:
        # The engine's JVM inherits this thread's CPU affinity (fork happens on this thread).
        if self.cpus:
            os.sched_setaffinity(0, self.cpus)
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        ready.set()
        try:
            self._loop.run_forever()
        finally:
            self._loop.close()

    def _call(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        assert self._loop is not None
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result()

    async def _start(self) -> None:
        installation = await prepare(default_cache_dir(), self.progress)
        self._engine = DynamoDBLocal(installation)
        self.endpoint = await self._engine.start(data_dir=None)
        self.progress(f"DynamoDB Local (in memory) listening on {self.endpoint}")
        specs = self._write_project()
        await provision_tables(self.endpoint, LOCAL_REGION, specs, self.progress)
        await self._seed()
        self.progress(f"seeded {EVENT_COUNT} events into {self.table}; project {self.project}")

    def _write_project(self) -> list[TableSpec]:
        self._tmp = tempfile.TemporaryDirectory(prefix="strawsync-bench-")
        self.project = Path(self._tmp.name)
        copy_project(self.source_project, self.project)
        config = yaml.safe_load((self.source_project / CONFIG_FILE).read_text(encoding="utf-8"))
        specs = point_at(config, self.endpoint)
        self.table = events_source(config)["config"]["tableName"]
        text = yaml.safe_dump(config, sort_keys=False)
        (self.project / CONFIG_FILE).write_text(text, encoding="utf-8")
        return specs

    async def _seed(self) -> None:
        session = aioboto3.Session(**LOCAL_CREDENTIALS)
        async with session.client(
            "dynamodb", region_name=LOCAL_REGION, endpoint_url=self.endpoint
        ) as client:
            items = [_item(index) for index in range(1, EVENT_COUNT + 1)]
            for start in range(0, len(items), BATCH_SIZE):
                requests: list[Any] = [
                    {"PutRequest": {"Item": item}} for item in items[start : start + BATCH_SIZE]
                ]
                pending: dict[str, Any] = {self.table: requests}
                while pending:
                    response = await client.batch_write_item(RequestItems=pending)
                    pending = response.get("UnprocessedItems") or {}
