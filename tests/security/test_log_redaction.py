"""No secret in any log: the server runs at `--log-level debug` with all five authorization
modes, each mode is used (and refused) over HTTP, the AppSync real-time socket, graphql-transport-ws
and legacy graphql-ws, and then the whole server log is searched for every secret, in the clear
and base64/base64url-encoded, and for every SigV4 signature."""

from __future__ import annotations

import base64
import functools
import io
import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from uvicorn.logging import AccessFormatter
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

import tests.auth.support_transports as support_transports
from app.logs import REDACTED, RedactSecrets
from tests.auth.support_jwt import cognito_claims, token
from tests.auth.support_sigv4 import appsync_websocket_headers, signed_headers
from tests.auth.support_transports import (
    ACCESS_KEY,
    COGNITO_ISSUER,
    REGION,
    SECRET,
    AllModesApi,
    all_modes_api,
)
from tests.support.server import serve
from tests.support.sockets import receive, send

WAIT = 10.0
GRAPHQL_WS = Subprotocol("graphql-ws")
TRANSPORT_WS = Subprotocol("graphql-transport-ws")
QUERY = "{ shared }"
ON_POST = 'subscription { onPost(room: "r") { room body } }'
SIGNATURE = re.compile(r"Signature=([0-9a-f]{64})")


class Secrets:
    """Every credential a test sent, by label."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def add(self, label: str, value: str) -> str:
        self.values[label] = value
        return value

    def add_signed(self, label: str, headers: dict[str, str]) -> dict[str, str]:
        """SigV4 headers: their signature, and any session token, are secrets."""
        match = SIGNATURE.search(headers["authorization"])
        assert match is not None, headers
        self.add(f"{label} signature", match[1])
        if "x-amz-security-token" in headers:
            self.add(f"{label} session token", headers["x-amz-security-token"])
        return headers

    def assert_absent_from(self, log: str) -> None:
        found = {
            label: form
            for label, secret in self.values.items()
            for form in _encodings(secret)
            if form in log
        }
        assert not found, f"secrets in the server log: {found}"


def _encodings(secret: str) -> set[str]:
    raw = secret.encode()
    standard = base64.b64encode(raw).decode()
    url = base64.urlsafe_b64encode(raw).decode()
    return {secret, standard, standard.rstrip("="), url, url.rstrip("=")}


@pytest.fixture
def debug_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[AllModesApi, Secrets]]:
    """The all-modes API at `--log-level debug`; after the test, its whole log holds none of
    the secrets the test registered, and shows that it was written with redaction at work."""
    monkeypatch.setattr(
        support_transports, "serve", functools.partial(serve, extra_args=["--log-level", "debug"])
    )
    secrets = Secrets()
    with all_modes_api(tmp_path / "project", _logs(tmp_path)) as api:
        secrets.add("API key", api.api_key)
        secrets.add("expired API key", api.expired_api_key)
        secrets.add("deleted API key", api.deleted_api_key)
        secrets.add("IAM secret access key", SECRET)
        yield api, secrets
    log = api.server.log()
    secrets.assert_absent_from(log)
    assert " DEBUG " in log, "the server did not log at debug level"
    assert REDACTED in log


def _logs(tmp_path: Path) -> Path:
    path = tmp_path / "logs"
    path.mkdir()
    return path


def wrong_api_key() -> str:
    return "da2-" + base64.b32encode(uuid.uuid4().bytes).decode().lower()[:26]


def lambda_token(verdict: str) -> str:
    """`allow-<who>` is authorized by the test authorizer; anything else is not."""
    return f"{verdict}-{uuid.uuid4().hex}"


# HTTP ------------------------------------------------------------------------------------------


def test_http(debug_api: tuple[AllModesApi, Secrets]) -> None:
    api, secrets = debug_api
    body = api.body(QUERY)
    attempts: list[tuple[dict[str, str], bool]] = [
        ({"x-api-key": api.api_key}, True),
        ({"x-api-key": api.expired_api_key}, False),
        ({"x-api-key": api.deleted_api_key}, False),
        ({"x-api-key": secrets.add("wrong API key", wrong_api_key())}, False),
        ({"authorization": secrets.add("Cognito token", api.cognito_token())}, True),
        (
            {"authorization": secrets.add("expired token", api.cognito_token(lifetime=-600))},
            False,
        ),
        (
            {
                "authorization": secrets.add(
                    "token signed by another key",
                    token(api.foreign_cognito_key, cognito_claims(COGNITO_ISSUER)),
                )
            },
            False,
        ),
        ({"authorization": secrets.add("OIDC token", api.oidc_token())}, True),
        ({"authorization": secrets.add("Lambda token", lambda_token("allow"))}, True),
        ({"authorization": secrets.add("refused Lambda token", lambda_token("deny"))}, False),
        (secrets.add_signed("IAM", api.iam_headers(body)), True),
        (secrets.add_signed("IAM, wrong secret", api.iam_headers(body, secret="nope")), False),
        (
            secrets.add_signed(
                "IAM, session token",
                signed_headers(
                    api.server.graphql_url,
                    body,
                    ACCESS_KEY,
                    SECRET,
                    REGION,
                    session_token="IQoJb3JpZ2luX2VjE" + uuid.uuid4().hex,
                ),
            ),
            False,
        ),
    ]
    with httpx.Client(timeout=WAIT) as http:
        for headers, accepted in attempts:
            response = http.post(
                api.server.graphql_url,
                content=body,
                headers={"content-type": "application/json", **headers},
            )
            refused = 400 <= response.status_code < 500
            assert (response.status_code == 200, refused) == (accepted, not accepted), (
                headers,
                response.text,
            )
        # A careless client puts its key in the URL: the access log shows the URL.
        in_url = secrets.add("API key in a URL", wrong_api_key())
        response = http.get(api.server.graphql_url, params={"query": QUERY, "x-api-key": in_url})
        assert response.status_code in (400, 401, 405), response.text


# AppSync real-time ------------------------------------------------------------------------------


def header_url(api: AllModesApi, header: dict[str, str], secrets: Secrets, label: str) -> str:
    encoded = secrets.add(f"{label} header=", base64.b64encode(orjson.dumps(header)).decode())
    return f"{api.server.url.replace('http://', 'ws://', 1)}/graphql?header={encoded}&payload=e30="


@asynccontextmanager
async def socket(
    url: str, protocol: Subprotocol, **options: Any
) -> AsyncIterator[ClientConnection]:
    async with connect(url, subprotocols=[protocol], open_timeout=WAIT, **options) as websocket:
        yield websocket


async def appsync_handshake(
    api: AllModesApi, secrets: Secrets, label: str, header: dict[str, str], accepted: bool
) -> None:
    async with socket(header_url(api, header, secrets, label), GRAPHQL_WS) as websocket:
        if not accepted:  # refused at the handshake, before any message
            assert (await receive(websocket))["type"] == "connection_error", label
            return
        await send(websocket, {"type": "connection_init"})
        assert (await receive(websocket))["type"] == "connection_ack", label
        await start_with_credentials(api, secrets, websocket)


async def start_with_credentials(
    api: AllModesApi, secrets: Secrets, websocket: ClientConnection
) -> None:
    """`start`s authorized by their own `extensions.authorization`, accepted and refused."""
    data = orjson.dumps({"query": ON_POST, "variables": {}}).decode()
    starts = {
        "token": {
            "host": api.host,
            "Authorization": secrets.add("start token", api.cognito_token()),
        },
        "expired": {
            "host": api.host,
            "Authorization": secrets.add("expired start token", api.cognito_token(lifetime=-60)),
        },
        "lambda": {
            "host": api.host,
            "Authorization": secrets.add("start Lambda", lambda_token("deny")),
        },
        "iam": secrets.add_signed(
            "start IAM", appsync_websocket_headers(api.host, ACCESS_KEY, SECRET, REGION, data=data)
        ),
    }
    for operation_id, authorization in starts.items():
        payload = {"data": data, "extensions": {"authorization": authorization}}
        await send(websocket, {"id": operation_id, "type": "start", "payload": payload})
        answer = await receive(websocket)
        assert answer["id"] == operation_id, answer
        assert answer["type"] in ("start_ack", "error"), answer


async def test_appsync_realtime(debug_api: tuple[AllModesApi, Secrets]) -> None:
    api, secrets = debug_api
    host = {"host": api.host}
    cases: list[tuple[str, dict[str, str], bool]] = [
        ("API key", {**host, "x-api-key": api.api_key}, True),
        ("expired API key", {**host, "x-api-key": api.expired_api_key}, False),
        ("wrong API key", {**host, "x-api-key": secrets.add("wrong key", wrong_api_key())}, False),
        ("Cognito", {**host, "Authorization": secrets.add("token", api.cognito_token())}, True),
        (
            "expired Cognito",
            {**host, "Authorization": secrets.add("old", api.cognito_token(lifetime=-600))},
            False,
        ),
        ("OIDC", {**host, "Authorization": secrets.add("OIDC", api.oidc_token())}, True),
        ("Lambda", {**host, "Authorization": secrets.add("lambda", lambda_token("allow"))}, True),
        (
            "denied Lambda",
            {**host, "Authorization": secrets.add("no", lambda_token("deny"))},
            False,
        ),
        (
            "IAM",
            secrets.add_signed(
                "IAM", appsync_websocket_headers(api.host, ACCESS_KEY, SECRET, REGION)
            ),
            True,
        ),
        (
            "IAM, wrong secret",
            secrets.add_signed(
                "bad IAM", appsync_websocket_headers(api.host, ACCESS_KEY, "nope", REGION)
            ),
            False,
        ),
    ]
    for label, header, accepted in cases:
        await appsync_handshake(api, secrets, label, header, accepted)


# graphql-transport-ws and legacy graphql-ws ----------------------------------------------------


async def test_graphql_transport_ws(debug_api: tuple[AllModesApi, Secrets]) -> None:
    api, secrets = debug_api
    url = api.server.url.replace("http://", "ws://", 1) + "/graphql"
    cases: list[tuple[dict[str, Any], bool]] = [
        ({"x-api-key": api.api_key}, True),
        ({"x-api-key": api.deleted_api_key}, False),
        ({"headers": {"Authorization": secrets.add("token", api.cognito_token())}}, True),
        ({"Authorization": secrets.add("expired", api.cognito_token(lifetime=-600))}, False),
        ({"Authorization": secrets.add("OIDC", api.oidc_token())}, True),
        ({"authorization": secrets.add("Lambda", lambda_token("allow"))}, True),
        ({"authorization": secrets.add("denied Lambda", lambda_token("deny"))}, False),
    ]
    for payload, accepted in cases:
        async with socket(url, TRANSPORT_WS) as websocket:
            await send(websocket, {"type": "connection_init", "payload": payload})
            if accepted:
                assert (await receive(websocket))["type"] == "connection_ack"
                query = {"query": QUERY}
                await send(websocket, {"id": "1", "type": "subscribe", "payload": query})
                assert (await receive(websocket))["type"] == "next"
            else:
                with pytest.raises(ConnectionClosed):
                    await receive(websocket)
    # Credentials in the upgrade request's headers.
    upgrade_key = {"x-api-key": api.api_key}
    async with socket(url, TRANSPORT_WS, additional_headers=upgrade_key) as websocket:
        await send(websocket, {"type": "connection_init", "payload": {}})
        assert (await receive(websocket))["type"] == "connection_ack"


async def test_legacy_graphql_ws(debug_api: tuple[AllModesApi, Secrets]) -> None:
    api, secrets = debug_api
    url = api.server.url.replace("http://", "ws://", 1) + "/graphql"
    cases: list[tuple[dict[str, Any], str]] = [
        ({"x-api-key": api.api_key}, "connection_ack"),
        ({"x-api-key": api.expired_api_key}, "connection_error"),
        ({"Authorization": secrets.add("token", api.cognito_token())}, "connection_ack"),
        (
            {"Authorization": secrets.add("expired", api.cognito_token(lifetime=-600))},
            "connection_error",
        ),
        ({"authorization": secrets.add("Lambda", lambda_token("allow"))}, "connection_ack"),
    ]
    for payload, expected in cases:
        async with socket(url, GRAPHQL_WS) as websocket:
            await send(websocket, {"type": "connection_init", "payload": payload})
            assert (await receive(websocket))["type"] == expected


# The filter on its own -------------------------------------------------------------------------


def test_an_access_log_line_keeps_its_shape() -> None:
    """uvicorn's access formatter unpacks the record's arguments: redaction keeps them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s'))
    handler.addFilter(RedactSecrets())
    logger = logging.getLogger("tests.redaction.access")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        logger.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            "/graphql?header=eyJob3N0IjoiYSJ9&payload=e30=",
            "1.1",
            101,
        )
    finally:
        logger.removeHandler(handler)
    assert stream.getvalue() == (
        '127.0.0.1:5000 - "GET /graphql?header=[redacted]&payload=[redacted] HTTP/1.1" '
        "101 Switching Protocols\n"
    )


def test_free_text_is_redacted_by_shape() -> None:
    """The safety net: keys, JWTs and signatures in text no rule knows the structure of."""
    record = logging.LogRecord(
        "botocore.endpoint",
        logging.DEBUG,
        __file__,
        1,
        "Sending %s with %r",
        (
            "request",
            {
                "Authorization": b"AWS4-HMAC-SHA256 Credential=AKIA/x, SignedHeaders=host, "
                b"Signature=" + b"ab" * 32,
                "note": "key da2-abcdefghijklmnopqrstuvwxyz, "
                "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
            },
        ),
        None,
    )
    RedactSecrets().filter(record)
    message = record.getMessage()
    assert "ab" * 32 not in message
    assert "da2-abcdefghijklmnopqrstuvwxyz" not in message
    assert "eyJzdWIiOiIxIn0" not in message
    assert "AWS4-HMAC-SHA256" not in message
    assert message.startswith("Sending request with ")
