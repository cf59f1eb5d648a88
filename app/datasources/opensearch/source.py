"""The AMAZON_OPENSEARCH_SERVICE (and legacy AMAZON_ELASTICSEARCH) data source.

A resolver's request document (`app/datasources/opensearch/requests.py`) becomes one REST
call to the cluster; the raw JSON answer is `$ctx.result`, an error status becomes
`$ctx.error` (`app/datasources/opensearch/errors.py`). Configuration: see `config.py`.

Without an `endpoint` the project's embedded engine serves the data source. Whoever starts
that engine calls `use_local_engine(endpoint)` once it answers (and again after a restart,
with its new port), and `engine_down(problem)` while it is gone, so calls fail at once with
`<Service>:ServiceUnavailable` instead of waiting on retries. Declared `indexes` are created
on the local engine when missing; a remote cluster is provisioned only on request
(`provision_indexes`), never as a side effect of serving.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from app.datasources.base import BaseDataSource, ConfigProblem, DataSource, Invocation
from app.datasources.dynamodb.client import CredentialSource, RetryPolicy, Sleep
from app.datasources.opensearch.client import (
    Authenticator,
    BasicAuth,
    NoAuth,
    OpenSearchClient,
    OpenSearchError,
    SigV4Auth,
)
from app.datasources.opensearch.config import (
    AuthSettings,
    AuthType,
    IndexSettings,
    OpenSearchSettings,
    config_problems,
    parse_settings,
)
from app.datasources.opensearch.errors import (
    ELASTICSEARCH,
    OPENSEARCH,
    cluster_error,
    cluster_reason,
    unreachable,
)
from app.datasources.opensearch.requests import parse_request
from app.definition.model import DataSourceDef

logger = logging.getLogger("strawsync.opensearch")

NOT_STARTED: Final = "the local search engine has not started"
SERVICE_BY_TYPE: Final = {
    "AMAZON_OPENSEARCH_SERVICE": OPENSEARCH,
    "AMAZON_ELASTICSEARCH": ELASTICSEARCH,
}


class IndexProvisionError(Exception):
    """An index could not be created: the cluster's reason, or why it could not be asked."""

    def __init__(self, index: str, message: str) -> None:
        self.index = index
        self.message = message
        super().__init__(f"index '{index}': {message}")


@dataclass(frozen=True, slots=True)
class ProvisionResult:
    created: tuple[str, ...]
    existing: tuple[str, ...]


async def provision_indexes(
    client: OpenSearchClient, indexes: Sequence[IndexSettings], service: str = OPENSEARCH
) -> ProvisionResult:
    """Create each index that does not exist yet (`PUT /<name>` with its mappings and
    settings); an existing index is left as it is. Raises IndexProvisionError."""
    created: list[str] = []
    existing: list[str] = []
    for index in indexes:
        try:
            response = await client.request("PUT", f"/{index.name}", body=dict(index.body))
        except OpenSearchError as error:
            raise IndexProvisionError(index.name, error.message) from None
        if response.ok:
            created.append(index.name)
        elif _already_exists(response.body):
            existing.append(index.name)
        else:
            raise IndexProvisionError(index.name, cluster_reason(service, response))
    return ProvisionResult(tuple(created), tuple(existing))


def _already_exists(body: Any) -> bool:
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and error.get("type") in (
        "resource_already_exists_exception",
        "index_already_exists_exception",
    )


class OpenSearchDataSource(BaseDataSource):
    """One cluster (or the embedded engine); every index on it is reachable."""

    def __init__(
        self,
        definition: DataSourceDef,
        *,
        credentials: CredentialSource | None = None,
        retry: RetryPolicy | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(definition)
        self.service = SERVICE_BY_TYPE.get(definition.type, OPENSEARCH)
        self.settings: OpenSearchSettings = parse_settings(definition.config)
        self._credentials = credentials
        self._local_endpoint: str | None = None
        self._started = False
        self.client = OpenSearchClient(
            self.settings.endpoint or "http://127.0.0.1",
            retry=retry,
            timeout_seconds=self.settings.timeout_seconds,
            pool_size=self.settings.max_connections,
            sleep=sleep,
            service_name=self.service,
        )
        if self.needs_local_engine:
            self.client.mark_unavailable(NOT_STARTED)

    @property
    def needs_local_engine(self) -> bool:
        """No endpoint is configured: the project's embedded engine serves this source."""
        return self.settings.endpoint is None

    @property
    def indexes(self) -> tuple[IndexSettings, ...]:
        return self.settings.indexes

    async def use_local_engine(self, endpoint: str) -> None:
        """Point this data source at the embedded engine at `endpoint` and accept calls
        again; once started, create the declared indexes that are missing (raises
        IndexProvisionError). The engine is unauthenticated: no credential is sent to it."""
        self._local_endpoint = endpoint
        self.client.retarget(endpoint, NoAuth())
        if self._started:
            await self._provision_local()

    def engine_down(self, problem: str) -> None:
        """The embedded engine is gone: every call fails at once with
        `<Service>:ServiceUnavailable` saying `problem`, until `use_local_engine`."""
        self.client.mark_unavailable(problem)

    async def start(self) -> None:
        if self.settings.endpoint is not None and self._local_endpoint is None:
            self.client.retarget(self.settings.endpoint, self._authenticator(self.settings.auth))
        try:
            await self.client.start()
        except OpenSearchError as error:
            raise RuntimeError(f"data source '{self.definition.name}': {error.message}") from None
        self._started = True
        if self._local_endpoint is not None and self.client.unavailable is None:
            await self._provision_local()

    async def close(self) -> None:
        self._started = False
        await self.client.close()

    async def provision(self) -> ProvisionResult:
        """Create the declared indexes that are missing on the configured cluster (for the
        CLI; serving never changes a remote cluster by itself)."""
        return await provision_indexes(self.client, self.settings.indexes, self.service)

    async def invoke(self, invocation: Invocation) -> Any:
        request = parse_request(invocation.request)
        try:
            response = await self.client.request(
                request.operation.value,
                request.path,
                query=request.query,
                body=request.body,
                headers=request.headers,
            )
        except OpenSearchError as error:
            raise unreachable(self.service, error) from None
        if not response.ok:
            logger.info(
                "data source %s: %s %s answered %d: %s",
                self.definition.name,
                request.operation.value,
                request.path,
                response.status,
                cluster_reason(self.service, response),
            )
            raise cluster_error(self.service, response)
        return response.body

    async def _provision_local(self) -> None:
        result = await self.provision()
        if result.created:
            logger.info(
                "data source %s: created index(es) %s on the local search engine",
                self.definition.name,
                ", ".join(result.created),
            )

    def _authenticator(self, auth: AuthSettings) -> Authenticator:
        if auth.type == AuthType.AWS_IAM:
            return SigV4Auth(self.settings.region, auth.service, self._credentials)
        if auth.type == AuthType.BASIC:
            password = os.environ.get(auth.password_env)
            if password is None:
                raise RuntimeError(
                    f"data source '{self.definition.name}': the environment variable "
                    f"{auth.password_env} (auth.passwordEnv) is not set"
                )
            return BasicAuth(auth.username, password)
        return NoAuth()


class OpenSearchType:
    """Factory and config validator for AMAZON_OPENSEARCH_SERVICE or AMAZON_ELASTICSEARCH."""

    def __init__(self, type_name: str = "AMAZON_OPENSEARCH_SERVICE") -> None:
        self.type_name = type_name

    def validate_config(self, config: Mapping[str, Any]) -> list[ConfigProblem]:
        return config_problems(config, self.type_name)

    def create(self, definition: DataSourceDef) -> DataSource:
        return OpenSearchDataSource(definition)
