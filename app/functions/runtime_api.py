"""The Lambda Runtime API, served on loopback to one worker process.

AWS's runtime interface clients (`awslambdaric`, `aws-lambda-ric`) find Lambda at
`http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/...`. Each worker gets its own listening
socket on 127.0.0.1 (port chosen by the kernel), so a worker can only ever see its own
invocations: the endpoint itself says which worker is asking. The four endpoints:

- `GET  /invocation/next`: blocks until the worker is given an invocation, then answers the
  event with every header Lambda sends (request id, deadline, invoked ARN, X-Ray trace id, and
  the client context and Cognito identity when present). Both clients crash without the trace
  id, so it is always sent.
- `POST /invocation/{id}/response`, `POST /invocation/{id}/error`: the outcome.
- `POST /init/error`: the function could not initialise (syntax error, missing handler).
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from typing import Final, Protocol

from aiohttp import web

from app.functions.base import SYNC_PAYLOAD_LIMIT

LOOPBACK: Final = "127.0.0.1"
PREFIX: Final = "/2018-06-01/runtime"
# A response may be up to Lambda's limit; more is read (then refused) so the worker is not cut
# off mid-write and the caller gets Lambda's ResponseSizeTooLarge error.
_MAX_BODY = SYNC_PAYLOAD_LIMIT + 1024 * 1024


@dataclass(slots=True)
class Invocation:
    """One event handed to a worker, and the outcome the worker reports."""

    request_id: str
    payload: bytes
    invoked_arn: str
    deadline_ms: int
    trace_id: str
    client_context: str | None = None
    cognito_identity: str | None = None
    outcome: asyncio.Future[Outcome] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )

    def headers(self) -> dict[str, str]:
        headers = {
            "Lambda-Runtime-Aws-Request-Id": self.request_id,
            "Lambda-Runtime-Deadline-Ms": str(self.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": self.invoked_arn,
            "Lambda-Runtime-Trace-Id": self.trace_id,
            "Content-Type": "application/json",
        }
        if self.client_context is not None:
            headers["Lambda-Runtime-Client-Context"] = self.client_context
        if self.cognito_identity is not None:
            headers["Lambda-Runtime-Cognito-Identity"] = self.cognito_identity
        return headers


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the worker posted: the response, or an error document and its type."""

    payload: bytes
    error_type: str | None = None


class WorkerChannel(Protocol):
    """The worker side the API serves: hands out invocations, takes outcomes."""

    async def next_invocation(self) -> Invocation | None:
        """Wait until the worker has something to run (the first call means init is done);
        None when the worker is being stopped."""
        ...

    def invocation_done(self, request_id: str, outcome: Outcome) -> bool:
        """Record the outcome of `request_id`; False if it is not the current invocation."""
        ...

    def init_failed(self, document: bytes, error_type: str | None) -> None:
        """Record the init error the worker reported before it exits."""
        ...


class RuntimeApiServer:
    """One worker's Runtime API endpoint: `start` returns the `host:port` to give it."""

    def __init__(self, channel: WorkerChannel) -> None:
        self._channel = channel
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_get(f"{PREFIX}/invocation/next", self._next)
        app.router.add_post(f"{PREFIX}/invocation/{{request_id}}/response", self._response)
        app.router.add_post(f"{PREFIX}/invocation/{{request_id}}/error", self._error)
        app.router.add_post(f"{PREFIX}/init/error", self._init_error)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        self._address: str | None = None

    @property
    def address(self) -> str:
        if self._address is None:
            raise RuntimeError("the Runtime API is not started")
        return self._address

    async def start(self) -> str:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind((LOOPBACK, 0))
            await self._runner.setup()
            await web.SockSite(self._runner, listener).start()
        except BaseException:
            listener.close()
            raise
        port = listener.getsockname()[1]
        self._address = f"{LOOPBACK}:{port}"
        return self._address

    async def close(self) -> None:
        await self._runner.cleanup()

    async def _next(self, request: web.Request) -> web.Response:
        invocation = await self._channel.next_invocation()
        if invocation is None:
            return web.json_response(
                {"errorMessage": "the execution environment is shutting down"}, status=410
            )
        return web.Response(body=invocation.payload, headers=invocation.headers())

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.read()
        if not self._channel.invocation_done(request.match_info["request_id"], Outcome(body)):
            return _unknown_request()
        return web.json_response({"status": "OK"}, status=202)

    async def _error(self, request: web.Request) -> web.Response:
        body = await request.read()
        error_type = request.headers.get("Lambda-Runtime-Function-Error-Type") or "Unhandled"
        outcome = Outcome(body, error_type)
        if not self._channel.invocation_done(request.match_info["request_id"], outcome):
            return _unknown_request()
        return web.json_response({"status": "OK"}, status=202)

    async def _init_error(self, request: web.Request) -> web.Response:
        body = await request.read()
        self._channel.init_failed(body, request.headers.get("Lambda-Runtime-Function-Error-Type"))
        return web.json_response({"status": "OK"}, status=202)


def _unknown_request() -> web.Response:
    return web.json_response(
        {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}, status=400
    )
