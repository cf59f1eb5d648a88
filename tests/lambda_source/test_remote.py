"""An AWS_LAMBDA data source with a function ARN, against a loopback fake of Lambda's Invoke
API that checks every SigV4 signature with botocore: AppSync's Invoke, BatchInvoke and Event
semantics, every error type, retries only where the function cannot have run."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from app.datasources.awslambda.config import parse_arn
from app.datasources.awslambda.errors import LambdaError
from app.datasources.awslambda.remote import RemoteFunctionInvoker
from app.datasources.awslambda.source import LambdaDataSource
from app.datasources.base import InvalidRequestError, Invocation
from app.datasources.dynamodb.client import Credentials, RetryPolicy, static_credentials
from app.definition.model import VERSION_2018, DataSourceDef, Origin, freeze
from app.functions.base import ASYNC_PAYLOAD_LIMIT, SYNC_PAYLOAD_LIMIT
from tests.support.lambda_fake import (
    ACCESS_KEY,
    ARN,
    SECRET_KEY,
    Answer,
    Call,
    FakeLambda,
    function_error,
    service_error,
    throttled,
    too_large,
)
from tests.support.server import free_port

Make = Callable[..., Awaitable[LambdaDataSource]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeLambda]:
    async with FakeLambda() as server:
        yield server


@pytest.fixture
async def make(fake: FakeLambda) -> AsyncIterator[Make]:
    started: list[LambdaDataSource] = []

    async def make(
        *, endpoint: str | None = None, secret: str = SECRET_KEY, answer_within: float = 5.0
    ) -> LambdaDataSource:
        config = {"lambdaFunctionArn": ARN, "endpoint": endpoint or fake.url}
        definition = DataSourceDef(
            "Billing", "AWS_LAMBDA", Origin("strawsync.yaml"), None, freeze(config)
        )
        source = LambdaDataSource(
            definition,
            credentials=static_credentials(Credentials(ACCESS_KEY, secret)),
            retry=RetryPolicy(max_attempts=3, random=lambda: 0.0),
            remote_timeout_seconds=answer_within,
        )
        await source.start()
        started.append(source)
        return source

    yield make
    for source in started:
        await source.close()


def invocation(request: Any) -> Invocation:
    return Invocation(request, VERSION_2018, "Query", "field", {}, None, None, "test-request")


def invoke(payload: Any = None, **extra: Any) -> Invocation:
    return invocation({"version": VERSION_2018, "operation": "Invoke", "payload": payload, **extra})


def batch(payload: Any, **extra: Any) -> Invocation:
    return invocation(
        {"version": VERSION_2018, "operation": "BatchInvoke", "payload": payload, **extra}
    )


async def test_invoke_sends_the_payload_signed_and_returns_the_answer(
    fake: FakeLambda, make: Make
) -> None:
    source = await make()
    assert await source.invoke(invoke({"id": "e1", "n": [1, 2]})) == {"id": "e1", "n": [1, 2]}
    (call,) = fake.calls
    assert call.signed
    assert {"host", "x-amz-date", "x-amz-invocation-type"} <= set(call.signed_headers)
    assert (call.function, call.invocation_type) == (ARN, "RequestResponse")
    assert call.event == {"id": "e1", "n": [1, 2]}


async def test_an_absent_payload_is_sent_as_null(fake: FakeLambda, make: Make) -> None:
    source = await make()
    request = {"version": VERSION_2018, "operation": "Invoke"}
    assert await source.invoke(invocation(request)) is None
    assert fake.calls[0].event is None


async def test_a_wrong_signature_is_refused_by_the_fake(fake: FakeLambda, make: Make) -> None:
    source = await make(secret="not-the-secret")
    with pytest.raises(LambdaError) as caught:
        await source.invoke(invoke(1))
    assert caught.value.error_type == "Lambda:InvalidSignatureException"
    assert not fake.calls[0].signed


async def test_batch_invoke_sends_one_list_and_keeps_order_and_nulls(
    fake: FakeLambda, make: Make
) -> None:
    def doubled(call: Call) -> Any:
        return [None if item is None else item * 2 for item in call.event]

    fake.handler = doubled
    source = await make()
    results = await source.invoke_batch([batch(1), batch(None), batch(3)])
    assert results == [2, None, 6]
    assert len(fake.calls) == 1 and fake.calls[0].event == [1, None, 3]


async def test_a_batch_answer_of_the_wrong_length_fails_every_item(
    fake: FakeLambda, make: Make
) -> None:
    fake.handler = lambda call: call.event[:1]
    source = await make()
    results = await source.invoke_batch([batch(1), batch(2)])
    assert all(isinstance(r, LambdaError) for r in results)
    assert {r.error_type for r in results} == {"Lambda:BatchResponseMismatch"}
    assert "sent 2 items and the function returned a list of 1" in results[0].message


async def test_a_batch_answer_that_is_no_list_fails_every_item(
    fake: FakeLambda, make: Make
) -> None:
    fake.handler = lambda call: {"not": "a list"}
    source = await make()
    results = await source.invoke_batch([batch(1), batch(2)])
    assert [r.error_type for r in results] == ["Lambda:BatchResponseMismatch"] * 2


async def test_a_thrown_error_fails_the_whole_batch(fake: FakeLambda, make: Make) -> None:
    fake.script = [function_error("boom")]
    source = await make()
    results = await source.invoke_batch([batch(1), batch(2), batch(3)])
    assert [(r.error_type, r.message) for r in results] == [("Lambda:Unhandled", "boom")] * 3
    assert len(fake.calls) == 1


async def test_batch_invoke_outside_a_batch_is_a_batch_of_one(fake: FakeLambda, make: Make) -> None:
    source = await make()
    assert await source.invoke(batch({"id": 1})) == {"id": 1}
    assert fake.calls[0].event == [{"id": 1}]


async def test_event_returns_at_once_with_a_null_result(fake: FakeLambda, make: Make) -> None:
    source = await make()
    assert await source.invoke(invoke({"a": 1}, invocationType="Event")) is None
    assert (fake.calls[0].invocation_type, fake.calls[0].event) == ("Event", {"a": 1})


async def test_an_event_batch_sends_the_list_asynchronously(fake: FakeLambda, make: Make) -> None:
    source = await make()
    results = await source.invoke_batch(
        [batch(1, invocationType="Event"), batch(2), batch(3, invocationType="Event")]
    )
    assert results == [None, 2, None]
    by_type = {call.invocation_type: call.event for call in fake.calls}
    assert by_type == {"Event": [1, 3], "RequestResponse": [2]}


@pytest.mark.parametrize(
    ("invocation_type", "limit"),
    [("Event", ASYNC_PAYLOAD_LIMIT), ("RequestResponse", SYNC_PAYLOAD_LIMIT)],
)
async def test_payload_limits_are_lambdas(
    fake: FakeLambda, make: Make, invocation_type: str, limit: int
) -> None:
    source = await make()
    fake.handler = lambda call: None
    # A JSON string is its characters and two quotes: limit - 2 characters are exactly `limit`.
    await source.invoke(invoke("x" * (limit - 2), invocationType=invocation_type))
    with pytest.raises(LambdaError) as caught:
        await source.invoke(invoke("x" * (limit - 1), invocationType=invocation_type))
    assert caught.value.error_type == "Lambda:RequestTooLargeException"
    assert f"smaller than {limit} bytes" in caught.value.message
    assert len(fake.calls) == 1  # the oversized one was never sent


async def test_a_function_error_is_lambda_unhandled_with_only_its_message(
    fake: FakeLambda, make: Make
) -> None:
    fake.script = [function_error("Parameter cannot be empty", "ValidationError")]
    source = await make()
    with pytest.raises(LambdaError) as caught:
        await source.invoke(invoke({}))
    error = caught.value
    assert (error.error_type, error.message, error.data) == (
        "Lambda:Unhandled",
        "Parameter cannot be empty",
        None,
    )
    assert (error.function_error_type, error.function_error_message) == (
        "ValidationError",
        "Parameter cannot be empty",
    )


async def test_throttling_is_retried_then_reported_with_its_reason(
    fake: FakeLambda, make: Make
) -> None:
    fake.script = [throttled(), throttled(), throttled()]
    source = await make()
    with pytest.raises(LambdaError) as caught:
        await source.invoke(invoke({}))
    assert caught.value.error_type == "Lambda:TooManyRequestsException"
    assert caught.value.message == "Rate Exceeded."
    assert caught.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert len(fake.calls) == 3  # botocore's standard attempts for Lambda


async def test_a_throttle_then_success_answers(fake: FakeLambda, make: Make) -> None:
    fake.script = [throttled("ConcurrentInvocationLimitExceeded")]
    source = await make()
    assert await source.invoke(invoke("ok")) == "ok"
    assert len(fake.calls) == 2


@pytest.mark.parametrize(
    ("answer", "error_type"),
    [
        (too_large(), "Lambda:RequestTooLargeException"),
        (service_error(), "Lambda:ServiceException"),
    ],
)
async def test_refusals_that_may_follow_a_run_are_not_retried(
    fake: FakeLambda, make: Make, answer: Answer, error_type: str
) -> None:
    fake.script = [answer]
    source = await make()
    with pytest.raises(LambdaError) as caught:
        await source.invoke(invoke({}))
    assert caught.value.error_type == error_type
    assert len(fake.calls) == 1


async def test_a_slow_function_times_out_without_a_retry(fake: FakeLambda, make: Make) -> None:
    fake.script = [Answer(200, "late", delay=3.0)]
    source = await make(answer_within=0.3)
    with pytest.raises(LambdaError) as caught:
        await source.invoke(invoke({}))
    assert caught.value.error_type == "Lambda:RequestTimeout"
    assert len(fake.calls) == 1


async def test_an_unreachable_endpoint_is_unavailable_without_its_address(make: Make) -> None:
    port = free_port()
    source = await make(endpoint=f"http://127.0.0.1:{port}")
    with pytest.raises(LambdaError) as caught:
        await source.invoke(invoke({}))
    assert caught.value.error_type == "Lambda:ServiceUnavailable"
    assert "127.0.0.1" not in caught.value.message and str(port) not in caught.value.message


async def test_a_response_that_is_not_json(fake: FakeLambda, make: Make) -> None:
    fake.script = [Answer(200, raw=b"<html>")]
    source = await make()
    with pytest.raises(LambdaError) as caught:
        await source.invoke(invoke({}))
    assert caught.value.error_type == "Lambda:InvalidResponse"


async def test_the_client_context_is_sent_base64(fake: FakeLambda) -> None:
    function = parse_arn(ARN)
    assert function is not None
    invoker = RemoteFunctionInvoker(
        function,
        endpoint=fake.url,
        credentials=static_credentials(Credentials(ACCESS_KEY, SECRET_KEY)),
    )
    await invoker.start()
    try:
        result = await invoker.invoke(b'{"a": 1}', client_context='{"custom": {"tenant": "t1"}}')
    finally:
        await invoker.close()
    assert result.payload == b'{"a":1}' and result.request_id == "fake-request-id"
    assert fake.calls[0].client_context == {"custom": {"tenant": "t1"}}
    assert fake.calls[0].signed


@pytest.mark.parametrize(
    ("request_document", "message"),
    [
        ([1], "Unable to convert request template to Object."),
        ({"operation": "Invoke"}, "Value for field '$[version]' not found."),
        ({"version": "2020-01-01", "operation": "Invoke"}, "Unsupported version '2020-01-01'."),
        ({"version": VERSION_2018}, "Value for field '$[operation]' not found."),
        ({"version": VERSION_2018, "operation": "Get"}, "Unsupported operation 'Get'"),
        (
            {"version": VERSION_2018, "operation": "Invoke", "payloads": 1},
            "Unknown field(s) '$[payloads]'",
        ),
        (
            {"version": VERSION_2018, "operation": "Invoke", "invocationType": "DryRun"},
            "'$[invocationType]'",
        ),
    ],
)
async def test_malformed_request_documents(
    fake: FakeLambda, make: Make, request_document: Any, message: str
) -> None:
    source = await make()
    with pytest.raises(InvalidRequestError) as caught:
        await source.invoke(invocation(request_document))
    assert message in caught.value.message
    with pytest.raises(InvalidRequestError):
        await source.invoke_batch([invocation(request_document)])
    assert fake.calls == []
