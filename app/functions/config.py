"""A local function's settings, as a project writes them, checked and turned into a
`LocalFunctionConfig`.

Every Lambda use that runs project code locally (a Lambda data source, the Lambda authorizer,
the DynamoDB `Custom` conflict handler) names it the same way:

```yaml
handler: functions/events.py:handler   # file relative to the project, then the function
runtime: python3.11                    # default: python3.11 (.py), nodejs20.x (.js .mjs .cjs)
functionName: EventSummary             # default: the data source's name
timeout: 3                             # seconds, 1-900 (Lambda's bounds and default)
memorySize: 128                        # MB, 128-10240 (Lambda's bounds and default)
reservedConcurrency: 10                # >= 0; 0 disables the function (every call throttled)
environment: {TABLE: events}           # Lambda's reserved keys are refused
```

The checks are Lambda's own (CreateFunction's bounds and name pattern, the reserved
environment keys, the 4 KB environment limit), so a function that runs here deploys there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, Final

import orjson

from app.functions.base import LocalFunctionConfig

LOCAL_KEYS: Final = frozenset(
    {
        "handler",
        "runtime",
        "functionName",
        "timeout",
        "memorySize",
        "reservedConcurrency",
        "environment",
    }
)
PYTHON_RUNTIMES: Final = ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13")
NODE_RUNTIMES: Final = ("nodejs18.x", "nodejs20.x", "nodejs22.x")
DEFAULT_RUNTIMES: Final = {
    ".py": "python3.11",
    ".js": "nodejs20.x",
    ".mjs": "nodejs20.x",
    ".cjs": "nodejs20.x",
}
TIMEOUT_RANGE: Final = (1, 900)
DEFAULT_TIMEOUT: Final = 3
MEMORY_RANGE: Final = (128, 10240)
DEFAULT_MEMORY: Final = 128
ENVIRONMENT_LIMIT: Final = 4096
"""Lambda's limit on a function's environment variables, in bytes (all of them together)."""
RESERVED_ENVIRONMENT: Final = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)
"""Keys Lambda sets itself and refuses in a function's configuration."""

FUNCTION_NAME: Final = re.compile(r"[a-zA-Z0-9_-]{1,64}")
ENVIRONMENT_KEY: Final = re.compile(r"[a-zA-Z][a-zA-Z0-9_]+")
JS_IDENTIFIER: Final = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")

Problem = tuple[tuple[str, ...], str]
"""A mistake at a key of the function's settings, and what to do about it."""


def handler_parts(handler: str) -> tuple[PurePosixPath, str] | str:
    """`functions/events.py:handler` as (file, function name), or what is wrong with it."""
    file_part, sep, function = handler.rpartition(":")
    if not sep or not file_part or not function:
        return "must be 'path/to/file.py:function' (a file in the project, then the function)"
    path = PurePosixPath(file_part)
    if path.is_absolute() or ".." in path.parts:
        return "the handler's file must be a relative path inside the project"
    suffix = path.suffix
    if suffix not in DEFAULT_RUNTIMES:
        return "the handler's file must end in .py, .js, .mjs or .cjs"
    if "." in path.stem or not path.stem:
        return "the handler's file name may hold no other '.' than its extension's"
    valid = function.isidentifier() if suffix == ".py" else bool(JS_IDENTIFIER.fullmatch(function))
    if not valid:
        return f"'{function}' is not a valid function name for a {suffix} file"
    return path, function


def local_function_problems(config: Mapping[str, Any]) -> list[Problem]:
    """Every mistake in a local function's settings (keys other than `LOCAL_KEYS` are the
    caller's business)."""
    problems: list[Problem] = []
    handler = config.get("handler")
    suffix: str | None = None
    if not isinstance(handler, str):
        problems.append((("handler",), "must be a string 'path/to/file.py:function'"))
    else:
        parts = handler_parts(handler)
        if isinstance(parts, str):
            problems.append((("handler",), parts))
        else:
            suffix = parts[0].suffix
    runtime = config.get("runtime")
    if runtime is not None:
        if runtime not in PYTHON_RUNTIMES + NODE_RUNTIMES:
            choices = ", ".join(PYTHON_RUNTIMES + NODE_RUNTIMES)
            problems.append((("runtime",), f"must be one of {choices}"))
        elif suffix is not None and (suffix == ".py") != (runtime in PYTHON_RUNTIMES):
            problems.append((("runtime",), f"a {runtime} function cannot run a {suffix} file"))
    name = config.get("functionName")
    if name is not None and not (isinstance(name, str) and FUNCTION_NAME.fullmatch(name)):
        problems.append((("functionName",), "must be 1-64 letters, digits, hyphens or underscores"))
    for key, (low, high) in (("timeout", TIMEOUT_RANGE), ("memorySize", MEMORY_RANGE)):
        value = config.get(key)
        if value is not None and not (_whole(value) and low <= value <= high):
            problems.append(((key,), f"must be a whole number from {low} to {high}"))
    reserved = config.get("reservedConcurrency")
    if reserved is not None and not (_whole(reserved) and reserved >= 0):
        problems.append((("reservedConcurrency",), "must be a whole number >= 0"))
    problems.extend(_environment_problems(config.get("environment")))
    return problems


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _environment_problems(environment: Any) -> list[Problem]:
    if environment is None:
        return []
    if not isinstance(environment, Mapping):
        return [(("environment",), "must be a mapping of names to strings")]
    problems: list[Problem] = []
    for key, value in environment.items():
        where = ("environment", str(key))
        if not isinstance(key, str) or not ENVIRONMENT_KEY.fullmatch(key):
            problems.append((where, "a name starts with a letter; letters, digits and _ only"))
        elif key in RESERVED_ENVIRONMENT:
            problems.append((where, f"'{key}' is reserved by Lambda"))
        if not isinstance(value, str):
            problems.append((where, "must be a string (quote numbers and booleans)"))
    if not problems and len(orjson.dumps(dict(environment))) > ENVIRONMENT_LIMIT:
        problems.append((("environment",), "exceeds Lambda's 4 KB limit on variables"))
    return problems


def local_function_config(
    name: str, config: Mapping[str, Any], project_dir: Path
) -> LocalFunctionConfig:
    """The local function a checked config describes (`local_function_problems` is empty).

    `code_dir` is the handler file's folder, absolute, and the handler string is Lambda's: the
    module's stem, a dot, the function (`events.handler`), as Lambda resolves it in
    `LAMBDA_TASK_ROOT`. `name` is used unless `functionName` is given.
    """
    parts = handler_parts(str(config["handler"]))
    if isinstance(parts, str):
        raise ValueError(f"handler: {parts}")
    path, function = parts
    environment = config.get("environment") or {}
    return LocalFunctionConfig(
        name=str(config.get("functionName") or name),
        handler=f"{path.stem}.{function}",
        runtime=str(config.get("runtime") or DEFAULT_RUNTIMES[path.suffix]),
        # Absolute: workers run with it as their cwd and LAMBDA_TASK_ROOT, where a relative
        # path (`serve --project .`) would be resolved again from inside it.
        code_dir=project_dir.joinpath(*path.parent.parts).absolute(),
        timeout_seconds=float(config.get("timeout", DEFAULT_TIMEOUT)),
        memory_size_mb=int(config.get("memorySize", DEFAULT_MEMORY)),
        reserved_concurrency=config.get("reservedConcurrency"),
        environment=MappingProxyType({str(k): str(v) for k, v in environment.items()}),
    )


def handler_file(config: Mapping[str, Any], project_dir: Path) -> Path | None:
    """The handler's file in `project_dir`, or None if the handler string is malformed."""
    handler = config.get("handler")
    parts = handler_parts(handler) if isinstance(handler, str) else "no handler"
    if isinstance(parts, str):
        return None
    return project_dir.joinpath(*parts[0].parts)
