"""AppSync's real-time WebSocket protocol, served at `/graphql/realtime` (and at `/graphql` for
clients that send AppSync's `header` query parameter or `header-` subprotocol).

One `RealtimeConnection` per socket. It reads client messages in order, runs each subscription
in its own task, and writes every outgoing frame through one bounded outbox drained by a single
writer, so no subscription ever waits on the socket. A client that lets the outbox fill up
(`maxPendingMessages` frames) has stopped reading: it is disconnected with close code 1008
rather than left to grow memory. The protocol, message by message:

- C→S `connection_init` → S→C `connection_ack {connectionTimeoutMs}`, then `ka` every
  `keepAliveSeconds`. AppSync's guide calls `connection_init` optional, but every AppSync
  client (Amplify, gql, Apollo Kotlin) sends it first, so here it is required, as in
  graphql-transport-ws: none within `connectionInitTimeoutSeconds` → `connection_error`, close
  4408; a second one → `error`, close 4429; a `start` before it → `error`, close 4401.
- C→S `start {id, payload: {data: "<JSON {query, variables}>", extensions}}` → `start_ack`
  once the subscription listens, then `data` per matching mutation; or `error` with the id.
- C→S `stop {id}` → S→C `complete {id}`.
- Anything else → `error` without an id (`UnsupportedOperation`).
- A socket with no subscription that sends nothing for `idleConnectionTimeoutSeconds` is
  closed (1000).

Revocation: the handshake's principal, and that of each `start` authorized by its own
`extensions.authorization`, are registered with the API's revocation watch. When a start's
credentials stop holding, that subscription gets an `error` (UnauthorizedException) and ends;
when the connection's do, every subscription that ran on them gets one, then the socket gets
an `error` without an id and is closed with 4403.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson
from graphql import ExecutionResult, GraphQLError
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from app.auth.authorizer import Authorizer
from app.auth.base import UNAUTHORIZED_EXCEPTION, AuthFailure, Credentials, Principal
from app.auth.revocation import Registration, RevocationWatch
from app.definition.model import Limits
from app.execution.context import RequestContext
from app.execution.errors import INTERNAL_FAILURE, format_graphql_error, request_error
from app.realtime.engine import LiveSubscription, NotASubscription, SubscriptionEngine
from app.realtime.pubsub import PubSubError
from app.transport.credentials import LAMBDA_CONNECT_OPERATION, header_map, with_fields
from app.transport.handshake import APPSYNC_SUBPROTOCOL, HandshakeError, read_handshake

logger = logging.getLogger("strawsync.realtime")

UNSUPPORTED_OPERATION: Final = "UnsupportedOperation"
BAD_REQUEST: Final = "BadRequestException"
DUPLICATED_OPERATION: Final = "DuplicatedOperationError"
MAX_SUBSCRIPTIONS: Final = "MaxSubscriptionsReachedError"
LIMIT_EXCEEDED: Final = "LimitExceededError"
UNKNOWN_OPERATION: Final = "UnknownOperationError"

CONNECT_PATH: Final = "/graphql/connect"
GRAPHQL_PATH: Final = "/graphql"
"""What AppSync clients sign with IAM: the handshake as a POST of `{}` to `/graphql/connect`,
each start as a POST of its `data` to `/graphql`."""

CONNECTION_INIT_TIMEOUT: Final = "ConnectionInitTimeoutError"
CONNECTION_NOT_INITIALIZED: Final = "ConnectionNotInitializedError"
DUPLICATE_CONNECTION_INIT: Final = "DuplicateConnectionInitError"

CLOSE_NORMAL: Final = 1000
CLOSE_POLICY: Final = 1008
CLOSE_PROTOCOL: Final = 1002
CLOSE_UNAUTHORIZED: Final = 4401
"""A `start` before `connection_init` (graphql-transport-ws's code for subscribe before ack)."""
CLOSE_FORBIDDEN: Final = 4403
"""The connection's credentials were revoked or expired."""
CLOSE_INIT_TIMEOUT: Final = 4408
CLOSE_TOO_MANY_INITS: Final = 4429
CLOSE_TIMEOUT_SECONDS: Final = 2.0

REVOKED_CONNECTION: Final = "The credentials of this connection are no longer valid."
REVOKED_SUBSCRIPTION: Final = "The credentials of this subscription are no longer valid."

_KEEP_ALIVE: Final = '{"type":"ka"}'


def _frame(message: Mapping[str, Any]) -> str:
    return orjson.dumps(message).decode()


def error_frame(errors: Sequence[Mapping[str, Any]], operation_id: str | None = None) -> str:
    """An `error` message; with an id it concerns one subscription, without one the socket."""
    message: dict[str, Any] = {"type": "error"}
    if operation_id is not None:
        message["id"] = operation_id
    message["payload"] = {"errors": list(errors)}
    return _frame(message)


class _CloseRequest:
    """Queued behind pending frames: the writer closes the socket once they are sent."""

    __slots__ = ("code", "reason")

    def __init__(self, code: int, reason: str) -> None:
        self.code = code
        self.reason = reason


class RealtimeEndpoint:
    """The ASGI app for AppSync real-time sockets."""

    def __init__(self, engine: SubscriptionEngine, authorizer: Authorizer, limits: Limits) -> None:
        self.engine = engine
        self.authorizer = authorizer
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        subprotocols: list[str] = list(scope.get("subprotocols") or ())
        try:
            handshake = read_handshake(scope.get("query_string", b""), subprotocols)
        except HandshakeError as error:
            chosen = APPSYNC_SUBPROTOCOL if APPSYNC_SUBPROTOCOL in subprotocols else None
            await websocket.accept(subprotocol=chosen)
            errors = [
                {**request_error(error.message, error.error_type), "errorCode": error.error_code}
            ]
            await websocket.send_text(
                _frame({"type": "connection_error", "payload": {"errors": errors}})
            )
            await websocket.close(CLOSE_PROTOCOL if chosen is None else CLOSE_POLICY)
            return
        await websocket.accept(subprotocol=APPSYNC_SUBPROTOCOL)
        client = scope.get("client")
        source_ip = client[0] if client else None
        upgrade_headers = header_map(scope.get("headers", ()))
        try:
            principal = await self.authorizer.authenticate(
                Credentials(
                    headers=with_fields(upgrade_headers, handshake.headers),
                    method="POST",
                    path=CONNECT_PATH,
                    body=b"{}",
                    source_ip=source_ip,
                    operation_name=LAMBDA_CONNECT_OPERATION,
                )
            )
        except AuthFailure as failure:
            errors = [{**request_error(failure.message, failure.error_type), "errorCode": 401}]
            await websocket.send_text(
                _frame({"type": "connection_error", "payload": {"errors": errors}})
            )
            await websocket.close(CLOSE_POLICY)
            return
        raw_headers = [
            *scope.get("headers", ()),
            *(
                (name.encode("latin-1"), value.encode("latin-1"))
                for name, value in handshake.headers.items()
            ),
        ]
        connection = RealtimeConnection(
            websocket,
            self.engine,
            self.limits,
            raw_headers=raw_headers,
            source_ip=source_ip,
            authorizer=self.authorizer,
            principal=principal,
            upgrade_headers=upgrade_headers,
        )
        await connection.serve()


def _connection_error(error_type: str, message: str, error_code: int) -> str:
    errors = [{**request_error(message, error_type), "errorCode": error_code}]
    return _frame({"type": "connection_error", "payload": {"errors": errors}})


class RealtimeConnection:
    """One AppSync real-time socket and the subscriptions it carries."""

    def __init__(
        self,
        websocket: WebSocket,
        engine: SubscriptionEngine,
        limits: Limits,
        *,
        raw_headers: Sequence[tuple[bytes, bytes]],
        source_ip: str | None,
        authorizer: Authorizer,
        principal: Principal | None,
        upgrade_headers: Mapping[str, str],
    ) -> None:
        self.websocket = websocket
        self.authorizer = authorizer
        self.principal = principal
        self.upgrade_headers = upgrade_headers
        self.engine = engine
        self.limits = limits
        self.raw_headers = raw_headers
        self.source_ip = source_ip
        self.operations: dict[str, asyncio.Task[None]] = {}
        self._outbox: asyncio.Queue[str | _CloseRequest] = asyncio.Queue(
            maxsize=limits.max_pending_messages
        )
        self._done = asyncio.Event()
        self._overflowed = False
        self._keep_alive: asyncio.Task[None] | None = None
        self._initialized = False
        self._closing = False
        self._last_active = asyncio.get_running_loop().time()
        self.revocations: RevocationWatch = authorizer.revocations
        self._on_connection: set[str] = set()
        """Subscriptions started without their own credentials: they run on the connection's."""
        self._registration: Registration | None = None

    # Lifecycle -------------------------------------------------------------------------------

    async def serve(self) -> None:
        reader = asyncio.create_task(self._read())
        writer = asyncio.create_task(self._write())
        guard = asyncio.create_task(self._guard())
        self._registration = self.revocations.watch(self.principal, self._revoke_connection)
        try:
            await asyncio.wait_for(self._done.wait(), self.limits.connection_lifetime_seconds)
        except TimeoutError:
            logger.info("closing a real-time connection at the end of its lifetime")
            self.close(CLOSE_NORMAL, "Connection lifetime reached")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._done.wait(), CLOSE_TIMEOUT_SECONDS)
        finally:
            if self._registration is not None:
                self._registration.cancel()
            tasks = [reader, guard, *self.operations.values()]
            if self._keep_alive is not None:
                tasks.append(self._keep_alive)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            if self._overflowed:
                writer.cancel()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(
                        self.websocket.close(CLOSE_POLICY, "Subscriber too slow"),
                        CLOSE_TIMEOUT_SECONDS,
                    )
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    def send(self, frame: str) -> None:
        """Queue a frame without waiting; a full outbox disconnects the client."""
        if self._done.is_set():
            return
        try:
            self._outbox.put_nowait(frame)
        except asyncio.QueueFull:
            logger.warning(
                "disconnecting a real-time client with %d frames unsent", self._outbox.qsize()
            )
            self._overflowed = True
            self._done.set()

    def close(self, code: int, reason: str) -> None:
        """Close the socket once the frames already queued are sent."""
        if self._closing:
            return
        self._closing = True
        try:
            self._outbox.put_nowait(_CloseRequest(code, reason))
        except asyncio.QueueFull:
            self._overflowed = True
            self._done.set()

    async def _write(self) -> None:
        try:
            while True:
                item = await self._outbox.get()
                if isinstance(item, _CloseRequest):
                    await self.websocket.close(item.code, item.reason)
                    return
                await self.websocket.send_text(item)
        except (WebSocketDisconnect, RuntimeError, OSError):
            return
        finally:
            self._done.set()

    async def _read(self) -> None:
        try:
            while True:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                text = message.get("text")
                if text is None:
                    data = message.get("bytes") or b""
                    size = len(data)
                    text = data.decode("utf-8", errors="replace")
                else:
                    size = len(text.encode("utf-8"))
                self._last_active = asyncio.get_running_loop().time()
                if self._closing:
                    continue
                if size > self.limits.max_message_bytes:
                    self._reject_oversized(text, size)
                    continue
                self._handle(text)
        except (WebSocketDisconnect, RuntimeError, OSError):
            return
        finally:
            self._done.set()

    async def _guard(self) -> None:
        """Close a socket that never sends `connection_init`, and one left idle: no
        subscription, nothing sent, for `idle_connection_timeout_seconds`."""
        loop = asyncio.get_running_loop()
        init_timeout = self.limits.connection_init_timeout_seconds
        await asyncio.sleep(init_timeout)
        if not self._initialized:
            logger.info("closing a real-time connection: no connection_init in %gs", init_timeout)
            message = f"No connection_init within {init_timeout:g} seconds."
            self.send(_connection_error(CONNECTION_INIT_TIMEOUT, message, 408))
            self.close(CLOSE_INIT_TIMEOUT, "Connection initialisation timeout")
            return
        idle = self.limits.idle_connection_timeout_seconds
        while True:
            if self.operations:
                await asyncio.sleep(idle)
                continue
            remaining = self._last_active + idle - loop.time()
            if remaining <= 0:
                logger.info("closing a real-time connection idle for %gs", idle)
                self.close(CLOSE_NORMAL, "Idle connection timeout")
                return
            await asyncio.sleep(remaining)

    # Revocation ------------------------------------------------------------------------------

    def _revoke_connection(self) -> None:
        """The handshake's credentials no longer hold: end what ran on them, then the socket."""
        logger.info("closing a real-time connection: its credentials were revoked or expired")
        for operation_id in sorted(self._on_connection):
            self._revoke_operation(operation_id)
        error = {**request_error(REVOKED_CONNECTION, UNAUTHORIZED_EXCEPTION), "errorCode": 401}
        self.send(error_frame([error]))
        self.close(CLOSE_FORBIDDEN, "Forbidden")

    def _revoke_operation(self, operation_id: str) -> None:
        task = self.operations.pop(operation_id, None)
        self._on_connection.discard(operation_id)
        if task is None:
            return
        task.cancel()
        self._ended()
        error = request_error(REVOKED_SUBSCRIPTION, UNAUTHORIZED_EXCEPTION)
        self.send(error_frame([error], operation_id))

    def _ended(self) -> None:
        """A subscription ended: the idle clock starts from now when it was the last."""
        if not self.operations:
            self._last_active = asyncio.get_running_loop().time()

    # Messages --------------------------------------------------------------------------------

    def _handle(self, text: str) -> None:
        try:
            message = orjson.loads(text)
        except orjson.JSONDecodeError:
            message = None
        kind = message.get("type") if isinstance(message, dict) else None
        if not isinstance(message, dict) or not isinstance(kind, str):
            self._unsupported("unknown")
        elif kind == "connection_init":
            self._acknowledge()
        elif kind == "start":
            self._start(message)
        elif kind == "stop":
            self._stop(message.get("id"))
        else:
            self._unsupported(kind)

    def _unsupported(self, kind: str) -> None:
        error = request_error(
            f"{kind} not supported through the realtime channel", UNSUPPORTED_OPERATION
        )
        self.send(error_frame([error]))

    def _reject_oversized(self, text: str, size: int) -> None:
        operation_id: str | None = None
        with contextlib.suppress(orjson.JSONDecodeError):
            message = orjson.loads(text)
            if isinstance(message, dict) and isinstance(message.get("id"), str):
                operation_id = message["id"]
        limit = self.limits.max_message_bytes
        error = request_error(
            f"Message of {size} bytes exceeds the limit of {limit} bytes.", LIMIT_EXCEEDED
        )
        self.send(error_frame([error], operation_id))

    def _acknowledge(self) -> None:
        if self._initialized:
            error = request_error(
                "connection_init was already acknowledged on this connection.",
                DUPLICATE_CONNECTION_INIT,
            )
            self.send(error_frame([error]))
            self.close(CLOSE_TOO_MANY_INITS, "Too many initialisation requests")
            return
        self._initialized = True
        ack = {
            "type": "connection_ack",
            "payload": {"connectionTimeoutMs": self.limits.connection_timeout_ms},
        }
        self.send(_frame(ack))
        if self._keep_alive is None:
            self._keep_alive = asyncio.create_task(self._keep_alive_loop())

    async def _keep_alive_loop(self) -> None:
        while True:
            self.send(_KEEP_ALIVE)
            await asyncio.sleep(self.limits.keep_alive_seconds)

    def _start(self, message: dict[str, Any]) -> None:
        operation_id = message.get("id")
        if not self._initialized:
            error = request_error(
                "Send connection_init and wait for connection_ack before start.",
                CONNECTION_NOT_INITIALIZED,
            )
            self.send(error_frame([error], operation_id if isinstance(operation_id, str) else None))
            self.close(CLOSE_UNAUTHORIZED, "Unauthorized")
            return
        if not isinstance(operation_id, str) or not operation_id:
            error = request_error("A start message needs a non-empty string id.", BAD_REQUEST)
            self.send(error_frame([error]))
            return
        if operation_id in self.operations:
            error = request_error(
                f"Duplicate subscription id '{operation_id}': stop it before reusing its id.",
                DUPLICATED_OPERATION,
            )
            self.send(error_frame([error], operation_id))
            return
        limit = self.limits.max_subscriptions_per_connection
        if len(self.operations) >= limit:
            error = request_error(
                f"Max number of {limit} subscriptions reached on this connection.",
                MAX_SUBSCRIPTIONS,
            )
            self.send(error_frame([error], operation_id))
            return
        try:
            request = _start_request(message.get("payload"))
        except ValueError as exc:
            self.send(error_frame([request_error(str(exc), BAD_REQUEST)], operation_id))
            return
        task = asyncio.create_task(self._run(operation_id, request))
        self.operations[operation_id] = task

    def _stop(self, operation_id: object) -> None:
        if not isinstance(operation_id, str):
            error = request_error("A stop message needs a string id.", BAD_REQUEST)
            self.send(error_frame([error]))
            return
        task = self.operations.pop(operation_id, None)
        if task is None:
            error = request_error(
                f"No subscription has the id '{operation_id}'.", UNKNOWN_OPERATION
            )
            self.send(error_frame([error], operation_id))
            return
        self._on_connection.discard(operation_id)
        task.cancel()
        self._ended()
        self.send(_frame({"type": "complete", "id": operation_id}))

    # One subscription ------------------------------------------------------------------------

    async def _authenticate(self, request: StartRequest, request_id: str) -> Principal | None:
        """A start is authorized by its own `extensions.authorization` (signed over its `data`
        for IAM); without one, it runs as the connection's caller, if that still holds."""
        if request.authorization is None:
            if not await self.revocations.holds(self.principal, wait=True):
                if self._registration is not None:
                    self._registration.revoke()
                raise AuthFailure(REVOKED_CONNECTION)
            return self.principal
        credentials = Credentials(
            headers=with_fields(self.upgrade_headers, request.authorization),
            method="POST",
            path=GRAPHQL_PATH,
            body=request.data.encode(),
            source_ip=self.source_ip,
            request_id=request_id,
            operation_name=request.operation_name,
            variables=request.variables or {},
            query_text=request.query,
        )
        return await self.authorizer.authenticate(credentials)

    async def _run(self, operation_id: str, request: StartRequest) -> None:
        request_id = str(uuid.uuid4())
        context = RequestContext(
            request_id=request_id,
            variables=request.variables or {},
            raw_headers=self.raw_headers,
            source_ip=self.source_ip,
        )
        live: LiveSubscription | None = None
        registration: Registration | None = None
        if request.authorization is None:
            self._on_connection.add(operation_id)
        try:
            try:
                principal = await self._authenticate(request, request_id)
            except AuthFailure as failure:
                error = request_error(failure.message, failure.error_type)
                self.send(error_frame([error], operation_id))
                return
            context.authorize(principal)
            if request.authorization is not None:
                registration = self.revocations.watch(
                    principal, lambda: self._revoke_operation(operation_id)
                )
            try:
                opened = await self.engine.subscribe(
                    request.query, request.variables, request.operation_name, context
                )
            except NotASubscription as exc:
                error = request_error(str(exc), UNSUPPORTED_OPERATION)
                self.send(error_frame([error], operation_id))
                return
            if isinstance(opened, ExecutionResult):
                self.send(error_frame(_errors(opened, request_id), operation_id))
                return
            live = opened
            self.send(_frame({"type": "start_ack", "id": operation_id}))
            prefix = b'{"type":"data","id":' + orjson.dumps(operation_id) + b',"payload":'

            def format_error(error: GraphQLError) -> dict[str, Any]:
                return format_graphql_error(error, request_id)

            async for delivery in live:
                self.send((prefix + delivery.payload_json(format_error) + b"}").decode())
            if live.expired:
                error = request_error(
                    "The credentials of this subscription expired.", UNAUTHORIZED_EXCEPTION
                )
                self.send(error_frame([error], operation_id))
            elif self.operations.get(operation_id) is asyncio.current_task():
                self.send(_frame({"type": "complete", "id": operation_id}))
                if live.invalidated:
                    del self.operations[operation_id]
                    self._on_connection.discard(operation_id)
                    if not self.operations:
                        self.close(CLOSE_NORMAL, "Subscription complete.")
        except PubSubError as exc:
            self.send(error_frame([request_error(exc.message, exc.error_type)], operation_id))
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("[%s] subscription %r failed", request_id, operation_id)
            error = request_error("An internal error occurred.", INTERNAL_FAILURE)
            self.send(error_frame([error], operation_id))
        finally:
            if registration is not None:
                registration.cancel()
            if live is not None:
                live.close()
            if self.operations.get(operation_id) is asyncio.current_task():
                del self.operations[operation_id]
                self._on_connection.discard(operation_id)
                self._ended()


def _errors(result: ExecutionResult, request_id: str) -> list[dict[str, Any]]:
    errors = result.errors or [GraphQLError("The subscription could not be started.")]
    return [format_graphql_error(error, request_id) for error in errors]


@dataclass(frozen=True, slots=True)
class StartRequest:
    """The GraphQL request of a `start`, its raw `data` (what IAM signs) and its credentials."""

    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    data: str
    authorization: Mapping[str, Any] | None


def _start_request(payload: object) -> StartRequest:
    """The request inside a `start` payload; ValueError says what is wrong."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), str):
        raise ValueError('A start payload needs "data": a JSON string of {query, variables}.')
    try:
        # The standard library, not orjson: it keeps integers beyond 64 bits exact (an ID
        # variable sent as a number); a start is parsed once per subscription.
        request = json.loads(payload["data"])
    except ValueError:
        raise ValueError('The start payload\'s "data" is not valid JSON.') from None
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        raise ValueError('The start payload\'s "data" needs a "query" string.')
    variables = request.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise ValueError("Variables must be a JSON object.")
    operation_name = request.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise ValueError("operationName must be a string.")
    extensions = payload.get("extensions")
    authorization = extensions.get("authorization") if isinstance(extensions, dict) else None
    if authorization is not None and not isinstance(authorization, dict):
        raise ValueError('"extensions.authorization" must be an object of headers.')
    return StartRequest(request["query"], variables, operation_name, payload["data"], authorization)
