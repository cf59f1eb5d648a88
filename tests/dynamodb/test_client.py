"""The lean DynamoDB client: botocore's SigV4, standard retries and error parsing.

Faults come from a loopback HTTP server that answers scripted errors and otherwise proxies
to the real DynamoDB Local, since botocore's Stubber never exercises retries.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from unittest import mock

import orjson
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

from app.datasources.base import DataSourceError
from app.datasources.dynamodb.client import (
    Credentials,
    DynamoDBClient,
    DynamoDBError,
    RetryPolicy,
    SigV4Signer,
    parse_response,
    static_credentials,
)
from tests.dynamodb.conftest import LOCAL_CREDENTIALS, Source, invocation
from tests.support.dynamodb_faults import THROTTLED, Fault, FaultProxy, fault_proxy


@pytest.fixture
async def fake(ddb_endpoint: str) -> AsyncIterator[FaultProxy]:
    async with fault_proxy(ddb_endpoint) as proxy:
        yield proxy


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


async def client_for(url: str, sleeps: Sleeps, *, jitter: float = 1.0) -> DynamoDBClient:
    client = DynamoDBClient(
        region="us-east-1",
        endpoint=url,
        credentials=LOCAL_CREDENTIALS,
        retry=RetryPolicy(random=lambda: jitter),
        sleep=sleeps,
    )
    await client.start()
    return client


# --------------------------------------------------------------------------------- signing


def test_signature_matches_botocore_sigv4auth() -> None:
    when = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    body = b'{"TableName":"Posts","Key":{"id":{"S":"1"}}}'
    ours = {
        "Content-Type": "application/x-amz-json-1.0",
        "Host": "dynamodb.eu-west-1.amazonaws.com",
        "X-Amz-Target": "DynamoDB_20120810.GetItem",
    }
    creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token")
    SigV4Signer("eu-west-1").sign(ours, body, creds, now=when)

    theirs = AWSRequest(
        method="POST",
        url="https://dynamodb.eu-west-1.amazonaws.com/",
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.GetItem",
        },
    )
    boto = BotoCredentials(creds.access_key, creds.secret_key, creds.token)
    with mock.patch("botocore.auth.get_current_datetime", lambda: when.replace(tzinfo=None)):
        SigV4Auth(boto, "dynamodb", "eu-west-1").add_auth(theirs)
    assert ours["Authorization"] == theirs.headers["Authorization"]
    assert ours["X-Amz-Security-Token"] == "session-token"


def test_signing_key_is_derived_once_per_day() -> None:
    signer = SigV4Signer("us-east-1")
    first = signer.signing_key("secret", "20240506")
    assert signer.signing_key("secret", "20240506") is first
    assert signer.signing_key("secret", "20240507") != first


async def test_signed_requests_reach_dynamodb_local(ddb_endpoint: str) -> None:
    client = DynamoDBClient(
        region="eu-central-1",
        endpoint=ddb_endpoint,
        credentials=static_credentials(Credentials("a", "b")),
    )
    await client.start()
    try:
        assert "TableNames" in await client.call("ListTables", {})
    finally:
        await client.close()


# --------------------------------------------------------------------------------- retries


async def test_throttled_twice_then_success(fake: FaultProxy) -> None:
    fake.faults.append(Fault(2, 400, THROTTLED))
    sleeps = Sleeps()
    client = await client_for(fake.url, sleeps)
    try:
        result = await client.call("ListTables", {})
    finally:
        await client.close()
    assert "TableNames" in result
    assert fake.attempts == ["ListTables"] * 3
    assert sleeps.delays == [1.0, 2.0]  # rand * min(2**(attempt-1), 20), rand pinned to 1


async def test_always_throttled_makes_four_attempts(fake: FaultProxy) -> None:
    fake.faults.append(Fault(99, 400, THROTTLED))
    sleeps = Sleeps()
    client = await client_for(fake.url, sleeps, jitter=0.5)
    try:
        with pytest.raises(DynamoDBError) as caught:
            await client.call("GetItem", {"TableName": "T", "Key": {"id": {"S": "1"}}})
    finally:
        await client.close()
    assert caught.value.code == "ProvisionedThroughputExceededException"
    assert caught.value.status == 400
    assert len(fake.attempts) == 4
    assert sleeps.delays == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "ThrottlingException"),
        (400, "RequestLimitExceeded"),
        (500, "InternalServerError"),
        (503, "ServiceUnavailable"),
    ],
)
async def test_throttling_and_server_errors_are_retried(
    fake: FaultProxy, status: int, code: str
) -> None:
    fake.faults.append(Fault(1, status, {"__type": f"com.amazonaws.dynamodb.v20120810#{code}"}))
    client = await client_for(fake.url, Sleeps())
    try:
        await client.call("ListTables", {})
    finally:
        await client.close()
    assert len(fake.attempts) == 2


async def test_non_retryable_error_is_not_retried(fake: FaultProxy) -> None:
    fake.faults.append(
        Fault(
            5,
            400,
            {
                "__type": "com.amazon.coral.validate#ValidationException",
                "message": "One or more parameter values were invalid",
            },
        )
    )
    sleeps = Sleeps()
    client = await client_for(fake.url, sleeps)
    try:
        with pytest.raises(DynamoDBError) as caught:
            await client.call("ListTables", {})
    finally:
        await client.close()
    assert caught.value.code == "ValidationException"
    assert caught.value.message == "One or more parameter values were invalid"
    assert len(fake.attempts) == 1
    assert sleeps.delays == []


async def test_connection_errors_are_retried() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    client = await client_for(f"http://127.0.0.1:{port}", sleeps)
    try:
        with pytest.raises(DynamoDBError) as caught:
            await client.call("ListTables", {})
    finally:
        await client.close()
    assert caught.value.code == "ServiceUnavailable"
    assert "127.0.0.1" not in caught.value.message and str(port) not in caught.value.message
    assert len(sleeps.delays) == 3


async def test_retry_quota_stops_retry_storms(fake: FaultProxy) -> None:
    fake.faults.append(Fault(99, 400, THROTTLED))
    client = await client_for(fake.url, Sleeps())
    client.retry.quota.available = 5  # room for one retry only
    try:
        with pytest.raises(DynamoDBError):
            await client.call("ListTables", {})
    finally:
        await client.close()
    assert len(fake.attempts) == 2


# --------------------------------------------------------------------------- error parsing


def test_error_body_is_parsed() -> None:
    body = {
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons",
        "CancellationReasons": [
            {"Code": "None"},
            {"Code": "ConditionalCheckFailed", "Item": {"id": {"S": "1"}}},
        ],
    }
    with pytest.raises(DynamoDBError) as caught:
        parse_response(400, orjson.dumps(body), "req-1")
    error = caught.value
    assert error.code == "TransactionCanceledException"
    assert error.message.startswith("Transaction cancelled")
    assert error.request_id == "req-1"
    assert [r["Code"] for r in error.cancellation_reasons] == ["None", "ConditionalCheckFailed"]


def test_condition_failure_item_is_kept() -> None:
    body = {
        "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
        "message": "The conditional request failed",
        "Item": {"id": {"S": "1"}},
    }
    with pytest.raises(DynamoDBError) as caught:
        parse_response(400, orjson.dumps(body), "")
    assert caught.value.item == {"id": {"S": "1"}}


def test_non_json_error_keeps_the_status() -> None:
    with pytest.raises(DynamoDBError) as caught:
        parse_response(502, b"<html>bad gateway</html>", "")
    assert caught.value.code == "HTTP502"
    assert RetryPolicy.retryable(caught.value)


# ------------------------------------------------------------ through the data source


async def test_throttled_get_item_becomes_an_appsync_error(
    fake: FaultProxy, make_source: Source, posts_table: str
) -> None:
    fake.faults.append(Fault(99, 400, THROTTLED))
    source = await make_source(
        posts_table, endpoint=fake.url, retry=RetryPolicy(random=lambda: 0.0)
    )
    request = {"version": "2018-05-29", "operation": "GetItem", "key": {"id": {"S": "x"}}}
    with pytest.raises(DataSourceError) as caught:
        await source.invoke(invocation(request))
    assert caught.value.error_type == "DynamoDB:ProvisionedThroughputExceededException"
    assert len(fake.attempts) == 4


async def test_unprocessed_keys_are_reported(
    fake: FaultProxy, make_source: Source, posts_table: str
) -> None:
    fake.faults.append(
        Fault(
            1,
            200,
            {
                "Responses": {posts_table: [{"id": {"S": "a"}, "n": {"N": "1"}}]},
                "UnprocessedKeys": {posts_table: {"Keys": [{"id": {"S": "b"}}]}},
            },
            operation="BatchGetItem",
        )
    )
    source = await make_source(posts_table, endpoint=fake.url)
    request = {
        "version": "2018-05-29",
        "operation": "BatchGetItem",
        "tables": {posts_table: {"keys": [{"id": {"S": "b"}}, {"id": {"S": "a"}}]}},
    }
    assert await source.invoke(invocation(request)) == {
        "data": {posts_table: [None, {"id": "a", "n": 1}]},
        "unprocessedKeys": {posts_table: [{"id": "b"}]},
    }


async def test_unprocessed_items_are_reported(
    fake: FaultProxy, make_source: Source, posts_table: str
) -> None:
    fake.faults.append(
        Fault(
            1,
            200,
            {"UnprocessedItems": {posts_table: [{"PutRequest": {"Item": {"id": {"S": "b"}}}}]}},
            operation="BatchWriteItem",
        )
    )
    source = await make_source(posts_table, endpoint=fake.url)
    request = {
        "version": "2018-05-29",
        "operation": "BatchPutItem",
        "tables": {posts_table: [{"id": {"S": "a"}}, {"id": {"S": "b"}}]},
    }
    assert await source.invoke(invocation(request)) == {
        "data": {posts_table: [{"id": "a"}, None]},
        "unprocessedItems": {posts_table: [{"id": "b"}]},
    }


async def test_throttled_batch_get_reports_every_key_unprocessed(
    fake: FaultProxy, make_source: Source, posts_table: str
) -> None:
    fake.faults.append(Fault(99, 400, THROTTLED))
    source = await make_source(
        posts_table, endpoint=fake.url, retry=RetryPolicy(random=lambda: 0.0)
    )
    request = {
        "version": "2018-05-29",
        "operation": "BatchGetItem",
        "tables": {posts_table: {"keys": [{"id": {"S": "a"}}]}},
    }
    with pytest.raises(DataSourceError) as caught:
        await source.invoke(invocation(request))
    assert caught.value.error_type == "DynamoDB:ProvisionedThroughputExceededException"
    assert caught.value.data == {
        "data": {posts_table: [None]},
        "unprocessedKeys": {posts_table: [{"id": "a"}]},
    }


# ------------------------------------------------------- unreachable: typed, and no address


async def test_a_failed_name_lookup_names_no_host() -> None:
    sleeps = Sleeps()
    client = await client_for("http://dynamodb.strawsync-test.invalid", sleeps)
    try:
        with pytest.raises(DynamoDBError) as caught:
            await client.call("ListTables", {})
    finally:
        await client.close()
    assert caught.value.code == "ServiceUnavailable"
    assert caught.value.message == (
        "DynamoDB is unavailable: the endpoint's host name could not be resolved."
    )
    assert len(sleeps.delays) == 3


async def test_a_timeout_names_no_address(fake: FaultProxy) -> None:
    fake.faults.append(Fault(99, delay=5.0))
    sleeps = Sleeps()
    client = DynamoDBClient(
        region="us-east-1",
        endpoint=fake.url,
        credentials=LOCAL_CREDENTIALS,
        retry=RetryPolicy(random=lambda: 0.0),
        timeout_seconds=0.2,
        sleep=sleeps,
    )
    await client.start()
    try:
        with pytest.raises(DynamoDBError) as caught:
            await client.call("ListTables", {})
    finally:
        await client.close()
    assert caught.value.code == "RequestTimeout"
    assert caught.value.message == "DynamoDB did not answer within 0.2 s."
    assert len(sleeps.delays) == 3


async def test_an_engine_that_is_down_fails_calls_at_once(
    fake: FaultProxy, make_source: Source, posts_table: str
) -> None:
    """What the supervisor does while DynamoDB Local restarts: no attempt leaves the client,
    the error is typed, then `use_local_engine` (the restarted engine) opens it again."""
    source = await make_source(posts_table, endpoint=fake.url)
    request = {"version": "2018-05-29", "operation": "GetItem", "key": {"id": {"S": "x"}}}
    source.engine_down("the local engine is restarting")
    with pytest.raises(DataSourceError) as caught:
        await source.invoke(invocation(request))
    assert caught.value.error_type == "DynamoDB:ServiceUnavailable"
    assert caught.value.message == (
        "DynamoDB is unavailable: the local engine is restarting. "
        "(Service: DynamoDb, Status Code: 503, Request ID: none)"
    )
    assert fake.attempts == []
    source.use_local_engine(fake.url, "us-east-1")
    assert await source.invoke(invocation(request)) is None
    assert len(fake.attempts) == 1
