"""AppSync's real-time WebSocket protocol, message by message, against real server processes.

A raw `websockets` client speaks the protocol (`app/transport/appsync_realtime.py`) to:

- the sample Event App (`sample_server`: DynamoDB Local, default limits) for the handshake,
  deliveries, filtering and every error frame;
- `limited`, a NONE-only copy of the sample's comments with small limits (keep-alive, three
  subscriptions per connection, 2 KiB messages, 20 pending frames);
- servers of their own for a short connection lifetime and for SIGTERM.

Mutations go over HTTP (httpx), as a client of the API would send them.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import signal
import socket
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close, Frame
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from tests.support.projects import write_project
from tests.support.server import RunningServer, serve

WAIT = 10.0  # seconds; bounds every wait, so a lost frame fails the test instead of hanging it

GRAPHQL_WS = Subprotocol("graphql-ws")

# Its standard base64 has "+", "/" and padding: what AppSync clients send, unescaped.
HEADER = {"host": "localhost", "x-api-key": "da2-~~~??"}

SUBSCRIBE = """subscription($eventId: String!) {
  subscribeToEventComments(eventId: $eventId) { eventId commentId content createdAt }
}"""

COMMENT = """mutation($eventId: ID!, $content: String!) {
  commentOnEvent(eventId: $eventId, content: $content, createdAt: "2026-03-01T10:00:00Z") {
    %s
  }
}"""
ALL_FIELDS = "eventId commentId content createdAt"

# A NONE-only copy of the sample's comments (no DynamoDB Local to start) with small limits.
LIMITED_SETTINGS = """\
name: LimitedComments
dataSources:
  - name: Local
    type: NONE
limits:
  keepAliveSeconds: 0.2
  connectionTimeoutMs: 120000
  maxSubscriptionsPerConnection: 3
  maxMessageBytes: 2048
  maxPendingMessages: 20
"""

LIMITED_SCHEMA = """\
type Comment {
  eventId: ID!
  content: String!
  createdAt: String!
  "Nullable: subscribers may select it when the mutation does not."
  note: String
}

type Query {
  echo(msg: String): String
}

type Mutation {
  commentOnEvent(eventId: ID!, content: String!, createdAt: String!, note: String): Comment
}

type Subscription {
  subscribeToEventComments(eventId: String!): Comment
    @aws_subscribe(mutations: ["commentOnEvent"])
}
"""

LIMITED_FILES = {
    "schema.graphql": LIMITED_SCHEMA,
    "resolvers/Mutation.commentOnEvent.yaml": "kind: UNIT\ndataSource: Local\n",
    "mapping_templates/Mutation.commentOnEvent.request.vtl": (
        '{"version": "2018-05-29", "payload": $util.toJson($ctx.args)}\n'
    ),
    "mapping_templates/Mutation.commentOnEvent.response.vtl": "$util.toJson($ctx.result)\n",
}

LIMITED_SUBSCRIBE = """subscription($eventId: String!) {
  subscribeToEventComments(eventId: $eventId) { eventId content }
}"""

LIMITED_COMMENT = """mutation($eventId: ID!, $content: String!) {
  commentOnEvent(eventId: $eventId, content: $content, createdAt: "2026-03-01T10:00:00Z") {
    eventId content
  }
}"""


# Servers ---------------------------------------------------------------------------------------


def limited_project(root: Path, settings: str = LIMITED_SETTINGS) -> Path:
    return write_project(root, {**LIMITED_FILES, "strawsync.yaml": settings})


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    project = limited_project(tmp_path_factory.mktemp("limited"))
    with serve(project, tmp_path_factory.mktemp("limited-logs")) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        yield client


# Client ----------------------------------------------------------------------------------------


def b64_json(value: object, *, urlsafe: bool = False) -> str:
    raw = orjson.dumps(value)
    return (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(raw).decode()


def ws_url(server: RunningServer, path: str) -> str:
    return server.url.replace("http://", "ws://", 1) + path


def header_url(server: RunningServer, path: str = "/graphql", header: object = HEADER) -> str:
    """The URL as gql and Amplify build it: base64 JSON, not URL-escaped."""
    return f"{ws_url(server, path)}?header={b64_json(header)}&payload=e30="


def header_subprotocol(header: object = HEADER) -> Subprotocol:
    """`header-<base64url JSON>` without padding, as Amplify sends it on custom domains."""
    return Subprotocol("header-" + b64_json(header, urlsafe=True).rstrip("="))


def new_event() -> str:
    return f"event-{uuid.uuid4().hex[:12]}"


def start_message(
    operation_id: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    data = orjson.dumps({"query": query, "variables": variables or {}}).decode()
    return {
        "id": operation_id,
        "type": "start",
        "payload": {"data": data, "extensions": {"authorization": HEADER}},
    }


class AppSyncSocket:
    """A raw AppSync real-time client on one socket."""

    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket

    async def send(self, message: object) -> None:
        await self.websocket.send(
            message if isinstance(message, str) else orjson.dumps(message).decode()
        )

    async def receive(self, *, keep_alive: bool = False) -> dict[str, Any]:
        """The next message; keep-alives are skipped unless `keep_alive`."""
        while True:
            raw = await asyncio.wait_for(self.websocket.recv(), WAIT)
            message: dict[str, Any] = orjson.loads(raw)
            if keep_alive or message.get("type") != "ka":
                return message

    async def init(self) -> dict[str, Any]:
        await self.send({"type": "connection_init"})
        ack = await self.receive()
        assert ack["type"] == "connection_ack", ack
        return ack

    async def start(
        self, operation_id: str, query: str = SUBSCRIBE, variables: dict[str, Any] | None = None
    ) -> None:
        await self.send(start_message(operation_id, query, variables))
        assert await self.receive() == {"type": "start_ack", "id": operation_id}

    async def stop(self, operation_id: str) -> None:
        await self.send({"type": "stop", "id": operation_id})
        assert await self.receive() == {"type": "complete", "id": operation_id}

    async def until_marker(self) -> list[dict[str, Any]]:
        """Every message before the answer to a stop of an unknown id.

        Frames leave the server in order, so whatever an earlier mutation delivered to this
        socket is in the list: "nothing else arrived" can be asserted without sleeping.
        """
        marker = f"marker-{uuid.uuid4().hex[:8]}"
        await self.send({"type": "stop", "id": marker})
        seen: list[dict[str, Any]] = []
        while True:
            message = await self.receive()
            if message.get("id") == marker:
                assert message["payload"]["errors"][0]["errorType"] == "UnknownOperationError"
                return seen
            seen.append(message)

    async def closed(self) -> Close:
        """Wait for the server to close the socket; the close frame it sent."""
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(self.websocket.recv(), WAIT)
        close = self.websocket.protocol.close_rcvd
        assert close is not None, "closed without a close frame"
        return close


@asynccontextmanager
async def appsync(
    server: RunningServer, path: str = "/graphql", *, init: bool = True
) -> AsyncIterator[AppSyncSocket]:
    async with connect(
        header_url(server, path), subprotocols=[GRAPHQL_WS], open_timeout=WAIT
    ) as websocket:
        assert websocket.subprotocol == "graphql-ws"
        client = AppSyncSocket(websocket)
        if init:
            await client.init()
        yield client


async def comment(
    http: httpx.AsyncClient,
    server: RunningServer,
    event_id: str,
    content: str,
    fields: str = ALL_FIELDS,
) -> dict[str, Any]:
    """Comment through HTTP; the mutation's result."""
    response = await http.post(
        server.graphql_url,
        json={"query": COMMENT % fields, "variables": {"eventId": event_id, "content": content}},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["commentOnEvent"]
    return result


def new_log(server: RunningServer, offset: int) -> str:
    return server.log()[offset:]


def assert_clean(log: str) -> None:
    assert "Traceback" not in log, log
    assert " ERROR " not in log, log


# Handshake -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/graphql", "/graphql/realtime"])
async def test_header_query_parameter_handshake(sample_server: RunningServer, path: str) -> None:
    encoded = b64_json(HEADER)
    assert "+" in encoded and "/" in encoded and encoded.endswith("=")
    async with appsync(sample_server, path, init=False) as client:
        await client.send({"type": "connection_init"})
        assert await client.receive(keep_alive=True) == {
            "type": "connection_ack",
            "payload": {"connectionTimeoutMs": 300000},
        }
        assert await client.receive(keep_alive=True) == {"type": "ka"}


async def test_an_url_escaped_header_is_read_too(sample_server: RunningServer) -> None:
    url = f"{ws_url(sample_server, '/graphql')}?header={quote(b64_json(HEADER), safe='')}"
    async with connect(url, subprotocols=[GRAPHQL_WS], open_timeout=WAIT) as websocket:
        assert websocket.subprotocol == "graphql-ws"
        assert (await AppSyncSocket(websocket).init())["payload"] == {"connectionTimeoutMs": 300000}


@pytest.mark.parametrize("path", ["/graphql", "/graphql/realtime"])
async def test_header_subprotocol_handshake(
    sample_server: RunningServer, http: httpx.AsyncClient, path: str
) -> None:
    protocol = header_subprotocol()
    assert "-" in protocol[len("header-") :] and "_" in protocol and not protocol.endswith("=")
    async with connect(
        ws_url(sample_server, path), subprotocols=[GRAPHQL_WS, protocol], open_timeout=WAIT
    ) as websocket:
        assert websocket.subprotocol == "graphql-ws"
        client = AppSyncSocket(websocket)
        await client.init()
        event = new_event()
        await client.start("1", SUBSCRIBE, {"eventId": event})
        published = await comment(http, sample_server, event, "over a header subprotocol")
        assert await client.receive() == {
            "type": "data",
            "id": "1",
            "payload": {"data": {"subscribeToEventComments": published}},
        }


@pytest.mark.parametrize(
    ("path", "subprotocols"),
    [
        ("/graphql/realtime", ["graphql-transport-ws"]),
        ("/graphql/realtime", []),
        ("/graphql?header=" + b64_json(HEADER) + "&payload=e30=", []),
        ("/graphql", [header_subprotocol()]),
    ],
    ids=["wrong-subprotocol", "no-subprotocol", "header-param-only", "header-subprotocol-only"],
)
async def test_a_handshake_without_graphql_ws_is_refused(
    sample_server: RunningServer, path: str, subprotocols: list[str]
) -> None:
    async with connect(
        ws_url(sample_server, path),
        subprotocols=[Subprotocol(p) for p in subprotocols] or None,
        open_timeout=WAIT,
    ) as websocket:
        assert websocket.subprotocol is None
        client = AppSyncSocket(websocket)
        assert await client.receive() == {
            "type": "connection_error",
            "payload": {
                "errors": [
                    {
                        "errorType": "SubProtocolNotSupportedError",
                        "message": "SubProtocolNotSupportedError",
                        "errorCode": 400,
                    }
                ]
            },
        }
        assert (await client.closed()).code == 1002


@pytest.mark.parametrize(
    ("path", "subprotocols", "message"),
    [
        ("/graphql/realtime?header=%25%25%25", [], "The header query parameter is not"),
        ("/graphql?header=" + b64_json([1, 2]), [], "The header must be a JSON object."),
        ("/graphql?header=" + b64_json("text"), [], "The header must be a JSON object."),
        ("/graphql", ["header-!!!"], "The header subprotocol is not"),
        ("/graphql", ["header-" + b64_json(7, urlsafe=True).rstrip("=")], "The header must"),
        (f"/graphql?header={b64_json(HEADER)}&payload=bm90IGpzb24=", [], "The payload query"),
    ],
    ids=["not-base64", "array", "string", "bad-subprotocol", "number", "bad-payload"],
)
async def test_a_malformed_handshake_is_refused(
    sample_server: RunningServer, path: str, subprotocols: list[str], message: str
) -> None:
    async with connect(
        ws_url(sample_server, path),
        subprotocols=[GRAPHQL_WS, *(Subprotocol(p) for p in subprotocols)],
        open_timeout=WAIT,
    ) as websocket:
        assert websocket.subprotocol == "graphql-ws"
        client = AppSyncSocket(websocket)
        frame = await client.receive()
        assert frame["type"] == "connection_error"
        (error,) = frame["payload"]["errors"]
        assert error["errorType"] == "MalformedHandshakeError"
        assert error["errorCode"] == 400
        assert error["message"].startswith(message), error
        assert (await client.closed()).code == 1008


# Subscribing and delivering --------------------------------------------------------------------


async def test_a_delivery_has_exactly_the_subscribers_selection(
    sample_server: RunningServer, http: httpx.AsyncClient
) -> None:
    event = new_event()
    query = """subscription Aliased($e: String!) {
      comment: subscribeToEventComments(eventId: $e) { text: content id: commentId eventId }
    }"""
    async with appsync(sample_server) as client:
        await client.start("aliased", query, {"e": event})
        published = await comment(http, sample_server, event, "hello")
        frame = await client.receive()
        # In the subscriber's order, under its aliases.
        assert list(frame["payload"]["data"]["comment"]) == ["text", "id", "eventId"]
        assert frame == {
            "type": "data",
            "id": "aliased",
            "payload": {
                "data": {
                    "comment": {
                        "text": "hello",
                        "id": published["commentId"],
                        "eventId": event,
                    }
                }
            },
        }
        assert await client.until_marker() == []


async def test_a_non_null_field_the_mutation_did_not_select(
    sample_server: RunningServer, http: httpx.AsyncClient
) -> None:
    """Comment.createdAt is non-null: null propagates to the (nullable) root field."""
    event = new_event()
    query = """subscription($eventId: String!) {
      subscribeToEventComments(eventId: $eventId) { content createdAt }
    }"""
    async with appsync(sample_server) as client:
        await client.start("partial", query, {"eventId": event})
        await comment(http, sample_server, event, "no date", fields="eventId commentId content")
        frame = await client.receive()
        assert frame["type"] == "data" and frame["id"] == "partial"
        assert frame["payload"]["data"] == {"subscribeToEventComments": None}
        (error,) = frame["payload"]["errors"]
        assert error["path"] == ["subscribeToEventComments", "createdAt"]
        assert "non-nullable field Comment.createdAt" in error["message"]
        assert set(error) == {"path", "data", "errorType", "errorInfo", "locations", "message"}


async def test_a_nullable_field_the_mutation_did_not_select_is_null(
    limited: RunningServer, http: httpx.AsyncClient
) -> None:
    event = new_event()
    query = """subscription($eventId: String!) {
      subscribeToEventComments(eventId: $eventId) { content note eventId }
    }"""
    async with appsync(limited) as client:
        await client.start("n", query, {"eventId": event})
        response = await http.post(
            limited.graphql_url,
            json={"query": LIMITED_COMMENT, "variables": {"eventId": event, "content": "c"}},
        )
        assert response.json() == {"data": {"commentOnEvent": {"eventId": event, "content": "c"}}}
        assert await client.receive() == {
            "type": "data",
            "id": "n",
            "payload": {
                "data": {
                    "subscribeToEventComments": {"content": "c", "note": None, "eventId": event}
                }
            },
        }


async def test_arguments_filter_deliveries(
    sample_server: RunningServer, http: httpx.AsyncClient
) -> None:
    first, second, other = new_event(), new_event(), new_event()
    async with appsync(sample_server) as client:
        await client.start("first", SUBSCRIBE, {"eventId": first})
        await client.start("second", SUBSCRIBE, {"eventId": second})
        await comment(http, sample_server, other, "for nobody")
        to_second = await comment(http, sample_server, second, "for second")
        to_first = await comment(http, sample_server, first, "for first")
        frames = [await client.receive(), await client.receive()]
        frames += await client.until_marker()
    assert sorted(frames, key=lambda frame: frame["id"]) == [
        {
            "type": "data",
            "id": "first",
            "payload": {"data": {"subscribeToEventComments": to_first}},
        },
        {
            "type": "data",
            "id": "second",
            "payload": {"data": {"subscribeToEventComments": to_second}},
        },
    ]


async def test_stop_completes_and_ends_deliveries(
    sample_server: RunningServer, http: httpx.AsyncClient
) -> None:
    event = new_event()
    async with appsync(sample_server) as client:
        await client.start("stopped", SUBSCRIBE, {"eventId": event})
        await client.start("kept", SUBSCRIBE, {"eventId": event})
        before = await comment(http, sample_server, event, "before the stop")
        frames = [await client.receive(), await client.receive()]
        assert {frame["id"] for frame in frames} == {"stopped", "kept"}
        assert all(
            frame["payload"]["data"]["subscribeToEventComments"] == before for frame in frames
        )
        await client.stop("stopped")
        after = await comment(http, sample_server, event, "after the stop")
        assert await client.receive() == {
            "type": "data",
            "id": "kept",
            "payload": {"data": {"subscribeToEventComments": after}},
        }
        assert await client.until_marker() == []
        # A stopped id may be used again.
        await client.start("stopped", SUBSCRIBE, {"eventId": event})
        again = await comment(http, sample_server, event, "id reused")
        frames = [await client.receive(), await client.receive()]
        assert {frame["id"] for frame in frames} == {"stopped", "kept"}
        assert all(
            frame["payload"]["data"]["subscribeToEventComments"] == again for frame in frames
        )


async def test_variables_fragments_and_operation_names_shape_deliveries(
    sample_server: RunningServer, http: httpx.AsyncClient
) -> None:
    event = new_event()
    document = """
    fragment Text on Comment { content }
    subscription Full($eventId: String!, $withId: Boolean!) {
      subscribeToEventComments(eventId: $eventId) { ...Text commentId @include(if: $withId) }
    }
    subscription Short($eventId: String!) {
      subscribeToEventComments(eventId: $eventId) { __typename eventId }
    }
    query Nope { echo(msg: "no") }
    """

    def start(operation_id: str, name: str | None, **variables: Any) -> dict[str, Any]:
        message = start_message(operation_id, document, {"eventId": event, **variables})
        data = orjson.loads(message["payload"]["data"])
        message["payload"]["data"] = _data({**data, "operationName": name})
        return message

    async with appsync(sample_server) as client:
        # Same document, different variables: renderings must not be shared between them.
        for operation_id, name, variables in [
            ("with-id", "Full", {"withId": True}),
            ("without-id", "Full", {"withId": False}),
            ("short", "Short", {}),
        ]:
            await client.send(start(operation_id, name, **variables))
            assert await client.receive() == {"type": "start_ack", "id": operation_id}
        await client.send(start("nope", "Nope"))
        assert (await client.receive())["payload"]["errors"][0]["message"] == (
            "Query not supported through the realtime channel"
        )
        await client.send(start("unnamed", None, withId=True))
        unnamed = await client.receive()
        assert unnamed["type"] == "error" and unnamed["id"] == "unnamed", unnamed
        assert "operation name" in unnamed["payload"]["errors"][0]["message"]

        published = await comment(http, sample_server, event, "Grüße ✓ 😀")
        frames = [await client.receive() for _ in range(3)]
        frames += await client.until_marker()
    by_id = {frame["id"]: frame["payload"] for frame in frames}
    assert by_id == {
        "with-id": {
            "data": {
                "subscribeToEventComments": {
                    "content": "Grüße ✓ 😀",
                    "commentId": published["commentId"],
                }
            }
        },
        "without-id": {"data": {"subscribeToEventComments": {"content": "Grüße ✓ 😀"}}},
        "short": {
            "data": {"subscribeToEventComments": {"__typename": "Comment", "eventId": event}}
        },
    }


async def test_a_start_before_connection_init_closes_the_socket(
    sample_server: RunningServer,
) -> None:
    # AppSync's guide calls connection_init optional, but every AppSync client sends it
    # first; as in graphql-transport-ws, a start before it is refused and the socket closed.
    async with appsync(sample_server, init=False) as client:
        await client.send(start_message("no-init", SUBSCRIBE, {"eventId": new_event()}))
        error = await client.receive(keep_alive=True)
        assert error["type"] == "error" and error["id"] == "no-init", error
        assert error["payload"]["errors"][0]["errorType"] == "ConnectionNotInitializedError"
        close = await client.closed()
        assert (close.code, close.reason) == (4401, "Unauthorized")


async def test_many_subscriptions_on_one_connection(
    sample_server: RunningServer, http: httpx.AsyncClient
) -> None:
    events = [new_event() for _ in range(20)]
    async with appsync(sample_server) as client:
        for index, event in enumerate(events):
            await client.start(f"sub-{index}", SUBSCRIBE, {"eventId": event})
        # Two more with the same query and variables as sub-0: each gets its own frame.
        await client.start("twin-a", SUBSCRIBE, {"eventId": events[0]})
        await client.start("twin-b", SUBSCRIBE, {"eventId": events[0]})
        published = {}
        for index, event in enumerate(events):
            published[f"sub-{index}"] = await comment(http, sample_server, event, f"c{index}")
        published["twin-a"] = published["twin-b"] = published["sub-0"]
        frames = [await client.receive() for _ in range(len(published))]
        frames += await client.until_marker()
    assert len(frames) == len(published)
    assert {
        frame["id"]: frame["payload"]["data"]["subscribeToEventComments"] for frame in frames
    } == published


# Malformed messages and refused operations -----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("not json", "unknown"),
        ("[1, 2]", "unknown"),
        ('{"id": "1"}', "unknown"),
        ('{"type": 7}', "unknown"),
        ('{"type": "subscribe", "id": "1"}', "subscribe"),
        ('{"type": "connection_terminate"}', "connection_terminate"),
    ],
    ids=["not-json", "array", "no-type", "type-not-a-string", "unknown-type", "terminate"],
)
async def test_an_unsupported_message_is_an_error_without_id(
    sample_server: RunningServer, text: str, kind: str
) -> None:
    async with appsync(sample_server) as client:
        await client.send(text)
        assert await client.receive() == {
            "type": "error",
            "payload": {
                "errors": [
                    {
                        "errorType": "UnsupportedOperation",
                        "message": f"{kind} not supported through the realtime channel",
                    }
                ]
            },
        }
        await client.start("still-open", SUBSCRIBE, {"eventId": new_event()})


@pytest.mark.parametrize("operation_id", [None, "", 7])
async def test_a_start_without_an_id(sample_server: RunningServer, operation_id: object) -> None:
    message = start_message("x", SUBSCRIBE, {"eventId": new_event()})
    if operation_id is None:
        del message["id"]
    else:
        message["id"] = operation_id
    async with appsync(sample_server) as client:
        await client.send(message)
        frame = await client.receive()
        assert frame == {
            "type": "error",
            "payload": {
                "errors": [
                    {
                        "errorType": "BadRequestException",
                        "message": "A start message needs a non-empty string id.",
                    }
                ]
            },
        }


def _data(value: object) -> str:
    return orjson.dumps(value).decode()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (None, 'A start payload needs "data"'),
        ({"extensions": {}}, 'A start payload needs "data"'),
        ({"data": {"query": SUBSCRIBE}}, 'A start payload needs "data"'),
        ({"data": "{not json"}, 'The start payload\'s "data" is not valid JSON.'),
        ({"data": _data({"variables": {}})}, 'The start payload\'s "data" needs a "query"'),
        ({"data": _data([SUBSCRIBE])}, 'The start payload\'s "data" needs a "query"'),
        ({"data": _data({"query": 5})}, 'The start payload\'s "data" needs a "query"'),
        ({"data": _data({"query": SUBSCRIBE, "variables": [1]})}, "Variables must be a JSON"),
        ({"data": _data({"query": SUBSCRIBE, "operationName": 1})}, "operationName must be"),
    ],
    ids=[
        "no-payload",
        "no-data",
        "data-not-a-string",
        "bad-json",
        "no-query",
        "data-array",
        "query-not-a-string",
        "variables-not-an-object",
        "operation-name-not-a-string",
    ],
)
async def test_a_start_with_a_bad_payload(
    sample_server: RunningServer, payload: object, message: str
) -> None:
    start: dict[str, Any] = {"type": "start", "id": "bad"}
    if payload is not None:
        start["payload"] = payload
    async with appsync(sample_server) as client:
        await client.send(start)
        frame = await client.receive()
        assert frame["type"] == "error" and frame["id"] == "bad", frame
        (error,) = frame["payload"]["errors"]
        assert error["errorType"] == "BadRequestException"
        assert error["message"].startswith(message), error
        # The id was never taken.
        await client.start("bad", SUBSCRIBE, {"eventId": new_event()})


async def test_queries_and_mutations_are_refused_and_not_run(
    sample_server: RunningServer, http: httpx.AsyncClient
) -> None:
    event = new_event()
    mutation = COMMENT % ALL_FIELDS
    async with appsync(sample_server) as client:
        await client.start("watch", SUBSCRIBE, {"eventId": event})
        await client.send(start_message("q", 'query { echo(msg: "hi") }'))
        await client.send(start_message("m", mutation, {"eventId": event, "content": "sneaky"}))
        frames = [await client.receive(), await client.receive()]
        frames += await client.until_marker()
    assert frames == [
        {
            "type": "error",
            "id": "q",
            "payload": {
                "errors": [
                    {
                        "errorType": "UnsupportedOperation",
                        "message": "Query not supported through the realtime channel",
                    }
                ]
            },
        },
        {
            "type": "error",
            "id": "m",
            "payload": {
                "errors": [
                    {
                        "errorType": "UnsupportedOperation",
                        "message": "Mutation not supported through the realtime channel",
                    }
                ]
            },
        },
    ]  # and no data frame for "watch": the mutation never ran


@pytest.mark.parametrize(
    ("query", "variables", "error_type", "message"),
    [
        (
            'subscription { subscribeToEventComments(eventId: "e") { nope } }',
            {},
            "ValidationError",
            "Cannot query field 'nope' on type 'Comment'.",
        ),
        ("subscription {", {}, "InvalidSyntax", "Syntax Error"),
        (SUBSCRIBE, {}, "ValidationError", "Variable '$eventId' has invalid value: Expected"),
        (SUBSCRIBE, {"eventId": 5}, "ValidationError", "Variable '$eventId' has invalid value: S"),
    ],
    ids=["unknown-field", "syntax", "missing-variable", "bad-variable"],
)
async def test_graphql_errors_refuse_the_subscription(
    sample_server: RunningServer,
    query: str,
    variables: dict[str, Any],
    error_type: str,
    message: str,
) -> None:
    async with appsync(sample_server) as client:
        await client.send(start_message("invalid", query, variables))
        frame = await client.receive()
        assert frame["type"] == "error" and frame["id"] == "invalid", frame
        (error,) = frame["payload"]["errors"]
        assert set(error) == {"path", "data", "errorType", "errorInfo", "locations", "message"}
        assert error["errorType"] == error_type
        assert error["message"].startswith(message), error
        # A refused subscription does not keep its id.
        await client.start("invalid", SUBSCRIBE, {"eventId": new_event()})


async def test_a_duplicate_id_is_refused_while_active(
    sample_server: RunningServer, http: httpx.AsyncClient
) -> None:
    event = new_event()
    async with appsync(sample_server) as client:
        await client.start("dup", SUBSCRIBE, {"eventId": event})
        await client.send(start_message("dup", SUBSCRIBE, {"eventId": new_event()}))
        assert await client.receive() == {
            "type": "error",
            "id": "dup",
            "payload": {
                "errors": [
                    {
                        "errorType": "DuplicatedOperationError",
                        "message": (
                            "Duplicate subscription id 'dup': stop it before reusing its id."
                        ),
                    }
                ]
            },
        }
        published = await comment(http, sample_server, event, "once")
        assert await client.receive() == {
            "type": "data",
            "id": "dup",
            "payload": {"data": {"subscribeToEventComments": published}},
        }
        assert await client.until_marker() == []


async def test_stopping_an_unknown_id(sample_server: RunningServer) -> None:
    async with appsync(sample_server) as client:
        await client.send({"type": "stop", "id": "never-started"})
        assert await client.receive() == {
            "type": "error",
            "id": "never-started",
            "payload": {
                "errors": [
                    {
                        "errorType": "UnknownOperationError",
                        "message": "No subscription has the id 'never-started'.",
                    }
                ]
            },
        }
        await client.send({"type": "stop"})
        frame = await client.receive()
        assert "id" not in frame
        assert frame["payload"]["errors"][0]["errorType"] == "BadRequestException"


async def test_closing_the_socket_cleans_up(
    sample_server: RunningServer, http: httpx.AsyncClient
) -> None:
    event = new_event()
    offset = len(sample_server.log())
    async with appsync(sample_server) as closed_cleanly:
        for index in range(5):
            await closed_cleanly.start(f"s{index}", SUBSCRIBE, {"eventId": event})
    dropped = await connect(header_url(sample_server), subprotocols=[GRAPHQL_WS])
    client = AppSyncSocket(dropped)
    await client.init()
    for index in range(5):
        await client.start(f"s{index}", SUBSCRIBE, {"eventId": event})
    dropped.transport.abort()  # no close frame: the TCP connection just goes
    await dropped.wait_closed()

    async with appsync(sample_server) as listener:
        await listener.start("after", SUBSCRIBE, {"eventId": event})
        published = await comment(http, sample_server, event, "after the others left")
        assert await listener.receive() == {
            "type": "data",
            "id": "after",
            "payload": {"data": {"subscribeToEventComments": published}},
        }
        assert await listener.until_marker() == []
    assert_clean(new_log(sample_server, offset))


# Limits ----------------------------------------------------------------------------------------


async def test_keep_alives_repeat_at_the_configured_interval(limited: RunningServer) -> None:
    async with appsync(limited, init=False) as client:
        await client.send({"type": "connection_init"})
        ack = {"type": "connection_ack", "payload": {"connectionTimeoutMs": 120000}}
        assert await client.receive(keep_alive=True) == ack
        arrivals = []
        for _ in range(7):
            assert await client.receive(keep_alive=True) == {"type": "ka"}
            arrivals.append(time.monotonic())
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    assert all(0.1 < gap < 1.0 for gap in gaps), gaps
    assert 1.0 < arrivals[-1] - arrivals[0] < 3.0, gaps


async def test_keep_alives_wait_for_the_default_interval(sample_server: RunningServer) -> None:
    async with appsync(sample_server, init=False) as client:
        await client.send({"type": "connection_init"})
        assert (await client.receive(keep_alive=True))["type"] == "connection_ack"
        assert await client.receive(keep_alive=True) == {"type": "ka"}
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(client.websocket.recv(), 0.5)


async def test_the_subscription_limit_per_connection(
    limited: RunningServer, http: httpx.AsyncClient
) -> None:
    event = new_event()
    async with appsync(limited) as client:
        for index in range(3):
            await client.start(f"s{index}", LIMITED_SUBSCRIBE, {"eventId": event})
        await client.send(start_message("s3", LIMITED_SUBSCRIBE, {"eventId": event}))
        assert await client.receive() == {
            "type": "error",
            "id": "s3",
            "payload": {
                "errors": [
                    {
                        "errorType": "MaxSubscriptionsReachedError",
                        "message": "Max number of 3 subscriptions reached on this connection.",
                    }
                ]
            },
        }
        response = await http.post(
            limited.graphql_url,
            json={"query": LIMITED_COMMENT, "variables": {"eventId": event, "content": "x"}},
        )
        expected = response.json()["data"]["commentOnEvent"]
        frames = [await client.receive() for _ in range(3)]
        frames += await client.until_marker()
        assert sorted(frame["id"] for frame in frames) == ["s0", "s1", "s2"]
        assert all(
            frame["payload"] == {"data": {"subscribeToEventComments": expected}} for frame in frames
        )
        # Stopping one makes room for another.
        await client.stop("s0")
        await client.start("s3", LIMITED_SUBSCRIBE, {"eventId": event})


async def test_an_oversized_message_is_refused(limited: RunningServer) -> None:
    padding = "x" * 3000
    async with appsync(limited) as client:
        big = start_message("big", LIMITED_SUBSCRIBE + "#" + padding, {"eventId": new_event()})
        size = len(orjson.dumps(big))
        await client.send(big)
        assert await client.receive() == {
            "type": "error",
            "id": "big",
            "payload": {
                "errors": [
                    {
                        "errorType": "LimitExceededError",
                        "message": f"Message of {size} bytes exceeds the limit of 2048 bytes.",
                    }
                ]
            },
        }
        euros = "€" * 1000  # 1000 characters, 3000 bytes: the limit counts bytes
        await client.send(start_message("euros", euros, {}))
        frame = await client.receive()
        assert frame["id"] == "euros"
        assert frame["payload"]["errors"][0]["errorType"] == "LimitExceededError"
        await client.send(padding)  # not JSON: no id to answer with
        frame = await client.receive()
        assert "id" not in frame
        assert frame["payload"]["errors"][0]["errorType"] == "LimitExceededError"
        await client.websocket.send(padding.encode())  # binary frames count alike
        assert (await client.receive())["payload"]["errors"][0]["errorType"] == "LimitExceededError"
        # The connection still works, and the id "big" was never taken.
        await client.start("big", LIMITED_SUBSCRIBE, {"eventId": new_event()})
        # Beyond twice the limit the server itself refuses the frame.
        await client.send("y" * 5000)
        assert (await client.closed()).code == 1009


async def test_a_connection_ends_at_its_lifetime(tmp_path: Path) -> None:
    settings = LIMITED_SETTINGS.replace(
        "  keepAliveSeconds: 0.2\n", "  keepAliveSeconds: 30\n  connectionLifetimeSeconds: 1\n"
    )
    project = limited_project(tmp_path / "api", settings)
    logs = tmp_path / "logs"
    logs.mkdir()
    with serve(project, logs) as server:
        async with appsync(server) as client:
            opened = time.monotonic()
            await client.start("s", LIMITED_SUBSCRIBE, {"eventId": new_event()})
            close = await client.closed()
            lifetime = time.monotonic() - opened
        assert close.code == 1000
        assert close.reason == "Connection lifetime reached"
        assert 0.5 < lifetime < 5.0
    assert_clean(server.log())


# A subscriber that stops reading ---------------------------------------------------------------


class StalledClient:
    """An AppSync client on a raw socket with a tiny receive buffer, which stops reading once
    its subscription is acknowledged; `websockets`' sans-I/O protocol frames the bytes."""

    def __init__(self, sock: socket.socket, protocol: ClientProtocol) -> None:
        self.sock = sock
        self.protocol = protocol
        self.loop = asyncio.get_running_loop()
        self.events: list[Request | Response | Frame] = []

    @classmethod
    async def subscribe(cls, server: RunningServer, event: str) -> StalledClient:
        protocol = ClientProtocol(
            parse_uri(header_url(server)), subprotocols=[GRAPHQL_WS], max_size=None
        )
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting
        sock.setblocking(False)
        host, port = server.url.removeprefix("http://").split(":")
        client = cls(sock, protocol)
        await asyncio.wait_for(client.loop.sock_connect(sock, (host, int(port))), WAIT)
        protocol.send_request(protocol.connect())
        await client.flush()
        response = await client.next_event()
        assert isinstance(response, Response) and response.status_code == 101
        client.send({"type": "connection_init"})
        client.send(start_message("slow", LIMITED_SUBSCRIBE, {"eventId": event}))
        await client.flush()
        while True:
            frame = await client.next_event()
            assert isinstance(frame, Frame)
            message = orjson.loads(frame.data)
            if message["type"] == "start_ack":
                return client

    def send(self, message: object) -> None:
        self.protocol.send_text(orjson.dumps(message))

    async def flush(self) -> None:
        await self.loop.sock_sendall(self.sock, b"".join(self.protocol.data_to_send()))

    async def next_event(self) -> Request | Response | Frame:
        while True:
            self.events += self.protocol.events_received()
            if self.events:
                return self.events.pop(0)
            data = await asyncio.wait_for(self.loop.sock_recv(self.sock, 65536), WAIT)
            assert data, "the server closed the connection during the handshake"
            self.protocol.receive_data(data)

    async def drain(self) -> tuple[int, Close | None]:
        """Read everything until the server ends the connection: bytes read, close frame."""
        total = 0
        while True:
            try:
                data = await asyncio.wait_for(self.loop.sock_recv(self.sock, 1 << 20), WAIT)
            except ConnectionResetError:
                break
            if not data:
                self.protocol.receive_eof()
                break
            total += len(data)
            self.protocol.receive_data(data)
            self.protocol.events_received()
            if self.protocol.close_rcvd is not None:
                break
        return total, self.protocol.close_rcvd

    def close(self) -> None:
        self.sock.close()


async def test_a_subscriber_that_stops_reading_is_disconnected(
    limited: RunningServer, http: httpx.AsyncClient
) -> None:
    """The stalled client's frames pile up (its kernel buffers, then its 20-frame outbox)
    until the server gives up on it; nobody else notices."""
    event = new_event()
    content = "z" * 50_000
    offset = len(limited.log())

    async def publish(text: str) -> float:
        """Comment; how long the mutation took."""
        before = time.monotonic()
        response = await http.post(
            limited.graphql_url,
            json={"query": LIMITED_COMMENT, "variables": {"eventId": event, "content": text}},
        )
        assert response.status_code == 200
        assert response.json()["data"]["commentOnEvent"]["content"] == text
        return time.monotonic() - before

    async with appsync(limited) as healthy:
        await healthy.start("healthy", LIMITED_SUBSCRIBE, {"eventId": event})
        stalled = await StalledClient.subscribe(limited, event)
        try:

            async def read_healthy() -> list[str]:
                contents: list[str] = []
                while not contents or contents[-1] != "last":
                    frame = await healthy.receive()
                    assert frame["type"] == "data", frame
                    contents.append(frame["payload"]["data"]["subscribeToEventComments"]["content"])
                return contents

            reader = asyncio.create_task(read_healthy())
            sent: list[str] = []
            durations: list[float] = []
            for index in range(300):  # about 4 MB of socket buffers at most: ~100 comments
                sent.append(f"{index}:{content}")
                durations.append(await publish(sent[-1]))
                if "disconnecting a real-time client" in new_log(limited, offset):
                    break
            else:
                pytest.fail("the server never gave up on the stalled subscriber")
            # Read what the stalled client was sent: its frames, then the 1008 close.
            total, close = await stalled.drain()
            assert total > 0
            assert close is not None, "the connection ended without a close frame"
            assert (close.code, close.reason) == (1008, "Subscriber too slow")
            # The healthy subscriber got every message, in order; the publisher never waited.
            durations.append(await publish("last"))
            assert await asyncio.wait_for(reader, WAIT) == [*sent, "last"]
            assert max(durations) < 2.0, durations
            assert sum(durations) < WAIT, durations
        finally:
            stalled.close()
    log = new_log(limited, offset)
    assert log.count("disconnecting a real-time client") == 1
    assert_clean(log)


# Shutdown --------------------------------------------------------------------------------------


async def test_sigterm_closes_appsync_sockets_with_service_restart(tmp_path: Path) -> None:
    project = limited_project(tmp_path / "api")
    logs = tmp_path / "logs"
    logs.mkdir()
    with serve(project, logs) as server:
        async with appsync(server) as client:
            await client.start("s", LIMITED_SUBSCRIBE, {"eventId": new_event()})
            server.process.send_signal(signal.SIGTERM)
            close = await client.closed()
        assert close.code == 1012
        exit_code = await asyncio.to_thread(server.process.wait, WAIT)
    assert exit_code in (0, -signal.SIGTERM)
    assert_clean(server.log())


async def test_a_stalled_socket_is_aborted_once_its_close_deadline_passes(
    tmp_path: Path,
) -> None:
    """A peer that never reads cannot drain its buffer, so closing alone would keep the
    connection (and its buffer) forever; the server aborts it `closeTimeoutSeconds` later,
    and a SIGTERM then does not wait for it."""
    settings = LIMITED_SETTINGS + "  closeTimeoutSeconds: 0.5\n"
    project = limited_project(tmp_path / "api", settings)
    logs = tmp_path / "logs"
    logs.mkdir()
    event = new_event()
    with serve(project, logs) as server:
        stalled = await StalledClient.subscribe(server, event)
        try:
            async with httpx.AsyncClient(timeout=WAIT) as http:
                for index in range(300):
                    variables = {"eventId": event, "content": f"{index}:{'z' * 50_000}"}
                    response = await http.post(
                        server.graphql_url, json={"query": LIMITED_COMMENT, "variables": variables}
                    )
                    assert response.status_code == 200
                    if "disconnecting a real-time client" in server.log():
                        break
                else:
                    pytest.fail("the server never gave up on the stalled subscriber")
            await asyncio.sleep(1.0)  # past the 0.5 s deadline, still not reading
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            await asyncio.to_thread(server.process.wait, WAIT)
            # Without the deadline, shutdown waits its whole 30 s for the stalled socket.
            assert time.monotonic() - started < 5.0
        finally:
            stalled.close()
    assert "timeout graceful shutdown exceeded" not in server.log()
