"""OpenSearchClient against a loopback fake: what is sent, retries as botocore's standard mode
(and never a writing POST twice), and failures that name no host or port."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest

from app.datasources.dynamodb.client import RetryPolicy, RetryQuota
from app.datasources.opensearch.client import OpenSearchClient, OpenSearchError
from tests.opensearch_source.fake import Answer, FakeOpenSearch, running


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenSearch]:
    async with running(FakeOpenSearch()) as server:
        yield server


def make_client(url: str, delays: list[float] | None = None, **kwargs: object) -> OpenSearchClient:
    slept = delays if delays is not None else []

    async def sleep(delay: float) -> None:
        slept.append(delay)

    retry = RetryPolicy(max_attempts=3, random=lambda: 0.5, quota=RetryQuota())
    return OpenSearchClient(url, retry=retry, sleep=sleep, **kwargs)  # type: ignore[arg-type]


async def test_method_path_query_and_json_body_as_sent(fake: FakeOpenSearch) -> None:
    client = make_client(fake.url)
    try:
        response = await client.request(
            "get",
            "/post/_search",
            query={"q": "a b&c", "size": "1"},
            body={"query": {"match_all": {}}},
        )
        assert response.status == 200
        call = fake.calls[-1]
        assert (call.method, call.raw_path) == ("GET", "/post/_search?q=a%20b%26c&size=1")
        assert call.body == b'{"query":{"match_all":{}}}'
        assert call.headers["Content-Type"] == "application/json"
        await client.request("POST", "/_bulk", ndjson=b'{"index":{"_index":"e"}}\n{"a":1}\n')
        assert fake.calls[-1].headers["Content-Type"] == "application/x-ndjson"
        await client.request("GET", "/post/_doc/id with space/é")
        assert fake.calls[-1].raw_path == "/post/_doc/id%20with%20space/%C3%A9"
    finally:
        await client.close()


async def test_a_loopback_cluster_is_asked_for_uncompressed_answers(fake: FakeOpenSearch) -> None:
    """Compression on loopback (the embedded engine) costs CPU on both sides, saves nothing."""
    client = make_client(fake.url)
    try:
        await client.request("GET", "/post/_search")
        assert fake.calls[-1].headers["Accept-Encoding"] == "identity"
    finally:
        await client.close()


async def test_an_endpoint_path_prefix_is_kept(fake: FakeOpenSearch) -> None:
    client = make_client(fake.url + "/cluster-a/")
    try:
        await client.request("GET", "/_cluster/health")
        assert fake.calls[-1].raw_path == "/cluster-a/_cluster/health"
    finally:
        await client.close()


async def test_answers_come_back_whatever_their_status(fake: FakeOpenSearch) -> None:
    client = make_client(fake.url)
    try:
        missing = await client.request("GET", "/nope/_doc/1")
        assert (missing.status, missing.ok) == (404, False)
        assert missing.body["error"]["type"] == "index_not_found_exception"
        head = await client.request("HEAD", "/nope")
        assert (head.status, head.body) == (404, None)
    finally:
        await client.close()


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_a_get_is_retried_on_throttling_and_gateway_errors(
    fake: FakeOpenSearch, status: int
) -> None:
    delays: list[float] = []
    client = make_client(fake.url, delays)
    fake.answers = [Answer(status, {"error": "busy"}), Answer(200, {"ok": True})]
    try:
        response = await client.request("GET", "/post/_search")
        assert (response.status, response.body) == (200, {"ok": True})
        assert len(fake.calls) == 2
        assert delays == [0.5]  # rand * min(2**0, 20)
    finally:
        await client.close()


async def test_retries_stop_after_three_attempts_and_return_the_last_answer(
    fake: FakeOpenSearch,
) -> None:
    delays: list[float] = []
    client = make_client(fake.url, delays)
    fake.answers = [Answer(503, {"n": n}) for n in range(5)]
    try:
        response = await client.request("DELETE", "/post/_doc/1")
        assert (response.status, response.body) == (503, {"n": 2})
        assert len(fake.calls) == 3
        assert delays == [0.5, 1.0]
    finally:
        await client.close()


async def test_a_500_is_not_retried(fake: FakeOpenSearch) -> None:
    client = make_client(fake.url)
    fake.answers = [Answer(500, {"error": "boom"}), Answer(200, {})]
    try:
        assert (await client.request("GET", "/x")).status == 500
        assert len(fake.calls) == 1
    finally:
        await client.close()


async def test_a_writing_post_is_retried_only_when_throttled(fake: FakeOpenSearch) -> None:
    client = make_client(fake.url)
    try:
        fake.answers = [Answer(503, {"error": "busy"}), Answer(201, {})]
        assert (await client.request("POST", "/post/_doc", body={"a": 1})).status == 503
        assert len(fake.calls) == 1
        fake.answers = [Answer(429, {"error": "slow down"}), Answer(201, {"result": "created"})]
        assert (await client.request("POST", "/post/_doc", body={"a": 1})).status == 201
        assert len(fake.calls) == 3
        fake.answers = [Answer(503, {}), Answer(200, {"hits": {}})]
        assert (await client.request("POST", "/post/_search", body={})).status == 200
        assert len(fake.calls) == 5
    finally:
        await client.close()


async def test_a_dropped_connection_retries_a_get_but_not_a_writing_post(
    fake: FakeOpenSearch,
) -> None:
    client = make_client(fake.url)
    try:
        fake.answers = [Answer(drop=True), Answer(200, {"ok": 1})]
        assert (await client.request("GET", "/x")).body == {"ok": 1}
        assert len(fake.calls) == 2
        fake.answers = [Answer(drop=True), Answer(201, {})]
        with pytest.raises(OpenSearchError) as caught:
            await client.request("POST", "/post/_doc", body={"a": 1})
        assert caught.value.code == "ServiceUnavailable"
        assert len(fake.calls) == 3
    finally:
        await client.close()


async def test_the_retry_quota_stops_a_storm(fake: FakeOpenSearch) -> None:
    retry = RetryPolicy(
        max_attempts=3, random=lambda: 0.0, quota=RetryQuota(capacity=5, available=5)
    )

    async def sleep(delay: float) -> None:
        return None

    client = OpenSearchClient(fake.url, retry=retry, sleep=sleep)
    fake.answers = [Answer(503, {}) for _ in range(6)]
    try:
        await client.request("GET", "/x")  # spends the only retry token
        assert len(fake.calls) == 2
        await client.request("GET", "/x")  # nothing left: one attempt
        assert len(fake.calls) == 3
    finally:
        await client.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_cluster_fails_with_a_message_naming_no_host_or_port() -> None:
    port = closed_port()
    delays: list[float] = []
    client = make_client(f"http://127.0.0.1:{port}", delays)
    try:
        with pytest.raises(OpenSearchError) as caught:
            await client.request("POST", "/post/_doc", body={})  # nothing was sent: retried
        error = caught.value
        assert (error.code, error.status) == ("ServiceUnavailable", 503)
        assert error.message == "OpenSearch is unavailable: the connection was refused."
        assert str(port) not in str(error) and "127.0.0.1" not in str(error)
        assert len(delays) == 2
    finally:
        await client.close()


async def test_a_cluster_that_does_not_answer_in_time(fake: FakeOpenSearch) -> None:
    client = make_client(fake.url, timeout_seconds=0.2)
    fake.answers = [Answer(200, {}, delay=1.0)] * 3
    try:
        with pytest.raises(OpenSearchError) as caught:
            await client.request("PUT", "/post/_doc/1", body={})
        assert (caught.value.code, caught.value.message) == (
            "RequestTimeout",
            "OpenSearch did not answer within 0.2 s.",
        )
    finally:
        await client.close()


async def test_mark_unavailable_fails_fast_until_retarget(fake: FakeOpenSearch) -> None:
    client = make_client(fake.url)
    try:
        client.mark_unavailable("the local search engine stopped")
        with pytest.raises(OpenSearchError) as caught:
            await client.request("GET", "/")
        assert caught.value.message == "OpenSearch is unavailable: the local search engine stopped."
        assert fake.calls == []
        client.retarget(fake.url)
        assert (await client.request("GET", "/")).status == 200
    finally:
        await client.close()


async def test_mark_unavailable_ends_pending_retries(fake: FakeOpenSearch) -> None:
    client: OpenSearchClient

    async def sleep(delay: float) -> None:
        client.mark_unavailable("the engine is restarting")

    client = OpenSearchClient(fake.url, sleep=sleep)
    fake.answers = [Answer(503, {})] * 3
    try:
        with pytest.raises(OpenSearchError, match="the engine is restarting"):
            await client.request("GET", "/")
        assert len(fake.calls) == 1
    finally:
        await client.close()


async def test_concurrent_requests_share_one_pool(fake: FakeOpenSearch) -> None:
    client = make_client(fake.url, pool_size=4)
    try:
        answers = await asyncio.gather(*(client.request("GET", f"/i/_doc/{n}") for n in range(20)))
        assert [a.status for a in answers] == [404] * 20
    finally:
        await client.close()
