"""Run a query or mutation for any transport, then publish what a mutation triggers."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from graphql import OperationType

from app.execution.context import RequestContext
from app.execution.executor import Outcome
from app.service import Service


async def run_operation(
    service: Service,
    query: str,
    *,
    variables: dict[str, Any] | None,
    operation_name: str | None,
    context: RequestContext,
    allowed: Collection[OperationType],
) -> Outcome:
    """Execute one operation; a mutation's results then reach its subscribers.

    Publishing happens before the caller answers, so a client that sees the mutation's
    response can count on every subscriber's delivery being under way.
    """
    outcome = await service.executor.execute(
        query,
        variables=variables,
        operation_name=operation_name,
        context=context,
        allowed=allowed,
    )
    operation = outcome.operation
    if (
        operation is not None
        and operation.operation is OperationType.MUTATION
        and outcome.document is not None
    ):
        await service.realtime.publish(outcome.document, operation, outcome.result.data, context)
    return outcome
