"""Authentication against a loopback fake that verifies it: SigV4 recomputed with botocore
for `es` and `aoss` (every method, query strings, bodies, session tokens), HTTP basic auth,
and no secret in any log line or error."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest

from app.datasources.dynamodb.client import Credentials, static_credentials
from app.datasources.opensearch.client import BasicAuth, OpenSearchClient, SigV4Auth
from tests.opensearch_source.fake import (
    ACCESS_KEY,
    PASSWORD,
    REGION,
    SECRET_KEY,
    SESSION_TOKEN,
    USERNAME,
    FakeOpenSearch,
    running,
)

REQUESTS = [
    ("GET", "/event/_search", {"q": "title:rock & roll", "size": "10", "_source": "a,b"}, None),
    ("PUT", "/event/_doc/ev-1", None, {"title": "Rock night", "when": "2024-05-01T20:00:00Z"}),
    ("HEAD", "/event", None, None),
    ("DELETE", "/event/_doc/ev-1", {"refresh": "true"}, None),
    ("POST", "/event/_search", {"pretty": "true"}, {"query": {"match": {"title": "rock"}}}),
    ("GET", "/event/_doc/id with space~tilde", None, None),
]


@pytest.fixture(params=["es", "aoss"])
async def signed(request: pytest.FixtureRequest) -> AsyncIterator[FakeOpenSearch]:
    async with running(FakeOpenSearch(sigv4_service=request.param)) as server:
        yield server


def sigv4_client(
    fake: FakeOpenSearch, secret: str = SECRET_KEY, token: str | None = None
) -> OpenSearchClient:
    credentials = static_credentials(Credentials(ACCESS_KEY, secret, token))
    auth = SigV4Auth(REGION, fake.sigv4_service or "es", credentials)
    return OpenSearchClient(fake.url, auth=auth)


async def test_every_kind_of_request_carries_a_valid_signature(signed: FakeOpenSearch) -> None:
    client = sigv4_client(signed)
    try:
        await client.request("PUT", "/event", body={"mappings": {"properties": {}}})
        for method, path, query, body in REQUESTS:
            response = await client.request(method, path, query=query, body=body)
            assert response.status in (200, 404), (method, path, response.body)
        assert [call.verdict for call in signed.calls] == ["ok"] * (len(REQUESTS) + 1)
        put = signed.calls[2]
        if signed.sigv4_service == "aoss":
            assert "x-amz-content-sha256" in put.headers["Authorization"]
        else:
            assert "X-Amz-Content-SHA256" not in put.headers
    finally:
        await client.close()


async def test_a_session_token_is_sent_and_signed(signed: FakeOpenSearch) -> None:
    client = sigv4_client(signed, token=SESSION_TOKEN)
    try:
        assert (
            await client.request("GET", "/_cluster/health", query={"wait_for_status": "yellow"})
        ).status == 200
        call = signed.calls[-1]
        assert call.headers["X-Amz-Security-Token"] == SESSION_TOKEN
        assert "x-amz-security-token" in call.headers["Authorization"]
    finally:
        await client.close()


async def test_the_fake_refuses_a_wrong_signature(signed: FakeOpenSearch) -> None:
    client = sigv4_client(signed, secret="not-the-secret")
    try:
        response = await client.request("GET", "/event/_search", query={"q": "x"})
        assert response.status == 403
        assert "signature we calculated does not match" in response.body["message"]
    finally:
        await client.close()


async def test_the_fake_refuses_the_wrong_signing_service(signed: FakeOpenSearch) -> None:
    other = "es" if signed.sigv4_service == "aoss" else "aoss"
    credentials = static_credentials(Credentials(ACCESS_KEY, SECRET_KEY))
    client = OpenSearchClient(signed.url, auth=SigV4Auth(REGION, other, credentials))
    try:
        assert (await client.request("GET", "/")).status == 403
    finally:
        await client.close()


async def test_basic_auth_sends_the_configured_user(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(FakeOpenSearch(basic=True)) as fake:
        client = OpenSearchClient(fake.url, auth=BasicAuth(USERNAME, PASSWORD))
        wrong = OpenSearchClient(fake.url, auth=BasicAuth(USERNAME, "wrong"))
        try:
            assert (await client.request("GET", "/event/_search")).status == 200
            assert (await wrong.request("GET", "/event/_search")).status == 401
        finally:
            await client.close()
            await wrong.close()
    assert PASSWORD not in caplog.text
    assert PASSWORD not in repr(client.__dict__)
