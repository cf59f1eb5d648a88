"""Slow WebSocket clients are timed out on every protocol (issue 10, findings 6 and build 5):
a socket that sends no `connection_init` within `connectionInitTimeoutSeconds` is closed 4408,
and one with no subscription that sends nothing for `idleConnectionTimeoutSeconds` is closed
1000; a socket that behaves stays open. The server runs with 1 s and 2 s."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from tests.security.support_project import SUBSCRIBE, SocketsApi, sockets_api
from tests.support.sockets import (
    appsync,
    appsync_start,
    closed,
    legacy_ws,
    receive,
    send,
    still_open,
    transport_ws,
)

INIT_TIMEOUT = 1.0
IDLE_TIMEOUT = 2.0
MARGIN = 3.0
"""Seconds a close may come late on a loaded machine; it may never come early."""
EARLY = 0.1
"""Timer slack: a close this much before the deadline still counts as on time."""

Connect = Callable[[SocketsApi, bool], AbstractAsyncContextManager[ClientConnection]]

CONNECT: dict[str, Connect] = {
    "appsync": lambda api, init: appsync(api.url, api.header, init=init),
    "graphql-transport-ws": lambda api, init: transport_ws(
        api.url, {"x-api-key": api.api_key}, init=init
    ),
    "graphql-ws": lambda api, init: legacy_ws(api.url, {"x-api-key": api.api_key}, init=init),
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SocketsApi]:
    limits = (
        f"  connectionInitTimeoutSeconds: {INIT_TIMEOUT}\n"
        f"  idleConnectionTimeoutSeconds: {IDLE_TIMEOUT}\n"
    )
    with sockets_api(
        tmp_path_factory.mktemp("timeouts"), tmp_path_factory.mktemp("timeouts-logs"), limits
    ) as running:
        yield running


async def subscribe(protocol: str, websocket: ClientConnection, operation_id: str) -> None:
    variables: dict[str, Any] = {"eventId": "quiet"}
    if protocol == "appsync":
        await send(websocket, appsync_start(operation_id, SUBSCRIBE, variables))
        assert await receive(websocket) == {"type": "start_ack", "id": operation_id}
        return
    kind = "subscribe" if protocol == "graphql-transport-ws" else "start"
    payload = {"query": SUBSCRIBE, "variables": variables}
    await send(websocket, {"id": operation_id, "type": kind, "payload": payload})


async def unsubscribe(protocol: str, websocket: ClientConnection, operation_id: str) -> None:
    kind = {"appsync": "stop", "graphql-transport-ws": "complete", "graphql-ws": "stop"}[protocol]
    await send(websocket, {"id": operation_id, "type": kind})


@pytest.mark.parametrize("protocol", list(CONNECT))
async def test_no_connection_init_closes_4408(api: SocketsApi, protocol: str) -> None:
    opened = time.monotonic()
    async with CONNECT[protocol](api, False) as websocket:
        close = await closed(websocket)
    assert (close.code, close.reason) == (4408, "Connection initialisation timeout")
    assert INIT_TIMEOUT - EARLY <= close.at - opened < INIT_TIMEOUT + MARGIN
    if protocol == "graphql-transport-ws":
        assert close.messages == []  # the protocol says only the close code
    else:
        [error] = close.messages
        assert error["type"] == "connection_error"
        assert error["payload"]["errors"][0]["errorType"] == "ConnectionInitTimeoutError"


@pytest.mark.parametrize("protocol", list(CONNECT))
async def test_an_idle_socket_is_closed(api: SocketsApi, protocol: str) -> None:
    async with CONNECT[protocol](api, True) as websocket:
        quiet_since = time.monotonic()
        close = await closed(websocket)
    assert (close.code, close.reason) == (1000, "Idle connection timeout")
    assert IDLE_TIMEOUT - EARLY <= close.at - quiet_since < IDLE_TIMEOUT + MARGIN


@pytest.mark.parametrize("protocol", list(CONNECT))
async def test_a_socket_with_a_subscription_is_not_idle(api: SocketsApi, protocol: str) -> None:
    async with CONNECT[protocol](api, True) as websocket:
        await subscribe(protocol, websocket, "live")
        # Past both timeouts, sending nothing: the subscription keeps the socket.
        await still_open(websocket, INIT_TIMEOUT + IDLE_TIMEOUT + 0.5)
        await unsubscribe(protocol, websocket, "live")
        stopped = time.monotonic()
        close = await closed(websocket)
    assert (close.code, close.reason) == (1000, "Idle connection timeout")
    assert IDLE_TIMEOUT - EARLY <= close.at - stopped < IDLE_TIMEOUT + MARGIN


@pytest.mark.parametrize("protocol", list(CONNECT))
async def test_messages_keep_a_socket_open(api: SocketsApi, protocol: str) -> None:
    async with CONNECT[protocol](api, True) as websocket:
        # A message every 1.2 s (under the 2 s idle timeout), four times: 4.8 s in all.
        for round_ in range(4):
            await still_open(websocket, IDLE_TIMEOUT * 0.6)
            await subscribe(protocol, websocket, f"op-{round_}")
            await unsubscribe(protocol, websocket, f"op-{round_}")
        assert websocket.close_code is None
