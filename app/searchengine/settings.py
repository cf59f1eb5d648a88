"""An index's settings: the few OpenSearch settings the engine honours, and index names.

One node holds every index in one shard, so `number_of_shards` and `number_of_replicas` are
kept only to be shown back (and replicas stay unassigned, as on a one-node cluster:
`_shards.total` counts them, health is yellow). `refresh_interval` is honoured. Any other
setting is refused rather than silently ignored.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from app.searchengine.errors import SearchError, bad_request, unsupported

DEFAULT_REFRESH_MS: Final = 1000
CREATED_VERSION: Final = "136377827"
"""`settings.index.version.created` as OpenSearch 2.17 shows it."""
_DURATION = re.compile(r"^(-?\d+)(ms|s|m|h)?$")
_UNITS: Final = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, None: 1}
_FORBIDDEN_NAME_CHARS: Final = frozenset('\\/*?"<>| ,#:')


@dataclass(frozen=True, slots=True)
class IndexSettings:
    shards: int = 1
    replicas: int = 1
    refresh_ms: int | None = DEFAULT_REFRESH_MS
    """Milliseconds between automatic refreshes; None for `-1` (never)."""
    created_ms: int = 0
    uuid: str = ""

    @classmethod
    def from_body(cls, body: Any) -> IndexSettings:
        """The settings of a `PUT /<index>` body's `settings` (nested or dotted)."""
        flat = _flatten(body or {}, "")
        shards, replicas, refresh = 1, 1, DEFAULT_REFRESH_MS
        refresh_ms: int | None = refresh
        for key, value in flat.items():
            name = key.removeprefix("index.")
            if name == "number_of_shards":
                shards = _positive(name, value, minimum=1)
            elif name == "number_of_replicas":
                replicas = _positive(name, value, minimum=0)
            elif name == "refresh_interval":
                refresh_ms = _duration(value)
            else:
                raise unsupported(f"the index setting [index.{name}]")
        return cls(shards, replicas, refresh_ms, int(time.time() * 1000), _new_uuid())

    def to_body(self, name: str) -> dict[str, Any]:
        """`settings` as `GET /<index>` shows them (values as strings, as OpenSearch does)."""
        index: dict[str, Any] = {
            "creation_date": str(self.created_ms),
            "number_of_shards": str(self.shards),
            "number_of_replicas": str(self.replicas),
            "uuid": self.uuid,
            "version": {"created": CREATED_VERSION},
            "provided_name": name,
        }
        if self.refresh_ms != DEFAULT_REFRESH_MS:
            index["refresh_interval"] = "-1" if self.refresh_ms is None else f"{self.refresh_ms}ms"
        return {"index": index}

    def to_json(self) -> dict[str, Any]:
        return {
            "shards": self.shards,
            "replicas": self.replicas,
            "refresh_ms": self.refresh_ms,
            "created_ms": self.created_ms,
            "uuid": self.uuid,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IndexSettings:
        return cls(
            int(data["shards"]),
            int(data["replicas"]),
            None if data.get("refresh_ms") is None else int(data["refresh_ms"]),
            int(data["created_ms"]),
            str(data["uuid"]),
        )

    def shards_header(self) -> dict[str, int]:
        """`_shards` of a write: the primary succeeded, replicas are unassigned."""
        return {"total": 1 + self.replicas, "successful": 1, "failed": 0}


def check_index_name(name: str) -> None:
    """OpenSearch's index name rules; a bad name is `invalid_index_name_exception` (400)."""
    reason = None
    if not name:
        reason = "must not be empty"
    elif name != name.lower():
        reason = "must be lowercase"
    elif any(char in _FORBIDDEN_NAME_CHARS for char in name):
        reason = 'must not contain the following characters [ , ", *, \\, <, |, ,, >, /, ?, #, :]'
    elif name[0] in "_-+":
        reason = "must not start with '_', '-', or '+'"
    elif name in (".", ".."):
        reason = "must not be '.' or '..'"
    elif len(name.encode("utf-8")) > 255:
        reason = "index name is too long, (" + str(len(name.encode())) + " > 255)"
    if reason is not None:
        raise SearchError(
            400,
            "invalid_index_name_exception",
            f"Invalid index name [{name}], {reason}",
            {"index": name, "index_uuid": "_na_"},
        )


def _flatten(body: Any, prefix: str) -> dict[str, Any]:
    if not isinstance(body, Mapping):
        raise bad_request("[settings] must be an object", "settings_exception")
    flat: dict[str, Any] = {}
    for key, value in body.items():
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _positive(name: str, value: Any, *, minimum: int) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise bad_request(f"Failed to parse value [{value}] for setting [index.{name}]") from None
    if number < minimum:
        raise bad_request(
            f"Failed to parse value [{value}] for setting [index.{name}] must be >= {minimum}"
        )
    return number


def _duration(value: Any) -> int | None:
    match = _DURATION.match(str(value).strip())
    if match is None:
        raise bad_request(f"failed to parse setting [index.refresh_interval] with value [{value}]")
    amount = int(match.group(1))
    if amount < 0:
        return None
    return amount * _UNITS[match.group(2)]


def _new_uuid() -> str:
    return secrets.token_urlsafe(16)[:22]
