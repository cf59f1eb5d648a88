"""AWS_LAMBDA data sources in a served API, over HTTP: a function ARN answered by the loopback
Invoke API fake (SigV4 checked), and a local Python function run by the local runtime's
worker processes. VTL templates see `$ctx.result` and `$ctx.error` as AppSync's do."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.lambda_fake import (
    ACCESS_KEY,
    ARN,
    SECRET_KEY,
    Call,
    FakeLambda,
    function_error,
    throttled,
)
from tests.support.projects import write_project
from tests.support.server import RunningServer, serve

SCHEMA = """\
type Query {
  remote(msg: String): String
  fire(msg: String): String
  items: [Item]
  local(msg: String): String
  localFail: String
  disabled(msg: String): String
}
type Item {
  id: ID
  label: String
  localLabel: String
}
"""

INVOKE = (
    '{"version": "2018-05-29", "operation": "Invoke", '
    '"payload": {"msg": $util.toJson($ctx.args.msg)}}'
)
RAISE_OR_RESULT = (
    "#if($ctx.error)$util.error($ctx.error.message, $ctx.error.type)#end$util.toJson($ctx.result)"
)
BATCH = (
    '{"version": "2018-05-29", "operation": "BatchInvoke", '
    '"payload": {"id": $util.toJson($ctx.source.id)}}'
)

FUNCTION = """\
def handler(event, context):
    if isinstance(event, list):
        return [None if item["id"] == "2" else "L" + item["id"] for item in event]
    if event.get("fail"):
        raise ValueError("nope")
    return event["msg"].upper() + " from " + context.function_name
"""


def settings(endpoint: str) -> str:
    return f"""\
name: LambdaSourceApi
dataSources:
  - name: Items
    type: NONE
  - name: Remote
    type: AWS_LAMBDA
    config:
      lambdaFunctionArn: {ARN}
      endpoint: {endpoint}
  - name: Local
    type: AWS_LAMBDA
    config:
      handler: functions/echo.py:handler
      functionName: echo-fn
  - name: Disabled
    type: AWS_LAMBDA
    config:
      handler: functions/echo.py:handler
      functionName: disabled-fn
      reservedConcurrency: 0
"""


def files(endpoint: str) -> dict[str, str]:
    unit = {
        "remote": ("Remote", INVOKE),
        "fire": (
            "Remote",
            '{"version": "2018-05-29", "operation": "Invoke", "invocationType": "Event", '
            '"payload": {"msg": $util.toJson($ctx.args.msg)}}',
        ),
        "local": ("Local", INVOKE),
        "localFail": (
            "Local",
            '{"version": "2018-05-29", "operation": "Invoke", "payload": {"fail": true}}',
        ),
        "disabled": ("Disabled", INVOKE),
    }
    project: dict[str, str] = {
        "schema.graphql": SCHEMA,
        "strawsync.yaml": settings(endpoint),
        "functions/echo.py": FUNCTION,
        "resolvers/Query.items.yaml": "dataSource: Items\n",
        "mapping_templates/Query.items.request.vtl": (
            '{"version": "2018-05-29", "payload": [{"id": "1"}, {"id": "2"}, {"id": "3"}]}'
        ),
        "mapping_templates/Query.items.response.vtl": "$util.toJson($ctx.result)",
    }
    for field, (source, request) in unit.items():
        project[f"resolvers/Query.{field}.yaml"] = f"dataSource: {source}\n"
        project[f"mapping_templates/Query.{field}.request.vtl"] = request
        project[f"mapping_templates/Query.{field}.response.vtl"] = RAISE_OR_RESULT
    for field, source in (("label", "Remote"), ("localLabel", "Local")):
        project[f"resolvers/Item.{field}.yaml"] = f"dataSource: {source}\nmaxBatchSize: 10\n"
        project[f"mapping_templates/Item.{field}.request.vtl"] = BATCH
        project[f"mapping_templates/Item.{field}.response.vtl"] = RAISE_OR_RESULT
    return project


def answer(call: Call) -> Any:
    if isinstance(call.event, list):
        return [f"label-{item['id']}" for item in call.event]
    return call.event["msg"]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeLambda]:
    with FakeLambda.in_thread() as server:
        server.handler = answer
        yield server


@pytest.fixture(scope="module")
def server(fake: FakeLambda, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    project = write_project(tmp_path_factory.mktemp("api"), files(fake.url))
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        env.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
        env.delenv("AWS_SESSION_TOKEN", raising=False)
        env.delenv("AWS_PROFILE", raising=False)
        with serve(project, tmp_path_factory.mktemp("logs"), timeout=60.0) as running:
            yield running


def query(server: RunningServer, document: str) -> dict[str, Any]:
    response = httpx.post(server.graphql_url, json={"query": document}, timeout=30.0)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_remote_function_answers_a_field(server: RunningServer, fake: FakeLambda) -> None:
    before = len(fake.calls)
    assert query(server, '{ remote(msg: "hi") }') == {"data": {"remote": "hi"}}
    call = fake.calls[before]
    assert call.signed and call.event == {"msg": "hi"} and call.function == ARN


def test_a_remote_batch_is_one_call(server: RunningServer, fake: FakeLambda) -> None:
    before = len(fake.calls)
    body = query(server, "{ items { id label } }")
    labels = [item["label"] for item in body["data"]["items"]]
    assert labels == ["label-1", "label-2", "label-3"]
    assert [call.event for call in fake.calls[before:]] == [[{"id": "1"}, {"id": "2"}, {"id": "3"}]]


def test_an_event_invocation_gives_null(server: RunningServer, fake: FakeLambda) -> None:
    before = len(fake.calls)
    assert query(server, '{ fire(msg: "later") }') == {"data": {"fire": None}}
    assert fake.calls[before].invocation_type == "Event"


def test_remote_errors_reach_the_template_as_appsync_types(
    server: RunningServer, fake: FakeLambda
) -> None:
    fake.script.append(function_error("Parameter cannot be empty", "ValidationError"))
    (error,) = query(server, '{ remote(msg: "x") }')["errors"]
    assert (error["errorType"], error["message"]) == (
        "Lambda:Unhandled",
        "Parameter cannot be empty",
    )
    fake.script.extend([throttled(), throttled(), throttled()])
    (error,) = query(server, '{ remote(msg: "x") }')["errors"]
    assert (error["errorType"], error["message"]) == (
        "Lambda:TooManyRequestsException",
        "Rate Exceeded.",
    )


def test_a_local_function_answers_a_field(server: RunningServer) -> None:
    assert query(server, '{ local(msg: "hi") }') == {"data": {"local": "HI from echo-fn"}}


def test_a_local_batch_keeps_order_and_nulls(server: RunningServer) -> None:
    body = query(server, "{ items { id localLabel } }")
    assert [item["localLabel"] for item in body["data"]["items"]] == ["L1", None, "L3"]


def test_a_local_error_is_lambda_unhandled(server: RunningServer) -> None:
    (error,) = query(server, "{ localFail }")["errors"]
    assert (error["errorType"], error["message"]) == ("Lambda:Unhandled", "nope")


def test_a_reservation_of_zero_throttles_every_call(server: RunningServer) -> None:
    (error,) = query(server, '{ disabled(msg: "x") }')["errors"]
    assert error["errorType"] == "Lambda:TooManyRequestsException"
