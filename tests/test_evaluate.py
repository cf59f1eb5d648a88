"""EvaluateMappingTemplate, three ways: `strawsync eval-template`, the HTTP endpoint, and the
sample API's own templates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.templates.evaluate import evaluate_template
from app.templates.json_output import parse_template_output
from tests.support.projects import open_sample, write_project
from tests.support.server import REPO, serve
from tests.test_validate import run_cli

SAMPLE_CONTEXT: dict[str, Any] = {
    "arguments": {
        "id": "e1",
        "eventId": "e1",
        "name": "Launch",
        "when": "today",
        "where": "here",
        "description": "d",
        "content": "nice",
        "createdAt": "2026-01-01T00:00:00Z",
        "msg": "hi",
        "limit": 5,
        "ids": ["e1", "e2"],
        "expectedVersion": 1,
    },
    "source": {"id": "e1"},
    "result": {"id": "e1", "items": [{"id": "e1"}], "nextToken": None, "data": {}},
    "stash": {"event": {"id": "e1"}},
    "prev": {"result": [{"eventId": "e1", "commentId": "c1"}]},
}


def test_cli_prints_the_evaluated_template(tmp_path: Path) -> None:
    context = tmp_path / "context.json"
    context.write_text(json.dumps({"arguments": {"msg": "hi"}}))
    result = run_cli(
        "eval-template", "mapping_templates/Query.echo.request.vtl", "--context", str(context)
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"version": "2018-05-29", "payload": "hi"}


def test_cli_reports_template_errors_with_exit_1(tmp_path: Path) -> None:
    template = tmp_path / "t.vtl"
    template.write_text('$util.log.info("about to fail")\n$util.error("nope", "Custom")')
    result = run_cli("eval-template", str(template), "--json")
    assert result.returncode == 1
    answer = json.loads(result.stdout)
    assert answer["error"]["message"] == "nope"
    assert answer["error"]["errorType"] == "Custom"
    assert answer["logs"] == ["about to fail"]


def test_cli_refuses_a_malformed_context(tmp_path: Path) -> None:
    context = tmp_path / "context.json"
    context.write_text("[1, 2]")
    result = run_cli(
        "eval-template", "mapping_templates/Query.echo.request.vtl", "--context", str(context)
    )
    assert result.returncode == 2
    assert "context" in result.stderr.lower()


@pytest.mark.parametrize(
    "template", sorted((REPO / "mapping_templates").rglob("*.vtl")), ids=lambda p: p.name
)
def test_every_sample_template_renders_to_json(template: Path) -> None:
    kind = "response" if template.name.endswith(".response.vtl") else "request"
    evaluation = evaluate_template(template.read_text(), SAMPLE_CONTEXT, template_kind=kind)
    assert evaluation.error is None
    assert evaluation.evaluated is not None
    value = parse_template_output(evaluation.evaluated, template.name)
    if kind == "request" and value:  # a pipeline's Before template may render `{}`
        assert value["version"] in ("2017-02-28", "2018-05-29")


def test_create_event_request_is_appsyncs_putitem() -> None:
    source = (REPO / "mapping_templates" / "Mutation.createEvent.request.vtl").read_text()
    evaluation = evaluate_template(source, SAMPLE_CONTEXT)
    assert evaluation.evaluated is not None
    request = json.loads(evaluation.evaluated)
    assert request["operation"] == "PutItem"
    assert set(request["key"]["id"]) == {"S"}
    assert request["attributeValues"]["name"] == {"S": "Launch"}


@pytest.fixture(scope="module")
def evaluating_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    root = tmp_path_factory.mktemp("api")
    project = open_sample(root)
    settings = (project / "strawsync.yaml").read_text() + "evaluateEndpoint: true\n"
    write_project(project, {"strawsync.yaml": settings})
    with (
        serve(project, tmp_path_factory.mktemp("logs")) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        yield http


def test_endpoint_evaluates_like_appsync(evaluating_server: httpx.Client) -> None:
    response = evaluating_server.post(
        "/_strawsync/evaluate",
        json={
            "template": '#set($x = $ctx.args.n * 2)\n{"doubled": $x}',
            "context": json.dumps({"arguments": {"n": 21}}),
        },
    )
    assert response.status_code == 200
    assert response.json() == {
        "evaluationResult": '{"doubled": 42}',
        "error": None,
        "logs": [],
        "appendedErrors": [],
    }


def test_endpoint_reports_returns_and_errors(evaluating_server: httpx.Client) -> None:
    returned = evaluating_server.post(
        "/_strawsync/evaluate", json={"template": '#return({"a": [1, 2]})', "context": {}}
    ).json()
    assert returned["evaluationResult"] == '{"a":[1,2]}'
    failed = evaluating_server.post(
        "/_strawsync/evaluate",
        json={"template": "#foreach($i in [1..2000])$i#end", "context": {}},
    ).json()
    assert failed["evaluationResult"] is None
    assert failed["error"]["errorType"] == "MappingTemplate"


@pytest.mark.parametrize(
    "body",
    [b"nope", b"{}", b'{"template": 1}', b'{"template": "x", "context": "{bad"}'],
)
def test_endpoint_rejects_malformed_requests(evaluating_server: httpx.Client, body: bytes) -> None:
    response = evaluating_server.post(
        "/_strawsync/evaluate", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["errorType"] == "MalformedHttpRequestException"


def test_endpoint_is_off_unless_enabled(client: httpx.Client) -> None:
    response = client.post("/_strawsync/evaluate", json={"template": "{}"})
    assert response.status_code == 404
