"""Render time of mapping templates: the whole corpus, and a typical PutItem request template.

    .venv/bin/python -m benchmarks.bench_templates [--repeat N] [--budget-ms MS] [--number N]

Every case of the template corpus (`tests/templates/corpus/*.yaml`) is compiled once and
rendered many times with the real `$util`, `$ctx` built from the case's context exactly as
`evaluate_template` builds it. Cases the corpus expects to fail are timed apart, and
templates that do not compile are only counted. Then the PutItem request template from the
AppSync docs (4 string arguments) is timed against airspeed-ext, on the same real `$util`.

Each render gets fresh variables, built outside the timed loop (templates mutate `$ctx`).
Timings use `time.perf_counter_ns` with the garbage collector off (as `timeit` does), after a
warm-up; each figure is the best of `--repeat` runs.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import Any

import airspeed

from app.templates.api import (
    RenderScope,
    Template,
    TemplateErrorRaised,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UnauthorizedRaised,
)
from app.templates.context import template_variables
from app.templates.evaluate import context_from_json
from app.templates.json_output import parse_template_output
from app.templates.util import build_extensions, build_util
from app.templates.vtl import VtlEngine
from tests.templates.test_corpus import Case, load_cases, pad_to

PUT_ITEM = (
    '{"version": "2017-02-28", "operation": "PutItem", '
    '"key": {"id": $util.dynamodb.toDynamoDBJson($util.autoId())}, '
    '"attributeValues": $util.dynamodb.toMapValuesJson($ctx.args)}'
)
PUT_ITEM_ARGS = {"title": "Hello", "content": "World", "author": "Ann", "status": "DRAFT"}
PUT_ITEM_TARGET_US = 30.0
TEMPLATE_FAILURES = (TemplateRuntimeError, TemplateErrorRaised, UnauthorizedRaised)

Inputs = tuple[dict[str, Any], RenderScope]


@dataclass(frozen=True)
class Timing:
    """One template's best time per render, and how many renders each run made."""

    name: str
    best_ns: float
    number: int

    @property
    def micros(self) -> float:
        return self.best_ns / 1000


def case_inputs(case: Case) -> Callable[[], Inputs]:
    """Fresh variables and scope for one render of `case`, as `evaluate_template` makes them."""
    spec = case.spec
    context = spec.get("context") or {}

    def make() -> Inputs:
        scope = RenderScope(
            auth_type=spec.get("auth_type"),
            log=lambda _level, _message: None,
            template_kind=spec.get("kind", "request"),
        )
        ctx = context_from_json(context)
        return template_variables(ctx, build_util(scope), build_extensions(scope)), scope

    return make


def put_item_inputs() -> Inputs:
    scope = RenderScope()
    ctx = context_from_json({"arguments": dict(PUT_ITEM_ARGS)})
    return template_variables(ctx, build_util(scope), build_extensions(scope)), scope


def best_time(
    render: Callable[[dict[str, Any], RenderScope], object],
    make_inputs: Callable[[], Inputs],
    number: int,
    repeat: int,
) -> float:
    """The best, over `repeat` runs of `number` renders, of the nanoseconds per render."""
    best = math.inf
    for _ in range(repeat):
        batch = [make_inputs() for _ in range(number)]
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            start = time.perf_counter_ns()
            for variables, scope in batch:
                try:  # noqa: SIM105 (contextlib.suppress would add its own cost to every render)
                    render(variables, scope)
                except TEMPLATE_FAILURES:
                    pass
            elapsed = time.perf_counter_ns() - start
        finally:
            if gc_was_enabled:
                gc.enable()
        best = min(best, elapsed / number)
    return best


def time_template(
    name: str,
    render: Callable[[dict[str, Any], RenderScope], object],
    make_inputs: Callable[[], Inputs],
    budget_ns: float,
    repeat: int,
) -> Timing:
    """Warm up, size a run to about `budget_ns`, then take the best of `repeat` runs."""
    single = best_time(render, make_inputs, 3, 1)
    number = max(1, min(10_000, int(budget_ns / max(single, 1.0))))
    return Timing(name, best_time(render, make_inputs, number, repeat), number)


def fails(template: Template, make_inputs: Callable[[], Inputs]) -> bool:
    variables, scope = make_inputs()
    try:
        template.render(variables, scope)
    except TEMPLATE_FAILURES:
        return True
    return False


def bench_corpus(budget_ns: float, repeat: int) -> None:
    engine = VtlEngine()
    cases = load_cases()
    rendered: list[Timing] = []
    failing: list[Timing] = []
    not_compiled: list[str] = []
    surprises: list[str] = []
    for case in cases:
        source = case.spec["template"]
        if "pad_to_bytes" in case.spec:
            source = pad_to(source, case.spec["pad_to_bytes"])
        try:
            template = engine.compile(source, case.id)
        except TemplateSyntaxError:
            not_compiled.append(case.id)
            continue
        make_inputs = case_inputs(case)
        expected_to_fail = "error" in case.spec
        if fails(template, make_inputs) != expected_to_fail:
            surprises.append(case.id)
        timing = time_template(case.id, template.render, make_inputs, budget_ns, repeat)
        (failing if expected_to_fail else rendered).append(timing)

    print(f"Corpus: {len(cases)} cases (tests/templates/corpus/*.yaml), real $util")
    _summary("rendered", rendered)
    _summary("expected to fail", failing)
    print(f"  {'not compiled':<18}{len(not_compiled):>4} cases (syntax errors: not rendered)")
    slowest = sorted(rendered, key=lambda timing: -timing.best_ns)[:3]
    print("  slowest: " + ", ".join(f"{t.name} {t.micros:,.0f} us" for t in slowest))
    if surprises:
        print(f"  WARNING: outcome differs from the corpus for {', '.join(surprises)}")


def _summary(label: str, timings: list[Timing]) -> None:
    if not timings:
        print(f"  {label:<18}   0 cases")
        return
    total_s = sum(timing.best_ns for timing in timings) / 1e9
    micros = [timing.micros for timing in timings]
    print(
        f"  {label:<18}{len(timings):>4} cases  {len(timings) / total_s:>9,.0f} renders/s "
        f"(each case once, in turn)  median {statistics.median(micros):.1f} us  "
        f"p90 {_percentile(micros, 90):.1f} us"
    )


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def bench_put_item(number: int, repeat: int) -> None:
    ours = VtlEngine().compile(PUT_ITEM, "PutItem")
    best_time(ours.render, put_item_inputs, number, 1)  # warm-up
    ours_ns = best_time(ours.render, put_item_inputs, number, repeat)
    variables, scope = put_item_inputs()
    output = ours.render(variables, scope).output
    print("PutItem request template, 4 string arguments, real $util:")
    print(f"  {PUT_ITEM}")
    verdict = "met" if ours_ns / 1000 < PUT_ITEM_TARGET_US else "NOT met"
    print(
        f"  {'strawsync':<14}{ours_ns / 1000:>7.1f} us  "
        f"(target < {PUT_ITEM_TARGET_US:.0f} us: {verdict})"
    )

    try:
        theirs = airspeed.Template(PUT_ITEM)
        theirs_output = theirs.merge(put_item_inputs()[0])
    except Exception as exc:  # airspeed-ext may not run a template at all
        print(f"  {'airspeed-ext':<14}cannot run the template: {type(exc).__name__}: {exc}")
    else:
        best_time(lambda v, _s: theirs.merge(v), put_item_inputs, number, 1)  # warm-up
        theirs_ns = best_time(lambda v, _s: theirs.merge(v), put_item_inputs, number, repeat)
        same = _same_json(output, theirs_output)
        print(f"  {'airspeed-ext':<14}{theirs_ns / 1000:>7.1f} us  same JSON as ours: {same}")

    parse_ns = best_time(
        lambda _v, _s: parse_template_output(output, "PutItem"), put_item_inputs, number, repeat
    )
    print(f"  parse_template_output of the rendered request: {parse_ns / 1000:.1f} us")


def _same_json(ours: str, theirs: str) -> str:
    """Whether two PutItem outputs are the same JSON, the random `autoId` aside."""
    try:
        documents = [json.loads(text) for text in (ours, theirs)]
    except ValueError as exc:
        return f"no (airspeed-ext's output is not JSON: {exc})"
    for document in documents:
        document["key"]["id"]["S"] = "<autoId>"
    return "yes" if documents[0] == documents[1] else "no"


def _machine() -> str:
    packages = ", ".join(f"{name} {metadata.version(name)}" for name in ("airspeed-ext", "PyYAML"))
    return (
        f"{platform.python_implementation()} {platform.python_version()} on "
        f"{platform.machine()} {platform.system()} {platform.release()}; {packages}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs; the best counts")
    parser.add_argument(
        "--budget-ms", type=float, default=3.0, help="length of one timed run per corpus case"
    )
    parser.add_argument("--number", type=int, default=2000, help="renders per PutItem run")
    options = parser.parse_args(argv)
    print(f"Template render benchmark: best of {options.repeat} runs, gc off during runs")
    print(f"Machine: {_machine()}")
    print(
        f"Command: {' '.join([sys.executable, '-m', 'benchmarks.bench_templates', *sys.argv[1:]])}"
    )
    print()
    bench_corpus(options.budget_ms * 1e6, options.repeat)
    print()
    bench_put_item(options.number, options.repeat)


if __name__ == "__main__":
    main()
