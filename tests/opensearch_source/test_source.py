"""The OpenSearch data source end to end against a loopback fake: AppSync's request document
in, the raw answer as `$ctx.result`, error statuses typed as AppSync types them, the embedded
engine's lifecycle (`use_local_engine`, `engine_down`) and index provisioning."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from http import HTTPStatus
from typing import Any

import pytest

from app.datasources.base import DataSourceError, InvalidRequestError, Invocation
from app.datasources.dynamodb.client import Credentials, RetryPolicy, static_credentials
from app.datasources.opensearch.source import IndexProvisionError, OpenSearchDataSource
from app.definition.model import VERSION_2017, DataSourceDef, Origin, freeze
from tests.opensearch_source.fake import (
    ACCESS_KEY,
    PASSWORD,
    SECRET_KEY,
    USERNAME,
    Answer,
    FakeOpenSearch,
    running,
)
from tests.opensearch_source.test_client import closed_port

EVENT_INDEX = {"mappings": {"properties": {"title": {"type": "text"}}}}


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenSearch]:
    async with running(FakeOpenSearch()) as server:
        yield server


def source(config: dict[str, Any], kind: str = "AMAZON_OPENSEARCH_SERVICE") -> OpenSearchDataSource:
    definition = DataSourceDef("EventSearch", kind, Origin("strawsync.yaml"), None, freeze(config))

    async def no_sleep(delay: float) -> None:
        return None

    return OpenSearchDataSource(
        definition,
        credentials=static_credentials(Credentials(ACCESS_KEY, SECRET_KEY)),
        retry=RetryPolicy(max_attempts=3, random=lambda: 0.0),
        sleep=no_sleep,
    )


def call(operation: str, path: str, **params: Any) -> Invocation:
    request = {"version": VERSION_2017, "operation": operation, "path": path, "params": params}
    return Invocation(request, VERSION_2017, "Query", "search", {}, None, None, "req-1")


async def test_index_get_and_search_through_request_documents(fake: FakeOpenSearch) -> None:
    search = source({"endpoint": fake.url, "indexes": {"event": EVENT_INDEX}})
    await search.start()
    try:
        assert not search.needs_local_engine
        assert fake.calls == []  # a remote cluster is never provisioned by serving
        assert (await search.provision()).created == ("event",)
        assert (await search.provision()).existing == ("event",)
        put = await search.invoke(call("PUT", "/event/_doc/1", body={"title": "Rock"}))
        assert put == {"_index": "event", "_id": "1", "result": "created"}
        got = await search.invoke(call("GET", "/event/_doc/1"))
        assert got["_source"] == {"title": "Rock"}
        echoed = await search.invoke(
            call(
                "POST",
                "/event/_search",
                queryString={"size": "1"},
                body={"query": {"match_all": {}}},
            )
        )
        assert echoed == {
            "method": "POST",
            "path": "/event/_search",
            "body": '{"query":{"match_all":{}}}',
        }
        assert fake.calls[-1].raw_path == "/event/_search?size=1"
        assert await search.invoke(call("HEAD", "/event")) is None
    finally:
        await search.close()


async def test_a_malformed_document_is_a_mapping_template_error(fake: FakeOpenSearch) -> None:
    search = source({"endpoint": fake.url})
    await search.start()
    try:
        with pytest.raises(InvalidRequestError, match="must start with '/'"):
            await search.invoke(call("GET", "event/_search"))
        assert fake.calls == []
    finally:
        await search.close()


@pytest.mark.parametrize(
    ("kind", "prefix"),
    [("AMAZON_ELASTICSEARCH", "Elasticsearch"), ("AMAZON_OPENSEARCH_SERVICE", "OpenSearch")],
)
async def test_a_bad_search_is_a_user_illegal_argument_error(
    fake: FakeOpenSearch, kind: str, prefix: str
) -> None:
    cause = {
        "type": "query_shard_exception",
        "reason": "No mapping found for [id.keyword] in order to sort on",
        "index": "event",
    }
    body = {
        "error": {
            "root_cause": [cause],
            "type": "search_phase_execution_exception",
            "reason": "all shards failed",
        },
        "status": 400,
    }
    fake.answers = [Answer(400, body)]
    search = source({"endpoint": fake.url}, kind)
    await search.start()
    try:
        with pytest.raises(DataSourceError) as caught:
            await search.invoke(
                call("POST", "/event/_search", body={"sort": [{"id.keyword": "asc"}]})
            )
        error = caught.value
        assert error.error_type == f"{prefix}:UserIllegalArgumentException"
        assert error.message == f"{prefix} responded with an error: Bad Request"
        assert error.data == body
    finally:
        await search.close()


@pytest.mark.parametrize(
    ("status", "body", "error_type", "message"),
    [
        (404, None, "OpenSearch:UserNotFoundException", "Document not found."),
        (
            403,
            {"message": "User: anonymous is not authorized"},
            "OpenSearch:UserAuthorizationException",
            "User: anonymous is not authorized",
        ),
        (
            409,
            {
                "error": {
                    "type": "version_conflict_engine_exception",
                    "reason": "[1]: version conflict",
                },
                "status": 409,
            },
            "OpenSearch:UserConflictException",
            "[1]: version conflict",
        ),
        (
            429,
            {"error": "Too Many Requests"},
            "OpenSearch:UserThrottlingException",
            "Too Many Requests",
        ),
        (
            500,
            {"error": {"type": "x", "reason": "boom"}},
            "OpenSearch:InternalServerErrorException",
            "boom",
        ),
        (502, None, "OpenSearch:InternalServerErrorException", "OpenSearch answered HTTP 502."),
    ],
)
async def test_error_statuses(
    fake: FakeOpenSearch,
    caplog: pytest.LogCaptureFixture,
    status: int,
    body: Any,
    error_type: str,
    message: str,
) -> None:
    """AppSync's message names the status only; what the cluster said goes to the log."""
    caplog.set_level(logging.INFO, logger="strawsync.opensearch")
    search = source({"endpoint": fake.url})
    await search.start()
    try:
        if body is None and status == 404:
            fake.indexes["event"] = {}
            expected_data: Any = {"_index": "event", "_id": "nope", "found": False}
        else:
            fake.answers = [Answer(status, body)] * 3
            expected_data = body
        with pytest.raises(DataSourceError) as caught:
            await search.invoke(call("GET", "/event/_doc/nope"))
        phrase = HTTPStatus(status).phrase
        assert caught.value.error_type == error_type
        assert caught.value.message == f"OpenSearch responded with an error: {phrase}"
        assert caught.value.data == expected_data
        assert message in caplog.text
    finally:
        await search.close()


async def test_an_unreachable_cluster_is_a_typed_error_naming_no_host() -> None:
    port = closed_port()
    search = source({"endpoint": f"http://127.0.0.1:{port}"}, "AMAZON_ELASTICSEARCH")
    await search.start()
    try:
        with pytest.raises(DataSourceError) as caught:
            await search.invoke(call("GET", "/event/_search"))
        assert caught.value.error_type == "Elasticsearch:ServiceUnavailable"
        assert caught.value.message == "Elasticsearch is unavailable: the connection was refused."
        assert str(port) not in caught.value.message
    finally:
        await search.close()


async def test_the_local_engine_lifecycle(fake: FakeOpenSearch) -> None:
    search = source({"indexes": {"event": EVENT_INDEX, "venue": None}})
    assert search.needs_local_engine
    await search.start()
    try:
        with pytest.raises(DataSourceError) as caught:
            await search.invoke(call("GET", "/event/_search"))
        assert (caught.value.error_type, caught.value.message) == (
            "OpenSearch:ServiceUnavailable",
            "OpenSearch is unavailable: the local search engine has not started.",
        )
        await search.use_local_engine(fake.url)
        assert [(c.method, c.raw_path) for c in fake.calls] == [
            ("PUT", "/event"),
            ("PUT", "/venue"),
        ]
        assert sorted(fake.indexes) == ["event", "venue"]
        assert (await search.invoke(call("PUT", "/event/_doc/1", body={"t": 1})))[
            "result"
        ] == "created"
        search.engine_down("the local search engine exited (code 1); restarting")
        with pytest.raises(DataSourceError, match="exited"):
            await search.invoke(call("GET", "/event/_doc/1"))
        calls = len(fake.calls)
        await search.use_local_engine(fake.url)  # restarted: existing indexes are kept
        assert len(fake.calls) == calls + 2
        assert (await search.invoke(call("GET", "/event/_doc/1")))["_source"] == {"t": 1}
    finally:
        await search.close()


async def test_an_engine_given_before_start_is_provisioned_at_start(fake: FakeOpenSearch) -> None:
    search = source({"indexes": {"event": EVENT_INDEX}})
    await search.use_local_engine(fake.url)
    assert fake.calls == []
    await search.start()
    try:
        assert list(fake.indexes) == ["event"]
    finally:
        await search.close()


async def test_a_refused_index_is_reported_with_the_cluster_reason(fake: FakeOpenSearch) -> None:
    search = source({"indexes": {"event": {"mappings": {"properties": {"a": {"type": "nope"}}}}}})
    await search.start()
    reason = "No handler for type [nope] declared on field [a]"
    fake.answers = [
        Answer(
            400, {"error": {"root_cause": [{"type": "mapper_parsing_exception", "reason": reason}]}}
        )
    ]
    try:
        with pytest.raises(IndexProvisionError) as caught:
            await search.use_local_engine(fake.url)
        assert (caught.value.index, caught.value.message) == ("event", reason)
    finally:
        await search.close()


async def test_local_engine_requests_carry_no_credentials(fake: FakeOpenSearch) -> None:
    search = source({})
    await search.use_local_engine(fake.url)
    await search.start()
    try:
        await search.invoke(call("GET", "/"))
        assert "Authorization" not in fake.calls[-1].headers
    finally:
        await search.close()


async def test_sigv4_through_the_data_source() -> None:
    async with running(FakeOpenSearch(sigv4_service="es", region="eu-west-3")) as fake:
        fake.indexes["event"] = {}
        search = source({"endpoint": fake.url, "region": "eu-west-3", "auth": {"type": "AWS_IAM"}})
        await search.start()
        try:
            await search.invoke(
                call("PUT", "/event/_doc/1", queryString={"refresh": "true"}, body={"t": 1})
            )
            assert [c.verdict for c in fake.calls] == ["ok"]
        finally:
            await search.close()


async def test_basic_auth_reads_the_password_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with running(FakeOpenSearch(basic=True)) as fake:
        config = {
            "endpoint": fake.url,
            "auth": {"type": "BASIC", "username": USERNAME, "passwordEnv": "OS_TEST_PASSWORD"},
        }
        missing = source(config)
        with pytest.raises(RuntimeError) as caught:
            await missing.start()
        assert "OS_TEST_PASSWORD (auth.passwordEnv) is not set" in str(caught.value)
        await missing.close()
        monkeypatch.setenv("OS_TEST_PASSWORD", PASSWORD)
        search = source(config)
        await search.start()
        try:
            assert (await search.invoke(call("GET", "/event/_search")))["method"] == "GET"
            fake.answers = [Answer(401, {"error": "Unauthorized"})]
            with pytest.raises(DataSourceError) as refused:
                await search.invoke(call("GET", "/event/_search"))
            assert refused.value.error_type == "OpenSearch:UserAuthorizationException"
            assert PASSWORD not in refused.value.message
        finally:
            await search.close()
    assert PASSWORD not in caplog.text


async def test_aws_iam_without_credentials_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    config = {"endpoint": "https://search-x.eu-west-1.es.amazonaws.com"}
    definition = DataSourceDef(
        "EventSearch", "AMAZON_OPENSEARCH_SERVICE", Origin("strawsync.yaml"), None, freeze(config)
    )
    search = OpenSearchDataSource(definition)
    with pytest.raises(RuntimeError) as caught:
        await search.start()
    assert str(caught.value).startswith("data source 'EventSearch': No AWS credentials found")
    await search.close()
