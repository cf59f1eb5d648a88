"""One local Lambda runtime for every Lambda use, in a served API over HTTP.

The API's default mode is a Lambda authorizer, and its DynamoDB writes (on DynamoDB Local)
name a `Custom` conflict handler by a local function's ARN. Both functions run in the same
runtime's worker processes as Lambdas (`handler(event, context)`), next to a Lambda data
source's function: the authorizer decides each request, and the conflict handler decides
RETRY, REJECT or DISCARD for PutItem and UpdateItem conditions that failed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.definition.model import LambdaSettings
from app.functions.base import LocalFunctionConfig, local_arn
from app.functions.runtime import LocalFunctionRuntime
from app.service import functions_by_arn
from tests.support.projects import write_project
from tests.support.server import RunningServer, serve

HANDLER_ARN = local_arn("resolve-conflict")
TOKEN = "allow-tester"

SCHEMA = """\
type Note {
  id: ID!
  text: String
  version: Int
  resolvedBy: String
}
type Query {
  note(id: ID!): Note
  hello: String
}
type Mutation {
  putNote(id: ID!, text: String!, decision: String): Note
  bump(id: ID!, expected: Int!, decision: String): Note
}
"""

SETTINGS = """\
name: SharedRuntimeApi
authentication:
  default:
    type: AWS_LAMBDA
    function: auth/authorizer.py:handler
    authorizerResultTtlInSeconds: 0
dataSources:
  - name: Notes
    type: AMAZON_DYNAMODB
    config:
      tableName: Notes
      table:
        hashKey: {name: id, type: S}
  - name: Resolve
    type: AWS_LAMBDA
    config:
      handler: functions/resolve.py:handler
      functionName: resolve-conflict
"""

AUTHORIZER = """\
import os


def handler(event, context):
    token = event["authorizationToken"]
    if not token.startswith("allow-"):
        return {"isAuthorized": False}
    return {
        "isAuthorized": True,
        "resolverContext": {"who": token[len("allow-"):], "fn": context.function_name},
    }
"""

# The conflict handler: AppSync's payload in, a decision out. `decision` comes from the
# mutation's arguments, so each request picks what the handler answers.
RESOLVE = """\
def handler(event, context):
    decision = event["arguments"].get("decision")
    current = event["currentValue"]
    who = event["identity"]["resolverContext"]["who"]
    by = f"{context.function_name}:{event['resolver']['field']}:{who}"
    if decision == "raise":
        raise ValueError("cannot decide")
    if decision in ("reject", "discard"):
        return {"action": decision}
    if event["requestMapping"]["operation"] == "PutItem":
        values = dict(event["requestMapping"]["attributeValues"])
        values["resolvedBy"] = {"S": by}
        return {
            "action": "retry",
            "retryMapping": {
                "attributeValues": values,
                "condition": {"expression": "attribute_exists(id)"},
            },
        }
    return {
        "action": "retry",
        "retryMapping": {
            "update": {
                "expression": "SET version = version + :one, resolvedBy = :by",
                "expressionValues": {":one": {"N": "1"}, ":by": {"S": by}},
            },
            "condition": {
                "expression": "version = :seen",
                "expressionValues": {":seen": {"N": str(current["version"])}},
            },
        },
    }
"""

PUT_NOTE = f"""\
{{
  "version": "2018-05-29",
  "operation": "PutItem",
  "key": {{"id": $util.dynamodb.toDynamoDBJson($ctx.args.id)}},
  "attributeValues": {{
    "text": $util.dynamodb.toDynamoDBJson($ctx.args.text),
    "version": {{"N": "1"}}
  }},
  "condition": {{
    "expression": "attribute_not_exists(id)",
    "conditionalCheckFailedHandler": {{"strategy": "Custom", "lambdaArn": "{HANDLER_ARN}"}}
  }}
}}
"""

BUMP = f"""\
{{
  "version": "2018-05-29",
  "operation": "UpdateItem",
  "key": {{"id": $util.dynamodb.toDynamoDBJson($ctx.args.id)}},
  "update": {{
    "expression": "SET version = version + :one",
    "expressionValues": {{":one": {{"N": "1"}}}}
  }},
  "condition": {{
    "expression": "version = :expected",
    "expressionValues": {{":expected": $util.dynamodb.toDynamoDBJson($ctx.args.expected)}},
    "conditionalCheckFailedHandler": {{"strategy": "Custom", "lambdaArn": "{HANDLER_ARN}"}}
  }}
}}
"""

GET_NOTE = """\
{"version": "2018-05-29", "operation": "GetItem",
 "key": {"id": $util.dynamodb.toDynamoDBJson($ctx.args.id)}}
"""

RESULT = (
    "#if($ctx.error)$util.error($ctx.error.message, $ctx.error.type)#end$util.toJson($ctx.result)"
)


def files() -> dict[str, str]:
    project = {
        "schema.graphql": SCHEMA,
        "strawsync.yaml": SETTINGS,
        "auth/authorizer.py": AUTHORIZER,
        "functions/resolve.py": RESOLVE,
        "resolvers/Query.hello.yaml": "dataSource: Resolve\n",
        "mapping_templates/Query.hello.request.vtl": (
            '{"version": "2018-05-29", "operation": "Invoke", "payload": '
            '{"arguments": {"decision": "reject"}, "currentValue": null, '
            '"resolver": {"field": "hello"}, "identity": $util.toJson($ctx.identity)}}'
        ),
        "mapping_templates/Query.hello.response.vtl": "$util.toJson($ctx.result.action)",
    }
    for type_name, field, request in (
        ("Mutation", "putNote", PUT_NOTE),
        ("Mutation", "bump", BUMP),
        ("Query", "note", GET_NOTE),
    ):
        project[f"resolvers/{type_name}.{field}.yaml"] = "dataSource: Notes\n"
        project[f"mapping_templates/{type_name}.{field}.request.vtl"] = request
        project[f"mapping_templates/{type_name}.{field}.response.vtl"] = RESULT
    return project


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    project = write_project(tmp_path_factory.mktemp("shared"), files())
    logs = tmp_path_factory.mktemp("shared-logs")
    with serve(project, logs, extra_args=["--in-memory"], timeout=90.0) as running:
        yield running


def graphql(
    server: RunningServer, query: str, token: str = TOKEN, **variables: Any
) -> dict[str, Any]:
    response = httpx.post(
        server.graphql_url,
        json={"query": query, "variables": variables},
        headers={"Authorization": token},
        timeout=30.0,
    )
    body: dict[str, Any] = response.json()
    return body


PUT = """mutation($id: ID!, $text: String!, $decision: String) {
  putNote(id: $id, text: $text, decision: $decision) { id text version resolvedBy }
}"""
BUMP_MUTATION = """mutation($id: ID!, $expected: Int!, $decision: String) {
  bump(id: $id, expected: $expected, decision: $decision) { id text version resolvedBy }
}"""
NOTE = "query($id: ID!) { note(id: $id) { id text version resolvedBy } }"


def new_id() -> str:
    return f"note-{uuid.uuid4().hex[:10]}"


def error_types(body: dict[str, Any]) -> list[str]:
    return [error.get("errorType") for error in body.get("errors", [])]


def test_the_authorizer_runs_as_a_lambda_and_decides(server: RunningServer) -> None:
    allowed = graphql(server, "{ hello }")
    refused = httpx.post(
        server.graphql_url,
        json={"query": "{ hello }"},
        headers={"Authorization": "deny-me"},
        timeout=30.0,
    )

    assert allowed == {"data": {"hello": "reject"}}
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["errorType"] == "UnauthorizedException"
    assert "[SharedRuntimeApi-authorizer] START RequestId:" in server.log()


def test_a_put_item_conflict_retried_by_the_handler(server: RunningServer) -> None:
    note = new_id()
    first = graphql(server, PUT, id=note, text="first")
    assert first == {
        "data": {"putNote": {"id": note, "text": "first", "version": 1, "resolvedBy": None}}
    }

    second = graphql(server, PUT, id=note, text="second")

    assert second == {
        "data": {
            "putNote": {
                "id": note,
                "text": "second",
                "version": 1,
                "resolvedBy": "resolve-conflict:putNote:tester",
            }
        }
    }
    assert "[resolve-conflict] START RequestId:" in server.log()


def test_a_put_item_conflict_rejected_by_the_handler(server: RunningServer) -> None:
    note = new_id()
    graphql(server, PUT, id=note, text="kept")

    rejected = graphql(server, PUT, id=note, text="lost", decision="reject")
    stored = graphql(server, NOTE, id=note)

    assert rejected["data"] == {"putNote": None}
    assert error_types(rejected) == ["DynamoDB:ConditionalCheckFailedException"]
    assert stored["data"]["note"]["text"] == "kept"


def test_an_update_item_conflict_retried_and_rejected(server: RunningServer) -> None:
    note = new_id()
    graphql(server, PUT, id=note, text="counted")
    assert graphql(server, BUMP_MUTATION, id=note, expected=1)["data"]["bump"]["version"] == 2

    retried = graphql(server, BUMP_MUTATION, id=note, expected=1)  # stale: the handler retries
    rejected = graphql(server, BUMP_MUTATION, id=note, expected=1, decision="reject")
    discarded = graphql(server, BUMP_MUTATION, id=note, expected=1, decision="discard")

    assert retried["data"]["bump"] == {
        "id": note,
        "text": "counted",
        "version": 3,
        "resolvedBy": "resolve-conflict:bump:tester",
    }
    assert error_types(rejected) == ["DynamoDB:ConditionalCheckFailedException"]
    assert discarded["data"]["bump"]["version"] == 3  # the current value, unchanged
    assert graphql(server, NOTE, id=note)["data"]["note"]["version"] == 3


def test_a_raising_handler_fails_the_write(server: RunningServer) -> None:
    note = new_id()
    graphql(server, PUT, id=note, text="kept")

    failed = graphql(server, PUT, id=note, text="lost", decision="raise")

    assert failed["data"] == {"putNote": None}
    assert error_types(failed) == ["DynamoDB:ConflictHandlerError"]
    assert "ValueError: cannot decide" in failed["errors"][0]["message"]
    assert graphql(server, NOTE, id=note)["data"]["note"]["text"] == "kept"


def test_a_lambda_arn_names_a_local_function_by_its_local_arn(tmp_path: Path) -> None:
    """The lookup the service gives DynamoDB data sources: a local function answers to its
    `local_arn`; any other ARN names nothing (the write fails, naming the ARN)."""
    runtime = LocalFunctionRuntime([], LambdaSettings())
    runtime.add(LocalFunctionConfig("resolve-conflict", "resolve.handler", "python3.11", tmp_path))
    find = functions_by_arn(runtime, {})

    found = find(HANDLER_ARN)
    assert found is not None and found.name == "resolve-conflict"
    assert find(local_arn("other")) is None
    assert find("arn:aws:lambda:eu-west-1:123456789012:function:resolve-conflict") is None
