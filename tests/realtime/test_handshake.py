"""Reading AppSync handshakes: where the credentials come from, and what is refused."""

from __future__ import annotations

import base64
import json

import pytest

from app.transport.handshake import HandshakeError, read_handshake, wants_appsync

HEADER = {"host": "api.example.com", "x-api-key": "da2-key"}


def b64(value: object, *, urlsafe: bool = False, padded: bool = True) -> str:
    raw = json.dumps(value).encode()
    text = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(raw).decode()
    return text if padded else text.rstrip("=")


def test_the_header_query_parameter() -> None:
    query = f"header={b64(HEADER)}&payload=e30=".encode()
    handshake = read_handshake(query, ["graphql-ws"])
    assert dict(handshake.headers) == HEADER
    assert dict(handshake.payload) == {}


def test_the_header_subprotocol_without_padding() -> None:
    protocols = ["graphql-ws", f"header-{b64(HEADER, urlsafe=True, padded=False)}"]
    assert dict(read_handshake(b"", protocols).headers) == HEADER
    assert wants_appsync(b"", protocols)


def test_header_names_are_lower_cased() -> None:
    query = f"header={b64({'Authorization': 'token', 'host': 'h'})}".encode()
    assert dict(read_handshake(query, ["graphql-ws"]).headers) == {
        "authorization": "token",
        "host": "h",
    }


def test_plain_http_headers_leave_the_header_empty() -> None:
    assert dict(read_handshake(b"", ["graphql-ws"]).headers) == {}
    assert not wants_appsync(b"", ["graphql-transport-ws"])
    assert not wants_appsync(b"headers=1", ["graphql-ws"])


@pytest.mark.parametrize(
    ("query", "protocols", "error_type"),
    [
        (b"", ["graphql-transport-ws"], "SubProtocolNotSupportedError"),
        (b"", [], "SubProtocolNotSupportedError"),
        (b"header=%%%", ["graphql-ws"], "MalformedHandshakeError"),
        (f"header={b64([1, 2])}".encode(), ["graphql-ws"], "MalformedHandshakeError"),
        (
            f"header={b64(HEADER)}&payload=bm90IGpzb24=".encode(),
            ["graphql-ws"],
            "MalformedHandshakeError",
        ),
    ],
)
def test_refused_handshakes(query: bytes, protocols: list[str], error_type: str) -> None:
    with pytest.raises(HandshakeError) as refused:
        read_handshake(query, protocols)
    assert refused.value.error_type == error_type
    assert refused.value.error_code == 400


def test_unescaped_base64_plus_signs_survive_the_query_string() -> None:
    """gql's AppSync transport puts standard base64 in the URL unescaped: "+" reads as " "."""
    header = {"host": "h>?", "x-api-key": "da2-~~~"}
    encoded = b64(header)
    assert "+" in encoded or "/" in encoded
    query = f"header={encoded}&payload=e30=".encode()
    assert dict(read_handshake(query, ["graphql-ws"]).headers) == header
