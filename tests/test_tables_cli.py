"""`strawsync provision` and `strawsync seed` on a project's own DynamoDB Local."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx

from tests.support.projects import copy_sample, open_sample, write_project
from tests.support.server import free_port, serve
from tests.test_validate import run_cli


def test_provision_seed_then_serve(tmp_path: Path, logs_dir: Path) -> None:
    (tmp_path / "api").mkdir()
    project = open_sample(tmp_path / "api")

    first = run_cli("provision", "--project", str(project))
    assert first.returncode == 0, first.stderr
    assert "2 created, 0 unchanged, 0 drifted" in first.stderr

    again = run_cli("provision", "--project", str(project))
    assert again.returncode == 0, again.stderr
    assert "0 created, 2 unchanged, 0 drifted" in again.stderr

    events = [{"id": f"seed-{n:02d}", "name": f"Event {n}", "version": 1} for n in range(30)]
    seed_file = tmp_path / "events.json"
    seed_file.write_text(json.dumps({"AppSyncEventTable": events}))
    seeded = run_cli("seed", str(seed_file), "--project", str(project))
    assert seeded.returncode == 0, seeded.stderr
    assert "AppSyncEventTable: 30 items written" in seeded.stderr

    with serve(project, logs_dir) as server, httpx.Client(base_url=server.url) as http:
        body = http.post(
            "/graphql", json={"query": "{ listEvents(limit: 100) { items { id name } } }"}
        ).json()
    names = {item["id"]: item["name"] for item in body["data"]["listEvents"]["items"]}
    assert names == {event["id"]: event["name"] for event in events}


def test_provision_reports_drift_and_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    project = copy_sample(tmp_path / "api")
    assert run_cli("provision", "--project", str(project)).returncode == 0
    settings = (
        (project / "strawsync.yaml")
        .read_text()
        .replace("stream: {viewType: NEW_AND_OLD_IMAGES}", "stream: {viewType: NEW_IMAGE}", 1)
    )
    write_project(project, {"strawsync.yaml": settings})
    drifted = run_cli("provision", "--project", str(project))
    assert drifted.returncode == 1
    assert (
        "table AppSyncEventTable: stream is NEW_AND_OLD_IMAGES, declared NEW_IMAGE (not changed)"
        in (drifted.stderr)
    )
    assert "0 created, 1 unchanged, 1 drifted" in drifted.stderr
    still = run_cli("provision", "--project", str(project))
    assert "1 drifted" in still.stderr


def test_seed_refuses_bad_files(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    project = copy_sample(tmp_path / "api")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = run_cli("seed", str(bad), "--project", str(project))
    assert result.returncode == 2
    assert "bad.json" in result.stderr
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"NoSuchTable": [{"id": "1"}]}))
    result = run_cli("seed", str(unknown), "--project", str(project))
    assert result.returncode == 2
    assert "NoSuchTable" in result.stderr


def test_provision_and_seed_use_the_running_servers_engine(tmp_path: Path, logs_dir: Path) -> None:
    """While `serve` holds the data folder, both commands work through its DynamoDB Local
    (found from `.strawsync/dynamodb/engine.json`), and what they write is served at once."""
    (tmp_path / "api").mkdir()
    project = open_sample(tmp_path / "api")
    record_file = project / ".strawsync" / "dynamodb" / "engine.json"
    events = [{"id": f"live-{n}", "name": f"Live {n}", "version": 1} for n in range(5)]
    seed_file = tmp_path / "live.json"
    seed_file.write_text(json.dumps({"AppSyncEventTable": events}))
    with serve(project, logs_dir) as server:
        record = json.loads(record_file.read_text())
        assert record["server_pid"] == server.process.pid
        assert record["in_memory"] is False
        assert record["endpoint"].startswith("http://127.0.0.1:")

        provisioned = run_cli("provision", "--project", str(project))
        assert provisioned.returncode == 0, provisioned.stderr
        using = (
            f"using the DynamoDB Local of the running `strawsync serve` (pid {record['server_pid']}"
        )
        assert using in provisioned.stderr
        assert "0 created, 2 unchanged, 0 drifted" in provisioned.stderr

        seeded = run_cli("seed", str(seed_file), "--project", str(project))
        assert seeded.returncode == 0, seeded.stderr
        assert using in seeded.stderr
        assert "AppSyncEventTable: 5 items written" in seeded.stderr

        body = httpx.post(
            server.graphql_url,
            json={"query": '{ getEvents(ids: ["live-0", "live-4"]) { id name } }'},
            timeout=10.0,
        ).json()
        assert body == {
            "data": {
                "getEvents": [
                    {"id": "live-0", "name": "Live 0"},
                    {"id": "live-4", "name": "Live 4"},
                ]
            }
        }
    assert not record_file.exists(), "serve leaves no engine.json behind"


def test_a_stale_engine_record_is_ignored(tmp_path: Path) -> None:
    """A record whose server is gone (a crash left it), or whose engine does not answer, is
    ignored: the command starts its own engine on the data folder, as without one."""
    (tmp_path / "api").mkdir()
    project = open_sample(tmp_path / "api")
    finished = subprocess.Popen(["true"])
    finished.wait()
    record_file = project / ".strawsync" / "dynamodb" / "engine.json"
    record_file.parent.mkdir(parents=True)
    expected = ("2 created, 0 unchanged", "0 created, 2 unchanged")
    for server_pid, outcome in ((finished.pid, expected[0]), (os.getpid(), expected[1])):
        record = {
            "endpoint": f"http://127.0.0.1:{free_port()}",  # nothing listens there
            "server_pid": server_pid,
            "engine_pid": server_pid,
            "in_memory": False,
        }
        record_file.write_text(json.dumps(record))
        result = run_cli("provision", "--project", str(project))
        assert result.returncode == 0, result.stderr
        assert "using the DynamoDB Local of the running" not in result.stderr
        assert outcome in result.stderr
