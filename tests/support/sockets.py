"""Raw clients for the three WebSocket protocols, shared by the tests: AppSync's real-time
protocol (`graphql-ws` subprotocol with a `header` query parameter), graphql-transport-ws and
the legacy graphql-ws protocol. Every wait is bounded by `WAIT`."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

WAIT = 10.0
GRAPHQL_WS = Subprotocol("graphql-ws")
TRANSPORT_WS = Subprotocol("graphql-transport-ws")


def ws_url(http_url: str) -> str:
    """`ws://host:port/graphql` for a server's `http://host:port`."""
    return http_url.replace("http://", "ws://", 1) + "/graphql"


def appsync_url(http_url: str, header: dict[str, str]) -> str:
    encoded = base64.b64encode(orjson.dumps(header)).decode()
    return f"{ws_url(http_url)}?header={encoded}&payload=e30="


async def send(websocket: ClientConnection, message: dict[str, Any]) -> None:
    await websocket.send(orjson.dumps(message).decode())


async def receive(websocket: ClientConnection, *, keep_alive: bool = False) -> dict[str, Any]:
    """The next message; keep-alives (`ka`, `ping`) are skipped unless `keep_alive`."""
    async with asyncio.timeout(WAIT):
        while True:
            message: dict[str, Any] = orjson.loads(await websocket.recv())
            if keep_alive or message.get("type") not in ("ka", "ping"):
                return message


@dataclass(frozen=True)
class Closed:
    code: int
    reason: str
    messages: list[dict[str, Any]]
    """What arrived before the close frame (keep-alives left out)."""
    at: float
    """`time.monotonic()` when the close was seen."""


async def closed(websocket: ClientConnection, wait: float = WAIT) -> Closed:
    """Read until the server closes the socket; its close frame and what came before it."""
    messages: list[dict[str, Any]] = []
    with pytest.raises(ConnectionClosed):
        async with asyncio.timeout(wait):
            while True:
                message = orjson.loads(await websocket.recv())
                if message.get("type") not in ("ka", "ping"):
                    messages.append(message)
    close = websocket.protocol.close_rcvd
    assert close is not None, "closed without a close frame"
    return Closed(close.code, close.reason, messages, time.monotonic())


async def still_open(websocket: ClientConnection, seconds: float) -> list[dict[str, Any]]:
    """Listen for `seconds`; fails if the server closes the socket meanwhile. What arrived."""
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            raw = await asyncio.wait_for(websocket.recv(), left)
        except TimeoutError:
            break
        messages.append(orjson.loads(raw))
    return messages


def appsync_start(
    operation_id: str,
    query: str,
    variables: dict[str, Any],
    authorization: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A `start`; with `authorization`, authorized by it rather than the connection's."""
    payload: dict[str, Any] = {
        "data": orjson.dumps({"query": query, "variables": variables}).decode()
    }
    if authorization is not None:
        payload["extensions"] = {"authorization": authorization}
    return {"id": operation_id, "type": "start", "payload": payload}


@asynccontextmanager
async def appsync(
    http_url: str, header: dict[str, str], *, init: bool = True
) -> AsyncIterator[ClientConnection]:
    """An AppSync real-time socket, acknowledged unless `init` is False."""
    async with connect(
        appsync_url(http_url, header), subprotocols=[GRAPHQL_WS], open_timeout=WAIT
    ) as websocket:
        if init:
            await send(websocket, {"type": "connection_init"})
            ack = await receive(websocket)
            assert ack["type"] == "connection_ack", ack
        yield websocket


@asynccontextmanager
async def transport_ws(
    http_url: str, payload: dict[str, Any] | None, *, init: bool = True
) -> AsyncIterator[ClientConnection]:
    """A graphql-transport-ws socket, acknowledged with `payload` unless `init` is False."""
    async with connect(ws_url(http_url), subprotocols=[TRANSPORT_WS], open_timeout=WAIT) as ws:
        if init:
            await send(ws, {"type": "connection_init", "payload": payload or {}})
            ack = await receive(ws)
            assert ack["type"] == "connection_ack", ack
        yield ws


@asynccontextmanager
async def legacy_ws(
    http_url: str, payload: dict[str, Any] | None, *, init: bool = True
) -> AsyncIterator[ClientConnection]:
    """A legacy graphql-ws socket, acknowledged with `payload` unless `init` is False."""
    async with connect(ws_url(http_url), subprotocols=[GRAPHQL_WS], open_timeout=WAIT) as ws:
        if init:
            await send(ws, {"type": "connection_init", "payload": payload or {}})
            ack = await receive(ws)
            assert ack["type"] == "connection_ack", ack
        yield ws
