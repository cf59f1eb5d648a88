"""The sample Event App over HTTP, on the DynamoDB Local that `serve` starts by itself."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from tests.support.graphql import run
from tests.support.projects import open_sample
from tests.support.server import RunningServer, serve

CREATE = """mutation($name: String!, $when: String!) {
  createEvent(name: $name, when: $when, where: "here", description: "d") { id name version }
}"""
COMMENT = """mutation($id: ID!, $content: String!, $at: String!) {
  commentOnEvent(eventId: $id, content: $content, createdAt: $at) { eventId commentId content }
}"""
COMMENTS = """query($id: ID!, $limit: Int, $token: String) {
  getEvent(id: $id) { comments(limit: $limit, nextToken: $token) { items { content } nextToken } }
}"""


def create_event(client: httpx.Client, name: str, when: str = "today") -> str:
    body = run(client, CREATE, name=name, when=when)
    assert body["data"]["createEvent"]["name"] == name, body
    assert body["data"]["createEvent"]["version"] == 1
    event_id: str = body["data"]["createEvent"]["id"]
    return event_id


def test_create_get_and_list_events(client: httpx.Client) -> None:
    event_id = create_event(client, "Launch")
    got = run(client, "query($id: ID!) { getEvent(id: $id) { id name where when } }", id=event_id)
    assert got == {
        "data": {"getEvent": {"id": event_id, "name": "Launch", "where": "here", "when": "today"}}
    }
    assert run(client, '{ getEvent(id: "no-such-event") { id } }') == {"data": {"getEvent": None}}
    listed = run(client, "{ listEvents(limit: 100) { items { id } nextToken } }")
    assert event_id in [item["id"] for item in listed["data"]["listEvents"]["items"]]


def test_comments_page_through_the_index_with_sealed_tokens(client: httpx.Client) -> None:
    event_id = create_event(client, "Talk")
    for day in range(1, 6):
        body = run(client, COMMENT, id=event_id, content=f"c{day}", at=f"2026-01-0{day}")
        assert body["data"]["commentOnEvent"]["eventId"] == event_id
    seen: list[str] = []
    token = None
    for _ in range(10):
        page = run(client, COMMENTS, id=event_id, limit=2, token=token)
        comments = page["data"]["getEvent"]["comments"]
        seen += [item["content"] for item in comments["items"]]
        token = comments["nextToken"]
        if token is None:
            break
        assert "eventId" not in token and event_id not in token  # opaque
    assert seen == ["c1", "c2", "c3", "c4", "c5"]  # ordered by createdAt (the LSI)
    tampered = run(client, COMMENTS, id=event_id, limit=2, token="AAAA" + "x" * 60)
    assert tampered["data"]["getEvent"]["comments"] is None
    assert tampered["errors"][0]["errorType"] == "DynamoDB:UserIllegalArgumentException"


def test_a_token_from_one_resolver_is_refused_by_another(client: httpx.Client) -> None:
    event_id = create_event(client, "Tokens")
    for day in (1, 2):
        run(client, COMMENT, id=event_id, content=f"t{day}", at=f"2026-02-0{day}")
    token = run(client, COMMENTS, id=event_id, limit=1)["data"]["getEvent"]["comments"]["nextToken"]
    assert token
    refused = run(
        client, "query($t: String) { listEvents(limit: 1, nextToken: $t) { nextToken } }", t=token
    )
    assert refused["data"]["listEvents"] is None
    assert refused["errors"][0]["errorType"] == "DynamoDB:UserIllegalArgumentException"


def test_get_events_uses_batch_get_item_in_order(client: httpx.Client) -> None:
    first, second = create_event(client, "One"), create_event(client, "Two")
    body = run(
        client,
        "query($ids: [ID!]!) { getEvents(ids: $ids) { id name } }",
        ids=[second, "missing", first],
    )
    assert body == {
        "data": {"getEvents": [{"id": second, "name": "Two"}, None, {"id": first, "name": "One"}]}
    }


def test_update_event_is_guarded_by_its_version(client: httpx.Client) -> None:
    event_id = create_event(client, "Draft")
    update = """mutation($id: ID!, $v: Int!, $name: String) {
      updateEvent(id: $id, expectedVersion: $v, name: $name) { id name version where }
    }"""
    done = run(client, update, id=event_id, v=1, name="Final")
    assert done == {
        "data": {"updateEvent": {"id": event_id, "name": "Final", "version": 2, "where": "here"}}
    }
    stale = run(client, update, id=event_id, v=1, name="Stale")
    assert stale["data"] == {"updateEvent": None}
    (error,) = stale["errors"]
    assert error["errorType"] == "DynamoDB:ConditionalCheckFailedException"
    assert error["message"].startswith("The conditional request failed")
    assert error["data"] == {"id": event_id, "name": "Final", "version": 2, "where": "here"}


def test_delete_event_with_comments_is_one_transaction(client: httpx.Client) -> None:
    event_id = create_event(client, "Gone soon")
    for day in (1, 2, 3):
        run(client, COMMENT, id=event_id, content=f"d{day}", at=f"2026-03-0{day}")
    deleted = run(
        client, "mutation($id: ID!) { deleteEventWithComments(id: $id) { id name } }", id=event_id
    )
    assert deleted == {"data": {"deleteEventWithComments": {"id": event_id, "name": "Gone soon"}}}
    assert run(client, "query($id: ID!) { getEvent(id: $id) { id } }", id=event_id) == {
        "data": {"getEvent": None}
    }
    again = run(
        client, "mutation($id: ID!) { deleteEventWithComments(id: $id) { id } }", id=event_id
    )
    assert again == {"data": {"deleteEventWithComments": None}}


def test_delete_event_returns_the_deleted_item(client: httpx.Client) -> None:
    event_id = create_event(client, "Short")
    deleted = run(client, "mutation($id: ID!) { deleteEvent(id: $id) { id name } }", id=event_id)
    assert deleted == {"data": {"deleteEvent": {"id": event_id, "name": "Short"}}}


def test_data_survives_a_restart(tmp_path: Path, logs_dir: Path) -> None:
    (tmp_path / "api").mkdir()
    project = open_sample(tmp_path / "api")
    relative = Path("api")  # as `make run` passes `--project .`
    in_three_days = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    with (
        serve(relative, logs_dir, cwd=tmp_path) as server,
        httpx.Client(base_url=server.url) as http,
    ):
        event_id = create_event(http, "Durable", in_three_days)
    assert (project / ".strawsync" / "dynamodb").is_dir()
    with (
        serve(relative, logs_dir, cwd=tmp_path) as server,
        httpx.Client(base_url=server.url) as http,
    ):
        query = "query($id: ID!) { getEvent(id: $id) { name summary daysUntil } }"
        body = run(http, query, id=event_id)
    # The Lambda-backed fields run from a project given as a relative path too.
    assert body == {
        "data": {
            "getEvent": {
                "name": "Durable",
                "summary": f"Durable, {in_three_days} at here: d",
                "daysUntil": 3,
            }
        }
    }


def test_summary_and_days_until_come_from_the_sample_functions(client: httpx.Client) -> None:
    in_ten_days = (datetime.now(UTC).date() + timedelta(days=10)).isoformat()
    dated, undated = create_event(client, "Launch", in_ten_days), create_event(client, "Chat")
    body = run(
        client,
        "query($ids: [ID!]!) { getEvents(ids: $ids) { name summary daysUntil } }",
        ids=[dated, undated],
    )
    today = datetime.now(UTC).date()  # the same day unless the test straddles midnight UTC
    assert body == {
        "data": {
            "getEvents": [
                {
                    "name": "Launch",
                    "summary": f"Launch, {in_ten_days} at here: d",
                    "daysUntil": (date.fromisoformat(in_ten_days) - today).days,
                },
                {"name": "Chat", "summary": "Chat, today at here: d", "daysUntil": None},
            ]
        }
    }


def countdown_batches(server: RunningServer) -> list[str]:
    """What the Node.js countdown function logged, one line per invocation."""
    return [line for line in server.log().splitlines() if "daysUntil for " in line]


def test_days_until_is_one_batch_invoke_per_twenty_events(
    client: httpx.Client, sample_server: RunningServer
) -> None:
    ids = [create_event(client, f"Batch {n}", "2031-01-01") for n in range(25)]
    before = len(countdown_batches(sample_server))
    body = run(client, "query($ids: [ID!]!) { getEvents(ids: $ids) { daysUntil } }", ids=ids)
    days = [item["daysUntil"] for item in body["data"]["getEvents"]]
    assert len(days) == 25 and len(set(days)) == 1 and isinstance(days[0], int)
    deadline = time.monotonic() + 10  # the function's output reaches the log just after
    while len(countdown_batches(sample_server)) < before + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)  # and nothing more arrives
    new = countdown_batches(sample_server)[before:]
    assert sorted(line.rsplit("daysUntil for ", 1)[1] for line in new) == [
        "20 events",
        "5 events",
    ]
    assert all("[CountdownFunction]" in line for line in new)


def test_lambda_echo_shows_the_event_and_context(client: httpx.Client) -> None:
    body = run(client, "query($n: String) { lambdaEcho(note: $n) }", n="hi")
    seen = json.loads(body["data"]["lambdaEcho"])
    assert seen["arguments"] == {"note": "hi"}
    assert seen["info"]["fieldName"] == "lambdaEcho"
    assert seen["info"]["variables"] == {"n": "hi"}
    assert seen["userAgent"].startswith("python-httpx/")
    assert seen["functionName"] == "EventSummaryFunction"
    assert seen["invokedFunctionArn"].endswith(":function:EventSummaryFunction")
