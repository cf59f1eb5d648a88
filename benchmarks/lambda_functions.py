"""Local Lambda functions: what a direct Lambda resolver costs the server, Invoke against
BatchInvoke, and cold starts.

    .venv/bin/python -m benchmarks.lambda_functions                 # ~2 minutes
    .venv/bin/python -m benchmarks.lambda_functions --duration 5 --rounds 1

Serves a small project written for the run (no authentication, no DynamoDB): a trivial Python
function (`return "ok"`; a batch answers `[{"data": "ok"}, ...]`) behind direct Lambda
resolvers, and loads it with the harness's load generator (wrk when installed):

- `bare`: `{ __typename }`, no resolver: the request's own cost, subtracted below.
- `ping`: `{ ping }`, one direct `Invoke` per request. Per-invocation overhead = server CPU
  per request of `ping` minus `bare`: the resolver, the event, the local Lambda runtime and
  its Runtime API exchange with the worker, all in the server process.
- `items`: `{ items(count: 100) { id } }` (NONE data source), the list without functions.
- `invoke100`: the same list with `single`, one `Invoke` per item (100 invocations a request).
- `batch100`: the same list with `batched` (`maxBatchSize: 100`): one `BatchInvoke` a request.

The list scenarios run over one connection (100 invocations in flight already need 100 warm
workers, as on Lambda); `ping` over `--concurrency` connections. The server is pinned to the
first CPU; after the warm-up its workers (its child processes) and the load generator go to
the second, so "Server CPU µs/req" is the server process's alone; the workers' CPU is shown
apart. Cold start: a fresh server per round, the first `{ ping }` (Python) and `{ nodePing }`
(Node.js) timed from the client and from the REPORT line's `Init Duration`.

Targets (reported, never asserted): warm per-invocation overhead under 300 µs of server CPU;
BatchInvoke of 100 items at least 10x faster than 100 single Invokes.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from benchmarks import machine
from benchmarks.loadgen import Load, LoadGenerator, LoadResult, can_install, choose
from benchmarks.report import write_json
from benchmarks.servers import HOST, ROOT, Server, ServerSpec, cpu_of, descendants, post, start

RESULTS = ROOT / "benchmarks" / "results"
ITEMS = 100
SERVER_CPU = {0}
OTHER_CPU = {1}

PROJECT_FILES = {
    "schema.graphql": """\
type Query {
  ping: String
  nodePing: String
  items(count: Int!): [Item]
}
type Item { id: ID  single: String  batched: String }
""",
    "strawsync.yaml": """\
name: LambdaBench
dataSources:
  - name: Local
    type: NONE
  - name: Trivial
    type: AWS_LAMBDA
    config: {handler: functions/trivial.py:handler}
  - name: TrivialNode
    type: AWS_LAMBDA
    config: {handler: functions/trivial.mjs:handler}
""",
    "functions/trivial.py": """\
def handler(event, context):
    if isinstance(event, list):
        return [{"data": "ok"} for _ in event]
    return "ok"
""",
    "functions/trivial.mjs": 'export const handler = async () => "ok";\n',
    "resolvers/Query.ping.yaml": "dataSource: Trivial\n",
    "resolvers/Query.nodePing.yaml": "dataSource: TrivialNode\n",
    "resolvers/Item.single.yaml": "dataSource: Trivial\n",
    "resolvers/Item.batched.yaml": f"dataSource: Trivial\nmaxBatchSize: {ITEMS}\n",
    "resolvers/Query.items.yaml": "dataSource: Local\n",
    "mapping_templates/Query.items.request.vtl": """\
#set($items = [])
#foreach($n in [1..$ctx.args.count])$util.qr($items.add({"id": "$n"}))#end
{"version": "2018-05-29", "payload": $util.toJson($items)}
""",
    "mapping_templates/Query.items.response.vtl": "$util.toJson($ctx.result)\n",
}


@dataclass(frozen=True)
class Case:
    name: str
    query: str
    one_connection: bool
    expect: Any


CASES = (
    Case("bare", "{ __typename }", False, {"__typename": "Query"}),
    Case("ping", "{ ping }", False, {"ping": "ok"}),
    Case("items", f"{{ items(count: {ITEMS}) {{ id }} }}", True, None),
    Case("invoke100", f"{{ items(count: {ITEMS}) {{ single }} }}", True, None),
    Case("batch100", f"{{ items(count: {ITEMS}) {{ batched }} }}", True, None),
)


@dataclass
class Measured:
    case: Case
    connections: int
    result: LoadResult
    worker_cpu_s: float

    @property
    def worker_us_per_request(self) -> float:
        return 1e6 * self.worker_cpu_s / max(self.result.requests, 1)


def write_project(root: Path) -> Path:
    for relative, text in PROJECT_FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _strawsync(log_level: str) -> ServerSpec:
    def command(port: int, project: Path) -> list[str]:
        return [
            sys.executable, "-m", "app", "serve", "--project", str(project),
            "--host", HOST, "--port", str(port), "--log-level", log_level,
        ]  # fmt: skip

    return ServerSpec("strawsync", f"python -m app serve --log-level {log_level}", command)


def move(pids: Sequence[int], cpus: set[int]) -> None:
    for pid in pids:
        with suppress(ProcessLookupError, PermissionError):
            os.sched_setaffinity(pid, cpus)


def check(server: Server, case: Case) -> None:
    status, body = post(server, "/graphql", orjson.dumps({"query": case.query}))
    problem = None
    if status != 200 or not isinstance(body, dict) or body.get("errors"):
        errors = body.get("errors") if isinstance(body, dict) else body
        problem = f"HTTP {status}: {str(errors)[:800]}"
    elif case.expect is not None and body.get("data") != case.expect:
        problem = f"unexpected data: {str(body)[:500]}"
    elif case.expect is None:
        items = body["data"]["items"]
        if len(items) != ITEMS or any(None in item.values() for item in items):
            problem = f"expected {ITEMS} complete items: {str(items)[:300]}"
    if problem:
        raise SystemExit(f"{case.name}: {problem}\n{server.log_tail()}")


def measure(
    server: Server, generator: LoadGenerator, case: Case, args: argparse.Namespace
) -> Measured:
    concurrency = 1 if case.one_connection else args.concurrency
    load = Load(HOST, server.port, "/graphql", orjson.dumps({"query": case.query}), concurrency, 0)
    # The first request starts the workers (100 cold starts at once for invoke100, which may
    # time out on a busy machine); checked once they are warm.
    post(server, "/graphql", load.body)
    generator.run(_with(load, args.warmup), server.cpu_seconds)
    check(server, case)
    move(descendants(server.process.pid), OTHER_CPU)
    rounds: list[Measured] = []
    for index in range(args.rounds):
        workers_before = cpu_of(descendants(server.process.pid))
        result = generator.run(_with(load, args.duration), server.cpu_seconds)
        worker_cpu = cpu_of(descendants(server.process.pid)) - workers_before
        rounds.append(Measured(case, concurrency, result, worker_cpu))
        print(
            f"  {case.name} round {index + 1}/{args.rounds}: {result.rps:,.0f} req/s, "
            f"p99 {result.latency_ms['p99']:.2f} ms, server {result.server_us_per_request:,.0f}"
            f" µs/req, errors {result.errors}",
            flush=True,
        )
    return sorted(rounds, key=lambda m: m.result.rps)[len(rounds) // 2]


def _with(load: Load, duration: int) -> Load:
    return Load(load.host, load.port, load.path, load.body, load.concurrency, duration)


@contextmanager
def running(project: Path, log_dir: Path, log_level: str) -> Iterator[Server]:
    server = start(_strawsync(log_level), project, log_dir, cpus=SERVER_CPU)
    try:
        yield server
    finally:
        server.stop()


INIT = re.compile(r"\[(?P<function>\w+)\] REPORT .*Init Duration: (?P<ms>[\d.]+) ms")


def cold_starts(project: Path, log_dir: Path, rounds: int) -> dict[str, Any]:
    """A fresh server per round: the first call of each function (a cold worker), then one
    warm call, timed from the client; `Init Duration` from the function's REPORT line."""
    samples: dict[str, dict[str, list[float]]] = {}
    for _ in range(rounds):
        with running(project, log_dir, "info") as server:
            for field, function in (("ping", "Trivial"), ("nodePing", "TrivialNode")):
                body = orjson.dumps({"query": f"{{ {field} }}"})
                timings = []
                for _ in range(2):
                    began = time.perf_counter()
                    status, answer = post(server, "/graphql", body)
                    timings.append(1000 * (time.perf_counter() - began))
                    if status != 200 or answer.get("data") != {field: "ok"}:
                        raise SystemExit(f"cold start {field}: {answer}")
                found = samples.setdefault(function, {"first": [], "warm": [], "init": []})
                found["first"].append(timings[0])
                found["warm"].append(timings[1])
            time.sleep(0.3)  # the REPORT lines reach the log
            for match in INIT.finditer(server.log_path.read_text(errors="replace")):
                samples[match["function"]]["init"].append(float(match["ms"]))
    return {
        function: {key: round(statistics.median(values), 1) for key, values in found.items()}
        for function, found in samples.items()
    }


def markdown(measured: dict[str, Measured], cold: dict[str, Any]) -> str:
    rows = [
        "| Scenario | Connections | req/s | p50 (ms) | p99 (ms) | Errors | Server CPU µs/req "
        "| Workers CPU µs/req |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for name, m in measured.items():
        r = m.result
        rows.append(
            f"| {name} | {m.connections}"
            f" | {r.rps:,.0f} | {r.latency_ms['p50']:.2f} | {r.latency_ms['p99']:.2f}"
            f" | {r.errors} | {r.server_us_per_request:,.0f} | {m.worker_us_per_request:,.0f} |"
        )
    cpu = {name: m.result.server_us_per_request for name, m in measured.items()}
    ping_overhead = cpu["ping"] - cpu["bare"]
    invoke_each = (cpu["invoke100"] - cpu["items"]) / ITEMS
    batch_each = (cpu["batch100"] - cpu["items"]) / ITEMS
    speedup = measured["batch100"].result.rps / max(measured["invoke100"].result.rps, 1e-9)
    lines = [
        *rows,
        "",
        f"- Per-invocation overhead, warm (`ping` minus `bare`): **{ping_overhead:,.0f} µs** of "
        "server CPU (target < 300).",
        f"- Per item in the list: {invoke_each:,.0f} µs with one Invoke each, "
        f"{batch_each:,.1f} µs in one BatchInvoke of {ITEMS}.",
        f"- BatchInvoke of {ITEMS} vs {ITEMS} Invokes: **{speedup:,.1f}x** the requests per "
        "second (target ≥ 10x).",
        "",
        "| Function | First call (ms) | Init Duration (ms) | Warm call (ms) |",
        "|---|--:|--:|--:|",
    ]
    for function, found in cold.items():
        lines.append(
            f"| {function} | {found['first']} | {found.get('init', '')} | {found['warm']} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario (median)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up")
    parser.add_argument("--concurrency", type=int, default=8, help="connections for ping/bare")
    parser.add_argument("--cold-rounds", type=int, default=3, help="fresh servers for cold starts")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--scenario", action="append", choices=[c.name for c in CASES])
    args = parser.parse_args(argv)
    cases = [case for case in CASES if not args.scenario or case.name in args.scenario]
    generator = choose(args.loadgen, can_install(), OTHER_CPU)
    log_dir = RESULTS / "logs"
    with tempfile.TemporaryDirectory(prefix="strawsync-bench-lambda-") as folder:
        project = write_project(Path(folder))
        measured: dict[str, Measured] = {}
        with running(project, log_dir, "warning") as server:
            for case in cases:
                measured[case.name] = measure(server, generator, case, args)
        cold = cold_starts(project, log_dir, args.cold_rounds)
    data = {
        "machine": machine.describe(),
        "loadgen": generator.describe(),
        "settings": vars(args),
        "scenarios": {
            name: {
                **m.result.as_json(),
                "worker_cpu_us_per_request": round(m.worker_us_per_request, 1),
            }
            for name, m in measured.items()
        },
        "cold_start": cold,
    }
    write_json(RESULTS / "lambda.json", data)
    if {"bare", "ping", "items", "invoke100", "batch100"} <= measured.keys():
        print(markdown(measured, cold))
    else:
        print(orjson.dumps(data["scenarios"], option=orjson.OPT_INDENT_2).decode())
        print(cold)


if __name__ == "__main__":
    main()
