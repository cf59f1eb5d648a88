"""A loopback HTTP proxy in front of DynamoDB Local that answers scripted faults.

botocore's Stubber never exercises retries, so fault tests put this proxy between the client
and a real DynamoDB Local: each request either meets a fault (an AWS error body with its
status, a delay, a TCP reset before or after the engine saw it) or is forwarded unchanged.
The proxy counts every attempt it receives, per operation, which is how tests see the
client's retry behaviour (botocore's standard mode: 4 attempts for DynamoDB).
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp
from aiohttp import web

ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"
THROTTLED = {
    "__type": f"{ERROR_PREFIX}ProvisionedThroughputExceededException",
    "message": "The level of configured provisioned throughput for the table was exceeded.",
}
INTERNAL_SERVER_ERROR = {"__type": f"{ERROR_PREFIX}InternalServerError"}
SERVICE_UNAVAILABLE = {"__type": f"{ERROR_PREFIX}ServiceUnavailable"}


@dataclass
class Fault:
    """What the next `times` requests (for `operation`, or any) meet instead of a plain answer.

    `status`/`body`: answer this AWS error (or odd success) without asking the engine.
    `delay`: wait this long first; with no `status`, then forward the request as usual.
    `reset`: close the connection with a TCP reset; `after_engine` forwards the request first,
    so the engine applies it but its answer is lost (the case a retried write must survive).
    """

    times: int
    status: int = 0
    body: Any = None
    operation: str | None = None
    delay: float = 0.0
    reset: bool = False
    after_engine: bool = False

    def matches(self, operation: str) -> bool:
        return self.times > 0 and self.operation in (None, operation)


@dataclass
class RandomFaults:
    """Each request meets one of `choices` with probability `rate`, from a seeded generator;
    a choice with `times` > 1 is a burst that the next `times - 1` requests meet too."""

    seed: int
    rate: float
    choices: Sequence[Fault]
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def pick(self) -> Fault | None:
        if self.rng.random() >= self.rate:
            return None
        return self.rng.choice(list(self.choices))


@dataclass
class FaultProxy:
    """The proxy's state: its fault table, and every attempt it has seen."""

    upstream: str
    faults: list[Fault] = field(default_factory=list)
    chaos: RandomFaults | None = None
    attempts: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    url: str = ""
    _session: aiohttp.ClientSession | None = None

    def count(self, operation: str) -> int:
        return self.attempts.count(operation)

    def clear(self) -> None:
        self.faults.clear()
        self.chaos = None
        self.attempts.clear()
        self.headers.clear()
        self.injected.clear()

    def _next_fault(self, operation: str) -> Fault | None:
        for fault in self.faults:
            if fault.matches(operation):
                fault.times -= 1
                return fault
        picked = self.chaos.pick() if self.chaos is not None else None
        if picked is not None and picked.times > 1:
            # A burst: the requests that follow (the retries) meet the same fault.
            self.faults.append(replace(picked, times=picked.times - 1))
        return picked

    async def handle(self, request: web.Request) -> web.StreamResponse:
        target = request.headers.get("X-Amz-Target", "")
        operation = target.split(".", 1)[-1]
        self.attempts.append(operation)
        self.headers.append(dict(request.headers))
        body = await request.read()
        fault = self._next_fault(operation)
        if fault is None:
            return await self._forward(request, body)
        self.injected.append(_describe(fault))
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.reset:
            if fault.after_engine:
                await self._forward(request, body)
            _reset(request)
            return web.Response(status=500)  # never sent: the socket is gone
        if fault.status:
            return web.json_response(fault.body, status=fault.status)
        return await self._forward(request, body)

    async def _forward(self, request: web.Request, body: bytes) -> web.Response:
        assert self._session is not None
        async with self._session.post(
            self.upstream, data=body, headers=_forwarded(request)
        ) as upstream:
            return web.Response(
                body=await upstream.read(),
                status=upstream.status,
                content_type="application/x-amz-json-1.0",
            )


def _describe(fault: Fault) -> str:
    if fault.reset:
        return "reset-after-engine" if fault.after_engine else "reset"
    if fault.status:
        kind = fault.body.get("__type", "") if isinstance(fault.body, dict) else ""
        return f"{fault.status} {kind.rsplit('#', 1)[-1]}".strip()
    return f"delay {fault.delay}s"


def _reset(request: web.Request) -> None:
    """Abort the client's connection with RST (SO_LINGER 0), as a crashed peer would."""
    transport = request.transport
    if transport is None:
        return
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


def _forwarded(request: web.Request) -> dict[str, str]:
    keep = ("Content-Type", "X-Amz-Target", "X-Amz-Date", "X-Amz-Security-Token", "Authorization")
    return {name: request.headers[name] for name in keep if name in request.headers}


@asynccontextmanager
async def fault_proxy(upstream: str) -> AsyncIterator[FaultProxy]:
    """Run a `FaultProxy` for `upstream` on a free loopback port until the block ends."""
    proxy = FaultProxy(upstream=upstream)
    app = web.Application()
    app.router.add_post("/", proxy.handle)
    runner = web.AppRunner(app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    proxy.url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as session:
        proxy._session = session
        try:
            yield proxy
        finally:
            await runner.cleanup()
