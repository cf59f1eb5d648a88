"""AppSync's OpenSearch request document: what is accepted, and each mistake's message."""

from __future__ import annotations

from typing import Any

import pytest

from app.datasources.base import InvalidRequestError
from app.datasources.opensearch.requests import Operation, parse_request


def doc(**fields: Any) -> dict[str, Any]:
    return {"version": "2017-02-28", "operation": "GET", "path": "/post/_search", **fields}


def test_the_reference_search_document() -> None:
    request = parse_request(
        doc(
            params={
                "headers": {"Content-Type": "application/json; charset=utf-8", "X-Opaque-Id": "r1"},
                "queryString": {"pretty": "true", "size": 5, "explain": False},
                "body": {"from": 0, "size": 50, "query": {"match": {"author": "Nadia"}}},
            }
        )
    )
    assert request.operation is Operation.GET
    assert request.path == "/post/_search"
    assert request.headers == {"X-Opaque-Id": "r1"}
    assert request.query == {"pretty": "true", "size": "5", "explain": "false"}
    assert request.body == {"from": 0, "size": 50, "query": {"match": {"author": "Nadia"}}}


@pytest.mark.parametrize("operation", ["GET", "POST", "PUT", "HEAD", "DELETE"])
def test_every_operation_without_params(operation: str) -> None:
    request = parse_request(doc(operation=operation, version="2018-05-29"))
    assert (request.operation.value, request.body, dict(request.query)) == (operation, None, {})


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "Unable to convert request template to Object."),
        ({"operation": "GET", "path": "/"}, "Value for field '$[version]' not found."),
        (doc(version="2020-01-01"), "Unsupported version '2020-01-01'."),
        ({"version": "2017-02-28", "path": "/"}, "Value for field '$[operation]' not found."),
        (
            doc(operation="PATCH"),
            "Unsupported operation 'PATCH'; expected one of GET, POST, PUT, HEAD, DELETE.",
        ),
        (
            doc(operation="get"),
            "Unsupported operation 'get'; expected one of GET, POST, PUT, HEAD, DELETE.",
        ),
        ({"version": "2017-02-28", "operation": "GET"}, "Value for field '$[path]' not found."),
        (doc(path=["/x"]), "Expected a string for field '$[path]'."),
        (doc(path="post/_search"), "Invalid path 'post/_search': the path must start with '/'."),
        (doc(query={}), "Unknown field(s) '$[query]' in the OpenSearch request."),
        (doc(params="x"), "Expected an object for field '$[params]'."),
        (doc(params={"json": {}}), "Unknown field(s) '$[params][json]' in the OpenSearch request."),
        (doc(params={"headers": []}), "Expected an object for field '$[params][headers]'."),
        (
            doc(params={"headers": {"X-N": 1}}),
            "Expected a string for field '$[params][headers][X-N]'.",
        ),
        (
            doc(params={"headers": {"Content-Type": "application/x-ndjson"}}),
            "Unsupported Content-Type 'application/x-ndjson': only application/json is allowed.",
        ),
        (
            doc(params={"headers": {"Authorization": "Basic x"}}),
            "Header 'Authorization' in '$[params][headers]' "
            "is set by the data source and cannot be given.",
        ),
        (
            doc(params={"headers": {"X-Amz-Date": "x"}}),
            "Header 'X-Amz-Date' in '$[params][headers]' "
            "is set by the data source and cannot be given.",
        ),
        (
            doc(params={"headers": {"X-A": "a\r\nB: c"}}),
            "Invalid header 'X-A' in '$[params][headers]'.",
        ),
        (
            doc(params={"queryString": "pretty"}),
            "Expected an object for field '$[params][queryString]'.",
        ),
        (
            doc(params={"queryString": {"q": ["a"]}}),
            "Expected a string for field '$[params][queryString][q]'.",
        ),
    ],
)
def test_malformed_documents(document: Any, message: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        parse_request(document)
    assert caught.value.message == message
