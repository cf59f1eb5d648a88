"""The local Lambda runtime, over real worker processes and real loopback sockets.

One runtime serves every test of the module (cold starts cost a few tenths of a second each);
each function is used by one test only, so counts of cold starts and warm workers are exact.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import orjson
import pytest
import pytest_asyncio

from app.definition.model import LambdaSettings
from app.functions.base import InvocationResult, InvocationType, InvokeRefused
from app.functions.runtime import LocalFunctionRuntime
from tests.functions.handlers import eventually, node_function, python_function, write_code

ARN_PREFIX = "arn:aws:lambda:us-east-1:000000000000:function:"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def runtime(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LocalFunctionRuntime]:
    code = write_code(tmp_path_factory.mktemp("code"))
    functions = [
        python_function(code, "py-context", "context", memory_size_mb=256, timeout_seconds=5.0),
        python_function(
            code,
            "py-environment",
            "environment",
            environment={"TABLE": "events", "STAGE": "test"},
        ),
        python_function(code, "py-fail", "fail"),
        python_function(code, "py-missing", "nope"),
        python_function(code, "py-timeout", "sleep", timeout_seconds=0.5),
        python_function(code, "py-crash", "crash"),
        python_function(code, "py-logs", "logs"),
        python_function(code, "py-warm", "sleep"),
        python_function(code, "py-killed", "sleep"),
        python_function(code, "py-hog", "hog", memory_size_mb=128),
        node_function(code, "node-context", "context", memory_size_mb=512),
        node_function(code, "node-fail", "fail"),
        node_function(code, "node-missing", "nope"),
        node_function(code, "node-crash", "crash"),
    ]
    broken = python_function(code, "py-syntax", "handler")
    functions.append(
        type(broken)(**{**_fields(broken), "handler": "broken.handler"})  # broken.py
    )
    runtime = LocalFunctionRuntime(functions, LambdaSettings())
    await runtime.start()
    yield runtime
    await runtime.close()


def _fields(config: object) -> dict[str, object]:
    return {name: getattr(config, name) for name in config.__slots__}  # type: ignore[attr-defined]


async def _invoke(runtime: LocalFunctionRuntime, name: str, event: object) -> InvocationResult:
    return await runtime.invoker(name).invoke(orjson.dumps(event))


def _body(result: InvocationResult) -> dict[str, object]:
    body = orjson.loads(result.payload)
    assert isinstance(body, dict)
    return body


@pytest.mark.parametrize("name", ["py-context", "node-context"])
async def test_the_handler_gets_lambdas_event_and_context(
    runtime: LocalFunctionRuntime, name: str
) -> None:
    event = {"field": "summary", "arguments": {"id": "e1"}, "list": [1, 2.5, None, "x"]}
    result = await _invoke(runtime, name, event)
    assert result.function_error is None
    seen = _body(result)
    config = runtime.functions[name]
    assert seen["event"] == event
    assert seen["aws_request_id"] == result.request_id
    assert seen["function_name"] == name
    assert seen["invoked_function_arn"] == ARN_PREFIX + name
    assert seen["memory_limit_in_mb"] == str(config.memory_size_mb)  # a string, as on Lambda
    remaining = seen["remaining_ms"]
    assert isinstance(remaining, int)
    assert 0 < remaining <= config.timeout_seconds * 1000
    assert seen["pid"] != os.getpid()  # never in the server's process


async def test_workers_get_lambdas_environment_and_the_functions_not_the_servers(
    runtime: LocalFunctionRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = [
        "_HANDLER",
        "LAMBDA_TASK_ROOT",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_EXECUTION_ENV",
        "TZ",
        "LAMBDA_RUNTIME_DIR",
        "AWS_LAMBDA_RUNTIME_API",
        "TABLE",
        "STAGE",
        "AWS_SECRET_ACCESS_KEY",
        "STRAWSYNC_TEST_SECRET",
    ]
    monkeypatch.setenv("STRAWSYNC_TEST_SECRET", "not for functions")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not for functions either")
    env = _body(await _invoke(runtime, "py-environment", {"keys": keys}))
    config = runtime.functions["py-environment"]
    assert env["_HANDLER"] == "handlers.environment"
    assert env["LAMBDA_TASK_ROOT"] == str(config.code_dir)
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "py-environment"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/py-environment"
    assert "[$LATEST]" in str(env["AWS_LAMBDA_LOG_STREAM_NAME"])
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11"
    assert env["TZ"] == ":UTC"
    assert env["LAMBDA_RUNTIME_DIR"]
    assert str(env["AWS_LAMBDA_RUNTIME_API"]).startswith("127.0.0.1:")
    assert (env["TABLE"], env["STAGE"]) == ("events", "test")
    assert env["AWS_SECRET_ACCESS_KEY"] is None
    assert env["STRAWSYNC_TEST_SECRET"] is None


@pytest.mark.parametrize(
    ("name", "error_type", "message", "stack"),
    [
        ("py-fail", "ValueError", "the event was not good enough", "stackTrace"),
        ("node-fail", "TypeError", "node did not like it", "trace"),
    ],
)
async def test_a_raised_error_comes_back_as_lambdas_error_document(
    runtime: LocalFunctionRuntime, name: str, error_type: str, message: str, stack: str
) -> None:
    result = await _invoke(runtime, name, {})
    assert result.function_error == "Unhandled"
    document = result.error_document()
    assert document is not None
    assert document["errorType"] == error_type
    assert document["errorMessage"] == message
    assert isinstance(document[stack], list)  # each runtime's own key, as on Lambda
    again = await _invoke(runtime, name, {})  # the worker survives a handled invocation
    assert again.function_error == "Unhandled"
    assert runtime.stats(name).cold_starts == 1


@pytest.mark.parametrize(
    ("name", "error_type"),
    [
        ("py-syntax", "Runtime.UserCodeSyntaxError"),
        ("py-missing", "Runtime.HandlerNotFound"),
        ("node-missing", "Runtime.HandlerNotFound"),
    ],
)
async def test_an_init_error_is_reported_as_the_client_posts_it(
    runtime: LocalFunctionRuntime, name: str, error_type: str
) -> None:
    for attempt in (1, 2):  # each invocation tries to initialise again, as Lambda does
        result = await _invoke(runtime, name, {})
        assert result.function_error == "Unhandled"
        document = result.error_document()
        assert document is not None
        assert document["errorType"] == error_type, document
        assert runtime.stats(name).cold_starts == attempt
    assert runtime.warm_workers(name) == 0


async def test_a_timeout_kills_the_worker_and_the_next_call_gets_a_new_one(
    runtime: LocalFunctionRuntime,
) -> None:
    first = _body(await _invoke(runtime, "py-timeout", {"seconds": 0}))
    result = await _invoke(runtime, "py-timeout", {"seconds": 30})
    assert result.function_error == "Unhandled"
    assert result.error_document() == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 0.50 seconds",
    }
    await eventually(lambda: not _alive(first["pid"]), 5.0)
    after = await _invoke(runtime, "py-timeout", {"seconds": 0})
    assert after.function_error is None
    assert _body(after)["pid"] != first["pid"]
    assert runtime.stats("py-timeout").cold_starts == 2


@pytest.mark.parametrize(("name", "status"), [("py-crash", 3), ("node-crash", 2)])
async def test_a_crash_mid_invocation_is_a_runtime_exit_error(
    runtime: LocalFunctionRuntime, name: str, status: int
) -> None:
    result = await _invoke(runtime, name, {})
    assert result.function_error == "Unhandled"
    assert result.error_document() == {
        "errorType": "Runtime.ExitError",
        "errorMessage": (
            f"RequestId: {result.request_id} Error: Runtime exited with error: exit status {status}"
        ),
    }
    assert runtime.warm_workers(name) == 0


async def test_warm_workers_are_reused_and_cold_starts_counted(
    runtime: LocalFunctionRuntime,
) -> None:
    pids = [_body(await _invoke(runtime, "py-warm", {}))["pid"] for _ in range(3)]
    assert len(set(pids)) == 1
    stats = runtime.stats("py-warm")
    assert (stats.invocations, stats.cold_starts) == (3, 1)
    assert runtime.warm_workers("py-warm") == 1


async def test_an_idle_worker_that_dies_is_logged_and_replaced(
    runtime: LocalFunctionRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="strawsync.functions")
    pid = _body(await _invoke(runtime, "py-killed", {}))["pid"]
    assert isinstance(pid, int)
    os.kill(pid, signal.SIGKILL)
    await eventually(lambda: runtime.warm_workers("py-killed") == 0, 5.0)
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any(f"pid {pid}" in m and "killed by SIGKILL" in m for m in errors), errors
    after = await _invoke(runtime, "py-killed", {})
    assert after.function_error is None
    assert _body(after)["pid"] != pid
    assert runtime.stats("py-killed").cold_starts == 2


async def test_logs_carry_the_function_and_request_id_between_start_end_and_report(
    runtime: LocalFunctionRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="strawsync.functions")
    cold = await _invoke(runtime, "py-logs", {})
    warm = await _invoke(runtime, "py-logs", {})
    lines = [r.getMessage() for r in caplog.records if r.name == "strawsync.functions"]
    for result, is_cold in ((cold, True), (warm, False)):
        rid = result.request_id
        mine = [line for line in lines if rid in line]
        assert mine[0] == f"[py-logs] START RequestId: {rid} Version: $LATEST"
        assert f"[py-logs] {rid} to stdout" in mine
        assert f"[py-logs] {rid} to stderr" in mine
        assert mine[-2] == f"[py-logs] END RequestId: {rid}"
        report = mine[-1]
        assert report.startswith(f"[py-logs] REPORT RequestId: {rid}\tDuration: ")
        assert "\tBilled Duration: " in report
        assert "\tMemory Size: 128 MB\tMax Memory Used: " in report
        assert ("\tInit Duration: " in report) is is_cold
    assert "[py-logs] INIT module loaded" in lines


async def test_memory_size_caps_a_python_workers_data(runtime: LocalFunctionRuntime) -> None:
    fits = await _invoke(runtime, "py-hog", {"megabytes": 16})
    assert fits.function_error is None
    result = await _invoke(runtime, "py-hog", {"megabytes": 256})
    assert result.function_error == "Unhandled"
    document = result.error_document()
    assert document is not None
    assert document["errorType"] == "MemoryError"


async def test_event_invocations_answer_at_once_and_run_in_the_background(
    tmp_path: Path,
) -> None:
    code = write_code(tmp_path / "code")
    runtime = LocalFunctionRuntime(
        [python_function(code, "touch", "touch", reserved_concurrency=1)], LambdaSettings()
    )
    await runtime.start()
    try:
        marker = tmp_path / "ran"
        event = orjson.dumps({"path": str(marker), "seconds": 0.3})
        result = await runtime.invoker("touch").invoke(event, invocation_type=InvocationType.EVENT)
        assert result.payload == b""
        assert not marker.exists()
        # The running event holds the function's one unit: another call is throttled.
        with pytest.raises(InvokeRefused) as refused:
            await runtime.invoker("touch").invoke(b"{}")
        assert refused.value.error_type == "TooManyRequestsException"
        await eventually(marker.exists, 10.0)
        await eventually(lambda: marker.read_text() == result.request_id, 2.0)
    finally:
        await runtime.close()


async def test_an_unknown_function_and_an_oversized_payload_are_refused(
    runtime: LocalFunctionRuntime,
) -> None:
    with pytest.raises(KeyError):
        runtime.invoker("nobody")
    with pytest.raises(InvokeRefused) as too_large:
        await runtime.invoker("py-warm").invoke(
            b'"' + b"x" * (256 * 1024) + b'"', invocation_type=InvocationType.EVENT
        )
    assert too_large.value.error_type == "RequestTooLargeException"


def _alive(pid: object) -> bool:
    assert isinstance(pid, int)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
