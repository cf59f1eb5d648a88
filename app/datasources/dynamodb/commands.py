"""`strawsync provision` and `strawsync seed`: table work outside `serve`.

When the project's data sources run on DynamoDB Local, both use the engine of a
`strawsync serve` running on the project if there is one (it holds the data folder), and
otherwise start their own on the project's durable data folder, so what they create is there
for the next `serve`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

from app.datasources.base import DataSource
from app.datasources.dynamodb.engine_record import EngineRecord
from app.datasources.dynamodb.local_runtime import (
    LocalDynamoDB,
    dynamodb_sources,
    provision_remote,
)
from app.datasources.dynamodb.seed import SeedError, load_seed_file, seed_items
from app.datasources.dynamodb.source import DynamoDBDataSource
from app.progress import ProgressBar

BUSY_HINT = (
    "its DynamoDB Local does not answer right now (restarting?): try again in a moment, "
    "or stop that server"
)


def _local(
    project_dir: Path, sources: list[DynamoDBDataSource], progress: ProgressBar
) -> LocalDynamoDB:
    return LocalDynamoDB(
        project_dir,
        sources,
        in_memory=False,
        progress=progress.message,
        publish_record=False,
        busy_hint=BUSY_HINT,
    )


def _using(running: EngineRecord | None, progress: ProgressBar) -> None:
    if running is None:
        return
    where = (
        "in memory: what this command writes is gone when that server stops"
        if running.in_memory
        else "its data folder"
    )
    progress.message(
        f"using the DynamoDB Local of the running `strawsync serve` (pid {running.server_pid}, "
        f"{where})"
    )


async def provision_command(
    project_dir: Path, data_sources: Mapping[str, DataSource], progress: ProgressBar
) -> int:
    """Create missing tables, report drift; exit status 1 when any table drifted."""
    sources = dynamodb_sources(data_sources)
    if not sources:
        progress.message("no DynamoDB data sources: nothing to provision")
        return 0
    local = _local(project_dir, sources, progress)
    _using(await local.attach_or_start(), progress)
    try:
        remote = await provision_remote(sources, progress.message)
    finally:
        await local.stop()
    drifted = {**local.report.drifted, **remote.drifted}
    created = local.report.created + remote.created
    unchanged = local.report.unchanged + remote.unchanged
    progress.message(f"{len(created)} created, {len(unchanged)} unchanged, {len(drifted)} drifted")
    return 1 if drifted else 0


async def seed_command(
    project_dir: Path,
    data_sources: Mapping[str, DataSource],
    seed_file: Path,
    table: str | None,
    progress: ProgressBar,
) -> int:
    """Load a seed file's items into the tables of the project's DynamoDB data sources."""
    try:
        tables = await asyncio.to_thread(load_seed_file, seed_file, table)
    except SeedError as error:
        progress.message(str(error))
        return 2
    sources = {source.table_name: source for source in dynamodb_sources(data_sources)}
    unknown = sorted(set(tables) - set(sources))
    if unknown:
        progress.message(f"no DynamoDB data source uses table(s): {', '.join(unknown)}")
        return 2
    local = _local(project_dir, list(sources.values()), progress)
    _using(await local.attach_or_start(), progress)
    try:
        for name, items in tables.items():
            source = sources[name]
            await source.start()
            try:
                written = await seed_items(source.client, name, items, progress)
            except SeedError as error:
                progress.message(str(error))
                return 1
            finally:
                await source.close()
            progress.message(f"{name}: {written} items written")
    finally:
        await local.stop()
    return 0
