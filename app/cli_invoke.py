"""`strawsync invoke FUNCTION --event event.json`: run a project's local function once.

As `aws lambda invoke` (or `sam local invoke`): the function runs in a worker process exactly
as it does behind a Lambda data source; its response (or Lambda's error document) is printed
on stdout, its logs and the `START`/`END`/`REPORT` lines on stderr. The exit status is 0 on
success and 1 when the function failed (`FunctionError`) or Lambda refused the call; a mistake
(unknown function, unreadable event) is one line on stderr with status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.functions.base import InvocationResult
    from app.functions.runtime import LocalFunctionRuntime

_FUNCTION_LOGGER = "strawsync.functions"


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    add_project: Callable[[argparse.ArgumentParser], None],
) -> None:
    invoke = commands.add_parser(
        "invoke", help="run a local Lambda function once and print its result"
    )
    invoke.add_argument("function", metavar="FUNCTION", help="the function's name")
    invoke.add_argument(
        "--event",
        type=Path,
        metavar="FILE",
        help="the event, a JSON file ('-' for stdin; default: {})",
    )
    add_project(invoke)


def _fail(message: str, status: int = 2) -> int:
    print(f"strawsync invoke: {message}", file=sys.stderr)
    return status


def _read_event(path: Path | None) -> bytes:
    """The event as JSON bytes; raises ValueError with a message a user can act on."""
    import orjson

    if path is None:
        return b"{}"
    try:
        raw = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read the event: {error}") from error
    try:
        orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON: {error}") from error
    return raw


def run(args: argparse.Namespace) -> int:
    from app.functions.base import InvokeRefused
    from app.functions.runtime import LocalFunctionRuntime
    from app.problems import DefinitionError
    from app.service import load_service

    try:
        event = _read_event(args.event)
    except ValueError as error:
        return _fail(str(error))
    try:
        service = load_service(args.project)
    except DefinitionError as error:
        print(error.report(), file=sys.stderr)
        return 2
    runtime = next(
        (e for e in service.engines.engines if isinstance(e, LocalFunctionRuntime)), None
    )
    names = sorted(runtime.functions) if runtime is not None else []
    if runtime is None or args.function not in names:
        known = ", ".join(names) if names else "none"
        return _fail(f"no local function named {args.function!r} (local functions: {known})")
    _log_to_stderr()
    try:
        result = asyncio.run(_invoke_once(runtime, args.function, event))
    except InvokeRefused as refused:
        reason = f" ({refused.reason})" if refused.reason else ""
        return _fail(f"{refused.error_type}: {refused.message}{reason}", 1)
    sys.stdout.buffer.write(result.payload + b"\n")
    sys.stdout.flush()
    return 0 if result.function_error is None else 1


async def _invoke_once(runtime: LocalFunctionRuntime, name: str, event: bytes) -> InvocationResult:
    await runtime.start()
    try:
        return await runtime.invoker(name).invoke(event)
    finally:
        await runtime.close()


def setup_node_client(cache_dir: Path, progress: Callable[[str], None]) -> int:
    """`strawsync setup`'s last step: install aws-lambda-ric for Node.js functions. Without
    node, npm or a C++ toolchain only Node.js functions are affected, so it is a warning."""
    from app.functions.node_client import NodeClientError, ensure_node_client

    try:
        entry = asyncio.run(ensure_node_client(cache_dir, progress))
    except NodeClientError as error:
        print(f"strawsync setup: Node.js Lambda functions will not run: {error}", file=sys.stderr)
        return 0
    print(f"Node.js Lambda runtime client: {entry}")
    return 0


def _log_to_stderr() -> None:
    """The function's output and Lambda's START/END/REPORT lines, as the console shows them."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger(_FUNCTION_LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
