"""What every load generator takes and gives back, and which one to use."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from benchmarks.servers import ROOT, pin_to

# A saturated single-worker server uses ~100% of its core; less means something else ran there.
CONTENDED_BELOW = 0.9


@dataclass(frozen=True)
class Load:
    """One closed-loop run: `concurrency` keep-alive connections, one request in flight each."""

    host: str
    port: int
    path: str
    body: bytes
    concurrency: int
    duration: int
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latency_ms: dict[str, float]  # mean, p50, p90, p99, max
    non_2xx: int
    error_bodies: int  # 2xx responses whose JSON carries "errors"
    socket_errors: int  # connect/read/write errors and timeouts
    loadgen_cpu_s: float = 0.0  # CPU the generator used (user + system)
    server_cpu_s: float = 0.0  # CPU the server used over the same run
    attempts: int = 1  # measured runs made to get this one (see Settings.retries)

    @property
    def errors(self) -> int:
        return self.non_2xx + self.error_bodies + self.socket_errors

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_share(self) -> float:
        """The share of one core the server used; well under 1.0 means it was starved."""
        return self.server_cpu_s / self.seconds if self.seconds else 0.0

    @property
    def server_us_per_request(self) -> float:
        """Server CPU per request: unlike req/s, barely moved by other processes on the box."""
        return 1e6 * self.server_cpu_s / self.requests if self.requests else 0.0

    @property
    def contended(self) -> bool:
        return self.server_cpu_share < CONTENDED_BELOW

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            rps=round(self.rps, 1),
            errors=self.errors,
            server_cpu_percent=round(100 * self.server_cpu_share, 1),
            server_cpu_us_per_request=round(self.server_us_per_request, 1),
            contended=self.contended,
            loadgen_cpu_percent=round(100 * self.loadgen_cpu_s / self.seconds, 1),
            loadgen_cpu_us_per_request=round(1e6 * self.loadgen_cpu_s / max(self.requests, 1), 1),
        )
        return data


class LoadGenerator:
    """Runs a load generator as a child process and measures the CPU it used."""

    name = ""

    def __init__(self, cpus: set[int] | None = None) -> None:
        self.cpus = cpus

    def describe(self) -> str:
        return self.name

    def command(self, load: Load) -> list[str]:
        raise NotImplementedError

    def parse(self, stdout: str) -> LoadResult:
        raise NotImplementedError

    def run(self, load: Load, server_cpu: Callable[[], float]) -> LoadResult:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        server_before = server_cpu()
        completed = subprocess.run(
            self.command(load),
            cwd=ROOT,
            capture_output=True,
            text=True,
            preexec_fn=pin_to(self.cpus),
            timeout=load.duration + 60,
            check=False,
        )
        server_after = server_cpu()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if completed.returncode != 0:
            raise RuntimeError(
                f"{self.name} failed ({completed.returncode}):\n{completed.stderr[-2000:]}"
            )
        try:
            result = self.parse(completed.stdout)
        except (RuntimeError, ValueError) as error:
            raise RuntimeError(f"{error}\n{completed.stderr[-2000:]}") from None
        if result.requests == 0:
            raise RuntimeError(f"{self.name} completed no request:\n{completed.stderr[-2000:]}")
        result.loadgen_cpu_s = (after.ru_utime + after.ru_stime) - (
            before.ru_utime + before.ru_stime
        )
        # Sampled around the whole child process; its start-up is a few ms of idle server.
        result.server_cpu_s = server_after - server_before
        return result


def choose(kind: str, install: bool, cpus: set[int] | None) -> LoadGenerator:
    """`wrk` when available (installing it with apt-get if allowed), else the Python one."""
    from benchmarks.pyload import PythonLoadGenerator
    from benchmarks.wrk import WrkLoadGenerator, find_wrk, install_wrk

    if kind == "python":
        return PythonLoadGenerator(cpus)
    wrk = find_wrk() or (install_wrk() if install else None)
    if wrk:
        return WrkLoadGenerator(wrk, cpus)
    if kind == "wrk":
        raise SystemExit("wrk is not installed (apt-get install -y wrk) and could not be installed")
    print("wrk not available: falling back to the Python load generator", file=sys.stderr)
    return PythonLoadGenerator(cpus)


def can_install() -> bool:
    return os.geteuid() == 0 and shutil.which("apt-get") is not None
