"""Slow HTTP clients: each phase of a request has a deadline (`requestHeaderTimeoutSeconds`,
`requestBodyTimeoutSeconds`, `httpIdleTimeoutSeconds`), with httptools (production) and h11.

Clients here are raw sockets, so that they can stop anywhere in a request. A deadline is
asserted from both sides: never before it (timers do not fire early, whatever the load), and
by it plus a generous margin for a loaded 2-core machine.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from tests.support.projects import write_project
from tests.support.server import RunningServer, serve

HEADER_DEADLINE = 1.0
BODY_DEADLINE = 2.0
IDLE_DEADLINE = 1.5
MARGIN = 4.0  # seconds past a deadline by which the server must have acted
WAIT = 15.0  # bounds every other wait
STALLED_CONNECTIONS = 200

SETTINGS = f"""\
name: SlowClients
limits:
  requestHeaderTimeoutSeconds: {HEADER_DEADLINE}
  requestBodyTimeoutSeconds: {BODY_DEADLINE}
  httpIdleTimeoutSeconds: {IDLE_DEADLINE}
dataSources:
  - name: Local
    type: NONE
"""
FILES = {
    "strawsync.yaml": SETTINGS,
    "schema.graphql": "type Query {\n  echo(msg: String): String\n}\n",
    "resolvers/Query.echo.yaml": "dataSource: Local\n",
    "mapping_templates/Query.echo.request.vtl": (
        '{"version": "2018-05-29", "payload": $util.toJson($ctx.args.msg)}\n'
    ),
    "mapping_templates/Query.echo.response.vtl": "$util.toJson($ctx.result)\n",
}
BODY = orjson.dumps({"query": '{ echo(msg: "slow") }'})
ANSWER = {"data": {"echo": "slow"}}

# The CLI with uvicorn's h11 protocol instead of httptools; nothing else changes.
H11_CLI = (
    "import functools, sys\n"
    "import app.transport.serving as serving\n"
    "serving.server_config = functools.partial(serving.server_config, http_parser='h11')\n"
    "from app.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@dataclass
class Server:
    running: RunningServer
    host: str
    port: int


@pytest.fixture(scope="module", params=["httptools", "h11"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    project = write_project(tmp_path_factory.mktemp("slow-clients"), FILES)
    python_args = ("-m", "app") if request.param == "httptools" else ("-c", H11_CLI)
    with serve(project, tmp_path_factory.mktemp("slow-logs"), python_args=python_args) as running:
        host, port = running.url.removeprefix("http://").split(":")
        yield Server(running, host, int(port))
    log = running.log()
    assert "Traceback" not in log, log
    assert "ERROR" not in log, log


def request_head(length: int = len(BODY), *, keep_alive: bool = True) -> bytes:
    connection = "keep-alive" if keep_alive else "close"
    return (
        "POST /graphql HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n"
        f"content-length: {length}\r\nconnection: {connection}\r\n\r\n"
    ).encode()


async def open_connection(
    server: Server,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    async with asyncio.timeout(WAIT):
        return await asyncio.open_connection(server.host, server.port)


async def until_closed(reader: asyncio.StreamReader) -> tuple[bytes, float]:
    """Everything the server sends until it closes the connection, and when it closed it."""
    received = b""
    async with asyncio.timeout(WAIT):
        while chunk := await reader.read(65536):
            received += chunk
    return received, time.monotonic()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One response with a content-length: its status and body."""
    async with asyncio.timeout(WAIT):
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        return status, await reader.readexactly(length)


def assert_within(started: float, ended: float, deadline: float) -> None:
    elapsed = ended - started
    assert deadline * 0.95 <= elapsed < deadline + MARGIN, (elapsed, deadline)


async def test_partial_headers_get_408_by_the_header_deadline(server: Server) -> None:
    reader, writer = await open_connection(server)
    started = time.monotonic()
    writer.write(b"POST /graphql HTTP/1.1\r\nhost: test\r\ncontent-")
    received, ended = await until_closed(reader)
    writer.close()
    assert received.startswith(b"HTTP/1.1 408 "), received
    assert b"connection: close" in received
    assert_within(started, ended, HEADER_DEADLINE)


async def test_headers_sent_a_byte_at_a_time_do_not_move_the_deadline(server: Server) -> None:
    reader, writer = await open_connection(server)
    started = time.monotonic()
    writer.write(b"G")
    closing = asyncio.ensure_future(until_closed(reader))
    for byte in b"ET /graphql HTTP/1.1\r\nx-padding: " + b"a" * 100:  # bounded: ~100 x 0.1 s
        if closing.done():
            break
        writer.write(bytes([byte]))
        await asyncio.sleep(0.1)
    received, ended = await closing
    writer.close()
    assert received.startswith(b"HTTP/1.1 408 "), received
    assert_within(started, ended, HEADER_DEADLINE)


async def test_a_stalled_body_gets_408_by_the_body_deadline(server: Server) -> None:
    reader, writer = await open_connection(server)
    writer.write(request_head() + BODY[:10])
    started = time.monotonic()
    received, ended = await until_closed(reader)
    writer.close()
    assert received.startswith(b"HTTP/1.1 408 "), received
    assert_within(started, ended, BODY_DEADLINE)


async def test_a_new_connection_that_sends_nothing_is_closed_when_idle(server: Server) -> None:
    reader, writer = await open_connection(server)
    started = time.monotonic()
    received, ended = await until_closed(reader)
    writer.close()
    assert received == b""
    assert_within(started, ended, IDLE_DEADLINE)


async def test_an_idle_keep_alive_connection_is_closed(server: Server) -> None:
    reader, writer = await open_connection(server)
    writer.write(request_head() + BODY)
    status, body = await read_response(reader)
    started = time.monotonic()
    assert (status, orjson.loads(body)) == (200, ANSWER)
    received, ended = await until_closed(reader)
    writer.close()
    assert received == b""
    assert_within(started, ended, IDLE_DEADLINE)


async def test_a_slowish_request_within_its_deadlines_is_answered(server: Server) -> None:
    """Headers in pieces over most of their deadline, then the body in pieces over most of
    its own, then a second request on the same connection after most of the idle deadline."""
    reader, writer = await open_connection(server)
    head = request_head()
    pieces = 5
    for i in range(pieces):
        writer.write(head[i * len(head) // pieces : (i + 1) * len(head) // pieces])
        await asyncio.sleep(HEADER_DEADLINE * 0.6 / pieces)
    for i in range(pieces):
        writer.write(BODY[i * len(BODY) // pieces : (i + 1) * len(BODY) // pieces])
        await asyncio.sleep(BODY_DEADLINE * 0.6 / pieces)
    status, body = await read_response(reader)
    assert (status, orjson.loads(body)) == (200, ANSWER)
    await asyncio.sleep(IDLE_DEADLINE * 0.6)
    writer.write(request_head(keep_alive=False) + BODY)
    status, body = await read_response(reader)
    assert (status, orjson.loads(body)) == (200, ANSWER)
    writer.close()


async def test_a_websocket_outlives_the_http_deadlines(server: Server) -> None:
    """After the upgrade only the WebSocket's own timeouts apply."""
    url = f"ws://{server.host}:{server.port}/graphql"
    async with connect(
        url, subprotocols=[Subprotocol("graphql-transport-ws")], open_timeout=WAIT
    ) as websocket:
        await websocket.send(orjson.dumps({"type": "connection_init"}).decode())
        async with asyncio.timeout(WAIT):
            assert orjson.loads(await websocket.recv()) == {"type": "connection_ack"}
        await asyncio.sleep(max(HEADER_DEADLINE, BODY_DEADLINE, IDLE_DEADLINE) + 0.5)
        query = {"query": '{ echo(msg: "slow") }'}
        await websocket.send(
            orjson.dumps({"id": "1", "type": "subscribe", "payload": query}).decode()
        )
        async with asyncio.timeout(WAIT):
            message = orjson.loads(await websocket.recv())
        assert message == {"id": "1", "type": "next", "payload": ANSWER}


async def test_hundreds_of_stalled_connections_neither_block_nor_stay(server: Server) -> None:
    """Idle, partial-header and stalled-body connections: a normal request is still answered
    while they hang, and every one of them is closed by its deadline."""
    openings = [b"", b"POST /graphql HTTP/1.1\r\nhost: te", request_head() + BODY[:5]]
    connections = []
    for i in range(STALLED_CONNECTIONS):
        reader, writer = await open_connection(server)
        writer.write(openings[i % len(openings)])
        connections.append((reader, writer))
    try:
        async with httpx.AsyncClient(timeout=WAIT) as client:
            response = await client.post(
                server.running.graphql_url,
                content=BODY,
                headers={"content-type": "application/json"},
            )
        assert response.json() == ANSWER
        async with asyncio.timeout(max(HEADER_DEADLINE, BODY_DEADLINE, IDLE_DEADLINE) + MARGIN):
            closings = await asyncio.gather(*(until_closed(r) for r, _ in connections))
    finally:
        for _, writer in connections:
            writer.close()
    assert all(received == b"" or received.startswith(b"HTTP/1.1 408 ") for received, _ in closings)
    assert sum(received.startswith(b"HTTP/1.1 408 ") for received, _ in closings) == len(
        [i for i in range(STALLED_CONNECTIONS) if openings[i % len(openings)]]
    )


@pytest.mark.parametrize("padding", [12 * 1024, 20 * 1024])
async def test_incomplete_request_headers_are_bounded_in_size(server: Server, padding: int) -> None:
    """Headers still arriving may hold 16 KiB, as h11 allows: more gets 431 (httptools) or
    400 (h11) as soon as it arrives, not a 408 at the deadline."""
    reader, writer = await open_connection(server)
    head = request_head(keep_alive=False)
    writer.write(head[:-2] + b"x-padding: " + b"a" * padding)
    if padding < 16 * 1024:
        await asyncio.sleep(HEADER_DEADLINE / 4)
        writer.write(b"\r\n\r\n" + BODY)
    received, _ = await until_closed(reader)
    writer.close()
    status = int(received.split(b" ", 2)[1])
    if padding < 16 * 1024:
        assert status == 200, received
    else:
        assert status in (400, 431), received
