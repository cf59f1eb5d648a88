"""Readiness of the remote DynamoDB endpoints that data sources name (an `endpoint`, or AWS's
regional endpoint for a `region`).

The probe is one unsigned `ListTables` POST with a short timeout: any HTTP answer below 500
(DynamoDB refuses an unsigned request with 400) means the endpoint is reachable and serving;
no answer, or a 5xx, means it is not. It costs no credentials and no capacity.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from app.datasources.dynamodb.client import CONTENT_TYPE, TARGET_PREFIX, connection_problem
from app.datasources.dynamodb.local_runtime import needs_local_engine
from app.datasources.dynamodb.source import DynamoDBDataSource
from app.readiness import DependencyStatus

PROBE_TIMEOUT_SECONDS = 2.0


class RemoteEndpoint:
    """One remote DynamoDB endpoint, as a readiness dependency."""

    kind = "dynamodb"

    def __init__(self, url: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> None:
        self.url = url
        self.shown = _without_credentials(url)
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def check(self) -> DependencyStatus:
        headers = {"Content-Type": CONTENT_TYPE, "X-Amz-Target": TARGET_PREFIX + "ListTables"}
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as session,
                session.post(self.url, data=b"{}", headers=headers) as response,
            ):
                status = response.status
        except TimeoutError:
            return self._down("no answer in time")
        except aiohttp.ClientError as error:
            return self._down(connection_problem(error))
        if status >= 500:
            return self._down(f"answers HTTP {status}")
        return DependencyStatus("dynamodb", self.kind, True, None, self.shown)

    def _down(self, detail: str) -> DependencyStatus:
        return DependencyStatus("dynamodb", self.kind, False, detail, self.shown)


def remote_endpoints(sources: Sequence[DynamoDBDataSource]) -> list[RemoteEndpoint]:
    """One dependency per distinct endpoint among data sources not on DynamoDB Local."""
    urls = {source.endpoint_url for source in sources if not needs_local_engine(source)}
    return [RemoteEndpoint(url) for url in sorted(urls)]


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
