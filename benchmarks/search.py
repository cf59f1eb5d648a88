"""Search: the sample's events indexed through the events table's stream, and `searchEvents`
beside the same OpenSearch queries sent straight to the embedded engine.

    .venv/bin/python -m benchmarks.search                      # ~2 minutes
    .venv/bin/python -m benchmarks.search --events 2000 --duration 3 --rounds 1

Serves a copy of the sample API (open: its `authentication` block removed) with `--in-memory`,
so `serve` starts DynamoDB Local, the embedded search engine and the built-in stream indexer
that feeds the `event` index from `AppSyncEventTable`. Then:

- **Indexing**: `--events` events written to the table with BatchWriteItem (25 a call,
  `--writers` calls in flight), straight to the DynamoDB Local that `serve` started. Indexing
  throughput is the events divided by the time from the first write to the moment the index
  counts them all. Every `--sample-every`th event's lag is the time from its write's
  acknowledgement to the first search that finds it (one search for all the pending sampled ids
  every `POLL_SECONDS`, so the figure is at most that much late).
- **Lag at rest**: `--mutations` createEvent mutations one after another (`MUTATION_GAP`
  apart), each lag from the mutation's answer to the first search that finds the event: what a
  user sees after a write on an idle API.
- **Search**: with the events indexed, each scenario's `searchEvents` through `/graphql`, and
  the request body its request template renders (evaluated here, with the same arguments)
  POSTed to the engine's `/event/_search`: req/s and latency over one connection (the
  difference of the means is Strawsync's overhead per search: GraphQL, templates, the data
  source's client) and over `--concurrency` connections.

The engine and DynamoDB Local are found by what `serve`'s child processes listen on. Targets
(reported, never asserted): lag p99 under 1 s; Strawsync's overhead over the engine under 1 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aioboto3
import httpx
import orjson
import yaml

from app.datasources.dynamodb.local_engine import listening_addresses
from app.datasources.dynamodb.local_runtime import LOCAL_CREDENTIALS, LOCAL_REGION
from app.templates.evaluate import evaluate_template
from benchmarks import machine
from benchmarks.loadgen import Load, LoadGenerator, LoadResult, can_install, choose
from benchmarks.project import CONFIG_FILE, copy_project
from benchmarks.report import write_json
from benchmarks.servers import HOST, ROOT, Server, ServerSpec, cpu_of, descendants, post, start

RESULTS = ROOT / "benchmarks" / "results"
TABLE = "AppSyncEventTable"
INDEX = "event"
BATCH = 25  # BatchWriteItem's limit
POLL_SECONDS = 0.01
MUTATION_GAP = 0.05
REQUEST_TEMPLATE = ROOT / "mapping_templates" / "Query.searchEvents.request.vtl"
PLACES = ("Lisbon", "Porto", "Braga", "Coimbra", "Faro", "Evora", "Aveiro")
TOPICS = ("jazz", "fado", "poetry", "chess", "cinema", "robotics", "pottery", "astronomy")

CONNECTION_FIELDS = "items { id name where when } nextToken total"
AGGREGATE_FIELDS = (
    "aggregateItems { name result { ... on SearchableAggregateBucketResult "
    "{ buckets { key doc_count } } ... on SearchableAggregateScalarResult { value } } }"
)


@dataclass(frozen=True)
class Case:
    """One searchEvents call: its GraphQL arguments and the fields asked for."""

    name: str
    arguments: dict[str, Any]
    fields: str = CONNECTION_FIELDS

    def graphql(self) -> bytes:
        query = (
            "query($filter: SearchableEventFilterInput, $query: String, "
            "$sort: [SearchableEventSortInput], $limit: Int, "
            "$aggregates: [SearchableEventAggregationInput]) { searchEvents(filter: $filter, "
            "query: $query, sort: $sort, limit: $limit, aggregates: $aggregates) "
            f"{{ {self.fields} }} }}"
        )
        return orjson.dumps({"query": query, "variables": self.arguments})

    def engine_body(self) -> bytes:
        """The `_search` body the request template renders for these arguments."""
        evaluation = evaluate_template(
            REQUEST_TEMPLATE.read_text(encoding="utf-8"), {"arguments": self.arguments}
        )
        if evaluation.error is not None or evaluation.evaluated is None:
            raise SystemExit(f"{self.name}: the request template failed: {evaluation.error}")
        request = orjson.loads(evaluation.evaluated)
        return orjson.dumps(request["params"]["body"])


CASES = (
    Case(
        "filter",
        {
            "filter": {"where": {"match": "Porto"}, "version": {"eq": 1}},
            "sort": [{"field": "when", "direction": "asc"}],
            "limit": 20,
        },
    ),
    Case("text", {"query": "jazz evening in Lisbon", "limit": 20}),
    Case(
        "aggregates",
        {
            "filter": {"description": {"match": "chess"}},
            "limit": 10,
            "aggregates": [
                {"name": "places", "type": "terms", "field": "where"},
                {"name": "versions", "type": "avg", "field": "version"},
            ],
        },
        f"{CONNECTION_FIELDS} {AGGREGATE_FIELDS}",
    ),
)


def event_item(index: int, run: str) -> dict[str, dict[str, str]]:
    """Event number `index` as a DynamoDB item (the shape createEvent writes)."""
    topic = TOPICS[index % len(TOPICS)]
    place = PLACES[index % len(PLACES)]
    return {
        "id": {"S": f"{run}-{index}"},
        "name": {"S": f"{topic.title()} evening {index}"},
        "where": {"S": place},
        "when": {"S": f"2026-{1 + index % 12:02d}-{1 + index % 28:02d}"},
        "description": {"S": f"An evening of {topic} in {place}, number {index}."},
        "version": {"N": "1"},
    }


def open_project(folder: Path, batch_size: int | None) -> Path:
    """A copy of the sample without its `authentication` block; `batch_size`, when given,
    replaces its stream mappings' `batchSize`."""
    copy_project(ROOT, folder)
    config_path = folder / CONFIG_FILE
    config = yaml.safe_load(config_path.read_text(encoding="utf-8"))
    config.pop("authentication", None)
    if batch_size is not None:
        for mapping in config.get("streams", []):
            mapping["batchSize"] = batch_size
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return folder


def _serve_command(port: int, project: Path) -> list[str]:
    return [
        sys.executable, "-m", "app", "serve", "--project", str(project), "--in-memory",
        "--host", HOST, "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip


@contextmanager
def running(project: Path) -> Iterator[Server]:
    spec = ServerSpec("strawsync-search", "python -m app serve --in-memory", _serve_command)
    server = start(spec, project, RESULTS / "logs")
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class Child:
    """One of `serve`'s child processes (the engine, DynamoDB Local) and where it listens."""

    pid: int
    url: str

    def cpu_seconds(self) -> float:
        return cpu_of([self.pid])


def child(server: Server, marker: str) -> Child:
    """`serve`'s child process whose command line has `marker`, and its loopback endpoint."""
    for pid in descendants(server.process.pid):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in command:
            for host, port in listening_addresses(pid):
                if host == HOST:
                    return Child(pid, f"http://{HOST}:{port}")
    raise SystemExit(f"no child process of serve runs {marker!r}:\n{server.log_tail()}")


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def summary_ms(lags: Sequence[float]) -> dict[str, float]:
    return {
        "samples": len(lags),
        "p50": round(1000 * percentile(lags, 0.50), 1),
        "p90": round(1000 * percentile(lags, 0.90), 1),
        "p99": round(1000 * percentile(lags, 0.99), 1),
        "max": round(1000 * max(lags, default=0.0), 1),
    }


class Watcher:
    """Finds when ids become searchable: one `ids` search for all pending ones per poll."""

    def __init__(self, engine: httpx.AsyncClient) -> None:
        self.engine = engine
        self.pending: dict[str, float] = {}  # id -> when its write was acknowledged
        self.lags: list[float] = []

    def expect(self, event_id: str, written_at: float) -> None:
        self.pending[event_id] = written_at

    async def poll_until_empty(self, stop: asyncio.Event, within: float) -> None:
        deadline = time.perf_counter() + within
        while not (stop.is_set() and not self.pending):
            if self.pending:
                wanted = list(self.pending)
                body = {"query": {"ids": {"values": wanted}}, "size": len(wanted), "_source": False}
                response = await self.engine.post(f"/{INDEX}/_search", content=orjson.dumps(body))
                now = time.perf_counter()
                for hit in orjson.loads(response.content)["hits"]["hits"]:
                    written = self.pending.pop(hit["_id"], None)
                    if written is not None:
                        self.lags.append(now - written)
            if time.perf_counter() > deadline:
                raise SystemExit(f"{len(self.pending)} events never became searchable")
            await asyncio.sleep(POLL_SECONDS)


async def count(engine: httpx.AsyncClient, run: str) -> int:
    body = {"query": {"prefix": {"id": f"{run}-"}}}
    response = await engine.post(f"/{INDEX}/_count", content=orjson.dumps(body))
    return int(orjson.loads(response.content)["count"])


async def index_through_stream(
    dynamodb_url: str, engine_url: str, args: argparse.Namespace
) -> dict[str, Any]:
    """Write `args.events` items to the table; time until the index holds them all."""
    run = f"bench{int(time.time())}"
    headers = {"Content-Type": "application/json"}
    async with (
        aioboto3.Session().client(
            "dynamodb", endpoint_url=dynamodb_url, region_name=LOCAL_REGION, **LOCAL_CREDENTIALS
        ) as dynamodb,
        httpx.AsyncClient(base_url=engine_url, headers=headers, timeout=30) as engine,
    ):
        watcher = Watcher(engine)
        stop = asyncio.Event()
        queue: asyncio.Queue[list[int]] = asyncio.Queue()
        for start_at in range(0, args.events, BATCH):
            queue.put_nowait(list(range(start_at, min(start_at + BATCH, args.events))))

        async def writer() -> None:
            while not queue.empty():
                batch = queue.get_nowait()
                requests = [{"PutRequest": {"Item": event_item(i, run)}} for i in batch]
                pending: dict[str, Any] = {TABLE: requests}
                while pending:
                    answer = await dynamodb.batch_write_item(RequestItems=pending)
                    pending = answer.get("UnprocessedItems") or {}
                acknowledged = time.perf_counter()
                for i in batch:
                    if i % args.sample_every == 0:
                        watcher.expect(f"{run}-{i}", acknowledged)

        polling = asyncio.create_task(watcher.poll_until_empty(stop, within=120))
        began = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(args.writers)))
        written = time.perf_counter()
        stop.set()
        while await count(engine, run) < args.events:
            if time.perf_counter() - began > 180:
                raise SystemExit("the index did not reach every event in 180 s")
            await asyncio.sleep(POLL_SECONDS)
        indexed = time.perf_counter()
        await polling
    return {
        "events": args.events,
        "write_seconds": round(written - began, 2),
        "writes_per_second": round(args.events / (written - began)),
        "index_seconds": round(indexed - began, 2),
        "indexed_per_second": round(args.events / (indexed - began)),
        "lag_ms": summary_ms(watcher.lags),
    }


async def lag_at_rest(api_url: str, engine_url: str, mutations: int) -> dict[str, Any]:
    """createEvent mutations one by one; each one's lag from its answer to searchable."""
    create = (
        'mutation($n: String!) { createEvent(name: $n, when: "2026-07-01", where: "Online", '
        'description: "Lag probe") { id } }'
    )
    headers = {"Content-Type": "application/json"}
    async with (
        httpx.AsyncClient(base_url=api_url, headers=headers, timeout=30) as api,
        httpx.AsyncClient(base_url=engine_url, headers=headers, timeout=30) as engine,
    ):
        watcher = Watcher(engine)
        stop = asyncio.Event()
        polling = asyncio.create_task(watcher.poll_until_empty(stop, within=120))
        for n in range(mutations):
            body = orjson.dumps({"query": create, "variables": {"n": f"Probe {n}"}})
            response = await api.post("/graphql", content=body)
            answered = time.perf_counter()
            watcher.expect(orjson.loads(response.content)["data"]["createEvent"]["id"], answered)
            await asyncio.sleep(MUTATION_GAP)
        stop.set()
        await polling
    return {"mutations": mutations, "lag_ms": summary_ms(watcher.lags)}


def check(status: int, body: Any, what: str) -> None:
    if status != 200 or not isinstance(body, dict) or body.get("errors") or body.get("error"):
        raise SystemExit(f"{what}: HTTP {status}: {str(body)[:800]}")


def measure(
    generator: LoadGenerator,
    load: Load,
    cpu: Callable[[], float],
    rounds: int,
    warmup: int,
    label: str,
) -> LoadResult:
    """The median of `rounds` runs of `load`; `cpu` is the process whose CPU is counted."""
    warm = Load(load.host, load.port, load.path, load.body, load.concurrency, warmup)
    generator.run(warm, cpu)
    results = []
    for index in range(rounds):
        result = generator.run(load, cpu)
        results.append(result)
        print(
            f"  {label} round {index + 1}/{rounds}: {result.rps:,.0f} req/s, "
            f"mean {result.latency_ms['mean']:.2f} ms, p99 {result.latency_ms['p99']:.2f} ms, "
            f"CPU {result.server_us_per_request:,.0f} µs/req, errors {result.errors}",
            flush=True,
        )
    return sorted(results, key=lambda r: r.rps)[len(results) // 2]


def searches(
    server: Server, engine: Child, generator: LoadGenerator, args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    """Each case through the API and straight to the engine, over 1 and `concurrency`
    connections. CPU is counted for Strawsync's process in API runs (the engine is another
    process: this is what Strawsync adds) and for the engine's in direct runs."""
    engine_port = int(engine.url.rsplit(":", 1)[1])
    measured: dict[str, dict[str, Any]] = {}
    for case in CASES:
        graphql, engine_body = case.graphql(), case.engine_body()
        status, answer = post(server, "/graphql", graphql)
        check(status, answer, f"{case.name} through /graphql")
        total = answer["data"]["searchEvents"]["total"]
        with httpx.Client(base_url=engine.url, timeout=10) as client:
            direct = client.post(
                f"/{INDEX}/_search",
                content=engine_body,
                headers={"Content-Type": "application/json"},
            )
        check(direct.status_code, direct.json(), f"{case.name} straight to the engine")
        if direct.json()["hits"]["total"]["value"] != total:
            raise SystemExit(f"{case.name}: the API counted {total}, the engine otherwise")
        found: dict[str, Any] = {"total": total}
        for connections in (1, args.concurrency):
            for target, port, path, body, cpu in (
                ("api", server.port, "/graphql", graphql, server.cpu_seconds),
                ("engine", engine_port, f"/{INDEX}/_search", engine_body, engine.cpu_seconds),
            ):
                load = Load(HOST, port, path, body, connections, args.duration)
                label = f"{case.name} {target} x{connections}"
                found[f"{target}_c{connections}"] = measure(
                    generator, load, cpu, args.rounds, args.warmup, label
                ).as_json()
        found["overhead_ms"] = round(
            found["api_c1"]["latency_ms"]["mean"] - found["engine_c1"]["latency_ms"]["mean"], 3
        )
        found["strawsync_cpu_us"] = found["api_c1"]["server_cpu_us_per_request"]
        measured[case.name] = found
    return measured


def markdown(data: dict[str, Any], concurrency: int) -> str:
    indexing, rest = data["indexing"], data["lag_at_rest"]
    lines = [
        f"- Indexing {indexing['events']:,} events written with BatchWriteItem: written in "
        f"{indexing['write_seconds']} s ({indexing['writes_per_second']:,}/s), all searchable "
        f"after {indexing['index_seconds']} s: **{indexing['indexed_per_second']:,} events/s**.",
        f"- Lag from write to searchable during that load ({indexing['lag_ms']['samples']} "
        f"sampled): p50 {indexing['lag_ms']['p50']} ms, **p99 {indexing['lag_ms']['p99']} ms** "
        "(target < 1000).",
        f"- Lag from a createEvent's answer to searchable, one at a time "
        f"({rest['mutations']} mutations): p50 {rest['lag_ms']['p50']} ms, "
        f"**p99 {rest['lag_ms']['p99']} ms**.",
        "",
        f"| search ({data['documents']:,} documents) | hits | API req/s | engine req/s "
        "| API mean / p99 (ms) | engine mean / p99 (ms) | overhead (ms) "
        f"| Strawsync CPU µs/search | API / engine req/s, {concurrency} connections |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for name, found in data["searches"].items():
        api, engine = found["api_c1"], found["engine_c1"]
        lines.append(
            f"| {name} | {found['total']:,} | {api['rps']:,.0f} | {engine['rps']:,.0f} "
            f"| {api['latency_ms']['mean']:.2f} / {api['latency_ms']['p99']:.2f} "
            f"| {engine['latency_ms']['mean']:.2f} / {engine['latency_ms']['p99']:.2f} "
            f"| **{found['overhead_ms']:.2f}** | {found['strawsync_cpu_us']:,.0f} "
            f"| {found[f'api_c{concurrency}']['rps']:,.0f} / "
            f"{found[f'engine_c{concurrency}']['rps']:,.0f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000, help="events indexed")
    parser.add_argument("--writers", type=int, default=4, help="BatchWriteItem calls in flight")
    parser.add_argument("--sample-every", type=int, default=20, help="lag of every Nth event")
    parser.add_argument("--mutations", type=int, default=100, help="createEvent lag probes")
    parser.add_argument("--duration", type=int, default=5, help="seconds per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per load (median)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up per load")
    parser.add_argument("--concurrency", type=int, default=8, help="connections, second load")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--batch-size", type=int, help="the stream's batchSize (the sample's)")
    parser.add_argument("--no-search", action="store_true", help="indexing and lag only")
    args = parser.parse_args(argv)
    generator = choose(args.loadgen, can_install(), None)
    with tempfile.TemporaryDirectory(prefix="strawsync-bench-search-") as folder:
        project = open_project(Path(folder), args.batch_size)
        with running(project) as server:
            engine = child(server, "app.searchengine")
            dynamodb = child(server, "DynamoDBLocal")
            print(f"engine {engine.url}, DynamoDB Local {dynamodb.url}", flush=True)
            indexing = asyncio.run(index_through_stream(dynamodb.url, engine.url, args))
            print(f"  indexing: {indexing}", flush=True)
            rest = asyncio.run(lag_at_rest(server.url, engine.url, args.mutations))
            print(f"  lag at rest: {rest}", flush=True)
            with httpx.Client(base_url=engine.url) as client:
                documents = client.get(f"/{INDEX}/_count").json()["count"]
            measured = {} if args.no_search else searches(server, engine, generator, args)
    data = {
        "machine": machine.describe(),
        "loadgen": generator.describe(),
        "settings": vars(args),
        "documents": documents,
        "indexing": indexing,
        "lag_at_rest": rest,
        "searches": measured,
    }
    write_json(RESULTS / "search.json", data)
    print(markdown(data, args.concurrency))


if __name__ == "__main__":
    main()
