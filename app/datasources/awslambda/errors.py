"""Lambda's failures as AppSync reports them in `$ctx.error`.

- The function raised (or timed out, or crashed): `Lambda:Unhandled` (`Lambda:Handled` for
  the rare `Handled` answer), and only the function's `errorMessage` passes through, as
  AppSync's Lambda tutorial says. The function's own `errorType` and `errorMessage` stay on
  the error (`function_error_type`, `function_error_message`) for direct Lambda resolvers,
  which map a custom `errorType` to the GraphQL error.
- Lambda refused the call before running the function: `Lambda:<Lambda's exception>`, e.g.
  `Lambda:TooManyRequestsException` with Lambda's `Reason` kept in `reason`.
"""

from __future__ import annotations

from typing import Final

from app.datasources.base import DataSourceError
from app.functions.base import (
    REQUEST_TOO_LARGE,
    InvocationResult,
    InvokeRefused,
)

PREFIX: Final = "Lambda:"
INVALID_RESPONSE: Final = PREFIX + "InvalidResponse"
BATCH_MISMATCH: Final = PREFIX + "BatchResponseMismatch"


class LambdaError(DataSourceError):
    """A failed Lambda invocation. `data` stays None: a failed call gives no `$ctx.result`."""

    def __init__(
        self,
        message: str,
        error_type: str,
        *,
        function_error_type: str | None = None,
        function_error_message: str | None = None,
        reason: str | None = None,
        request_id: str = "",
    ) -> None:
        super().__init__(message, error_type)
        self.function_error_type = function_error_type
        """The function's own `errorType` (e.g. `UnauthorizedException`), when it raised."""
        self.function_error_message = function_error_message
        self.reason = reason
        """Lambda's `Reason` for a refusal (`ReservedFunctionConcurrentInvocationLimitExceeded`)."""
        self.request_id = request_id


def function_failed(result: InvocationResult) -> LambdaError:
    """The function raised: its error document as AppSync's `Lambda:Unhandled`."""
    document = result.error_document() or {}
    message = document.get("errorMessage")
    error_type = document.get("errorType")
    text = message if isinstance(message, str) else ""
    return LambdaError(
        text,
        PREFIX + (result.function_error or "Unhandled"),
        function_error_type=error_type if isinstance(error_type, str) else None,
        function_error_message=text,
        request_id=result.request_id,
    )


def refused(error: InvokeRefused) -> LambdaError:
    """Lambda refused the call (throttled, too large, unknown function, unreachable)."""
    return LambdaError(error.message, PREFIX + error.error_type, reason=error.reason)


def too_large(limit: int) -> LambdaError:
    """The payload exceeds Lambda's limit: refused before it is sent, in Lambda's words."""
    return LambdaError(
        f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
        PREFIX + REQUEST_TOO_LARGE,
    )
