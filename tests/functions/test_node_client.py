"""Without Node.js, a project with a Node.js function fails to start with one clear line;
Python functions never need it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.definition.model import LambdaSettings
from app.engines import EngineError
from app.functions.node_client import NodeClientError, ensure_node_client
from app.functions.runtime import LocalFunctionRuntime
from tests.functions.handlers import node_function, python_function, write_code

NO_TOOLS = {"PATH": "/nonexistent"}


async def test_a_missing_node_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(NodeClientError, match=r"no `node` on PATH: .*apt-get install nodejs npm"):
        await ensure_node_client(tmp_path, print, env=NO_TOOLS)
    assert not os.listdir(tmp_path)  # nothing half-installed


async def test_a_runtime_with_a_node_function_cannot_start_without_node(tmp_path: Path) -> None:
    code = write_code(tmp_path / "code")
    runtime = LocalFunctionRuntime(
        [node_function(code, "n", "context")],
        LambdaSettings(),
        cache_dir=tmp_path / "cache",
        environ=NO_TOOLS,
    )
    with pytest.raises(EngineError, match="no `node` on PATH"):  # the service's StartFailed
        await runtime.start()


async def test_python_functions_do_not_need_node(tmp_path: Path) -> None:
    code = write_code(tmp_path / "code")
    runtime = LocalFunctionRuntime(
        [python_function(code, "p", "sleep")],
        LambdaSettings(),
        cache_dir=tmp_path / "cache",
        environ=NO_TOOLS,
    )
    await runtime.start()
    try:
        assert await runtime.probe()
        assert (await runtime.invoker("p").invoke(b"{}")).function_error is None
    finally:
        await runtime.close()
