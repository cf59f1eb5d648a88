"""Run a query or mutation for any transport, then publish what a mutation triggers.

Every transport (HTTP, graphql-transport-ws, graphql-ws) runs queries and mutations here, so
AppSync's request execution time limit (30 s, `ExecutionTimeout`) applies to all of them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from typing import Any

from graphql import ExecutionResult, OperationType

from app.execution.context import RequestContext
from app.execution.errors import EXECUTION_TIMEOUT, typed_error
from app.execution.executor import Outcome
from app.service import Service

logger = logging.getLogger("strawsync.operations")


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
    response can count on every subscriber's delivery being under way. An operation that
    runs longer than the API's `request_timeout_seconds` is cancelled and answered with
    `ExecutionTimeout`. Raises OperationNotAllowed as the executor does.
    """
    timeout = service.definition.limits.request_timeout_seconds
    try:
        async with asyncio.timeout(timeout):
            outcome = await service.executor.execute(
                query,
                variables=variables,
                operation_name=operation_name,
                context=context,
                allowed=allowed,
            )
    except TimeoutError:
        logger.warning("[%s] request timed out after %ss", context.request_id, timeout)
        error = typed_error("Execution timed out.", EXECUTION_TIMEOUT)
        return Outcome(ExecutionResult(None, [error]))
    operation = outcome.operation
    if (
        operation is not None
        and operation.operation is OperationType.MUTATION
        and outcome.document is not None
    ):
        await service.realtime.publish(outcome.document, operation, outcome.result.data, context)
    return outcome
