"""The aioboto3 baseline: the naive way to serve `getEvent` and `listEvents` from Python.

A bare Starlette app, one route per query, each making the same DynamoDB call as Strawsync's
resolver through ONE long-lived aioboto3 client (created at start-up), deserialising the items
with boto3's `TypeDeserializer` and returning `{"data": {...}}` as JSON (orjson):

- `POST /getEvent`: the GraphQL request body's `variables.id`, one `GetItem`.
- `POST /listEvents`: one `Scan` with `Limit: 20`.

There is no GraphQL at all: no parsing, no validation, no mapping templates; each route returns
the fields the scenario's query selects. The endpoint, region and table come from the events
data source of the project's `strawsync.yaml` (the harness writes one pointing at its shared
DynamoDB Local); credentials from botocore's chain. Served by uvicorn with the same settings
as `strawsync serve`.

    python -m benchmarks.baseline_dynamodb --project /tmp/strawsync-bench-xyz --port 8082
"""

from __future__ import annotations

import argparse
import base64
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import aioboto3
import orjson
import uvicorn
import yaml
from boto3.dynamodb.types import TypeDeserializer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.transport.serving import server_config
from benchmarks.dynamodb_session import CONFIG_FILE, events_source

ROOT = Path(__file__).resolve().parent.parent
LIST_LIMIT = 20
# The fields each scenario's query selects.
EVENT_FIELDS = ("id", "name", "where", "when", "description")
LIST_FIELDS = ("id", "name")


def create_app(*, table: str, region: str, endpoint: str | None) -> Starlette:
    deserializer = TypeDeserializer()
    clients: list[Any] = []

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            client = await stack.enter_async_context(
                aioboto3.Session().client("dynamodb", region_name=region, endpoint_url=endpoint)
            )
            clients.append(client)
            yield

    def respond(payload: Any, status: int = 200) -> Response:
        return Response(orjson.dumps(payload), status, media_type="application/json")

    def pick(item: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
        return {
            name: deserializer.deserialize(item[name]) if name in item else None for name in fields
        }

    async def get_event(request: Request) -> Response:
        event_id = orjson.loads(await request.body())["variables"]["id"]
        response = await clients[0].get_item(TableName=table, Key={"id": {"S": event_id}})
        item = response.get("Item")
        return respond({"data": {"getEvent": pick(item, EVENT_FIELDS) if item else None}})

    async def list_events(request: Request) -> Response:
        await request.body()
        response = await clients[0].scan(TableName=table, Limit=LIST_LIMIT)
        last_key = response.get("LastEvaluatedKey")
        next_token = (
            base64.b64encode(orjson.dumps(last_key)).decode() if last_key is not None else None
        )
        items = [pick(item, LIST_FIELDS) for item in response.get("Items", ())]
        return respond({"data": {"listEvents": {"items": items, "nextToken": next_token}}})

    async def health(_request: Request) -> Response:
        return respond({"status": "ok", "api": "aioboto3 baseline"})

    return Starlette(
        routes=[
            Route("/getEvent", get_event, methods=["POST"]),
            Route("/listEvents", list_events, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--project", type=Path, default=ROOT, help="project with strawsync.yaml")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082)
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    config = yaml.safe_load((args.project / CONFIG_FILE).read_text(encoding="utf-8"))
    settings = events_source(config)["config"]
    app = create_app(
        table=settings["tableName"],
        region=settings.get("region") or "us-east-1",
        endpoint=settings.get("endpoint"),
    )
    # The same settings as `strawsync serve`, so only the app differs.
    uvicorn.Server(
        server_config(app, host=args.host, port=args.port, log_level=args.log_level)
    ).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
