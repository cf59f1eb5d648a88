"""The built-in indexer: a table's stream into the embedded search engine's index.

Through a served API (tests/projects/streams_search): mutations write a table with a
composite key, queries search the `notes` index through the OpenSearch data source. What a
mutation writes appears in the index as plain JSON under Amplify @searchable's document id
(key values by attribute name, joined with `|`), changes with it, and vanishes when the item
is deleted.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.server import RunningServer, serve

PROJECT = Path(__file__).resolve().parents[1] / "projects" / "streams_search"
WAIT_SECONDS = 30.0

PUT = """mutation($owner: ID!, $at: Int!, $text: String, $tags: [String!], $size: Float) {
  put(owner: $owner, at: $at, text: $text, tags: $tags, size: $size) { owner }
}"""
REMOVE = "mutation($owner: ID!, $at: Int!) { remove(owner: $owner, at: $at) { owner } }"
FIND = "query($text: String!) { find(text: $text) }"
BY_ID = "query($id: String!) { byId(id: $id) }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    project = tmp_path_factory.mktemp("search") / "api"
    shutil.copytree(PROJECT, project)
    with serve(project, tmp_path_factory.mktemp("logs"), ["--in-memory"], timeout=120.0) as up:
        yield up


def graphql(server: RunningServer, query: str, **variables: Any) -> Any:
    answer = httpx.post(server.graphql_url, json={"query": query, "variables": variables})
    body = answer.json()
    assert "errors" not in body, body
    data = next(iter(body["data"].values()))
    return json.loads(data) if isinstance(data, str) else data


def wait_for(check: Callable[[], bool], what: str, server: RunningServer) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}\n{server.log()[-4000:]}")


def test_created_updated_and_deleted_items_follow_in_the_index(server: RunningServer) -> None:
    graphql(server, PUT, owner="alice", at=5, text="hello streams", tags=["b", "a"], size=1.5)
    wait_for(lambda: len(graphql(server, BY_ID, id="5|alice")) == 1, "the new document", server)
    (hit,) = graphql(server, BY_ID, id="5|alice")
    assert hit["_id"] == "5|alice"
    source = hit["_source"]
    assert {k: source[k] for k in ("owner", "at", "text", "size")} == {
        "owner": "alice",
        "at": 5,
        "text": "hello streams",
        "size": 1.5,
    }
    assert sorted(source["tags"]) == ["a", "b"]

    graphql(server, PUT, owner="alice", at=5, text="goodbye streams")
    wait_for(lambda: len(graphql(server, FIND, text="goodbye")) == 1, "the update", server)
    assert graphql(server, FIND, text="hello") == []
    (hit,) = graphql(server, BY_ID, id="5|alice")
    assert hit["_source"] == {"owner": "alice", "at": 5, "text": "goodbye streams"}

    graphql(server, REMOVE, owner="alice", at=5)
    wait_for(lambda: graphql(server, BY_ID, id="5|alice") == [], "the deletion", server)
    assert graphql(server, FIND, text="streams") == []


def test_every_item_of_a_burst_is_indexed_once_under_its_own_id(server: RunningServer) -> None:
    for at in range(30):
        graphql(server, PUT, owner="burst", at=at, text=f"burst note {at}")
    graphql(server, REMOVE, owner="burst", at=7)

    def hits() -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = graphql(server, FIND, text="burst")
        return found

    wait_for(
        lambda: len(hits()) == 29 and not any(h["_id"] == "7|burst" for h in hits()), "29", server
    )
    assert sorted(h["_id"] for h in hits()) == sorted(f"{at}|burst" for at in range(30) if at != 7)


def test_a_deletion_of_an_item_never_indexed_is_fine(server: RunningServer) -> None:
    """REMOVE of a document the index does not have (404) does not stop the stream."""
    graphql(server, REMOVE, owner="nobody", at=1)
    graphql(server, PUT, owner="after", at=1, text="written after a missing delete")
    wait_for(lambda: len(graphql(server, BY_ID, id="1|after")) == 1, "the next record", server)


def test_items_written_before_the_mapping_existed_are_backfilled_once(tmp_path: Path) -> None:
    """Items a table held before its stream mapping was added are indexed when the mapping
    first runs (Amplify ships a script for it); later starts do not scan again."""
    project = tmp_path / "api"
    shutil.copytree(PROJECT, project)
    settings = project / "strawsync.yaml"
    declared = settings.read_text()
    settings.write_text(declared[: declared.index("streams:")])
    with serve(project, tmp_path, timeout=120.0) as before:
        for at in range(3):
            graphql(before, PUT, owner="early", at=at, text=f"written early {at}")
    settings.write_text(declared)
    with serve(project, tmp_path, timeout=120.0) as server:
        wait_for(lambda: len(graphql(server, FIND, text="early")) == 3, "the backfill", server)
        graphql(server, PUT, owner="late", at=9, text="written late")
        wait_for(lambda: len(graphql(server, FIND, text="late")) == 1, "the stream", server)
        assert "the table's 3 earlier item(s) delivered" in server.log()
    with serve(project, tmp_path, timeout=120.0) as again:
        assert len(graphql(again, FIND, text="written")) == 4
        assert "earlier item(s) delivered" not in again.log()
