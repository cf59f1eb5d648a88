"""graphql-transport-ws and the legacy graphql-ws protocol at `/graphql`, through Strawberry.

Strawberry's handlers speak the two protocols (messages, ids, keep-alives, limits); what they
run comes from `EngineSchema`, which stands in for a Strawberry schema: subscriptions open on
Strawsync's subscription engine, and queries and mutations sent over the socket run on the
same executor as HTTP (and publish, as HTTP mutations do). So every transport shares one
execution path, one set of filters and one delivery rule.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

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
from strawberry.types.execution import ExecutionResult, PreExecutionError

from app.auth.base import UNAUTHORIZED_EXCEPTION, AuthFailure, Credentials, Principal
from app.execution.context import RequestContext
from app.execution.errors import format_appended_error, format_graphql_error
from app.realtime.engine import NotASubscription
from app.realtime.pubsub import PubSubError
from app.service import Service
from app.transport.credentials import LAMBDA_CONNECT_OPERATION, header_map, with_fields
from app.transport.operations import run_operation

ANY_OPERATION = frozenset({OperationType.QUERY, OperationType.MUTATION})


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


class GraphQLWebSockets(GraphQL):
    """Strawberry's ASGI view, for WebSockets only, running on `EngineSchema`."""

    def __init__(self, service: Service) -> None:
        limits = service.definition.limits
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
