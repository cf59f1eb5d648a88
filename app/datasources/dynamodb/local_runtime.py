"""The local DynamoDB a project gets when its data sources name no endpoint and no region.

`serve` runs one DynamoDB Local for all such data sources as a supervised local engine (see
`app/engines/`): `start` points them at it and creates their declared tables, and the
supervisor restarts it if it exits. Data lives in `.strawsync/dynamodb/` under the project
unless the run is in memory, in which case a restart starts from empty tables. `provision`
and `seed` use the engine of a running `serve` when there is one (found through
`engine_record`), and start their own otherwise.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aioboto3
from botocore.exceptions import BotoCoreError, ClientError

from app.datasources.base import DataSource
from app.datasources.dynamodb.client import UNAVAILABLE, DynamoDBError
from app.datasources.dynamodb.engine_record import (
    EngineRecord,
    find_running,
    publish,
    withdraw,
)
from app.datasources.dynamodb.local_engine import (
    DynamoDBLocal,
    EngineStartFailed,
    Installation,
    answers,
    default_cache_dir,
    prepare,
    project_data_dir,
)
from app.datasources.dynamodb.source import DynamoDBDataSource
from app.datasources.dynamodb.tables import ProvisionReport, TableSpec, provision, table_spec
from app.engines.base import EngineExit

logger = logging.getLogger("strawsync.dynamodb")

ENGINE_NAME = "dynamodb-local"
LOCAL_REGION = "us-east-1"
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
PAGINATION_KEY_FILE = "pagination.key"
SERVE_BUSY_HINT = "stop that server, or serve this one with --in-memory"
ENGINE_DOWN = "the local engine is restarting"


def dynamodb_sources(data_sources: Mapping[str, DataSource]) -> list[DynamoDBDataSource]:
    return [source for source in data_sources.values() if isinstance(source, DynamoDBDataSource)]


def needs_local_engine(source: DynamoDBDataSource) -> bool:
    """No endpoint and no region configured: the data source runs on DynamoDB Local."""
    config = source.definition.config
    return not config.get("endpoint") and not config.get("region")


def table_specs(sources: list[DynamoDBDataSource]) -> list[TableSpec]:
    """The declared tables, once each (several data sources may share a table)."""
    specs: dict[str, TableSpec] = {}
    for source in sources:
        raw = source.definition.config.get("table")
        if raw is not None and source.table_name not in specs:
            specs[source.table_name] = table_spec(source.table_name, raw)
    return list(specs.values())


async def provision_tables(
    endpoint: str | None,
    region: str,
    specs: list[TableSpec],
    progress: Callable[[str], None],
    *,
    enable_streams: bool = False,
) -> ProvisionReport:
    """Create missing tables and report drift, through aioboto3 (the standard credential
    chain on AWS, fixed local credentials on DynamoDB Local). A failure is a `DynamoDBError`."""
    kwargs: dict[str, Any] = {"region_name": region}
    if endpoint is not None:
        kwargs["endpoint_url"] = endpoint
        if endpoint.startswith("http://127.0.0.1"):
            kwargs.update(LOCAL_CREDENTIALS)
    try:
        async with aioboto3.Session().client("dynamodb", **kwargs) as client:
            return await provision(client, specs, progress, enable_streams=enable_streams)
    except ClientError as error:
        details = error.response.get("Error", {})
        raise DynamoDBError(
            str(details.get("Code") or "ClientError"), str(details.get("Message") or error)
        ) from error
    except BotoCoreError as error:
        raise DynamoDBError(UNAVAILABLE, str(error), status=503, answered=False) from error


class LocalDynamoDB:
    """DynamoDB Local for the data sources that need it: one supervised engine per API."""

    name = ENGINE_NAME

    def __init__(
        self,
        project_dir: Path,
        sources: list[DynamoDBDataSource],
        *,
        in_memory: bool,
        progress: Callable[[str], None],
        publish_record: bool = True,
        busy_hint: str = SERVE_BUSY_HINT,
    ) -> None:
        self.project_dir = project_dir
        self.sources = [source for source in sources if needs_local_engine(source)]
        self.in_memory = in_memory
        self.progress = progress
        self._publish = publish_record
        self._busy_hint = busy_hint
        self._installation: Installation | None = None
        self._engine: DynamoDBLocal | None = None
        self.report = ProvisionReport()
        data_dir = project_data_dir(project_dir)
        for source in sources:
            if not in_memory and source.default_key_file is None:
                source.default_key_file = data_dir / PAGINATION_KEY_FILE

    @property
    def needed(self) -> bool:
        """Whether any data source runs on DynamoDB Local."""
        return bool(self.sources)

    @property
    def endpoint(self) -> str | None:
        return self._engine.endpoint if self._engine is not None else None

    @property
    def pid(self) -> int | None:
        return self._engine.pid if self._engine is not None else None

    @property
    def lost_on_restart(self) -> str | None:
        if not self.in_memory:
            return None
        return (
            "its data was in memory (--in-memory): every item written so far is lost, and "
            "the declared tables are created again, empty"
        )

    async def start(self) -> None:
        """Install if needed, start, create the declared tables, point the data sources at
        it, and publish `engine.json` for `provision` and `seed`."""
        if not self.sources:
            return
        if self._installation is None:
            self._installation = await prepare(default_cache_dir(), self.progress)
        data_dir = None if self.in_memory else project_data_dir(self.project_dir)
        engine = DynamoDBLocal(self._installation, busy_hint=self._busy_hint)
        endpoint = await engine.start(data_dir=data_dir)
        try:
            where = "in memory" if data_dir is None else str(data_dir)
            self.progress(f"DynamoDB Local listening on {endpoint} ({where})")
            self.report = await self._provision(endpoint)
            if self._publish:
                record = EngineRecord(endpoint, os.getpid(), engine.pid or 0, self.in_memory)
                await asyncio.to_thread(publish, self.project_dir, record)
        except BaseException:
            await engine.stop()
            raise
        self._engine = engine
        for source in self.sources:
            source.use_local_engine(endpoint, LOCAL_REGION)

    async def attach_or_start(self) -> EngineRecord | None:
        """Use the engine of a `strawsync serve` running on this project, if one answers
        (its record is returned); otherwise start one, as `start` does."""
        if not self.sources:
            return None
        running = await find_running(self.project_dir)
        if running is None:
            await self.start()
            return None
        self.report = await self._provision(running.endpoint)
        for source in self.sources:
            source.use_local_engine(running.endpoint, LOCAL_REGION)
        return running

    async def wait(self) -> EngineExit:
        engine = self._engine
        if engine is None:
            raise RuntimeError("DynamoDB Local is not running")
        status = await engine.wait()
        return EngineExit(status, await engine.output_tail())

    async def stop(self) -> None:
        """Data sources answer `DynamoDB:ServiceUnavailable` from now on; withdraw
        `engine.json` and end the engine."""
        for source in self.sources:
            source.engine_down(ENGINE_DOWN)
        engine, self._engine = self._engine, None
        if engine is None:
            return
        if self._publish:
            await asyncio.to_thread(withdraw, self.project_dir, os.getpid())
        await engine.stop()

    async def probe(self) -> bool:
        endpoint = self.endpoint
        port = urlsplit(endpoint).port if endpoint else None
        return port is not None and await answers(port, within=1.0)

    async def _provision(self, endpoint: str) -> ProvisionReport:
        try:
            report = await provision_tables(
                endpoint,
                LOCAL_REGION,
                table_specs(self.sources),
                self.progress,
                enable_streams=True,
            )
        except DynamoDBError as error:
            raise EngineStartFailed(
                f"DynamoDB Local answers, but creating the tables failed: {error}"
            ) from error
        if report.created:
            self.progress(f"created tables: {', '.join(report.created)}")
        return report


async def provision_remote(
    sources: list[DynamoDBDataSource], progress: Callable[[str], None]
) -> ProvisionReport:
    """Provision the tables of data sources that name an endpoint or a region."""
    report = ProvisionReport()
    groups: dict[tuple[str | None, str], list[DynamoDBDataSource]] = {}
    for source in sources:
        if not needs_local_engine(source):
            groups.setdefault((source.endpoint, source.region), []).append(source)
    for (endpoint, region), group in groups.items():
        part = await provision_tables(endpoint, region, table_specs(group), progress)
        report.created += part.created
        report.unchanged += part.unchanged
        report.drifted.update(part.drifted)
    return report
