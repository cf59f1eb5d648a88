"""Start local engines, restart one that exits, stop them all: one supervisor per server.

What a crash looks like from outside: the engine's exit is logged at ERROR with its exit status
and the end of its output (and, for an in-memory engine, that its data is gone); its
dependents answer a fast typed error; `/ready` reports it down; it is started again after a
backoff (0.5 s doubling up to 30 s, back to 0.5 s once it has stayed up 30 s), and a restart
that fails is retried on the same schedule. Stopping the supervisor (shutdown) never triggers
a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.engines.base import EngineError, EngineExit, LocalEngine
from app.readiness import DependencyStatus

logger = logging.getLogger("strawsync.engines")


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays between restarts: `initial`, doubling up to `maximum`; an engine that stayed up
    `stable_after` seconds has recovered, and its next restart waits `initial` again."""

    initial: float = 0.5
    maximum: float = 30.0
    stable_after: float = 30.0

    def __post_init__(self) -> None:
        if not 0 < self.initial <= self.maximum:
            raise ValueError(f"need 0 < initial <= maximum, not {self.initial}, {self.maximum}")

    def after(self, previous: float | None, uptime: float) -> float:
        """The delay before the next start, given the last delay and how long it stayed up."""
        if previous is None or uptime >= self.stable_after:
            return self.initial
        return min(previous * 2, self.maximum)


class EngineState(enum.Enum):
    STARTING = "starting"
    UP = "up"
    RESTARTING = "restarting"
    STOPPED = "stopped"


@dataclass(slots=True)
class _Watched:
    """One engine and what the supervisor knows about it."""

    engine: LocalEngine
    state: EngineState = EngineState.STOPPED
    restarts: int = 0
    started_at: float = 0.0
    last_exit: EngineExit | None = None
    task: asyncio.Task[None] | None = None


class Supervisor:
    """Owns the service's local engines for the life of the server."""

    def __init__(
        self,
        engines: Sequence[LocalEngine],
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        names = [engine.name for engine in engines]
        if len(set(names)) != len(names):
            raise ValueError(f"engine names must be unique: {names}")
        self._watched = [_Watched(engine) for engine in engines]
        self._backoff = backoff or Backoff()
        self._clock = clock
        self._stopping = False

    @property
    def engines(self) -> tuple[LocalEngine, ...]:
        return tuple(watched.engine for watched in self._watched)

    def state(self, name: str) -> EngineState:
        return self._find(name).state

    def restarts(self, name: str) -> int:
        return self._find(name).restarts

    async def start(self) -> None:
        """Start every engine in order, then watch them; a failure stops those started."""
        self._stopping = False
        try:
            for watched in self._watched:
                watched.state = EngineState.STARTING
                await watched.engine.start()
                watched.state = EngineState.UP
                watched.started_at = self._clock()
        except BaseException:
            await self.stop()
            raise
        for watched in self._watched:
            watched.task = asyncio.create_task(
                self._watch(watched), name=f"strawsync-supervise-{watched.engine.name}"
            )

    async def stop(self) -> None:
        """Stop watching first (so no exit looks like a crash), then stop every engine."""
        self._stopping = True
        tasks = [watched.task for watched in self._watched if watched.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for watched in reversed(self._watched):
            watched.task = None
            with contextlib.suppress(Exception):
                await watched.engine.stop()
            watched.state = EngineState.STOPPED

    def dependencies(self) -> list[EngineDependency]:
        """One readiness check per engine."""
        return [EngineDependency(self, watched.engine.name) for watched in self._watched]

    async def check(self, name: str) -> DependencyStatus:
        """Up when the supervisor holds it running and it answers a probe."""
        watched = self._find(name)
        engine = watched.engine
        if watched.state is not EngineState.UP:
            detail = watched.state.value
            if watched.last_exit is not None and watched.state is EngineState.RESTARTING:
                detail = f"restarting after it exited ({watched.last_exit.describe()})"
            return DependencyStatus(engine.name, "localEngine", False, detail)
        try:
            answers = await engine.probe()
        except Exception:  # a probe must not break /ready
            logger.exception("%s: readiness probe failed", engine.name)
            answers = False
        detail = None if answers else "running but not answering"
        return DependencyStatus(engine.name, "localEngine", answers, detail)

    def _find(self, name: str) -> _Watched:
        for watched in self._watched:
            if watched.engine.name == name:
                return watched
        raise KeyError(name)

    async def _watch(self, watched: _Watched) -> None:
        try:
            await self._supervise(watched)
        except Exception:  # a bug here must not pass silently: the engine is unwatched now
            logger.exception("%s: supervision ended", watched.engine.name)

    async def _supervise(self, watched: _Watched) -> None:
        """Wait for the engine to exit; log it, then restart it until a start succeeds."""
        engine = watched.engine
        delay: float | None = None
        while not self._stopping:
            ended = await engine.wait()
            if self._stopping:
                return
            uptime = self._clock() - watched.started_at
            watched.state = EngineState.RESTARTING
            watched.last_exit = ended
            delay = self._backoff.after(delay, uptime)
            logger.error(
                "%s exited unexpectedly (%s) after %.1f s; restarting in %.3g s. "
                "Its output ends with:\n%s",
                engine.name,
                ended.describe(),
                uptime,
                delay,
                ended.output_tail or "(no output)",
            )
            if engine.lost_on_restart:
                logger.error("%s restart: %s", engine.name, engine.lost_on_restart)
            await engine.stop()  # release what it held; dependents answer a typed error
            delay = await self._restart(watched, delay)

    async def _restart(self, watched: _Watched, delay: float) -> float:
        """Start again after `delay`, and after a growing delay as long as starting fails;
        returns the last delay used, for the backoff after the next exit."""
        engine = watched.engine
        while True:
            await asyncio.sleep(delay)
            try:
                await engine.start()
            except EngineError as error:
                delay = self._backoff.after(delay, 0.0)
                logger.error(
                    "%s did not restart: %s; next attempt in %.3g s", engine.name, error, delay
                )
                continue
            except Exception:
                delay = self._backoff.after(delay, 0.0)
                logger.exception("%s did not restart; next attempt in %.3g s", engine.name, delay)
                continue
            watched.restarts += 1
            watched.started_at = self._clock()
            watched.state = EngineState.UP
            logger.warning("%s is back (restart %d)", engine.name, watched.restarts)
            return delay


class EngineDependency:
    """An engine as a readiness dependency."""

    def __init__(self, supervisor: Supervisor, name: str) -> None:
        self._supervisor = supervisor
        self._name = name

    async def check(self) -> DependencyStatus:
        return await self._supervisor.check(self._name)
