"""Lambda's concurrency model on real workers: reservations, the account pool, idle workers.

Each test holds units with handlers that sleep, then makes one call too many: it must be
throttled at once (`TooManyRequestsException`, never queued), with Lambda's `Reason`.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import orjson
import pytest

from app.definition.model import LambdaSettings
from app.functions.base import InvocationResult, InvokeRefused
from app.functions.concurrency import ConcurrencyError
from app.functions.runtime import LocalFunctionRuntime
from tests.functions.handlers import eventually, gather_outcomes, python_function, write_code

HOLD = orjson.dumps({"seconds": 1.0})


def _throttles(outcomes: list[object]) -> list[InvokeRefused]:
    return [o for o in outcomes if isinstance(o, InvokeRefused)]


def _successes(outcomes: list[object]) -> list[InvocationResult]:
    return [o for o in outcomes if isinstance(o, InvocationResult) and o.function_error is None]


async def test_the_reservation_plus_one_concurrent_call_is_throttled_at_once(
    tmp_path: Path,
) -> None:
    code = write_code(tmp_path)
    runtime = LocalFunctionRuntime(
        [python_function(code, "reserved", "sleep", reserved_concurrency=2)], LambdaSettings()
    )
    await runtime.start()
    try:
        invoker = runtime.invoker("reserved")
        at_cap = await gather_outcomes([invoker.invoke(HOLD) for _ in range(2)])
        assert len(_successes(at_cap)) == 2  # N concurrent calls all run
        started = time.monotonic()
        over = await gather_outcomes([invoker.invoke(HOLD) for _ in range(3)])
        throttled = _throttles(over)
        assert len(throttled) == 1 and len(_successes(over)) == 2
        assert throttled[0].error_type == "TooManyRequestsException"
        assert throttled[0].message == "Rate Exceeded."
        assert throttled[0].reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
        assert time.monotonic() - started < 10.0
        assert runtime.stats("reserved").throttles == 1
        assert runtime.warm_workers("reserved") == 2
    finally:
        await runtime.close()


async def test_a_throttled_call_does_not_wait_for_a_unit(tmp_path: Path) -> None:
    code = write_code(tmp_path)
    runtime = LocalFunctionRuntime(
        [python_function(code, "one", "sleep", reserved_concurrency=1)], LambdaSettings()
    )
    await runtime.start()
    try:
        invoker = runtime.invoker("one")
        holding = asyncio.create_task(invoker.invoke(orjson.dumps({"seconds": 1.5})))
        await eventually(lambda: runtime.stats("one").invocations == 1, 5.0)
        started = time.monotonic()
        with pytest.raises(InvokeRefused):
            await invoker.invoke(b"{}")
        assert time.monotonic() - started < 0.5  # refused, not queued behind the 1.5 s call
        assert (await holding).function_error is None
        assert (await invoker.invoke(b"{}")).function_error is None  # the unit came back
    finally:
        await runtime.close()


async def test_a_reservation_of_zero_disables_the_function(tmp_path: Path) -> None:
    code = write_code(tmp_path)
    runtime = LocalFunctionRuntime(
        [python_function(code, "off", "sleep", reserved_concurrency=0)], LambdaSettings()
    )
    await runtime.start()
    try:
        with pytest.raises(InvokeRefused) as refused:
            await runtime.invoker("off").invoke(b"{}")
        assert refused.value.error_type == "TooManyRequestsException"
        assert refused.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
        assert runtime.stats("off").cold_starts == 0  # nothing ran
    finally:
        await runtime.close()


async def test_unreserved_functions_share_what_reservations_leave_of_the_account(
    tmp_path: Path,
) -> None:
    code = write_code(tmp_path)
    settings = LambdaSettings(account_concurrency=4, unreserved_minimum=2)
    runtime = LocalFunctionRuntime(
        [
            python_function(code, "reserved", "sleep", reserved_concurrency=2),
            python_function(code, "a", "sleep"),
            python_function(code, "b", "sleep"),
        ],
        settings,
    )
    await runtime.start()
    try:
        a, b, reserved = (runtime.invoker(n) for n in ("a", "b", "reserved"))
        unreserved = [a.invoke(HOLD), b.invoke(HOLD), a.invoke(HOLD)]  # 3 > 4 - 2 units
        own = [reserved.invoke(HOLD), reserved.invoke(HOLD)]  # its 2 units, untouched
        outcomes = await gather_outcomes([*unreserved, *own])
        throttled = outcomes[2]
        assert isinstance(throttled, InvokeRefused)
        assert throttled.reason == "ConcurrentInvocationLimitExceeded"
        assert len(_successes(outcomes)) == 4
    finally:
        await runtime.close()


def test_reservations_must_leave_the_unreserved_minimum(tmp_path: Path) -> None:
    settings = LambdaSettings(account_concurrency=10, unreserved_minimum=3)
    at_limit = [python_function(tmp_path, "f", "sleep", reserved_concurrency=7)]
    LocalFunctionRuntime(at_limit, settings)  # leaves exactly 3
    over = [python_function(tmp_path, "f", "sleep", reserved_concurrency=8)]
    with pytest.raises(ConcurrencyError, match="unreservedMinimum"):
        LocalFunctionRuntime(over, settings)
    runtime = LocalFunctionRuntime(at_limit, settings)
    with pytest.raises(ConcurrencyError, match="unreservedMinimum"):
        runtime.add(python_function(tmp_path, "g", "sleep", reserved_concurrency=1))


async def test_idle_workers_are_stopped_after_idle_worker_seconds(tmp_path: Path) -> None:
    code = write_code(tmp_path)
    runtime = LocalFunctionRuntime(
        [python_function(code, "brief", "sleep")], LambdaSettings(idle_worker_seconds=0.3)
    )
    await runtime.start()
    try:
        first = orjson.loads((await runtime.invoker("brief").invoke(b"{}")).payload)
        assert runtime.warm_workers("brief") == 1
        await eventually(lambda: runtime.warm_workers("brief") == 0, 5.0)
        await eventually(lambda: not Path(f"/proc/{first['pid']}").exists(), 5.0)
        second = orjson.loads((await runtime.invoker("brief").invoke(b"{}")).payload)
        assert second["pid"] != first["pid"]
        assert runtime.stats("brief").cold_starts == 2
    finally:
        await runtime.close()
