"""gql's `AppSyncWebsocketsTransport`, unchanged, against the sample Event App.

gql builds AppSync's handshake itself (`?header=<base64 JSON>&payload=e30=`, the `graphql-ws`
subprotocol, `start` messages carrying `extensions.authorization`), so these tests check the
server against a client written for AWS rather than against our own reading of the protocol.

gql only turns `https://` into `wss://`, so the transport is given the `ws://` URL directly.
It yields nothing for `start_ack`: to know a subscription listens, the tests publish until a
comment arrives.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.client import AsyncClientSession
from gql.transport.appsync_auth import AppSyncApiKeyAuthentication
from gql.transport.appsync_websockets import AppSyncWebsocketsTransport
from gql.transport.exceptions import TransportQueryError

from tests.support.server import RunningServer

WAIT = 10.0  # seconds; bounds every wait
RETRY = 0.2  # seconds between comments while a subscription may not listen yet

SUBSCRIBE = """subscription($eventId: String!) {
  subscribeToEventComments(eventId: $eventId) { eventId commentId content }
}"""

COMMENT = """mutation($eventId: ID!, $content: String!) {
  commentOnEvent(eventId: $eventId, content: $content, createdAt: "2026-04-01T00:00:00Z") {
    eventId commentId content createdAt
  }
}"""


def ws_url(server: RunningServer, path: str) -> str:
    return server.url.replace("http://", "ws://", 1) + path


def transport(server: RunningServer, path: str = "/graphql") -> AppSyncWebsocketsTransport:
    url = ws_url(server, path)
    host = urlparse(url).netloc
    # An API key whose base64 has a "+", which gql leaves unescaped in the query string.
    for api_key in ("da2-~~~??", "da2-a~~~??", "da2-aa~~~??"):
        auth = AppSyncApiKeyAuthentication(host=host, api_key=api_key)
        if "+" in auth.get_auth_url(url):
            return AppSyncWebsocketsTransport(url=url, auth=auth)
    raise AssertionError("no API key gave a '+' in the header")


@pytest.fixture
async def session(sample_server: RunningServer) -> AsyncIterator[AsyncClientSession]:
    async with Client(transport=transport(sample_server)) as connected:
        yield connected


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=WAIT) as client:
        yield client


def new_event() -> str:
    return f"event-{uuid.uuid4().hex[:12]}"


async def comment(
    http: httpx.AsyncClient, server: RunningServer, event_id: str, content: str
) -> dict[str, Any]:
    response = await http.post(
        server.graphql_url,
        json={"query": COMMENT, "variables": {"eventId": event_id, "content": content}},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()["data"]["commentOnEvent"]
    return result


async def first_comment(
    session: AsyncClientSession, http: httpx.AsyncClient, server: RunningServer, event_id: str
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Subscribe, comment until a comment arrives; what arrived and what was published."""
    request = GraphQLRequest(SUBSCRIBE, variable_values={"eventId": event_id})
    published: dict[str, dict[str, Any]] = {}

    async def receive() -> dict[str, Any]:
        async for result in session.subscribe(request):
            return result
        raise AssertionError("the subscription ended without a result")

    receiving = asyncio.create_task(receive())
    try:
        async with asyncio.timeout(WAIT):
            while True:
                content = f"comment {len(published)}"
                published[content] = await comment(http, server, event_id, content)
                done, _ = await asyncio.wait({receiving}, timeout=RETRY)
                if done:
                    return receiving.result(), published
    finally:
        receiving.cancel()
        await asyncio.gather(receiving, return_exceptions=True)


@pytest.mark.parametrize("path", ["/graphql", "/graphql/realtime"])
async def test_gql_receives_a_published_comment(
    sample_server: RunningServer, http: httpx.AsyncClient, path: str
) -> None:
    event = new_event()
    async with Client(transport=transport(sample_server, path)) as session:
        result, published = await first_comment(session, http, sample_server, event)
    received = result["subscribeToEventComments"]
    expected = published[received["content"]]
    assert received == {
        "eventId": event,
        "commentId": expected["commentId"],
        "content": expected["content"],
    }


async def test_one_gql_session_carries_subscriptions_in_turn_and_together(
    sample_server: RunningServer, session: AsyncClientSession, http: httpx.AsyncClient
) -> None:
    # In turn: the first is stopped (gql sends stop and waits for complete) before the next.
    first, _ = await first_comment(session, http, sample_server, new_event())
    second, _ = await first_comment(session, http, sample_server, new_event())
    assert (
        first["subscribeToEventComments"]["eventId"]
        != second["subscribeToEventComments"]["eventId"]
    )
    # Together: each gets its own event's comments only.
    events = [new_event() for _ in range(3)]
    results = await asyncio.gather(
        *(first_comment(session, http, sample_server, event) for event in events)
    )
    for event, (result, published) in zip(events, results, strict=True):
        received = result["subscribeToEventComments"]
        assert received["eventId"] == event
        assert received["commentId"] == published[received["content"]]["commentId"]


@pytest.mark.parametrize(
    ("query", "error_type", "message"),
    [
        (
            'subscription { subscribeToEventComments(eventId: "e") { nope } }',
            "ValidationError",
            "Cannot query field 'nope' on type 'Comment'.",
        ),
        (
            'query { echo(msg: "hi") }',
            "UnsupportedOperation",
            "Query not supported through the realtime channel",
        ),
    ],
    ids=["invalid", "query"],
)
async def test_gql_reports_a_refused_subscription(
    sample_server: RunningServer,
    session: AsyncClientSession,
    http: httpx.AsyncClient,
    query: str,
    error_type: str,
    message: str,
) -> None:
    with pytest.raises(TransportQueryError) as refused:
        async with asyncio.timeout(WAIT):
            async for _ in session.subscribe(GraphQLRequest(query)):
                pass
    # gql keeps the whole payload of an `error` message as its one error.
    assert refused.value.errors is not None
    ((error,),) = [payload["errors"] for payload in refused.value.errors]
    assert error["errorType"] == error_type
    assert error["message"] == message
    # The connection is still good.
    result, _ = await first_comment(session, http, sample_server, new_event())
    assert result["subscribeToEventComments"]["content"].startswith("comment ")
