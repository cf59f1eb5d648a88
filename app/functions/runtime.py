"""The local Lambda runtime: the project's functions, run as AWS Lambda runs them.

Each function gets execution environments on demand (`worker.py`: a process running AWS's
runtime interface client against its own loopback Runtime API endpoint). As on Lambda:

- an invocation takes a warm (idle) worker of its function if there is one, else starts a new
  one (a cold start, counted, with its `Init Duration` in the `REPORT` line);
- a worker runs one invocation at a time; warm workers idle for `idle_worker_seconds` are
  stopped;
- concurrency is Lambda's (`concurrency.py`): over a reservation or the account pool, the call
  is throttled at once with `TooManyRequestsException`;
- an `Event` invocation answers at once (an empty payload, as the Invoke API's 202) and runs in
  the background under the same concurrency rules;
- a synchronous caller that goes away does not cancel the invocation (Lambda runs it to the
  end), and its unit of concurrency is held until it ends.

Supervision: the runtime is one `LocalEngine` for the `Supervisor` (`lambda-runtime` on
`/ready`). Its workers are not engines of their own: as on Lambda, a worker that dies is
replaced by a cold start at the next invocation, not restarted in a loop. A worker that exits
unexpectedly while idle is logged at ERROR with its exit status and the end of its output
(the Supervisor's message shape); one that exits mid-invocation answers `Runtime.ExitError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

from app.definition.model import LambdaSettings
from app.engines.base import EngineExit
from app.functions.base import (
    ASYNC_PAYLOAD_LIMIT,
    REQUEST_TOO_LARGE,
    RESOURCE_NOT_FOUND,
    SERVICE_EXCEPTION,
    SYNC_PAYLOAD_LIMIT,
    FunctionInvoker,
    InvocationResult,
    InvocationType,
    InvokeRefused,
    LocalFunctionConfig,
)
from app.functions.concurrency import ConcurrencyError, ConcurrencyPool
from app.functions.node_client import ensure_node_client, find_node
from app.functions.runtime_api import Invocation
from app.functions.worker import (
    Launch,
    RunResult,
    Worker,
    node_launch,
    python_launch,
    trace_id,
)

logger = logging.getLogger("strawsync.functions")

ENGINE_NAME: Final = "lambda-runtime"
PYTHON: Final = "python"
NODEJS: Final = "nodejs"


class UnsupportedRuntime(ValueError):
    """A function's runtime is neither `python3.x` nor `nodejsNN.x`."""


@runtime_checkable
class UsesLocalFunction(Protocol):
    """A data source backed by a local function: the runtime runs it, the source calls it.

    The service adds every such `local_function` to the runtime and `attach`es its invoker
    before data sources start, without knowing the data source's type.
    """

    @property
    def local_function(self) -> LocalFunctionConfig | None: ...

    def attach(self, invoker: FunctionInvoker) -> None: ...


def runtime_family(runtime: str) -> str:
    """`python` or `nodejs`, from Lambda's runtime identifier (`python3.12`, `nodejs20.x`)."""
    for family in (PYTHON, NODEJS):
        if runtime.startswith(family):
            return family
    raise UnsupportedRuntime(f"runtime {runtime!r} is not supported locally (python3.x, nodejs)")


@dataclass(slots=True)
class FunctionStats:
    """What the runtime counted for one function."""

    invocations: int = 0
    cold_starts: int = 0
    throttles: int = 0
    errors: int = 0


class LocalFunction:
    """The `FunctionInvoker` of one local function."""

    def __init__(self, runtime: LocalFunctionRuntime, config: LocalFunctionConfig) -> None:
        self._runtime = runtime
        self.config = config

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def arn(self) -> str:
        return self.config.arn

    async def invoke(
        self,
        payload: bytes,
        *,
        invocation_type: InvocationType = InvocationType.REQUEST_RESPONSE,
        client_context: str | None = None,
        cognito_identity: str | None = None,
    ) -> InvocationResult:
        return await self._runtime.invoke(
            self.config.name,
            payload,
            invocation_type=invocation_type,
            client_context=client_context,
            cognito_identity=cognito_identity,
        )


class LocalFunctionRuntime:
    """Every local function of a project, their workers and their concurrency."""

    lost_on_restart: str | None = None

    def __init__(
        self,
        functions: Sequence[LocalFunctionConfig],
        settings: LambdaSettings,
        *,
        cache_dir: Path | None = None,
        progress: Callable[[str], None] = logger.info,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        names = [function.name for function in functions]
        if len(set(names)) != len(names):
            raise ConcurrencyError(f"function names must be unique: {names}")
        for function in functions:
            runtime_family(function.runtime)
        self._settings = settings
        self._pool = ConcurrencyPool(functions, settings)
        self._functions = {function.name: function for function in functions}
        self._invokers = {f.name: LocalFunction(self, f) for f in functions}
        self._idle: dict[str, list[Worker]] = {name: [] for name in self._functions}
        self._busy: set[Worker] = set()
        self._idle_timers: dict[Worker, asyncio.TimerHandle] = {}
        self._stats = {name: FunctionStats() for name in self._functions}
        self._running: set[asyncio.Task[InvocationResult]] = set()
        self._stopping_workers: set[asyncio.Task[None]] = set()
        self._cache_dir = cache_dir
        self._progress = progress
        self._environ = os.environ if environ is None else environ
        self._node: tuple[str, Path] | None = None
        self._started = False
        self._stopped = asyncio.Event()

    # --- Functions ---------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return ENGINE_NAME

    @property
    def needed(self) -> bool:
        """Whether there is any function to run (else the service leaves the runtime out)."""
        return bool(self._functions)

    @property
    def functions(self) -> Mapping[str, LocalFunctionConfig]:
        return dict(self._functions)

    def add(self, function: LocalFunctionConfig) -> None:
        """Run one more function; adding the same function again (same config) is a no-op."""
        known = self._functions.get(function.name)
        if known is not None:
            if known != function:
                raise ConcurrencyError(f"two different local functions are named {function.name!r}")
            return
        runtime_family(function.runtime)
        self._pool.add(function)
        self._functions[function.name] = function
        self._invokers[function.name] = LocalFunction(self, function)
        self._idle[function.name] = []
        self._stats[function.name] = FunctionStats()

    def invoker(self, name: str) -> LocalFunction:
        """The function's invoker; KeyError for a function the runtime does not run."""
        return self._invokers[name]

    def stats(self, name: str) -> FunctionStats:
        return self._stats[name]

    def warm_workers(self, name: str) -> int:
        """Idle workers of `name` ready for a warm start."""
        return len(self._idle[name])

    # --- LocalEngine -------------------------------------------------------------------------

    async def start(self) -> None:
        """Get the runtime interface clients ready (installing Node's when a function needs
        it); workers start on demand."""
        if any(runtime_family(f.runtime) == NODEJS for f in self._functions.values()):
            await self._prepare_node()
        self._stopped = asyncio.Event()
        self._started = True

    async def wait(self) -> EngineExit:
        """The runtime has no process of its own: it ends only when stopped."""
        await self._stopped.wait()
        return EngineExit(0, "")

    async def probe(self) -> bool:
        return self._started

    async def stop(self) -> None:
        """Stop every worker; invocations still running end with `Runtime.ExitError`."""
        self._started = False
        self._stopped.set()
        for timer in self._idle_timers.values():
            timer.cancel()
        self._idle_timers.clear()
        workers = [w for pool in self._idle.values() for w in pool] + list(self._busy)
        for pool in self._idle.values():
            pool.clear()
        await asyncio.gather(*(worker.stop() for worker in workers), return_exceptions=True)
        running = list(self._running)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*running, return_exceptions=True), timeout=5.0)
        await asyncio.gather(*self._stopping_workers, return_exceptions=True)

    async def close(self) -> None:
        await self.stop()

    async def _prepare_node(self) -> None:
        if self._node is not None:
            return
        from app.datasources.dynamodb.local_engine import default_cache_dir

        node = find_node(self._environ)
        cache_dir = self._cache_dir or default_cache_dir(self._environ)
        entry = await ensure_node_client(cache_dir, self._progress, env=self._environ)
        self._node = (node, entry)

    # --- Invoking ------------------------------------------------------------------------------

    async def invoke(
        self,
        name: str,
        payload: bytes,
        *,
        invocation_type: InvocationType = InvocationType.REQUEST_RESPONSE,
        client_context: str | None = None,
        cognito_identity: str | None = None,
    ) -> InvocationResult:
        """Run `name` once, as Lambda's Invoke API; raises `InvokeRefused` when Lambda would."""
        function = self._functions.get(name)
        if function is None:
            raise InvokeRefused(RESOURCE_NOT_FOUND, f"Function not found: {local_name(name)}")
        if not self._started:
            raise InvokeRefused(SERVICE_EXCEPTION, "the local Lambda runtime is not running")
        asynchronous = invocation_type is InvocationType.EVENT
        limit = ASYNC_PAYLOAD_LIMIT if asynchronous else SYNC_PAYLOAD_LIMIT
        if len(payload) > limit:
            raise InvokeRefused(
                REQUEST_TOO_LARGE,
                f"Request must be smaller than {limit} bytes for the InvokeFunction operation",
            )
        stats = self._stats[name]
        try:
            self._pool.acquire(name)
        except InvokeRefused:
            stats.throttles += 1
            raise
        stats.invocations += 1
        request_id = str(uuid.uuid4())
        invocation = _Pending(request_id, payload, client_context, cognito_identity)
        task = asyncio.create_task(self._execute(function, invocation))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        if asynchronous:
            return InvocationResult(b"", request_id)
        # Shielded: a caller that goes away leaves the invocation running, as on Lambda.
        return await asyncio.shield(task)

    async def _execute(self, function: LocalFunctionConfig, pending: _Pending) -> InvocationResult:
        request_id = pending.request_id
        try:
            result, report = await self._run(function, pending)
        except Exception:
            logger.exception("[%s] %s the local runtime failed", function.name, request_id)
            result = RunResult(
                b'{"errorType":"Runtime.Unknown","errorMessage":"local runtime failure"}',
                "Unhandled",
                worker_alive=False,
            )
            report = None
        finally:
            self._pool.release(function.name)
        if result.function_error is not None:
            self._stats[function.name].errors += 1
        if report is not None:
            report.log(function.name, request_id)
        return InvocationResult(result.payload, request_id, result.function_error)

    async def _run(
        self, function: LocalFunctionConfig, pending: _Pending
    ) -> tuple[RunResult, _Report]:
        request_id = pending.request_id
        idle = self._idle[function.name]
        init_ms: float | None = None
        if idle:
            worker = idle.pop()
            timer = self._idle_timers.pop(worker, None)
            if timer is not None:
                timer.cancel()
        else:
            worker = Worker(function, self._launch(function), self._worker_died, self._environ)
            self._stats[function.name].cold_starts += 1
            self._busy.add(worker)
            try:
                failed = await worker.start(request_id)
            except BaseException:
                self._busy.discard(worker)
                await worker.stop()
                raise
            init_ms = worker.init_duration_ms
            if failed is not None:
                self._busy.discard(worker)
                logger.info("[%s] START RequestId: %s Version: $LATEST", function.name, request_id)
                return failed, _Report(0.0, function.memory_size_mb, None, init_ms, failed=True)
        self._busy.add(worker)
        logger.info("[%s] START RequestId: %s Version: $LATEST", function.name, request_id)
        started = time.perf_counter()
        invocation = Invocation(
            request_id=request_id,
            payload=pending.payload,
            invoked_arn=function.arn,
            deadline_ms=int((time.time() + function.timeout_seconds) * 1000),
            trace_id=trace_id(),
            client_context=pending.client_context,
            cognito_identity=pending.cognito_identity,
        )
        try:
            result = await worker.run(invocation)
        finally:
            self._busy.discard(worker)
        duration_ms = (time.perf_counter() - started) * 1000
        # `Max Memory Used` is a /proc read: only when the REPORT line will be written.
        reporting = result.worker_alive and logger.isEnabledFor(logging.INFO)
        memory = worker.peak_memory_mb() if reporting else None
        if result.worker_alive and self._started:
            self._keep_warm(worker)
        elif result.worker_alive:
            self._stop_later(worker)
        report = _Report(duration_ms, function.memory_size_mb, memory, init_ms, failed=False)
        return result, report

    def _launch(self, function: LocalFunctionConfig) -> Launch:
        if runtime_family(function.runtime) == NODEJS:
            if self._node is None:
                raise RuntimeError("the Node.js runtime client is not prepared")
            node, entry = self._node
            return node_launch(node, entry, function)
        return python_launch(function)

    # --- Warm workers --------------------------------------------------------------------------

    def _keep_warm(self, worker: Worker) -> None:
        self._idle[worker.function.name].append(worker)
        loop = asyncio.get_running_loop()
        self._idle_timers[worker] = loop.call_later(
            self._settings.idle_worker_seconds, self._retire, worker
        )

    def _retire(self, worker: Worker) -> None:
        """An idle worker's time is up: stop it (the next invocation is a cold start)."""
        self._idle_timers.pop(worker, None)
        idle = self._idle.get(worker.function.name, [])
        if worker in idle:
            idle.remove(worker)
            logger.debug(
                "[%s] stopping a worker idle for %gs",
                worker.function.name,
                self._settings.idle_worker_seconds,
            )
            self._stop_later(worker)

    def _stop_later(self, worker: Worker) -> None:
        task = asyncio.create_task(worker.stop())
        self._stopping_workers.add(task)
        task.add_done_callback(self._stopping_workers.discard)

    def _worker_died(self, worker: Worker, ended: EngineExit) -> None:
        """An idle worker exited by itself: log it as the Supervisor logs an engine's exit,
        and forget it; the next invocation starts a new one."""
        idle = self._idle.get(worker.function.name, [])
        if worker in idle:
            idle.remove(worker)
        timer = self._idle_timers.pop(worker, None)
        if timer is not None:
            timer.cancel()
        logger.error(
            "[%s] a worker (pid %s) exited unexpectedly (%s); the next invocation starts a "
            "new one. Its output ends with:\n%s",
            worker.function.name,
            worker.pid,
            ended.describe(),
            ended.output_tail or "(no output)",
        )
        self._stop_later(worker)


@dataclass(frozen=True, slots=True)
class _Pending:
    request_id: str
    payload: bytes
    client_context: str | None
    cognito_identity: str | None


@dataclass(frozen=True, slots=True)
class _Report:
    """Lambda's `END` and `REPORT` lines for one invocation."""

    duration_ms: float
    memory_size_mb: int
    max_memory_mb: int | None
    init_ms: float | None
    failed: bool

    def line(self, request_id: str) -> str:
        parts = [
            f"REPORT RequestId: {request_id}",
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {max(1, math.ceil(self.duration_ms))} ms",
            f"Memory Size: {self.memory_size_mb} MB",
            f"Max Memory Used: {self.max_memory_mb or 0} MB",
        ]
        if self.init_ms is not None:
            parts.append(f"Init Duration: {self.init_ms:.2f} ms")
        if self.failed:
            parts.append("Status: error")
        return "\t".join(parts)

    def log(self, function: str, request_id: str) -> None:
        logger.info("[%s] END RequestId: %s", function, request_id)
        logger.info("[%s] %s", function, self.line(request_id))


def local_name(name: str) -> str:
    from app.functions.base import local_arn

    return local_arn(name)
