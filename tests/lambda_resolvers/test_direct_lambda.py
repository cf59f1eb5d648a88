"""Direct Lambda resolvers over HTTP, with real worker processes (Python and Node.js): the
event and context a function sees, one BatchInvoke per batch, and each kind of error through
a direct resolver and through templates (tests/projects/direct_lambda)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.graphql import run
from tests.support.server import RunningServer, serve

PROJECT = Path(__file__).parents[1] / "projects" / "direct_lambda"
LOCAL_ARN_PREFIX = "arn:aws:lambda:us-east-1:000000000000:function:"
EVENT_KEYS = ["arguments", "identity", "info", "prev", "request", "source", "stash"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with serve(PROJECT, tmp_path_factory.mktemp("logs"), timeout=60) as running:
        yield running


@pytest.fixture(scope="module")
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30, headers={"x-test": "direct"}) as http:
        yield http


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    (error,) = body["errors"]
    return {key: error[key] for key in ("path", "errorType", "message")}


@pytest.mark.parametrize(("field", "function"), [("echo", "Python"), ("nodeEcho", "Node")])
def test_the_event_is_the_context_object_and_the_context_is_lambdas(
    api: httpx.Client, field: str, function: str
) -> None:
    query = f"query($t: String) {{ {field}(text: $t) }}"
    body = run(api, query, t="hello")
    seen = json.loads(body["data"][field])
    event, context = seen["event"], seen["context"]
    assert sorted(event) == EVENT_KEYS
    assert event["arguments"] == {"text": "hello"}
    assert event["source"] is None and event["prev"] is None and event["stash"] == {}
    assert event["identity"] is None  # the project has no authentication
    assert event["info"] == {
        "fieldName": field,
        "parentTypeName": "Query",
        "variables": {"t": "hello"},
        "selectionSetList": [],
        "selectionSetGraphQL": "",
    }
    assert event["request"]["headers"]["x-test"] == "direct"
    assert "domainName" in event["request"]
    assert context["functionName"] == function
    assert context["invokedFunctionArn"] == f"{LOCAL_ARN_PREFIX}{function}"
    assert str(context["memoryLimitInMB"]) == "128"
    assert len(context["awsRequestId"]) == 36
    assert 0 < context["remainingTimeInMillis"] <= 3000


def test_a_direct_pipeline_function_gets_prev_and_stash(api: httpx.Client) -> None:
    body = run(api, '{ greet(name: "Ada") }')
    assert json.loads(body["data"]["greet"]) == {
        "prev": {"result": "stashed"},
        "stash": {"name": "Ada"},
    }


def labels(body: dict[str, Any], field: str) -> list[list[str] | None]:
    """Each item's `id|batch size|request id`, split (None where the item failed)."""
    return [
        item[field].split("|") if item[field] is not None else None
        for item in body["data"]["items"]
    ]


@pytest.mark.parametrize(("field", "batch"), [("label", 3), ("nodeLabel", 4)])
def test_batch_invoke_is_one_invocation_per_batch_in_order(
    api: httpx.Client, field: str, batch: int
) -> None:
    count = 2 * batch + 1
    body = run(api, f"query($n: Int!) {{ items(count: $n) {{ id {field} }} }}", n=count)
    assert "errors" not in body, body
    seen = labels(body, field)
    assert [label[0] for label in seen if label] == [str(n) for n in range(1, count + 1)]
    request_ids = [label[2] for label in seen if label]
    # Items of one batch share one invocation (one request id), and that invocation saw them all.
    sizes = [request_ids.count(request_id) for request_id in dict.fromkeys(request_ids)]
    assert sizes == [batch, batch, 1]
    assert [int(label[1]) for label in seen if label] == [batch] * (2 * batch) + [1]


@pytest.mark.parametrize(
    ("field", "error_type", "message", "data"),
    [
        ("label", "BadItem", "bad item", "partial"),
        ("nodeLabel", "BadNodeItem", "bad node item", None),
    ],
)
def test_a_batch_item_error_fails_that_item_alone(
    api: httpx.Client, field: str, error_type: str, message: str, data: Any
) -> None:
    body = run(api, f'{{ items(count: 2, extra: ["bad"]) {{ id {field} }} }}')
    assert [item["id"] for item in body["data"]["items"]] == ["1", "2", "bad"]
    assert body["data"]["items"][2][field] is None
    assert [label[0] for label in labels(body, field) if label] == ["1", "2"]
    (error,) = body["errors"]
    assert error["path"] == ["items", 2, field]
    assert (error["errorType"], error["message"], error["data"]) == (error_type, message, data)


def test_a_thrown_error_fails_its_whole_batch(api: httpx.Client) -> None:
    # Batches of 3: [1, 2, 3], [4, boom, 5]; the first is answered, the second fails whole.
    body = run(api, '{ items(count: 4, extra: ["boom", "5"]) { id label } }')
    assert [label[0] if label else None for label in labels(body, "label")] == [
        "1",
        "2",
        "3",
        None,
        None,
        None,
    ]
    assert [error["path"] for error in body["errors"]] == [
        ["items", 3, "label"],
        ["items", 4, "label"],
        ["items", 5, "label"],
    ]
    assert {(error["errorType"], error["message"]) for error in body["errors"]} == {
        ("RuntimeError", "boom in a batch of 3")
    }


@pytest.mark.parametrize(
    ("field", "error_type", "message"),
    [
        ("fail", "EventNotFound", "no such event"),
        ("nodeFail", "EventNotFound", "no such event"),
        ("nodeFail", "Error", "a plain Error"),
        ("fail", "UnauthorizedException", "You are not authorized to make this call."),
        ("nodeFail", "UnauthorizedException", "You are not authorized to make this call."),
    ],
)
def test_a_direct_error_is_the_exception_type_and_message(
    api: httpx.Client, field: str, error_type: str, message: str
) -> None:
    raised = "the function's own words" if error_type == "UnauthorizedException" else message
    body = run(
        api,
        f"query($t: String!, $m: String!) {{ {field}(errorType: $t, message: $m) }}",
        t=error_type,
        m=raised,
    )
    assert body["data"] == {field: None}
    assert only_error(body) == {"path": [field], "errorType": error_type, "message": message}


def test_a_direct_timeout_is_lambdas_timeout_error(api: httpx.Client) -> None:
    body = run(api, "{ slow(seconds: 3) }")
    assert body["data"] == {"slow": None}
    error = only_error(body)
    assert error["errorType"] == "Sandbox.Timedout"
    assert error["message"].endswith("Task timed out after 1.00 seconds")
    # The worker was replaced: the next call is answered.
    assert run(api, "{ slow(seconds: 0) }") == {"data": {"slow": "woke up"}}


@pytest.mark.parametrize("field", ["vtlFail", "vtlImpliedFail"])
@pytest.mark.parametrize("raised", ["EventNotFound", "UnauthorizedException"])
def test_through_a_request_template_the_error_is_lambda_unhandled(
    api: httpx.Client, field: str, raised: str
) -> None:
    body = run(
        api,
        f'query($t: String!) {{ {field}(errorType: $t, message: "said the function") }}',
        t=raised,
    )
    assert body["data"] == {field: None}
    assert only_error(body) == {
        "path": [field],
        "errorType": "Lambda:Unhandled",
        "message": "said the function",
    }
