"""The embedded search engine as a real child process, for every search engine test.

`search_engine` is one in-memory engine for the whole session (tests use their own index
names); `start_engine` runs another, e.g. on a data folder, for tests of persistence, locks
and crashes. Both speak plain HTTP on loopback: use `httpx` or opensearch-py against `.url`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.processes import stop

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


@dataclass
class RunningEngine:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    data_dir: Path | None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30.0)

    def kill(self) -> None:
        """SIGKILL: a crash, nothing committed on the way out."""
        self.process.kill()
        self.process.wait(timeout=10)

    def terminate(self, timeout: float = 20.0) -> int:
        """SIGTERM and wait: the engine commits and exits; its exit status."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def engine_command(port_file: Path, data_dir: Path | None, *extra: str) -> list[str]:
    storage = ["--in-memory"] if data_dir is None else ["--data-dir", str(data_dir)]
    return [
        sys.executable, "-m", "app.searchengine", "--host", "127.0.0.1", "--port", "0",
        "--port-file", str(port_file), *storage, *extra,
    ]  # fmt: skip


@contextmanager
def start_engine(
    run_dir: Path, data_dir: Path | None = None, *extra: str
) -> Iterator[RunningEngine]:
    """Run `python -m app.searchengine` until the block ends (then SIGTERM, SIGKILL if it
    lingers). Waits for the port file and a `GET /` answer."""
    run_dir.mkdir(parents=True, exist_ok=True)
    port_file = run_dir / f"port-{time.monotonic_ns()}"
    log_path = port_file.with_suffix(".log")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            engine_command(port_file, data_dir, *extra),
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    engine = None
    try:
        engine = RunningEngine(
            process, _wait_port(process, port_file, log_path), log_path, data_dir
        )
        _wait_answer(engine)
        yield engine
    finally:
        stop(process, grace=20)


def _wait_port(process: subprocess.Popen[bytes], port_file: Path, log_path: Path) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if port_file.is_file():
            return int(port_file.read_text().strip())
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"search engine did not start:\n{log_path.read_text(errors='replace')}")


def _wait_answer(engine: RunningEngine) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            if httpx.get(engine.url + "/", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"search engine does not answer:\n{engine.log()}")


@pytest.fixture(scope="session")
def search_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEngine]:
    """One in-memory engine for the session; give each test its own index names."""
    with start_engine(tmp_path_factory.mktemp("search-engine")) as engine:
        yield engine


@pytest.fixture(scope="session")
def es(search_engine: RunningEngine) -> Iterator[httpx.Client]:
    """An httpx client on the session's engine."""
    with search_engine.client() as client:
        yield client
