"""The servers under test, each run as a child process on a free loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ServerSpec:
    """How to start one kind of server; `command(port, project)` gives its argv."""

    name: str
    description: str
    command: Callable[[int, Path], list[str]]
    health_path: str = "/health"


def _strawsync(port: int, project: Path) -> list[str]:
    return [
        sys.executable, "-m", "app", "serve", "--project", str(project),
        "--host", HOST, "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip


def _aioboto3(port: int, project: Path) -> list[str]:
    return [
        sys.executable, "-m", "benchmarks.baseline_dynamodb", "--project", str(project),
        "--host", HOST, "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip


def _graphql_core(port: int, project: Path) -> list[str]:
    return [
        sys.executable, "-m", "benchmarks.baseline_app",
        "--schema", str(project / "schema.graphql"),
        "--host", HOST, "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip


SERVERS: dict[str, ServerSpec] = {
    spec.name: spec
    for spec in (
        ServerSpec("strawsync", "python -m app serve (Strawberry, VTL resolvers)", _strawsync),
        ServerSpec(
            "graphql-core",
            "bare Starlette + graphql-core, cached parse and validation (baseline_app.py)",
            _graphql_core,
        ),
        ServerSpec(
            "aioboto3",
            "bare Starlette + one aioboto3 client, a route per query (baseline_dynamodb.py)",
            _aioboto3,
        ),
    )
}


class ServerError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def pin_to(cpus: set[int] | None) -> Callable[[], None] | None:
    """A `preexec_fn` pinning the child to `cpus`, or None to leave it to the scheduler."""
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


@dataclass
class Server:
    """A running server process."""

    spec: ServerSpec
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]
    # What every request to this server must carry besides the scenario's own headers:
    # Strawsync's `x-api-key` (the sample's default mode is API_KEY); none for the baselines.
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def cpu_seconds(self) -> float:
        """User + system CPU time the process (all threads) has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def native_modules(self) -> dict[str, bool]:
        """Whether the uvloop and httptools extensions are loaded in the server process."""
        maps = Path(f"/proc/{self.process.pid}/maps").read_text()
        return {"uvloop": "/uvloop/loop." in maps, "httptools": "/httptools/parser/" in maps}

    def log_tail(self, lines: int = 30) -> str:
        self.log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def start(
    spec: ServerSpec,
    project: Path,
    log_dir: Path,
    cpus: set[int] | None = None,
    env: Mapping[str, str] | None = None,
) -> Server:
    """Start `spec` on a free port and wait until its health check answers 200.

    `env` is added to this process's environment for the server."""
    port = free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{spec.name}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        spec.command(port, project),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=pin_to(cpus),
        env={**os.environ, **env} if env else None,
    )
    server = Server(spec, port, process, log_path, log)
    try:
        _wait_healthy(server)
    except BaseException:
        server.stop()
        raise
    return server


def _wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    url = server.url + server.spec.health_path
    while True:
        if server.process.poll() is not None:
            raise ServerError(
                f"{server.spec.name} exited with code {server.process.returncode} "
                f"before answering {url}:\n{server.log_tail()}"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise ServerError(f"{server.spec.name} did not answer {url} in {START_TIMEOUT:.0f} s")
        time.sleep(0.1)


def post(
    server: Server, path: str, body: bytes, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """One POST (JSON in, JSON out); returns the status and the decoded body."""
    request = urllib.request.Request(
        server.url + path,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, orjson.loads(response.read())
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return error.code, orjson.loads(raw)
        except orjson.JSONDecodeError:
            return error.code, raw.decode(errors="replace")


def stop_all(servers: Sequence[Server]) -> None:
    for server in servers:
        server.stop()


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (workers, engines, and anything they started)."""
    found: list[int] = []
    pending = [pid]
    while pending:
        parent = pending.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except FileNotFoundError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{parent}/task/{task}/children").read_text().split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            for child in map(int, children):
                found.append(child)
                pending.append(child)
    return found


def cpu_of(pids: Sequence[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total
