"""graphql-transport-ws (gql's `WebsocketsTransport`, and GraphiQL's messages sent raw) and the
legacy graphql-ws protocol (a raw `websockets` client) at `/graphql`, on
`tests/projects/realtime_api` (at most 3 subscriptions per connection).

graphql-transport-ws does not acknowledge a subscription, so a test that needs one listening
publishes `ready-N` items until the first arrives (`until_listening`), then skips any further
`ready-` items when reading.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from tests.support.server import RunningServer, serve
from tests.support.sockets import receive, send

PROJECT = Path(__file__).parents[1] / "projects" / "realtime_api"
WAIT = 10.0  # seconds; a bound so a lost frame fails the test instead of hanging it
TRANSPORT_WS = [Subprotocol("graphql-transport-ws")]  # GraphiQL, graphql-ws, Apollo
LEGACY_WS = [Subprotocol("graphql-ws")]  # subscriptions-transport-ws
POLL = 0.05  # seconds between `ready-N` publishes while a subscription starts

PUT = "mutation($input: ItemInput!) { putItem(input: $input) { id owner group name } }"
ON_ITEM = "subscription($owner: String) { onItem(owner: $owner) { id owner name } }"
ON_GROUP = "subscription($group: String!) { onGroup(group: $group) { id group } }"
CLOSE_GROUP = "mutation($group: String!) { closeGroup(group: $group) { id group } }"

Publish = Callable[[str], Awaitable[None]]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with serve(PROJECT, tmp_path_factory.mktemp("logs"), ["--in-memory"]) as running:
        yield running


@pytest.fixture(scope="module")
async def http(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=WAIT) as client:
        yield client


def ws_url(server: RunningServer) -> str:
    return server.url.replace("http://", "ws://") + "/graphql"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def http_put(http: httpx.AsyncClient, item: dict[str, Any]) -> None:
    response = await http.post("/graphql", json={"query": PUT, "variables": {"input": item}})
    assert response.json()["data"]["putItem"]["id"] == item["id"], response.text


def gql_client(server: RunningServer) -> Client:
    transport = WebsocketsTransport(
        url=ws_url(server), subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
    )
    return Client(transport=transport)


async def until_listening(stream: AsyncGenerator[dict[str, Any], None], publish: Publish) -> None:
    """Start `stream` and publish `ready-N` items until it delivers one."""
    pending = asyncio.ensure_future(anext(stream))
    async with asyncio.timeout(WAIT):
        n = 0
        while not pending.done():
            await publish(f"ready-{n}")
            await asyncio.wait({pending}, timeout=POLL)
            n += 1
    (value,) = pending.result().values()
    assert value["id"].startswith("ready-"), value


async def next_item(stream: AsyncGenerator[dict[str, Any], None]) -> dict[str, Any]:
    """The next delivered item that is not a `ready-N` one."""
    async with asyncio.timeout(WAIT):
        while True:
            (value,) = (await anext(stream)).values()
            if not value["id"].startswith("ready-"):
                assert isinstance(value, dict)
                return value


# graphql-transport-ws through gql -------------------------------------------------------------


async def test_a_subscription_receives_results_until_the_client_completes_it(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    owner = unique("owner")
    async with gql_client(server) as session:
        transport = session.transport
        assert isinstance(transport, WebsocketsTransport)
        assert transport.subprotocol == "graphql-transport-ws"
        stream = session.subscribe(GraphQLRequest(ON_ITEM, variable_values={"owner": owner}))
        await until_listening(
            stream, lambda item_id: http_put(http, {"id": item_id, "owner": owner})
        )

        await http_put(http, {"id": "other", "owner": "someone else"})
        await http_put(http, {"id": "mine", "owner": owner, "name": "n", "group": "g"})
        assert await next_item(stream) == {"id": "mine", "owner": owner, "name": "n"}

        await stream.aclose()  # sends `complete`
        result = await session.execute(GraphQLRequest('{ echo(msg: "still open") }'))
        assert result == {"echo": "still open"}


async def test_an_invalidated_subscription_is_completed_by_the_server(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    group = unique("group")
    async with gql_client(server) as session:
        stream = session.subscribe(GraphQLRequest(ON_GROUP, variable_values={"group": group}))
        await until_listening(
            stream, lambda item_id: http_put(http, {"id": item_id, "group": group})
        )

        # `closeGroup`, sent over the same socket, invalidates like an HTTP mutation.
        closed = await session.execute(
            GraphQLRequest(CLOSE_GROUP, variable_values={"group": group})
        )
        assert closed == {"closeGroup": {"id": "closed", "group": group}}
        with pytest.raises(StopAsyncIteration):
            await next_item(stream)


async def test_queries_and_mutations_over_the_socket(server: RunningServer) -> None:
    async with gql_client(server) as session:
        assert await session.execute(GraphQLRequest('{ echo(msg: "hi") }')) == {"echo": "hi"}
        result = await session.execute(
            GraphQLRequest(
                PUT, variable_values={"input": {"id": "over-ws", "owner": "o", "name": "n"}}
            )
        )
        expected = {"id": "over-ws", "owner": "o", "group": None, "name": "n"}
        assert result == {"putItem": expected}


async def test_a_mutation_over_one_socket_reaches_a_subscriber_on_another(
    server: RunningServer,
) -> None:
    owner = unique("owner")

    async def publish_over(session: AsyncClientSession, item_id: str) -> None:
        item = {"id": item_id, "owner": owner, "name": item_id}
        await session.execute(GraphQLRequest(PUT, variable_values={"input": item}))

    async with gql_client(server) as subscriber, gql_client(server) as publisher:
        stream = subscriber.subscribe(GraphQLRequest(ON_ITEM, variable_values={"owner": owner}))
        await until_listening(stream, lambda item_id: publish_over(publisher, item_id))
        await publish_over(publisher, "from the other socket")
        assert await next_item(stream) == {
            "id": "from the other socket",
            "owner": owner,
            "name": "from the other socket",
        }
        await stream.aclose()


async def query_errors(session: AsyncClientSession, query: str, **variables: Any) -> list[Any]:
    with pytest.raises(TransportQueryError) as raised:
        await session.execute(GraphQLRequest(query, variable_values=variables))
    assert raised.value.errors
    return raised.value.errors


async def subscription_errors(
    session: AsyncClientSession, query: str, **variables: Any
) -> list[Any]:
    stream = session.subscribe(GraphQLRequest(query, variable_values=variables))
    with pytest.raises(TransportQueryError) as raised:
        await anext(stream)
    assert raised.value.errors
    return raised.value.errors


async def test_errors_carry_appsync_error_types(server: RunningServer) -> None:
    async with gql_client(server) as session:
        (error,) = await query_errors(session, "{ nope }")
        assert error["message"] == "Cannot query field 'nope' on type 'Query'."
        assert error["extensions"] == {"errorType": "ValidationError"}

        (error,) = await subscription_errors(session, "subscription { onItem { nope } }")
        assert error["message"] == "Cannot query field 'nope' on type 'Item'. Did you mean 'name'?"
        assert error["extensions"] == {"errorType": "ValidationError"}

        guarded = 'subscription { onGuarded(owner: "mallory") { id } }'
        (error,) = await subscription_errors(session, guarded)
        assert error["message"] == "Not Authorized to access onGuarded on type Subscription"
        assert error["extensions"] == {"errorType": "Unauthorized"}
        assert error["path"] == ["onGuarded"]

        too_many = {"fieldName": "owner", "operator": "in", "value": list("abcdef")}
        document = orjson.dumps({"filterGroup": [{"filters": [too_many]}]}).decode()
        filtered = "subscription($f: AWSJSON!) { onFiltered(filter: $f) { id } }"
        (error,) = await subscription_errors(session, filtered, f=document)
        assert error["extensions"] == {"errorType": "MappingTemplate"}
        assert "'in' takes a list of at most 5 values" in error["message"]

        # The socket is still open.
        assert await session.execute(GraphQLRequest('{ echo(msg: "ok") }')) == {"echo": "ok"}


# graphql-transport-ws as GraphiQL speaks it, raw ---------------------------------------------


async def until_next(
    websocket: ClientConnection, operation_id: str, data_type: str, publish: Publish
) -> dict[str, Any]:
    """Publish `ready-N` items until `operation_id` gets a `data_type` message; return it."""
    async with asyncio.timeout(WAIT):
        n = 0
        while True:
            await publish(f"ready-{n}")
            n += 1
            try:
                async with asyncio.timeout(POLL):
                    message = await receive(websocket)
            except TimeoutError:
                continue
            assert message["type"] == data_type and message["id"] == operation_id, message
            return message


async def test_graphiql_subscribes_at_graphql(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    """GraphiQL (served at `/`) opens `ws://HOST/graphql` with graphql-ws's client."""
    page = (await http.get("/")).text
    assert 'new URL("/graphql", window.location.href)' in page
    assert "subscriptionUrl" in page

    owner = unique("owner")
    async with connect(ws_url(server), subprotocols=TRANSPORT_WS) as websocket:
        assert websocket.subprotocol == "graphql-transport-ws"
        await send(websocket, {"type": "connection_init"})
        assert await receive(websocket) == {"type": "connection_ack"}
        await send(websocket, {"type": "ping"})
        assert await receive(websocket) == {"type": "pong"}

        operation_id = str(uuid.uuid4())
        request = {"query": ON_ITEM, "variables": {"owner": owner}, "operationName": None}
        await send(websocket, {"id": operation_id, "type": "subscribe", "payload": request})
        await until_next(
            websocket,
            operation_id,
            "next",
            lambda item_id: http_put(http, {"id": item_id, "owner": owner}),
        )
        await http_put(http, {"id": "last", "owner": owner, "name": "n"})
        message = await receive(websocket)
        while message["payload"]["data"]["onItem"]["id"].startswith("ready-"):
            message = await receive(websocket)
        assert message == {
            "id": operation_id,
            "type": "next",
            "payload": {"data": {"onItem": {"id": "last", "owner": owner, "name": "n"}}},
        }

        await send(websocket, {"id": operation_id, "type": "complete"})
        await http_put(http, {"id": "after complete", "owner": owner})
        await send(websocket, {"type": "ping"})
        assert await receive(websocket) == {"type": "pong"}


async def test_the_subscription_limit_per_connection(server: RunningServer) -> None:
    async with connect(ws_url(server), subprotocols=TRANSPORT_WS) as websocket:
        await send(websocket, {"type": "connection_init", "payload": {}})
        assert await receive(websocket) == {"type": "connection_ack"}
        for n in range(4):
            payload = {"query": ON_ITEM, "variables": {"owner": f"limit-{n}"}}
            await send(websocket, {"id": str(n), "type": "subscribe", "payload": payload})
        refused = await receive(websocket)
        assert refused["id"] == "3" and refused["type"] == "error", refused
        assert [error["message"] for error in refused["payload"]] == ["Subscription limit reached"]


# Legacy graphql-ws (subscriptions-transport-ws), raw ------------------------------------------


async def test_legacy_graphql_ws(server: RunningServer, http: httpx.AsyncClient) -> None:
    owner = unique("owner")
    async with connect(ws_url(server), subprotocols=LEGACY_WS) as websocket:
        assert websocket.subprotocol == "graphql-ws"
        await send(websocket, {"type": "connection_init", "payload": {}})
        assert await receive(websocket) == {"type": "connection_ack"}

        payload = {"query": ON_ITEM, "variables": {"owner": owner}}
        await send(websocket, {"id": "1", "type": "start", "payload": payload})
        await until_next(
            websocket, "1", "data", lambda item_id: http_put(http, {"id": item_id, "owner": owner})
        )
        await http_put(http, {"id": "legacy", "owner": owner, "name": "n"})
        message = await receive(websocket)
        while message["payload"]["data"]["onItem"]["id"].startswith("ready-"):
            message = await receive(websocket)
        assert message == {
            "id": "1",
            "type": "data",
            "payload": {"data": {"onItem": {"id": "legacy", "owner": owner, "name": "n"}}},
        }

        await send(websocket, {"id": "1", "type": "stop"})
        assert await receive(websocket) == {"id": "1", "type": "complete"}

        guarded = {"query": 'subscription { onGuarded(owner: "mallory") { id } }'}
        await send(websocket, {"id": "2", "type": "start", "payload": guarded})
        refused = await receive(websocket)
        assert (refused["id"], refused["type"]) == ("2", "error"), refused
        assert refused["payload"]["message"] == (
            "Not Authorized to access onGuarded on type Subscription"
        )
        assert refused["payload"]["extensions"] == {"errorType": "Unauthorized"}


async def test_an_id_variable_beyond_64_bits(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    """GraphQL's ID takes an integer of any size; JSON carries it as a number."""
    big = 2**70
    async with connect(ws_url(server), subprotocols=TRANSPORT_WS) as websocket:
        await send(websocket, {"type": "connection_init"})
        assert await receive(websocket) == {"type": "connection_ack"}
        payload = {
            "query": "subscription($id: ID) { onItem(id: $id) { id } }",
            "variables": {"id": big},
        }
        await websocket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        message = await until_next(
            websocket, "1", "next", lambda _: http_put(http, {"id": str(big)})
        )
        assert message["payload"] == {"data": {"onItem": {"id": str(big)}}}
