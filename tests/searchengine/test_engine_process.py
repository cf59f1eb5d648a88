"""The engine as a process (port file, loopback only, data folder lock, SIGTERM, stdin) and
as a local engine supervised by `strawsync serve` (restarted after kill -9, in `/ready`)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from app.datasources.dynamodb.local_engine import listening_addresses
from app.searchengine.local import LocalSearchEngine, SearchEngineFailed
from tests.searchengine.conftest import REPO, RunningEngine, engine_command, start_engine
from tests.support.projects import write_project
from tests.support.server import serve

DEADLINE = 60.0
"""A bound for a stuck process; never a timing assertion."""


def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"never: {what}")


def test_the_port_file_names_a_loopback_port_that_answers(search_engine: RunningEngine) -> None:
    assert listening_addresses(search_engine.process.pid) == [("127.0.0.1", search_engine.port)]
    assert httpx.get(search_engine.url + "/").json()["cluster_name"] == "strawsync"


def test_a_data_folder_serves_one_engine_at_a_time(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with start_engine(tmp_path / "run", data) as first, first.client() as es:
        es.put("/owned/_doc/1", json={"a": 1})
        second = subprocess.run(
            engine_command(tmp_path / "second-port", data),
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=DEADLINE,
        )
        assert second.returncode == 3
        assert f"data folder {data.resolve()} is in use by another engine" in second.stderr
        assert not (tmp_path / "second-port").exists()
        assert es.get("/owned/_doc/1").json()["_source"] == {"a": 1}


def test_an_unreadable_index_stops_the_engine_with_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with start_engine(tmp_path / "run", data) as engine, engine.client() as es:
        es.put("/broken/_doc/1", json={"a": 1})
    (meta,) = (data / "indexes" / "broken").glob("g*/meta.json")
    meta.write_text("{not json")
    refused = subprocess.run(
        engine_command(tmp_path / "port", data),
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert refused.returncode == 4
    (line,) = refused.stderr.strip().splitlines()
    assert "index [broken]" in line
    assert "move that folder away" in line


def test_sigterm_commits_every_index_and_exits_0(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with start_engine(tmp_path / "run", data) as engine, engine.client() as es:
        es.put("/late", json={"settings": {"refresh_interval": "-1"}})
        es.put("/late/_doc/1", json={"a": 1})
        assert (data / "indexes" / "late" / "translog").stat().st_size > 0
        assert engine.terminate() == 0
        assert (data / "indexes" / "late" / "translog").stat().st_size == 0
        assert "stopped" in engine.log()


def test_loopback_only(tmp_path: Path) -> None:
    refused = subprocess.run(
        [*engine_command(tmp_path / "port", None), "--host", "0.0.0.0"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert refused.returncode == 2
    assert "loopback" in refused.stderr


def test_the_engine_exits_when_its_standard_input_closes(tmp_path: Path) -> None:
    port_file = tmp_path / "port"
    process = subprocess.Popen(
        engine_command(port_file, None, "--exit-with-stdin"),
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        eventually(port_file.exists, "the engine writes its port file")
        assert process.stdin is not None
        process.stdin.close()
        assert process.wait(timeout=DEADLINE) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


# -- LocalSearchEngine --------------------------------------------------------------------------


class RecordingSource:
    """A data source's side of the engine contract, recording what the engine told it."""

    needs_local_engine = True

    def __init__(self) -> None:
        self.endpoints: list[str] = []
        self.problems: list[str] = []

    async def use_local_engine(self, endpoint: str) -> None:
        async with httpx.AsyncClient() as client:  # the engine answers when it says so
            assert (await client.get(endpoint + "/")).status_code == 200
        self.endpoints.append(endpoint)

    def engine_down(self, problem: str) -> None:
        self.problems.append(problem)


async def test_a_local_engine_serves_its_sources_and_holds_the_project(tmp_path: Path) -> None:
    source = RecordingSource()
    engine = LocalSearchEngine(tmp_path, [source], in_memory=False, progress=lambda _: None)
    assert engine.needed
    await engine.start()
    try:
        assert source.endpoints == [engine.endpoint]
        assert await engine.probe()
        assert (tmp_path / ".strawsync" / "search" / "search-engine.log").is_file()
        second = LocalSearchEngine(tmp_path, [RecordingSource()], in_memory=False)
        with pytest.raises(SearchEngineFailed, match="in use by another Strawsync server"):
            await second.start()
    finally:
        await engine.stop()
    assert source.problems == ["the local search engine is restarting"]
    assert not await engine.probe()
    await engine.stop()  # twice is fine


async def test_a_local_engine_reports_how_it_ended(tmp_path: Path) -> None:
    engine = LocalSearchEngine(tmp_path, [RecordingSource()], in_memory=True)
    assert engine.lost_on_restart is not None
    await engine.start()
    try:
        assert engine.pid is not None
        os.kill(engine.pid, signal.SIGKILL)
        ended = await engine.wait()
        assert ended.describe() == "killed by SIGKILL"
        assert "listening on" in ended.output_tail
    finally:
        await engine.stop()


# -- supervised by strawsync serve ------------------------------------------------------------

PROJECT = {
    "strawsync.yaml": """\
name: SearchApi
dataSources:
  - name: Notes
    type: AMAZON_OPENSEARCH_SERVICE
    config:
      indexes:
        note:
          mappings:
            properties:
              title: {type: text}
""",
    "schema.graphql": "type Query {\n  hello: String\n}\n",
}


def engine_pid(server_pid: int) -> int | None:
    """The search engine child of a `strawsync serve` process, from /proc."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == server_pid and b"app.searchengine" in command:
            return int(entry.name)
    return None


def engine_status(url: str) -> tuple[int, str | None]:
    """`/ready`'s status code and what it says of the search engine."""
    response = httpx.get(f"{url}/ready", timeout=10.0)
    for dependency in response.json()["dependencies"]:
        if dependency["name"] == "search-engine":
            return response.status_code, dependency["status"]
    return response.status_code, None


def engine_url(pid: int) -> str:
    """The engine's endpoint, from the socket the kernel says it listens on."""
    eventually(lambda: bool(listening_addresses(pid)), f"process {pid} listens")
    ((host, port),) = listening_addresses(pid)
    return f"http://{host}:{port}"


def test_serve_restarts_a_killed_engine_and_ready_reports_it(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", PROJECT)
    logs = tmp_path / "logs"
    logs.mkdir()
    with serve(project, logs) as server:
        assert engine_status(server.url) == (200, "up")
        first = engine_pid(server.process.pid)
        assert first is not None
        url = engine_url(first)
        assert httpx.head(f"{url}/note").status_code == 200  # the declared index
        httpx.put(f"{url}/note/_doc/1", json={"title": "kept"})

        os.kill(first, signal.SIGKILL)
        eventually(
            lambda: (
                engine_pid(server.process.pid) not in (None, first)
                and engine_status(server.url) == (200, "up")
            ),
            "the engine is restarted and ready again",
        )
        second = engine_pid(server.process.pid)
        assert second is not None
        restarted = httpx.get(f"{engine_url(second)}/note/_doc/1").json()
        assert restarted["_source"] == {"title": "kept"}  # acknowledged before the kill
        assert "search-engine exited unexpectedly (killed by SIGKILL)" in server.log()
    assert engine_pid(server.process.pid) is None


def test_the_engine_does_not_outlive_a_killed_server(tmp_path: Path) -> None:
    project = write_project(tmp_path / "project", PROJECT)
    logs = tmp_path / "logs"
    logs.mkdir()
    with serve(project, logs, ["--in-memory"]) as server:
        engine = engine_pid(server.process.pid)
        assert engine is not None
        server.process.kill()
        server.process.wait()
        eventually(lambda: not Path(f"/proc/{engine}").exists() or _zombie(engine), "exit")


def _zombie(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
