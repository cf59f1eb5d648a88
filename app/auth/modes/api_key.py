"""API_KEY: an `x-api-key` header holding one of the project's keys.

Keys are made with `strawsync api-key create` and kept (as hashes) in the project's
`.strawsync/api_keys.json` (see `app.auth.api_keys`). A missing, malformed, unknown, deleted or
expired key is refused with AppSync's 401 `UnauthorizedException`. The caller has no identity
(`$ctx.identity` is null under API_KEY); the principal expires with the key, and its standing
is re-checked against the store while a connection relies on it, so a socket opened with a key
ends when the key expires or is deleted (by this server's process or any other sharing the
project directory). The mode takes no settings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from app.auth.api_keys import ApiKeyStore, find, is_well_formed
from app.auth.base import AuthFailure, Credentials, Principal
from app.definition.model import AuthType

logger = logging.getLogger("strawsync.auth")

HEADER: Final = "x-api-key"


class ApiKeyMode:
    """Checks `x-api-key` against the project's key store, re-read when it changes."""

    auth_type = AuthType.API_KEY

    def __init__(self, store: ApiKeyStore, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def claims(self, credentials: Credentials) -> bool:
        return HEADER in credentials.headers

    async def authenticate(self, credentials: Credentials) -> Principal:
        key = credentials.headers.get(HEADER)
        if key is None or not is_well_formed(key):
            logger.debug("API key refused (%s): malformed", credentials.request_id)
            raise AuthFailure()
        stored = find(key, await self.store.current())
        if stored is None:
            logger.debug("API key refused (%s): unknown or deleted", credentials.request_id)
            raise AuthFailure()
        if stored.expired(self.clock()):
            logger.info(
                "API key %s refused (%s): expired at %d",
                stored.id,
                credentials.request_id,
                stored.expires,
            )
            raise AuthFailure()
        return Principal(
            AuthType.API_KEY,
            identity=None,
            expires_at=float(stored.expires),
            standing=KeyStanding(self, stored.sha256),
        )

    async def start(self) -> None:
        """Read the keys once, so a start-up log says whether any key can be used."""
        keys = await self.store.current()
        now = self.clock()
        usable = sum(1 for stored in keys if not stored.expired(now))
        if usable:
            logger.info("API_KEY: %d usable key(s) in %s", usable, self.store.path)
        else:
            logger.warning(
                "API_KEY: no usable key in %s; create one with `strawsync api-key create`",
                self.store.path,
            )

    async def close(self) -> None:
        return None


class KeyStanding:
    """An accepted key holds while the store still has it unexpired (one `stat` per check)."""

    __slots__ = ("mode", "sha256")

    def __init__(self, mode: ApiKeyMode, sha256: str) -> None:
        self.mode = mode
        self.sha256 = sha256

    async def holds(self, *, wait: bool = False) -> bool:
        now = self.mode.clock()
        return any(
            stored.sha256 == self.sha256 and not stored.expired(now)
            for stored in await self.mode.store.current()
        )


def config_problems(config: Mapping[str, Any]) -> list[str]:
    """API_KEY takes no settings; any given is a mistake."""
    return [f"unknown API_KEY setting '{key}' (API_KEY takes none)" for key in config]


def create(config: Mapping[str, Any], project_dir: Path) -> ApiKeyMode:
    """The mode over the project's `.strawsync/api_keys.json`."""
    problems = config_problems(config)
    if problems:
        raise ValueError("; ".join(problems))
    return ApiKeyMode(ApiKeyStore.for_project(project_dir))
