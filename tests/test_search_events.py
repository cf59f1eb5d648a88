"""The sample's searchEvents over the served API: events created, changed and deleted through
mutations reach the `event` index through the table's stream (the built-in indexer), and
searchEvents finds them as Amplify's @searchable does: by filter, by free text, sorted, paged,
with the total and aggregations.

Every test tags its events with a word of its own, so the shared sample server's other events
never count. The index follows the table within a second, so each search polls until the
index has caught up (a few seconds at most) instead of sleeping.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

from tests.support.graphql import run
from tests.support.server import REPO
from tests.test_validate import run_cli

CATCH_UP_SECONDS = 10.0

CREATE = """mutation($name: String!, $when: String!, $where: String!, $description: String!) {
  createEvent(name: $name, when: $when, where: $where, description: $description) { id version }
}"""
SEARCH = """query(
  $filter: SearchableEventFilterInput, $query: String, $sort: [SearchableEventSortInput],
  $limit: Int, $nextToken: String, $from: Int, $aggregates: [SearchableEventAggregationInput]
) {
  searchEvents(
    filter: $filter, query: $query, sort: $sort, limit: $limit, nextToken: $nextToken,
    from: $from, aggregates: $aggregates
  ) {
    items { id name where when description version }
    nextToken
    total
    aggregateItems {
      name
      result {
        __typename
        ... on SearchableAggregateBucketResult { buckets { key doc_count } }
        ... on SearchableAggregateScalarResult { value }
      }
    }
  }
}"""

Connection = dict[str, Any]


def new_tag() -> str:
    """A word no other event has: `t` and 12 hex digits (one token for the analyzer)."""
    return f"t{uuid.uuid4().hex[:12]}"


def create(client: httpx.Client, name: str, where: str, when: str, description: str) -> str:
    body = run(client, CREATE, name=name, when=when, where=where, description=description)
    assert "errors" not in body, body
    event_id: str = body["data"]["createEvent"]["id"]
    return event_id


def search_answer(client: httpx.Client, **arguments: Any) -> dict[str, Any]:
    """searchEvents' whole answer (`run` would take an argument named `query` for its own)."""
    response = client.post("/graphql", json={"query": SEARCH, "variables": arguments})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def search(client: httpx.Client, **arguments: Any) -> Connection:
    body = search_answer(client, **arguments)
    assert "errors" not in body, body
    connection: Connection = body["data"]["searchEvents"]
    return connection


def search_until(
    client: httpx.Client, ready: Callable[[Connection], bool], **arguments: Any
) -> Connection:
    """Search again until `ready` holds (the index caught up), then return that answer."""
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while True:
        connection = search(client, **arguments)
        if ready(connection) or time.monotonic() > deadline:
            return connection
        time.sleep(0.05)


def tagged(tag: str) -> dict[str, Any]:
    return {"description": {"match": tag}}


def ids(connection: Connection) -> list[str]:
    return [item["id"] for item in connection["items"]]


def seed(client: httpx.Client, tag: str) -> dict[str, str]:
    """Three events tagged `tag`, two in Lisbon and one in Porto; their ids by name."""
    events = {
        "Fado night": ("Lisbon", "2026-03-02", f"Songs by the river {tag}"),
        "Jazz in the park": ("Porto", "2026-03-01", f"Saxophone and double bass {tag}"),
        "Book fair": ("Lisbon", "2026-03-03", f"Stalls of old books {tag}"),
    }
    made = {
        name: create(client, name, where, when, description)
        for name, (where, when, description) in events.items()
    }
    found = search_until(client, lambda c: c["total"] == 3, filter=tagged(tag))
    assert found["total"] == 3, found
    return made


def test_filter_finds_the_created_events_with_their_fields(client: httpx.Client) -> None:
    tag = new_tag()
    made = seed(client, tag)
    found = search(client, filter={"and": [tagged(tag), {"where": {"match": "Lisbon"}}]})
    assert sorted(ids(found)) == sorted([made["Fado night"], made["Book fair"]])
    assert found["total"] == 2
    fado = next(item for item in found["items"] if item["name"] == "Fado night")
    assert fado == {
        "id": made["Fado night"],
        "name": "Fado night",
        "where": "Lisbon",
        "when": "2026-03-02",
        "description": f"Songs by the river {tag}",
        "version": 1,
    }
    by_id = search(client, filter={"id": {"eq": made["Book fair"]}})
    assert ids(by_id) == [made["Book fair"]]
    not_porto = search(client, filter={**tagged(tag), "not": {"where": {"match": "Porto"}}})
    assert sorted(ids(not_porto)) == sorted([made["Fado night"], made["Book fair"]])
    either = search(
        client,
        filter={
            "or": [{"id": {"eq": made["Jazz in the park"]}}, {"id": {"eq": made["Book fair"]}}]
        },
    )
    assert sorted(ids(either)) == sorted([made["Jazz in the park"], made["Book fair"]])


def test_free_text_ranks_the_best_match_first(client: httpx.Client) -> None:
    tag = new_tag()
    made = seed(client, tag)
    # Any word may match (other tests' events have saxophones too); the event with both
    # words ranks first, and every tagged event is found.
    found = search(client, query=f"saxophone {tag}")
    assert ids(found)[0] == made["Jazz in the park"]
    assert set(made.values()) <= set(ids(found))
    only = search(client, query="saxophone", filter=tagged(tag))
    assert ids(only) == [made["Jazz in the park"]]
    assert search(client, query=f"{tag}nothing")["items"] == []


def test_sorted_and_paged_with_next_token(client: httpx.Client) -> None:
    tag = new_tag()
    made = seed(client, tag)
    by_when = search(client, filter=tagged(tag), sort=[{"field": "when", "direction": "asc"}])
    assert [item["name"] for item in by_when["items"]] == [
        "Jazz in the park",
        "Fado night",
        "Book fair",
    ]
    by_name = search(client, filter=tagged(tag), sort=[{"field": "name", "direction": "desc"}])
    assert [item["name"] for item in by_name["items"]] == [
        "Jazz in the park",
        "Fado night",
        "Book fair",
    ]
    pages: list[list[str]] = []
    token = None
    for _ in range(5):
        page = search(
            client,
            filter=tagged(tag),
            sort=[{"field": "when", "direction": "asc"}],
            limit=2,
            nextToken=token,
        )
        assert page["total"] == 3
        pages.append(ids(page))
        token = page["nextToken"]
        if token is None:
            break
    assert pages == [
        [made["Jazz in the park"], made["Fado night"]],
        [made["Book fair"]],
    ]
    second = search(
        client,
        filter=tagged(tag),
        sort=[{"field": "when", "direction": "asc"}],
        limit=1,
        **{"from": 1},
    )
    assert ids(second) == [made["Fado night"]]


def test_free_text_pages_by_score_without_repeats(client: httpx.Client) -> None:
    tag = new_tag()
    made = seed(client, tag)
    seen: list[str] = []
    token = None
    for _ in range(5):
        page = search(
            client, query=f"saxophone {tag}", filter=tagged(tag), limit=2, nextToken=token
        )
        seen += ids(page)
        token = page["nextToken"]
        if token is None:
            break
    assert seen[0] == made["Jazz in the park"]
    assert sorted(seen) == sorted(made.values())


def test_aggregates_are_buckets_or_values(client: httpx.Client) -> None:
    tag = new_tag()
    seed(client, tag)
    found = search(
        client,
        filter=tagged(tag),
        limit=1,
        aggregates=[
            {"name": "places", "type": "terms", "field": "where"},
            {"name": "versions", "type": "avg", "field": "version"},
            {"name": "placeCount", "type": "cardinality", "field": "where"},
        ],
    )
    assert found["total"] == 3 and len(found["items"]) == 1
    results = {item["name"]: item["result"] for item in found["aggregateItems"]}
    assert results["places"] == {
        "__typename": "SearchableAggregateBucketResult",
        "buckets": [{"key": "Lisbon", "doc_count": 2}, {"key": "Porto", "doc_count": 1}],
    }
    assert results["versions"] == {"__typename": "SearchableAggregateScalarResult", "value": 1.0}
    assert results["placeCount"] == {"__typename": "SearchableAggregateScalarResult", "value": 2.0}


def test_an_updated_event_is_found_by_its_new_name_only(client: httpx.Client) -> None:
    tag = new_tag()
    old, new = f"old{tag}", f"new{tag}"
    event_id = create(client, old, "Online", "2026-04-01", "Renamed soon")
    assert ids(search_until(client, lambda c: c["total"] == 1, filter={"name": {"eq": old}})) == [
        event_id
    ]
    updated = run(
        client,
        "mutation($id: ID!, $name: String) {"
        " updateEvent(id: $id, expectedVersion: 1, name: $name) { version } }",
        id=event_id,
        name=new,
    )
    assert updated["data"]["updateEvent"] == {"version": 2}, updated
    found = search_until(client, lambda c: c["total"] == 1, filter={"name": {"eq": new}})
    assert [(item["id"], item["version"]) for item in found["items"]] == [(event_id, 2)]
    assert search(client, filter={"name": {"eq": old}}) == {
        "items": [],
        "nextToken": None,
        "total": 0,
        "aggregateItems": [],
    }


def test_a_deleted_event_vanishes(client: httpx.Client) -> None:
    tag = new_tag()
    event_id = create(client, "Gone soon", "Online", "2026-05-01", f"To be deleted {tag}")
    assert search_until(client, lambda c: c["total"] == 1, query=tag)["total"] == 1
    deleted = run(client, "mutation($id: ID!) { deleteEvent(id: $id) { id } }", id=event_id)
    assert deleted["data"]["deleteEvent"] == {"id": event_id}, deleted
    assert search_until(client, lambda c: c["total"] == 0, query=tag)["items"] == []


def test_mistakes_are_graphql_errors(client: httpx.Client) -> None:
    forged = base64.b64encode(b'{"not": "a list"}').decode()
    body = search_answer(client, nextToken=forged)
    assert body["data"]["searchEvents"] is None
    assert body["errors"][0]["errorType"] == "BadRequest"
    body = search_answer(client, limit=0)
    assert body["errors"][0]["message"] == "limit must be between 1 and 1000"
    body = search_answer(client, filter={"version": {"range": [1]}})
    assert body["data"]["searchEvents"] is None
    assert "Could not construct an Elasticsearch Query DSL" in body["errors"][0]["message"]
    # toElasticsearchQueryDSL renders multiMatch as {"multi_match": {"name": ...}}, which a
    # cluster refuses with a 400: the data source's error, typed as AppSync types it.
    body = search_answer(client, filter={"name": {"multiMatch": "fado"}})
    assert body["data"]["searchEvents"] is None
    assert body["errors"][0]["errorType"] == "OpenSearch:UserIllegalArgumentException"


def test_the_sample_validates() -> None:
    result = run_cli("validate", "--project", str(REPO))
    assert result.returncode == 0, result.stderr
