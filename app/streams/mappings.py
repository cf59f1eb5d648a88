"""Every event source mapping of a served API: started after the data sources (the pollers
call their functions and indexes), closed before them.

A mapping whose data sources cannot be used (a Lambda data source without its function) is
logged and skipped; the API serves without it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import aioboto3

from app.datasources.awslambda.source import LambdaDataSource
from app.datasources.base import DataSource
from app.datasources.dynamodb.source import DynamoDBDataSource
from app.datasources.opensearch.source import OpenSearchDataSource
from app.definition.model import EventSourceMappingDef
from app.readiness import DependencyStatus
from app.streams.backfill import backfill
from app.streams.checkpoint import (
    Checkpoints,
    FileCheckpoints,
    MemoryCheckpoints,
    checkpoint_file,
)
from app.streams.delivery import INITIAL_BACKOFF_SECONDS, BatchDelivery, RetryPolicy
from app.streams.poller import Checkpoint, StreamPoller
from app.streams.table import DataSourceTable
from app.streams.targets import FunctionTarget, IndexTarget, Target

logger = logging.getLogger("strawsync.streams")


class StreamMappings:
    """The pollers of one API."""

    def __init__(
        self,
        mappings: tuple[EventSourceMappingDef, ...],
        data_sources: Mapping[str, DataSource],
        project_dir: Path,
        *,
        in_memory: bool,
        retry_backoff: float = INITIAL_BACKOFF_SECONDS,
    ) -> None:
        self.mappings = mappings
        self._data_sources = data_sources
        self._project_dir = project_dir
        self._in_memory = in_memory
        self._retry_backoff = retry_backoff
        self.pollers: list[StreamPoller] = []

    async def start(self) -> None:
        if not self.mappings:
            return
        session = aioboto3.Session()
        for mapping in self.mappings:
            if not mapping.enabled:
                logger.info("stream %s -> %s is disabled", mapping.table, mapping.target)
                continue
            poller = self._poller(mapping, session)
            if poller is not None:
                poller.start()
                self.pollers.append(poller)

    async def close(self) -> None:
        pollers, self.pollers = self.pollers, []
        await asyncio.gather(*(poller.close() for poller in pollers))

    def dependencies(self) -> list[StreamDependency]:
        """One `/ready` dependency per enabled mapping."""
        return [StreamDependency(self, m) for m in self.mappings if m.enabled]

    def poller(self, mapping: EventSourceMappingDef) -> StreamPoller | None:
        return next((p for p in self.pollers if p.mapping is mapping), None)

    def status(self) -> list[dict[str, Any]]:
        """Each running mapping's state, for operators."""
        return [
            {
                "table": poller.mapping.table,
                "target": poller.mapping.target,
                "state": poller.state,
                **({"problem": poller.problem} if poller.problem else {}),
            }
            for poller in self.pollers
        ]

    def _poller(
        self, mapping: EventSourceMappingDef, session: aioboto3.Session
    ) -> StreamPoller | None:
        source = self._data_sources.get(mapping.table_source)
        target = self._target(mapping)
        if not isinstance(source, DynamoDBDataSource) or target is None:
            logger.error(
                "stream %s -> %s cannot run: its data sources are not available",
                mapping.table,
                mapping.target,
            )
            return None
        policy = RetryPolicy(
            maximum_retry_attempts=mapping.maximum_retry_attempts,
            maximum_record_age_seconds=mapping.maximum_record_age_seconds,
            bisect=mapping.bisect_on_error,
            initial_backoff=self._retry_backoff,
        )

        def delivery(checkpoint: Checkpoint, label: str) -> BatchDelivery:
            return BatchDelivery(target, policy, checkpoint, label=label)

        table = DataSourceTable(source, mapping.table, session)
        return StreamPoller(
            mapping,
            table,
            delivery,
            self._checkpoints(mapping),
            backfill=partial(backfill, table, target) if isinstance(target, IndexTarget) else None,
        )

    def _target(self, mapping: EventSourceMappingDef) -> Target | None:
        if mapping.index is not None:
            search = self._data_sources.get(mapping.index.data_source)
            if not isinstance(search, OpenSearchDataSource):
                return None
            return IndexTarget(search, mapping.index.name)
        lambda_source = self._data_sources.get(mapping.function or "")
        if not isinstance(lambda_source, LambdaDataSource):
            return None
        try:
            invoker = lambda_source.invoker
        except RuntimeError:
            return None
        return FunctionTarget(
            mapping.function or "",
            invoker,
            report_failures=mapping.report_batch_item_failures,
        )

    def _checkpoints(self, mapping: EventSourceMappingDef) -> Checkpoints:
        if self._in_memory:
            return MemoryCheckpoints()
        return FileCheckpoints(checkpoint_file(self._project_dir, mapping.table, mapping.target))


class StreamDependency:
    """A mapping on `/ready`: down while its poller waits (the table has no stream, DynamoDB
    cannot be reached) or does not run, with the reason. No I/O: the poller's own state."""

    kind = "stream"

    def __init__(self, mappings: StreamMappings, mapping: EventSourceMappingDef) -> None:
        self._mappings = mappings
        self._mapping = mapping
        self.name = f"{mapping.table} -> {mapping.target}"

    async def check(self) -> DependencyStatus:
        poller = self._mappings.poller(self._mapping)
        if poller is None:
            return DependencyStatus(self.name, self.kind, False, "not running")
        if poller.state == "waiting":
            return DependencyStatus(self.name, self.kind, False, poller.problem)
        return DependencyStatus(self.name, self.kind, True)
