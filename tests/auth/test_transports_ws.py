"""All five authorization modes over WebSockets, against one server process: AppSync's
real-time protocol (raw, and through gql's AppSync transport), graphql-transport-ws and the
legacy graphql-ws protocol. Messages are published with HTTP mutations (API key)."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
import pytest
from gql import Client, GraphQLRequest
from gql.transport.appsync_auth import AppSyncApiKeyAuthentication, AppSyncJWTAuthentication
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport
from gql.transport.websockets import WebsocketsTransport
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.auth.support_jwt import cognito_claims, token
from tests.auth.support_sigv4 import appsync_websocket_headers
from tests.auth.support_transports import (
    ACCESS_KEY,
    COGNITO_ISSUER,
    REGION,
    SECRET,
    AllModesApi,
    all_modes_api,
)
from tests.support.sockets import receive, send

WAIT = 10.0  # seconds; bounds every wait
RETRY = 0.2  # seconds between publications while a gql subscription may not listen yet
GRAPHQL_WS = Subprotocol("graphql-ws")
TRANSPORT_WS = Subprotocol("graphql-transport-ws")

ON_POST = "subscription($room: String!) { onPost(room: $room) { room body } }"
ON_POST_IAM = "subscription($room: String!) { onPostIam(room: $room) { room body } }"
POST = "mutation($room: String!, $body: String!) { post(room: $room, body: $body) { room body } }"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AllModesApi]:
    with all_modes_api(
        tmp_path_factory.mktemp("all-modes-ws"), tmp_path_factory.mktemp("all-modes-ws-logs")
    ) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        yield client


def new_room() -> str:
    return f"room-{uuid.uuid4().hex[:10]}"


async def publish(http: httpx.AsyncClient, api: AllModesApi, room: str, body: str) -> None:
    response = await http.post(
        api.server.graphql_url,
        json={"query": POST, "variables": {"room": room, "body": body}},
        headers={"x-api-key": api.api_key},
    )
    assert response.json() == {"data": {"post": {"room": room, "body": body}}}, response.text


def ws_url(api: AllModesApi) -> str:
    return api.server.url.replace("http://", "ws://", 1) + "/graphql"


# AppSync real-time, raw ------------------------------------------------------------------------

Header = Callable[[AllModesApi], dict[str, str]]


def _iam_header(secret: str = SECRET) -> Header:
    return lambda api: appsync_websocket_headers(api.host, ACCESS_KEY, secret, REGION)


HANDSHAKES: dict[str, Header] = {
    "api-key": lambda api: {"host": api.host, "x-api-key": api.api_key},
    "cognito": lambda api: {"host": api.host, "Authorization": api.cognito_token()},
    "oidc": lambda api: {"host": api.host, "Authorization": api.oidc_token()},
    "iam": _iam_header(),
    "lambda": lambda api: {"host": api.host, "Authorization": "allow-frank"},
}

BAD_HANDSHAKES: dict[str, tuple[Header, str]] = {
    "missing": (lambda api: {"host": api.host}, "You are not authorized to make this call."),
    "api-key-deleted": (
        lambda api: {"host": api.host, "x-api-key": api.deleted_api_key},
        "You are not authorized to make this call.",
    ),
    "api-key-expired": (
        lambda api: {"host": api.host, "x-api-key": api.expired_api_key},
        "You are not authorized to make this call.",
    ),
    "cognito-expired": (
        lambda api: {"host": api.host, "Authorization": api.cognito_token(lifetime=-600)},
        "Token has expired.",
    ),
    "cognito-bad-signature": (
        lambda api: {
            "host": api.host,
            "Authorization": token(api.foreign_cognito_key, cognito_claims(COGNITO_ISSUER)),
        },
        "Token signature is not valid.",
    ),
    "oidc-wrong-audience": (
        lambda api: {"host": api.host, "Authorization": api.oidc_token(audience="nobody")},
        "Token was not issued to a client this API accepts.",
    ),
    "lambda-denied": (
        lambda api: {"host": api.host, "Authorization": "let-me-in"},
        "You are not authorized to make this call.",
    ),
}


def header_url(api: AllModesApi, header: dict[str, str]) -> str:
    encoded = base64.b64encode(orjson.dumps(header)).decode()
    return f"{ws_url(api)}?header={encoded}&payload=e30="


async def closed(websocket: ClientConnection) -> int:
    """Wait for the server to close the socket; its close code."""
    with pytest.raises(ConnectionClosed):
        async with asyncio.timeout(WAIT):
            while True:
                await websocket.recv()
    close = websocket.protocol.close_rcvd
    assert close is not None, "closed without a close frame"
    return close.code


@asynccontextmanager
async def appsync(api: AllModesApi, header: dict[str, str]) -> AsyncIterator[ClientConnection]:
    """A connection whose handshake was acknowledged."""
    async with connect(
        header_url(api, header), subprotocols=[GRAPHQL_WS], open_timeout=WAIT
    ) as websocket:
        await send(websocket, {"type": "connection_init"})
        ack = await receive(websocket)
        assert ack["type"] == "connection_ack", ack
        yield websocket


def start(
    operation_id: str, query: str, room: str, authorization: dict[str, str] | None = None
) -> tuple[dict[str, Any], str]:
    data = orjson.dumps({"query": query, "variables": {"room": room}}).decode()
    payload: dict[str, Any] = {"data": data}
    if authorization is not None:
        payload["extensions"] = {"authorization": authorization}
    return {"id": operation_id, "type": "start", "payload": payload}, data


@pytest.mark.parametrize("mode", list(HANDSHAKES))
async def test_a_good_handshake_is_acknowledged_and_its_caller_subscribes(
    api: AllModesApi, http: httpx.AsyncClient, mode: str
) -> None:
    """A start without `extensions.authorization` runs as the connection's caller."""
    room = new_room()
    async with appsync(api, HANDSHAKES[mode](api)) as websocket:
        await send(websocket, start("1", ON_POST, room)[0])
        assert await receive(websocket) == {"type": "start_ack", "id": "1"}
        await publish(http, api, room, f"hello {mode}")
        assert await receive(websocket) == {
            "type": "data",
            "id": "1",
            "payload": {"data": {"onPost": {"room": room, "body": f"hello {mode}"}}},
        }


@pytest.mark.parametrize("case", [*BAD_HANDSHAKES, "iam-wrong-secret"])
async def test_a_bad_handshake_gets_connection_error_401(api: AllModesApi, case: str) -> None:
    if case == "iam-wrong-secret":
        header, message = _iam_header("not-the-secret")(api), None
    else:
        make, message = BAD_HANDSHAKES[case]
        header = make(api)
    async with connect(
        header_url(api, header), subprotocols=[GRAPHQL_WS], open_timeout=WAIT
    ) as websocket:
        # Refused at the handshake: the error comes without waiting for connection_init.
        refused = await receive(websocket)
        assert refused["type"] == "connection_error", refused
        (error,) = refused["payload"]["errors"]
        assert error["errorCode"] == 401
        if message is not None:
            assert (error["errorType"], error["message"]) == ("UnauthorizedException", message)
        else:
            assert error["errorType"] == "InvalidSignatureException"
        await closed(websocket)


async def test_a_start_is_authorized_by_its_own_credentials(
    api: AllModesApi, http: httpx.AsyncClient
) -> None:
    room = new_room()
    async with appsync(api, {"host": api.host, "x-api-key": api.api_key}) as websocket:
        cognito = {"host": api.host, "Authorization": api.cognito_token()}
        await send(websocket, start("cognito", ON_POST, room, cognito)[0])
        assert await receive(websocket) == {"type": "start_ack", "id": "cognito"}

        message, data = start("iam", ON_POST_IAM, room)
        message["payload"]["extensions"] = {
            "authorization": appsync_websocket_headers(
                api.host, ACCESS_KEY, SECRET, REGION, data=data
            )
        }
        await send(websocket, message)
        assert await receive(websocket) == {"type": "start_ack", "id": "iam"}

        for operation_id, authorization in [
            ("expired", {"host": api.host, "Authorization": api.cognito_token(lifetime=-600)}),
            ("deleted", {"host": api.host, "x-api-key": api.deleted_api_key}),
            ("lambda-denied", {"host": api.host, "Authorization": "let-me-in"}),
        ]:
            await send(websocket, start(operation_id, ON_POST, room, authorization)[0])
            refused = await receive(websocket)
            assert (refused["type"], refused["id"]) == ("error", operation_id), refused
            assert [error["errorType"] for error in refused["payload"]["errors"]] == [
                "UnauthorizedException"
            ]

        # An IAM signature over other data does not authorize this start.
        message, _ = start("iam-replayed", ON_POST_IAM, new_room())
        message["payload"]["extensions"] = {
            "authorization": appsync_websocket_headers(
                api.host, ACCESS_KEY, SECRET, REGION, data=data
            )
        }
        await send(websocket, message)
        refused = await receive(websocket)
        assert (refused["type"], refused["id"]) == ("error", "iam-replayed"), refused

        await publish(http, api, room, "both")
        got = {(await receive(websocket))["id"] for _ in range(2)}
        assert got == {"cognito", "iam"}


@pytest.mark.parametrize("mode", ["api-key", "cognito", "oidc", "lambda"])
async def test_a_subscription_the_mode_may_not_read(api: AllModesApi, mode: str) -> None:
    async with appsync(api, HANDSHAKES[mode](api)) as websocket:
        await send(websocket, start("1", ON_POST_IAM, new_room())[0])
        refused = await receive(websocket)
        assert (refused["type"], refused["id"]) == ("error", "1"), refused
        assert [
            (error["errorType"], error["message"]) for error in refused["payload"]["errors"]
        ] == [("Unauthorized", "Not Authorized to access onPostIam on type Subscription")]


async def test_a_subscription_ends_when_its_token_expires(
    api: AllModesApi, http: httpx.AsyncClient
) -> None:
    room = new_room()
    async with appsync(api, {"host": api.host, "x-api-key": api.api_key}) as websocket:
        short = {"host": api.host, "Authorization": api.cognito_token(lifetime=3)}
        await send(websocket, start("short", ON_POST, room, short)[0])
        assert await receive(websocket) == {"type": "start_ack", "id": "short"}
        await send(websocket, start("long", ON_POST, room)[0])
        assert await receive(websocket) == {"type": "start_ack", "id": "long"}
        expired = await receive(websocket)
        assert expired == {
            "type": "error",
            "id": "short",
            "payload": {
                "errors": [
                    {
                        "errorType": "UnauthorizedException",
                        "message": "The credentials of this subscription expired.",
                    }
                ]
            },
        }
        # The connection and its other subscription go on.
        await publish(http, api, room, "after")
        delivered = await receive(websocket)
        assert (delivered["type"], delivered["id"]) == ("data", "long"), delivered


# graphql-transport-ws and legacy graphql-ws ----------------------------------------------------

INIT_PAYLOADS: dict[str, Callable[[AllModesApi], dict[str, Any]]] = {
    "api-key": lambda api: {"x-api-key": api.api_key},
    "cognito-under-headers": lambda api: {"headers": {"Authorization": api.cognito_token()}},
    "oidc": lambda api: {"Authorization": api.oidc_token()},
    "lambda": lambda api: {"authorization": "allow-gus"},
}
BAD_INIT_PAYLOADS: dict[str, Callable[[AllModesApi], dict[str, Any]]] = {
    "missing": lambda api: {},
    "api-key-deleted": lambda api: {"x-api-key": api.deleted_api_key},
    "cognito-expired": lambda api: {"Authorization": api.cognito_token(lifetime=-600)},
    "lambda-denied": lambda api: {"headers": {"authorization": "let-me-in"}},
}


@pytest.mark.parametrize("case", list(INIT_PAYLOADS))
async def test_transport_ws_accepts_good_init_payloads(api: AllModesApi, case: str) -> None:
    async with connect(ws_url(api), subprotocols=[TRANSPORT_WS], open_timeout=WAIT) as websocket:
        await send(websocket, {"type": "connection_init", "payload": INIT_PAYLOADS[case](api)})
        assert (await receive(websocket))["type"] == "connection_ack"


async def test_transport_ws_takes_upgrade_headers(api: AllModesApi) -> None:
    async with connect(
        ws_url(api),
        subprotocols=[TRANSPORT_WS],
        additional_headers={"x-api-key": api.api_key},
        open_timeout=WAIT,
    ) as websocket:
        await send(websocket, {"type": "connection_init", "payload": {}})
        assert (await receive(websocket))["type"] == "connection_ack"


@pytest.mark.parametrize("case", list(BAD_INIT_PAYLOADS))
async def test_transport_ws_refuses_bad_init_payloads_with_4403(
    api: AllModesApi, case: str
) -> None:
    async with connect(ws_url(api), subprotocols=[TRANSPORT_WS], open_timeout=WAIT) as websocket:
        await send(websocket, {"type": "connection_init", "payload": BAD_INIT_PAYLOADS[case](api)})
        assert await closed(websocket) == 4403


@pytest.mark.parametrize("case", ["missing", "cognito-expired"])
async def test_legacy_graphql_ws_refuses_with_connection_error(api: AllModesApi, case: str) -> None:
    async with connect(ws_url(api), subprotocols=[GRAPHQL_WS], open_timeout=WAIT) as websocket:
        await send(websocket, {"type": "connection_init", "payload": BAD_INIT_PAYLOADS[case](api)})
        refused = await receive(websocket)
        assert refused["type"] == "connection_error", refused


async def test_legacy_graphql_ws_accepts_a_good_payload(api: AllModesApi) -> None:
    async with connect(ws_url(api), subprotocols=[GRAPHQL_WS], open_timeout=WAIT) as websocket:
        await send(websocket, {"type": "connection_init", "payload": {"x-api-key": api.api_key}})
        assert await receive(websocket) == {"type": "connection_ack"}


async def _first_delivery(
    session: Any, http: httpx.AsyncClient, api: AllModesApi, query: str
) -> dict[str, Any]:
    """Subscribe through gql and publish until a message arrives (gql hides the ack)."""
    room = new_room()
    stream = session.subscribe(GraphQLRequest(query, variable_values={"room": room}))
    pending = asyncio.ensure_future(anext(stream))
    try:
        async with asyncio.timeout(WAIT):
            n = 0
            while not pending.done():
                await publish(http, api, room, f"ready-{n}")
                await asyncio.wait({pending}, timeout=RETRY)
                n += 1
        result: dict[str, Any] = pending.result()
        assert result["onPost"]["room"] == room
        return result
    finally:
        pending.cancel()
        await stream.aclose()


async def test_gql_transport_ws_with_a_token_in_the_init_payload(
    api: AllModesApi, http: httpx.AsyncClient
) -> None:
    transport = WebsocketsTransport(
        url=ws_url(api),
        init_payload={"Authorization": api.cognito_token()},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    async with Client(transport=transport) as session:
        result = await _first_delivery(session, http, api, ON_POST)
        assert result["onPost"]["body"].startswith("ready-")


# gql's AppSync transport ---------------------------------------------------------------------


@pytest.mark.parametrize("auth", ["api-key", "jwt"])
async def test_gql_appsync_transport_receives_a_delivery(
    api: AllModesApi, http: httpx.AsyncClient, auth: str
) -> None:
    authentication = (
        AppSyncApiKeyAuthentication(host=api.host, api_key=api.api_key)
        if auth == "api-key"
        else AppSyncJWTAuthentication(host=api.host, jwt=api.cognito_token())
    )
    transport = AppSyncWebsocketsTransport(url=ws_url(api), auth=authentication)
    async with Client(transport=transport) as session:
        result = await _first_delivery(session, http, api, ON_POST)
        assert result["onPost"]["body"].startswith("ready-")
