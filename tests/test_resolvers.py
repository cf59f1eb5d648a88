"""Unit and pipeline resolvers over HTTP: stash, prev.result, #return, errors, versions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.graphql import run
from tests.support.server import RunningServer, serve

PROJECT = Path(__file__).parent / "projects" / "runtime_api"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with serve(PROJECT, tmp_path_factory.mktemp("logs")) as running:
        yield running


@pytest.fixture(scope="module")
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


def test_pipeline_chains_prev_result_and_shares_the_stash(api: httpx.Client) -> None:
    body = run(api, '{ pipeline(name: "Ada") { greeting steps sawFirstFunction } }')
    assert body == {
        "data": {
            "pipeline": {
                "greeting": "hello Ada",
                "steps": ["before", "first", "second"],
                "sawFirstFunction": True,
            }
        }
    }


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("before", "returned by the before template"),
        ("function", "returned by the function"),
        ("after", "returned by the after template"),
        ("none", "from the data source"),
    ],
)
def test_early_return_in_each_pipeline_stage(api: httpx.Client, mode: str, expected: str) -> None:
    body = run(api, "query($m: String) { early(mode: $m) }", m=mode)
    assert body == {"data": {"early": expected}}


def test_util_error_fails_the_field_with_filtered_data(api: httpx.Client) -> None:
    body = run(api, '{ echo(msg: "kept") failing { greeting } }')
    assert body["data"] == {"echo": "kept", "failing": None}
    (error,) = body["errors"]
    assert error == {
        "path": ["failing"],
        "data": {"greeting": "g"},
        "errorType": "Custom:Boom",
        "errorInfo": {"info": 1},
        "locations": [{"line": 1, "column": 21, "sourceName": None}],
        "message": "boom",
    }


def test_append_error_returns_data_and_errors(api: httpx.Client) -> None:
    body = run(api, "{ appended { greeting } }")
    assert body["data"] == {"appended": {"greeting": "still here"}}
    assert [(e["message"], e["errorType"], e["errorInfo"]) for e in body["errors"]] == [
        ("first problem", "Warning", None),
        ("second problem", "Warning", {"code": 7}),
    ]
    assert all(e["path"] == ["appended"] for e in body["errors"])
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 3, "sourceName": None}]


def test_unauthorized(api: httpx.Client) -> None:
    body = run(api, "{ unauthorized }")
    assert body["data"] == {"unauthorized": None}
    (error,) = body["errors"]
    assert error["errorType"] == "Unauthorized"
    assert error["message"] == "Not Authorized to access unauthorized on type Query"


def test_2017_null_result_skips_the_response_template(api: httpx.Client) -> None:
    assert run(api, "{ nullIn2017 }") == {"data": {"nullIn2017": None}}


def test_2018_null_result_still_runs_the_response_template(api: httpx.Client) -> None:
    body = run(api, "{ nullIn2018 }")
    assert body["data"] == {"nullIn2018": None}
    assert body["errors"][0]["message"] == "the response template ran"


def test_ctx_info_and_arguments(api: httpx.Client) -> None:
    query = """query Q($f: Filter, $l: Int) {
      info(filter: $f, limit: $l) { fieldName parentTypeName selectionSetList args variables }
    }"""
    body = run(api, query, f={"name": None, "tags": ["a"]}, l=3)
    info = body["data"]["info"]
    assert info["fieldName"] == "info"
    assert info["parentTypeName"] == "Query"
    assert info["selectionSetList"] == [
        "fieldName",
        "parentTypeName",
        "selectionSetList",
        "args",
        "variables",
    ]
    # Arguments keep the schema's declaration order, as graphql-java's map does.
    assert info["args"] == '{"limit":3,"filter":{"name":null,"tags":["a"]}}'
    assert info["variables"] == '{"f":{"name":null,"tags":["a"]},"l":3}'


def test_omitted_argument_is_absent_and_defaults_apply(api: httpx.Client) -> None:
    body = run(api, "{ info(filter: {nested: {}}) { args } }")
    assert body["data"]["info"]["args"] == '{"filter":{"nested":{"x":5}}}'


@pytest.mark.parametrize(
    ("field", "message"),
    [
        (
            "duplicateKeys",
            "Duplicate field 'a' detected on Object. Duplicate JSON keys are not allowed.",
        ),
        ("trailing", "Trailing characters at the end of the JSON string are not allowed."),
    ],
)
def test_template_output_must_be_json(api: httpx.Client, field: str, message: str) -> None:
    body = run(api, f"{{ {field} }}")
    assert body["data"] == {field: None}
    (error,) = body["errors"]
    assert error["errorType"] == "MappingTemplate"
    assert error["message"] == message


def test_runtime_template_errors_are_logged_with_file_line_and_column(
    api: httpx.Client, server: RunningServer
) -> None:
    body = run(api, "{ runtimeError }")
    assert body["data"] == {"runtimeError": None}
    (error,) = body["errors"]
    assert error["errorType"] == "MappingTemplate"
    assert "Query.runtimeError.request.vtl" not in error["message"]
    log = server.log()
    assert "Query.runtimeError.request.vtl:2:" in log
    assert (
        "["
        + api.post("/graphql", json={"query": "{ runtimeError }"}).headers["x-amzn-requestid"]
        + "]"
        in server.log()
    )


def test_request_headers_as_appsync_shows_them(api: httpx.Client) -> None:
    response = api.post(
        "/graphql",
        json={"query": "{ headers }"},
        headers=[("x-custom", "one"), ("X-Custom", "two"), ("cookie", "secret=1")],
    )
    headers = json.loads(response.json()["data"]["headers"])
    assert headers["x-custom"] == ["one", "two"]
    assert headers["content-type"] == "application/json"
    assert "cookie" not in headers
