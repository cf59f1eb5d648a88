"""The Starlette application: routes, middleware and lifespan for one served API."""

from __future__ import annotations

import traceback

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.service import Service, StartFailed
from app.transport.appsync_realtime import RealtimeEndpoint
from app.transport.evaluate import evaluate_endpoint
from app.transport.graphiql import graphiql_html
from app.transport.graphql_ws import GraphQLWebSockets
from app.transport.handshake import wants_appsync
from app.transport.http import GraphQLEndpoint
from app.transport.limits import BodySizeLimitMiddleware

GRAPHQL_PATH = "/graphql"
REALTIME_PATH = "/graphql/realtime"
EVALUATE_PATH = "/_strawsync/evaluate"


class StrawsyncApp:
    """The served ASGI app.

    - HTTP to `/graphql`: the GraphQL endpoint (behind the body limit), skipping the router;
    - WebSockets to `/graphql/realtime`, or to `/graphql` with AppSync's `header` query
      parameter or `header-` subprotocol: AppSync's real-time protocol;
    - other WebSockets to `/graphql`: graphql-transport-ws and graphql-ws;
    - lifespan: the service's start and close;
    - everything else: the Starlette app.
    """

    def __init__(
        self,
        graphql: ASGIApp,
        realtime: ASGIApp,
        graphql_ws: ASGIApp,
        app: Starlette,
        lifespan: ASGIApp,
    ) -> None:
        self.graphql = graphql
        self.realtime = realtime
        self.graphql_ws = graphql_ws
        self.app = app
        self.lifespan = lifespan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind, path = scope["type"], scope.get("path")
        if kind == "lifespan":
            await self.lifespan(scope, receive, send)
        elif kind == "http" and path == GRAPHQL_PATH:
            await self.graphql(scope, receive, send)
        elif kind == "websocket" and path == REALTIME_PATH:
            await self.realtime(scope, receive, send)
        elif kind == "websocket" and path == GRAPHQL_PATH:
            subprotocols = scope.get("subprotocols") or ()
            if wants_appsync(scope.get("query_string", b""), subprotocols):
                await self.realtime(scope, receive, send)
            else:
                await self.graphql_ws(scope, receive, send)
        else:
            await self.app(scope, receive, send)


class ServiceLifespan:
    """ASGI lifespan: start the service before serving and close it after.

    A `StartFailed` (an engine that cannot start, an unreachable Redis) is reported to the
    server as its own message, which uvicorn logs before exiting, instead of a traceback.
    """

    def __init__(self, service: Service) -> None:
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        try:
            await self.service.start()
        except StartFailed as error:
            await send({"type": "lifespan.startup.failed", "message": f"strawsync: {error}"})
            return
        except BaseException:
            await send({"type": "lifespan.startup.failed", "message": traceback.format_exc()})
            raise
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await self.service.close()
        await send({"type": "lifespan.shutdown.complete"})


def create_app(service: Service, *, graphiql: bool = True) -> StrawsyncApp:
    """An ASGI app serving `service`: `/graphql` (HTTP and WebSockets), `/graphql/realtime`,
    GraphiQL at `/` (unless `graphiql` is False or the API's exposure turns it off),
    `/health` (liveness: the process answers) and `/ready` (readiness: every dependency is
    up; 503 while one is down)."""
    show_graphiql = graphiql and service.definition.exposure.graphiql
    page = graphiql_html(GRAPHQL_PATH, service.example_query) if show_graphiql else None
    endpoint = GraphQLEndpoint(service, page)
    max_bytes = service.definition.limits.max_body_bytes

    async def index(request: Request) -> Response:
        if page is None:
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        return HTMLResponse(page)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "api": service.definition.name})

    async def ready(request: Request) -> Response:
        report = await service.readiness.report()
        return JSONResponse(
            {**report.as_json(), "api": service.definition.name},
            status_code=200 if report.ready else 503,
            headers={"Cache-Control": "no-store"},
        )

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/ready", ready, methods=["GET"]),
    ]
    if service.definition.evaluate_endpoint:
        routes.append(Route(EVALUATE_PATH, evaluate_endpoint, methods=["POST"]))
    app = Starlette(
        routes=routes,
        middleware=[Middleware(BodySizeLimitMiddleware, max_bytes=max_bytes)],
    )
    return StrawsyncApp(
        BodySizeLimitMiddleware(endpoint.asgi, max_bytes),
        RealtimeEndpoint(service.realtime, service.authorizer, service.definition.limits),
        GraphQLWebSockets(service),
        app,
        ServiceLifespan(service),
    )
