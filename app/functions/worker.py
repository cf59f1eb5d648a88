"""One execution environment: a worker process running AWS's runtime interface client.

As a Lambda execution environment, a worker initialises once (imports the handler's module),
then runs one invocation at a time for as long as it is kept warm. It talks to Strawsync only
through its own Runtime API endpoint (`runtime_api.py`), and it never runs in the server's
process, so a crash, a leak or an endless loop in user code costs one worker, not the server.

Failures are reported as Lambda reports them, as an error document with `function_error`
`Unhandled`: the handler's exception (the client's own document), an init error
(`Runtime.ImportModuleError`, `Runtime.UserCodeSyntaxError`, ... as the client posts it), a
worker that exits mid-invocation (`Runtime.ExitError`), and a timeout (`Sandbox.Timedout`,
"Task timed out after N.NN seconds"; the worker is killed).

Its stdout and stderr reach the server log line by line, with the function name and the
request id of the invocation running, between Lambda's `START`, `END` and `REPORT` lines.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import enum
import logging
import math
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import orjson

from app.engines.base import EngineExit
from app.functions.base import LOCAL_REGION, SYNC_PAYLOAD_LIMIT, LocalFunctionConfig
from app.functions.runtime_api import Invocation, Outcome, RuntimeApiServer

logger = logging.getLogger("strawsync.functions")

INIT_TIMEOUT_SECONDS: Final = 10.0
"""Lambda's limit on a function's init phase; a slower init then has the function's timeout."""
OUTPUT_TAIL_LINES: Final = 20
_STOP_GRACE_SECONDS = 1.0

# Runs awslambdaric as `python -m awslambdaric HANDLER` would, after capping the process's data
# segment (heap and anonymous mappings) at the function's memory size.
_PYTHON_BOOTSTRAP = (
    "import resource, runpy, sys\n"
    "limit = int(sys.argv[1]) * 1024 * 1024\n"
    "resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))\n"
    "sys.argv = ['awslambdaric', sys.argv[2]]\n"
    "runpy.run_module('awslambdaric', run_name='__main__', alter_sys=True)\n"
)
# What a worker inherits from the server's environment; nothing else (no credentials).
_INHERITED = ("PATH", "LANG", "LC_ALL", "LD_LIBRARY_PATH", "SYSTEMROOT")


class WorkerState(enum.Enum):
    STARTING = "starting"
    IDLE = "idle"
    BUSY = "busy"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class Launch:
    """How to start a worker for a runtime: the interpreter command before the handler."""

    command: tuple[str, ...]
    runtime_dir: Path


def python_launch(function: LocalFunctionConfig) -> Launch:
    """`python -m awslambdaric`, in this server's interpreter (where awslambdaric is installed)."""
    import awslambdaric

    return Launch(
        (sys.executable, "-c", _PYTHON_BOOTSTRAP, str(function.memory_size_mb)),
        Path(awslambdaric.__file__).parent,
    )


def node_launch(node: str, entry: Path, function: LocalFunctionConfig) -> Launch:
    """`node aws-lambda-ric/index.mjs`, its V8 heap capped at the function's memory size."""
    return Launch(
        (node, f"--max-old-space-size={function.memory_size_mb}", str(entry)), entry.parent
    )


@dataclass(frozen=True, slots=True)
class RunResult:
    """One invocation's outcome as the Invoke API gives it, and whether the worker survived."""

    payload: bytes
    function_error: str | None
    worker_alive: bool


def error_document(error_type: str, message: str) -> bytes:
    return orjson.dumps({"errorType": error_type, "errorMessage": message})


def exit_document(request_id: str, ended: EngineExit) -> bytes:
    """Lambda's answer when the runtime exits mid-invocation."""
    if ended.status >= 0:
        how = f"exit status {ended.status}"
    else:
        try:
            how = f"signal: {signal.Signals(-ended.status).name.removeprefix('SIG').lower()}"
        except ValueError:
            how = f"signal: {-ended.status}"
    return error_document(
        "Runtime.ExitError", f"RequestId: {request_id} Error: Runtime exited with error: {how}"
    )


def timeout_document(request_id: str, seconds: float) -> bytes:
    return error_document(
        "Sandbox.Timedout",
        f"RequestId: {request_id} Error: Task timed out after {seconds:.2f} seconds",
    )


def worker_environment(
    function: LocalFunctionConfig,
    launch: Launch,
    runtime_api: str,
    inherited: Mapping[str, str],
) -> dict[str, str]:
    """Lambda's environment for an execution environment, then the function's variables.

    The server's own environment is not passed on (it may hold credentials); only what a
    process needs to start (`PATH`, locale) is.
    """
    env = {key: inherited[key] for key in _INHERITED if key in inherited}
    now = datetime.now(UTC)
    env.update(
        {
            "_HANDLER": function.handler,
            "LAMBDA_TASK_ROOT": str(function.code_dir),
            "LAMBDA_RUNTIME_DIR": str(launch.runtime_dir),
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "AWS_LAMBDA_FUNCTION_NAME": function.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"{now:%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": LOCAL_REGION,
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.runtime}",
            "TZ": ":UTC",
            "PYTHONPATH": str(function.code_dir),
        }
    )
    env.update(function.environment)
    return env


def trace_id() -> str:
    """An X-Ray trace header as Lambda passes it (not sampled: there is no X-Ray here)."""
    return (
        f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};"
        f"Parent={uuid.uuid4().hex[:16]};Sampled=0"
    )


def _peak_memory_mb(pid: int) -> int | None:
    """The process's peak resident set (VmHWM), in MB, as Lambda's `Max Memory Used`.

    Read with one raw `read` of a /proc file (no disk I/O, a few microseconds)."""
    try:
        fd = os.open(f"/proc/{pid}/status", os.O_RDONLY)
        try:
            status = os.read(fd, 8192)
        finally:
            os.close(fd)
        start = status.index(b"VmHWM:") + 6
        return math.ceil(int(status[start : status.index(b"kB", start)]) / 1024)
    except (OSError, ValueError):
        return None


class Worker:
    """One worker process and its Runtime API endpoint."""

    def __init__(
        self,
        function: LocalFunctionConfig,
        launch: Launch,
        on_unexpected_exit: Callable[[Worker, EngineExit], None],
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.function = function
        self._launch = launch
        self._on_unexpected_exit = on_unexpected_exit
        self._environ = os.environ if environ is None else environ
        self.state = WorkerState.STARTING
        self.idle_since = time.monotonic()
        self.init_duration_ms: float | None = None
        self._api = RuntimeApiServer(self)
        self._process: asyncio.subprocess.Process | None = None
        # The next invocation for the worker's `next` call; None once the worker is stopping.
        self._queue: asyncio.Queue[Invocation | None] = asyncio.Queue(maxsize=1)
        self._current: Invocation | None = None
        self._ready: asyncio.Future[None] | None = None
        self._init_error: asyncio.Future[bytes] | None = None
        self._exited: asyncio.Future[EngineExit] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._tail: collections.deque[str] = collections.deque(maxlen=OUTPUT_TAIL_LINES)
        self._stopping = False

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    # --- The Runtime API's side (WorkerChannel) ----------------------------------------------

    async def next_invocation(self) -> Invocation | None:
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(None)
        return await self._queue.get()

    def invocation_done(self, request_id: str, outcome: Outcome) -> bool:
        current = self._current
        if current is None or current.request_id != request_id or current.outcome.done():
            return False
        current.outcome.set_result(outcome)
        return True

    def init_failed(self, document: bytes, error_type: str | None) -> None:
        if self._init_error is not None and not self._init_error.done():
            self._init_error.set_result(document)

    # --- Lifecycle -------------------------------------------------------------------------

    async def start(self, request_id: str) -> RunResult | None:
        """Start the process and wait for its init to finish: None when it is ready, else
        the failure to answer the invocation that caused this cold start with."""
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        self._init_error = loop.create_future()
        self._exited = loop.create_future()
        started = time.perf_counter()
        address = await self._api.start()
        env = worker_environment(self.function, self._launch, address, self._environ)
        try:
            self._process = await asyncio.create_subprocess_exec(
                *self._launch.command,
                self.function.handler,
                cwd=self.function.code_dir,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as error:
            await self.stop()
            document = error_document(
                "Runtime.InvalidEntrypoint", f"RequestId: {request_id} Error: {error}"
            )
            return RunResult(document, "Unhandled", worker_alive=False)
        process = self._process
        assert process.stdout is not None and process.stderr is not None
        self._tasks = [
            asyncio.create_task(self._pump(process.stdout)),
            asyncio.create_task(self._pump(process.stderr)),
        ]
        self._tasks.append(asyncio.create_task(self._watch(process)))
        limit = INIT_TIMEOUT_SECONDS + self.function.timeout_seconds
        waiting: list[asyncio.Future[Any]] = [self._ready, self._init_error, self._exited]
        done, _ = await asyncio.wait(
            waiting,
            timeout=limit,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if self._ready in done:
            self.init_duration_ms = (time.perf_counter() - started) * 1000
            self.state = WorkerState.IDLE
            return None
        if self._init_error in done:
            document = self._init_error.result()
        elif self._exited in done:
            document = exit_document(request_id, self._exited.result())
        else:
            document = timeout_document(request_id, self.function.timeout_seconds)
            self._log(
                request_id, f"Task timed out after {self.function.timeout_seconds:.2f} seconds"
            )
        await self.stop()
        return RunResult(document, "Unhandled", worker_alive=False)

    async def run(self, invocation: Invocation) -> RunResult:
        """Hand `invocation` to the (idle) worker and wait for its outcome or its deadline."""
        assert self.state is WorkerState.IDLE and self._exited is not None
        self.state = WorkerState.BUSY
        self._current = invocation
        self._queue.put_nowait(invocation)
        waiting: list[asyncio.Future[Any]] = [invocation.outcome, self._exited]
        done, _ = await asyncio.wait(
            waiting,
            timeout=self.function.timeout_seconds,
            return_when=asyncio.FIRST_COMPLETED,
        )
        request_id = invocation.request_id
        if invocation.outcome in done:
            outcome = invocation.outcome.result()
            self._current = None
            self.state = WorkerState.IDLE
            self.idle_since = time.monotonic()
            if outcome.error_type is not None:
                return RunResult(outcome.payload or b"{}", "Unhandled", worker_alive=True)
            if len(outcome.payload) > SYNC_PAYLOAD_LIMIT:
                document = error_document(
                    "Function.ResponseSizeTooLarge",
                    "Response payload size exceeded maximum allowed payload size "
                    f"({SYNC_PAYLOAD_LIMIT} bytes).",
                )
                return RunResult(document, "Unhandled", worker_alive=True)
            return RunResult(outcome.payload, None, worker_alive=True)
        if self._exited in done:
            ended = self._exited.result()
            document = exit_document(request_id, ended)
            logger.error(
                "[%s] %s worker exited during the invocation (%s); its output ends with:\n%s",
                self.function.name,
                request_id,
                ended.describe(),
                ended.output_tail or "(no output)",
            )
        else:
            seconds = self.function.timeout_seconds
            self._log(request_id, f"Task timed out after {seconds:.2f} seconds")
            document = timeout_document(request_id, seconds)
        await self.stop()
        return RunResult(document, "Unhandled", worker_alive=False)

    def peak_memory_mb(self) -> int | None:
        pid = self.pid
        return _peak_memory_mb(pid) if pid is not None else None

    async def stop(self) -> None:
        """Kill the process group (SIGKILL: Lambda gives a runtime no grace period) and close
        its endpoint."""
        self._stopping = True
        self.state = WorkerState.STOPPED
        if self._queue.empty():  # releases a `next` call waiting on it
            self._queue.put_nowait(None)
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        if process is not None:
            with contextlib.suppress(Exception):
                await process.wait()
        for task in self._tasks:
            if task is not asyncio.current_task():
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(task, _STOP_GRACE_SECONDS)
        await self._api.close()

    # --- Output and exits --------------------------------------------------------------------

    def _log(self, request_id: str | None, line: str) -> None:
        logger.info("[%s] %s %s", self.function.name, request_id or "INIT", line)

    async def _pump(self, stream: asyncio.StreamReader) -> None:
        """Each line of output to the log, tagged with the invocation it belongs to."""
        while True:
            try:
                raw = await stream.readline()
            except ValueError:  # a line over the reader's limit: take what is there
                raw = await stream.read(64 * 1024)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n").replace("\r", "\n")
            self._tail.append(line)
            current = self._current
            self._log(current.request_id if current is not None else None, line)

    async def _watch(self, process: asyncio.subprocess.Process) -> None:
        status = await process.wait()
        # Let the pumps read what the process wrote last, so the tail is complete.
        pumps = [task for task in self._tasks if task is not asyncio.current_task()]
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(asyncio.gather(*pumps), _STOP_GRACE_SECONDS)
        ended = EngineExit(status, "\n".join(self._tail))
        assert self._exited is not None
        if not self._exited.done():
            self._exited.set_result(ended)
        if not self._stopping and self._current is None and self.state is WorkerState.IDLE:
            self.state = WorkerState.STOPPED
            self._on_unexpected_exit(self, ended)
