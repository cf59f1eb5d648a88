"""A function on AWS Lambda, called through the Invoke API as a `FunctionInvoker`.

`POST /2015-03-31/functions/{FunctionName}/invocations` with `X-Amz-Invocation-Type` and
`X-Amz-Client-Context` (base64 JSON), signed with SigV4 for service `lambda` by the signer
and credential chain the DynamoDB client uses (botocore's chain, resolved off the event
loop), over one pooled aiohttp session. The answer is Lambda's: the function's payload,
`X-Amz-Function-Error` when it raised, or an error document for a refusal.

Retries. Lambda does not retry synchronous invokes, and a function "might have run
completely, partially, or not at all" when a call fails midway, so a blind retry could run a
mutation twice. Only failures that prove the function did not run are retried, with
botocore's standard backoff, attempt count for Lambda (3) and retry quota: a 429
`TooManyRequestsException` (Lambda refused before running it) and a connection that could
not be opened (nothing was sent). A 5xx, a reset after sending, or a timeout is reported at
once. The lean path is used rather than aioboto3: against the loopback fake, sequential
Invokes of a small event cost about 330 us of client CPU here and 1,360 us through aioboto3's
`client.invoke` (botocore's model-driven serialisation, hooks and response parsing), for a
request whose body is already the bytes to send.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from typing import Final
from urllib.parse import quote

import aiohttp
import orjson
from yarl import URL

from app.datasources.awslambda.config import FunctionArn
from app.datasources.dynamodb.client import (
    BotocoreCredentials,
    CredentialSource,
    DynamoDBError,
    RetryPolicy,
    SigV4Signer,
    Sleep,
    connection_problem,
)
from app.functions.base import (
    SERVICE_EXCEPTION,
    TOO_MANY_REQUESTS,
    InvocationResult,
    InvocationType,
    InvokeRefused,
)

logger = logging.getLogger("strawsync.lambda")

SERVICE: Final = "lambda"
API_VERSION: Final = "2015-03-31"
MAX_ATTEMPTS: Final = 3
"""botocore's standard mode for Lambda (the reference measured 3 attempts on a 429)."""
DEFAULT_TIMEOUT_SECONDS: Final = 30.0
"""AppSync's own limit on a request's execution: no Lambda answer is awaited longer."""
UNAVAILABLE: Final = "ServiceUnavailable"
TIMED_OUT: Final = "RequestTimeout"


class RemoteFunctionInvoker:
    """One function on AWS Lambda (or any endpoint that speaks its Invoke API)."""

    def __init__(
        self,
        function: FunctionArn,
        *,
        endpoint: str | None = None,
        credentials: CredentialSource | None = None,
        retry: RetryPolicy | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        pool_size: int = 100,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._function = function
        base = (endpoint or f"https://lambda.{function.region}.amazonaws.com").rstrip("/")
        self.path = f"/{API_VERSION}/functions/{quote(function.arn, safe='')}/invocations"
        self._canonical_path = quote(self.path, safe="/~")  # botocore encodes it once more
        self._url = URL(base + self.path, encoded=True)
        self._host = self._url.raw_authority
        self.endpoint = base
        self._credentials = credentials or BotocoreCredentials(
            allow_anonymous_local=endpoint is not None
        )
        self.retry = retry or RetryPolicy(max_attempts=MAX_ATTEMPTS)
        self._signer = SigV4Signer(function.region, SERVICE)
        self._timeout_seconds = timeout_seconds
        self._pool_size = pool_size
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None

    @property
    def name(self) -> str:
        return self._function.name

    @property
    def arn(self) -> str:
        return self._function.arn

    async def start(self) -> None:
        """Open the connection pool and resolve credentials once, off the event loop."""
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            timeout = aiohttp.ClientTimeout(total=self._timeout_seconds)
            self._session = aiohttp.ClientSession(connector=connector, timeout=timeout)
        try:
            await self._credentials()
        except DynamoDBError as error:
            raise RuntimeError(f"Lambda function {self.arn}: {error.message}") from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def invoke(
        self,
        payload: bytes,
        *,
        invocation_type: InvocationType = InvocationType.REQUEST_RESPONSE,
        client_context: str | None = None,
        cognito_identity: str | None = None,
    ) -> InvocationResult:
        """Run the function once on AWS Lambda. Raises `InvokeRefused` for Lambda's
        refusals, and for an endpoint that cannot be reached (`ServiceUnavailable`) or does
        not answer in time (`RequestTimeout`). `cognito_identity` has no place in the
        Invoke API (only the mobile SDKs' client context does) and is not sent."""
        headers = {"X-Amz-Invocation-Type": invocation_type.value}
        if client_context is not None:
            headers["X-Amz-Client-Context"] = base64.b64encode(client_context.encode()).decode()
        attempt = 0
        spent = 0
        while True:
            attempt += 1
            try:
                result = await self._send(payload, dict(headers))
            except _Retryable as failure:
                error = failure.error
                cost = 0
                if attempt < self.retry.max_attempts:
                    cost = self.retry.quota.acquire(timeout=failure.unreached)
                if not cost:
                    if failure.unreached:
                        logger.warning("Lambda %s at %s: %s", self.name, self.endpoint, error)
                    raise error from None
                spent += cost
                delay = self.retry.delay(attempt)
                logger.debug("Lambda %s: %s, retry %d in %.3fs", self.name, error, attempt, delay)
                await self._sleep(delay)
                continue
            self.retry.quota.release(spent)
            return result

    async def _send(self, payload: bytes, headers: dict[str, str]) -> InvocationResult:
        session = self._session
        if session is None:
            raise RuntimeError("RemoteFunctionInvoker.start() was not awaited")
        headers["Host"] = self._host
        try:
            credentials = await self._credentials()
        except DynamoDBError as error:
            raise InvokeRefused(error.code, error.message) from None
        self._signer.sign(headers, payload, credentials, path=self._canonical_path)
        try:
            async with session.post(self._url, data=payload, headers=headers) as response:
                body = await response.read()
                status = response.status
                answer = response.headers
        except TimeoutError:  # before ClientConnectionError: ServerTimeoutError is both
            logger.warning("Lambda %s at %s: no answer in time", self.name, self.endpoint)
            raise InvokeRefused(
                TIMED_OUT, f"Lambda did not answer within {self._timeout_seconds:g} s."
            ) from None
        except aiohttp.ClientConnectorError as exc:  # nothing was sent: safe to retry
            refusal = InvokeRefused(
                UNAVAILABLE, f"Lambda is unavailable: {connection_problem(exc)}."
            )
            raise _Retryable(refusal, unreached=True) from exc
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            logger.warning("Lambda %s at %s: %s", self.name, self.endpoint, exc)
            raise InvokeRefused(
                UNAVAILABLE, f"Lambda is unavailable: {connection_problem(exc)}."
            ) from None
        request_id = answer.get("x-amzn-RequestId", "")
        if status < 300:
            return InvocationResult(body, request_id, answer.get("X-Amz-Function-Error"))
        refusal = parse_refusal(status, body, answer.get("X-Amzn-ErrorType"))
        if refusal.error_type == TOO_MANY_REQUESTS:
            raise _Retryable(refusal, unreached=False)
        raise refusal


class _Retryable(Exception):
    """A failure that proves the function did not run."""

    def __init__(self, error: InvokeRefused, *, unreached: bool) -> None:
        self.error = error
        self.unreached = unreached
        super().__init__(str(error))


def parse_refusal(status: int, body: bytes, error_type_header: str | None) -> InvokeRefused:
    """Lambda's error answer (REST-JSON: the type in `X-Amzn-ErrorType` or the body's
    `Type`/`__type`, the message in `message`/`Message`, throttling's `Reason`)."""
    try:
        document = orjson.loads(body) if body else {}
    except orjson.JSONDecodeError:
        document = {}
    if not isinstance(document, dict):
        document = {}
    raw = error_type_header or document.get("__type") or document.get("code") or ""
    code = str(raw).split(":", 1)[0].rsplit("#", 1)[-1]
    if not code:
        code = TOO_MANY_REQUESTS if status == 429 else SERVICE_EXCEPTION
    message = document.get("message", document.get("Message"))
    if not isinstance(message, str):
        message = f"Lambda answered HTTP {status}."
    reason = document.get("Reason")
    return InvokeRefused(code, message, reason if isinstance(reason, str) else None)
