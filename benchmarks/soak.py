"""Soak: a minute of mixed load on one server, its memory and open files sampled as it runs.

    .venv/bin/python -m benchmarks.soak [--seconds 60] [--rate 50] [--events 5]
                                        [--subscribers 200] [--interval 5] [--warmup 15]

The sample API is served (`strawsync serve --in-memory`, DynamoDB Local, an API key made for
the run in a copy of the project). `--subscribers` AppSync real-time sockets subscribe to one
event's comments (the client processes of `benchmarks.fanout`); then for `--seconds` this
process sends `--rate` HTTP requests a second on a fixed schedule: `--events` of them are
`commentOnEvent` (each delivered to every subscriber), a fifth of the rest `createEvent`, and
the others queries (`getEvent` with comments, `listEvents`, `echo`).

Every `--interval` seconds the server process's RSS, open file descriptors and threads are
read from /proc/<pid>. The table shows the curve; the slope is a least-squares fit of RSS over
the samples after `--warmup`, in MiB per minute (the reference battery's target: < 2). After
the load the subscribers disconnect and the HTTP client closes; the server's descriptors must
come back to their count before the load (within a small margin) in a bounded wait.

Exit status 1 if any request failed, any event was not delivered to every subscriber, or the
descriptors did not come back.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import shlex
import statistics
import sys
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import orjson

from benchmarks import fanout, machine, servers
from benchmarks.project import API_KEY_HEADER, create_api_key, temporary_copy

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_SLOPE_MIB_PER_MIN = 2.0
FD_MARGIN = 5
"""Descriptors above the pre-load count still accepted after teardown."""
SETTLE_SECONDS = 30.0
"""How long teardown may take for the descriptors to come back (aiohttp closes idle
connections to DynamoDB after 15 s)."""
DELIVERY_GRACE_SECONDS = 10.0
MAX_IN_FLIGHT = 64
REQUEST_TIMEOUT = 30.0

CREATE = (
    'mutation($name: String!) { createEvent(name: $name, when: "now", where: "here", '
    'description: "soak") { id name } }'
)
GET = "query($id: ID!) { getEvent(id: $id) { id name comments(limit: 3) { items { content } } } }"
LIST = "query { listEvents(limit: 5) { items { id name } nextToken } }"
ECHO = 'query { echo(msg: "soak") }'


@dataclass
class Sample:
    t: float
    phase: str
    rss_mib: float
    fds: int
    threads: int
    requests: int
    failures: int
    events: int


@dataclass
class Load:
    """What the HTTP side sent and how it went."""

    sent: int = 0
    ok: int = 0
    failures: list[str] = field(default_factory=list)
    skipped: int = 0
    """Requests not sent because MAX_IN_FLIGHT were still waiting (the server fell behind)."""
    events: int = 0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    event_ids: list[str] = field(default_factory=list)


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


def sample(pid: int, started: float, phase: str, load: Load) -> Sample:
    return Sample(
        t=time.monotonic() - started,
        phase=phase,
        rss_mib=fanout.rss_mib(pid),
        fds=open_fds(pid),
        threads=threads(pid),
        requests=load.sent,
        failures=len(load.failures),
        events=load.events,
    )


def slope_mib_per_minute(samples: Sequence[Sample], warmup: float) -> float:
    """Least-squares slope of RSS over time for the load samples after `warmup`."""
    points = [(s.t, s.rss_mib) for s in samples if s.phase == "load" and s.t >= warmup]
    if len(points) < 2:
        return math.nan
    mean_t = statistics.fmean(t for t, _ in points)
    mean_r = statistics.fmean(r for _, r in points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return math.nan
    return sum((t - mean_t) * (r - mean_r) for t, r in points) / spread * 60


async def _request(
    http: httpx.AsyncClient, load: Load, query: str, variables: dict[str, Any]
) -> dict[str, Any] | None:
    sent = time.monotonic()
    try:
        response = await http.post("/graphql", json={"query": query, "variables": variables})
        body: dict[str, Any] = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        load.failures.append(f"{type(exc).__name__}: {exc}")
        return None
    load.latencies_ms.append((time.monotonic() - sent) * 1000)
    if response.status_code != 200 or body.get("errors"):
        load.failures.append(f"{response.status_code}: {str(body)[:300]}")
        return None
    load.ok += 1
    return body


async def _one(http: httpx.AsyncClient, load: Load, index: int, kind: str) -> None:
    if kind == "event":
        variables = {
            "eventId": fanout.EVENT_ID,
            "content": f"soak {load.events}",
            "createdAt": datetime.now(UTC).isoformat(),
        }
        load.events += 1
        await _request(http, load, fanout.MUTATION, variables)
    elif kind == "create":
        body = await _request(http, load, CREATE, {"name": f"soak {index}"})
        if body is not None:
            load.event_ids.append(body["data"]["createEvent"]["id"])
    elif kind == "get" and load.event_ids:
        await _request(http, load, GET, {"id": load.event_ids[index % len(load.event_ids)]})
    elif kind == "list":
        await _request(http, load, LIST, {})
    else:
        await _request(http, load, ECHO, {})


def schedule(rate: int, events: int) -> list[str]:
    """One second's requests, in order: `events` comments spread evenly, the rest mixed."""
    others = ["create", "get", "get", "list", "echo"]
    kinds = [others[i % len(others)] for i in range(rate - events)]
    step = rate / events if events else 0
    for n in range(events):
        kinds.insert(min(len(kinds), round(n * step)), "event")
    return kinds


async def _drive(
    http: httpx.AsyncClient, load: Load, args: argparse.Namespace, until: float
) -> None:
    """Send requests at `args.rate` a second until `until` (open loop, bounded in flight)."""
    per_second = schedule(args.rate, args.events)
    gate = asyncio.Semaphore(MAX_IN_FLIGHT)
    tasks: set[asyncio.Task[None]] = set()
    started = time.monotonic()
    index = 0
    while True:
        due = started + index / args.rate
        if due >= until:
            break
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        kind = per_second[index % args.rate]
        index += 1
        if gate.locked():
            load.skipped += 1
            continue
        load.sent += 1

        async def run(kind: str = kind, number: int = index) -> None:
            async with gate:
                await _one(http, load, number, kind)

        task = asyncio.create_task(run())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT)


async def _sampler(
    pid: int, started: float, load: Load, samples: list[Sample], interval: float, stop: float
) -> None:
    while time.monotonic() < stop:
        await asyncio.sleep(min(interval, max(0.0, stop - time.monotonic())))
        samples.append(sample(pid, started, "load", load))


@dataclass
class Deliveries:
    expected: int = 0
    delivered: int = 0
    missing: int = 0
    duplicates: int = 0
    failed_subscriptions: int = 0
    errors: list[str] = field(default_factory=list)


async def _report(
    clients: Sequence[fanout._ClientProcess], events: int, result: Deliveries
) -> None:
    """Ask each client what it received (skipping its `delivered` lines) and count."""
    for client in clients:
        client.tell("report")
    for client in clients:
        while True:
            message = await client.line(60)
            if message["event"] == "report":
                break
        result.duplicates += message["duplicates"]
        result.errors.extend(message["unexpected"])
        for times in message["times"]:
            got = sum(1 for received in times[:events] if received is not None)
            result.delivered += got
            result.missing += events - got


async def soak(server: servers.Server, api_key: str, args: argparse.Namespace) -> dict[str, Any]:
    pid = server.process.pid
    load = Load()
    samples: list[Sample] = []
    deliveries = Deliveries()
    authorization = {"host": f"{servers.HOST}:{server.port}", API_KEY_HEADER: api_key}
    url = f"ws://{servers.HOST}:{server.port}/graphql/realtime?" + fanout._handshake_query(
        authorization
    )
    max_events = args.events * args.seconds + 1
    started = time.monotonic()
    samples.append(sample(pid, started, "idle", load))
    baseline_fds = samples[0].fds

    clients = await fanout._spawn_clients(
        url, authorization, args.subscribers, max_events, 1, args.client_cpus
    )
    try:
        for client in clients:
            client.tell("go")
        for client in clients:
            message = await client.line(fanout.SUBSCRIBE_TIMEOUT + 30)
            assert message["event"] == "subscribed", message
            deliveries.failed_subscriptions += message["failed"]
            deliveries.errors.extend(message["errors"])
        samples.append(sample(pid, started, "subscribed", load))

        limits = httpx.Limits(max_connections=MAX_IN_FLIGHT, max_keepalive_connections=16)
        async with httpx.AsyncClient(
            base_url=server.url,
            headers={API_KEY_HEADER: api_key},
            timeout=REQUEST_TIMEOUT,
            limits=limits,
        ) as http:
            for n in range(5):  # a few events for the queries to read
                load.sent += 1
                await _one(http, load, n, "create")
            load_started = time.monotonic()
            until = load_started + args.seconds
            started = load_started  # the curve's t = 0 is the start of the load
            await asyncio.gather(
                _drive(http, load, args, until),
                _sampler(pid, started, load, samples, args.interval, until),
            )
            await asyncio.sleep(min(DELIVERY_GRACE_SECONDS, 2.0))
            samples.append(sample(pid, started, "load end", load))
        deliveries.expected = (args.subscribers - deliveries.failed_subscriptions) * load.events
        deadline = time.monotonic() + DELIVERY_GRACE_SECONDS
        await _report(clients, load.events, deliveries)
        while deliveries.missing and time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            deliveries.delivered = deliveries.missing = deliveries.duplicates = 0
            await _report(clients, load.events, deliveries)
    finally:
        await fanout.close_clients(clients)

    settle_deadline = time.monotonic() + SETTLE_SECONDS
    after = sample(pid, started, "teardown", load)
    while after.fds > baseline_fds + FD_MARGIN and time.monotonic() < settle_deadline:
        await asyncio.sleep(0.5)
        after = sample(pid, started, "teardown", load)
    samples.append(after)
    return {
        "samples": samples,
        "load": load,
        "deliveries": deliveries,
        "baseline_fds": baseline_fds,
        "fds_back": after.fds <= baseline_fds + FD_MARGIN,
        "slope": slope_mib_per_minute(samples, args.warmup),
    }


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def table(samples: Sequence[Sample]) -> str:
    lines = [
        "| t (s) | phase | RSS (MiB) | open fds | threads | requests sent | failed | events |",
        "|--:|---|--:|--:|--:|--:|--:|--:|",
    ]
    for s in samples:
        t = f"{s.t:.0f}" if s.phase not in ("idle", "subscribed") else "-"
        lines.append(
            f"| {t} | {s.phase} | {s.rss_mib:.1f} | {s.fds} | {s.threads} | {s.requests:,} "
            f"| {s.failures} | {s.events} |"
        )
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.soak",
        description="Mixed load on one server with its RSS and open files sampled.",
    )
    parser.add_argument("--seconds", type=int, default=60, help="load duration (60)")
    parser.add_argument("--rate", type=int, default=50, help="HTTP requests a second (50)")
    parser.add_argument("--events", type=int, default=5, help="comments a second (5)")
    parser.add_argument("--subscribers", type=int, default=200, help="AppSync sockets (200)")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--warmup", type=float, default=15.0, help="seconds left out of the slope")
    parser.add_argument(
        "--no-pin", action="store_true", help="do not pin server and clients to separate CPUs"
    )
    parser.add_argument(
        "--project", type=Path, default=servers.ROOT, help="the sample API (repo root)"
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS / "soak.json", help="JSON results file"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if not (1 <= args.seconds <= 3600 and 1 <= args.rate <= 1000 and args.subscribers >= 1):
        raise SystemExit("--seconds 1..3600, --rate 1..1000 and --subscribers >= 1")
    if not 0 <= args.events <= args.rate:
        raise SystemExit("--events must be between 0 and --rate")
    fanout.raise_open_files(args.subscribers + fanout.FILES_MARGIN)
    cpus = sorted(os.sched_getaffinity(0))
    server_cpus, args.client_cpus = (
        (None, None) if args.no_pin or len(cpus) < 2 else ({cpus[0]}, {cpus[1]})
    )
    spec = fanout._strawsync(None)
    with ExitStack() as stack:
        project = Path(stack.enter_context(temporary_copy(args.project)))
        api_key = create_api_key(project)
        print(f"starting {spec.name} ...", file=sys.stderr)
        server = servers.start(spec, project, RESULTS / "logs", server_cpus)
        stack.callback(server.stop)
        if args.client_cpus:
            fanout.move_descendants(server.process.pid, args.client_cpus)
        print(
            f"  pid {server.process.pid}; {args.seconds} s at {args.rate} requests/s "
            f"({args.events} comments/s) with {args.subscribers} subscribers",
            file=sys.stderr,
        )
        outcome = asyncio.run(soak(server, api_key, args))

    samples: list[Sample] = outcome["samples"]
    load: Load = outcome["load"]
    deliveries: Deliveries = outcome["deliveries"]
    slope: float = outcome["slope"]
    print()
    print(table(samples))
    print()
    slope_verdict = "met" if slope < TARGET_SLOPE_MIB_PER_MIN else "MISSED"
    print(
        f"RSS slope after {args.warmup:.0f} s: {slope:+.2f} MiB/min "
        f"(target < {TARGET_SLOPE_MIB_PER_MIN:.0f}: {slope_verdict})"
    )
    print(
        f"open fds: {outcome['baseline_fds']} before the load, {samples[-1].fds} after teardown "
        f"({'back to baseline' if outcome['fds_back'] else 'NOT back to baseline'}, "
        f"margin {FD_MARGIN})"
    )
    print(
        f"HTTP: {load.sent:,} sent, {load.ok:,} ok, {len(load.failures)} failed, "
        f"{load.skipped} skipped (server behind); latency p50 "
        f"{_percentile(load.latencies_ms, 50):.1f} ms, p99 {_percentile(load.latencies_ms, 99):.1f}"
        f" ms"
    )
    print(
        f"subscriptions: {deliveries.delivered:,} of {deliveries.expected:,} deliveries, "
        f"{deliveries.missing:,} missing, {deliveries.duplicates} duplicates, "
        f"{deliveries.failed_subscriptions} failed subscriptions"
    )
    for failure in (load.failures + deliveries.errors)[:10]:
        print(f"  error: {failure}")
    info = machine.describe()
    command = shlex.join(["python", "-m", "benchmarks.soak", *(argv or sys.argv[1:])])
    print(f"\n{info['nproc']} CPUs ({info['cpu_model']}), Python {info['python']}.\n`{command}`")
    ok = (
        not load.failures
        and deliveries.missing == 0
        and deliveries.duplicates == 0
        and deliveries.failed_subscriptions == 0
        and outcome["fds_back"]
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "command": command,
        "machine": info,
        "samples": [vars(s) for s in samples],
        "slope_mib_per_min": slope,
        "baseline_fds": outcome["baseline_fds"],
        "fds_back": outcome["fds_back"],
        "http": {
            "sent": load.sent,
            "ok": load.ok,
            "failed": len(load.failures),
            "skipped": load.skipped,
            "p50_ms": _percentile(load.latencies_ms, 50),
            "p99_ms": _percentile(load.latencies_ms, 99),
        },
        "deliveries": {k: v for k, v in vars(deliveries).items() if k != "errors"},
        "ok": ok,
    }
    args.output.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    print(f"results: {args.output}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
