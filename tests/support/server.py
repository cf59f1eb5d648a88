"""Start `strawsync serve` as a real child process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.processes import stop

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    process: subprocess.Popen[str]
    url: str
    log_path: Path

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serve(
    project: Path,
    log_dir: Path,
    extra_args: Sequence[str] = (),
    timeout: float = 30.0,
    cwd: Path = REPO,
    python_args: Sequence[str] = ("-m", "app"),
) -> Iterator[RunningServer]:
    """Run the server until the block ends, then stop it with SIGTERM (graceful shutdown).

    `project` may be relative to `cwd`, as `make run`'s `--project .` is; `python_args` is
    how Python starts the CLI (`-c <code>` to change something first).
    """
    port = free_port()
    log_path = log_dir / f"server-{port}.log"
    log_file = log_path.open("w", encoding="utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [
            sys.executable,
            *python_args,
            "serve",
            "--project",
            str(project),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            *extra_args,
        ],
        cwd=cwd,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    server = RunningServer(process, f"http://127.0.0.1:{port}", log_path)
    try:
        _wait_healthy(server, timeout)
        yield server
    finally:
        stop(process, grace=15)
        log_file.close()


def _wait_healthy(server: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not become healthy in {timeout}s:\n{server.log()}")
