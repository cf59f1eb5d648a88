"""The local DynamoDB a project gets when its data sources name no endpoint and no region.

`serve` (and `provision`, `seed`) start one DynamoDB Local for all such data sources, point
them at it, create their declared tables, and stop it on shutdown. Data lives in
`.strawsync/dynamodb/` under the project unless the run is in memory.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import aioboto3

from app.datasources.base import DataSource
from app.datasources.dynamodb.local_engine import (
    DynamoDBLocal,
    default_cache_dir,
    prepare,
    project_data_dir,
)
from app.datasources.dynamodb.source import DynamoDBDataSource
from app.datasources.dynamodb.tables import ProvisionReport, TableSpec, provision, table_spec

logger = logging.getLogger("strawsync.dynamodb")

LOCAL_REGION = "us-east-1"
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
PAGINATION_KEY_FILE = "pagination.key"


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
    endpoint: str | None, region: str, specs: list[TableSpec], progress: Callable[[str], None]
) -> ProvisionReport:
    """Create missing tables and report drift, through aioboto3 (the standard credential
    chain on AWS, fixed local credentials on DynamoDB Local)."""
    kwargs: dict[str, Any] = {"region_name": region}
    if endpoint is not None:
        kwargs["endpoint_url"] = endpoint
        if endpoint.startswith("http://127.0.0.1"):
            kwargs.update(LOCAL_CREDENTIALS)
    async with aioboto3.Session().client("dynamodb", **kwargs) as client:
        return await provision(client, specs, progress)


class LocalDynamoDB:
    """Starts DynamoDB Local for the data sources that need it; one per served API."""

    def __init__(
        self,
        project_dir: Path,
        sources: list[DynamoDBDataSource],
        *,
        in_memory: bool,
        progress: Callable[[str], None],
    ) -> None:
        self.project_dir = project_dir
        self.sources = [source for source in sources if needs_local_engine(source)]
        self.in_memory = in_memory
        self.progress = progress
        self._engine: DynamoDBLocal | None = None
        self.report = ProvisionReport()
        data_dir = project_data_dir(project_dir)
        for source in sources:
            if not in_memory and source.default_key_file is None:
                source.default_key_file = data_dir / PAGINATION_KEY_FILE

    @property
    def endpoint(self) -> str | None:
        return self._engine.endpoint if self._engine is not None else None

    async def start(self) -> None:
        """Install if needed, start, point the data sources at it, create their tables."""
        if not self.sources:
            return
        installation = await prepare(default_cache_dir(), self.progress)
        data_dir = None if self.in_memory else project_data_dir(self.project_dir)
        self._engine = DynamoDBLocal(installation)
        endpoint = await self._engine.start(data_dir=data_dir)
        where = "in memory" if data_dir is None else str(data_dir)
        self.progress(f"DynamoDB Local listening on {endpoint} ({where})")
        for source in self.sources:
            source.use_local_engine(endpoint, LOCAL_REGION)
        self.report = await provision_tables(
            endpoint, LOCAL_REGION, table_specs(self.sources), self.progress
        )
        if self.report.created:
            self.progress(f"created tables: {', '.join(self.report.created)}")

    async def stop(self) -> None:
        if self._engine is not None:
            await self._engine.stop()
            self._engine = None


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
