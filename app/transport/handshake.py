"""Reading an AppSync real-time handshake: subprotocol, routing and the `header` credentials.

AppSync clients send their authorization headers in one of three ways:

1. the query string, `?header=<base64 JSON>&payload=<base64 "{}">` (Amplify on AppSync's own
   domain, gql's `AppSyncWebsocketsTransport`);
2. an extra subprotocol, `Sec-WebSocket-Protocol: graphql-ws, header-<base64url JSON>`
   (Amplify on a custom domain, padding omitted);
3. plain HTTP headers on the upgrade request.

`read_handshake` returns what the connection was given, or a `HandshakeError` naming what is
wrong with it; the auth layer decides whether those credentials are good.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final
from urllib.parse import parse_qs

import orjson

APPSYNC_SUBPROTOCOL: Final = "graphql-ws"
HEADER_SUBPROTOCOL_PREFIX: Final = "header-"


class HandshakeError(Exception):
    """A handshake AppSync would refuse; sent as `connection_error` with `error_code`."""

    def __init__(self, message: str, error_type: str, error_code: int) -> None:
        self.message = message
        self.error_type = error_type
        self.error_code = error_code
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Handshake:
    """What an AppSync client sent when it connected."""

    headers: Mapping[str, str]
    """The authorization headers, lower-cased names (empty when sent as plain headers)."""
    payload: Mapping[str, object]
    """The decoded `payload` query parameter (AppSync clients send `{}`)."""


def _decode_base64_json(text: str, what: str) -> object:
    # gql's AppSyncWebsocketsTransport puts standard base64 in the query string unescaped, so
    # its "+" arrives as a space once the query string is decoded; base64 has no spaces.
    text = text.replace(" ", "+")
    padded = text + "=" * (-len(text) % 4)
    try:
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        return orjson.loads(raw)
    except (binascii.Error, ValueError):
        raise HandshakeError(
            f"The {what} is not base64-encoded JSON.", "MalformedHandshakeError", 400
        ) from None


def _json_object(value: object, what: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise HandshakeError(f"The {what} must be a JSON object.", "MalformedHandshakeError", 400)
    return value


def query_parameters(query_string: bytes) -> dict[str, list[str]]:
    return parse_qs(query_string.decode("latin-1"), keep_blank_values=True)


def wants_appsync(query_string: bytes, subprotocols: Sequence[str]) -> bool:
    """Whether a WebSocket to `/graphql` is an AppSync real-time client (it sends `header`)."""
    if any(p.startswith(HEADER_SUBPROTOCOL_PREFIX) for p in subprotocols):
        return True
    return b"header=" in query_string and "header" in query_parameters(query_string)


def read_handshake(query_string: bytes, subprotocols: Sequence[str]) -> Handshake:
    """The credentials and payload an AppSync client connected with; raises HandshakeError."""
    if APPSYNC_SUBPROTOCOL not in subprotocols:
        raise HandshakeError("SubProtocolNotSupportedError", "SubProtocolNotSupportedError", 400)
    params = query_parameters(query_string)
    header: object = {}
    if "header" in params:
        header = _decode_base64_json(params["header"][0], "header query parameter")
    else:
        for protocol in subprotocols:
            if protocol.startswith(HEADER_SUBPROTOCOL_PREFIX):
                encoded = protocol[len(HEADER_SUBPROTOCOL_PREFIX) :]
                header = _decode_base64_json(encoded, "header subprotocol")
                break
    headers = _json_object(header, "header")
    payload: object = {}
    if params.get("payload", [""])[0]:
        payload = _json_object(
            _decode_base64_json(params["payload"][0], "payload query parameter"), "payload"
        )
    return Handshake(
        headers={str(name).lower(): str(value) for name, value in headers.items()},
        payload=payload if isinstance(payload, dict) else {},
    )
