"""A lean async client for an OpenSearch (or Elasticsearch) cluster's REST API.

One pooled aiohttp session per cluster; each request is authenticated the way the cluster
wants (SigV4 for service `es` or `aoss` with botocore's credential chain resolved off the
event loop, HTTP basic auth, or nothing) and retried as botocore's *standard* mode retries:
429, 502, 503 and 504 answers and failed connections, with full-jitter backoff and the retry
quota that stops retry storms. A request that may have changed something is never sent twice:
a `POST` (other than a search, count or multi-get) that reached the cluster is retried only on
429, which proves the cluster refused it.

Any answer from the cluster, 4xx and 5xx included, comes back as an `OpenSearchResponse`; the
caller decides what an error status means. `OpenSearchError` is raised only when no answer
arrives (unreachable, timed out, no credentials), with a message that names no host, port or
path: those go to the server log. While the local engine behind a client is down,
`mark_unavailable` makes every call fail at once until `retarget` points at the restarted one.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol
from urllib.parse import quote, urlsplit

import aiohttp
import orjson
from yarl import URL

from app.datasources.dynamodb.client import (
    BotocoreCredentials,
    Credentials,
    CredentialSource,
    DynamoDBError,
    RetryPolicy,
    SigV4Signer,
    Sleep,
    connection_problem,
)

logger = logging.getLogger("strawsync.opensearch")

MAX_ATTEMPTS: Final = 3
"""botocore's standard mode default for every service but DynamoDB."""
RETRY_STATUSES: Final = frozenset({429, 502, 503, 504})
THROTTLED: Final = 429
READ_ONLY_POST_ENDPOINTS: Final = frozenset(
    {"_search", "_count", "_msearch", "_mget", "_refresh", "_validate", "_explain", "_analyze"}
)
"""POST endpoints that change nothing, so a retry after a reset or a 5xx is safe."""
UNAVAILABLE: Final = "ServiceUnavailable"
TIMED_OUT: Final = "RequestTimeout"
MISSING_CREDENTIALS: Final = "MissingCredentials"
PATH_SAFE: Final = "/%:@!$&'()*+,;=-._~"
"""Characters a request path keeps as written: existing %-escapes stay escapes."""
QUERY_SAFE: Final = "-_.~"
JSON: Final = "application/json"
NDJSON: Final = "application/x-ndjson"


class OpenSearchError(Exception):
    """No answer from the cluster: `ServiceUnavailable`, `RequestTimeout` or
    `MissingCredentials`. The message is safe to show a client."""

    def __init__(self, code: str, message: str, status: int = 503) -> None:
        self.code = code
        self.message = message
        self.status = status
        super().__init__(f"{code}: {message}")


@dataclass(frozen=True, slots=True)
class OpenSearchResponse:
    """The cluster's answer: its status and body (parsed JSON, else text; None when empty)."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class OutgoingRequest:
    """What an authenticator sees: the method, SigV4's canonical path and query, the body."""

    method: str
    canonical_path: str
    canonical_query: str
    body: bytes


class Authenticator(Protocol):
    """Adds whatever headers prove who is calling. Never logs what it adds."""

    async def prepare(self) -> None:
        """Get ready before the first request (resolve credentials); raises OpenSearchError."""
        ...

    async def apply(self, request: OutgoingRequest, headers: dict[str, str]) -> None: ...


class NoAuth:
    async def prepare(self) -> None:
        return None

    async def apply(self, request: OutgoingRequest, headers: dict[str, str]) -> None:
        return None


class BasicAuth:
    """HTTP basic authentication (self-hosted clusters with the security plugin)."""

    def __init__(self, username: str, password: str) -> None:
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self._header = f"Basic {token}"

    def __repr__(self) -> str:
        return "BasicAuth(***)"

    async def prepare(self) -> None:
        return None

    async def apply(self, request: OutgoingRequest, headers: dict[str, str]) -> None:
        headers["Authorization"] = self._header


class SigV4Auth:
    """SigV4 for Amazon OpenSearch Service (`es`) or OpenSearch Serverless (`aoss`, which
    also wants the payload hash in `X-Amz-Content-SHA256`)."""

    def __init__(
        self, region: str, service: str = "es", credentials: CredentialSource | None = None
    ) -> None:
        self._signer = SigV4Signer(region, service)
        self._credentials = credentials or BotocoreCredentials(allow_anonymous_local=False)
        self._content_sha256 = service == "aoss"

    async def prepare(self) -> None:
        await self._resolve()

    async def _resolve(self) -> Credentials:
        try:
            return await self._credentials()
        except DynamoDBError as error:
            raise OpenSearchError(MISSING_CREDENTIALS, error.message, status=0) from None

    async def apply(self, request: OutgoingRequest, headers: dict[str, str]) -> None:
        credentials = await self._resolve()
        self._signer.sign(
            headers,
            request.body,
            credentials,
            path=request.canonical_path,
            query=request.canonical_query,
            method=request.method,
            content_sha256=self._content_sha256,
        )


def encode_path(path: str) -> str:
    """`path` as sent: characters a URL path cannot hold %-escaped, escapes kept."""
    return quote(path, safe=PATH_SAFE)


def encode_query(query: Mapping[str, str]) -> str:
    """SigV4's canonical query string, which is also what is sent: sorted, RFC 3986."""
    pairs = sorted((quote(k, safe=QUERY_SAFE), quote(v, safe=QUERY_SAFE)) for k, v in query.items())
    return "&".join(f"{k}={v}" for k, v in pairs)


def changes_nothing(method: str, path: str) -> bool:
    """Whether sending the request twice is harmless (every method but a writing POST)."""
    if method != "POST":
        return True
    return any(part in READ_ONLY_POST_ENDPOINTS for part in path.split("?", 1)[0].split("/"))


class _NoAnswer(Exception):
    def __init__(self, error: OpenSearchError, *, sent: bool) -> None:
        self.error = error
        self.sent = sent
        """Whether the request may have reached the cluster (a reset or timeout after sending)."""
        super().__init__(error.message)


LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


class OpenSearchClient:
    """One pooled, authenticated, retrying connection to one cluster."""

    def __init__(
        self,
        endpoint: str,
        *,
        auth: Authenticator | None = None,
        retry: RetryPolicy | None = None,
        timeout_seconds: float = 10.0,
        pool_size: int = 100,
        sleep: Sleep = asyncio.sleep,
        service_name: str = "OpenSearch",
    ) -> None:
        self.endpoint = ""
        self._origin = ""
        self._prefix = ""
        self._host = ""
        self._loopback = False
        self._auth: Authenticator = auth or NoAuth()
        self._unavailable: str | None = None
        self.retarget(endpoint)
        self.retry = retry or RetryPolicy(max_attempts=MAX_ATTEMPTS)
        self._timeout_seconds = timeout_seconds
        self._pool_size = pool_size
        self._sleep = sleep
        self._service = service_name
        self._session: aiohttp.ClientSession | None = None

    def retarget(self, endpoint: str, auth: Authenticator | None = None) -> None:
        """Send every later call to `endpoint` (a restarted local engine), with `auth` if
        given, and accept calls again after `mark_unavailable`."""
        self.endpoint = endpoint.rstrip("/")
        parts = urlsplit(self.endpoint)
        self._origin = f"{parts.scheme}://{parts.netloc}"
        self._prefix = encode_path(parts.path.rstrip("/"))
        default_port = {"http": 80, "https": 443}.get(parts.scheme)
        host = parts.hostname or ""
        if parts.port and parts.port != default_port:
            host = f"{host}:{parts.port}"
        self._host = host
        self._loopback = parts.hostname in LOOPBACK_HOSTS
        if auth is not None:
            self._auth = auth
        self._unavailable = None

    def mark_unavailable(self, problem: str) -> None:
        """Fail every call (and every pending retry) at once with `ServiceUnavailable`,
        saying `problem`, until `retarget` is called."""
        self._unavailable = problem

    @property
    def unavailable(self) -> str | None:
        """Why calls fail fast right now, or None."""
        return self._unavailable

    async def start(self) -> None:
        """Open the connection pool and get the authenticator ready (credentials are
        resolved off the event loop); raises OpenSearchError without credentials."""
        await self._auth.prepare()
        await self._open()

    async def _open(self) -> None:
        if self._session is None:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            timeout = aiohttp.ClientTimeout(total=self._timeout_seconds)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=timeout, auto_decompress=True
            )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        ndjson: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> OpenSearchResponse:
        """Send one request (`path` starts with "/"; `body` is JSON, `ndjson` a `_bulk`
        payload) and return the cluster's answer, whatever its status."""
        method = method.upper()
        if ndjson is not None:
            payload, content_type = ndjson, NDJSON
        elif body is not None:
            payload, content_type = orjson.dumps(body, default=_plain), JSON
        else:
            payload, content_type = b"", None
        raw_path = self._prefix + encode_path(path if path.startswith("/") else "/" + path)
        raw_query = encode_query(query or {})
        url = URL(self._origin + raw_path + (f"?{raw_query}" if raw_query else ""), encoded=True)
        outgoing = OutgoingRequest(method, quote(raw_path, safe="/~"), raw_query, payload)
        base_headers = dict(headers or {})
        if content_type is not None:
            base_headers["Content-Type"] = content_type
        repeatable = changes_nothing(method, raw_path)
        attempt = 0
        spent = 0
        while True:
            attempt += 1
            if self._unavailable is not None:
                raise self._unreachable(self._unavailable)
            try:
                response = await self._send(url, outgoing, dict(base_headers))
            except _NoAnswer as failure:
                cost = 0
                if repeatable or not failure.sent:
                    cost = self._retry_cost(attempt, unreached=True)
                if not cost:
                    logger.warning(
                        "%s %s %s at %s: %s",
                        self._service,
                        method,
                        path,
                        self.endpoint,
                        failure.__cause__ or failure.error.message,
                    )
                    raise failure.error from None
                spent += cost
                await self._back_off(attempt, method, path, failure.error.code)
                continue
            if response.status in RETRY_STATUSES and (repeatable or response.status == THROTTLED):
                cost = self._retry_cost(attempt, unreached=False)
                if cost:
                    spent += cost
                    await self._back_off(attempt, method, path, f"HTTP {response.status}")
                    continue
            if response.ok:  # as botocore: only a success refills the quota
                self.retry.quota.release(spent)
            return response

    def _retry_cost(self, attempt: int, *, unreached: bool) -> int:
        if attempt >= self.retry.max_attempts:
            return 0
        return self.retry.quota.acquire(timeout=unreached)

    async def _back_off(self, attempt: int, method: str, path: str, why: str) -> None:
        delay = self.retry.delay(attempt)
        logger.debug(
            "%s %s %s: %s, retry %d in %.3fs", self._service, method, path, why, attempt, delay
        )
        await self._sleep(delay)

    def _unreachable(self, problem: str) -> OpenSearchError:
        return OpenSearchError(UNAVAILABLE, f"{self._service} is unavailable: {problem}.")

    async def _send(
        self, url: URL, outgoing: OutgoingRequest, headers: dict[str, str]
    ) -> OpenSearchResponse:
        if self._session is None:
            await self._open()
        session = self._session
        assert session is not None
        headers["Host"] = self._host
        if self._loopback:
            headers["Accept-Encoding"] = "identity"  # compressing on loopback only costs CPU
        await self._auth.apply(outgoing, headers)
        try:
            async with session.request(
                outgoing.method, url, data=outgoing.body or None, headers=headers
            ) as response:
                raw = await response.read()
                status = response.status
        except TimeoutError as exc:  # before ClientConnectionError: ServerTimeoutError is both
            error = OpenSearchError(
                TIMED_OUT,
                f"{self._service} did not answer within {self._timeout_seconds:g} s.",
                status=504,
            )
            raise _NoAnswer(error, sent=True) from exc
        except aiohttp.ClientConnectorError as exc:  # nothing was sent
            raise _NoAnswer(self._unreachable(connection_problem(exc)), sent=False) from exc
        except (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
            raise _NoAnswer(self._unreachable(connection_problem(exc)), sent=True) from exc
        return OpenSearchResponse(status, parse_body(raw))


def _plain(value: Any) -> Any:
    """Frozen configuration (mappingproxy) serialises as the object it is."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def parse_body(raw: bytes) -> Any:
    """JSON when the body is JSON, else its text (`_cat` without `format=json`); None if empty."""
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", "replace")
