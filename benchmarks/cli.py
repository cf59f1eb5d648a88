"""`python -m benchmarks`: Strawsync against its baselines, side by side."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from contextlib import ExitStack, suppress
from dataclasses import replace
from pathlib import Path

from benchmarks import machine, report, servers
from benchmarks.dynamodb_session import DynamoDBSession
from benchmarks.loadgen import LoadResult, can_install, choose
from benchmarks.project import api_key_headers, temporary_copy
from benchmarks.runner import ScenarioResult, Settings, run_scenario
from benchmarks.scenarios import GRAPHQL_CORE, SCENARIOS, STRAWSYNC, Scenario

RESULTS = Path(__file__).resolve().parent / "results"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmark Strawsync against a bare graphql-core baseline.",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (10)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per run (2)")
    parser.add_argument("--concurrency", type=int, default=32, help="connections (32)")
    parser.add_argument("--rounds", type=int, default=3, help="target/baseline rounds (3)")
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="re-run a measured run up to N times while another process starves the server (2)",
    )
    parser.add_argument(
        "--scenario",
        nargs="+",
        action="extend",
        choices=sorted(SCENARIOS),
        help="scenarios to run (all)",
    )
    parser.add_argument(
        "--loadgen",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk if present or installable, else python (auto)",
    )
    parser.add_argument("--no-install", action="store_true", help="never run apt-get install wrk")
    parser.add_argument(
        "--no-pin",
        action="store_true",
        help="do not pin servers and load generator to separate CPUs",
    )
    parser.add_argument(
        "--project", type=Path, default=servers.ROOT, help="Strawsync project to serve"
    )
    parser.add_argument(
        "--stand-in",
        action="store_true",
        help="serve a second graphql-core baseline as the target (an A/A test of the harness)",
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS / "latest.json", help="JSON results file"
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    return parser


def _command(argv: Sequence[str]) -> str:
    python = Path(sys.executable)
    with suppress(ValueError):
        python = python.relative_to(Path.cwd())
    return shlex.join([str(python), "-m", "benchmarks", *argv])


def _pinning(no_pin: bool) -> tuple[set[int] | None, set[int] | None]:
    """(server CPUs, load generator CPUs): one CPU each when there are two or more."""
    cpus = sorted(os.sched_getaffinity(0))
    if no_pin or len(cpus) < 2:
        return None, None
    return {cpus[0]}, {cpus[1]}


def _list() -> int:
    for scenario in SCENARIOS.values():
        print(
            f"{scenario.name:<12} {scenario.target} vs {scenario.baseline}: {scenario.description}"
        )
    return 0


def _start_servers(
    stack: ExitStack,
    specs: dict[str, servers.ServerSpec],
    scenarios: Sequence[Scenario],
    project: Path,
    cpus: set[int] | None,
    env: dict[str, str] | None = None,
    headers: dict[str, dict[str, str]] | None = None,
) -> dict[str, servers.Server]:
    """Every server the scenarios name, each started once; `stack` stops them. `headers`: what
    requests to a server (by name) must carry, such as Strawsync's API key."""
    running: dict[str, servers.Server] = {}
    for name in dict.fromkeys(n for s in scenarios for n in (s.target, s.baseline)):
        print(f"starting {name}: {specs[name].description}", file=sys.stderr)
        server = servers.start(specs[name], project, RESULTS / "logs", cpus, env)
        stack.callback(server.stop)
        server.headers = dict((headers or {}).get(name, {}))
        running[name] = server
        native = server.native_modules()
        loaded = ", ".join(module for module, on in native.items() if on) or "neither"
        print(f"  pid {server.process.pid}, port {server.port}; loaded: {loaded}", file=sys.stderr)
        missing = [module for module, on in native.items() if not on]
        if missing:
            print(f"  warning: {name} runs without {', '.join(missing)}", file=sys.stderr)
    return running


def _stand_in(scenario: Scenario, specs: dict[str, servers.ServerSpec]) -> Scenario:
    """With --stand-in, a scenario whose baseline is not graphql-core gets a second copy of
    its own baseline as the target (graphql-core ones get the `strawsync` stand-in)."""
    if scenario.baseline == GRAPHQL_CORE:
        return scenario
    name = f"{scenario.baseline}-stand-in"
    specs[name] = replace(
        specs[scenario.baseline], name=name, description=f"stand-in: {scenario.baseline}"
    )
    return replace(scenario, target=name, path=scenario.path_for("baseline"))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    if args.list:
        return _list()
    settings = Settings(args.duration, args.warmup, args.concurrency, args.rounds, args.retries)
    if min(settings.duration, settings.concurrency, settings.rounds) < 1:
        raise SystemExit("--duration, --concurrency and --rounds must be positive")
    if min(settings.warmup, settings.retries) < 0:
        raise SystemExit("--warmup and --retries cannot be negative")
    scenarios = [SCENARIOS[name] for name in args.scenario or SCENARIOS]
    specs = dict(servers.SERVERS)
    if args.stand_in:
        specs[STRAWSYNC] = replace(
            specs[GRAPHQL_CORE], name=STRAWSYNC, description="stand-in: graphql-core baseline"
        )
        scenarios = [_stand_in(scenario, specs) for scenario in scenarios]
    server_cpus, loadgen_cpus = _pinning(args.no_pin)
    generator = choose(
        args.loadgen, install=can_install() and not args.no_install, cpus=loadgen_cpus
    )
    loadgen = generator.describe()
    if loadgen.startswith("wrk"):
        loadgen += ", 1 thread"
    print(f"load generator: {loadgen}", file=sys.stderr)

    with ExitStack() as stack:
        project, env = args.project, None
        if any(scenario.dynamodb for scenario in scenarios):
            # One engine for the session, on the load generator's CPU: the server under test
            # keeps a core to itself, and both sides read the same engine and items.
            session = DynamoDBSession(
                args.project, cpus=loadgen_cpus, progress=lambda line: print(line, file=sys.stderr)
            )
            stack.callback(session.stop)
            session.start()
            project, env = session.project, session.environment()
        else:
            # Served from a copy, so the API key below is not written into the project itself.
            project = Path(stack.enter_context(temporary_copy(args.project)))
        # The sample's default mode is API_KEY: Strawsync's requests carry a key made for the
        # served copy, as a real client's would. The baselines (and --stand-in) take none.
        headers = {} if args.stand_in else {STRAWSYNC: api_key_headers(project)}
        try:
            running = _start_servers(stack, specs, scenarios, project, server_cpus, env, headers)
        except servers.ServerError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2

        def progress(scenario: Scenario, index: int, role: str, result: LoadResult) -> None:
            server = scenario.target if role == "target" else scenario.baseline
            print(report.progress_line(scenario.name, index, settings.rounds, server, result))

        results: list[ScenarioResult] = []
        for scenario in scenarios:
            try:
                results.append(run_scenario(scenario, running, generator, settings, progress))
            except RuntimeError as error:  # CheckFailed, or a load generator that failed
                print(f"{scenario.name} failed: {error}", file=sys.stderr)
        server_info = {
            name: {
                "description": server.spec.description,
                "command": shlex.join(server.spec.command(server.port, project)),
                "native": server.native_modules(),
            }
            for name, server in running.items()
        }

    data = report.document(
        results,
        settings=settings,
        command=_command(argv),
        machine=machine.describe(),
        loadgen=loadgen,
        servers=server_info,
        pinning=(
            {"servers": sorted(server_cpus), "loadgen": sorted(loadgen_cpus)}
            if server_cpus and loadgen_cpus
            else None
        ),
        stand_in=args.stand_in,
    )
    report.write_json(args.output, data)
    print()
    print(report.markdown(data, results))
    print(f"\nresults: {args.output}", file=sys.stderr)
    return 0 if len(results) == len(scenarios) else 1


if __name__ == "__main__":
    raise SystemExit(main())
