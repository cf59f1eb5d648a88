"""A lean Python load generator, for machines without wrk.

Raw asyncio protocols on uvloop (when installed): `concurrency` keep-alive HTTP/1.1
connections, each sending its next request as soon as the previous response is complete (no
pipelining), timing each request from write to last byte. Run as a child process by the
harness, which measures its CPU:

    python -m benchmarks.pyload --port 8081 --body-file body.json --duration 10
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

import orjson

from benchmarks.loadgen import Load, LoadGenerator, LoadResult

HEADER_END = b"\r\n\r\n"
ERRORS_KEY = b'"errors":'


class Counters:
    def __init__(self) -> None:
        self.latencies_ns: list[int] = []
        self.non_2xx = 0
        self.error_bodies = 0
        self.socket_errors = 0


class Connection(asyncio.Protocol):
    """One keep-alive connection: send, read one whole response, record, send again."""

    def __init__(self, bench: Bench) -> None:
        self.bench = bench
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.sent_at = 0
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        if self.bench.stopping:
            self.transport.close()
            return
        self.sent_at = time.perf_counter_ns()
        self.transport.write(self.bench.request)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        response = parse_response(buffer)
        if response is None:
            return
        status, body, size = response
        del buffer[:size]
        self.bench.record(status, body, time.perf_counter_ns() - self.sent_at)
        self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.bench.stopping:
            self.bench.counters.socket_errors += 1
            self.bench.reconnect()
        if not self.closed.done():
            self.closed.set_result(None)


def parse_response(buffer: bytearray) -> tuple[int, bytes, int] | None:
    """(status, body, bytes used) of the complete response at the start of `buffer`, or None."""
    end = buffer.find(HEADER_END)
    if end < 0:
        return None
    head = bytes(buffer[:end]).lower()
    start = end + 4
    status = int(head[9:12])
    at = head.find(b"\r\ncontent-length:")
    if at >= 0:
        line_end = head.find(b"\r\n", at + 2)
        length = int(head[at + 17 : line_end if line_end >= 0 else len(head)])
        if len(buffer) < start + length:
            return None
        return status, bytes(buffer[start : start + length]), start + length
    if b"\r\ntransfer-encoding: chunked" in head:
        return _parse_chunked(buffer, status, start)
    raise ValueError("response has neither Content-Length nor chunked encoding")


def _parse_chunked(buffer: bytearray, status: int, at: int) -> tuple[int, bytes, int] | None:
    body = bytearray()
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None
        size = int(bytes(buffer[at:line_end]).split(b";")[0], 16)
        at = line_end + 2
        if size == 0:  # no trailers: the last chunk is followed by an empty line
            return (status, bytes(body), at + 2) if len(buffer) >= at + 2 else None
        if len(buffer) < at + size + 2:
            return None
        body += buffer[at : at + size]
        at += size + 2


class Bench:
    def __init__(self, host: str, port: int, request: bytes) -> None:
        self.host = host
        self.port = port
        self.request = request
        self.counters = Counters()
        self.stopping = False
        self.connections: list[Connection] = []

    def record(self, status: int, body: bytes, latency_ns: int) -> None:
        counters = self.counters
        counters.latencies_ns.append(latency_ns)
        if not 200 <= status < 300:
            counters.non_2xx += 1
        elif ERRORS_KEY in body:
            counters.error_bodies += 1

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(lambda: Connection(self), self.host, self.port)
        self.connections.append(connection)

    def reconnect(self) -> None:
        task = asyncio.ensure_future(self.connect())
        task.add_done_callback(self._connect_done)

    def _connect_done(self, task: asyncio.Future[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.counters.socket_errors += 1

    async def run(self, concurrency: int, duration: float) -> tuple[Counters, float]:
        connected = await asyncio.gather(
            *(self.connect() for _ in range(concurrency)), return_exceptions=True
        )
        self.counters.socket_errors += sum(isinstance(c, Exception) for c in connected)
        started = time.perf_counter()
        await asyncio.sleep(duration)
        counters, self.counters = self.counters, Counters()  # late responses go nowhere
        elapsed = time.perf_counter() - started
        self.stopping = True
        if self.connections:
            await asyncio.wait([c.closed for c in self.connections], timeout=10)
        return counters, elapsed


def request_bytes(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def percentile(ordered: list[int], fraction: float) -> int:
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0


def summary(counters: Counters, seconds: float) -> dict[str, object]:
    ordered = sorted(counters.latencies_ns)
    count = len(ordered)
    return {
        "requests": count,
        "seconds": seconds,
        "latency_ms": {
            "mean": sum(ordered) / count / 1e6 if count else 0.0,
            "p50": percentile(ordered, 0.50) / 1e6,
            "p90": percentile(ordered, 0.90) / 1e6,
            "p99": percentile(ordered, 0.99) / 1e6,
            "max": (ordered[-1] if ordered else 0) / 1e6,
        },
        "non_2xx": counters.non_2xx,
        "error_bodies": counters.error_bodies,
        "socket_errors": counters.socket_errors,
    }


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="closed-loop HTTP/1.1 POST load generator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/graphql")
    parser.add_argument("--body-file", type=Path, required=True)
    parser.add_argument("--header", action="append", default=[], help="Name: value")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {name.strip(): value.strip() for name, value in headers.items()}
    request = request_bytes(args.host, args.port, args.path, args.body_file.read_bytes(), headers)
    bench = Bench(args.host, args.port, request)
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        counters, seconds = runner.run(bench.run(args.concurrency, args.duration))
    sys.stdout.buffer.write(orjson.dumps(summary(counters, seconds)) + b"\n")
    return 0


class PythonLoadGenerator(LoadGenerator):
    name = "python"

    def __init__(self, cpus: set[int] | None = None) -> None:
        super().__init__(cpus)
        self._body_dir = tempfile.TemporaryDirectory(prefix="strawsync-bench-")

    def describe(self) -> str:
        return "python (benchmarks/pyload.py, asyncio protocols on uvloop)"

    def command(self, load: Load) -> list[str]:
        body_file = Path(self._body_dir.name) / f"{load.port}.json"
        body_file.write_bytes(load.body)
        headers = [arg for h in load.headers.items() for arg in ("--header", ": ".join(h))]
        return [
            sys.executable, "-m", "benchmarks.pyload",
            "--host", load.host, "--port", str(load.port), "--path", load.path,
            "--body-file", str(body_file), "--concurrency", str(load.concurrency),
            "--duration", str(load.duration), *headers,
        ]  # fmt: skip

    def parse(self, stdout: str) -> LoadResult:
        data = orjson.loads(stdout.strip().splitlines()[-1])
        return LoadResult(**data)


if __name__ == "__main__":
    raise SystemExit(main())
