"""The `Custom` conditional-check-failed strategy's hook.

On AppSync a failed condition with `conditionalCheckFailedHandler: {strategy: Custom,
lambdaArn}` invokes a Lambda with the conflict; the Lambda answers reject, discard or retry.
`ConflictHandler` is that Lambda seen from the DynamoDB data source; the Lambda data source
provides one per `lambdaArn` through a `ConflictHandlers` lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from app.datasources.base import DataSourceError

Action = Literal["reject", "discard", "retry"]


@dataclass(frozen=True, slots=True)
class ConflictDecision:
    action: Action
    retry_mapping: Mapping[str, Any] | None = None

    @classmethod
    def from_response(cls, response: Any) -> ConflictDecision:
        """Read the Lambda's answer: `{"action": ..., "retryMapping": {...}}`."""
        action = response.get("action") if isinstance(response, dict) else None
        if action in ("reject", "discard"):
            return cls(action)
        if action == "retry":
            mapping = response.get("retryMapping")
            if isinstance(mapping, dict):
                return cls("retry", mapping)
            raise DataSourceError(
                "The conflict handler asked for a retry without a retryMapping object.",
                "DynamoDB:ConflictHandlerError",
            )
        raise DataSourceError(
            f"The conflict handler returned an unknown action {action!r}.",
            "DynamoDB:ConflictHandlerError",
        )


class ConflictHandler(Protocol):
    """Decides a failed condition. `payload` is AppSync's: `{arguments, requestMapping,
    currentValue, resolver{tableName, awsRegion, parentType, field, outputType}, identity}`."""

    async def __call__(self, payload: dict[str, Any]) -> ConflictDecision: ...


ConflictHandlers = Callable[[str], ConflictHandler | None]
"""Finds the handler for a `lambdaArn`, or None when nothing serves it."""


def no_handlers(_arn: str) -> ConflictHandler | None:
    return None
