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


def test_a_table_created_without_its_stream_is_reported(tmp_path: Path) -> None:
    """Provisioning never alters a table: declaring a stream later leaves the table without
    one, and the poller says so (and what to do) instead of failing the server."""
    project = copy_project(tmp_path / "api")
    settings = project / "strawsync.yaml"
    declared = settings.read_text()
    without = declared.replace("        stream: {viewType: NEW_AND_OLD_IMAGES}\n", "")
    settings.write_text(without[: without.index("streams:")])
    with serve(project, tmp_path, timeout=120.0):
        pass
    settings.write_text(declared)
    with serve(project, tmp_path, timeout=120.0) as server:
        wait_for(lambda: "has no stream enabled" in server.log(), "the problem", server)
        graphql(server, PUT, id="served")  # the API serves all the same
        log = server.log()
        ready = httpx.get(f"{server.url}/ready", timeout=10.0)
    assert ready.status_code == 503
    streams = {d["name"]: d for d in ready.json()["dependencies"] if d["kind"] == "stream"}
    assert streams["StreamItems -> function:Recorder"]["status"] == "down"
    assert "has no stream enabled" in streams["StreamItems -> function:Recorder"]["detail"]
    assert "stream StreamItems -> function:Recorder: table StreamItems has no stream enabled" in log
