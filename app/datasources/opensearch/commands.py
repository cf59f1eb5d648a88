"""`strawsync provision` for search: create the declared indexes missing on remote clusters.

Serving creates declared indexes on the embedded engine by itself, but never changes a
remote cluster; this command is how a deployment gets them (existing indexes are left as
they are: a mapping is not changed under live data).
"""

from __future__ import annotations

from collections.abc import Mapping

from app.datasources.base import DataSource
from app.datasources.opensearch.source import IndexProvisionError, OpenSearchDataSource
from app.progress import ProgressBar


async def provision_indexes_command(
    data_sources: Mapping[str, DataSource], progress: ProgressBar
) -> int:
    """Create missing indexes of every OpenSearch data source with an endpoint; exit status
    1 when a cluster refused one or could not be reached."""
    remote = [
        source
        for source in data_sources.values()
        if isinstance(source, OpenSearchDataSource)
        and not source.needs_local_engine
        and source.indexes
    ]
    status = 0
    for source in remote:
        name = source.definition.name
        try:
            await source.start()
            result = await source.provision()
        except (IndexProvisionError, RuntimeError) as error:
            progress.message(f"data source '{name}': {error}")
            status = 1
            continue
        finally:
            await source.close()
        progress.message(
            f"data source '{name}': {len(result.created)} indexes created, "
            f"{len(result.existing)} already there"
        )
    return status
