"""The graphql-core baseline: the least a Python GraphQL server on this stack can do.

A bare Starlette app with one `POST /graphql` route that runs graphql-core directly on the
project's SDL, with parse and validation cached in an LRU keyed by the query text, and JSON in
and out with orjson. Served by uvicorn with the same settings as `strawsync serve` (one worker,
`loop="auto"` and `http="auto"`, so uvloop and httptools when installed).

It adds nothing Strawsync must do per request (request id, AppSync error shapes, mapping
templates, body-size limit, timeouts), so the ratio to it is the cost of all of that plus
Strawberry. `GET /health` exists only so the harness can wait for start-up.

    python -m benchmarks.baseline_app --schema schema.graphql --port 8081
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    build_ast_schema,
    concat_ast,
    execute,
    parse,
    validate,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.schema.prelude import PRELUDE_SDL
from app.transport.serving import server_config

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCHEMA = ROOT / "schema.graphql"
CACHE_SIZE = 1024

Resolver = Callable[..., Any]


def resolve_echo(_root: Any, _info: GraphQLResolveInfo[Any], msg: str | None = None) -> str | None:
    return msg


# (type, field) -> resolver. Scenarios that need more fields add their resolvers here
# (or a baseline module of their own, e.g. one calling DynamoDB for getEvent/listEvents).
RESOLVERS: dict[tuple[str, str], Resolver] = {
    ("Query", "echo"): resolve_echo,
}


def build_schema(sdl: str) -> GraphQLSchema:
    """The SDL as a graphql-core schema, with the baseline resolvers attached.

    AppSync's prelude is declared plainly (graphql-core's default scalar behaviour)."""
    schema = build_ast_schema(concat_ast([parse(PRELUDE_SDL), parse(sdl)]))
    for (type_name, field_name), resolver in RESOLVERS.items():
        object_type = schema.get_type(type_name)
        if isinstance(object_type, GraphQLObjectType) and field_name in object_type.fields:
            object_type.fields[field_name].resolve = resolver
    return schema


def create_app(schema: GraphQLSchema, cache_size: int = CACHE_SIZE) -> Starlette:
    """The baseline ASGI app serving `schema` at `POST /graphql`."""

    @lru_cache(maxsize=cache_size)
    def prepare(query: str) -> tuple[DocumentNode | None, tuple[GraphQLError, ...]]:
        try:
            document = parse(query)
        except GraphQLError as error:
            return None, (error,)
        return document, tuple(validate(schema, document))

    def respond(payload: Any, status: int = 200) -> Response:
        return Response(orjson.dumps(payload), status, media_type="application/json")

    async def graphql(request: Request) -> Response:
        try:
            payload = orjson.loads(await request.body())
            query = payload["query"]
            document, errors = prepare(query)
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return respond({"errors": [{"message": "Unable to parse GraphQL query."}]}, 400)
        if document is None or errors:
            return respond({"data": None, "errors": [error.formatted for error in errors]})
        result = execute(
            schema,
            document,
            variable_values=payload.get("variables"),
            operation_name=payload.get("operationName"),
        )
        if inspect.isawaitable(result):
            result = await result
        assert isinstance(result, ExecutionResult)
        return respond(result.formatted)

    async def health(request: Request) -> Response:
        return respond({"status": "ok", "api": "graphql-core baseline"})

    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--schema", type=Path, default=DEFAULT_SCHEMA, help="SDL file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    app = create_app(build_schema(args.schema.read_text(encoding="utf-8")))
    # The same settings as `strawsync serve`, so only the app differs.
    config = server_config(app, host=args.host, port=args.port, log_level=args.log_level)
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
