"""`strawsync invoke` and the runtime inside a served API: real processes, as a user runs them.

The project has a Lambda data source per function (`handler: functions/...`); `invoke` runs
one by its function name, and `serve` shows the runtime on `/ready` and logs its workers'
output with request ids.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson
import pytest

from tests.functions.handlers import PYTHON_HANDLERS
from tests.support.projects import write_project
from tests.support.server import serve
from tests.test_validate import run_cli

SETTINGS = """\
name: FunctionsApi
dataSources:
  - name: Local
    type: NONE
  - name: Context
    type: AWS_LAMBDA
    config:
      handler: functions/handlers.py:context
      functionName: ContextFunction
      memorySize: 256
  - name: Failing
    type: AWS_LAMBDA
    config:
      handler: functions/handlers.py:fail
"""

SCHEMA = "type Query { ping: String }\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("functions-api")
    return write_project(
        root,
        {
            "strawsync.yaml": SETTINGS,
            "schema.graphql": SCHEMA,
            "functions/handlers.py": PYTHON_HANDLERS,
        },
    )


def test_invoke_prints_the_response_and_the_report(project: Path, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text('{"tag": "from the command line"}', encoding="utf-8")
    result = run_cli("invoke", "ContextFunction", "--event", str(event), "--project", str(project))
    assert result.returncode == 0, result.stderr
    body = orjson.loads(result.stdout)
    assert body["event"] == {"tag": "from the command line"}
    assert body["function_name"] == "ContextFunction"
    assert body["memory_limit_in_mb"] == "256"
    rid = body["aws_request_id"]
    assert f"START RequestId: {rid} Version: $LATEST" in result.stderr
    assert f"{rid} handling from the command line" in result.stderr
    assert f"REPORT RequestId: {rid}\tDuration: " in result.stderr
    assert "Init Duration: " in result.stderr


def test_invoke_exits_1_on_a_function_error(project: Path) -> None:
    result = run_cli("invoke", "Failing", "--project", str(project))
    assert result.returncode == 1
    document = orjson.loads(result.stdout)
    assert document["errorType"] == "ValueError"
    assert "Traceback (most recent call last)" not in result.stderr.split("REPORT")[-1]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["Nobody"],
            "no local function named 'Nobody' (local functions: ContextFunction, Failing)",
        ),
        (["Failing", "--event", "/nonexistent/event.json"], "cannot read the event"),
    ],
)
def test_invoke_mistakes_are_one_line(project: Path, args: list[str], words: str) -> None:
    result = run_cli("invoke", *args, "--project", str(project))
    assert result.returncode == 2
    assert result.stderr.startswith("strawsync invoke: ")
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_invoke_refuses_an_event_that_is_not_json(project: Path, tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text("{not json", encoding="utf-8")
    result = run_cli("invoke", "Failing", "--event", str(event), "--project", str(project))
    assert result.returncode == 2
    assert "not JSON" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_served_api_shows_the_runtime_on_ready(project: Path, tmp_path: Path) -> None:
    with serve(project, tmp_path, ["--in-memory"]) as server:
        ready = httpx.get(f"{server.url}/ready", timeout=10.0)
        assert ready.status_code == 200, ready.text
        dependencies = {d["name"]: d for d in ready.json()["dependencies"]}
        assert dependencies["lambda-runtime"]["status"] == "up"
        assert dependencies["lambda-runtime"]["kind"] == "localEngine"
