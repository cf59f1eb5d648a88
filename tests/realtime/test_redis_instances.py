"""Two `strawsync serve` processes sharing one real `redis-server` (`--pubsub redis://...`).

The processes share no memory: a mutation sent over HTTP to one instance reaches subscribers
connected (AppSync real-time protocol, a raw `websockets` client) to either instance, and each
subscriber's argument filter still decides what it gets. A Redis that is not running makes
`strawsync serve` fail at start-up.

The API is a small NONE-only copy of the sample's comments (no DynamoDB Local to start twice):
`commentOnEvent` returns its arguments, `subscribeToEventComments(eventId)` listens to it.
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.support.projects import write_project
from tests.support.redis_server import RedisServer, redis_server
from tests.support.server import REPO, RunningServer, free_port, serve

WAIT = 10.0  # seconds; a bound so a lost delivery fails the test instead of hanging it


SETTINGS = """\
name: CommentsApi
dataSources:
  - name: Local
    type: NONE
"""

SCHEMA = """\
type Comment {
  eventId: ID!
  content: String!
  createdAt: String!
}

type Query {
  echo(msg: String): String
}

type Mutation {
  commentOnEvent(eventId: ID!, content: String!, createdAt: String!): Comment
}

type Subscription {
  subscribeToEventComments(eventId: String!): Comment
    @aws_subscribe(mutations: ["commentOnEvent"])
}
"""

FILES = {
    "strawsync.yaml": SETTINGS,
    "schema.graphql": SCHEMA,
    "resolvers/Mutation.commentOnEvent.yaml": "kind: UNIT\ndataSource: Local\n",
    "mapping_templates/Mutation.commentOnEvent.request.vtl": (
        '{"version": "2018-05-29", "payload": $util.toJson($ctx.args)}\n'
    ),
    "mapping_templates/Mutation.commentOnEvent.response.vtl": "$util.toJson($ctx.result)\n",
}

SUBSCRIBE = """subscription($eventId: String!) {
  subscribeToEventComments(eventId: $eventId) { eventId content createdAt }
}"""

COMMENT = """mutation($eventId: ID!, $content: String!) {
  commentOnEvent(eventId: $eventId, content: $content, createdAt: "2024-01-01T00:00:00Z") {
    eventId content createdAt
  }
}"""


@pytest.fixture(scope="module")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def instances(
    redis: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningServer, RunningServer]]:
    """Instances A and B of one API: separate processes, one Redis."""
    project = write_project(tmp_path_factory.mktemp("api"), FILES)
    logs = tmp_path_factory.mktemp("logs")
    with ExitStack() as stack:
        a = stack.enter_context(serve(project, logs, ["--pubsub", redis.url]))
        b = stack.enter_context(serve(project, logs, ["--pubsub", redis.url]))
        assert a.process.pid != b.process.pid
        yield a, b


def new_event() -> str:
    return f"event-{uuid.uuid4().hex[:12]}"


def _base64_json(value: object) -> str:
    return base64.b64encode(orjson.dumps(value)).decode()


class AppSyncSocket:
    """A raw AppSync real-time client on one socket."""

    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket

    async def next_message(self) -> dict[str, Any]:
        """The next message other than a keep-alive."""
        async with asyncio.timeout(WAIT):
            while True:
                message: dict[str, Any] = orjson.loads(await self.websocket.recv())
                if message.get("type") != "ka":
                    return message

    async def subscribe(self, operation_id: str, event_id: str) -> None:
        """Start `subscribeToEventComments(eventId)` and wait for its `start_ack`."""
        request = {"query": SUBSCRIBE, "variables": {"eventId": event_id}}
        start = {
            "id": operation_id,
            "type": "start",
            "payload": {"data": orjson.dumps(request).decode(), "extensions": {}},
        }
        await self.websocket.send(orjson.dumps(start).decode())
        assert await self.next_message() == {"type": "start_ack", "id": operation_id}

    async def data(self) -> tuple[str, dict[str, Any]]:
        """The next `data` message: its subscription id and its comment."""
        message = await self.next_message()
        assert message["type"] == "data", message
        payload = message["payload"]
        assert "errors" not in payload, payload
        return message["id"], payload["data"]["subscribeToEventComments"]


@asynccontextmanager
async def appsync_socket(server: RunningServer) -> AsyncIterator[AppSyncSocket]:
    """A socket to `server`'s `/graphql/realtime` after `connection_init` → `connection_ack`."""
    host = server.url.removeprefix("http://")
    url = (
        f"ws://{host}/graphql/realtime?header={_base64_json({'host': host})}"
        f"&payload={_base64_json({})}"
    )
    async with connect(url, subprotocols=["graphql-ws"]) as websocket:
        assert websocket.subprotocol == "graphql-ws"
        socket = AppSyncSocket(websocket)
        await websocket.send('{"type": "connection_init"}')
        ack = await socket.next_message()
        assert ack["type"] == "connection_ack"
        yield socket


async def comment(server: RunningServer, event_id: str, content: str) -> None:
    async with httpx.AsyncClient(timeout=WAIT) as http:
        response = await http.post(
            server.graphql_url,
            json={"query": COMMENT, "variables": {"eventId": event_id, "content": content}},
        )
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "data": {
            "commentOnEvent": {
                "eventId": event_id,
                "content": content,
                "createdAt": "2024-01-01T00:00:00Z",
            }
        }
    }


def expected(event_id: str, content: str) -> dict[str, str]:
    return {"eventId": event_id, "content": content, "createdAt": "2024-01-01T00:00:00Z"}


async def test_a_subscriber_on_b_receives_a_mutation_sent_to_a(
    instances: tuple[RunningServer, RunningServer],
) -> None:
    a, b = instances
    event = new_event()
    async with appsync_socket(b) as subscriber:
        await subscriber.subscribe("s1", event)

        await comment(a, event, "from A")

        assert await subscriber.data() == ("s1", expected(event, "from A"))


async def test_argument_filtering_applies_across_instances(
    instances: tuple[RunningServer, RunningServer],
) -> None:
    a, b = instances
    watched, other = new_event(), new_event()
    async with appsync_socket(b) as on_b, appsync_socket(a) as on_a:
        await on_b.subscribe("watched", watched)
        await on_b.subscribe("other", other)
        await on_a.subscribe("other-on-a", other)

        await comment(a, watched, "first")
        await comment(b, other, "second")

        # Per socket, frames arrive in publish order: had `other`'s subscribers been sent
        # "first", it would come before "second".
        assert await on_b.data() == ("watched", expected(watched, "first"))
        assert await on_b.data() == ("other", expected(other, "second"))
        assert await on_a.data() == ("other-on-a", expected(other, "second"))


async def test_both_instances_deliver(instances: tuple[RunningServer, RunningServer]) -> None:
    a, b = instances
    event = new_event()
    async with appsync_socket(a) as on_a, appsync_socket(b) as on_b:
        await on_a.subscribe("a1", event)
        await on_b.subscribe("b1", event)

        await comment(a, event, "sent to A")
        assert await on_a.data() == ("a1", expected(event, "sent to A"))
        assert await on_b.data() == ("b1", expected(event, "sent to A"))

        await comment(b, event, "sent to B")
        assert await on_a.data() == ("a1", expected(event, "sent to B"))
        assert await on_b.data() == ("b1", expected(event, "sent to B"))


async def test_every_subscriber_of_a_topic_gets_one_copy_per_mutation(
    instances: tuple[RunningServer, RunningServer],
) -> None:
    """Several subscribers per instance: each gets each comment exactly once, in order."""
    a, b = instances
    event = new_event()
    async with (
        appsync_socket(a) as a1,
        appsync_socket(a) as a2,
        appsync_socket(b) as b1,
        appsync_socket(b) as b2,
    ):
        subscribers = {"a1": a1, "a2": a2, "b1": b1, "b2": b2}
        for name, socket in subscribers.items():
            await socket.subscribe(name, event)

        for n in range(5):
            await comment(a if n % 2 else b, event, f"comment {n}")

        for name, socket in subscribers.items():
            for n in range(5):
                assert await socket.data() == (name, expected(event, f"comment {n}"))


async def test_an_idle_subscriber_connection_stays_up(
    instances: tuple[RunningServer, RunningServer],
) -> None:
    """Nothing published for longer than redis-py's default socket timeout (5 s): the link
    to Redis must not be taken for dead (a reconnection loses what is published meanwhile)."""
    a, b = instances
    event = new_event()
    async with appsync_socket(b) as subscriber:
        await subscriber.subscribe("s1", event)
        await asyncio.sleep(6.0)

        await comment(a, event, "after a quiet spell")

        assert await subscriber.data() == ("s1", expected(event, "after a quiet spell"))
    assert "lost Redis" not in b.log(), b.log()


# Redis not running.


def _serve_without_redis(project: Path, url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "serve",
            "--project",
            str(project),
            "--host",
            "127.0.0.1",
            "--port",
            str(free_port()),
            "--pubsub",
            url,
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=60,  # start-up must fail, not hang
    )


@pytest.fixture(scope="module")
def without_redis(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, subprocess.CompletedProcess[str]]:
    """`strawsync serve --pubsub` at a port where nothing listens: the URL and the outcome."""
    project = write_project(tmp_path_factory.mktemp("api"), FILES)
    url = f"redis://127.0.0.1:{free_port()}/0"
    return url, _serve_without_redis(project, url)


def test_serve_fails_at_start_up_when_redis_is_not_running(
    without_redis: tuple[str, subprocess.CompletedProcess[str]],
) -> None:
    url, outcome = without_redis
    output = outcome.stdout + outcome.stderr
    assert outcome.returncode != 0, output
    assert f"cannot reach Redis at {url}" in output, output
    assert f"strawsync: cannot reach Redis at {url}" in output, output
    assert outcome.returncode == 2, output
    assert "Uvicorn running on" not in output, output


def test_redis_not_running_is_reported_without_a_traceback(
    without_redis: tuple[str, subprocess.CompletedProcess[str]],
) -> None:
    _, outcome = without_redis
    output = outcome.stdout + outcome.stderr
    assert "Traceback" not in output, output
