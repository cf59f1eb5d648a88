"""Pollers across DynamoDB Local's restarts, and a table that has no stream.

The supervisor restarts a killed DynamoDB Local on a new port; the pollers wait for it and
resume from their position: on its data folder, the same stream goes on (nothing lost or
repeated); in memory, the table comes back empty with a new stream, which is read afresh.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from app.datasources.dynamodb.engine_record import read
from tests.streams.test_lambda_streams import (
    PUT,
    copy_project,
    graphql,
    invocations,
    records_of,
    wait_for,
)
from tests.support.server import RunningServer, serve

BACK = "dynamodb-local is back (restart 1)"


def kill_dynamodb_local(project: Path, server: RunningServer) -> None:
    record = read(project)
    assert record is not None
    os.kill(record.engine_pid, signal.SIGKILL)
    wait_for(lambda: BACK in server.log(), "DynamoDB Local to come back", server)


def delivered(project: Path, prefix: str) -> list[str]:
    return [r["sequenceNumber"] for r in records_of(invocations(project, "record"), prefix)]


def test_a_restarted_engine_on_its_data_folder_resumes_the_same_stream(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "api")
    with serve(project, tmp_path, timeout=120.0) as server:
        for n in range(5):
            graphql(server, PUT, id=f"kept-{n}")
        wait_for(lambda: len(delivered(project, "kept-")) == 5, "the first records", server)
        kill_dynamodb_local(project, server)
        for n in range(5, 10):
            graphql(server, PUT, id=f"kept-{n}")
        wait_for(lambda: len(delivered(project, "kept-")) >= 10, "the later records", server)
        time.sleep(1.0)  # a record delivered twice would arrive within a poll or two
        log = server.log()
    ids = [r["id"] for r in records_of(invocations(project, "record"), "kept-")]
    assert ids == [f"kept-{n}" for n in range(10)]
    assert set(Counter(delivered(project, "kept-")).values()) == {1}
    assert "stream StreamItems -> function:Recorder: reading the stream again" in log


def test_a_restarted_in_memory_engine_gives_a_new_stream_read_afresh(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "api")
    with serve(project, tmp_path, ["--in-memory"], timeout=120.0) as server:
        graphql(server, PUT, id="before")
        wait_for(lambda: len(delivered(project, "before")) == 1, "the first record", server)
        kill_dynamodb_local(project, server)
        graphql(server, PUT, id="after")
        wait_for(lambda: len(delivered(project, "after")) == 1, "the new stream's record", server)
        log = server.log()
    assert "the table's stream changed (the table was created again)" in log
    assert len(delivered(project, "before")) == 1


def _without_stream(project: Path) -> str:
    """Drop the table's stream and the mappings from the project; the declared text back."""
    settings = project / "strawsync.yaml"
    declared = settings.read_text()
    without = declared.replace("        stream: {viewType: NEW_AND_OLD_IMAGES}\n", "")
    settings.write_text(without[: without.index("streams:")])
    return declared


def test_a_local_table_created_without_its_stream_gets_it(tmp_path: Path) -> None:
    """On Strawsync's own DynamoDB Local, a stream declared after the table was made is
    enabled at start (it changes no item), and the mappings then read it."""
    project = copy_project(tmp_path / "api")
    declared = _without_stream(project)
    with serve(project, tmp_path, timeout=120.0):
        pass
    (project / "strawsync.yaml").write_text(declared)
    with serve(project, tmp_path, timeout=120.0) as server:
        graphql(server, PUT, id="served")
        wait_for(lambda: len(delivered(project, "served")) == 1, "the record", server)
        log = server.log()
        ready = httpx.get(f"{server.url}/ready", timeout=10.0)
    assert "table StreamItems: enabling its declared stream (NEW_AND_OLD_IMAGES)" in log
    assert ready.status_code == 200


def test_a_remote_table_without_its_stream_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table Strawsync does not own (an `endpoint`; here another server's DynamoDB Local)
    is never altered: the poller says what is wrong and what to do, and the API serves."""
    owner_project = copy_project(tmp_path / "owner")
    _without_stream(owner_project)  # the owner makes the table, with no stream
    with serve(owner_project, tmp_path, ["--in-memory"], timeout=120.0) as owner:
        engine = read(owner_project)
        assert engine is not None
        project = copy_project(tmp_path / "api")
        remote = (
            (project / "strawsync.yaml")
            .read_text()
            .replace(
                "      tableName: StreamItems\n",
                f"      tableName: StreamItems\n      endpoint: {engine.endpoint}\n"
                "      region: us-east-1\n",
                1,
            )
        )
        (project / "strawsync.yaml").write_text(remote)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")  # DynamoDB Local checks none
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
        with serve(project, tmp_path, timeout=120.0) as server:
            wait_for(lambda: "has no stream enabled" in server.log(), "the problem", server)
            graphql(server, PUT, id="served")  # the API serves all the same
            log = server.log()
            ready = httpx.get(f"{server.url}/ready", timeout=10.0)
        assert owner.process.poll() is None
    assert ready.status_code == 503
    streams = {d["name"]: d for d in ready.json()["dependencies"] if d["kind"] == "stream"}
    assert streams["StreamItems -> function:Recorder"]["status"] == "down"
    assert "has no stream enabled" in streams["StreamItems -> function:Recorder"]["detail"]
    assert "stream StreamItems -> function:Recorder: table StreamItems has no stream enabled" in log
