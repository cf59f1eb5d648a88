"""Kill DynamoDB Local (SIGKILL) while the server takes mutations from several clients.

The server must notice on its own: log the exit at ERROR, report 503 on `/ready` while the
engine is down, answer meanwhile with a fast `DynamoDB:ServiceUnavailable` that names no
internal address, restart the engine on the project's data folder, and afterwards hold every
write it acknowledged.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.projects import open_sample
from tests.support.server import RunningServer, serve

CLIENTS = 4
MUTATIONS_PER_CLIENT = 400  # an upper bound; clients stop once the server has recovered
PAUSE_AFTER_ERROR_SECONDS = 0.05  # as a client would, rather than spin on a fast error
ACKS_BEFORE_KILL = 20
ACKS_AFTER_RECOVERY = 10
DEADLINE_SECONDS = 120.0
FAST_ERROR_SECONDS = 10.0  # generous for a loaded 2-core machine; a hang would be 30+ s
UNAVAILABLE = "DynamoDB:ServiceUnavailable"
INTERNAL = re.compile(r"127\.0\.0\.1|localhost|/tmp/|\.strawsync|\bhttps?://")
CREATE = (
    'mutation($name: String!) { createEvent(name: $name, when: "today", '
    'where: "here", description: "kill test") { id name } }'
)
LIST = (
    "query($next: String) { listEvents(limit: 100, nextToken: $next) "
    "{ items { id name } nextToken } }"
)


@dataclass
class Outcome:
    """What one mutation got back."""

    seconds: float
    status: int
    body: str
    acked: tuple[str, str] | None  # (id, name) when the server returned the created event


@dataclass
class Load:
    """Several clients sending mutations until told the server has recovered."""

    url: str
    outcomes: list[Outcome] = field(default_factory=list)
    recovered: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acked(self) -> list[tuple[str, str]]:
        with self.lock:
            return [outcome.acked for outcome in self.outcomes if outcome.acked]

    def client(self, number: int, deadline: float) -> None:
        acks_after = 0
        with httpx.Client(base_url=self.url, timeout=60.0) as http:
            for i in range(MUTATIONS_PER_CLIENT):
                if time.monotonic() > deadline or acks_after >= ACKS_AFTER_RECOVERY:
                    return
                recovered = self.recovered.is_set()
                name = f"client{number}-{i}"
                started = time.monotonic()
                response = http.post(
                    "/graphql", json={"query": CREATE, "variables": {"name": name}}
                )
                seconds = time.monotonic() - started
                created = (response.json().get("data") or {}).get("createEvent")
                acked = (created["id"], created["name"]) if created else None
                with self.lock:
                    self.outcomes.append(
                        Outcome(seconds, response.status_code, response.text, acked)
                    )
                if recovered and acked:
                    acks_after += 1
                if acked is None:
                    time.sleep(PAUSE_AFTER_ERROR_SECONDS)


def engine_record(project: Path) -> dict[str, Any] | None:
    try:
        record: dict[str, Any] = json.loads(
            (project / ".strawsync" / "dynamodb" / "engine.json").read_text(encoding="utf-8")
        )
    except (OSError, ValueError):
        return None
    return record


def every_event(server: RunningServer) -> dict[str, str]:
    events: dict[str, str] = {}
    next_token = None
    with httpx.Client(base_url=server.url, timeout=30.0) as http:
        for _ in range(1000):
            body = http.post(
                "/graphql", json={"query": LIST, "variables": {"next": next_token}}
            ).json()
            page = body["data"]["listEvents"]
            events.update({item["id"]: item["name"] for item in page["items"]})
            next_token = page["nextToken"]
            if next_token is None:
                return events
    raise AssertionError("listEvents never ended")


def test_killing_dynamodb_local_under_load(tmp_path: Path, logs_dir: Path) -> None:
    (tmp_path / "api").mkdir()
    project = open_sample(tmp_path / "api")
    with serve(project, logs_dir, timeout=90.0) as server:
        first = engine_record(project)
        assert first is not None and first["in_memory"] is False
        load = Load(server.url)
        deadline = time.monotonic() + DEADLINE_SECONDS
        clients = [threading.Thread(target=load.client, args=(n, deadline)) for n in range(CLIENTS)]
        for client in clients:
            client.start()
        try:
            for _ in range(600):
                if len(load.acked()) >= ACKS_BEFORE_KILL:
                    break
                time.sleep(0.05)
            assert len(load.acked()) >= ACKS_BEFORE_KILL, "no load before the kill"

            os.kill(first["engine_pid"], signal.SIGKILL)
            readiness: list[int] = []
            second: dict[str, Any] | None = None
            for _ in range(1200):  # 0.05 s apart: at most a minute
                readiness.append(httpx.get(f"{server.url}/ready", timeout=10.0).status_code)
                second = engine_record(project)
                if (
                    503 in readiness
                    and readiness[-1] == 200
                    and second is not None
                    and second["engine_pid"] != first["engine_pid"]
                ):
                    break
                time.sleep(0.05)
            load.recovered.set()
        finally:
            load.recovered.set()
            for client in clients:
                client.join(timeout=DEADLINE_SECONDS)
        assert not any(client.is_alive() for client in clients)

        assert 503 in readiness, "the engine was never reported down"
        assert readiness[-1] == 200, f"the server did not recover: {readiness[-10:]}"
        assert second is not None and second["engine_pid"] != first["engine_pid"]
        assert httpx.get(f"{server.url}/health", timeout=5.0).status_code == 200
        stored = every_event(server)
        log = server.log()

    assert "ERROR strawsync.engines dynamodb-local exited unexpectedly (killed by SIGKILL)" in log
    assert "dynamodb-local is back (restart 1)" in log

    outcomes = load.outcomes
    assert all(outcome.status == 200 for outcome in outcomes)
    failed = [outcome for outcome in outcomes if outcome.acked is None]
    assert failed, "no request met the dead engine: the load was too light to tell"
    for outcome in failed:
        errors = json.loads(outcome.body)["errors"]
        assert [error["errorType"] for error in errors] == [UNAVAILABLE], outcome.body
        assert outcome.seconds < FAST_ERROR_SECONDS, outcome
    for outcome in outcomes:
        assert not INTERNAL.search(outcome.body), outcome.body
    ports = {str(record["endpoint"].rsplit(":", 1)[1]) for record in (first, second)}
    for outcome in failed:  # (ids in acknowledged bodies are random hex, digits included)
        assert not any(port in outcome.body for port in ports), outcome.body

    acked = dict(load.acked())
    assert len(acked) >= ACKS_BEFORE_KILL + ACKS_AFTER_RECOVERY
    missing = {key: name for key, name in acked.items() if stored.get(key) != name}
    assert not missing, f"{len(missing)} acknowledged writes are gone: {missing}"


def test_an_in_memory_engine_comes_back_empty_and_says_so(tmp_path: Path, logs_dir: Path) -> None:
    """In memory, a restart loses every item (logged at ERROR), and the declared tables are
    created again so the API works at once, empty."""
    (tmp_path / "api").mkdir()
    project = open_sample(tmp_path / "api")
    create = {"query": CREATE, "variables": {"name": "before the kill"}}
    with serve(project, logs_dir, ["--in-memory"], timeout=90.0) as server:
        first = engine_record(project)
        assert first is not None and first["in_memory"] is True
        with httpx.Client(base_url=server.url, timeout=30.0) as http:
            assert http.post("/graphql", json=create).json()["data"]["createEvent"]
            os.kill(first["engine_pid"], signal.SIGKILL)
            for _ in range(600):  # 0.1 s apart: at most a minute
                record = engine_record(project)
                restarted = record is not None and record["engine_pid"] != first["engine_pid"]
                if restarted and http.get("/ready").status_code == 200:
                    break
                time.sleep(0.1)
            assert http.get("/ready").status_code == 200
            assert every_event(server) == {}
            after = http.post("/graphql", json={**create, "variables": {"name": "after"}})
            assert after.json()["data"]["createEvent"]["name"] == "after"
        log = server.log()
    assert (
        "ERROR strawsync.engines dynamodb-local restart: its data was in memory (--in-memory): "
        "every item written so far is lost, and the declared tables are created again, empty"
    ) in log
