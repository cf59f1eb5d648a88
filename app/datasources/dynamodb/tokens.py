"""Pagination tokens: `LastEvaluatedKey` sealed so clients can neither read nor forge it.

AppSync encrypts `nextToken` and refuses a token in any resolver but the one that issued it.
Here the key is sealed with AES-256-GCM under a server key, with the resolver (`Type.field`)
as associated data, so a token from another resolver fails authentication like a tampered one.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.datasources.base import DataSourceError

KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ENV = "STRAWSYNC_PAGINATION_KEY"
_FORMAT = b"strawsync-ddb-token-v1\x00"


def invalid_token() -> DataSourceError:
    """What AppSync reports for a token it did not issue to this resolver."""
    return DataSourceError(
        "Invalid pagination token given.", "DynamoDB:UserIllegalArgumentException"
    )


class TokenSealer:
    """Seals and opens `nextToken` values for one server key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"a pagination key is {KEY_BYTES} bytes, got {len(key)}")
        self._aead = AESGCM(key)

    def seal(self, last_evaluated_key: Mapping[str, Any], resolver: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, orjson.dumps(last_evaluated_key), _aad(resolver))
        return base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")

    def open(self, token: str, resolver: str) -> dict[str, Any]:
        """The `ExclusiveStartKey` inside `token`, or the AppSync invalid-token error."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            if len(raw) <= NONCE_BYTES:
                raise invalid_token()
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(resolver))
            key = orjson.loads(plain)
        except (InvalidTag, binascii.Error, ValueError, orjson.JSONDecodeError):
            raise invalid_token() from None
        if not isinstance(key, dict):
            raise invalid_token()
        return key


def _aad(resolver: str) -> bytes:
    return _FORMAT + resolver.encode()


def decode_key(text: str) -> bytes:
    """A key written as base64 (standard or URL-safe) or 64 hex digits."""
    text = text.strip()
    if len(text) == 2 * KEY_BYTES:
        try:
            return bytes.fromhex(text)
        except ValueError:
            pass
    try:
        key = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("pagination key is neither base64 nor hex") from exc
    if len(key) != KEY_BYTES:
        raise ValueError(f"a pagination key is {KEY_BYTES} bytes, got {len(key)}")
    return key


def load_or_create_key_file(path: Path) -> bytes:
    """Read a key file, creating it (mode 0600) with a fresh random key the first time.

    A stable key keeps tokens valid across restarts; a fresh one per start would not.
    """
    if path.exists():
        return decode_key(path.read_text())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(key).decode() + "\n")
    return key


def resolve_key(
    config: Mapping[str, Any],
    *,
    default_key_file: Path | None,
    environ: Mapping[str, str] = os.environ,
) -> bytes:
    """The server key, first found of: `paginationKey`, `paginationKeyFile`, the environment
    variable `STRAWSYNC_PAGINATION_KEY`, the caller's default key file, else a per-process key
    (tokens then die with the process)."""
    if isinstance(config.get("paginationKey"), str):
        return decode_key(config["paginationKey"])
    if isinstance(config.get("paginationKeyFile"), str):
        return decode_key(Path(config["paginationKeyFile"]).read_text())
    if environ.get(KEY_ENV):
        return decode_key(environ[KEY_ENV])
    if default_key_file is not None:
        return load_or_create_key_file(default_key_file)
    return secrets.token_bytes(KEY_BYTES)
