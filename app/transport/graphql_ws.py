"""graphql-transport-ws and the legacy graphql-ws protocol at `/graphql`, through Strawberry.

Strawberry's handlers speak the two protocols (messages, ids, keep-alives, limits); what they
run comes from `EngineSchema`, which stands in for a Strawberry schema: subscriptions open on
Strawsync's subscription engine, and queries and mutations sent over the socket run on the
same executor as HTTP (and publish, as HTTP mutations do). So every transport shares one
execution path, one set of filters and one delivery rule.

Strawberry's two handlers are extended (`TransportWSHandler`, `LegacyWSHandler`) with what a
served API needs on top of the protocols:

- the principal `connection_init` authorized is registered with the API's revocation watch;
  when it stops holding, the socket's operations end and it is closed: graphql-transport-ws
  4403 "Forbidden"; graphql-ws `connection_error`, then 4403. Every operation first checks
  that the principal still holds and is refused (UnauthorizedException) when it does not;
- no `connection_init` within `connectionInitTimeoutSeconds`: 4408 (graphql-transport-ws,
  by Strawberry; graphql-ws after a `connection_error`);
- no operation and no message for `idleConnectionTimeoutSeconds`: closed with 1000;
- graphql-ws refuses a connection with `connection_error` and 4403 (Strawberry closes with
  1011, "internal error", which clients take as a server fault and retry), and a second
  `connection_init` with `connection_error` and 4429, as graphql-transport-ws does.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncGenerator, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final, cast

from graphql import ExecutionResult as CoreResult
from graphql import GraphQLError, OperationType
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry import UNSET
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    Message as TransportMessage,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.subscriptions.protocols.graphql_ws.types import (
    ConnectionInitMessage,
    OperationMessage,
)
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.unset import UnsetType

from app.auth.base import UNAUTHORIZED_EXCEPTION, AuthFailure, Credentials, Principal
from app.auth.revocation import Registration, RevocationWatch
from app.definition.model import Limits
from app.execution.context import RequestContext
from app.execution.errors import format_appended_error, format_graphql_error
from app.realtime.engine import NotASubscription
from app.realtime.pubsub import PubSubError
from app.service import Service
from app.transport.credentials import LAMBDA_CONNECT_OPERATION, header_map, with_fields
from app.transport.operations import run_operation

logger = logging.getLogger("strawsync.realtime")

ANY_OPERATION = frozenset({OperationType.QUERY, OperationType.MUTATION})

CLOSE_NORMAL: Final = 1000
CLOSE_BAD_REQUEST: Final = 4400
CLOSE_FORBIDDEN: Final = 4403
CLOSE_INIT_TIMEOUT: Final = 4408
CLOSE_TOO_MANY_INITS: Final = 4429
REVOKED: Final = "The credentials of this connection are no longer valid."


@dataclass(slots=True)
class SocketInfo:
    """What each operation on one socket knows of it (its own RequestContext is fresh).

    Strawberry sets `connection_params` to the `connection_init` payload; the credentials in
    it (or in the upgrade request's headers) authorize the connection: `principal`.
    """

    raw_headers: Sequence[tuple[bytes, bytes]]
    source_ip: str | None
    connection_params: Any = None
    principal: Principal | None = None
    revocations: RevocationWatch | None = None
    revoke: Callable[[], None] | None = None
    """Ends the socket at once when an operation finds its credentials no longer hold."""


def _typed(errors: Sequence[GraphQLError], request_id: str) -> list[GraphQLError]:
    """Errors carrying AppSync's `errorType` (and `errorInfo`, `data`) in `extensions`, the
    place graphql-ws clients read them from."""
    typed: list[GraphQLError] = []
    for error in errors:
        shaped = format_graphql_error(error, request_id)
        extensions = {
            key: shaped[key]
            for key in ("errorType", "errorInfo", "data")
            if shaped.get(key) is not None
        }
        typed.append(
            GraphQLError(
                error.message,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions=extensions or None,
            )
        )
    return typed


def _error(message: str, error_type: str) -> GraphQLError:
    return GraphQLError(message, extensions={"errorType": error_type})


class EngineSchema:
    """The part of a Strawberry schema its WebSocket handlers use: `stream` and `subscribe`."""

    def __init__(self, service: Service) -> None:
        self.service = service

    async def subscribe(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> AsyncGenerator[ExecutionResult, None]:
        # The legacy graphql-ws protocol runs any operation with `start` (Apollo Client 2's
        # WebSocketLink sends queries and mutations this way).
        return self._results(query, variable_values, context_value, operation_name, False)

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Any = None,
    ) -> AsyncGenerator[ExecutionResult, None]:
        only_subscriptions = allowed_operation_types is not None and set(
            allowed_operation_types
        ) == {OperationType.SUBSCRIPTION}
        return self._results(
            query, variable_values, context_value, operation_name, only_subscriptions
        )

    async def _results(
        self,
        query: str | None,
        variables: dict[str, Any] | None,
        socket: Any,
        operation_name: str | None,
        only_subscriptions: bool,
    ) -> AsyncGenerator[ExecutionResult, None]:
        request_id = str(uuid.uuid4())
        info = socket if isinstance(socket, SocketInfo) else SocketInfo((), None)
        context = RequestContext(
            request_id=request_id,
            variables=variables or {},
            raw_headers=info.raw_headers,
            source_ip=info.source_ip,
        )
        context.authorize(info.principal)
        if info.revocations is not None and not await info.revocations.holds(
            info.principal, wait=True
        ):
            if info.revoke is not None:
                info.revoke()
            yield PreExecutionError(data=None, errors=[_error(REVOKED, UNAUTHORIZED_EXCEPTION)])
            return
        if not isinstance(query, str) or not query.strip():
            yield PreExecutionError(
                data=None, errors=[_error("No GraphQL query found.", "BadRequestException")]
            )
            return
        engine = self.service.realtime
        try:
            opened = await engine.subscribe(query, variables, operation_name, context)
        except NotASubscription as exc:
            if only_subscriptions:
                yield PreExecutionError(
                    data=None, errors=[_error(str(exc), "UnsupportedOperation")]
                )
                return
            yield await self._execute(query, variables, operation_name, context)
            return
        if isinstance(opened, CoreResult):
            errors = _typed(list(opened.errors or []), request_id)
            yield PreExecutionError(data=None, errors=errors)
            return
        try:
            async for delivery in opened:
                result = delivery.result
                typed = _typed(result.errors, request_id) if result.errors else None
                yield ExecutionResult(data=result.data, errors=typed)
            if opened.expired:
                message = "The credentials of this subscription expired."
                yield ExecutionResult(data=None, errors=[_error(message, UNAUTHORIZED_EXCEPTION)])
        except PubSubError as exc:
            yield ExecutionResult(data=None, errors=[_error(exc.message, exc.error_type)])
        finally:
            opened.close()

    async def _execute(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: RequestContext,
    ) -> ExecutionResult:
        outcome = await run_operation(
            self.service,
            query,
            variables=variables,
            operation_name=operation_name,
            context=context,
            allowed=ANY_OPERATION,
        )
        result = outcome.result
        errors = _typed(result.errors, context.request_id) if result.errors else []
        for appended in context.appended_errors:
            shaped = format_appended_error(appended)
            errors.append(
                GraphQLError(
                    shaped["message"],
                    path=shaped.get("path"),
                    extensions={"errorType": shaped.get("errorType")},
                )
            )
        if outcome.syntax_error or (result.data is None and errors and outcome.document is None):
            return PreExecutionError(data=None, errors=errors)
        return ExecutionResult(data=result.data, errors=errors or None)


class _SocketRules:
    """What both handlers add: revocation, the idle timeout, and their bookkeeping."""

    limits: Limits
    revocations: RevocationWatch
    context: Any
    _registration: Registration | None
    _last_active: float
    _background: set[asyncio.Task[None]]

    def _setup(self, view: Any) -> None:
        self.limits = view.limits
        self.revocations = view.authorizer.revocations
        self._registration = None
        self._last_active = asyncio.get_running_loop().time()
        self._background = set()

    def _busy(self) -> bool:
        raise NotImplementedError

    def _acknowledged(self) -> bool:
        raise NotImplementedError

    async def _revoke(self) -> None:
        raise NotImplementedError

    async def _close_idle(self) -> None:
        raise NotImplementedError

    async def _close_uninitialized(self) -> None:
        """Only graphql-ws: Strawberry times graphql-transport-ws's `connection_init` itself."""

    def _touch(self) -> None:
        self._last_active = asyncio.get_running_loop().time()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _watch(self) -> None:
        """Register the principal `connection_init` authorized (once)."""
        if self._registration is not None or not isinstance(self.context, SocketInfo):
            return
        self.context.revocations = self.revocations
        self._registration = self.revocations.watch(
            self.context.principal, lambda: self._spawn(self._revoke())
        )
        if self._registration is not None:
            self.context.revoke = self._registration.revoke

    async def _guard(self) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(self.limits.connection_init_timeout_seconds)
        if not self._acknowledged():
            await self._close_uninitialized()
            return
        idle = self.limits.idle_connection_timeout_seconds
        while True:
            if self._busy():
                await asyncio.sleep(idle)
                continue
            remaining = self._last_active + idle - loop.time()
            if remaining <= 0:
                logger.info("closing a WebSocket idle for %gs", idle)
                await self._close_idle()
                return
            await asyncio.sleep(remaining)

    async def _guarded(self, handle: Callable[[], Coroutine[Any, Any, None]]) -> None:
        guard = asyncio.create_task(self._guard())
        try:
            await handle()
        finally:
            if self._registration is not None:
                self._registration.cancel()
            guard.cancel()
            for task in (guard, *self._background):
                if task is not asyncio.current_task():
                    task.cancel()
            await asyncio.gather(guard, *self._background, return_exceptions=True)


class TransportWSHandler(_SocketRules, BaseGraphQLTransportWSHandler[Any, Any]):
    """graphql-transport-ws, with revocation (4403) and the idle timeout."""

    async def handle(self) -> None:
        self._setup(self.view)
        await self._guarded(super().handle)

    def _busy(self) -> bool:
        return bool(self.operations)

    def _acknowledged(self) -> bool:
        return self.connection_init_received

    async def handle_message(self, message: TransportMessage) -> None:
        self._touch()
        await super().handle_message(message)

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        if self.connection_acknowledged:
            self._watch()

    async def run_operation(self, operation: Operation[Any, Any]) -> None:
        try:
            await super().run_operation(operation)
        finally:
            self._touch()

    async def _revoke(self) -> None:
        logger.info("closing a graphql-transport-ws socket: its credentials no longer hold")
        for operation_id in list(self.operations):
            await self.cleanup_operation(operation_id)
        await self.websocket.close(code=CLOSE_FORBIDDEN, reason="Forbidden")

    async def _close_idle(self) -> None:
        await self.websocket.close(code=CLOSE_NORMAL, reason="Idle connection timeout")


class LegacyWSHandler(_SocketRules, BaseGraphQLWSHandler[Any, Any]):
    """The legacy graphql-ws protocol, with meaningful refusals, the `connection_init`
    timeout, revocation and the idle timeout."""

    async def handle(self) -> None:
        self._setup(self.view)
        await self._guarded(super().handle)

    def _busy(self) -> bool:
        return bool(self.tasks)

    def _acknowledged(self) -> bool:
        return self.connection_acknowledged

    async def handle_message(self, message: OperationMessage) -> None:
        self._touch()
        await super().handle_message(message)

    async def _refuse(self, errors: Any, code: int, reason: str) -> None:
        await self.send_message(cast(Any, {"type": "connection_error", "payload": errors}))
        await self.websocket.close(code=code, reason=reason)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        if self.connection_acknowledged:
            errors = _payload_errors(
                "connection_init was already acknowledged.", "DuplicateConnectionInitError"
            )
            await self._refuse(errors, CLOSE_TOO_MANY_INITS, "Too many initialisation requests")
            return
        payload = message.get("payload")
        if payload is not None and not isinstance(payload, dict):
            errors = _payload_errors(
                "The connection_init payload must be an object.", "BadRequestException"
            )
            await self._refuse(errors, CLOSE_BAD_REQUEST, "Invalid connection init payload")
            return
        self.context.connection_params = payload
        try:
            acknowledgement = await self.view.on_ws_connect(self.context)
        except ConnectionRejectionError as rejection:
            await self._refuse(rejection.payload, CLOSE_FORBIDDEN, "Forbidden")
            return
        if isinstance(acknowledgement, UnsetType) or acknowledgement is None:
            await self.send_message({"type": "connection_ack"})
        else:
            await self.send_message({"type": "connection_ack", "payload": acknowledgement})
        self.connection_acknowledged = True
        self._watch()
        if self.keep_alive:
            self.keep_alive_task = asyncio.create_task(self.handle_keep_alive())

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        try:
            await super().handle_async_results(operation_id, query, operation_name, variables)
        finally:
            self._touch()

    async def _revoke(self) -> None:
        logger.info("closing a graphql-ws socket: its credentials no longer hold")
        await self.cleanup()
        if self.keep_alive_task is not None:
            self.keep_alive_task.cancel()
        errors = _payload_errors(REVOKED, UNAUTHORIZED_EXCEPTION)
        await self._refuse(errors, CLOSE_FORBIDDEN, "Forbidden")

    async def _close_uninitialized(self) -> None:
        timeout = self.limits.connection_init_timeout_seconds
        logger.info("closing a graphql-ws socket: no connection_init in %gs", timeout)
        errors = _payload_errors(
            f"No connection_init within {timeout:g} seconds.", "ConnectionInitTimeoutError"
        )
        await self._refuse(errors, CLOSE_INIT_TIMEOUT, "Connection initialisation timeout")

    async def _close_idle(self) -> None:
        await self.websocket.close(code=CLOSE_NORMAL, reason="Idle connection timeout")


def _payload_errors(message: str, error_type: str) -> dict[str, Any]:
    return {"errors": [{"errorType": error_type, "message": message}]}


class GraphQLWebSockets(GraphQL):
    """Strawberry's ASGI view, for WebSockets only, running on `EngineSchema`."""

    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler

    def __init__(self, service: Service) -> None:
        limits = service.definition.limits
        self.limits = limits
        self.authorizer = service.authorizer
        super().__init__(
            cast(BaseSchema, EngineSchema(service)),
            graphql_ide=None,
            keep_alive=True,
            keep_alive_interval=limits.keep_alive_seconds,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL),
            connection_init_wait_timeout=timedelta(seconds=limits.connection_init_timeout_seconds),
            max_subscriptions_per_connection=limits.max_subscriptions_per_connection,
        )

    async def on_ws_connect(self, context: Any) -> Any:
        """Authorize the connection from its `connection_init` payload (`Authorization`,
        `x-api-key`, ... at the top level or under `headers`) over the upgrade's headers."""
        if not isinstance(context, SocketInfo):
            return UNSET
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        nested = params.get("headers")
        fields = {**params, **nested} if isinstance(nested, dict) else params
        credentials = Credentials(
            headers=with_fields(header_map(context.raw_headers), fields),
            method="POST",
            path="/graphql",
            body=b"{}",
            source_ip=context.source_ip,
            operation_name=LAMBDA_CONNECT_OPERATION,
        )
        try:
            context.principal = await self.authorizer.authenticate(credentials)
        except AuthFailure as failure:
            raise ConnectionRejectionError(
                {"errors": [{"errorType": failure.error_type, "message": failure.message}]}
            ) from None
        return UNSET

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Any:
        client = request.client
        return SocketInfo(request.headers.raw, client.host if client else None)
