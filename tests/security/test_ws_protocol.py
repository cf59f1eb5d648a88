"""The WebSocket protocol rules of issue 10's finding 9, on each protocol: `connection_init`
comes first and once (a `start`/`subscribe` before it closes 4401, a second one 4429), and the
legacy graphql-ws protocol refuses a connection with `connection_error` and 4403, not 1011."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.security.support_project import SUBSCRIBE, SocketsApi, sockets_api
from tests.support.sockets import (
    appsync,
    appsync_start,
    closed,
    legacy_ws,
    receive,
    send,
    transport_ws,
)

UNAUTHORIZED = "UnauthorizedException"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SocketsApi]:
    with sockets_api(
        tmp_path_factory.mktemp("protocol"), tmp_path_factory.mktemp("protocol-logs")
    ) as running:
        yield running


# AppSync real-time ------------------------------------------------------------------------------


async def test_appsync_start_before_connection_init_closes_4401(api: SocketsApi) -> None:
    async with appsync(api.url, api.header, init=False) as websocket:
        await send(websocket, appsync_start("early", SUBSCRIBE, {"eventId": "e"}))
        close = await closed(websocket)
    assert (close.code, close.reason) == (4401, "Unauthorized")
    [error] = close.messages
    assert (error["type"], error["id"]) == ("error", "early")
    assert error["payload"]["errors"][0]["errorType"] == "ConnectionNotInitializedError"


async def test_appsync_second_connection_init_closes_4429(api: SocketsApi) -> None:
    async with appsync(api.url, api.header) as websocket:  # acknowledged once
        await send(websocket, {"type": "connection_init"})
        close = await closed(websocket)
    assert (close.code, close.reason) == (4429, "Too many initialisation requests")
    [error] = close.messages
    assert error["type"] == "error" and "id" not in error
    assert error["payload"]["errors"][0]["errorType"] == "DuplicateConnectionInitError"


async def test_appsync_refused_handshake_is_a_connection_error(api: SocketsApi) -> None:
    async with appsync(api.url, {"host": api.host}, init=False) as websocket:
        close = await closed(websocket)
    assert close.code == 1008
    [error] = close.messages
    assert error["type"] == "connection_error"
    assert error["payload"]["errors"][0]["errorType"] == UNAUTHORIZED
    assert error["payload"]["errors"][0]["errorCode"] == 401


# graphql-transport-ws (Strawberry's rules, pinned) ----------------------------------------------


async def test_transport_ws_subscribe_before_ack_closes_4401(api: SocketsApi) -> None:
    async with transport_ws(api.url, None, init=False) as websocket:
        payload = {"query": SUBSCRIBE, "variables": {"eventId": "e"}}
        await send(websocket, {"id": "early", "type": "subscribe", "payload": payload})
        close = await closed(websocket)
    assert (close.code, close.reason) == (4401, "Unauthorized")


async def test_transport_ws_second_connection_init_closes_4429(api: SocketsApi) -> None:
    async with transport_ws(api.url, {"x-api-key": api.api_key}) as websocket:
        await send(websocket, {"type": "connection_init", "payload": {"x-api-key": api.api_key}})
        close = await closed(websocket)
    assert (close.code, close.reason) == (4429, "Too many initialisation requests")


async def test_transport_ws_refused_connection_closes_4403(api: SocketsApi) -> None:
    async with transport_ws(api.url, None, init=False) as websocket:
        await send(websocket, {"type": "connection_init", "payload": {"x-api-key": "da2-nope"}})
        close = await closed(websocket)
    assert (close.code, close.reason) == (4403, "Forbidden")


# Legacy graphql-ws ------------------------------------------------------------------------------


async def test_legacy_refused_connection_is_a_connection_error_then_4403(
    api: SocketsApi,
) -> None:
    async with legacy_ws(api.url, None, init=False) as websocket:
        await send(websocket, {"type": "connection_init", "payload": {}})
        close = await closed(websocket)
    assert (close.code, close.reason) == (4403, "Forbidden")
    [error] = close.messages
    assert error == {
        "type": "connection_error",
        "payload": {
            "errors": [
                {"errorType": UNAUTHORIZED, "message": "You are not authorized to make this call."}
            ]
        },
    }


async def test_legacy_second_connection_init_closes_4429(api: SocketsApi) -> None:
    async with legacy_ws(api.url, {"x-api-key": api.api_key}) as websocket:
        await send(websocket, {"type": "connection_init", "payload": {"x-api-key": api.api_key}})
        close = await closed(websocket)
    assert (close.code, close.reason) == (4429, "Too many initialisation requests")
    [error] = close.messages
    assert error["type"] == "connection_error"
    assert error["payload"]["errors"][0]["errorType"] == "DuplicateConnectionInitError"


async def test_legacy_start_before_connection_init_closes_4401(api: SocketsApi) -> None:
    async with legacy_ws(api.url, None, init=False) as websocket:
        payload = {"query": SUBSCRIBE, "variables": {"eventId": "e"}}
        await send(websocket, {"id": "early", "type": "start", "payload": payload})
        close = await closed(websocket)
    assert (close.code, close.reason) == (4401, "Unauthorized")


async def test_legacy_init_payload_that_is_not_an_object_closes_4400(api: SocketsApi) -> None:
    async with legacy_ws(api.url, None, init=False) as websocket:
        await send(websocket, {"type": "connection_init", "payload": "key"})
        close = await closed(websocket)
    assert close.code == 4400
    assert close.messages[0]["type"] == "connection_error"


async def test_legacy_acknowledged_connection_runs_operations(api: SocketsApi) -> None:
    async with legacy_ws(api.url, {"x-api-key": api.api_key}) as websocket:
        await send(
            websocket, {"id": "q", "type": "start", "payload": {"query": '{ echo(msg: "hi") }'}}
        )
        data = await receive(websocket)
    assert data == {"type": "data", "id": "q", "payload": {"data": {"echo": None}}}
