"""AWS_LAMBDA: an authorizer function in the project decides, its answers cached by token.

The function is a Lambda handler run by a real local Lambda runtime (one per test, its worker
processes started on demand); the handlers record each event in `auth/calls.jsonl`, since they
run in another process. Caching and coalescing are also checked with an in-process stand-in
(`Answers`), where timing is under the test's control.
"""

from __future__ import annotations

import asyncio
import json
import logging
import textwrap
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from app.auth.base import (
    NOT_AUTHORIZED,
    UNAUTHORIZED_EXCEPTION,
    AuthFailure,
    Credentials,
    Principal,
)
from app.auth.modes.lambda_authorizer import (
    LambdaAuthorizer,
    config_problems,
    create,
    denied_field_name,
)
from app.definition.model import AuthType, LambdaSettings
from app.functions.runtime import LocalFunctionRuntime
from tests.support.lambda_fake import (
    ACCESS_KEY,
    ARN,
    SECRET_KEY,
    Answer,
    FakeLambda,
    function_error,
    throttled,
)

FUNCTION = "auth/authorizer.py:handler"


def project(tmp_path: Path, source: str) -> Path:
    """A project directory whose `auth/authorizer.py` holds `source`."""
    (tmp_path / "auth").mkdir(parents=True, exist_ok=True)
    (tmp_path / "auth" / "authorizer.py").write_text(textwrap.dedent(source))
    return tmp_path


@pytest.fixture
async def runtime() -> AsyncIterator[LocalFunctionRuntime]:
    """A started local Lambda runtime; the test's authorizer function is added to it."""
    functions = LocalFunctionRuntime([], LambdaSettings())
    await functions.start()
    yield functions
    await functions.close()


def on_runtime(runtime: LocalFunctionRuntime, mode: LambdaAuthorizer) -> LambdaAuthorizer:
    """`mode` calling its function on `runtime`, as the service attaches it."""
    assert mode.local_function is not None
    runtime.add(mode.local_function)
    mode.attach(runtime.invoker(mode.local_function.name))
    return mode


def authorizer(
    runtime: LocalFunctionRuntime, tmp_path: Path, source: str, **settings: Any
) -> LambdaAuthorizer:
    mode = create({"function": FUNCTION, **settings}, project(tmp_path, source), api_name="TestApi")
    return on_runtime(runtime, mode)


def calls(project_dir: Path) -> list[dict[str, Any]]:
    """The events the project's handler recorded, one JSON line each, in call order."""
    path = project_dir / "auth" / "calls.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def credentials(token: str | None = "good-token", **fields: Any) -> Credentials:
    headers = {"host": "api.example", "content-type": "application/json"}
    if token is not None:
        headers["authorization"] = token
    values: dict[str, Any] = {
        "request_id": "req-1",
        "operation_name": "GetPost",
        "variables": {"id": "p1"},
        "query_text": "query GetPost($id: ID!) { getPost(id: $id) { id } }",
        **fields,
    }
    return Credentials(headers=headers, **values)


RECORDING = """
    import json
    import os

    CALLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "calls.jsonl")

    def record(event):
        with open(CALLS, "a") as calls:
            calls.write(json.dumps(event) + "\\n")
        with open(CALLS) as calls:
            return sum(1 for _ in calls)

    def handler(event, context):
        record(event)
        return RESPONSE
"""


def answering(response: str) -> str:
    """A handler that records each event and returns `response` (a Python literal)."""
    return textwrap.dedent(RECORDING) + f"\nRESPONSE = {response}\n"


ALLOW = answering('{"isAuthorized": True, "resolverContext": {"userId": "u1", "admin": True}}')


class Answers:
    """An `AuthorizerFunction` returning a fixed response, counting calls."""

    def __init__(self, response: Any, delay: float = 0.0) -> None:
        self.response = response
        self.delay = delay
        self.events: list[dict[str, Any]] = []

    async def __call__(self, event: dict[str, Any]) -> Any:
        self.events.append(event)
        if self.delay:
            await asyncio.sleep(self.delay)
        return self.response


async def refused(mode: LambdaAuthorizer, creds: Credentials) -> AuthFailure:
    with pytest.raises(AuthFailure) as caught:
        await mode.authenticate(creds)
    assert caught.value.message == NOT_AUTHORIZED
    assert caught.value.error_type == UNAUTHORIZED_EXCEPTION
    return caught.value


# --- what the function receives and what the caller becomes --------------------------------


async def test_an_authorized_token_becomes_a_principal_with_the_resolver_context(
    runtime: LocalFunctionRuntime,
    tmp_path: Path,
) -> None:
    mode = authorizer(runtime, tmp_path, ALLOW)

    principal = await mode.authenticate(credentials())

    assert principal == Principal(
        AuthType.AWS_LAMBDA,
        identity={"resolverContext": {"userId": "u1", "admin": True}},
        groups=frozenset(),
        expires_at=None,
        denied_fields=frozenset(),
    )


async def test_the_function_receives_appsyncs_event(
    runtime: LocalFunctionRuntime, tmp_path: Path
) -> None:
    mode = authorizer(runtime, tmp_path, ALLOW)

    await mode.authenticate(credentials())

    assert calls(tmp_path) == [
        {
            "authorizationToken": "good-token",
            "requestContext": {
                "apiId": "TestApi",
                "accountId": "000000000000",
                "requestId": "req-1",
                "queryString": "query GetPost($id: ID!) { getPost(id: $id) { id } }",
                "operationName": "GetPost",
                "variables": {"id": "p1"},
            },
            "requestHeaders": {
                "host": "api.example",
                "content-type": "application/json",
                "authorization": "good-token",
            },
        }
    ]


async def test_account_id_is_configurable_and_api_id_defaults_to_the_project_name(
    runtime: LocalFunctionRuntime, tmp_path: Path
) -> None:
    mode = create(
        {"function": FUNCTION, "accountId": "123456789012"}, project(tmp_path / "shop", ALLOW)
    )
    on_runtime(runtime, mode)

    await mode.authenticate(credentials(operation_name="DeepDish:Connect"))

    context = calls(tmp_path / "shop")[0]["requestContext"]
    assert (context["apiId"], context["accountId"]) == ("shop", "123456789012")
    assert mode.local_function is not None
    assert mode.local_function.name == "shop-authorizer"
    assert context["operationName"] == "DeepDish:Connect"


async def test_the_function_cannot_change_the_requests_variables(
    runtime: LocalFunctionRuntime, tmp_path: Path
) -> None:
    source = """
        def handler(event, context):
            event["requestContext"]["variables"]["input"]["id"] = "changed"
            return {"isAuthorized": True}
    """
    mode = authorizer(runtime, tmp_path, source)
    creds = credentials(variables={"input": {"id": "p1"}})

    await mode.authenticate(creds)

    assert creds.variables == {"input": {"id": "p1"}}


async def test_the_handler_gets_lambdas_context(
    runtime: LocalFunctionRuntime, tmp_path: Path
) -> None:
    source = """
        def handler(event, context):
            return {
                "isAuthorized": True,
                "resolverContext": {
                    "function": context.function_name,
                    "arn": context.invoked_function_arn,
                    "timeLeft": context.get_remaining_time_in_millis(),
                },
            }
    """
    mode = authorizer(runtime, tmp_path, source, timeoutSeconds=2)

    principal = await mode.authenticate(credentials())

    context = principal.identity["resolverContext"]
    assert context["function"] == "TestApi-authorizer"
    assert context["arn"] == "arn:aws:lambda:us-east-1:000000000000:function:TestApi-authorizer"
    assert 0 < context["timeLeft"] <= 2000


async def test_an_async_handler_is_not_a_lambda_handler_and_is_refused(
    runtime: LocalFunctionRuntime, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Lambda's Python runtime calls the handler and serialises what it returns; a coroutine
    is not JSON, so the call fails (as it would on AWS)."""
    source = """
        async def handler(event, context):
            return {"isAuthorized": True}
    """
    mode = authorizer(runtime, tmp_path, source)

    with caplog.at_level(logging.INFO, logger="strawsync.auth"):
        await refused(mode, credentials())

    assert "Lambda authorizer auth/authorizer.py:handler failed: Runtime." in caplog.text


async def test_a_missing_resolver_context_is_an_empty_one(
    runtime: LocalFunctionRuntime, tmp_path: Path
) -> None:
    mode = authorizer(runtime, tmp_path, answering('{"isAuthorized": True}'))

    principal = await mode.authenticate(credentials())

    assert principal.identity == {"resolverContext": {}}


def test_claims_any_authorization_header(runtime: LocalFunctionRuntime, tmp_path: Path) -> None:
    mode = authorizer(runtime, tmp_path, ALLOW)

    assert mode.claims(credentials("anything"))
    assert not mode.claims(credentials(None))


# --- unauthorized -----------------------------------------------------------------------------


async def test_is_authorized_false_is_refused(
    runtime: LocalFunctionRuntime, tmp_path: Path
) -> None:
    mode = authorizer(runtime, tmp_path, answering('{"isAuthorized": False}'))

    await refused(mode, credentials())


@pytest.mark.parametrize(
    "response",
    [
        "{}",
        "None",
        "[]",
        "'yes'",
        "True",
        '{"isAuthorized": "true"}',
        '{"isAuthorized": 1}',
        '{"resolverContext": {"userId": "u1"}}',
        '{"isAuthorized": True, "resolverContext": "u1"}',
        '{"isAuthorized": True, "deniedFields": "Query.secret"}',
        '{"isAuthorized": True, "ttlOverride": -1}',
        '{"isAuthorized": True, "ttlOverride": "60"}',
        '{"isAuthorized": True, "resolverContext": {"when": object()}}',
    ],
)
async def test_a_response_appsync_would_not_accept_is_refused(
    runtime: LocalFunctionRuntime, tmp_path: Path, response: str
) -> None:
    mode = authorizer(runtime, tmp_path, answering(response))

    await refused(mode, credentials())


async def test_a_nested_resolver_context_is_refused_and_logged(
    runtime: LocalFunctionRuntime, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    mode = authorizer(
        runtime,
        tmp_path,
        answering('{"isAuthorized": True, "resolverContext": {"user": {"id": "u1"}}}'),
    )

    with caplog.at_level(logging.INFO, logger="strawsync.auth"):
        await refused(mode, credentials())

    assert "resolverContext.user is a nested dict" in caplog.text
    assert "req-1" in caplog.text


async def test_a_raising_function_is_refused_and_logged_without_the_token(
    runtime: LocalFunctionRuntime, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = """
        def handler(event, context):
            raise RuntimeError("database unavailable")
    """
    mode = authorizer(runtime, tmp_path, source)

    with caplog.at_level(logging.INFO, logger="strawsync.auth"):
        await refused(mode, credentials("secret-token-value"))

    assert "failed: RuntimeError: database unavailable" in caplog.text
    assert "secret-token-value" not in caplog.text


async def test_a_failed_call_is_not_cached(runtime: LocalFunctionRuntime, tmp_path: Path) -> None:
    source = (
        textwrap.dedent(RECORDING)
        + """
def handler(event, context):
    if record(event) == 1:
        raise RuntimeError("flaky")
    return {"isAuthorized": True}
"""
    )
    mode = authorizer(runtime, tmp_path, source)

    await refused(mode, credentials())
    await mode.authenticate(credentials())

    assert len(calls(tmp_path)) == 2


async def test_a_slow_function_times_out_and_its_worker_is_replaced(
    runtime: LocalFunctionRuntime, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = """
        import time

        def handler(event, context):
            if event["authorizationToken"] == "slow":
                time.sleep(30)
            return {"isAuthorized": True, "ttlOverride": 0}
    """
    mode = authorizer(runtime, tmp_path, source, timeoutSeconds=0.5)

    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="strawsync.auth"):
        await refused(mode, credentials("slow"))

    assert time.monotonic() - started < 10  # the 30 s handler was stopped at its timeout
    assert "Sandbox.Timedout" in caplog.text
    assert "Task timed out after 0.50 seconds" in caplog.text
    principal = await mode.authenticate(credentials("quick"))
    assert principal.auth_type is AuthType.AWS_LAMBDA


async def test_a_throttled_function_is_unauthorized(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A refusal to run the function (here the account pool is used up) is unauthorized."""
    runtime = LocalFunctionRuntime([], LambdaSettings(account_concurrency=0, unreserved_minimum=0))
    await runtime.start()
    try:
        mode = authorizer(runtime, tmp_path, ALLOW)
        with caplog.at_level(logging.INFO, logger="strawsync.auth"):
            await refused(mode, credentials())
    finally:
        await runtime.close()

    assert "TooManyRequestsException" in caplog.text
    assert calls(tmp_path) == []


async def test_a_function_that_is_not_attached_is_unauthorized(tmp_path: Path) -> None:
    mode = create({"function": FUNCTION}, project(tmp_path, ALLOW))

    await refused(mode, credentials())


async def test_an_empty_token_is_refused_without_a_call(
    runtime: LocalFunctionRuntime, tmp_path: Path
) -> None:
    mode = authorizer(runtime, tmp_path, ALLOW)

    await refused(mode, credentials(""))
    await refused(mode, credentials(None))

    assert calls(tmp_path) == []


async def test_a_token_not_matching_the_validation_expression_is_refused_without_a_call(
    runtime: LocalFunctionRuntime,
    tmp_path: Path,
) -> None:
    mode = authorizer(runtime, tmp_path, ALLOW, identityValidationExpression="custom-[0-9]+")

    await refused(mode, credentials("custom-12x"))
    await refused(mode, credentials("xcustom-12"))
    assert calls(tmp_path) == []

    await mode.authenticate(credentials("custom-12"))
    assert [event["authorizationToken"] for event in calls(tmp_path)] == ["custom-12"]


# --- deniedFields -----------------------------------------------------------------------------


async def test_denied_fields_are_normalised_to_type_dot_field(
    runtime: LocalFunctionRuntime, tmp_path: Path
) -> None:
    response = """{
        "isAuthorized": True,
        "deniedFields": [
            "Query.adminStats",
            "arn:aws:appsync:eu-west-1:123456789012:apis/abcdefgh/types/Post/fields/content",
        ],
    }"""
    mode = authorizer(runtime, tmp_path, answering(response))

    principal = await mode.authenticate(credentials())

    assert principal.denied_fields == frozenset({"Query.adminStats", "Post.content"})


@pytest.mark.parametrize(
    "entry",
    [
        "Query",
        "Query.a.b",
        "arn:aws:appsync:eu-west-1:123456789012:apis/abc/types/Post",
        "arn:aws:appsync:eu-west-1:123456789012:apis/abc/types/Post/fields/content/x",
        "arn:aws:iam::123456789012:apis/abc/types/Post/fields/content",
        42,
    ],
)
def test_a_denied_field_that_names_no_field_is_rejected(entry: object) -> None:
    with pytest.raises(Exception, match=r"neither Type\.field nor a field ARN"):
        denied_field_name(entry)


async def test_an_unreadable_denied_field_refuses_the_request(
    runtime: LocalFunctionRuntime, tmp_path: Path
) -> None:
    mode = authorizer(
        runtime, tmp_path, answering('{"isAuthorized": True, "deniedFields": ["secret"]}')
    )

    await refused(mode, credentials())


# --- caching ----------------------------------------------------------------------------------


async def test_a_token_is_asked_about_once_within_the_ttl(
    runtime: LocalFunctionRuntime, tmp_path: Path
) -> None:
    mode = authorizer(runtime, tmp_path, ALLOW)

    first = await mode.authenticate(credentials("token-a"))
    second = await mode.authenticate(credentials("token-a", request_id="req-2"))
    await mode.authenticate(credentials("token-b"))

    assert [event["authorizationToken"] for event in calls(tmp_path)] == ["token-a", "token-b"]
    assert first == second
    assert first.identity is not second.identity  # each request gets its own $ctx.identity


async def test_a_refusal_is_cached_too(runtime: LocalFunctionRuntime, tmp_path: Path) -> None:
    mode = authorizer(runtime, tmp_path, answering('{"isAuthorized": False}'))

    await refused(mode, credentials())
    await refused(mode, credentials())

    assert len(calls(tmp_path)) == 1


async def test_ttl_override_zero_is_not_cached(
    runtime: LocalFunctionRuntime, tmp_path: Path
) -> None:
    mode = authorizer(runtime, tmp_path, answering('{"isAuthorized": True, "ttlOverride": 0}'))

    await mode.authenticate(credentials())
    await mode.authenticate(credentials())

    assert len(calls(tmp_path)) == 2


async def test_a_ttl_of_zero_disables_the_cache(
    runtime: LocalFunctionRuntime, tmp_path: Path
) -> None:
    mode = authorizer(runtime, tmp_path, ALLOW, authorizerResultTtlInSeconds=0)

    await mode.authenticate(credentials())
    await mode.authenticate(credentials())

    assert len(calls(tmp_path)) == 2


async def test_ttl_override_enables_caching_when_the_setting_is_zero(
    runtime: LocalFunctionRuntime, tmp_path: Path
) -> None:
    mode = authorizer(
        runtime,
        tmp_path,
        answering('{"isAuthorized": True, "ttlOverride": 60}'),
        authorizerResultTtlInSeconds=0,
    )

    await mode.authenticate(credentials())
    await mode.authenticate(credentials())

    assert len(calls(tmp_path)) == 1


async def test_a_cached_answer_expires_after_its_ttl() -> None:
    now = [1000.0]
    function = Answers({"isAuthorized": True, "ttlOverride": 30})
    mode = LambdaAuthorizer(function, api_id="TestApi", clock=lambda: now[0])

    await mode.authenticate(credentials())
    now[0] += 29.9
    await mode.authenticate(credentials())
    assert len(function.events) == 1

    now[0] += 0.1
    await mode.authenticate(credentials())
    assert len(function.events) == 2


async def test_the_cache_keeps_the_most_recently_used_tokens() -> None:
    function = Answers({"isAuthorized": True})
    mode = LambdaAuthorizer(function, api_id="TestApi", cache_max_entries=2)

    for token in ("a", "b", "a", "c"):  # "c" evicts "b", the least recently used
        await mode.authenticate(credentials(token))
    await mode.authenticate(credentials("a"))
    await mode.authenticate(credentials("b"))

    assert [event["authorizationToken"] for event in function.events] == ["a", "b", "c", "b"]


async def test_a_response_of_a_megabyte_or_more_is_not_cached() -> None:
    big = {"isAuthorized": True, "resolverContext": {"blob": "x" * 1_048_576}}
    function = Answers(big)
    mode = LambdaAuthorizer(function, api_id="TestApi")

    await mode.authenticate(credentials())
    await mode.authenticate(credentials())

    assert len(function.events) == 2


async def test_the_cache_is_keyed_by_a_hash_of_the_token() -> None:
    mode = LambdaAuthorizer(Answers({"isAuthorized": True}), api_id="TestApi")

    await mode.authenticate(credentials("raw-secret-token"))

    assert "raw-secret-token" not in repr(dict(mode._cache))


# --- concurrent requests ----------------------------------------------------------------------


async def test_concurrent_requests_with_one_token_share_one_call() -> None:
    function = Answers({"isAuthorized": True, "resolverContext": {"u": "1"}}, delay=0.05)
    mode = LambdaAuthorizer(function, api_id="TestApi")

    principals = await asyncio.gather(
        *(mode.authenticate(credentials(request_id=f"req-{i}")) for i in range(5)),
        mode.authenticate(credentials("other-token")),
    )

    assert len(function.events) == 2
    assert all(p.identity == {"resolverContext": {"u": "1"}} for p in principals)


async def test_concurrent_requests_share_a_failure() -> None:
    function = Answers({"isAuthorized": False}, delay=0.05)
    mode = LambdaAuthorizer(function, api_id="TestApi")

    results = await asyncio.gather(
        *(mode.authenticate(credentials()) for _ in range(3)), return_exceptions=True
    )

    assert all(isinstance(result, AuthFailure) for result in results)
    assert len(function.events) == 1


async def test_an_answer_for_one_request_only_is_not_shared_with_concurrent_ones() -> None:
    function = Answers({"isAuthorized": True, "ttlOverride": 0}, delay=0.05)
    mode = LambdaAuthorizer(function, api_id="TestApi")

    await asyncio.gather(*(mode.authenticate(credentials(request_id=f"r{i}")) for i in range(3)))

    assert sorted(e["requestContext"]["requestId"] for e in function.events) == ["r0", "r1", "r2"]


async def test_a_cancelled_request_does_not_cancel_the_shared_call() -> None:
    function = Answers({"isAuthorized": True}, delay=0.05)
    mode = LambdaAuthorizer(function, api_id="TestApi")

    first = asyncio.create_task(mode.authenticate(credentials()))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(mode.authenticate(credentials()))
    await asyncio.sleep(0)
    first.cancel()

    principal = await second
    assert principal.auth_type is AuthType.AWS_LAMBDA
    assert len(function.events) == 1


async def test_close_forgets_cached_answers() -> None:
    function = Answers({"isAuthorized": True})
    mode = LambdaAuthorizer(function, api_id="TestApi")
    await mode.start()
    await mode.authenticate(credentials())

    await mode.close()
    await mode.authenticate(credentials())

    assert len(function.events) == 2


# --- settings ---------------------------------------------------------------------------------


def test_good_settings_have_no_problems() -> None:
    assert config_problems({"function": FUNCTION}) == []
    assert (
        config_problems(
            {
                "function": "authorizer.py:check",
                "authorizerResultTtlInSeconds": 0,
                "identityValidationExpression": "^custom-[0-9]+$",
                "timeoutSeconds": 2.5,
                "accountId": "123456789012",
            }
        )
        == []
    )


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"function": 3}, "'function' must be a string 'path/to/file.py:function'"),
        ({"function": "auth.py"}, "'function' must be 'path/to/file.py:function'"),
        ({"function": "auth.rb:handler"}, "'function' the handler's file must end in .py, .js"),
        ({"function": "../auth.py:handler"}, "'function' the handler's file must be a relative"),
        ({"function": "auth.py:not-a-name"}, "'function' 'not-a-name' is not a valid function"),
        ({"authorizerResultTtlInSeconds": 3601}, "'authorizerResultTtlInSeconds' must be"),
        ({"authorizerResultTtlInSeconds": -1}, "'authorizerResultTtlInSeconds' must be"),
        ({"authorizerResultTtlInSeconds": 1.5}, "'authorizerResultTtlInSeconds' must be"),
        ({"authorizerResultTtlInSeconds": True}, "'authorizerResultTtlInSeconds' must be"),
        ({"identityValidationExpression": "(["}, "'identityValidationExpression' is not a valid"),
        ({"identityValidationExpression": 5}, "'identityValidationExpression' must be"),
        ({"timeoutSeconds": 0}, "'timeoutSeconds' must be a number of seconds above 0"),
        ({"timeoutSeconds": 10_000}, "'timeoutSeconds' must be a number of seconds above 0"),
        ({"timeoutSeconds": "10"}, "'timeoutSeconds' must be a number of seconds above 0"),
        ({"accountId": 123456789012}, "'accountId' must be a 12-digit AWS account id"),
        ({"accountId": "12345"}, "'accountId' must be a 12-digit AWS account id"),
        ({"region": "us-east-1"}, "unknown AWS_LAMBDA setting 'region' (known: function, "),
    ],
)
def test_bad_settings_are_reported(settings: dict[str, Any], problem: str) -> None:
    problems = config_problems({"function": FUNCTION, **settings})

    assert len(problems) == 1
    assert problems[0].startswith(problem)


@pytest.mark.parametrize("settings", [{}, {"function": FUNCTION, "lambdaFunctionArn": ARN}])
def test_one_function_is_required(settings: dict[str, Any]) -> None:
    assert config_problems(settings) == [
        "AWS_LAMBDA needs 'function: path/to/file.py:handler' (a local function) or "
        "'lambdaFunctionArn' (a function on AWS Lambda), not both"
    ]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"lambdaFunctionArn": "fake-fn"}, "'lambdaFunctionArn' must be a Lambda function ARN"),
        ({"lambdaFunctionArn": ARN, "endpoint": "localhost:1"}, "'endpoint' is an http(s) URL"),
        ({"function": FUNCTION, "endpoint": "http://127.0.0.1:1"}, "'endpoint' is an http(s)"),
    ],
)
def test_bad_remote_settings_are_reported(settings: dict[str, Any], problem: str) -> None:
    problems = config_problems(settings)

    assert len(problems) == 1
    assert problems[0].startswith(problem)


# --- a function on AWS Lambda -----------------------------------------------------------------


@pytest.fixture
async def fake_lambda(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeLambda]:
    """The loopback Invoke API fake (it checks SigV4), and credentials for it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    async with FakeLambda() as fake:
        yield fake


async def remote_authorizer(tmp_path: Path, fake: FakeLambda) -> LambdaAuthorizer:
    mode = create(
        {"lambdaFunctionArn": ARN, "endpoint": fake.url, "authorizerResultTtlInSeconds": 0},
        tmp_path,
        api_name="TestApi",
    )
    await mode.start()
    return mode


async def test_a_function_on_aws_lambda_decides(tmp_path: Path, fake_lambda: FakeLambda) -> None:
    fake_lambda.handler = lambda call: {
        "isAuthorized": call.event["authorizationToken"] == "good-token",
        "resolverContext": {"from": "aws"},
    }
    mode = await remote_authorizer(tmp_path, fake_lambda)
    try:
        principal = await mode.authenticate(credentials())
        await refused(mode, credentials("bad-token"))
    finally:
        await mode.close()

    assert principal.identity == {"resolverContext": {"from": "aws"}}
    first = fake_lambda.calls[0]
    assert first.signed and first.function == ARN
    assert first.invocation_type == "RequestResponse"
    assert first.event["requestContext"]["apiId"] == "TestApi"
    assert mode.local_function is None


@pytest.mark.parametrize(
    ("answer", "logged"),
    [
        (function_error("token store down"), "failed: Error: token store down"),
        (throttled(), "failed: not invoked: TooManyRequestsException"),
    ],
)
async def test_a_failing_or_throttled_function_on_aws_is_unauthorized(
    tmp_path: Path,
    fake_lambda: FakeLambda,
    caplog: pytest.LogCaptureFixture,
    answer: Answer,
    logged: str,
) -> None:
    fake_lambda.script = [answer] * 3  # a throttled call is retried (3 attempts)
    mode = await remote_authorizer(tmp_path, fake_lambda)
    try:
        with caplog.at_level(logging.INFO, logger="strawsync.auth"):
            await refused(mode, credentials())
    finally:
        await mode.close()

    assert logged in caplog.text


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (None, "file not found (from 'auth/authorizer.py:handler')"),
        ("def handler(event)\n    return {}\n", "authorizer.py:1: syntax error"),
    ],
)
def test_a_missing_or_uncompilable_handler_file_stops_create(
    tmp_path: Path, source: str | None, problem: str
) -> None:
    if source is not None:
        project(tmp_path, source)

    with pytest.raises(ValueError) as caught:
        create({"function": FUNCTION}, tmp_path)

    assert str(tmp_path / "auth" / "authorizer.py") in str(caught.value)
    assert problem in str(caught.value)


@pytest.mark.parametrize(
    ("source", "error_type"),
    [
        ("raise ImportError('no module named jwt')\n", "Runtime.ImportModuleError"),
        ("def other(event, context):\n    return {}\n", "Runtime.HandlerNotFound"),
    ],
)
async def test_a_function_that_fails_to_initialise_is_unauthorized(
    runtime: LocalFunctionRuntime,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    source: str,
    error_type: str,
) -> None:
    """Lambda's init errors: only running the file shows them, so the first call does."""
    mode = authorizer(runtime, tmp_path, source)

    with caplog.at_level(logging.INFO, logger="strawsync.auth"):
        await refused(mode, credentials())

    assert f"failed: {error_type}" in caplog.text


async def test_a_node_handler_authorizes(tmp_path: Path) -> None:
    (tmp_path / "auth").mkdir()
    (tmp_path / "auth" / "authorizer.mjs").write_text(
        "export const handler = async (event, context) => ({\n"
        "  isAuthorized: event.authorizationToken === 'node-token',\n"
        "  resolverContext: {fn: context.functionName},\n"
        "});\n"
    )
    mode = create({"function": "auth/authorizer.mjs:handler"}, tmp_path, api_name="NodeApi")
    assert mode.local_function is not None
    runtime = LocalFunctionRuntime([mode.local_function], LambdaSettings())
    mode.attach(runtime.invoker(mode.local_function.name))
    await runtime.start()
    try:
        principal = await mode.authenticate(credentials("node-token"))
        await refused(mode, credentials("other-token"))
    finally:
        await runtime.close()

    assert principal.identity == {"resolverContext": {"fn": "NodeApi-authorizer"}}


def test_create_refuses_bad_settings(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'timeoutSeconds' must be"):
        create({"function": FUNCTION, "timeoutSeconds": -1}, project(tmp_path, ALLOW))
