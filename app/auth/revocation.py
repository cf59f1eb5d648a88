"""Revocation: a connection ends when the credentials it relies on stop holding.

AppSync checks credentials as each request arrives; a WebSocket is one long request, so without
this a key deleted with `strawsync api-key delete`, a JWT past its `exp`, a Lambda authorizer
that no longer authorizes a token once its answer's TTL has passed, or an IAM credential past
its `expiration` would keep a socket, its subscriptions and the operations sent over it going.

Each connection registers the `Principal` it relies on (its handshake's, and each AppSync
`start` authorized by its own `extensions.authorization`) with the API's `RevocationWatch`.
One task per server process re-checks every registered principal every `interval` seconds
(0.5 s) and calls the registration's `revoke` callback, once, when the principal no longer
holds; the transport then ends what relied on it with its protocol's error and close code.
Operations sent over a socket ask `holds(..., wait=True)` first, so none runs on revoked
credentials in the moment before the next sweep.

The checks are cheap: an expiry comparison; for an API key one `stat` of the key store, read
again only when it changed, so every server process sharing a project directory sees a key the
CLI deleted; a Lambda authorizer is asked again only when its answer's TTL has passed, in the
background, so a slow authorizer delays no other connection's check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Final

from app.auth.base import AuthFailure, Principal

logger = logging.getLogger("strawsync.auth")

CHECK_INTERVAL_SECONDS: Final = 0.5


class Registration:
    """One connection's (or one subscription's) reliance on a principal; `cancel` it when the
    connection ends."""

    __slots__ = ("_revoke", "_watch", "principal", "revoked")

    def __init__(
        self, watch: RevocationWatch | None, principal: Principal, revoke: Callable[[], None]
    ) -> None:
        self._watch = watch
        self._revoke = revoke
        self.principal = principal
        self.revoked = False

    def revoke(self) -> None:
        """Call the connection's callback once and stop watching."""
        if self.revoked:
            return
        self.revoked = True
        self.cancel()
        try:
            self._revoke()
        except Exception:
            logger.exception("revoking a connection failed")

    def cancel(self) -> None:
        if self._watch is not None:
            self._watch.forget(self)
            self._watch = None


class RevocationWatch:
    """The principals of open connections, re-checked every `interval` seconds."""

    def __init__(
        self,
        interval: float = CHECK_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.interval = interval
        self.clock = clock
        self._registrations: dict[Registration, None] = {}
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._registrations)

    def watch(self, principal: Principal | None, revoke: Callable[[], None]) -> Registration | None:
        """Call `revoke` once `principal` no longer holds; None for an open API (no principal)."""
        if principal is None:
            return None
        registration = Registration(self, principal, revoke)
        self._registrations[registration] = None
        return registration

    def forget(self, registration: Registration) -> None:
        self._registrations.pop(registration, None)

    async def holds(self, principal: Principal | None, *, wait: bool = False) -> bool:
        """Whether `principal`'s credentials are still good (an open API's None always is)."""
        if principal is None:
            return True
        if principal.expires_at is not None and self.clock() >= principal.expires_at:
            return False
        if principal.standing is None:
            return True
        try:
            return await principal.standing.holds(wait=wait)
        except AuthFailure:
            return False
        except Exception:
            logger.exception("re-checking credentials failed; treating them as revoked")
            return False

    async def sweep(self) -> int:
        """Check every registered principal once; revoke those that no longer hold. Returns
        how many registrations were revoked."""
        verdicts: dict[int, bool] = {}
        revoked = 0
        for registration in list(self._registrations):
            principal = registration.principal
            verdict = verdicts.get(id(principal))
            if verdict is None:
                verdict = verdicts[id(principal)] = await self.holds(principal)
            if not verdict:
                registration.revoke()
                revoked += 1
        return revoked

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="strawsync-revocation-watch")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._registrations.clear()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                revoked = await self.sweep()
            except Exception:  # a bug here must not stop every later check
                logger.exception("revocation sweep failed")
                continue
            if revoked:
                logger.info("revoked %d connection(s) or subscription(s)", revoked)
