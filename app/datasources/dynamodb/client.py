"""A lean async client for DynamoDB's JSON protocol: SigV4 signing, standard retries, errors.

Request templates already render DynamoDB's wire JSON, so item operations skip botocore's
model-driven serialisation and send it as is over one pooled aiohttp session. What botocore
gets right is kept: its credential chain (resolved off the event loop), SigV4 as its
`SigV4Auth` computes it (with the derived key cached per day, region and service), the
*standard* retry mode's conditions and backoff, and the quota that stops retry storms.

A client never tells its caller where it connects: a refused connection, a failed DNS lookup
or a reset becomes `ServiceUnavailable` (HTTP 503, DynamoDB's own name for "the service is
unavailable"), a timeout `RequestTimeout`, each with a message free of hosts, ports and paths;
the details go to the server log. While the local engine behind a client is down (see
`app/engines/`), `mark_unavailable` makes every call fail at once with `ServiceUnavailable`
instead of waiting on retries, until `retarget` points it at the restarted engine.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import random
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

logger = logging.getLogger("strawsync.dynamodb")

SERVICE = "dynamodb"
TARGET_PREFIX = "DynamoDB_20120810."
CONTENT_TYPE = "application/x-amz-json-1.0"

# botocore's standard mode: `retries/standard.py` and the reference's measurement (4 attempts
# for DynamoDB in botocore 1.44; the venv's 1.40 uses 3 for every service, so pin it here).
MAX_ATTEMPTS = 4
MAX_BACKOFF_SECONDS = 20.0
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
TRANSIENT_CODES = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
)
TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})
# Retryable in DynamoDB's service model (`"retryable": {...}` on the error shape).
MODELED_RETRYABLE_CODES = frozenset({"InternalServerError"})

# What a client reports when it cannot reach DynamoDB at all (not an answer from DynamoDB).
UNAVAILABLE = "ServiceUnavailable"
TIMED_OUT = "RequestTimeout"


class DynamoDBError(Exception):
    """A failed DynamoDB call: the exception class name, its message and the raw error body.

    `body` keeps what some errors carry beyond the message: `CancellationReasons` for
    `TransactionCanceledException`, `Item` for a failed condition that asked for it.
    `answered` is False when no response arrived (connection failed, or timed out).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 400,
        request_id: str = "",
        body: Mapping[str, Any] | None = None,
        answered: bool = True,
    ) -> None:
        self.code = code
        self.message = message
        self.status = status
        self.request_id = request_id
        self.body: Mapping[str, Any] = body or {}
        self.answered = answered
        super().__init__(f"{code}: {message}")

    @property
    def cancellation_reasons(self) -> list[dict[str, Any]]:
        reasons = self.body.get("CancellationReasons")
        return list(reasons) if isinstance(reasons, list) else []

    @property
    def item(self) -> dict[str, Any] | None:
        item = self.body.get("Item")
        return item if isinstance(item, dict) else None


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None


CredentialSource = Callable[[], Awaitable[Credentials]]


class BotocoreCredentials:
    """botocore's default credential chain, resolved and refreshed in a worker thread.

    The chain may read files or call STS/IMDS, so it never runs on the event loop. Without any
    credentials and with an explicit endpoint (DynamoDB Local) it falls back to a fixed pair,
    since DynamoDB Local checks only that a signature is present.
    """

    def __init__(self, *, allow_anonymous_local: bool) -> None:
        self._allow_local = allow_anonymous_local
        self._source: Any = None
        self._frozen: Credentials | None = None
        self._lock = asyncio.Lock()

    async def __call__(self) -> Credentials:
        frozen = self._frozen
        if frozen is not None and not self._refresh_needed():
            return frozen
        async with self._lock:
            if self._frozen is None or self._refresh_needed():
                self._frozen = await asyncio.to_thread(self._resolve)
            return self._frozen

    def _refresh_needed(self) -> bool:
        check = getattr(self._source, "refresh_needed", None)
        return bool(check()) if callable(check) else False

    def _resolve(self) -> Credentials:
        import botocore.session

        if self._source is None:
            self._source = botocore.session.Session().get_credentials()
        if self._source is None:
            if self._allow_local:
                return Credentials(
                    "strawsynclocal", "strawsynclocal"
                )  # letters only: DynamoDB Local 3
            raise DynamoDBError(
                "MissingCredentials",
                "No AWS credentials found (environment, shared files, SSO or instance role).",
            )
        f = self._source.get_frozen_credentials()
        return Credentials(f.access_key, f.secret_key, f.token)


def static_credentials(credentials: Credentials) -> CredentialSource:
    async def source() -> Credentials:
        return credentials

    return source


class SigV4Signer:
    """AWS Signature Version 4 as botocore's `SigV4Auth` signs it (POST / with a JSON body for
    DynamoDB; any method, path and query for Lambda and OpenSearch).

    The derived signing key depends only on the secret, the UTC date, the region and the
    service, so it is computed once a day instead of four HMACs per request.
    """

    def __init__(self, region: str, service: str = SERVICE) -> None:
        self.region = region
        self.service = service
        self._keys: dict[tuple[str, str], bytes] = {}

    def signing_key(self, secret_key: str, date: str) -> bytes:
        cache_key = (secret_key, date)
        key = self._keys.get(cache_key)
        if key is None:
            key = _hmac(("AWS4" + secret_key).encode(), date)
            for part in (self.region, self.service, "aws4_request"):
                key = _hmac(key, part)
            self._keys.clear()  # one day, one secret at a time
            self._keys[cache_key] = key
        return key

    def sign(
        self,
        headers: dict[str, str],
        body: bytes,
        credentials: Credentials,
        now: datetime | None = None,
        *,
        path: str = "/",
        query: str = "",
        method: str = "POST",
        content_sha256: bool = False,
    ) -> None:
        """Add `X-Amz-Date`, the session token if any, and `Authorization` to `headers`.

        `path` and `query` are the canonical URI and query string (already encoded as SigV4
        wants them; the Lambda Invoke API signs `/2015-03-31/functions/.../invocations`).
        `content_sha256` also sends (and signs) the payload hash as `X-Amz-Content-SHA256`,
        which OpenSearch Serverless (`aoss`) requires."""
        moment = now or datetime.now(UTC)
        amz_date = moment.strftime("%Y%m%dT%H%M%SZ")
        date = amz_date[:8]
        payload_hash = hashlib.sha256(body).hexdigest()
        headers["X-Amz-Date"] = amz_date
        if content_sha256:
            headers["X-Amz-Content-SHA256"] = payload_hash
        if credentials.token:
            headers["X-Amz-Security-Token"] = credentials.token
        signed = sorted((name.lower(), " ".join(value.split())) for name, value in headers.items())
        signed_names = ";".join(name for name, _ in signed)
        canonical = "\n".join(
            (
                method,
                path,
                query,
                "".join(f"{name}:{value}\n" for name, value in signed),
                signed_names,
                payload_hash,
            )
        )
        scope = f"{date}/{self.region}/{self.service}/aws4_request"
        to_sign = "\n".join(
            ("AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest())
        )
        signature = hmac.new(
            self.signing_key(credentials.secret_key, date), to_sign.encode(), hashlib.sha256
        ).hexdigest()
        headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
            f"SignedHeaders={signed_names}, Signature={signature}"
        )


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


@dataclass(slots=True)
class RetryQuota:
    """botocore's standard-mode retry token bucket: retries spend, successes refill."""

    capacity: int = 500
    available: int = 500
    retry_cost: int = 5
    timeout_cost: int = 10

    def acquire(self, *, timeout: bool) -> int:
        cost = self.timeout_cost if timeout else self.retry_cost
        if cost > self.available:
            return 0
        self.available -= cost
        return cost

    def release(self, spent: int) -> None:
        self.available = min(self.capacity, self.available + (spent or 1))


@dataclass(slots=True)
class RetryPolicy:
    """Standard mode: retry throttling, transient and modeled errors with full-jitter backoff."""

    max_attempts: int = MAX_ATTEMPTS
    max_backoff: float = MAX_BACKOFF_SECONDS
    random: Callable[[], float] = random.random
    quota: RetryQuota = field(default_factory=RetryQuota)

    def delay(self, attempt: int) -> float:
        """Delay after the 1-based `attempt` failed: rand(0,1) * min(2**(attempt-1), 20)."""
        return self.random() * min(2.0 ** (attempt - 1), self.max_backoff)

    @staticmethod
    def retryable(error: DynamoDBError) -> bool:
        return (
            error.code in THROTTLING_CODES
            or error.code in TRANSIENT_CODES
            or error.code in MODELED_RETRYABLE_CODES
            or error.status in TRANSIENT_STATUSES
            or not error.answered
        )

    @staticmethod
    def unreached(error: DynamoDBError) -> bool:
        """No answer at all (connection failed or timed out): retries cost the quota more."""
        return not error.answered


def connection_problem(error: BaseException) -> str:
    """What went wrong reaching DynamoDB, in words that name no host, port or path."""
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return "the endpoint's host name could not be resolved"
    if isinstance(error, aiohttp.ClientConnectorError):
        if isinstance(error.os_error, ConnectionRefusedError):
            return "the connection was refused"
        return "the connection could not be opened"
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return "the connection was closed before a response arrived"
    if isinstance(error, aiohttp.ClientPayloadError):
        return "the response was cut short"
    if isinstance(error, ConnectionResetError) or (
        isinstance(error, aiohttp.ClientOSError) and error.errno == 104
    ):
        return "the connection was reset"
    return "the connection failed"


def unavailable(problem: str) -> DynamoDBError:
    """The error a call gets when DynamoDB cannot be reached: `ServiceUnavailable`, 503."""
    return DynamoDBError(
        UNAVAILABLE, f"DynamoDB is unavailable: {problem}.", status=503, answered=False
    )


Sleep = Callable[[float], Awaitable[None]]


class DynamoDBClient:
    """One pooled, signed, retrying connection to one DynamoDB endpoint.

    `call("GetItem", payload)` sends DynamoDB wire JSON and returns the parsed response, or
    raises `DynamoDBError` once retries are exhausted or the error is not retryable.
    """

    def __init__(
        self,
        *,
        region: str,
        endpoint: str | None = None,
        credentials: CredentialSource | None = None,
        retry: RetryPolicy | None = None,
        pool_size: int = 100,
        timeout_seconds: float = 10.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.region = region
        self.endpoint = ""
        self._host = ""
        self.retarget(endpoint_url(region, endpoint))
        self._unavailable: str | None = None
        self._timeout_seconds = timeout_seconds
        self._credentials = credentials or BotocoreCredentials(
            allow_anonymous_local=endpoint is not None
        )
        self.retry = retry or RetryPolicy()
        self._signer = SigV4Signer(region)
        self._pool_size = pool_size
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None

    def retarget(self, endpoint: str) -> None:
        """Send every later call to `endpoint` (a restarted local engine), and accept calls
        again after `mark_unavailable`."""
        self.endpoint = endpoint.rstrip("/") + "/"
        parts = urlsplit(self.endpoint)
        default_port = {"http": 80, "https": 443}.get(parts.scheme)
        host = parts.hostname or ""
        if parts.port and parts.port != default_port:
            host = f"{host}:{parts.port}"
        self._host = host
        self._unavailable = None

    def mark_unavailable(self, problem: str) -> None:
        """Fail every call (and every pending retry) at once with `ServiceUnavailable`,
        saying `problem`, until `retarget` is called."""
        self._unavailable = problem

    async def start(self) -> None:
        """Open the connection pool and resolve credentials once, off the event loop."""
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        await self._credentials()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def call(self, operation: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        body = orjson.dumps(payload)
        attempt = 0
        spent = 0
        while True:
            attempt += 1
            if self._unavailable is not None:
                raise unavailable(self._unavailable)
            try:
                result = await self._send(operation, body)
            except DynamoDBError as error:
                if not self.retry.retryable(error) or attempt >= self.retry.max_attempts:
                    self._log_unreached(operation, error)
                    raise
                cost = self.retry.quota.acquire(timeout=self.retry.unreached(error))
                if not cost:
                    self._log_unreached(operation, error)
                    raise
                spent += cost
                delay = self.retry.delay(attempt)
                logger.debug(
                    "DynamoDB %s: %s, retry %d in %.3fs", operation, error.code, attempt, delay
                )
                await self._sleep(delay)
                continue
            self.retry.quota.release(spent)
            return result

    async def _send(self, operation: str, body: bytes) -> dict[str, Any]:
        session = self._session
        if session is None:
            raise RuntimeError("DynamoDBClient.start() was not awaited")
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Host": self._host,
            "X-Amz-Target": TARGET_PREFIX + operation,
        }
        self._signer.sign(headers, body, await self._credentials())
        try:
            async with session.post(self.endpoint, data=body, headers=headers) as response:
                raw = await response.read()
                status = response.status
                request_id = response.headers.get("x-amzn-RequestId", "")
                crc = response.headers.get("x-amz-crc32")
        except TimeoutError as exc:  # before ClientConnectionError: ServerTimeoutError is both
            raise DynamoDBError(
                TIMED_OUT,
                f"DynamoDB did not answer within {self._timeout_seconds:g} s.",
                status=0,
                answered=False,
            ) from exc
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            raise unavailable(connection_problem(exc)) from exc
        if crc is not None and crc.isdigit() and zlib.crc32(raw) & 0xFFFFFFFF != int(crc):
            raise DynamoDBError("CRC32CheckFailed", "Response checksum mismatch.", status=500)
        return parse_response(status, raw, request_id)

    def _log_unreached(self, operation: str, error: DynamoDBError) -> None:
        """The operator sees where the call went and why it failed; the client never does."""
        if self.retry.unreached(error):
            logger.warning(
                "DynamoDB %s to %s failed: %s", operation, self.endpoint, error.__cause__ or error
            )


def endpoint_url(region: str, endpoint: str | None) -> str:
    """The configured endpoint, else AWS's regional DynamoDB endpoint."""
    return (endpoint or f"https://dynamodb.{region}.amazonaws.com").rstrip("/") + "/"


def parse_response(status: int, raw: bytes, request_id: str) -> dict[str, Any]:
    """The JSON body of a 2xx response, or the `DynamoDBError` a failed one describes."""
    try:
        data = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        data = None
    if 200 <= status < 300 and isinstance(data, dict):
        return data
    if not isinstance(data, dict):
        raise DynamoDBError(
            f"HTTP{status}",
            raw[:200].decode("utf-8", "replace"),
            status=status,
            request_id=request_id,
        )
    raw_type = str(data.get("__type") or data.get("code") or f"HTTP{status}")
    code = raw_type.rsplit("#", 1)[-1].split(":", 1)[0]
    message = data.get("message", data.get("Message", ""))
    raise DynamoDBError(
        code,
        message if isinstance(message, str) else "",
        status=status,
        request_id=request_id,
        body=data,
    )
