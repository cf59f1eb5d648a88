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

The server is a small `asyncio.Protocol` rather than a web framework because it is on the hot
path of every invocation (two requests each) and its only clients are the two runtime interface
clients, which send plain keep-alive HTTP/1.1 with `Content-Length` bodies. Measured with
aiohttp: ~400-450 µs of server CPU per warm invocation; with this protocol: ~200-250 µs under
uvloop (2,000 sequential invocations of a trivial Python function, `time.process_time()`).
Anything else (chunked bodies, oversized headers or bodies, malformed requests) is answered
400/413 and the connection closed.
"""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field
from typing import Final, Protocol, cast
from urllib.parse import unquote

import orjson

from app.functions.base import SYNC_PAYLOAD_LIMIT

LOOPBACK: Final = "127.0.0.1"
PREFIX: Final = "/2018-06-01/runtime"
# A response may be up to Lambda's limit; more is read (then refused) so the worker is not cut
# off mid-write and the caller gets Lambda's ResponseSizeTooLarge error.
_MAX_BODY = SYNC_PAYLOAD_LIMIT + 1024 * 1024
_MAX_HEAD = 64 * 1024  # request line and headers
_NEXT = f"{PREFIX}/invocation/next"
_INVOCATION = f"{PREFIX}/invocation/"
_INIT_ERROR = f"{PREFIX}/init/error"
_REASONS: Final = {
    100: "Continue",
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    410: "Gone",
    413: "Request Entity Too Large",
}
_KEEP_ALIVE: Final = ""
_CLOSE: Final = "Connection: close\r\n"
_ACCEPTED: Final = orjson.dumps({"status": "OK"})
_SHUTTING_DOWN: Final = orjson.dumps({"errorMessage": "the execution environment is shutting down"})
_INVALID_REQUEST_ID: Final = orjson.dumps(
    {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
)


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

    def headers(self) -> str:
        """The `next` answer's Lambda headers, as HTTP header lines."""
        headers = (
            f"Lambda-Runtime-Aws-Request-Id: {self.request_id}\r\n"
            f"Lambda-Runtime-Deadline-Ms: {self.deadline_ms}\r\n"
            f"Lambda-Runtime-Invoked-Function-Arn: {self.invoked_arn}\r\n"
            f"Lambda-Runtime-Trace-Id: {self.trace_id}\r\n"
        )
        if self.client_context is not None:
            headers += f"Lambda-Runtime-Client-Context: {_one_line(self.client_context)}\r\n"
        if self.cognito_identity is not None:
            headers += f"Lambda-Runtime-Cognito-Identity: {_one_line(self.cognito_identity)}\r\n"
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
        self.channel = channel
        self._server: asyncio.Server | None = None
        self._connections: set[_Connection] = set()
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
            loop = asyncio.get_running_loop()
            self._server = await loop.create_server(lambda: _Connection(self), sock=listener)
        except BaseException:
            listener.close()
            raise
        port = listener.getsockname()[1]
        self._address = f"{LOOPBACK}:{port}"
        return self._address

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for connection in list(self._connections):
            connection.abort()
        await server.wait_closed()

    def opened(self, connection: _Connection) -> None:
        self._connections.add(connection)

    def closed(self, connection: _Connection) -> None:
        self._connections.discard(connection)


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection from the worker; requests are served in order."""

    def __init__(self, server: RuntimeApiServer) -> None:
        self._server = server
        self._channel = server.channel
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        # The request whose body is being read: method, path, headers, body length.
        self._head: tuple[str, str, dict[str, str], int] | None = None
        self._waiting: asyncio.Task[Invocation | None] | None = None  # a `next` in progress
        self._keep_alive = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not `asyncio.Transport` subclasses, hence the cast.
        self._transport = cast(asyncio.Transport, transport)
        self._server.opened(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if self._waiting is not None:
            self._waiting.cancel()
            self._waiting = None
        self._server.closed(self)

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        self._serve()

    def _serve(self) -> None:
        """Serve every complete request in the buffer, one at a time."""
        while self._transport is not None and self._waiting is None:
            if self._head is None:
                end = self._buffer.find(b"\r\n\r\n")
                if end < 0:
                    if len(self._buffer) > _MAX_HEAD:
                        self._fail(400)
                    return
                if end > _MAX_HEAD:
                    self._fail(400)
                    return
                head = self._parse_head(bytes(self._buffer[:end]))
                del self._buffer[: end + 4]
                if head is None:
                    return
                self._head = head
                if head[3] > len(self._buffer) and head[2].get("expect") == "100-continue":
                    self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            method, path, headers, length = self._head
            if len(self._buffer) < length:
                return
            body = bytes(self._buffer[:length])
            del self._buffer[:length]
            self._head = None
            self._dispatch(method, path, headers, body)

    def _parse_head(self, raw: bytes) -> tuple[str, str, dict[str, str], int] | None:
        try:
            lines = raw.decode("latin-1").split("\r\n")
            method, target, version = lines[0].split(" ")
            if not version.startswith("HTTP/1."):
                raise ValueError(version)
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if not _ or not name or name != name.strip():
                    raise ValueError(line)
                headers[name.lower()] = value.strip()
            length = int(headers.get("content-length", "0"))
            if length < 0 or "transfer-encoding" in headers:
                raise ValueError("only Content-Length bodies")
        except ValueError:
            self._fail(400)
            return None
        if length > _MAX_BODY:
            self._fail(413)
            return None
        connection = headers.get("connection", "").lower()
        self._keep_alive = connection != "close" and (
            version == "HTTP/1.1" or connection == "keep-alive"
        )
        return method, target.partition("?")[0], headers, length

    def _dispatch(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        if path == _NEXT:
            if method != "GET":
                self._respond(405, b"")
                return
            waiting = asyncio.ensure_future(self._channel.next_invocation())
            self._waiting = waiting
            waiting.add_done_callback(self._next_ready)
            return
        if method != "POST":
            known = path == _INIT_ERROR or path.startswith(_INVOCATION)
            self._respond(405 if known else 404, b"")
            return
        if path == _INIT_ERROR:
            self._channel.init_failed(body, headers.get("lambda-runtime-function-error-type"))
            self._respond(202, _ACCEPTED)
            return
        request_id, _, kind = path.removeprefix(_INVOCATION).partition("/")
        if not path.startswith(_INVOCATION) or not request_id or kind not in ("response", "error"):
            self._respond(404, b"")
            return
        if "%" in request_id:
            request_id = unquote(request_id)
        error_type = None
        if kind == "error":
            error_type = headers.get("lambda-runtime-function-error-type") or "Unhandled"
        if self._channel.invocation_done(request_id, Outcome(body, error_type)):
            self._respond(202, _ACCEPTED)
        else:
            self._respond(400, _INVALID_REQUEST_ID)

    def _next_ready(self, waiting: asyncio.Task[Invocation | None]) -> None:
        if waiting is not self._waiting:  # the connection was lost meanwhile
            return
        self._waiting = None
        invocation = None if waiting.cancelled() else waiting.result()
        if invocation is None:
            self._respond(410, _SHUTTING_DOWN)
        else:
            self._respond(200, invocation.payload, invocation.headers())
        self._serve()

    def _respond(self, status: int, body: bytes, extra: str = "") -> None:
        transport = self._transport
        if transport is None:
            return
        head = (
            f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
            f"Content-Type: application/json\r\n{extra}"
            f"Content-Length: {len(body)}\r\n"
            f"{_KEEP_ALIVE if self._keep_alive else _CLOSE}\r\n"
        )
        transport.write(head.encode("latin-1") + body)
        if not self._keep_alive:
            transport.close()
            self._transport = None

    def _fail(self, status: int) -> None:
        """An unexpected request: answer it and close (the rest of the stream is unusable)."""
        self._keep_alive = False
        self._buffer.clear()
        self._respond(status, b"")


def _one_line(value: str) -> str:
    """A header value cannot hold a line break (it would end the header)."""
    return value.replace("\r", " ").replace("\n", " ")
