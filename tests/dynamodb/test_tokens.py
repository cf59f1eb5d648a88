"""Pagination tokens: sealed, bound to their resolver, keyed by a stable server key."""

from __future__ import annotations

import base64
import json
import secrets
import stat
from pathlib import Path

import pytest

from app.datasources.base import DataSourceError
from app.datasources.dynamodb.tokens import KEY_ENV, TokenSealer, decode_key, resolve_key

LAST_KEY = {"postId": {"S": "p1"}, "n": {"N": "42"}}


def sealer() -> TokenSealer:
    return TokenSealer(secrets.token_bytes(32))


def test_round_trip_in_the_same_resolver() -> None:
    tokens = sealer()
    token = tokens.seal(LAST_KEY, "Query.comments")
    # Opaque: neither the token text nor its bytes carry the key's names or JSON.
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert "postId" not in token
    assert b"postId" not in raw and json.dumps(LAST_KEY).encode() not in raw
    assert tokens.open(token, "Query.comments") == LAST_KEY


def test_each_token_is_unique() -> None:
    tokens = sealer()
    assert tokens.seal(LAST_KEY, "Query.a") != tokens.seal(LAST_KEY, "Query.a")


@pytest.mark.parametrize("resolver", ["Query.other", "Post.comments", ""])
def test_another_resolver_is_refused(resolver: str) -> None:
    tokens = sealer()
    token = tokens.seal(LAST_KEY, "Query.comments")
    with pytest.raises(DataSourceError) as caught:
        tokens.open(token, resolver)
    assert caught.value.error_type == "DynamoDB:UserIllegalArgumentException"
    assert caught.value.message == "Invalid pagination token given."


def test_tampering_and_foreign_keys_are_refused() -> None:
    tokens = sealer()
    token = tokens.seal(LAST_KEY, "Query.a")
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[-1] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    for bad in (tampered, "", "%%%", "abc", token[:10]):
        with pytest.raises(DataSourceError):
            tokens.open(bad, "Query.a")
    with pytest.raises(DataSourceError):
        sealer().open(token, "Query.a")


def test_key_sources_in_order(tmp_path: Path) -> None:
    key = secrets.token_bytes(32)
    text = base64.b64encode(key).decode()
    key_file = tmp_path / "given.key"
    key_file.write_text(text)
    assert resolve_key({"paginationKey": text}, default_key_file=None, environ={}) == key
    assert resolve_key({"paginationKeyFile": str(key_file)}, default_key_file=None) == key
    assert resolve_key({}, default_key_file=None, environ={KEY_ENV: key.hex()}) == key


def test_default_key_file_is_created_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "data" / "pagination.key"
    first = resolve_key({}, default_key_file=path, environ={})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert resolve_key({}, default_key_file=path, environ={}) == first


def test_bad_keys_are_refused() -> None:
    with pytest.raises(ValueError):
        decode_key("c2hvcnQ=")
    with pytest.raises(ValueError):
        TokenSealer(b"short")
