"""Expensive documents cannot stall the server (issue 10, finding 3).

Documents longer than the executor's inline threshold are parsed and validated in a worker
process; the event loop stays free for everyone else. These tests send the costliest shapes
measured (15,000 tokens, within every default cap) with a fresh comment each time, and
check that `/health` keeps answering, that both paths give the same answers, and that the
worker's time limit holds.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import build_schema

from app.execution.validation import ValidationSettings
from app.execution.validation_worker import ValidationTimeout, ValidationWorker
from tests.realtime.test_appsync_protocol import appsync, start_message
from tests.support.server import RunningServer

REPEATED = "{" + ' echo(msg: "x")' * 1990 + " }"
"""1,990 fields sharing one response name: graphql-core's overlapping-fields rule spends its
whole complexity budget on it (about 2 s of CPU)."""
DIFFERING = "{" + " getEvent(id: 1) { id } getEvent(id: 1) { name }" * 450 + " }"
"""Same name, differing sub-selections: every pair is compared field by field."""
FINDING_3 = "{" + ' echo(msg: "x")' * 2400 + " }"
"""The document of the finding (34 KB): now over the default field cap."""
HEALTH_BOUND = 1.0  # seconds; generous for a loaded 2-core machine (measured: see notes)


def test_health_answers_while_expensive_documents_arrive(
    sample_server: RunningServer, client: httpx.Client
) -> None:
    latencies: list[float] = []
    answers: list[dict[str, Any]] = []
    done = threading.Event()

    def attack() -> None:
        with httpx.Client(base_url=sample_server.url, timeout=30.0) as attacker:
            for n in range(9):  # bounded: three rounds of the three shapes
                query = (REPEATED, DIFFERING, FINDING_3)[n % 3] + f" #{n}-{time.time_ns()}"
                answers.append(attacker.post("/graphql", json={"query": query}).json())
        done.set()

    thread = threading.Thread(target=attack, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not done.is_set() and time.monotonic() < deadline:
        started = time.perf_counter()
        assert client.get("/health").status_code == 200
        latencies.append(time.perf_counter() - started)
        time.sleep(0.05)
    thread.join(timeout=5)
    assert done.is_set(), "the expensive documents were not all answered"
    assert len(latencies) > 5
    assert max(latencies) < HEALTH_BOUND, sorted(latencies)[-5:]
    error_types = {error["errorType"] for answer in answers for error in answer["errors"]}
    assert error_types <= {"ValidationError", "FieldLimitReached"}, answers


def test_large_documents_get_the_same_answers_as_small_ones(client: httpx.Client) -> None:
    padding = "\n" + "# padding\n" * 300  # past the inline threshold, same document
    small = client.post("/graphql", json={"query": "{ ech }"}).json()
    large = client.post("/graphql", json={"query": "{ ech }" + padding}).json()
    assert large == small
    assert large["errors"][0]["locations"] == [{"line": 1, "column": 3, "sourceName": None}]

    ran = client.post("/graphql", json={"query": '{ echo(msg: "big") }' + padding}).json()
    assert ran == {"data": {"echo": "big"}}

    broken = client.post("/graphql", json={"query": padding + "{ echo("})
    assert broken.status_code == 400
    (error,) = broken.json()["errors"]
    assert error["errorType"] == "InvalidSyntax"
    assert error["locations"][0]["line"] == padding.count("\n") + 1


def test_a_new_comment_does_not_buy_a_second_validation(client: httpx.Client) -> None:
    """The worker keys its verdicts on the printed document: a new trailing comment finds
    the first verdict (same answer, no error positions to trust)."""
    first = client.post("/graphql", json={"query": REPEATED + " #first"}).json()
    again = client.post("/graphql", json={"query": REPEATED + " #second"}).json()
    assert [e["message"] for e in first["errors"]] == [e["message"] for e in again["errors"]]
    assert first["errors"][0]["message"].startswith("Validation aborted")


async def test_large_subscriptions_are_validated_off_the_loop_too(
    sample_server: RunningServer,
) -> None:
    padding = "\n" + "# padding\n" * 300
    subscribe = 'subscription { subscribeToEventComments(eventId: "e") { content } }'
    async with appsync(sample_server) as socket_:
        await socket_.send(start_message("large", subscribe + padding))
        assert await socket_.receive() == {"type": "start_ack", "id": "large"}
        await socket_.send(start_message("typo", subscribe.replace("content", "contnt") + padding))
        message = await socket_.receive()
        assert message["id"] == "typo" and message["type"] == "error", message
        (error,) = message["payload"]["errors"]
        assert error["errorType"] == "ValidationError"
        column = subscribe.index("content") + 1
        assert error["locations"] == [{"line": 1, "column": column, "sourceName": None}]


SCHEMA = build_schema("type Query { echo(msg: String): String }")


async def test_the_worker_time_limit_holds_and_remembers_the_document(tmp_path: Path) -> None:
    worker = ValidationWorker(SCHEMA, ValidationSettings(), time_limit=0.5)
    try:
        started = time.monotonic()
        with pytest.raises(ValidationTimeout):
            await worker.check(REPEATED + " #one")
        assert time.monotonic() - started < 10
        # The same document in another spelling is refused without validating it again.
        with pytest.raises(ValidationTimeout):
            await worker.check(REPEATED.replace(" echo", "  echo") + " #two")
        # A new worker answers the next document.
        verdict = await asyncio.wait_for(worker.check('{ echo(msg: "ok") }'), 30)
        assert verdict.errors == ()
    finally:
        await worker.close()
