"""Every DynamoDB type, written and read back through GraphQL on the local engine."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.graphql import run
from tests.support.server import serve

PROJECT = Path(__file__).parent / "projects" / "dynamodb_types"

TYPED = {
    "s": {"S": "text"},
    "n_int": {"N": "42"},
    "n_float": {"N": "-1.5"},
    "n_json_number": {"N": 7},
    "b": {"B": "AAEC/w=="},
    "bool": {"BOOL": True},
    "null": {"NULL": True},
    "ss": {"SS": ["a", "b"]},
    "ns": {"NS": ["1", "2.5"]},
    "bs": {"BS": ["AAE=", "AgM="]},
    "l": {"L": [{"S": "x"}, {"N": "1"}, {"NULL": True}, {"L": [{"BOOL": False}]}]},
    "m": {"M": {"inner": {"M": {"deep": {"S": "y"}}}, "count": {"N": "3"}}},
}

PLAIN = {
    "s": "text",
    "n_int": 42,
    "n_float": -1.5,
    "n_json_number": 7,
    "b": "AAEC/w==",
    "bool": True,
    "null": None,
    "ss": ["a", "b"],
    "ns": [1, 2.5],
    "bs": ["AAE=", "AgM="],
    "l": ["x", 1, None, [False]],
    "m": {"inner": {"deep": "y"}, "count": 3},
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    with (
        serve(PROJECT, tmp_path_factory.mktemp("logs"), ["--in-memory"]) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        yield http


def sorted_sets(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB sets have no order."""
    return {k: sorted(v) if k in ("ss", "ns", "bs") else v for k, v in item.items()}


def test_every_type_round_trips(api: httpx.Client) -> None:
    put = run(
        api,
        'mutation($a: AWSJSON!) { putThing(id: "all", attributes: $a) }',
        a=json.dumps(TYPED),
    )
    assert "errors" not in put, put
    stored = json.loads(put["data"]["putThing"])
    assert sorted_sets(stored) == {"id": "all", **PLAIN}
    got = json.loads(run(api, '{ getThing(id: "all") }')["data"]["getThing"])
    assert sorted_sets(got) == {"id": "all", **PLAIN}


def test_a_missing_item_is_null(api: httpx.Client) -> None:
    assert run(api, '{ getThing(id: "nothing") }') == {"data": {"getThing": None}}


@pytest.mark.parametrize(
    ("attributes", "error_type"),
    [
        ({"two": {"S": "a", "N": "1"}}, "MappingTemplate"),
        ({"empty_set": {"SS": []}}, "DynamoDB:ValidationException"),
        ({"bad_number": {"N": "x"}}, "DynamoDB:ValidationException"),
    ],
)
def test_invalid_typed_values_are_errors(
    api: httpx.Client, attributes: dict[str, Any], error_type: str
) -> None:
    body = run(
        api,
        'mutation($a: AWSJSON!) { putThing(id: "bad", attributes: $a) }',
        a=json.dumps(attributes),
    )
    assert body["data"] == {"putThing": None}
    assert body["errors"][0]["errorType"] == error_type, body
