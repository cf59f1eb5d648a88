"""Handlers the runtime tests run, written into a temporary code folder.

Each handler answers what it saw (event, context, environment, its pid) so a test can check
what Lambda would have handed it; others fail in each of the ways a function can fail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from app.functions.base import LocalFunctionConfig

PYTHON_HANDLERS = """\
import os
import sys
import time

print("module loaded")


def context(event, context):
    print("handling", event.get("tag"))
    return {
        "event": event,
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "invoked_function_arn": context.invoked_function_arn,
        "pid": os.getpid(),
    }


def environment(event, context):
    return {key: os.environ.get(key) for key in event["keys"]}


def fail(event, context):
    raise ValueError("the event was not good enough")


def sleep(event, context):
    time.sleep(event.get("seconds", 0))
    return {"pid": os.getpid()}


def crash(event, context):
    print("about to exit", flush=True)
    os._exit(3)


def logs(event, context):
    print("to stdout")
    print("to stderr", file=sys.stderr)
    return "logged"


def touch(event, context):
    time.sleep(event.get("seconds", 0))
    with open(event["path"], "w") as out:
        out.write(context.aws_request_id)
    return None


def hog(event, context):
    chunk = bytearray(event["megabytes"] * 1024 * 1024)
    return len(chunk)
"""

SYNTAX_ERROR = "def handler(event, context)\n    return 1\n"

NODE_HANDLERS = """\
export const context = async (event, context) => ({
  event,
  aws_request_id: context.awsRequestId,
  function_name: context.functionName,
  remaining_ms: context.getRemainingTimeInMillis(),
  memory_limit_in_mb: context.memoryLimitInMB,
  invoked_function_arn: context.invokedFunctionArn,
  pid: process.pid,
});

export const fail = async () => {
  throw new TypeError("node did not like it");
};

export const crash = async () => {
  process.exit(2);
};
"""


def write_code(root: Path) -> Path:
    """The code folder every test function uses."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "handlers.py").write_text(PYTHON_HANDLERS, encoding="utf-8")
    (root / "broken.py").write_text(SYNTAX_ERROR, encoding="utf-8")
    (root / "index.mjs").write_text(NODE_HANDLERS, encoding="utf-8")
    return root


def python_function(code: Path, name: str, handler: str, **settings: object) -> LocalFunctionConfig:
    return LocalFunctionConfig(
        name=name, handler=f"handlers.{handler}", runtime="python3.11", code_dir=code, **settings
    )  # type: ignore[arg-type]


def node_function(code: Path, name: str, handler: str, **settings: object) -> LocalFunctionConfig:
    return LocalFunctionConfig(
        name=name, handler=f"index.{handler}", runtime="nodejs20.x", code_dir=code, **settings
    )  # type: ignore[arg-type]


async def eventually(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Poll `condition()` every 20 ms, at most `seconds`."""
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not true within {seconds} s")


async def gather_outcomes(calls: list[Awaitable[object]]) -> list[object]:
    """Every call's result or the exception it raised, in order."""
    return list(await asyncio.gather(*calls, return_exceptions=True))
