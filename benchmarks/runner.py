"""Runs the scenarios: check one response, then alternate target and baseline for N rounds."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmarks.loadgen import Load, LoadGenerator, LoadResult
from benchmarks.scenarios import Scenario
from benchmarks.servers import HOST, Server, post


@dataclass(frozen=True)
class Settings:
    duration: int
    warmup: int
    concurrency: int
    rounds: int
    retries: int = 2  # re-runs of a measured run whose server was starved of CPU


@dataclass
class Runs:
    """Every measured run of one server in one scenario."""

    server: str
    results: list[LoadResult] = field(default_factory=list)

    def median(self) -> LoadResult:
        """The run with the median req/s (the lower middle one for an even count)."""
        ordered = sorted(self.results, key=lambda result: result.rps)
        return ordered[(len(ordered) - 1) // 2]

    def as_json(self) -> dict[str, Any]:
        rates = [result.rps for result in self.results]
        median = statistics.median(rates) or 1.0
        return {
            "server": self.server,
            "median": self.median().as_json(),
            "rps_rounds": [round(rate, 1) for rate in rates],
            "rps_spread_percent": round(100 * (max(rates) - min(rates)) / median, 1),
            "rounds": [result.as_json() for result in self.results],
        }


@dataclass
class ScenarioResult:
    scenario: Scenario
    target: Runs
    baseline: Runs

    @property
    def ratio(self) -> float:
        baseline = self.baseline.median().rps
        return self.target.median().rps / baseline if baseline else 0.0

    @property
    def cpu_ratio(self) -> float:
        """Baseline server CPU per request over the target's: the ratio without contention."""
        target = self.target.median().server_us_per_request
        return self.baseline.median().server_us_per_request / target if target else 0.0


class CheckFailed(RuntimeError):
    pass


def check(scenario: Scenario, server: Server, role: str = "target") -> None:
    """One request before the run: 200, JSON, no `errors`, and the expected `data`."""
    path = scenario.path_for(role)
    status, body = post(server, path, scenario.body(), {**scenario.headers, **server.headers})
    problem = None
    if status != 200:
        problem = f"status {status}"
    elif not isinstance(body, dict) or body.get("errors"):
        problem = "errors in the response"
    elif scenario.expect is not None and body.get("data") != scenario.expect:
        problem = f"data is not {scenario.expect!r}"
    elif scenario.validate is not None:
        problem = scenario.validate(body.get("data"))
    if problem:
        raise CheckFailed(f"{scenario.name} on {server.spec.name}: {problem}: {body!r:.500}")


Progress = Callable[[Scenario, int, str, LoadResult], None]


def run_scenario(
    scenario: Scenario,
    servers: Mapping[str, Server],
    generator: LoadGenerator,
    settings: Settings,
    progress: Progress,
) -> ScenarioResult:
    target, baseline = servers[scenario.target], servers[scenario.baseline]
    for role, server in (("baseline", baseline), ("target", target)):
        check(scenario, server, role)
    runs = {
        role: Runs(server.spec.name)
        for role, server in (("target", target), ("baseline", baseline))
    }
    for index in range(settings.rounds):
        # Baseline first in rounds 1, 3, ..., target first in rounds 2, 4, ..., so drift over time
        # (thermal, neighbours on the host) does not always favour the same side.
        order = [("baseline", baseline), ("target", target)]
        if index % 2:
            order.reverse()
        for role, server in order:
            result = measure(scenario, server, generator, settings, scenario.path_for(role))
            runs[role].results.append(result)
            progress(scenario, index, role, result)
    return ScenarioResult(scenario, runs["target"], runs["baseline"])


def measure(
    scenario: Scenario,
    server: Server,
    generator: LoadGenerator,
    settings: Settings,
    path: str | None = None,
) -> LoadResult:
    def load(duration: int) -> Load:
        return Load(
            host=HOST,
            port=server.port,
            path=path or scenario.path,
            body=scenario.body(),
            concurrency=settings.concurrency,
            duration=duration,
            headers={**scenario.headers, **server.headers},
        )

    for attempt in range(settings.retries + 1):
        if settings.warmup > 0:
            generator.run(load(settings.warmup), server.cpu_seconds)
        result = generator.run(load(settings.duration), server.cpu_seconds)
        result.attempts = attempt + 1
        if not (scenario.cpu_bound and result.contended):
            break
    return result
