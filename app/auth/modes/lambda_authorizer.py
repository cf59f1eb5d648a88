"""AWS_LAMBDA: a function the project provides decides whether an `Authorization` token is good.

As on AppSync, the function receives `{authorizationToken, requestContext: {apiId, accountId,
requestId, queryString, operationName, variables}, requestHeaders}` (`operationName` is
`DeepDish:Connect` for a WebSocket connect) and answers `{isAuthorized, resolverContext,
deniedFields, ttlOverride}`. Anything else (an exception, a timeout, a non-object, `{}`, a
missing or non-boolean `isAuthorized`, a nested `resolverContext`) means unauthorized.

Answers are cached by token (a SHA-256 of it) for `authorizerResultTtlInSeconds`, or the
answer's own `ttlOverride`; 0 means that answer is used for its own request only. Concurrent
requests with the same token share one call, so a burst does not call the function once per
request. An optional `identityValidationExpression` rejects tokens that do not fully match it
before the function is called.

A WebSocket authorized by the function keeps its answer for that answer's TTL; then the
function is asked again about the token (a cached answer another request got meanwhile
counts): still authorized, the connection goes on; refused, it is revoked. An answer with TTL
0 is asked again every second (`MIN_RECHECK_SECONDS`) while the connection stays open.

The function is a Lambda function on the service's local Lambda runtime (a worker process
running AWS's runtime interface client, as a Lambda data source's function): `create` names it
(`<api>-authorizer`, timeout `timeoutSeconds`) in `local_function`, the service adds it to the
runtime and `attach`es its invoker. `InvokedAuthorizer` sends the event as JSON and reads the
JSON answer; a function error (raised, init error, `Task timed out`, crash) or a refusal
(throttled) is unauthorized. Handlers are Lambda handlers, `handler(event, context)`, in
Python or Node.js.

A function on AWS Lambda is named by `lambdaFunctionArn` instead (AppSync's
`authorizerUri`): `start` opens the Invoke API client the Lambda data source uses (SigV4,
the standard credential chain, `endpoint` to reach another Invoke API), with `timeoutSeconds`
as its deadline; its errors and refusals are unauthorized the same way.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

import orjson

from app.auth.base import AuthFailure, Credentials, Principal
from app.datasources.awslambda.config import FunctionArn, parse_arn
from app.datasources.awslambda.remote import RemoteFunctionInvoker
from app.definition.model import AuthType
from app.functions.base import FunctionInvoker, InvokeRefused, LocalFunctionConfig
from app.functions.config import handler_parts, local_function_config

logger = logging.getLogger("strawsync.auth")

DEFAULT_TTL_SECONDS: Final = 300
MAX_TTL_SECONDS: Final = 3600
DEFAULT_TIMEOUT_SECONDS: Final = 10.0
MAX_TIMEOUT_SECONDS: Final = 900.0
"""A Lambda function's own maximum; AppSync gives an authorizer 10 s."""
DEFAULT_ACCOUNT_ID: Final = "000000000000"
CACHE_MAX_ENTRIES: Final = 10_000
MIN_RECHECK_SECONDS: Final = 1.0
"""How soon an open connection's token is asked about again when its answer had TTL 0."""
MAX_CACHED_RESPONSE_BYTES: Final = 1_048_576
"""AppSync caches authorizer responses smaller than this; larger ones serve one request."""

CONFIG_KEYS: Final = (
    "function",
    "lambdaFunctionArn",
    "endpoint",
    "authorizerResultTtlInSeconds",
    "identityValidationExpression",
    "timeoutSeconds",
    "accountId",
)
_NAME = r"[_A-Za-z][_0-9A-Za-z]*"
_TYPE_FIELD = re.compile(rf"({_NAME})\.({_NAME})")
_FIELD_ARN = re.compile(
    rf"arn:[^:]+:appsync:[^:]*:[^:]*:apis/[^/]+/types/({_NAME})/fields/({_NAME})"
)
_ACCOUNT_ID = re.compile(r"[0-9]{12}")
_NOT_IN_FUNCTION_NAME = re.compile(r"[^A-Za-z0-9_-]")
FUNCTION_SUFFIX: Final = "-authorizer"


class AuthorizerFunction(Protocol):
    """What the mode calls with the event; returns the authorizer's response."""

    async def __call__(self, event: dict[str, Any]) -> Any: ...


class InvalidResponse(Exception):
    """The authorizer's response is not one AppSync accepts; the message is for the log."""


class FunctionFailed(Exception):
    """The function raised, timed out or crashed (Lambda's error document), or Lambda
    refused to run it (throttled); the message is for the log."""


class InvokedAuthorizer:
    """An `AuthorizerFunction` that is a Lambda function: the event goes as JSON, the
    answer comes back as JSON."""

    def __init__(self, invoker: FunctionInvoker) -> None:
        self.invoker = invoker

    async def __call__(self, event: dict[str, Any]) -> Any:
        try:
            result = await self.invoker.invoke(orjson.dumps(event))
        except InvokeRefused as refused:
            raise FunctionFailed(f"not invoked: {refused}") from None
        failure = result.error_document()
        if failure is not None:
            raise FunctionFailed(
                f"{failure.get('errorType', result.function_error)}: "
                f"{failure.get('errorMessage', '')} (Lambda request {result.request_id})"
            )
        try:
            return orjson.loads(result.payload) if result.payload else None
        except orjson.JSONDecodeError:
            raise InvalidResponse("returned something other than JSON") from None


class _NotAttached:
    """The function before the service attached the runtime's invoker: every call fails."""

    async def __call__(self, event: dict[str, Any]) -> Any:
        raise FunctionFailed("the local Lambda runtime was not attached")


@dataclass(frozen=True, slots=True)
class Decision:
    """An authorizer response, checked."""

    authorized: bool
    resolver_context: Mapping[str, str | int | float | bool | None]
    denied_fields: frozenset[str]
    ttl_seconds: float
    """How long the decision may serve other requests with the same token; 0: this one only."""


def denied_field_name(entry: object) -> str:
    """`Type.field` for a `deniedFields` entry given as `Type.field` or as a field ARN."""
    if isinstance(entry, str):
        match = _TYPE_FIELD.fullmatch(entry) or _FIELD_ARN.fullmatch(entry)
        if match is not None:
            return f"{match[1]}.{match[2]}"
    raise InvalidResponse(f"deniedFields entry {entry!r} is neither Type.field nor a field ARN")


def read_response(response: Any, default_ttl: float) -> Decision:
    """The decision in an authorizer's response; raises InvalidResponse."""
    if not isinstance(response, dict):
        raise InvalidResponse(f"returned {type(response).__name__}, not an object")
    try:
        size = len(orjson.dumps(response))
    except TypeError as error:
        raise InvalidResponse(f"returned a value that is not JSON: {error}") from error
    authorized = response.get("isAuthorized")
    if not isinstance(authorized, bool):
        raise InvalidResponse(
            "returned no isAuthorized" if authorized is None else "isAuthorized is not a boolean"
        )
    context = response.get("resolverContext")
    if context is None:
        context = {}
    if not isinstance(context, dict):
        raise InvalidResponse("resolverContext is not an object")
    for key, value in context.items():
        if not isinstance(value, str | int | float | bool | type(None)):
            raise InvalidResponse(
                f"resolverContext.{key} is a nested {type(value).__name__}; "
                "resolverContext holds only flat key/value pairs"
            )
    denied = response.get("deniedFields")
    if denied is None:
        denied = []
    if not isinstance(denied, list | tuple):
        raise InvalidResponse("deniedFields is not a list")
    ttl = response.get("ttlOverride", default_ttl)
    if ttl is None:
        ttl = default_ttl
    if not _is_number(ttl) or ttl < 0:
        raise InvalidResponse("ttlOverride is not a number of seconds >= 0")
    return Decision(
        authorized=authorized,
        resolver_context=dict(context),
        denied_fields=frozenset(denied_field_name(entry) for entry in denied),
        ttl_seconds=float(ttl) if size < MAX_CACHED_RESPONSE_BYTES else 0.0,
    )


def _is_number(value: object) -> bool:
    """A finite int or float; YAML and JSON booleans are not numbers here."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _plain(value: Any) -> Any:
    """A deep copy of JSON-like data as dicts and lists, so the function cannot alter ours."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


class LambdaAuthorizer:
    """The AWS_LAMBDA mode: asks `function` about each token it has no cached answer for."""

    auth_type = AuthType.AWS_LAMBDA

    def __init__(
        self,
        function: AuthorizerFunction,
        *,
        api_id: str,
        account_id: str = DEFAULT_ACCOUNT_ID,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        validation: re.Pattern[str] | None = None,
        name: str = "authorizer",
        cache_max_entries: int = CACHE_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
        local_function: LocalFunctionConfig | None = None,
        remote_function: FunctionArn | None = None,
        endpoint: str | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        self.function = function
        self.local_function = local_function
        """The function the service runs on its local runtime for this mode, if any."""
        self.remote_function = remote_function
        """A function on AWS Lambda, invoked from `start` on."""
        self._endpoint = endpoint
        self._timeout_seconds = timeout_seconds
        self._remote: RemoteFunctionInvoker | None = None
        self.api_id = api_id
        self.account_id = account_id
        self.ttl_seconds = ttl_seconds
        self.validation = validation
        self.name = name
        self.cache_max_entries = cache_max_entries
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, Decision]] = OrderedDict()
        self._in_flight: dict[str, asyncio.Task[Decision]] = {}

    def attach(self, invoker: FunctionInvoker) -> None:
        """Ask `invoker` (the local runtime's, for `local_function`) from now on."""
        self.function = InvokedAuthorizer(invoker)

    def claims(self, credentials: Credentials) -> bool:
        """Any `Authorization` header; the Authorizer offers SigV4 and JWTs to their modes first."""
        return credentials.authorization is not None

    async def authenticate(self, credentials: Credentials) -> Principal:
        token = credentials.authorization
        if not token:
            raise AuthFailure()
        if self.validation is not None and self.validation.fullmatch(token) is None:
            logger.info(
                "Lambda authorizer: token does not match identityValidationExpression (request %s)",
                credentials.request_id,
            )
            raise AuthFailure()
        decision = await self._decide(token, credentials)
        if not decision.authorized:
            raise AuthFailure()
        return Principal(
            AuthType.AWS_LAMBDA,
            identity={"resolverContext": dict(decision.resolver_context)},
            denied_fields=decision.denied_fields,
            standing=AuthorizerStanding(self, token, credentials, decision.ttl_seconds),
        )

    def event(self, token: str, credentials: Credentials) -> dict[str, Any]:
        """The event AppSync sends a Lambda authorizer for this request."""
        return {
            "authorizationToken": token,
            "requestContext": {
                "apiId": self.api_id,
                "accountId": self.account_id,
                "requestId": credentials.request_id,
                "queryString": credentials.query_text,
                "operationName": credentials.operation_name,
                "variables": _plain(credentials.variables),
            },
            "requestHeaders": dict(credentials.headers),
        }

    async def _decide(self, token: str, credentials: Credentials) -> Decision:
        """A cached decision, the one a concurrent request is already waiting for, or a new one."""
        key = hashlib.sha256(token.encode()).hexdigest()
        cached = self._cached(key)
        if cached is not None:
            return cached
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.create_task(self._invoke(key, token, credentials))
            self._in_flight[key] = task
            task.add_done_callback(lambda done: self._settled(key, done))
            return await asyncio.shield(task)
        decision = await asyncio.shield(task)
        if decision.ttl_seconds > 0:
            return decision
        # The answer was for that request only (ttlOverride 0): ask about this one.
        return await self._invoke(key, token, credentials)

    async def _invoke(self, key: str, token: str, credentials: Credentials) -> Decision:
        request_id = credentials.request_id
        try:
            response = await self.function(self.event(token, credentials))
        except FunctionFailed as error:
            logger.info(
                "Lambda authorizer %s failed: %s; unauthorized (request %s)",
                self.name,
                error,
                request_id,
            )
            raise AuthFailure() from None
        except InvalidResponse as error:
            logger.info(
                "Lambda authorizer %s: %s; unauthorized (request %s)", self.name, error, request_id
            )
            raise AuthFailure() from None
        except Exception as error:
            logger.info(
                "Lambda authorizer %s raised %s (request %s)",
                self.name,
                type(error).__name__,
                request_id,
                exc_info=True,
            )
            raise AuthFailure() from None
        try:
            decision = read_response(response, self.ttl_seconds)
        except InvalidResponse as error:
            logger.info(
                "Lambda authorizer %s: %s; unauthorized (request %s)", self.name, error, request_id
            )
            raise AuthFailure() from None
        if not decision.authorized:
            logger.info("Lambda authorizer %s: not authorized (request %s)", self.name, request_id)
        if decision.ttl_seconds > 0:
            self._store(key, decision)
        return decision

    def _cached(self, key: str) -> Decision | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        expires, decision = entry
        if self._clock() >= expires:
            del self._cache[key]
            return None
        self._cache.move_to_end(key)
        return decision

    def _store(self, key: str, decision: Decision) -> None:
        self._cache[key] = (self._clock() + decision.ttl_seconds, decision)
        self._cache.move_to_end(key)
        while len(self._cache) > self.cache_max_entries:
            self._cache.popitem(last=False)

    def _settled(self, key: str, task: asyncio.Task[Decision]) -> None:
        if self._in_flight.get(key) is task:
            del self._in_flight[key]
        if not task.cancelled():
            task.exception()  # retrieved here, so a failure nobody awaited is not reported

    async def start(self) -> None:
        """Open the Invoke API client of a function on AWS Lambda."""
        if self.remote_function is None or self._remote is not None:
            return
        remote = RemoteFunctionInvoker(
            self.remote_function, endpoint=self._endpoint, timeout_seconds=self._timeout_seconds
        )
        await remote.start()
        self._remote = remote
        self.attach(remote)

    async def close(self) -> None:
        """Drop cached answers and stop calls no request waits for any more."""
        self._cache.clear()
        for task in list(self._in_flight.values()):
            task.cancel()
        self._in_flight.clear()
        if self._remote is not None:
            await self._remote.close()
            self._remote = None
            self.function = _NotAttached()


class AuthorizerStanding:
    """An authorizer's yes holds for its TTL; then the authorizer is asked again."""

    def __init__(
        self, mode: LambdaAuthorizer, token: str, credentials: Credentials, ttl_seconds: float
    ) -> None:
        self._mode = mode
        self._token = token
        self._credentials = credentials
        self._until = mode._clock() + max(ttl_seconds, MIN_RECHECK_SECONDS)
        self._refused = False
        self._asking: asyncio.Task[None] | None = None

    async def holds(self, *, wait: bool = False) -> bool:
        if self._refused:
            return False
        if self._mode._clock() < self._until:
            return True
        if self._asking is None:
            self._asking = asyncio.create_task(self._ask())
        if wait:
            await asyncio.shield(self._asking)
        return not self._refused

    async def _ask(self) -> None:
        try:
            decision = await self._mode._decide(self._token, self._credentials)
        except AuthFailure:
            self._refused = True
        else:
            if decision.authorized:
                self._until = self._mode._clock() + max(decision.ttl_seconds, MIN_RECHECK_SECONDS)
            else:
                self._refused = True
        finally:
            self._asking = None


def config_problems(config: Mapping[str, Any]) -> list[str]:
    """Every mistake in an AWS_LAMBDA provider's settings."""
    problems = [
        f"unknown AWS_LAMBDA setting '{key}' (known: {', '.join(CONFIG_KEYS)})"
        for key in config
        if key not in CONFIG_KEYS
    ]
    if ("function" in config) == ("lambdaFunctionArn" in config):
        problems.append(
            "AWS_LAMBDA needs 'function: path/to/file.py:handler' (a local function) or "
            "'lambdaFunctionArn' (a function on AWS Lambda), not both"
        )
    elif "lambdaFunctionArn" in config:
        arn = config["lambdaFunctionArn"]
        if not isinstance(arn, str) or parse_arn(arn) is None:
            problems.append(
                "'lambdaFunctionArn' must be a Lambda function ARN "
                "(arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>])"
            )
    else:
        reference = config["function"]
        parts = (
            handler_parts(reference)
            if isinstance(reference, str)
            else "must be a string 'path/to/file.py:function'"
        )
        if isinstance(parts, str):
            problems.append(f"'function' {parts}")
    ttl = config.get("authorizerResultTtlInSeconds", DEFAULT_TTL_SECONDS)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or not 0 <= ttl <= MAX_TTL_SECONDS:
        problems.append(
            f"'authorizerResultTtlInSeconds' must be a whole number of seconds "
            f"from 0 to {MAX_TTL_SECONDS}"
        )
    expression = config.get("identityValidationExpression")
    if expression is not None:
        if not isinstance(expression, str):
            problems.append("'identityValidationExpression' must be a regular expression string")
        else:
            try:
                re.compile(expression)
            except re.error as error:
                problems.append(
                    f"'identityValidationExpression' is not a valid regular expression: {error}"
                )
    timeout = config.get("timeoutSeconds", DEFAULT_TIMEOUT_SECONDS)
    if not _is_number(timeout) or not 0 < timeout <= MAX_TIMEOUT_SECONDS:
        problems.append(
            f"'timeoutSeconds' must be a number of seconds above 0 and at most "
            f"{MAX_TIMEOUT_SECONDS:g}"
        )
    endpoint = config.get("endpoint")
    if endpoint is not None and (
        "lambdaFunctionArn" not in config
        or not isinstance(endpoint, str)
        or not endpoint.startswith(("http://", "https://"))
    ):
        problems.append("'endpoint' is an http(s) URL, and only goes with 'lambdaFunctionArn'")
    account_id = config.get("accountId", DEFAULT_ACCOUNT_ID)
    if not isinstance(account_id, str) or _ACCOUNT_ID.fullmatch(account_id) is None:
        problems.append("'accountId' must be a 12-digit AWS account id, as a string")
    return problems


def function_name(api_id: str) -> str:
    """The authorizer's Lambda function name: `<api>-authorizer`, in Lambda's alphabet."""
    stem = _NOT_IN_FUNCTION_NAME.sub("-", api_id)[: 64 - len(FUNCTION_SUFFIX)]
    return stem + FUNCTION_SUFFIX


def handler_file_problem(reference: str, project_dir: Path) -> str | None:
    """A missing handler file, or a Python file that does not compile, named with its line;
    what only running it shows (a missing handler, an import error) is the function's init
    error, logged when it is first asked."""
    parts = handler_parts(reference)
    if isinstance(parts, str):
        return parts
    path = project_dir.joinpath(*parts[0].parts).resolve()
    if not path.is_file():
        return f"{path}: file not found (from '{reference}')"
    if path.suffix == ".py":
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except SyntaxError as error:
            return f"{path}:{error.lineno}: syntax error: {error.msg}"
    return None


def create(
    config: Mapping[str, Any], project_dir: Path, *, api_name: str | None = None
) -> LambdaAuthorizer:
    """The configured mode and the Lambda function it runs on the local runtime.

    `api_name` is the requestContext's `apiId` (by default the project directory's name, which
    is also the API's name when `strawsync.yaml` sets none). Raises ValueError naming the file
    and the problem when the handler's file is missing or does not compile."""
    problems = config_problems(config)
    if problems:
        raise ValueError("; ".join(problems))
    api_id = api_name or project_dir.resolve().name
    timeout = float(config.get("timeoutSeconds", DEFAULT_TIMEOUT_SECONDS))
    expression = config.get("identityValidationExpression")
    validation = re.compile(expression) if expression else None
    ttl_seconds = config.get("authorizerResultTtlInSeconds", DEFAULT_TTL_SECONDS)
    account_id = config.get("accountId", DEFAULT_ACCOUNT_ID)
    if "lambdaFunctionArn" in config:
        arn: str = config["lambdaFunctionArn"]
        return LambdaAuthorizer(
            _NotAttached(),
            api_id=api_id,
            account_id=account_id,
            ttl_seconds=ttl_seconds,
            validation=validation,
            name=arn,
            remote_function=parse_arn(arn),
            endpoint=config.get("endpoint"),
            timeout_seconds=timeout,
        )
    reference: str = config["function"]
    problem = handler_file_problem(reference, project_dir)
    if problem is not None:
        raise ValueError(problem)
    function = local_function_config(
        function_name(api_id), {"handler": reference, "timeout": timeout}, project_dir
    )
    return LambdaAuthorizer(
        _NotAttached(),
        api_id=api_id,
        account_id=account_id,
        ttl_seconds=ttl_seconds,
        validation=validation,
        name=reference,
        local_function=function,
    )
