"""The contract of a Lambda function, wherever it runs: one shape for every Lambda use.

A Lambda data source, the Lambda authorizer and the DynamoDB `Custom` conflict handler all
call a function through `FunctionInvoker`, whether it runs locally (a worker process speaking
the Lambda Runtime API, `app.functions.runtime`) or on AWS Lambda (the Invoke API). Both answer
as Lambda's Invoke API does: the function's payload as bytes, and `function_error` set
(`Unhandled`, as the `X-Amz-Function-Error` header) when the function raised, timed out or
crashed; its payload is then Lambda's error document (`{"errorMessage", "errorType",
"stackTrace"}`). What Lambda refuses before running the function is raised as
`InvokeRefused`: throttling (`TooManyRequestsException`, a fast failure, never a queue), a
payload over Lambda's limit, an unknown function.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Protocol

SYNC_PAYLOAD_LIMIT: Final = 6 * 1024 * 1024
"""Lambda's limit on a synchronous request or response payload, in bytes."""
ASYNC_PAYLOAD_LIMIT: Final = 256 * 1024
"""Lambda's limit on an `Event` (asynchronous) request payload, in bytes."""
LOCAL_REGION: Final = "us-east-1"
LOCAL_ACCOUNT: Final = "000000000000"

TOO_MANY_REQUESTS: Final = "TooManyRequestsException"
REQUEST_TOO_LARGE: Final = "RequestTooLargeException"
RESOURCE_NOT_FOUND: Final = "ResourceNotFoundException"
SERVICE_EXCEPTION: Final = "ServiceException"


class InvocationType(StrEnum):
    REQUEST_RESPONSE = "RequestResponse"
    EVENT = "Event"


class InvokeRefused(Exception):
    """Lambda refused the invocation before running the function (as the Invoke API's 4xx/5xx
    answers): `error_type` is Lambda's exception name, e.g. `TooManyRequestsException` with
    `reason` `ReservedFunctionConcurrentInvocationLimitExceeded`."""

    def __init__(self, error_type: str, message: str, reason: str | None = None) -> None:
        self.error_type = error_type
        self.message = message
        self.reason = reason
        super().__init__(f"{error_type}: {message}")


@dataclass(frozen=True, slots=True)
class InvocationResult:
    """What one invocation returned, as the Invoke API gives it.

    `payload` is the function's response (JSON text as bytes; empty for an `Event`
    invocation). `function_error` is None on success, else `Unhandled` (or `Handled`) with
    `payload` holding Lambda's error document.
    """

    payload: bytes
    request_id: str
    function_error: str | None = None

    def error_document(self) -> Mapping[str, Any] | None:
        """`{"errorMessage", "errorType", ...}` when the function failed, else None."""
        import orjson

        if self.function_error is None:
            return None
        try:
            document = orjson.loads(self.payload) if self.payload else {}
        except orjson.JSONDecodeError:
            document = {"errorMessage": self.payload.decode("utf-8", "replace")}
        if not isinstance(document, dict):
            document = {"errorMessage": str(document)}
        return document


class FunctionInvoker(Protocol):
    """One function, local or on AWS."""

    @property
    def name(self) -> str: ...

    @property
    def arn(self) -> str: ...

    async def invoke(
        self,
        payload: bytes,
        *,
        invocation_type: InvocationType = InvocationType.REQUEST_RESPONSE,
        client_context: str | None = None,
        cognito_identity: str | None = None,
    ) -> InvocationResult:
        """Run the function once. Raises `InvokeRefused` when Lambda would refuse."""
        ...


@dataclass(frozen=True, slots=True)
class LocalFunctionConfig:
    """A function the project provides, run locally as Lambda would run it.

    `handler` is Lambda's handler string relative to `code_dir`, an absolute folder (Python
    `events.handler` for `events.py`'s `handler`; Node.js `index.handler` for `index.js`).
    `reserved_concurrency` None means unreserved (it draws on the account pool's unreserved
    part); 0 disables the function (every invocation is throttled).
    """

    name: str
    handler: str
    runtime: str
    code_dir: Path
    timeout_seconds: float = 3.0
    memory_size_mb: int = 128
    reserved_concurrency: int | None = None
    environment: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def arn(self) -> str:
        return local_arn(self.name)


def local_arn(name: str) -> str:
    """The ARN a local function answers to (the conflict handler's `lambdaArn` names it)."""
    return f"arn:aws:lambda:{LOCAL_REGION}:{LOCAL_ACCOUNT}:function:{name}"
