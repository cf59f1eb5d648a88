"""GraphQL over HTTP with AppSync's status codes and error shapes.

POST (JSON) runs queries and mutations; GET runs queries only, and only while the API's
`getQueries` exposure setting is on (405 otherwise). Subscriptions run only over the
real-time WebSocket endpoints, as on AppSync (400 `UnsupportedOperation`). Bodies that are
empty or not a GraphQL request get 400 `MalformedHttpRequestException`, as AppSync answers;
GraphQL validation and field errors come back with 200 and `errors[]`.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

import orjson
from graphql import OperationType
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send

from app.auth.base import AuthFailure, Credentials, Principal
from app.execution.context import RequestContext
from app.execution.errors import (
    INTERNAL_FAILURE,
    MALFORMED_REQUEST,
    UNSUPPORTED_OPERATION,
    format_appended_error,
    format_graphql_error,
    request_error,
)
from app.execution.executor import OperationNotAllowed
from app.service import Service
from app.transport.credentials import header_map
from app.transport.limits import BodyTooLarge
from app.transport.operations import run_operation

logger = logging.getLogger("strawsync.http")

REQUEST_ID_HEADER = "x-amzn-RequestId"
ERROR_TYPE_HEADER = "x-amzn-ErrorType"
INVALID_SIGNATURE = "InvalidSignatureException"
JSON_TYPES = ("application/json", "application/graphql+json", "application/graphql-response+json")
QUERY_ONLY = frozenset({OperationType.QUERY})
ANY_OPERATION = frozenset({OperationType.QUERY, OperationType.MUTATION})


class BadRequest(Exception):
    """A request that is not a GraphQL request; answered with a 4xx and no execution."""

    def __init__(self, message: str, status: int = 400, error_type: str = MALFORMED_REQUEST):
        self.message = message
        self.status = status
        self.error_type = error_type
        super().__init__(message)


def json_response(payload: Any, status: int, request_id: str, **headers: str) -> Response:
    return Response(
        orjson.dumps(payload),
        status_code=status,
        media_type="application/json",
        headers={REQUEST_ID_HEADER: request_id, **headers},
    )


def _parse_post(body: bytes, content_type: str) -> tuple[Any, Any, Any]:
    if content_type.split(";")[0].strip().lower() not in JSON_TYPES:
        raise BadRequest("Unsupported content type; send application/json.", 415)
    if not body.strip():
        raise BadRequest("Request body is empty.")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise BadRequest("Unable to parse GraphQL query.") from None
    if not isinstance(payload, dict):
        raise BadRequest("Unable to parse GraphQL query.")
    return payload.get("query"), payload.get("variables"), payload.get("operationName")


def _parse_get(request: Request) -> tuple[Any, Any, Any]:
    params = request.query_params
    variables: Any = params.get("variables")
    if variables:
        try:
            variables = orjson.loads(variables)
        except orjson.JSONDecodeError:
            raise BadRequest("Variables are not valid JSON.") from None
    return params.get("query") or "", variables, params.get("operationName")


def _check(query: Any, variables: Any, operation_name: Any) -> None:
    if not isinstance(query, str) or not query.strip():
        raise BadRequest("Unable to parse GraphQL query.")
    if variables is not None and not isinstance(variables, dict):
        raise BadRequest("Variables must be a JSON object.")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("operationName must be a string.")


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


class GraphQLEndpoint:
    """The `/graphql` endpoint; one instance per served API."""

    def __init__(self, service: Service, graphiql: str | None) -> None:
        self.service = service
        self.graphiql = graphiql
        self.get_queries = service.definition.exposure.get_queries

    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one HTTP request as a plain ASGI app (the hot path skips Starlette's router)."""
        try:
            response = await self(Request(scope, receive))
        except BodyTooLarge:
            raise  # answered with 413 by the body limit around this endpoint
        except ClientDisconnect:
            return  # gone before its body arrived (or answered 408 by the server): no answer
        except Exception:
            request_id = str(uuid.uuid4())
            logger.exception("[%s] unexpected error in the GraphQL endpoint", request_id)
            payload = {"errors": [request_error("An internal error occurred.", INTERNAL_FAILURE)]}
            response = json_response(payload, 500, request_id)
        await response(scope, receive, send)

    async def __call__(self, request: Request) -> Response:
        request_id = str(uuid.uuid4())
        try:
            if request.method == "GET":
                if self.graphiql is not None and wants_html(request):
                    return HTMLResponse(self.graphiql)
                if not self.get_queries:
                    raise BadRequest("GET queries are disabled for this API; use POST.", 405)
                body = b""
            elif request.method == "POST":
                body = await request.body()
            else:
                raise BadRequest("Method not allowed.", 405)
            malformed: BadRequest | None = None
            try:
                if request.method == "GET":
                    query, variables, operation_name = _parse_get(request)
                else:
                    content_type = request.headers.get("content-type", "")
                    query, variables, operation_name = _parse_post(body, content_type)
            except BadRequest as exc:
                query = variables = operation_name = None
                malformed = exc
            # Credentials are checked before a malformed request is answered, as AppSync does;
            # the parsed operation is what a Lambda authorizer is told about.
            principal = await self._authenticate(
                request, request_id, body, query, variables, operation_name
            )
            if malformed is not None:
                raise malformed
            allowed = QUERY_ONLY if request.method == "GET" else ANY_OPERATION
            _check(query, variables, operation_name)
            return await self._execute(
                request, request_id, principal, query, variables, operation_name, allowed
            )
        except AuthFailure as failure:
            # AppSync: 401 for missing or bad credentials, 403 for a SigV4 signature that
            # does not verify.
            status = 403 if failure.error_type == INVALID_SIGNATURE else 401
            payload = {"errors": [request_error(failure.message, failure.error_type)]}
            return json_response(
                payload, status, request_id, **{ERROR_TYPE_HEADER: failure.error_type}
            )
        except BadRequest as exc:
            headers = {"allow": self._allowed_methods()} if exc.status == 405 else {}
            payload = {"errors": [request_error(exc.message, exc.error_type)]}
            return json_response(payload, exc.status, request_id, **headers)

    def _allowed_methods(self) -> str:
        return "GET, POST" if self.get_queries or self.graphiql is not None else "POST"

    async def _authenticate(
        self,
        request: Request,
        request_id: str,
        body: bytes,
        query: Any,
        variables: Any,
        operation_name: Any,
    ) -> Principal | None:
        """The caller; `query`, `variables` and `operation_name` are as parsed, unchecked."""
        authorizer = self.service.authorizer
        if not authorizer.enabled:
            return None
        client = request.client
        credentials = Credentials(
            headers=header_map(request.headers.raw),
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            body=body,
            source_ip=client.host if client else None,
            request_id=request_id,
            operation_name=operation_name if isinstance(operation_name, str) else None,
            variables=variables if isinstance(variables, dict) else {},
            query_text=query if isinstance(query, str) else "",
        )
        return await authorizer.authenticate(credentials)

    async def _execute(
        self,
        request: Request,
        request_id: str,
        principal: Principal | None,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        allowed: frozenset[OperationType],
    ) -> Response:
        context = RequestContext(
            request_id=request_id,
            variables=variables or {},
            raw_headers=request.headers.raw,
            source_ip=request.client.host if request.client else None,
        )
        context.authorize(principal)
        try:
            outcome = await run_operation(
                self.service,
                query,
                variables=variables,
                operation_name=operation_name,
                context=context,
                allowed=allowed,
            )
        except OperationNotAllowed as refused:
            if refused.operation is OperationType.SUBSCRIPTION:
                raise BadRequest(
                    "Subscriptions are only supported over the real-time WebSocket endpoint.",
                    400,
                    UNSUPPORTED_OPERATION,
                ) from None
            raise BadRequest("Mutations are not allowed over GET; use POST.", 405) from None
        result = outcome.result
        errors = [format_graphql_error(error, request_id) for error in result.errors or ()]
        errors.extend(format_appended_error(error) for error in context.appended_errors)
        status = 400 if outcome.syntax_error else 200
        payload: dict[str, Any] = {"data": result.data}
        if errors:
            payload["errors"] = errors
        return json_response(payload, status, request_id)
