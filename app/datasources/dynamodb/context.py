"""What every operation receives, and how DynamoDB's errors become AppSync's.

AppSync reports a DynamoDB failure as `DynamoDB:<ExceptionClass>` with the SDK's message
suffix, e.g. `The conditional request failed (Service: DynamoDb, Status Code: 400,
Request ID: …)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.datasources.base import DataSourceError, Invocation
from app.datasources.dynamodb.client import DynamoDBClient, DynamoDBError
from app.datasources.dynamodb.conflicts import ConflictHandlers, no_handlers
from app.datasources.dynamodb.tokens import TokenSealer


@dataclass(slots=True)
class OperationContext:
    client: DynamoDBClient
    table: str
    tokens: TokenSealer
    invocation: Invocation
    region: str
    conflict_handlers: ConflictHandlers = no_handlers

    @property
    def resolver(self) -> str:
        """The resolver's identity: tokens issued here are refused anywhere else."""
        return f"{self.invocation.type_name}.{self.invocation.field_name}"


def service_error(error: DynamoDBError, data: Any = None) -> DataSourceError:
    message = error.message or error.code
    return DataSourceError(
        f"{message} (Service: DynamoDb, Status Code: {error.status}, "
        f"Request ID: {error.request_id or 'none'})",
        f"DynamoDB:{error.code}",
        data=data,
    )


async def call(ctx: OperationContext, operation: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """One DynamoDB call whose failure becomes a `DataSourceError`."""
    try:
        return await ctx.client.call(operation, payload)
    except DynamoDBError as error:
        raise service_error(error) from None
