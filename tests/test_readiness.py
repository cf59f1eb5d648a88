"""`/ready`: every dependency with its status, 200 when all are up and 503 while one is down.

Real dependencies throughout: DynamoDB Local (the sample), a real `redis-server` stopped and
frozen under a running server, and a loopback HTTP endpoint standing in for a remote DynamoDB
endpoint (it answers an unsigned request with 400, as DynamoDB does).
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from tests.support.redis_server import redis_server
from tests.support.server import RunningServer, free_port, serve

RUNTIME_API = Path(__file__).parent / "projects" / "runtime_api"
LOCAL_ADDRESS = re.compile(r"127\.0\.0\.1|localhost|:\d{2,5}\b")


def ready(server: RunningServer) -> tuple[int, dict[str, Any]]:
    response = httpx.get(f"{server.url}/ready", timeout=10.0)
    assert response.headers["content-type"] == "application/json"
    return response.status_code, response.json()


def wait_for_status(server: RunningServer, status: int, seconds: float = 20.0) -> dict[str, Any]:
    """Poll `/ready` every 100 ms until it answers `status` (at most `seconds`)."""
    seen: list[int] = []
    for _ in range(int(seconds / 0.1)):
        code, body = ready(server)
        if code == status:
            return body
        seen.append(code)
        time.sleep(0.1)
    raise AssertionError(f"/ready never answered {status} within {seconds} s: {seen[-5:]}")


def test_the_sample_is_ready_with_its_local_engine_and_no_port(
    sample_server: RunningServer,
) -> None:
    response = httpx.get(f"{sample_server.url}/ready", timeout=10.0)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "status": "ready",
        "api": "EventApp",
        "dependencies": [
            {"name": "dynamodb-local", "kind": "localEngine", "status": "up"},
            # EventSearch names no endpoint: the embedded search engine serves it.
            {"name": "search-engine", "kind": "localEngine", "status": "up"},
            # The sample's functions (functions/) run on the local Lambda runtime.
            {"name": "lambda-runtime", "kind": "localEngine", "status": "up"},
            # The built-in indexer feeding the event index from the table's stream.
            {
                "name": "AppSyncEventTable -> index:EventSearch/event",
                "kind": "stream",
                "status": "up",
            },
        ],
    }
    assert not LOCAL_ADDRESS.search(response.text)


def test_an_api_without_dependencies_is_ready(logs_dir: Path) -> None:
    with serve(RUNTIME_API, logs_dir) as server:
        assert ready(server) == (200, {"status": "ready", "api": "RuntimeApi", "dependencies": []})


def test_ready_follows_redis_down_frozen_and_back(logs_dir: Path) -> None:
    with (
        redis_server(logs_dir) as redis,
        serve(RUNTIME_API, logs_dir, ["--pubsub", redis.url]) as server,
    ):
        up = {"name": "pubsub", "kind": "redis", "status": "up"}
        down = {**up, "status": "down", "detail": "not answering"}
        assert ready(server) == (
            200,
            {"status": "ready", "api": "RuntimeApi", "dependencies": [up]},
        )

        redis.stop()
        body = wait_for_status(server, 503)
        assert body == {"status": "unavailable", "api": "RuntimeApi", "dependencies": [down]}
        assert httpx.get(f"{server.url}/health", timeout=5.0).status_code == 200
        redis.start()
        assert wait_for_status(server, 200)["dependencies"] == [up]

        redis.pause()
        try:
            assert wait_for_status(server, 503)["dependencies"] == [down]
            assert httpx.get(f"{server.url}/health", timeout=5.0).status_code == 200
        finally:
            redis.resume()
        assert wait_for_status(server, 200)["dependencies"] == [up]


class FakeDynamoDB:
    """A loopback HTTP server that refuses every request as DynamoDB refuses an unsigned one
    (400 MissingAuthenticationTokenException), counting them."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.requests = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = b'{"__type":"MissingAuthenticationTokenException","message":"no"}'
                self.send_response(400)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._handler = Handler
        self._server: ThreadingHTTPServer | None = None

    @contextmanager
    def running(self) -> Iterator[FakeDynamoDB]:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler)
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()
            thread.join(timeout=5)


def with_remote_table(root: Path, endpoint: str) -> Path:
    """The runtime API plus a DynamoDB data source on `endpoint` (no resolver uses it)."""
    project = root / "api"
    shutil.copytree(RUNTIME_API, project)
    settings = project / "strawsync.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8")
        + "  - name: Remote\n"
        + "    type: AMAZON_DYNAMODB\n"
        + f"    config: {{tableName: Remote, region: us-east-1, endpoint: '{endpoint}'}}\n",
        encoding="utf-8",
    )
    return project


def test_ready_probes_a_remote_endpoint_without_hammering_it(
    tmp_path: Path, logs_dir: Path
) -> None:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    fake = FakeDynamoDB(port)
    entry: Callable[[str, str | None], dict[str, Any]] = lambda status, detail: {  # noqa: E731
        "name": "dynamodb",
        "kind": "dynamodb",
        "status": status,
        "endpoint": f"{endpoint}/",
        **({"detail": detail} if detail else {}),
    }
    with serve(with_remote_table(tmp_path, endpoint), logs_dir) as server:
        code, body = ready(server)
        assert code == 503
        assert body["dependencies"] == [entry("down", "the connection was refused")]

        with fake.running():
            assert wait_for_status(server, 200)["dependencies"] == [entry("up", None)]
            probes = fake.requests
            asked = 0
            started = time.monotonic()
            while time.monotonic() - started < 1.0 and asked < 200:
                assert ready(server)[0] == 200
                asked += 1
            # A second of polling costs at most one probe per cache period (1.5 s) and one
            # that may have been under way.
            assert asked >= 10
            assert fake.requests - probes <= 2

        assert wait_for_status(server, 503)["dependencies"] == [
            entry("down", "the connection was refused")
        ]
