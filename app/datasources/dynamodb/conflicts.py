"""The `Custom` conditional-check-failed strategy's hook.

On AppSync a failed condition with `conditionalCheckFailedHandler: {strategy: Custom,
lambdaArn}` invokes a Lambda with the conflict; the Lambda answers reject, discard or retry.
`ConflictHandler` is that Lambda seen from the DynamoDB data source. `invoked_handlers` gives
the service's lookup: a `lambdaArn` names a function the API runs (a local function on the
local Lambda runtime by its `local_arn`, or a Lambda data source's function on AWS), called
through `FunctionInvoker` like every other Lambda use. A function that raises, times out or is
throttled fails the write with `DynamoDB:ConflictHandlerError` and the function's message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

import orjson

from app.datasources.base import DataSourceError
from app.functions.base import FunctionInvoker, InvokeRefused

HANDLER_ERROR: Final = "DynamoDB:ConflictHandlerError"

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
                HANDLER_ERROR,
            )
        raise DataSourceError(
            f"The conflict handler returned an unknown action {action!r}.",
            HANDLER_ERROR,
        )


class ConflictHandler(Protocol):
    """Decides a failed condition. `payload` is AppSync's: `{arguments, requestMapping,
    currentValue, resolver{tableName, awsRegion, parentType, field, outputType}, identity}`."""

    async def __call__(self, payload: dict[str, Any]) -> ConflictDecision: ...


ConflictHandlers = Callable[[str], ConflictHandler | None]
"""Finds the handler for a `lambdaArn`, or None when nothing serves it."""


def no_handlers(_arn: str) -> ConflictHandler | None:
    return None


class InvokedConflictHandler:
    """A conflict handler that is a Lambda function: AppSync's payload as the event, the
    function's JSON answer as the decision."""

    def __init__(self, invoker: FunctionInvoker) -> None:
        self.invoker = invoker

    async def __call__(self, payload: dict[str, Any]) -> ConflictDecision:
        name = self.invoker.name
        try:
            result = await self.invoker.invoke(orjson.dumps(payload))
        except InvokeRefused as refused:
            raise DataSourceError(
                f"The conflict handler {name} was not invoked: {refused}", HANDLER_ERROR
            ) from None
        failure = result.error_document()
        if failure is not None:
            raise DataSourceError(
                f"The conflict handler {name} failed: {failure.get('errorType', 'Unhandled')}: "
                f"{failure.get('errorMessage', '')}",
                HANDLER_ERROR,
            )
        try:
            response = orjson.loads(result.payload) if result.payload else None
        except orjson.JSONDecodeError:
            raise DataSourceError(
                f"The conflict handler {name} returned something other than JSON.", HANDLER_ERROR
            ) from None
        return ConflictDecision.from_response(response)


def invoked_handlers(find: Callable[[str], FunctionInvoker | None]) -> ConflictHandlers:
    """The lookup for a `lambdaArn`: the function `find` names by its ARN, called as a
    Lambda; None (the write fails, naming the ARN) when the API runs no such function."""

    def lookup(arn: str) -> ConflictHandler | None:
        invoker = find(arn)
        return None if invoker is None else InvokedConflictHandler(invoker)

    return lookup
