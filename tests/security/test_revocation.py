"""Revoked credentials end every connection and subscription that relied on them, on every
WebSocket protocol, within about a second: an API key deleted with the real CLI (also seen by a
second server sharing the project directory) or past its expiry, a JWT past its `exp`, a
Lambda authorizer that refuses a token once its answer's TTL has passed, and an IAM access key
past its `expiration`. Queries sent over a revoked socket are refused."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.auth.api_keys import KEYS_FILE
from tests.auth.support_sigv4 import appsync_websocket_headers
from tests.auth.support_transports import (
    ACCESS_KEY,
    AUTHORIZER,
    REGION,
    SECRET,
    SETTINGS,
    AllModesApi,
    all_modes_api,
)
from tests.support.server import serve
from tests.support.sockets import (
    WAIT,
    appsync,
    appsync_start,
    closed,
    legacy_ws,
    receive,
    send,
    still_open,
    transport_ws,
)

STRAWSYNC = Path(sys.executable).with_name("strawsync")
"""The installed command line, as an operator runs it."""
DEADLINE = 3.0
"""Seconds from a revocation to the close: "within a second", with room for a loaded machine."""

ON_POST = "subscription($room: String!) { onPost(room: $room) { room body } }"
POST = "mutation($room: String!, $body: String!) { post(room: $room, body: $body) { room body } }"
UNAUTHORIZED = "UnauthorizedException"

# The transport tests' authorizer, plus `revocable-<name>` tokens: authorized for one second
# (`ttlOverride`) until the file `auth/revoked/<token>` exists. Every call is logged.
REVOCABLE_AUTHORIZER = (
    "from pathlib import Path\n\n"
    "HERE = Path(__file__).resolve().parent\n\n\n"
    + AUTHORIZER.replace("def handler(event, context):", "def _original(event, context):")
    + """

def handler(event, context):
    token = event["authorizationToken"]
    with (HERE / "calls.log").open("a") as log:
        log.write(token + "\\n")
    if token.startswith("revocable-"):
        if (HERE / "revoked" / token).exists():
            return {"isAuthorized": False}
        return {"isAuthorized": True, "resolverContext": {"who": token}, "ttlOverride": 1}
    return _original(event, context)
"""
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AllModesApi]:
    with all_modes_api(
        tmp_path_factory.mktemp("revocation"),
        tmp_path_factory.mktemp("revocation-logs"),
        {"auth/authorizer.py": REVOCABLE_AUTHORIZER},
    ) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        yield client


def new_room() -> str:
    return f"room-{uuid.uuid4().hex[:10]}"


def strawsync(*args: str) -> str:
    result = subprocess.run(
        [str(STRAWSYNC), *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def create_key(project: Path) -> tuple[str, str]:
    """A new key through the CLI: its id and the key."""
    out = strawsync("api-key", "create", "--project", str(project))
    key_id = re.search(r"^id: (\S+)$", out, re.MULTILINE)
    assert key_id is not None, out
    return key_id[1], out.splitlines()[-1]


def delete_key(project: Path, key_id: str) -> float:
    """Delete a key through the CLI; when the command returned (`time.monotonic()`)."""
    strawsync("api-key", "delete", key_id, "--project", str(project))
    return time.monotonic()


def expire_soon(project: Path, key_id: str, seconds: int) -> float:
    """Rewrite the key file so that key expires `seconds` from now; that moment (epoch)."""
    path = project / KEYS_FILE
    document = json.loads(path.read_text())
    expires = int(time.time()) + seconds
    for entry in document["keys"]:
        if entry["id"] == key_id:
            entry["expires"] = expires
    temporary = path.with_name(path.name + ".test")
    temporary.write_text(json.dumps(document))
    os.replace(temporary, path)
    return float(expires)


async def publish(http: httpx.AsyncClient, api: AllModesApi, room: str, body: str) -> None:
    response = await http.post(
        api.server.graphql_url,
        json={"query": POST, "variables": {"room": room, "body": body}},
        headers={"x-api-key": api.api_key},
    )
    assert response.json() == {"data": {"post": {"room": room, "body": body}}}, response.text


def error_types(message: dict[str, Any]) -> list[str]:
    payload = message["payload"]
    errors = payload["errors"] if isinstance(payload, dict) else payload
    return [error.get("errorType") or error["extensions"]["errorType"] for error in errors]


def assert_appsync_revoked(messages: list[dict[str, Any]], operation_ids: set[str]) -> None:
    """Each subscription on the connection's credentials got an error, then the socket one."""
    assert messages, "no error before the close"
    last = messages[-1]
    assert last["type"] == "error" and "id" not in last, messages
    assert error_types(last) == [UNAUTHORIZED]
    assert last["payload"]["errors"][0]["errorCode"] == 401
    errored = {m["id"] for m in messages if m["type"] == "error" and "id" in m}
    assert errored == operation_ids, messages
    assert all(error_types(m) == [UNAUTHORIZED] for m in messages if m["type"] == "error")


# API keys deleted with the CLI ------------------------------------------------------------------


async def test_a_deleted_key_closes_the_appsync_connection_it_opened(
    api: AllModesApi, http: httpx.AsyncClient
) -> None:
    key_id, key = create_key(api.project)
    room = new_room()
    async with appsync(api.server.url, {"host": api.host, "x-api-key": key}) as websocket:
        await send(websocket, appsync_start("sub", ON_POST, {"room": room}))
        assert await receive(websocket) == {"type": "start_ack", "id": "sub"}
        await publish(http, api, room, "before")
        assert (await receive(websocket))["type"] == "data"
        deleted = delete_key(api.project, key_id)
        close = await closed(websocket)
    assert (close.code, close.reason) == (4403, "Forbidden")
    assert close.at - deleted < DEADLINE
    assert_appsync_revoked(close.messages, {"sub"})
    refused = await http.post(
        api.server.graphql_url, json={"query": "{ shared }"}, headers={"x-api-key": key}
    )
    assert refused.status_code == 401


async def test_a_deleted_key_ends_the_subscription_it_authorized_and_only_that(
    api: AllModesApi, http: httpx.AsyncClient
) -> None:
    key_id, key = create_key(api.project)
    room = new_room()
    own = {"host": api.host, "x-api-key": key}
    async with appsync(api.server.url, {"host": api.host, "x-api-key": api.api_key}) as websocket:
        await send(websocket, appsync_start("own", ON_POST, {"room": room}, own))
        assert await receive(websocket) == {"type": "start_ack", "id": "own"}
        await send(websocket, appsync_start("other", ON_POST, {"room": room}))
        assert await receive(websocket) == {"type": "start_ack", "id": "other"}
        deleted = delete_key(api.project, key_id)
        revoked = await receive(websocket)
        assert time.monotonic() - deleted < DEADLINE
        assert (revoked["type"], revoked["id"]) == ("error", "own"), revoked
        assert error_types(revoked) == [UNAUTHORIZED]
        # The connection and its other subscription go on; the key opens nothing new.
        await publish(http, api, room, "after")
        delivered = await receive(websocket)
        assert (delivered["type"], delivered["id"]) == ("data", "other"), delivered
        await send(websocket, appsync_start("again", ON_POST, {"room": room}, own))
        again = await receive(websocket)
        assert (again["type"], again["id"]) == ("error", "again"), again
        assert error_types(again) == [UNAUTHORIZED]


async def test_a_deleted_key_closes_graphql_transport_ws_with_4403(api: AllModesApi) -> None:
    key_id, key = create_key(api.project)
    async with transport_ws(api.server.url, {"x-api-key": key}) as websocket:
        await send(websocket, {"id": "q", "type": "subscribe", "payload": {"query": "{ shared }"}})
        assert (await receive(websocket))["payload"] == {"data": {"shared": "shared-value"}}
        assert await receive(websocket) == {"id": "q", "type": "complete"}
        sub = {"query": ON_POST, "variables": {"room": new_room()}}
        await send(websocket, {"id": "s", "type": "subscribe", "payload": sub})
        deleted = delete_key(api.project, key_id)
        close = await closed(websocket)
    assert (close.code, close.reason) == (4403, "Forbidden")
    assert close.at - deleted < DEADLINE


async def test_queries_over_a_revoked_socket_are_refused(api: AllModesApi) -> None:
    key_id, key = create_key(api.project)
    async with transport_ws(api.server.url, {"x-api-key": key}) as websocket:
        delete_key(api.project, key_id)
        # Sent before the watch's next sweep, most likely: the operation checks for itself.
        mutation = {"query": POST, "variables": {"room": new_room(), "body": "never"}}
        await send(websocket, {"id": "m", "type": "subscribe", "payload": mutation})
        close = await closed(websocket)
    assert close.code == 4403
    assert not [m for m in close.messages if m["type"] == "next"], close.messages
    for message in close.messages:
        assert (message["type"], error_types(message)) == ("error", [UNAUTHORIZED]), message


async def test_a_deleted_key_closes_legacy_graphql_ws_after_connection_error(
    api: AllModesApi,
) -> None:
    key_id, key = create_key(api.project)
    async with legacy_ws(api.server.url, {"x-api-key": key}) as websocket:
        sub = {"query": ON_POST, "variables": {"room": new_room()}}
        await send(websocket, {"id": "s", "type": "start", "payload": sub})
        deleted = delete_key(api.project, key_id)
        close = await closed(websocket)
    assert (close.code, close.reason) == (4403, "Forbidden")
    assert close.at - deleted < DEADLINE
    error = close.messages[-1]
    assert error["type"] == "connection_error" and error_types(error) == [UNAUTHORIZED], error


async def test_two_servers_sharing_a_project_both_see_a_deleted_key(
    api: AllModesApi, tmp_path: Path
) -> None:
    key_id, key = create_key(api.project)
    with serve(api.project, tmp_path) as second:
        async with (
            appsync(api.server.url, {"host": api.host, "x-api-key": key}) as first_socket,
            transport_ws(second.url, {"x-api-key": key}) as second_socket,
        ):
            deleted = delete_key(api.project, key_id)
            closes = [await closed(first_socket), await closed(second_socket)]
    assert [close.code for close in closes] == [4403, 4403]
    assert all(close.at - deleted < DEADLINE for close in closes)


# Expiry -----------------------------------------------------------------------------------------


async def test_an_expiring_key_closes_its_connections_when_it_expires(api: AllModesApi) -> None:
    key_id, key = create_key(api.project)
    room = new_room()
    async with (
        appsync(api.server.url, {"host": api.host, "x-api-key": key}) as appsync_socket,
        legacy_ws(api.server.url, {"x-api-key": key}) as legacy_socket,
    ):
        await send(appsync_socket, appsync_start("sub", ON_POST, {"room": room}))
        assert await receive(appsync_socket) == {"type": "start_ack", "id": "sub"}
        expires = expire_soon(api.project, key_id, 3)
        closes = [await closed(appsync_socket), await closed(legacy_socket)]
        gone = time.time()
    assert [close.code for close in closes] == [4403, 4403]
    assert expires <= gone < expires + DEADLINE
    assert closes[0].messages[-1]["type"] == "error"
    assert closes[1].messages[-1]["type"] == "connection_error"


async def test_an_expiring_jwt_closes_graphql_transport_ws(api: AllModesApi) -> None:
    payload = {"Authorization": api.cognito_token(lifetime=3)}
    async with transport_ws(api.server.url, payload) as websocket:
        sub = {"query": ON_POST, "variables": {"room": new_room()}}
        await send(websocket, {"id": "s", "type": "subscribe", "payload": sub})
        close = await closed(websocket)
    assert (close.code, close.reason) == (4403, "Forbidden")


async def test_an_expiring_jwt_closes_the_appsync_connection(api: AllModesApi) -> None:
    header = {"host": api.host, "Authorization": api.oidc_token(lifetime=3)}
    async with appsync(api.server.url, header) as websocket:
        await send(websocket, appsync_start("sub", ON_POST, {"room": new_room()}))
        assert await receive(websocket) == {"type": "start_ack", "id": "sub"}
        close = await closed(websocket)
    assert close.code == 4403
    assert_appsync_revoked(close.messages, {"sub"})


async def test_an_expiring_jwt_closes_legacy_graphql_ws(api: AllModesApi) -> None:
    async with legacy_ws(api.server.url, {"Authorization": api.oidc_token(lifetime=3)}) as ws:
        close = await closed(ws)
    assert close.code == 4403
    assert close.messages[-1]["type"] == "connection_error"


# Lambda authorizer ------------------------------------------------------------------------------


def revoke_token(api: AllModesApi, token: str) -> float:
    revoked = api.project / "auth" / "revoked"
    revoked.mkdir(exist_ok=True)
    (revoked / token).write_text("")
    return time.monotonic()


def authorizer_calls(api: AllModesApi, token: str) -> int:
    log = api.project / "auth" / "calls.log"
    return log.read_text().split().count(token) if log.exists() else 0


async def test_a_token_the_authorizer_now_refuses_closes_its_connections(
    api: AllModesApi,
) -> None:
    token = f"revocable-{uuid.uuid4().hex[:8]}"
    async with (
        appsync(api.server.url, {"host": api.host, "Authorization": token}) as appsync_socket,
        transport_ws(api.server.url, {"Authorization": token}) as transport_socket,
    ):
        await send(appsync_socket, appsync_start("sub", ON_POST, {"room": new_room()}))
        assert await receive(appsync_socket) == {"type": "start_ack", "id": "sub"}
        revoked = revoke_token(api, token)
        closes = [await closed(appsync_socket), await closed(transport_socket)]
    assert [close.code for close in closes] == [4403, 4403]
    # The answer's TTL (1 s), then the authorizer is asked again.
    assert all(close.at - revoked < 1.0 + DEADLINE for close in closes)
    assert_appsync_revoked(closes[0].messages, {"sub"})


async def test_a_token_the_authorizer_still_allows_goes_on(api: AllModesApi) -> None:
    token = f"revocable-{uuid.uuid4().hex[:8]}"
    async with transport_ws(api.server.url, {"Authorization": token}) as websocket:
        calls = authorizer_calls(api, token)
        await still_open(websocket, 3.0)
        assert authorizer_calls(api, token) > calls  # asked again once the TTL passed
        await send(websocket, {"id": "q", "type": "subscribe", "payload": {"query": "{ shared }"}})
        assert (await receive(websocket))["payload"] == {"data": {"shared": "shared-value"}}


# IAM --------------------------------------------------------------------------------------------


async def test_an_iam_key_past_its_expiration_closes_its_connections(
    tmp_path: Path, http: httpx.AsyncClient
) -> None:
    expiration = datetime.fromtimestamp(int(time.time()) + 8, UTC)
    settings = SETTINGS.replace(
        "          username: tester\n",
        f"          username: tester\n          expiration: {expiration.isoformat()}\n",
    )
    with all_modes_api(tmp_path / "project", tmp_path, {"strawsync.yaml": settings}) as api:
        header = appsync_websocket_headers(api.host, ACCESS_KEY, SECRET, REGION)
        async with appsync(api.server.url, header) as websocket:
            await send(websocket, appsync_start("sub", ON_POST, {"room": new_room()}))
            assert await receive(websocket) == {"type": "start_ack", "id": "sub"}
            close = await closed(websocket, wait=15.0)
            gone = time.time()
        assert close.code == 4403
        assert expiration.timestamp() <= gone < expiration.timestamp() + DEADLINE
        assert_appsync_revoked(close.messages, {"sub"})
        body = api.body("{ shared }")
        refused = await http.post(
            api.server.graphql_url,
            content=body,
            headers={"content-type": "application/json", **api.iam_headers(body)},
        )
        assert refused.status_code == 401
        assert refused.json()["errors"][0]["message"] == (
            "The security token included in the request is expired."
        )
