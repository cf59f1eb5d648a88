"""The results as JSON (benchmarks/results/latest.json) and as a Markdown table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from benchmarks.loadgen import CONTENDED_BELOW, LoadResult
from benchmarks.runner import ScenarioResult, Settings


def document(
    results: Sequence[ScenarioResult],
    *,
    settings: Settings,
    command: str,
    machine: dict[str, Any],
    loadgen: str,
    servers: dict[str, dict[str, Any]],
    pinning: dict[str, list[int]] | None,
    stand_in: bool,
) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "machine": machine,
        "settings": {
            "duration_s": settings.duration,
            "warmup_s": settings.warmup,
            "concurrency": settings.concurrency,
            "rounds": settings.rounds,
            "retries": settings.retries,
            "summary": "median round by req/s; target and baseline alternate within each round",
            "loadgen": loadgen,
            "cpu_pinning": pinning,
            "stand_in": stand_in,
        },
        "servers": servers,
        "scenarios": [
            {
                "name": result.scenario.name,
                "description": result.scenario.description,
                "query": result.scenario.query,
                "variables": result.scenario.variables,
                "ratio": round(result.ratio, 3),
                "cpu_ratio": round(result.cpu_ratio, 3),
                "target": result.target.as_json(),
                "baseline": result.baseline.as_json(),
            }
            for result in results
        ],
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")


def _row(scenario: str, server: str, result: LoadResult, ratio: float) -> str:
    latency = result.latency_ms
    return (
        f"| {scenario} | {server} | {result.rps:,.0f} | {latency['p50']:.2f} "
        f"| {latency['p99']:.2f} | {result.errors} | {result.server_us_per_request:,.0f} "
        f"| {ratio:.0%} |"
    )


def markdown(data: dict[str, Any], results: Sequence[ScenarioResult]) -> str:
    machine = data["machine"]
    settings = data["settings"]
    packages = machine["packages"]
    servers = data["servers"]
    loaded = [{name for name, on in info["native"].items() if on} for info in servers.values()]
    native = " + ".join(sorted(set.intersection(*loaded))) if loaded else ""
    stand_in = " (stand-in)" if settings["stand_in"] else ""
    lines = [
        "| Scenario | Server | req/s | p50 (ms) | p99 (ms) | Errors "
        "| Server CPU µs/req | vs baseline |",
        "|---|---|--:|--:|--:|--:|--:|--:|",
    ]
    for result in results:
        name = result.scenario.name
        target = result.target
        lines.append(_row(name, target.server + stand_in, target.median(), result.ratio))
        lines.append(
            _row(name, f"{result.baseline.server} (baseline)", result.baseline.median(), 1.0)
        )
    lines += [
        "",
        f"Machine: {machine['nproc']} CPUs ({machine['cpu_model']}), "
        f"{machine['implementation']} {machine['python']}, Linux {machine['kernel']}; "
        f"uvicorn {packages['uvicorn']}, one worker, {native or 'without uvloop/httptools'}; "
        f"strawberry-graphql {packages['strawberry-graphql']}, "
        f"graphql-core {packages['graphql-core']}.",
        f"Load: {settings['loadgen']}, {settings['concurrency']} connections, "
        f"{settings['duration_s']} s per run after a {settings['warmup_s']} s warm-up; "
        + (
            f"{settings['rounds']} rounds alternating target and baseline, median round shown"
            if settings["rounds"] > 1
            else "1 round, target and baseline once each"
        )
        + (", server and load generator on separate CPUs." if settings["cpu_pinning"] else "."),
        f"Command: `{data['command']}`",
    ]
    starved = [
        f"{result.scenario.name}/{runs.server}"
        for result in results
        for runs in (result.target, result.baseline)
        if result.scenario.cpu_bound and runs.median().contended
    ]
    if starved:
        lines.append(
            f"\n**Warning**: the server had less than {CONTENDED_BELOW:.0%} of a core in "
            f"{', '.join(starved)} (another process was running): req/s and latency are "
            "not comparable; the CPU µs/req column still is, roughly."
        )
    return "\n".join(lines)


def progress_line(scenario: str, round_index: int, rounds: int, server: str, r: LoadResult) -> str:
    data = r.as_json()
    return (
        f"{scenario:<12} round {round_index + 1}/{rounds}  {server:<14} "
        f"{r.rps:>9,.0f} req/s  p50 {r.latency_ms['p50']:6.2f} ms  "
        f"p99 {r.latency_ms['p99']:6.2f} ms  errors {r.errors:<4} "
        f"server CPU {data['server_cpu_percent']:5.1f}% "
        f"({data['server_cpu_us_per_request']:.0f} µs/req)  "
        f"loadgen CPU {data['loadgen_cpu_percent']:5.1f}% "
        f"({data['loadgen_cpu_us_per_request']:.1f} µs/req)"
        + (f"  [{r.attempts} attempts]" if r.attempts > 1 else "")
        + ("  CONTENDED" if r.contended else "")
    )
