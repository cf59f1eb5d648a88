"""A table's stream into Lambda functions, through a served API on DynamoDB Local.

The project (tests/projects/streams_api) maps one table's stream to three local Python
functions that record what they receive: one plainly (batches of up to 3), one that fails on a
poison item (one retry, bisect), one that reports a failed item once (ReportBatchItemFailures).
Items are written through GraphQL mutations, so the records come from real writes.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server import RunningServer, serve

PROJECT = Path(__file__).resolve().parents[1] / "projects" / "streams_api"
WAIT_SECONDS = 30.0

PUT = "mutation($id: ID!, $mode: String, $n: Int) { put(id: $id, mode: $mode, n: $n) { id } }"
REMOVE = "mutation($id: ID!) { remove(id: $id) { id } }"


def copy_project(root: Path) -> Path:
    shutil.copytree(PROJECT, root, ignore=shutil.ignore_patterns("__pycache__", "*.jsonl"))
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("streams") / "api")


@pytest.fixture(scope="module")
def server(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    logs = tmp_path_factory.mktemp("logs")
    with serve(project, logs, ["--in-memory"], timeout=120.0) as running:
        yield running


def graphql(server: RunningServer, query: str, **variables: Any) -> dict[str, Any]:
    answer = httpx.post(server.graphql_url, json={"query": query, "variables": variables})
    body: dict[str, Any] = answer.json()
    assert "errors" not in body, body
    return body


def invocations(project: Path, mode: str) -> list[dict[str, Any]]:
    path = project / "functions" / f"events-{mode}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for(check: Callable[[], bool], what: str, server: RunningServer | None = None) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    log = server.log()[-4000:] if server is not None else ""
    raise AssertionError(f"timed out waiting for {what}\n{log}")


def records_of(lines: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """Every record of items whose id starts with `prefix`, in delivery order."""
    return [r for line in lines for r in line["records"] if r["id"].startswith(prefix)]


def full_records(lines: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    return [
        r
        for line in lines
        for r in line["event"]["Records"]
        if r["dynamodb"]["Keys"]["id"]["S"].startswith(prefix)
    ]


def test_a_function_receives_insert_modify_remove_in_order_in_lambdas_shape(
    server: RunningServer, project: Path
) -> None:
    key = f"order-{uuid.uuid4().hex[:8]}"
    graphql(server, PUT, id=key, n=1)
    graphql(server, PUT, id=key, n=2)
    graphql(server, REMOVE, id=key)
    wait_for(lambda: len(records_of(invocations(project, "record"), key)) >= 3, "3 records", server)
    records = full_records(invocations(project, "record"), key)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    for record in records:
        assert set(record) == {
            "eventID",
            "eventName",
            "eventVersion",
            "eventSource",
            "awsRegion",
            "dynamodb",
            "eventSourceARN",
        }
        assert record["eventVersion"] == "1.1"
        assert record["eventSource"] == "aws:dynamodb"
        assert record["awsRegion"] == "us-east-1"
        assert record["eventSourceARN"].startswith("arn:aws:dynamodb:")
        assert ":table/StreamItems/stream/" in record["eventSourceARN"]
        change = record["dynamodb"]
        assert change["Keys"] == {"id": {"S": key}}
        assert change["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert isinstance(change["ApproximateCreationDateTime"], int | float)
        assert isinstance(change["SizeBytes"], int) and change["SizeBytes"] > 0
        assert change["SequenceNumber"].isdigit()
    insert, modify, remove = (r["dynamodb"] for r in records)
    assert insert["NewImage"] == {"id": {"S": key}, "n": {"N": "1"}} and "OldImage" not in insert
    assert modify["OldImage"] == insert["NewImage"]
    assert modify["NewImage"] == {"id": {"S": key}, "n": {"N": "2"}}
    assert remove["OldImage"] == modify["NewImage"] and "NewImage" not in remove
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequence == sorted(sequence)


def test_batches_hold_at_most_batch_size_records_in_stream_order(
    server: RunningServer, project: Path
) -> None:
    prefix = f"batch-{uuid.uuid4().hex[:8]}-"
    for n in range(8):
        graphql(server, PUT, id=f"{prefix}{n}", n=n)
    wait_for(lambda: len(records_of(invocations(project, "record"), prefix)) >= 8, "8 records")
    lines = invocations(project, "record")
    assert all(len(line["records"]) <= 3 for line in lines)
    assert any(len(records_of([line], prefix)) > 1 for line in lines)
    delivered = records_of(lines, prefix)
    assert [r["id"] for r in delivered] == [f"{prefix}{n}" for n in range(8)]
    every = [int(r["sequenceNumber"]) for line in lines for r in line["records"]]
    assert every == sorted(every)
    assert len(every) == len(set(every))


def test_a_poison_record_is_bisected_out_and_given_up_after_its_retries(
    server: RunningServer, project: Path
) -> None:
    prefix = f"poison-{uuid.uuid4().hex[:8]}-"
    for n in range(4):
        graphql(server, PUT, id=f"{prefix}{n}", mode="poison" if n == 1 else "fine")
    graphql(server, PUT, id=f"{prefix}after", mode="fine")

    def delivered() -> list[str]:
        ok = [line for line in invocations(project, "poison") if line["outcome"] == "ok"]
        return [r["id"] for r in records_of(ok, prefix)]

    wanted = [f"{prefix}0", f"{prefix}2", f"{prefix}3", f"{prefix}after"]
    wait_for(lambda: sorted(delivered()) == sorted(wanted), "the healthy records", server)
    assert delivered() == wanted  # in stream order, the poison record skipped
    failed = [line for line in invocations(project, "poison") if line["outcome"] == "error"]
    alone = [
        line
        for line in failed
        if records_of([line], prefix) == records_of([line], f"{prefix}1")
        and len(line["records"]) == 1
    ]
    assert len(alone) == 2  # the attempt and one retry, once bisected down to itself
    poison_sequence = alone[0]["records"][0]["sequenceNumber"]
    wait_for(lambda: "gave up on 1 record(s)" in server.log(), "the give-up log")
    assert poison_sequence in server.log()


def test_reported_item_failures_resume_from_the_failed_record(
    server: RunningServer, project: Path
) -> None:
    prefix = f"partial-{uuid.uuid4().hex[:8]}-"
    graphql(server, PUT, id=f"{prefix}0", mode="fine")
    graphql(server, PUT, id=f"{prefix}1", mode="fail-once")
    graphql(server, PUT, id=f"{prefix}2", mode="fine")

    def counts() -> Counter[str]:
        return Counter(r["id"] for r in records_of(invocations(project, "partial"), prefix))

    wait_for(lambda: counts()[f"{prefix}1"] >= 2 and counts()[f"{prefix}2"] >= 1, "a retry")
    lines = invocations(project, "partial")
    for index, line in enumerate(lines):
        if not line["failures"]:
            continue
        failed = {f["itemIdentifier"] for f in line["failures"]}
        sequences = [r["sequenceNumber"] for r in line["records"]]
        first = min(sequences.index(s) for s in failed)
        settled = set(sequences[:first])
        later = {r["sequenceNumber"] for rest in lines[index + 1 :] for r in rest["records"]}
        assert not settled & later, "records before a reported failure came again"
        assert set(sequences[first:]) <= later, "the failed record and those after it retried"
    assert counts()[f"{prefix}0"] == 1


def test_the_position_survives_a_restart_in_the_middle_of_a_stream(
    tmp_path: Path,
) -> None:
    """Stopped while records wait to be delivered, the server resumes after the last batch
    it delivered: every record reaches the function exactly once."""
    project = copy_project(tmp_path / "api")
    settings = project / "strawsync.yaml"
    slow = "environment: {MODE: record, SLEEP: '1'}"
    settings.write_text(settings.read_text().replace("environment: {MODE: record}", slow))
    prefix = "restart-"
    ids = [f"{prefix}{n:02d}" for n in range(20)]
    logs = tmp_path / "logs"
    logs.mkdir()
    with serve(project, logs) as first:
        for key in ids[:15]:
            graphql(first, PUT, id=key)
        wait_for(lambda: len(records_of(invocations(project, "record"), prefix)) >= 3, "a batch")
    delivered_before = len(records_of(invocations(project, "record"), prefix))
    assert delivered_before < 15, "the stream was read to its end before the restart"
    assert list((project / ".strawsync" / "streams").glob("StreamItems--function_Recorder*"))
    with serve(project, logs) as again:
        for key in ids[15:]:
            graphql(again, PUT, id=key)
        wait_for(
            lambda: len(records_of(invocations(project, "record"), prefix)) >= 20,
            "every record",
            again,
        )
        time.sleep(1.0)  # anything delivered twice would arrive within a poll or two
    records = records_of(invocations(project, "record"), prefix)
    assert [r["id"] for r in records] == ids
    counts = Counter(r["sequenceNumber"] for r in records)
    assert set(counts.values()) == {1}


def test_each_mapping_is_on_ready(server: RunningServer) -> None:
    answer = httpx.get(f"{server.url}/ready", timeout=10.0)
    streams = [d for d in answer.json()["dependencies"] if d["kind"] == "stream"]
    assert streams == [
        {"name": f"StreamItems -> function:{name}", "kind": "stream", "status": "up"}
        for name in ("Recorder", "Poisoned", "Partial")
    ]


def test_a_disabled_mapping_delivers_nothing(tmp_path: Path) -> None:
    """`enabled: false` keeps the mapping declared but reads nothing for it (and `/ready`
    leaves it out), while the table's other mappings go on."""
    project = copy_project(tmp_path / "api")
    settings = project / "strawsync.yaml"
    text = settings.read_text()
    recorder = "    function: Recorder\n"
    assert recorder in text
    settings.write_text(text.replace(recorder, recorder + "    enabled: false\n", 1))
    with serve(project, tmp_path, ["--in-memory"], timeout=120.0) as server:
        graphql(server, PUT, id="disabled-1", mode="plain")
        wait_for(
            lambda: len(records_of(invocations(project, "partial"), "disabled-")) == 1,
            "the enabled mapping's delivery",
            server,
        )
        time.sleep(1.0)  # the disabled one would have delivered within a poll or two
        ready = httpx.get(f"{server.url}/ready", timeout=10.0).json()
    assert invocations(project, "record") == []
    names = [d["name"] for d in ready["dependencies"] if d["kind"] == "stream"]
    assert names == ["StreamItems -> function:Poisoned", "StreamItems -> function:Partial"]
