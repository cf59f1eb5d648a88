"""The Starlette application: routes, middleware and lifespan for one served API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from app.service import Service
from app.transport.evaluate import evaluate_endpoint
from app.transport.graphiql import graphiql_html
from app.transport.http import GraphQLEndpoint
from app.transport.limits import BodySizeLimitMiddleware

GRAPHQL_PATH = "/graphql"
EVALUATE_PATH = "/_strawsync/evaluate"


def create_app(service: Service, *, graphiql: bool = True) -> Starlette:
    """An ASGI app serving `service`: `/graphql`, GraphiQL at `/`, `/health`."""
    page = graphiql_html(GRAPHQL_PATH, service.example_query) if graphiql else None
    endpoint = GraphQLEndpoint(service, page)

    async def graphql(request: Request) -> Response:
        return await endpoint(request)

    async def index(request: Request) -> Response:
        if page is None:
            return JSONResponse({"detail": "GraphiQL is disabled"}, status_code=404)
        return HTMLResponse(page)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "api": service.definition.name})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.close()

    routes = [
        Route("/", index, methods=["GET"]),
        Route(GRAPHQL_PATH, graphql, methods=["GET", "POST"]),
        Route("/health", health, methods=["GET"]),
    ]
    if service.definition.evaluate_endpoint:
        routes.append(Route(EVALUATE_PATH, evaluate_endpoint, methods=["POST"]))
    return Starlette(
        routes=routes,
        middleware=[
            Middleware(BodySizeLimitMiddleware, max_bytes=service.definition.limits.max_body_bytes)
        ],
        lifespan=lifespan,
    )
