"""Data source calls, through a per-request loader where batching applies (BatchInvoke)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from app.datasources.base import DataSource, DataSourceError, Invocation
from app.execution.context import RequestContext

BATCH_OPERATION = "BatchInvoke"


def _is_batched(invocation: Invocation, max_batch_size: int) -> bool:
    request = invocation.request
    return (
        max_batch_size > 0
        and isinstance(request, dict)
        and request.get("operation") == BATCH_OPERATION
    )


async def invoke(
    data_source: DataSource,
    invocation: Invocation,
    request: RequestContext,
    resolver_key: tuple[str, str],
    max_batch_size: int,
) -> Any:
    """Call the data source; batchable calls of one resolver share one `invoke_batch`.

    Raises DataSourceError (or InvalidRequestError) as the data source reports them.
    """
    if not _is_batched(invocation, max_batch_size):
        return await data_source.invoke(invocation)
    key = ("loader", resolver_key)
    loader = request.per_request.get(key)
    if loader is None:

        async def load(invocations: Sequence[Invocation]) -> list[Any]:
            results = await data_source.invoke_batch(invocations)
            return [
                _Failure(result) if isinstance(result, DataSourceError) else result
                for result in results
            ]

        loader = DataLoader(load_fn=load, max_batch_size=max_batch_size, cache=False)
        request.per_request[key] = loader
    result = await loader.load(invocation)
    if isinstance(result, _Failure):
        raise result.error
    return result


class _Failure:
    """Wraps a per-item error so the loader hands it back instead of failing the batch."""

    __slots__ = ("error",)

    def __init__(self, error: DataSourceError) -> None:
        self.error = error
