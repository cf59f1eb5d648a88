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
    TypeDefinitionNode,
    build_ast_schema,
    concat_ast,
    execute,
    parse,
    validate,
)
from graphql.language import DirectiveDefinitionNode
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCHEMA = ROOT / "schema.graphql"
CACHE_SIZE = 1024

# AppSync's built-in scalars and directives, declared plainly so `build_ast_schema` accepts
# an AppSync SDL. Only the names the SDL does not define itself are added.
APPSYNC_SCALARS = (
    "AWSDate",
    "AWSTime",
    "AWSDateTime",
    "AWSTimestamp",
    "AWSEmail",
    "AWSJSON",
    "AWSURL",
    "AWSPhone",
    "AWSIPAddress",
)
APPSYNC_DIRECTIVES = {
    "aws_subscribe": "directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION",
    "aws_auth": "directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION",
    "aws_api_key": "directive @aws_api_key on FIELD_DEFINITION | OBJECT",
    "aws_iam": "directive @aws_iam on FIELD_DEFINITION | OBJECT",
    "aws_oidc": "directive @aws_oidc on FIELD_DEFINITION | OBJECT",
    "aws_lambda": "directive @aws_lambda on FIELD_DEFINITION | OBJECT",
    "aws_cognito_user_pools": (
        "directive @aws_cognito_user_pools(cognito_groups: [String]) on FIELD_DEFINITION | OBJECT"
    ),
}

Resolver = Callable[..., Any]


def resolve_echo(_root: Any, _info: GraphQLResolveInfo[Any], msg: str | None = None) -> str | None:
    return msg


# (type, field) -> resolver. Scenarios that need more fields add their resolvers here
# (or a baseline module of their own, e.g. one calling DynamoDB for getEvent/listEvents).
RESOLVERS: dict[tuple[str, str], Resolver] = {
    ("Query", "echo"): resolve_echo,
}


def appsync_prelude(document: DocumentNode) -> str:
    """SDL declaring the AppSync scalars and directives `document` uses but does not define."""
    defined = {
        definition.name.value
        for definition in document.definitions
        if isinstance(definition, TypeDefinitionNode | DirectiveDefinitionNode)
    }
    lines = [f"scalar {name}" for name in APPSYNC_SCALARS if name not in defined]
    lines += [sdl for name, sdl in APPSYNC_DIRECTIVES.items() if name not in defined]
    return "\n".join(lines)


def build_schema(sdl: str) -> GraphQLSchema:
    """The SDL as a graphql-core schema, with the baseline resolvers attached."""
    document = parse(sdl)
    prelude = appsync_prelude(document)
    if prelude:
        document = concat_ast([parse(prelude), document])
    schema = build_ast_schema(document)
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
    # The same settings as `strawsync serve` (app/cli.py), so only the app differs.
    config = uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        loop="auto",
        http="auto",
        lifespan="on",
        log_level=args.log_level,
        timeout_graceful_shutdown=30,
        server_header=False,
    )
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
