"""Readiness: whether every dependency of the served API is up, for `GET /ready`.

`/health` says the process answers (liveness, no I/O). `/ready` says whether requests can be
served well right now: each local engine, Redis pub/sub when configured, and remote DynamoDB
endpoints. Each check is bounded by a short timeout and its answer is kept for `ttl` seconds,
with concurrent callers sharing one probe, so polling `/ready` cannot hammer a dependency.
Nothing secret is reported: local engines show no port, remote endpoints show the URL the
operator configured (without credentials).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

logger = logging.getLogger("strawsync.readiness")

DEFAULT_TTL_SECONDS = 1.5


@dataclass(frozen=True, slots=True)
class DependencyStatus:
    """One dependency's answer: up or not, and a short reason when it is not."""

    name: str
    kind: str
    up: bool
    detail: str | None = None
    endpoint: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "status": "up" if self.up else "down",
        }
        if self.endpoint is not None:
            out["endpoint"] = self.endpoint
        if self.detail is not None:
            out["detail"] = self.detail
        return out


class Dependency(Protocol):
    """Something the API needs to serve requests, which can say whether it is up."""

    async def check(self) -> DependencyStatus:
        """Probe once, within a short timeout; never raises."""
        ...


class Pinged:
    """A dependency checked by a ping that says whether it answers (e.g. Redis's PING)."""

    def __init__(
        self,
        name: str,
        kind: str,
        ping: Callable[[], Awaitable[bool]],
        endpoint: str | None = None,
    ) -> None:
        self._name = name
        self._kind = kind
        self._ping = ping
        self._endpoint = endpoint

    async def check(self) -> DependencyStatus:
        try:
            up = await self._ping()
        except Exception:  # a broken probe reports the dependency down, never breaks /ready
            logger.exception("readiness: probing %s failed", self._name)
            up = False
        detail = None if up else "not answering"
        return DependencyStatus(self._name, self._kind, up, detail, self._endpoint)


class CachedCheck:
    """A dependency's answer, kept for `ttl` seconds; concurrent callers share one probe."""

    def __init__(
        self,
        dependency: Dependency,
        ttl: float = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._dependency = dependency
        self._ttl = ttl
        self._clock = clock
        self._answer: DependencyStatus | None = None
        self._answered_at = 0.0
        self._probe: asyncio.Task[DependencyStatus] | None = None

    async def check(self) -> DependencyStatus:
        if self._answer is not None and self._clock() - self._answered_at < self._ttl:
            return self._answer
        if self._probe is None:
            self._probe = asyncio.create_task(self._dependency.check())
            self._probe.add_done_callback(self._keep)
        # Shielded: one caller going away must not cancel the probe the others wait for.
        return await asyncio.shield(self._probe)

    def _keep(self, probe: asyncio.Task[DependencyStatus]) -> None:
        self._probe = None
        if not probe.cancelled() and probe.exception() is None:
            self._answer = probe.result()
            self._answered_at = self._clock()


@dataclass(frozen=True, slots=True)
class ReadinessReport:
    """Every dependency's status; ready when all are up (an API with none is ready)."""

    dependencies: tuple[DependencyStatus, ...]

    @property
    def ready(self) -> bool:
        return all(dependency.up for dependency in self.dependencies)

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ready" if self.ready else "unavailable",
            "dependencies": [dependency.as_json() for dependency in self.dependencies],
        }


class Readiness:
    """Checks every dependency concurrently, each through its own cache."""

    def __init__(
        self, dependencies: Sequence[Dependency], ttl: float = DEFAULT_TTL_SECONDS
    ) -> None:
        self._checks = [CachedCheck(dependency, ttl) for dependency in dependencies]

    async def report(self) -> ReadinessReport:
        answers = await asyncio.gather(*(check.check() for check in self._checks))
        return ReadinessReport(tuple(answers))
