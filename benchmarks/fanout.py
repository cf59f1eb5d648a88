"""Fan-out: mutations delivered to 1,000 AppSync real-time subscribers of one topic.

    .venv/bin/python -m benchmarks.fanout [--subscribers 1000] [--mutations 20]
                                          [--pubsub memory --pubsub redis] [--clients 1]

For each pub/sub backend (in-process `memory`, and `redis` against a real `redis-server` started
for the run) the benchmark starts the sample API (`strawsync serve --in-memory [--pubsub ...]`),
then client processes open `--subscribers` WebSockets to `/graphql/realtime`, each one
`connection_init` → `connection_ack`, then `start` of
`subscribeToEventComments(eventId: "fanout-event")` → `start_ack`: every subscriber is on the
same topic and passes the same filter. Then `commentOnEvent(eventId: "fanout-event")` is sent
`--mutations` times over HTTP, one at a time: each mutation is sent once every subscriber got the
previous one (`--back-to-back` does not wait), after one discarded warm-up mutation.

Latency of a delivery: from the moment the mutation's HTTP response was read (in this process)
to the moment the subscriber's socket had the `data` frame (in a client process, stamped in
`data_received` before any parsing). Both sides read `time.monotonic()`, CLOCK_MONOTONIC, which
is one clock for the whole machine on Linux. The server publishes before it answers, so a frame
can arrive before the response is read: such latencies are negative and counted as they are.

The clients are asyncio protocols driving websockets' sans-I/O `ClientProtocol` (no task per
socket), on uvloop; by default one process holds every socket. With two or more CPUs the server
is pinned to the first and the clients to the second, as in `python -m benchmarks`; DynamoDB
Local (the server's child JVM, every thread of it) is then moved to the clients' CPU, so its
garbage collector and compiler threads never take the server's core during a fan-out.

Exit status 1 unless every subscriber received every mutation exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import math
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from benchmarks import machine, servers
from benchmarks.project import API_KEY_HEADER, create_api_key, temporary_copy

RESULTS = Path(__file__).resolve().parent / "results"
EVENT_ID = "fanout-event"
TARGET_P99_MS = 250.0
SUBSCRIBE_TIMEOUT = 120.0
"""Seconds for every client to have every subscription acknowledged."""
DELIVERY_TIMEOUT = 10.0
"""Seconds to wait for one mutation to reach every subscriber before moving on."""
CONNECT_CONCURRENCY = 64
"""Sockets each client process opens at a time (connect + handshake + start_ack)."""
FILES_MARGIN = 256

SUBSCRIPTION = (
    "subscription($eventId: String!) { subscribeToEventComments(eventId: $eventId) "
    "{ eventId commentId content createdAt } }"
)
MUTATION = (
    "mutation($eventId: ID!, $content: String!, $createdAt: String!) { "
    "commentOnEvent(eventId: $eventId, content: $content, createdAt: $createdAt) "
    "{ eventId commentId content createdAt } }"
)


# The client processes ---------------------------------------------------------------------------
#
# A client talks to the orchestrating process with one JSON object per line: on stdout it says
# `started` (imports done), `subscribed` (every socket acknowledged, or failed), `delivered`
# (mutation i reached every socket) and `report` (every receive time); on stdin it reads `go`
# (open the sockets), `report` and `close`.


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.buffer.write(orjson.dumps(message) + b"\n")
    sys.stdout.buffer.flush()


class _Tracker:
    """What one client process received, per mutation index (-1 is the warm-up)."""

    def __init__(self, sockets: int, mutations: int) -> None:
        self.expected = sockets
        self.mutations = mutations
        self.counts: dict[int, int] = {}
        self.duplicates = 0
        self.unexpected: list[str] = []

    def received(self, index: int) -> None:
        count = self.counts.get(index, 0) + 1
        self.counts[index] = count
        if count == self.expected:
            _emit({"event": "delivered", "index": index})


class _Subscriber(asyncio.Protocol):
    """One AppSync real-time socket: an asyncio protocol driving a sans-I/O client."""

    def __init__(self, url: str, start: bytes, tracker: _Tracker) -> None:
        self.ws = ClientProtocol(parse_uri(url), subprotocols=[Subprotocol("graphql-ws")])
        self.start = start
        self.tracker = tracker
        self.times: list[float | None] = [None] * tracker.mutations
        self.subscribed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.closing = False

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass
        self.ws.send_request(self.ws.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self.ws.receive_data(data)
        for event in self.ws.events_received():
            if isinstance(event, Response):
                if self.ws.handshake_exc is not None:
                    self._fail(f"handshake refused: {self.ws.handshake_exc}")
                else:
                    self.ws.send_text(b'{"type":"connection_init"}')
            elif isinstance(event, Frame) and event.opcode is Opcode.TEXT:
                self._message(bytes(event.data), now)
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closing:
            self._fail(f"connection lost: {exc or 'closed by the server'}")

    # The AppSync protocol

    def _message(self, data: bytes, now: float) -> None:
        message = orjson.loads(data)
        kind = message.get("type")
        if kind == "data":
            content = message["payload"]["data"]["subscribeToEventComments"]["content"]
            index = int(content.rsplit(" ", 1)[1])
            if index >= 0:
                if self.times[index] is not None:
                    self.tracker.duplicates += 1
                    return
                self.times[index] = now
            self.tracker.received(index)
        elif kind == "ka":
            pass
        elif kind == "connection_ack":
            self.ws.send_text(self.start)
        elif kind == "start_ack":
            if not self.subscribed.done():
                self.subscribed.set_result(None)
        else:
            self._fail(data.decode(errors="replace")[:300])

    def _fail(self, reason: str) -> None:
        if not self.subscribed.done():
            self.subscribed.set_exception(RuntimeError(reason))
        elif len(self.tracker.unexpected) < 20:
            self.tracker.unexpected.append(reason)

    def _flush(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            for chunk in self.ws.data_to_send():
                if chunk:
                    self.transport.write(chunk)

    def close(self) -> None:
        self.closing = True
        if self.transport is not None and not self.transport.is_closing():
            with suppress(Exception):
                self.ws.send_close(1000)
                self._flush()
            self.transport.close()


async def _client(url: str, sockets: int, mutations: int, authorization: dict[str, str]) -> None:
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    request = {"query": SUBSCRIPTION, "variables": {"eventId": EVENT_ID}}
    start = orjson.dumps(
        {
            "id": "fanout",
            "type": "start",
            "payload": {
                "data": orjson.dumps(request).decode(),
                "extensions": {"authorization": authorization},
            },
        }
    )
    tracker = _Tracker(sockets, mutations)
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def open_one(subscriber: _Subscriber) -> None:
        async with gate:
            await loop.create_connection(lambda: subscriber, host, int(port))
            await asyncio.wait_for(subscriber.subscribed, SUBSCRIBE_TIMEOUT)

    _emit({"event": "started"})
    await stdin.readline()  # go
    subscribers = [_Subscriber(url, start, tracker) for _ in range(sockets)]
    outcomes = await asyncio.gather(*(open_one(s) for s in subscribers), return_exceptions=True)
    failures = [repr(outcome) for outcome in outcomes if isinstance(outcome, BaseException)]
    tracker.expected = sockets - len(failures)
    _emit(
        {
            "event": "subscribed",
            "t": time.monotonic(),
            "failed": len(failures),
            "errors": sorted(set(failures))[:5],
        }
    )
    while command := (await stdin.readline()).strip():
        if command == b"report":
            _emit(
                {
                    "event": "report",
                    "times": [s.times for s in subscribers],
                    "failed": len(failures),
                    "duplicates": tracker.duplicates,
                    "unexpected": tracker.unexpected,
                }
            )
        elif command == b"close":
            break
    for subscriber in subscribers:
        subscriber.close()
    await asyncio.sleep(0.2)


def client_main(config: str) -> int:
    """Entry point of a client process (`--client-of JSON`)."""
    import uvloop

    settings = orjson.loads(config)
    uvloop.run(
        _client(
            settings["url"], settings["sockets"], settings["mutations"], settings["authorization"]
        )
    )
    return 0


# The orchestrating process ----------------------------------------------------------------------


@dataclass
class _ClientProcess:
    process: asyncio.subprocess.Process
    sockets: int
    delivered_up_to: int = -2
    """The last mutation index every socket of this client has received (-1: warm-up)."""

    async def line(self, seconds: float) -> dict[str, Any]:
        """The client's next message; TimeoutError after `seconds`."""
        assert self.process.stdout is not None
        async with asyncio.timeout(seconds):
            raw = await self.process.stdout.readline()
        if not raw:
            raise RuntimeError(f"client {self.process.pid} exited ({self.process.returncode})")
        message: dict[str, Any] = orjson.loads(raw)
        return message

    def tell(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command.encode() + b"\n")


@dataclass
class RunResult:
    pubsub: str
    subscribers: int
    mutations: int
    expected: int
    delivered: int = 0
    missing: int = 0
    duplicates: int = 0
    failed_subscriptions: int = 0
    subscribe_seconds: float = math.nan
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    fanout_ms: list[float] = field(default_factory=list)
    """Per mutation: from its HTTP response to its last delivery."""
    from_request_ms: list[float] = field(default_factory=list, repr=False)
    mutation_ms: list[float] = field(default_factory=list, repr=False)
    timed_out: list[int] = field(default_factory=list)
    rss_mib: dict[str, float] = field(default_factory=dict)
    server_cpu_subscribe_s: float = math.nan
    server_cpu_deliver_s: float = math.nan
    client_cpu_deliver_s: float = math.nan
    others_cpu_deliver_s: float = math.nan
    """CPU time used meanwhile by processes that are not part of the benchmark."""
    measured_s: float = math.nan
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.delivered == self.expected and self.duplicates == 0

    def summary(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if not k.endswith("_ms")}
        out["fanout_ms"] = self.fanout_ms
        out["latency_ms"] = _stats(self.latencies_ms)
        out["latency_from_request_ms"] = _stats(self.from_request_ms)
        out["mutation_round_trip_ms"] = _stats(self.mutation_ms)
        out["server_cpu_us_per_delivery"] = (
            self.server_cpu_deliver_s / self.delivered * 1e6 if self.delivered else None
        )
        out["ok"] = self.ok
        return out


def _percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of non-empty `values`."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def _stats(values: Sequence[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "min": min(values),
        "p50": _percentile(values, 50),
        "p90": _percentile(values, 90),
        "p99": _percentile(values, 99),
        "max": max(values),
        "mean": statistics.fmean(values),
    }


def rss_mib(pid: int) -> float:
    """Resident set size of `pid` (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return math.nan


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / servers.CLOCK_TICKS


def busy_seconds() -> float:
    """CPU time every process on the machine has used so far (all CPUs, from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / servers.CLOCK_TICKS


def raise_open_files(needed: int) -> int:
    """Raise this process's soft RLIMIT_NOFILE to at least `needed` (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise SystemExit(
                f"open files limit: need {needed}, the hard limit is {hard} "
                "(raise it with `ulimit -Hn` as root, or use fewer --subscribers)"
            )
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
        soft = needed
    return soft


def _strawsync(pubsub_url: str | None) -> servers.ServerSpec:
    def command(port: int, project: Path) -> list[str]:
        argv = [*servers.SERVERS["strawsync"].command(port, project), "--in-memory"]
        return [*argv, "--pubsub", pubsub_url] if pubsub_url else argv

    name = "strawsync-redis" if pubsub_url else "strawsync-memory"
    return servers.ServerSpec(name, f"python -m app serve --pubsub {pubsub_url}", command)


def move_descendants(pid: int, cpus: set[int]) -> list[int]:
    """Pin every thread of every process below `pid` (DynamoDB Local's JVM) to `cpus`; new
    threads inherit it from the thread that creates them. Returns those processes' pids."""
    found = servers.descendants(pid)
    for process in found:
        with suppress(OSError):
            for thread in Path(f"/proc/{process}/task").iterdir():
                with suppress(OSError):
                    os.sched_setaffinity(int(thread.name), cpus)
    return found


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


async def _spawn_clients(
    url: str,
    authorization: dict[str, str],
    subscribers: int,
    mutations: int,
    processes: int,
    cpus: set[int] | None,
) -> list[_ClientProcess]:
    clients = []
    for sockets in _split(subscribers, processes):
        config = orjson.dumps(
            {
                "url": url,
                "authorization": authorization,
                "sockets": sockets,
                "mutations": mutations,
            }
        ).decode()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.fanout",
            "--client-of",
            config,
            cwd=servers.ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            preexec_fn=servers.pin_to(cpus),
            limit=1 << 26,
        )
        clients.append(_ClientProcess(process, sockets))
    for client in clients:
        started = await client.line(60)
        assert started["event"] == "started", started
    return clients


async def _measure(
    server: servers.Server,
    api_key: str,
    result: RunResult,
    clients_count: int,
    client_cpus: set[int] | None,
    back_to_back: bool,
    helpers: Sequence[int],
) -> None:
    """Subscribe, deliver, collect; `helpers` are the other pids of the run (DynamoDB Local,
    redis-server), whose CPU time does not count as contention."""
    pid = server.process.pid
    # As AppSync clients authorize: the API key in the handshake's `header` and in each
    # `start`'s `extensions.authorization`, and as `x-api-key` on the mutations' requests.
    authorization = {"host": f"{servers.HOST}:{server.port}", API_KEY_HEADER: api_key}
    url = f"ws://{servers.HOST}:{server.port}/graphql/realtime?" + _handshake_query(authorization)
    clients = await _spawn_clients(
        url, authorization, result.subscribers, result.mutations, clients_count, client_cpus
    )
    try:
        result.rss_mib["idle"] = rss_mib(pid)
        cpu_before = cpu_seconds(pid)
        started = time.monotonic()
        for client in clients:
            client.tell("go")
        subscribed = [await client.line(SUBSCRIBE_TIMEOUT + 30) for client in clients]
        result.subscribe_seconds = max(message["t"] for message in subscribed) - started
        result.server_cpu_subscribe_s = cpu_seconds(pid) - cpu_before
        for message in subscribed:
            assert message["event"] == "subscribed", message
            result.failed_subscriptions += message["failed"]
            result.errors.extend(message["errors"])
        if result.failed_subscriptions == result.subscribers:
            raise RuntimeError("no subscription could be started")
        result.rss_mib["subscribed"] = rss_mib(pid)

        responses: list[float] = []
        requests: list[float] = []
        async with httpx.AsyncClient(
            base_url=server.url, timeout=30, headers={API_KEY_HEADER: api_key}
        ) as http:
            await _deliver(http, clients, -1, result, False)  # warm-up, not measured
            ours = [os.getpid(), pid, *helpers, *(c.process.pid for c in clients)]
            ours_before, busy_before = sum(map(cpu_seconds, ours)), busy_seconds()
            wall_before = time.monotonic()
            cpu_before = cpu_seconds(pid)
            client_cpu_before = sum(cpu_seconds(c.process.pid) for c in clients)
            for index in range(result.mutations):
                sent, answered = await _deliver(http, clients, index, result, back_to_back)
                requests.append(sent)
                responses.append(answered)
            if back_to_back:
                for index in range(result.mutations):
                    await _wait_delivered(clients, index, result)
            result.server_cpu_deliver_s = cpu_seconds(pid) - cpu_before
            result.client_cpu_deliver_s = (
                sum(cpu_seconds(c.process.pid) for c in clients) - client_cpu_before
            )
            result.others_cpu_deliver_s = (busy_seconds() - busy_before) - (
                sum(map(cpu_seconds, ours)) - ours_before
            )
            result.measured_s = time.monotonic() - wall_before
        result.rss_mib["after"] = rss_mib(pid)

        for client in clients:
            client.tell("report")
        last = [-math.inf] * result.mutations
        for client in clients:
            report = await client.line(60)
            assert report["event"] == "report", report
            result.duplicates += report["duplicates"]
            result.errors.extend(report["unexpected"])
            for times in report["times"]:
                for index, received in enumerate(times):
                    if received is None:
                        result.missing += 1
                        continue
                    result.delivered += 1
                    latency = (received - responses[index]) * 1000
                    result.latencies_ms.append(latency)
                    result.from_request_ms.append((received - requests[index]) * 1000)
                    last[index] = max(last[index], latency)
        result.fanout_ms = last
        result.mutation_ms = [(a - s) * 1000 for s, a in zip(requests, responses, strict=True)]
    finally:
        await close_clients(clients)


async def close_clients(clients: Sequence[_ClientProcess]) -> None:
    """Tell every client process to close its sockets and exit; kill one that takes over 10 s."""
    for client in clients:
        with suppress(Exception):
            client.tell("close")
    for client in clients:
        try:
            await asyncio.wait_for(client.process.wait(), 10)
        except TimeoutError:
            client.process.kill()
            await client.process.wait()


async def _deliver(
    http: httpx.AsyncClient,
    clients: Sequence[_ClientProcess],
    index: int,
    result: RunResult,
    back_to_back: bool,
) -> tuple[float, float]:
    """Send mutation `index`; wait until every client saw it unless `back_to_back`.
    Returns when the request was sent and when its response was read (monotonic)."""
    variables = {
        "eventId": EVENT_ID,
        "content": f"fanout {index}",
        "createdAt": datetime.now(UTC).isoformat(),
    }
    sent = time.monotonic()
    response = await http.post("/graphql", json={"query": MUTATION, "variables": variables})
    answered = time.monotonic()
    body = response.json()
    if response.status_code != 200 or "errors" in body:
        raise RuntimeError(f"mutation {index} failed: {response.status_code} {body}")
    if not back_to_back:
        await _wait_delivered(clients, index, result)
    return sent, answered


async def _wait_delivered(clients: Sequence[_ClientProcess], index: int, result: RunResult) -> None:
    """Read each client's `delivered` line for `index` (or give up after DELIVERY_TIMEOUT)."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    for client in clients:
        while client.delivered_up_to < index:
            try:
                message = await client.line(max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                result.timed_out.append(index)
                return
            assert message["event"] == "delivered", message
            client.delivered_up_to = max(client.delivered_up_to, message["index"])


def _handshake_query(authorization: dict[str, str]) -> str:
    """AppSync clients' `header` (`host` and the authorization headers) and `payload` query
    parameters."""
    header = base64.b64encode(orjson.dumps(authorization)).decode()
    return f"header={header}&payload=e30="


def run(
    pubsub: str,
    args: argparse.Namespace,
    server_cpus: set[int] | None,
    client_cpus: set[int] | None,
) -> RunResult:
    result = RunResult(
        pubsub, args.subscribers, args.mutations, expected=args.subscribers * args.mutations
    )
    with ExitStack() as stack:
        pubsub_url = None
        redis = None
        if pubsub == "redis":
            from tests.support.redis_server import RedisServer

            (RESULTS / "logs").mkdir(parents=True, exist_ok=True)
            redis = RedisServer(RESULTS / "logs")
            redis.start()
            stack.callback(redis.stop)
            pubsub_url = redis.url
        spec = _strawsync(pubsub_url)
        # Served from a copy holding an API key made for the run (the sample's default mode is
        # API_KEY), so no key is written into the project itself.
        project = Path(stack.enter_context(temporary_copy(args.project)))
        api_key = create_api_key(project)
        print(f"starting {spec.name} ...", file=sys.stderr)
        server = servers.start(spec, project, RESULTS / "logs", server_cpus)
        stack.callback(server.stop)
        helpers = move_descendants(server.process.pid, client_cpus) if client_cpus else []
        if redis is not None and redis._process is not None:
            helpers.append(redis._process.pid)
        print(
            f"  pid {server.process.pid}, port {server.port}; {args.subscribers} subscribers "
            f"in {args.clients} client process(es), {args.mutations} mutations",
            file=sys.stderr,
        )
        try:
            asyncio.run(
                _measure(
                    server, api_key, result, args.clients, client_cpus, args.back_to_back, helpers
                )
            )
        except Exception as exc:
            result.errors.append(f"{type(exc).__name__}: {exc}")
            print(f"  failed: {exc}\n{server.log_tail()}", file=sys.stderr)
        if result.errors:
            print(f"  server log: {server.log_path}", file=sys.stderr)
    return result


def _format(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def table(results: Sequence[RunResult]) -> str:
    lines = [
        "| Pub/sub | Delivered | p50 (ms) | p99 (ms) | max (ms) | Subscribe all (s) "
        "| Server RSS idle → subscribed → after (MiB) | Server CPU µs/delivery |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        stats = _stats(r.latencies_ms) or {}
        rss = " → ".join(_format(r.rss_mib.get(k)) for k in ("idle", "subscribed", "after"))
        per_delivery = r.server_cpu_deliver_s / r.delivered * 1e6 if r.delivered else None
        lines.append(
            f"| {r.pubsub} | {r.delivered:,} / {r.expected:,} | {_format(stats.get('p50'))} "
            f"| {_format(stats.get('p99'))} | {_format(stats.get('max'))} "
            f"| {_format(r.subscribe_seconds, 2)} | {rss} | {_format(per_delivery, 0)} |"
        )
    return "\n".join(lines)


def details(result: RunResult) -> str:
    stats = _stats(result.latencies_ms) or {}
    request = _stats(result.from_request_ms) or {}
    mutation = _stats(result.mutation_ms) or {}
    verdict = (
        "met"
        if stats and stats["p99"] < TARGET_P99_MS and result.ok
        else f"MISSED (target: all delivered, p99 < {TARGET_P99_MS:.0f} ms)"
    )
    lines = [
        f"{result.pubsub}: {result.delivered:,} of {result.expected:,} delivered, "
        f"{result.missing:,} missing, {result.duplicates} duplicates, "
        f"{result.failed_subscriptions} failed subscriptions; target {verdict}",
        f"  latency from HTTP response (ms): min {_format(stats.get('min'))}, "
        f"p50 {_format(stats.get('p50'))}, p90 {_format(stats.get('p90'))}, "
        f"p99 {_format(stats.get('p99'))}, max {_format(stats.get('max'))}",
        f"  latency from request sent (ms): p50 {_format(request.get('p50'))}, "
        f"p99 {_format(request.get('p99'))}; mutation round trip (ms): "
        f"p50 {_format(mutation.get('p50'))}, max {_format(mutation.get('max'))}",
        "  per mutation, last delivery (ms): "
        + " ".join(_format(value, 0) for value in result.fanout_ms),
        f"  server CPU: {_format(result.server_cpu_subscribe_s, 2)} s to subscribe, "
        f"{_format(result.server_cpu_deliver_s, 2)} s for the measured mutations; "
        f"clients' CPU: {_format(result.client_cpu_deliver_s, 2)} s; other processes on the "
        f"machine: {_format(result.others_cpu_deliver_s, 2)} s CPU in "
        f"{_format(result.measured_s, 2)} s",
    ]
    if result.timed_out:
        lines.append(f"  mutations not fully delivered within {DELIVERY_TIMEOUT:.0f} s: ")
        lines[-1] += ", ".join(map(str, sorted(set(result.timed_out))))
    lines.extend(f"  error: {error}" for error in result.errors[:10])
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.fanout",
        description="Deliver mutations to many AppSync real-time subscribers of one topic.",
    )
    parser.add_argument("--subscribers", type=int, default=1000, help="sockets (1000)")
    parser.add_argument("--mutations", type=int, default=20, help="measured mutations (20)")
    parser.add_argument(
        "--pubsub",
        action="append",
        choices=["memory", "redis"],
        help="pub/sub backends to run, repeatable (memory and redis; redis needs redis-server)",
    )
    parser.add_argument("--clients", type=int, default=1, help="client processes (1)")
    parser.add_argument(
        "--back-to-back",
        action="store_true",
        help="send each mutation as soon as the previous one is answered, without waiting "
        "for its deliveries (latency then includes queueing behind earlier fan-outs)",
    )
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin server and clients to separate CPUs"
    )
    parser.add_argument(
        "--project", type=Path, default=servers.ROOT, help="the sample API (repo root)"
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS / "fanout.json", help="JSON results file"
    )
    parser.add_argument("--client-of", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.client_of:
        return client_main(args.client_of)
    if args.subscribers < 1 or args.mutations < 1 or args.clients < 1:
        raise SystemExit("--subscribers, --mutations and --clients must be at least 1")
    backends = list(dict.fromkeys(args.pubsub or ["memory", "redis"]))
    if "redis" in backends and shutil.which("redis-server") is None:
        if args.pubsub:
            raise SystemExit("redis-server is not installed (`make setup` installs it)")
        print("redis-server is not installed: skipping --pubsub redis", file=sys.stderr)
        backends.remove("redis")
    open_files = raise_open_files(args.subscribers + FILES_MARGIN)
    cpus = sorted(os.sched_getaffinity(0))
    server_cpus, client_cpus = (
        (None, None) if args.no_pin or len(cpus) < 2 else ({cpus[0]}, {cpus[1]})
    )

    results = [run(backend, args, server_cpus, client_cpus) for backend in backends]

    print()
    print(table(results))
    print()
    for result in results:
        print(details(result))
    info = machine.describe()
    placement = (
        f"server on CPU {min(server_cpus)}, clients on CPU {min(client_cpus)}"
        if server_cpus and client_cpus
        else "not pinned"
    )
    command = shlex.join(["python", "-m", "benchmarks.fanout", *(argv or sys.argv[1:])])
    print(
        f"\n{info['nproc']} CPUs ({info['cpu_model']}), Python {info['python']}; {placement}; "
        f"{args.clients} client process(es); open files limit {open_files}.\n`{command}`"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "command": command,
        "machine": info,
        "settings": {
            "subscribers": args.subscribers,
            "mutations": args.mutations,
            "clients": args.clients,
            "back_to_back": args.back_to_back,
            "pinned": placement,
            "open_files": open_files,
        },
        "results": [result.summary() for result in results],
    }
    args.output.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    print(f"results: {args.output}", file=sys.stderr)
    return 0 if results and all(result.ok for result in results) else 1


if __name__ == "__main__":
    sys.exit(main())
