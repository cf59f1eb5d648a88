"""DynamoDB Local as a child process: installed once, on loopback only, durable on disk.

These start the real engine (a JVM, about 1-2 s each) and talk to it on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import dataclasses
import fcntl
import json
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.datasources.dynamodb.local_engine import (
    LAUNCHER_CLASS,
    DynamoDBLocal,
    EngineStartFailed,
    Installation,
    JavaNotFound,
    NpmNotFound,
    default_cache_dir,
    ensure_installed,
    ensure_launcher,
    listening_addresses,
    locate_java,
    parse_java_version,
    prepare,
)

REPO = Path(__file__).resolve().parents[2]


def show_progress(message: str) -> None:
    print(message, file=sys.stderr)


@pytest.fixture(scope="module")
async def installation() -> Installation:
    """What `strawsync setup` (run by `make test`) installed; installs it if not."""
    return await prepare(default_cache_dir(), show_progress)


@pytest.fixture(scope="module")
async def in_memory(installation: Installation) -> AsyncIterator[DynamoDBLocal]:
    async with DynamoDBLocal(installation) as engine:
        await engine.start(data_dir=None)
        yield engine


async def call(endpoint: str, operation: str, payload: dict[str, Any]) -> Any:
    """One raw DynamoDB API call; DynamoDB Local checks no signature."""
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": f"DynamoDB_20120810.{operation}",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20000101/us-east-1/dynamodb/"
        "aws4_request, SignedHeaders=host, Signature=0",
    }
    async with httpx.AsyncClient(base_url=endpoint, timeout=10.0, trust_env=False) as http:
        response = await http.post("/", content=json.dumps(payload), headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def create_table(endpoint: str, name: str) -> None:
    await call(
        endpoint,
        "CreateTable",
        {
            "TableName": name,
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )


def port_of(endpoint: str) -> int:
    return int(endpoint.rsplit(":", 1)[1])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def alive(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


# --- Java ---------------------------------------------------------------------------------


async def test_locate_java_finds_java_17_or_newer() -> None:
    java = await locate_java()
    assert java.major >= 17
    assert java.java.name == "java"


async def test_without_java_the_error_names_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(JavaNotFound) as raised:
        await locate_java({"PATH": str(tmp_path)})
    assert "Java 17 or newer is required" in str(raised.value)
    assert "apt-get install openjdk-17-jre-headless" in str(raised.value)
    assert raised.value.error_type == "JavaNotFound"


async def test_java_8_is_refused_with_its_version(tmp_path: Path) -> None:
    java = tmp_path / "java"
    java.write_text("#!/bin/sh\necho 'java version \"1.8.0_392\"' >&2\n")
    java.chmod(0o755)
    with pytest.raises(JavaNotFound, match=r"is Java 1\.8\.0_392"):
        await locate_java({"PATH": str(tmp_path)})


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ('openjdk version "17.0.15" 2025-04-15', ("17.0.15", 17)),
        ('openjdk version "21" 2023-09-19', ("21", 21)),
        ('java version "1.8.0_392"', ("1.8.0_392", 8)),
        ('openjdk version "22-ea" 2024-03-19', ("22-ea", 22)),
        ("no version here", None),
    ],
)
def test_parse_java_version(output: str, expected: tuple[str, int] | None) -> None:
    assert parse_java_version(output) == expected


# --- Installing -------------------------------------------------------------------------------


async def test_ensure_installed_is_idempotent_and_quiet(installation: Installation) -> None:
    messages: list[str] = []
    started = time.monotonic()
    files = await ensure_installed(default_cache_dir(), messages.append)
    assert time.monotonic() - started < 1.0
    assert files == installation.files
    assert messages == []
    assert files.jar.is_file()
    assert files.native_libs.is_dir()


async def test_without_npm_the_error_names_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(NpmNotFound, match=r"install Node\.js with npm"):
        await ensure_installed(tmp_path / "cache", show_progress, env={"PATH": str(tmp_path)})
    assert not (tmp_path / "cache").exists()


def test_default_cache_dir_follows_the_environment() -> None:
    assert default_cache_dir({"STRAWSYNC_CACHE_DIR": "/c"}) == Path("/c")
    assert default_cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/strawsync")
    assert default_cache_dir({}) == Path.home() / ".cache" / "strawsync"


async def test_the_launcher_compiles_with_a_jre_alone(
    installation: Installation, tmp_path: Path
) -> None:
    """No javac: `java -m jdk.compiler/...` compiles it, once."""
    files = dataclasses.replace(installation.files, root=tmp_path)
    java = dataclasses.replace(installation.java, javac=None)
    messages: list[str] = []
    built = await ensure_launcher(files, java, messages.append)
    assert (built / f"{LAUNCHER_CLASS}.class").is_file()
    assert len(messages) == 1
    assert await ensure_launcher(files, java, messages.append) == built
    assert len(messages) == 1


# --- Running ------------------------------------------------------------------------------------


async def test_the_engine_listens_on_loopback_only(in_memory: DynamoDBLocal) -> None:
    assert in_memory.pid is not None and in_memory.endpoint is not None
    addresses = listening_addresses(in_memory.pid)
    assert addresses == [("127.0.0.1", port_of(in_memory.endpoint))]


async def test_an_in_memory_engine_serves_tables(in_memory: DynamoDBLocal) -> None:
    assert in_memory.endpoint is not None
    await create_table(in_memory.endpoint, "Events")
    tables = await call(in_memory.endpoint, "ListTables", {})
    assert "Events" in tables["TableNames"]


async def test_tables_on_disk_survive_a_restart(installation: Installation, tmp_path: Path) -> None:
    data_dir = tmp_path / ".strawsync" / "dynamodb"
    port = free_port()
    key = {"id": {"S": "e1"}}
    async with DynamoDBLocal(installation) as engine:
        endpoint = await engine.start(data_dir=data_dir, port=port)
        assert endpoint == f"http://127.0.0.1:{port}"
        assert engine.pid is not None
        assert listening_addresses(engine.pid) == [("127.0.0.1", port)]
        await create_table(endpoint, "Events")
        await call(endpoint, "PutItem", {"TableName": "Events", "Item": {**key, "n": {"N": "1"}}})
        first_pid = engine.pid
    assert engine.pid is None
    assert not alive(first_pid)

    async with DynamoDBLocal(installation) as engine:
        endpoint = await engine.start(data_dir=data_dir)
        assert (await call(endpoint, "ListTables", {}))["TableNames"] == ["Events"]
        item = await call(endpoint, "GetItem", {"TableName": "Events", "Key": key})
        assert item["Item"] == {**key, "n": {"N": "1"}}
    assert (data_dir / "dynamodb-local.log").is_file()


async def test_a_data_dir_serves_one_engine_at_a_time(
    installation: Installation, tmp_path: Path
) -> None:
    (tmp_path / "engine.lock").touch()
    with (tmp_path / "engine.lock").open("rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(EngineStartFailed, match="in use by another DynamoDB Local"):
            await DynamoDBLocal(installation).start(data_dir=tmp_path)


async def test_a_failed_start_reports_the_engine_log(installation: Installation) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        engine = DynamoDBLocal(installation)
        with pytest.raises(EngineStartFailed) as raised:
            await engine.start(data_dir=None, port=taken.getsockname()[1])
    message = str(raised.value)
    assert "exited with code" in message
    assert "Failed to bind" in message or "Address already in use" in message
    assert engine.pid is None
    await engine.stop()


_ORPHAN = """
import asyncio
from app.datasources.dynamodb.local_engine import DynamoDBLocal, default_cache_dir, prepare

async def main():
    engine = DynamoDBLocal(await prepare(default_cache_dir(), print))
    await engine.start(data_dir=None)
    print(engine.pid, flush=True)
    await asyncio.sleep(120)

asyncio.run(main())
"""


async def test_the_engine_dies_with_strawsync(installation: Installation, tmp_path: Path) -> None:
    """Even a SIGKILLed parent leaves no engine: it exits when its stdin pipe closes."""
    parent = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _ORPHAN,
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "TMPDIR": str(tmp_path)},  # the killed parent leaves its run folder
    )
    assert parent.stdout is not None
    engine_pid = 0
    try:
        line = await asyncio.wait_for(parent.stdout.readline(), 60)
        engine_pid = int(line)
        assert alive(engine_pid)
        parent.send_signal(signal.SIGKILL)
        await parent.wait()
        for _ in range(150):
            if not alive(engine_pid):
                break
            await asyncio.sleep(0.1)
        assert not alive(engine_pid)
    finally:
        if parent.returncode is None:
            parent.kill()
            await parent.wait()
        if engine_pid and alive(engine_pid):
            os.kill(engine_pid, signal.SIGKILL)
