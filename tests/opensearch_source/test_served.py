"""An OpenSearch data source through a served API against the embedded engine: 2017-02-28
request and response templates index a document (PUT /note/_doc/id), get it, search it and
delete it; a cluster error and a malformed request document reach the client as AppSync's
errors (tests/projects/opensearch_source)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.graphql import run
from tests.support.server import RunningServer, serve

PROJECT = Path(__file__).parents[1] / "projects" / "opensearch_source"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with serve(PROJECT, tmp_path_factory.mktemp("logs"), ["--in-memory"], timeout=60) as running:
        yield running


@pytest.fixture(scope="module")
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as http:
        yield http


PUT = (
    "mutation($id: ID!, $title: String!, $tag: String) "
    "{ putNote(id: $id, title: $title, tag: $tag) { id title tag } }"
)
GET = "query($id: ID!) { getNote(id: $id) { id title tag } }"
SEARCH = "query($text: String!) { searchNotes(text: $text) { id title } }"


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert len(body["errors"]) == 1, body
    error: dict[str, Any] = body["errors"][0]
    return error


def test_index_get_search_and_delete_a_document(api: httpx.Client) -> None:
    for note_id, title, tag in [
        ("n1", "Rock night at the harbour", "music"),
        ("n2", "Jazz brunch", "music"),
        ("n 3/é", "Harbour clean-up", "outdoors"),
    ]:
        put = run(api, PUT, id=note_id, title=title, tag=tag)
        assert put == {"data": {"putNote": {"id": note_id, "title": title, "tag": tag}}}
    got = run(api, GET, id="n 3/é")
    assert got == {
        "data": {"getNote": {"id": "n 3/é", "title": "Harbour clean-up", "tag": "outdoors"}}
    }
    found = run(api, SEARCH, text="harbour")["data"]["searchNotes"]
    assert sorted(note["id"] for note in found) == ["n 3/é", "n1"]
    raw = json.loads(run(api, 'query { rawSearch(tag: "music") }')["data"]["rawSearch"])
    assert raw["hits"]["total"] == {"value": 2, "relation": "eq"}
    assert sorted(hit["_id"] for hit in raw["hits"]["hits"]) == ["n1", "n2"]
    assert run(api, 'mutation { deleteNote(id: "n2") }') == {"data": {"deleteNote": "n2"}}
    assert run(api, GET, id="n2") == {"data": {"getNote": None}}


def test_a_missing_document_is_an_error_whose_result_is_the_raw_answer(api: httpx.Client) -> None:
    # 2017-02-28: the data source's error reaches the client whatever the response template does
    error = only_error(run(api, 'mutation { deleteNote(id: "never-there") }'))
    assert error["errorType"] == "OpenSearch:UserNotFoundException"
    assert error["message"] == "OpenSearch responded with an error: Not Found"
    assert error["data"]["result"] == "not_found"  # $ctx.result, passed on by $util.error
    # 2018-05-29 (getNote): the response template sees `found: false` in $ctx.result and
    # answers null without an error
    assert run(api, GET, id="never-there") == {"data": {"getNote": None}}


def test_a_refused_search_through_the_legacy_type(api: httpx.Client) -> None:
    error = only_error(run(api, "query { badSearch { id } }"))
    assert error["errorType"] == "Elasticsearch:UserIllegalArgumentException"
    assert error["message"] == "Elasticsearch responded with an error: Bad Request"


def test_a_request_document_without_a_path_is_a_mapping_template_error(api: httpx.Client) -> None:
    error = only_error(run(api, "query { brokenTemplate { id } }"))
    assert error["errorType"] == "MappingTemplate"
    assert error["message"] == "Value for field '$[path]' not found."


def test_the_declared_index_was_created_with_its_mapping(api: httpx.Client) -> None:
    mapping = json.loads(run(api, "query { noteMapping }")["data"]["noteMapping"])
    properties = mapping["note"]["mappings"]["properties"]
    assert properties["tag"] == {"type": "keyword"}
    assert properties["title"] == {"type": "text"}
