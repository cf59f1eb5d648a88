"""The supervisor over a real child process: restart after a crash, backoff, clean shutdown.

`SleeperEngine` is the smallest engine there is: a Python child that prints a line and sleeps.
It implements the same `LocalEngine` contract as DynamoDB Local, so these tests say what any
engine (Lambda workers, a search engine) gets from supervision.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import pytest

from app.engines import Backoff, EngineError, EngineExit, EngineState, Supervisor

STARTUP_LINE = "sleeper ready"


class SleeperEngine:
    """A child process that prints `STARTUP_LINE` and sleeps; `failing_starts` makes the next
    starts fail, as an engine that cannot come back would."""

    lost_on_restart = "whatever the sleeper held in memory"

    def __init__(self, log_dir: Path, name: str = "sleeper") -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.failing_starts = 0
        self.up = False

    async def start(self) -> None:
        self.starts += 1
        if self.failing_starts:
            self.failing_starts -= 1
            raise EngineError("the sleeper refuses to start")
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                f"import time; print({STARTUP_LINE!r}, flush=True); time.sleep(120)",
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        self.up = True

    async def wait(self) -> EngineExit:
        assert self.process is not None
        status = await self.process.wait()
        return EngineExit(status, self.log_path.read_text(encoding="utf-8"))

    async def stop(self) -> None:
        self.up = False
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            process.terminate()
            await process.wait()

    async def probe(self) -> bool:
        return self.up and self.process is not None and self.process.returncode is None


async def eventually(condition: object, seconds: float = 10.0) -> None:
    """Poll `condition()` every 20 ms, at most `seconds`."""
    for _ in range(int(seconds / 0.02)):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not true within {seconds} s")


def test_backoff_doubles_up_to_its_maximum_and_resets_once_stable() -> None:
    backoff = Backoff(initial=0.5, maximum=30.0, stable_after=30.0)
    delays = [backoff.after(None, 0.0)]
    for _ in range(8):
        delays.append(backoff.after(delays[-1], 1.0))
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert backoff.after(30.0, 29.9) == 30.0
    assert backoff.after(30.0, 30.0) == 0.5


def test_a_backoff_must_start_above_zero() -> None:
    with pytest.raises(ValueError):
        Backoff(initial=0.0)


async def test_a_killed_engine_is_logged_and_restarted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = SleeperEngine(tmp_path)
    supervisor = Supervisor([engine], Backoff(initial=0.3, maximum=1.0))
    caplog.set_level(logging.WARNING, logger="strawsync.engines")
    await supervisor.start()
    try:
        assert supervisor.state("sleeper") is EngineState.UP
        assert (await supervisor.check("sleeper")).up
        await eventually(lambda: STARTUP_LINE in engine.log_path.read_text(encoding="utf-8"))
        first = engine.process
        assert first is not None
        os.kill(first.pid, signal.SIGKILL)

        await eventually(lambda: supervisor.state("sleeper") is EngineState.RESTARTING)
        down = await supervisor.check("sleeper")
        assert not down.up
        assert down.detail == "restarting after it exited (killed by SIGKILL)"

        await eventually(lambda: supervisor.state("sleeper") is EngineState.UP)
        assert supervisor.restarts("sleeper") == 1
        assert engine.process is not None and engine.process.pid != first.pid
        assert (await supervisor.check("sleeper")).up
    finally:
        await supervisor.stop()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    crash = errors[0].getMessage()
    assert crash.startswith("sleeper exited unexpectedly (killed by SIGKILL) after ")
    assert "restarting in 0.3 s" in crash
    assert STARTUP_LINE in crash  # the tail of its output
    assert errors[1].getMessage() == ("sleeper restart: whatever the sleeper held in memory")
    assert any(r.getMessage() == "sleeper is back (restart 1)" for r in caplog.records)


async def test_failed_restarts_are_retried_with_a_growing_delay(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = SleeperEngine(tmp_path)
    supervisor = Supervisor([engine], Backoff(initial=0.05, maximum=0.2))
    caplog.set_level(logging.WARNING, logger="strawsync.engines")
    await supervisor.start()
    try:
        engine.failing_starts = 4
        assert engine.process is not None
        os.kill(engine.process.pid, signal.SIGKILL)
        await eventually(lambda: supervisor.restarts("sleeper") == 1)
    finally:
        await supervisor.stop()
    refusals = [
        r.getMessage() for r in caplog.records if r.getMessage().startswith("sleeper did not")
    ]
    assert refusals == [
        f"sleeper did not restart: the sleeper refuses to start; next attempt in {delay} s"
        for delay in ("0.1", "0.2", "0.2", "0.2")
    ]
    assert engine.starts == 1 + 4 + 1


async def test_stopping_never_restarts(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    engine = SleeperEngine(tmp_path)
    supervisor = Supervisor([engine], Backoff(initial=0.05, maximum=0.1))
    caplog.set_level(logging.WARNING, logger="strawsync.engines")
    await supervisor.start()
    process = engine.process
    assert process is not None
    await supervisor.stop()
    assert process.returncode is not None
    await asyncio.sleep(0.3)  # longer than any restart delay
    assert engine.starts == 1
    assert engine.process is None
    assert supervisor.state("sleeper") is EngineState.STOPPED
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_failed_first_start_stops_the_engines_already_started(tmp_path: Path) -> None:
    first = SleeperEngine(tmp_path)
    second = SleeperEngine(tmp_path, name="second")
    second.failing_starts = 1
    supervisor = Supervisor([first, second])
    with pytest.raises(EngineError, match="refuses to start"):
        await supervisor.start()
    assert first.process is None
    assert supervisor.state("sleeper") is EngineState.STOPPED


def test_engine_names_are_unique(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unique"):
        Supervisor([SleeperEngine(tmp_path), SleeperEngine(tmp_path)])
