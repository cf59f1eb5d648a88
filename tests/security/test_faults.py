"""DynamoDB faults seen through GraphQL: a loopback proxy between the server and DynamoDB Local.

The sample's DynamoDB data sources name the proxy as their `endpoint` (with a `region`), so
the served API signs with the credentials of its environment and talks to the proxy, which
forwards to a real DynamoDB Local unless its fault table says otherwise: throttling
(`ProvisionedThroughputExceededException`, 400), 500 and 503, an answer slower than the
client's timeout, and TCP resets (before the engine saw the request, or after it applied it).

Over HTTP, as a client sees it: typed errors in AppSync's shape (`DynamoDB:<code>`), the
standard retry mode (4 attempts for DynamoDB, counted by the proxy; two failures then success
succeeds), partial data (the other fields still resolve), no internal address or exception
text in any message, and no acknowledged write lost while faults are injected at random.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.datasources.dynamodb.client import Credentials, DynamoDBClient, static_credentials
from app.datasources.dynamodb.local_engine import DynamoDBLocal, default_cache_dir, prepare
from tests.security.conftest import API_KEY_HEADER, Settings, create_api_key, sample_copy
from tests.support.dynamodb_faults import (
    INTERNAL_SERVER_ERROR,
    SERVICE_UNAVAILABLE,
    THROTTLED,
    Fault,
    FaultProxy,
    RandomFaults,
    fault_proxy,
)
from tests.support.server import REPO, RunningServer, serve

REGION = "us-east-1"
ACCESS_KEY = "faultproxy"  # letters only: DynamoDB Local 3 accepts nothing else
SERVER_ENV = {
    "AWS_ACCESS_KEY_ID": ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": "faultproxysecret",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
CLIENT_TIMEOUT = 60.0
CLIENT_SIDE_TIMEOUT = 10.0
"""DynamoDBClient's own per-attempt timeout (app/datasources/dynamodb/client.py)."""
INTERNALS = re.compile(
    r"127\.0\.0\.1|localhost|:\d{4,5}\b|Traceback|File \"|aiohttp|Errno|Connect call failed"
)

CREATE = (
    'mutation($name: String!) { createEvent(name: $name, when: "today", where: "here", '
    'description: "fault test") { id name } }'
)
READ = 'query($id: ID!) { getEvent(id: $id) { id name } echo(msg: "partial") }'


@dataclass
class FaultyApi:
    """The sample served with its DynamoDB behind `proxy`; `engine` is DynamoDB Local."""

    server: RunningServer
    proxy: FaultProxy
    engine: str
    api_key: str

    async def post(self, query: str, **variables: Any) -> tuple[dict[str, Any], float]:
        """Run one operation; its body and how long it took."""
        started = time.monotonic()
        async with httpx.AsyncClient(
            base_url=self.server.url, headers={API_KEY_HEADER: self.api_key}, timeout=CLIENT_TIMEOUT
        ) as client:
            response = await client.post("/graphql", json={"query": query, "variables": variables})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body, time.monotonic() - started


def behind(proxy_url: str) -> Any:
    def edit(settings: Settings) -> None:
        settings["profile"] = "production"
        for source in settings["dataSources"]:
            if source["type"] == "AMAZON_DYNAMODB":
                source["config"].update(endpoint=proxy_url, region=REGION)

    return edit


async def provision(project: Path) -> None:
    """`strawsync provision`: creates the declared tables on the engine, through the proxy."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        "provision",
        "--project",
        str(project),
        cwd=REPO,
        env={**os.environ, **SERVER_ENV},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, output.decode(errors="replace")


def _serve_with_aws_env(stack: ExitStack, project: Path, logs: Path) -> RunningServer:
    """Start the server with SERVER_ENV (read when the child starts), in a worker thread so
    the proxy on this event loop keeps answering meanwhile."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in SERVER_ENV.items():
            patch.setenv(name, value)
        return stack.enter_context(serve(project, logs, ["--in-memory"]))


@pytest.fixture(scope="module")
async def fault_engine() -> AsyncIterator[str]:
    """A DynamoDB Local of this module's own, in memory."""
    installation = await prepare(default_cache_dir(), progress=lambda _message: None)
    async with DynamoDBLocal(installation) as engine:
        yield await engine.start(data_dir=None)


@pytest.fixture(scope="module")
async def faulty_api(
    fault_engine: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FaultyApi]:
    async with fault_proxy(fault_engine) as proxy:
        project = sample_copy(tmp_path_factory.mktemp("faulty"), behind(proxy.url))
        await provision(project)
        api_key = await asyncio.to_thread(create_api_key, project)
        stack = ExitStack()
        logs = tmp_path_factory.mktemp("faulty-logs")
        server = await asyncio.to_thread(_serve_with_aws_env, stack, project, logs)
        try:
            yield FaultyApi(server, proxy, fault_engine, api_key)
        finally:
            proxy.clear()
            await asyncio.to_thread(stack.close)


@pytest.fixture
async def api(faulty_api: FaultyApi) -> AsyncIterator[FaultyApi]:
    """The served API with an empty fault table and attempt count for each test."""
    faulty_api.proxy.clear()
    yield faulty_api
    faulty_api.proxy.clear()


STREAM_OPERATIONS = frozenset({"DescribeStream", "GetShardIterator", "GetRecords", "DescribeTable"})


async def create_event(api: FaultyApi, name: str) -> str:
    body, _ = await api.post(CREATE, name=name)
    assert "errors" not in body, body
    event_id: str = body["data"]["createEvent"]["id"]
    return event_id


def assert_no_internals(errors: list[dict[str, Any]]) -> None:
    for error in errors:
        assert not INTERNALS.search(str(error.get("message"))), error


# ------------------------------------------------------------------------------ the tests


async def test_the_server_signs_with_its_environment_credentials(api: FaultyApi) -> None:
    event_id = await create_event(api, "signed")
    body, _ = await api.post(READ, id=event_id)
    assert body == {"data": {"getEvent": {"id": event_id, "name": "signed"}, "echo": "partial"}}
    authorizations = [headers.get("Authorization", "") for headers in api.proxy.headers]
    assert authorizations and all(f"Credential={ACCESS_KEY}/" in a for a in authorizations)
    # (the sample's stream poller reads the same endpoint: its calls are not the resolvers')
    items = [name for name in api.proxy.attempts if name not in STREAM_OPERATIONS]
    assert items == ["PutItem", "GetItem"]


@pytest.mark.parametrize(
    ("status", "error_body", "code"),
    [
        (400, THROTTLED, "ProvisionedThroughputExceededException"),
        (500, INTERNAL_SERVER_ERROR, "InternalServerError"),
        (503, SERVICE_UNAVAILABLE, "ServiceUnavailable"),
    ],
)
async def test_a_persistent_fault_is_a_typed_error_after_four_attempts(
    api: FaultyApi, status: int, error_body: dict[str, str], code: str
) -> None:
    api.proxy.faults.append(Fault(99, status, error_body, operation="GetItem"))
    body, _ = await api.post(READ, id="any")
    assert body["data"] == {"getEvent": None, "echo": "partial"}
    [error] = body["errors"]
    assert error["path"] == ["getEvent"]
    assert error["errorType"] == f"DynamoDB:{code}"
    assert set(error) >= {"path", "data", "errorType", "errorInfo", "locations", "message"}
    assert_no_internals(body["errors"])
    assert api.proxy.count("GetItem") == 4


@pytest.mark.parametrize(
    ("status", "error_body"),
    [(400, THROTTLED), (500, INTERNAL_SERVER_ERROR), (503, SERVICE_UNAVAILABLE)],
)
async def test_two_failures_then_success_succeeds(
    api: FaultyApi, status: int, error_body: dict[str, str]
) -> None:
    event_id = await create_event(api, "third time")
    api.proxy.faults.append(Fault(2, status, error_body, operation="GetItem"))
    body, _ = await api.post(READ, id=event_id)
    assert body == {"data": {"getEvent": {"id": event_id, "name": "third time"}, "echo": "partial"}}
    assert api.proxy.count("GetItem") == 3


async def test_connection_resets_are_retried_then_typed(api: FaultyApi) -> None:
    event_id = await create_event(api, "reset once")
    api.proxy.faults.append(Fault(1, reset=True, operation="GetItem"))
    body, _ = await api.post(READ, id=event_id)
    assert body["data"]["getEvent"] == {"id": event_id, "name": "reset once"}, body
    assert api.proxy.count("GetItem") == 2

    api.proxy.clear()
    api.proxy.faults.append(Fault(99, reset=True, operation="GetItem"))
    body, _ = await api.post(READ, id=event_id)
    assert body["data"] == {"getEvent": None, "echo": "partial"}
    [error] = body["errors"]
    assert error["errorType"].startswith("DynamoDB:"), error
    assert_no_internals(body["errors"])
    assert api.proxy.count("GetItem") == 4


async def test_an_answer_slower_than_the_client_timeout_is_retried(api: FaultyApi) -> None:
    event_id = await create_event(api, "slow")
    api.proxy.faults.append(Fault(1, delay=CLIENT_SIDE_TIMEOUT + 3, operation="GetItem"))
    body, took = await api.post(READ, id=event_id)
    assert body == {"data": {"getEvent": {"id": event_id, "name": "slow"}, "echo": "partial"}}
    assert api.proxy.count("GetItem") == 2
    assert took >= CLIENT_SIDE_TIMEOUT - 0.5


async def test_a_broken_answer_shows_no_exception_text(api: FaultyApi) -> None:
    """An answer the data source cannot read (a 200 whose item is no DynamoDB item): the
    field fails with a typed error and a request id; the details stay in the server log."""
    api.proxy.faults.append(Fault(99, 200, {"Item": {"id": "not a typed value"}}, "GetItem"))
    body, _ = await api.post(READ, id="x")
    assert body["data"] == {"getEvent": None, "echo": "partial"}
    [error] = body["errors"]
    assert error["errorType"], error
    assert_no_internals(body["errors"])
    assert "not a typed value" not in error["message"], error


CHAOS = (
    Fault(1, 400, THROTTLED),
    Fault(1, 500, INTERNAL_SERVER_ERROR),
    Fault(1, 503, SERVICE_UNAVAILABLE),
    Fault(1, reset=True),
    Fault(1, reset=True, after_engine=True),
    Fault(4, 400, THROTTLED),  # a burst longer than the retries: the write is refused
)
WRITES = 30


async def test_no_acknowledged_write_is_lost(api: FaultyApi) -> None:
    """Writes one after another while a seeded 35% of requests meet a fault (including a reset
    after the engine applied the write, and bursts that outlast the retries): every write the
    API acknowledged is on the engine; the refused ones got typed errors."""
    api.proxy.chaos = RandomFaults(seed=20240610, rate=0.35, choices=CHAOS)
    acknowledged: dict[str, str] = {}
    refused: list[dict[str, Any]] = []
    for index in range(WRITES):
        name = f"chaos {index}"
        body, _ = await api.post(CREATE, name=name)
        created = (body.get("data") or {}).get("createEvent")
        if created is not None:
            assert created["name"] == name
            acknowledged[created["id"]] = name
        else:
            refused.extend(body["errors"])
    api.proxy.chaos = None
    assert api.proxy.injected, "no fault was injected"
    assert acknowledged and refused, (acknowledged, refused)
    assert_no_internals(refused)
    assert all(e["errorType"].startswith("DynamoDB:") for e in refused), refused

    engine = DynamoDBClient(
        region=REGION,
        endpoint=api.engine,
        credentials=static_credentials(Credentials(ACCESS_KEY, ACCESS_KEY)),
    )
    await engine.start()
    try:
        for event_id, name in acknowledged.items():
            item = await engine.call(
                "GetItem",
                {
                    "TableName": "AppSyncEventTable",
                    "Key": {"id": {"S": event_id}},
                    "ConsistentRead": True,
                },
            )
            assert item.get("Item", {}).get("name") == {"S": name}, (event_id, name)
    finally:
        await engine.close()
