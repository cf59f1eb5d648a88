"""Headers for the auth layer's `Credentials`, from ASGI headers and from credentials sent as
JSON (an AppSync handshake `header` or `start` authorization, a `connection_init` payload)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

LAMBDA_CONNECT_OPERATION = "DeepDish:Connect"
"""The `operationName` AppSync gives a Lambda authorizer for a WebSocket connect."""


def header_map(pairs: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    """Raw ASGI headers as a dict with lower-case names (the first of repeated ones)."""
    headers: dict[str, str] = {}
    for name, value in pairs:
        headers.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return headers


def with_fields(headers: Mapping[str, str], fields: Mapping[str, Any]) -> dict[str, str]:
    """`headers` overlaid with credentials sent as JSON fields (AppSync's `header`, a
    `start`'s `extensions.authorization`, a `connection_init` payload)."""
    merged = dict(headers)
    for name, value in fields.items():
        if isinstance(value, str):
            merged[str(name).lower()] = value
    return merged
