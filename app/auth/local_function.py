"""A Python function in the project, run where AppSync would run a Lambda function.

A project names it `path/to/file.py:handler`, relative to the project directory. The file is
loaded once, at start-up, so a missing file, a syntax error or a missing handler stops the
server with a message naming the file rather than failing the first request. The handler
takes the event (a dict) and returns the response; it may be a plain function, run in a worker
thread so it cannot stall the event loop, or a coroutine function, awaited on the loop.

A call that takes longer than the timeout raises `FunctionTimeout`. A coroutine is cancelled;
a plain function cannot be stopped, so its thread finishes in the background and its result
is dropped.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import inspect
import keyword
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

MODULE_PREFIX: Final = "strawsync_local_function_"
"""Loaded files are registered in `sys.modules` under this prefix and a hash of their path."""


class FunctionTimeout(Exception):
    """The function did not return within its timeout."""


def reference_problem(reference: object) -> str | None:
    """What is wrong with a `file.py:callable` reference's shape, or None when it is fine.

    Only the shape: whether the file exists is checked when the function is loaded."""
    if not isinstance(reference, str):
        return "must be a string 'path/to/file.py:function'"
    file_part, colon, name = reference.rpartition(":")
    if not colon or not file_part:
        return f"'{reference}' must be 'path/to/file.py:function'"
    if not file_part.endswith(".py"):
        return f"'{file_part}' must be a Python file ending in .py"
    if not name.isidentifier() or keyword.iskeyword(name):
        return f"'{name}' is not a Python function name"
    return None


def load_function(reference: str, project_dir: Path) -> Callable[..., Any]:
    """Import the file a `file.py:callable` reference names and return that callable.

    Raises ValueError naming the file and what is wrong with it."""
    problem = reference_problem(reference)
    if problem is not None:
        raise ValueError(problem)
    file_part, _, name = reference.rpartition(":")
    path = (project_dir / file_part).resolve()
    if not path.is_file():
        raise ValueError(f"{path}: file not found (from '{reference}')")
    module_name = MODULE_PREFIX + hashlib.sha256(str(path).encode()).hexdigest()[:16]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"{path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        sys.modules.pop(module_name, None)
        raise ValueError(f"{path}:{error.lineno}: syntax error: {error.msg}") from error
    except Exception as error:
        sys.modules.pop(module_name, None)
        raise ValueError(f"{path}: failed to load: {type(error).__name__}: {error}") from error
    function = getattr(module, name, None)
    if function is None:
        raise ValueError(f"{path}: no function '{name}'")
    if not callable(function):
        raise ValueError(f"{path}: '{name}' is not callable")
    return function  # type: ignore[no-any-return]


def _is_coroutine_function(function: Callable[..., Any]) -> bool:
    """A coroutine function, or an object whose `__call__` is one."""
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        type(function).__call__
    )


class LocalFunction:
    """A loaded handler, called with one event; a local stand-in for a Lambda function."""

    def __init__(self, function: Callable[..., Any], name: str, timeout_seconds: float) -> None:
        self.function = function
        self.name = name
        self.timeout_seconds = timeout_seconds
        self._is_async = _is_coroutine_function(function)

    @classmethod
    def load(cls, reference: str, project_dir: Path, timeout_seconds: float) -> LocalFunction:
        """The function `reference` (`file.py:callable`) names; ValueError when it can't be."""
        return cls(load_function(reference, project_dir), reference, timeout_seconds)

    async def __call__(self, event: dict[str, Any]) -> Any:
        """The handler's return value; raises FunctionTimeout, or whatever the handler raised."""
        scope = asyncio.timeout(self.timeout_seconds)
        try:
            async with scope:
                if self._is_async:
                    return await self.function(event)
                result = await asyncio.to_thread(self.function, event)
                if inspect.isawaitable(result):  # a plain function that returned a coroutine
                    result = await result
                return result
        except TimeoutError as error:
            if not scope.expired():  # the handler's own TimeoutError
                raise
            raise FunctionTimeout(
                f"{self.name} did not return within {self.timeout_seconds:g} s"
            ) from error
