"""The Runtime API server on a real loopback socket, spoken to as the runtime clients do.

The worker side is a small recording channel, so the HTTP contract is checked byte for byte:
Lambda's `next` headers, keep-alive, and a clear 4xx for what the clients never send (chunked
bodies, oversized headers or bodies and malformed requests, then a close; unknown paths and
request ids).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_asyncio

from app.functions.base import SYNC_PAYLOAD_LIMIT
from app.functions.runtime_api import PREFIX, Invocation, Outcome, RuntimeApiServer

TIMEOUT = 5.0


class RecordingChannel:
    def __init__(self) -> None:
        self.handed: list[Invocation | None] = []
        self.outcomes: list[tuple[str, Outcome]] = []
        self.init_errors: list[tuple[bytes, str | None]] = []

    async def next_invocation(self) -> Invocation | None:
        if self.handed:
            return self.handed.pop(0)
        await asyncio.get_running_loop().create_future()  # until cancelled
        return None

    def invocation_done(self, request_id: str, outcome: Outcome) -> bool:
        self.outcomes.append((request_id, outcome))
        return request_id == "current-id"

    def init_failed(self, document: bytes, error_type: str | None) -> None:
        self.init_errors.append((document, error_type))


@pytest_asyncio.fixture(loop_scope="session")
async def api() -> AsyncIterator[tuple[RuntimeApiServer, RecordingChannel]]:
    channel = RecordingChannel()
    server = RuntimeApiServer(channel)
    await server.start()
    yield server, channel
    await server.close()


async def exchange(server: RuntimeApiServer, request: bytes) -> bytes:
    """Send `request` on a new connection; everything the server writes until it closes."""
    host, port = server.address.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        return await asyncio.wait_for(reader.read(), TIMEOUT)
    finally:
        writer.close()


def post(path: str, body: bytes, *headers: str) -> bytes:
    head = "".join(f"{header}\r\n" for header in headers)
    return (
        f"POST {PREFIX}{path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n{head}\r\n"
    ).encode() + body


async def test_next_gives_the_event_with_lambdas_headers_and_keeps_the_connection(
    api: tuple[RuntimeApiServer, RecordingChannel],
) -> None:
    server, channel = api
    channel.handed.append(
        Invocation(
            "current-id", b'{"a":1}', "arn:fn", 1234, "Root=1-x", client_context="e30=\r\nX: y"
        )
    )
    request = f"GET {PREFIX}/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n".encode() + post(
        "/invocation/current-id/response", b'"ok"', "Connection: close"
    )
    answer = await exchange(server, request)

    first, second = answer.split(b'{"a":1}')
    assert first.startswith(b"HTTP/1.1 200 OK\r\n")
    for header in (
        b"Lambda-Runtime-Aws-Request-Id: current-id",
        b"Lambda-Runtime-Deadline-Ms: 1234",
        b"Lambda-Runtime-Invoked-Function-Arn: arn:fn",
        b"Lambda-Runtime-Trace-Id: Root=1-x",
        b"Lambda-Runtime-Client-Context: e30=  X: y",  # a line break cannot end the header
        b"Content-Length: 7",
    ):
        assert header + b"\r\n" in first
    assert second.startswith(b"HTTP/1.1 202 Accepted\r\n")
    assert second.endswith(b'{"status":"OK"}')
    assert channel.outcomes == [("current-id", Outcome(b'"ok"'))]


async def test_errors_and_init_errors_reach_the_worker_side(
    api: tuple[RuntimeApiServer, RecordingChannel],
) -> None:
    server, channel = api
    error_type = "Lambda-Runtime-Function-Error-Type: Runtime.Boom"
    close = "Connection: close"
    failed = await exchange(server, post("/invocation/current-id/error", b"{}", error_type, close))
    init = await exchange(server, post("/init/error", b'{"e":1}', error_type, close))
    unknown = await exchange(server, post("/invocation/other-id/response", b"1", close))

    assert failed.startswith(b"HTTP/1.1 202 ")
    assert init.startswith(b"HTTP/1.1 202 ")
    assert unknown.startswith(b"HTTP/1.1 400 ")
    assert b'"errorType":"InvalidRequestID"' in unknown
    assert channel.outcomes == [
        ("current-id", Outcome(b"{}", "Runtime.Boom")),
        ("other-id", Outcome(b"1")),
    ]
    assert channel.init_errors == [(b'{"e":1}', "Runtime.Boom")]


async def test_what_the_clients_never_send_gets_a_4xx(
    api: tuple[RuntimeApiServer, RecordingChannel],
) -> None:
    server, channel = api
    chunked = (
        f"POST {PREFIX}/invocation/current-id/response HTTP/1.1\r\n"
        "Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"
    ).encode()
    too_large = (
        f"POST {PREFIX}/invocation/current-id/response HTTP/1.1\r\n"
        f"Content-Length: {SYNC_PAYLOAD_LIMIT + 2 * 1024 * 1024}\r\n\r\n"
    ).encode()
    long_headers = f"GET {PREFIX}/invocation/next HTTP/1.1\r\nX: ".encode() + b"a" * 70_000
    cases = {
        chunked: b"400",
        too_large: b"413",
        long_headers: b"400",
        b"not http\r\n\r\n": b"400",
        f"GET {PREFIX}/init/error HTTP/1.1\r\nConnection: close\r\n\r\n".encode(): b"405",
        b"GET /elsewhere HTTP/1.1\r\nConnection: close\r\n\r\n": b"404",
    }
    for request, status in cases.items():
        answer = await exchange(server, request)  # returns only once the server closes
        assert answer.startswith(b"HTTP/1.1 " + status + b" "), (request[:60], answer)
    assert channel.outcomes == []


async def test_a_waiting_next_ends_when_the_server_closes(
    api: tuple[RuntimeApiServer, RecordingChannel],
) -> None:
    server, _ = api
    host, port = server.address.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET {PREFIX}/invocation/next HTTP/1.1\r\n\r\n".encode())
    await writer.drain()
    await asyncio.sleep(0.05)

    await asyncio.wait_for(server.close(), TIMEOUT)

    assert await asyncio.wait_for(reader.read(), TIMEOUT) == b""
    writer.close()
