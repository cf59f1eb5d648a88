"""The AMAZON_DYNAMODB data source: config validation, lifecycle, and one call per invocation.

```yaml
- name: EventsTable
  type: AMAZON_DYNAMODB
  config:
    tableName: AppSyncEventTable      # required; BatchX/TransactX name their tables themselves
    region: us-east-1                  # default: $AWS_REGION, else us-east-1
    endpoint: http://127.0.0.1:8000    # default: AWS's regional endpoint
    paginationKeyFile: secrets/ddb.key # or paginationKey: <base64 32 bytes>
    table:                             # provisioning schema (used by `strawsync setup`)
      hashKey: {name: id, type: S}
      rangeKey: {name: createdAt, type: S}
      globalSecondaryIndexes:
        - {indexName: byOwner, hashKey: {name: owner, type: S}}
      stream: {viewType: NEW_AND_OLD_IMAGES}
```

Endpoint injection: whoever starts DynamoDB Local for the project calls `use_local_engine`
(or passes `endpoint=`); it wins over config. The engine's supervisor calls it again after a
restart (a new port), and `engine_down` while the engine is gone, so calls fail fast with
`DynamoDB:ServiceUnavailable` instead of waiting on retries.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.datasources.base import BaseDataSource, ConfigProblem, DataSource, Invocation
from app.datasources.dynamodb.client import (
    Credentials,
    CredentialSource,
    DynamoDBClient,
    RetryPolicy,
    endpoint_url,
    static_credentials,
)
from app.datasources.dynamodb.conflicts import ConflictHandlers, no_handlers
from app.datasources.dynamodb.context import OperationContext
from app.datasources.dynamodb.operations import run
from app.datasources.dynamodb.tokens import TokenSealer, decode_key, resolve_key
from app.definition.model import DataSourceDef

DEFAULT_REGION = "us-east-1"


LOCAL_ACCESS_KEY = "local"


class DynamoDBDataSource(BaseDataSource):
    """One table's data source; batch and transaction requests may reach other tables."""

    def __init__(
        self,
        definition: DataSourceDef,
        *,
        endpoint: str | None = None,
        default_key_file: Path | None = None,
        conflict_handlers: ConflictHandlers = no_handlers,
        credentials: CredentialSource | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(definition)
        config = definition.config
        self.table_name: str = config["tableName"]
        self.region: str = config.get("region") or os.environ.get("AWS_REGION") or DEFAULT_REGION
        self.endpoint: str | None = endpoint or config.get("endpoint")
        self.default_key_file = default_key_file
        self.conflict_handlers = conflict_handlers
        self._credentials = credentials
        self._retry = retry
        self._client: DynamoDBClient | None = None
        self._tokens: TokenSealer | None = None

    def use_local_engine(self, endpoint: str, region: str) -> None:
        """Point this data source at a DynamoDB Local started for it: before `start()`, or
        while serving once a restarted engine answers (calls are accepted again).

        Local engines get fixed credentials: the user's AWS credentials never leave for it,
        and DynamoDB Local 3 accepts only letters and digits in an access key.
        """
        self.endpoint = endpoint
        self.region = region
        self._credentials = static_credentials(Credentials(LOCAL_ACCESS_KEY, LOCAL_ACCESS_KEY))
        if self._client is not None:
            self._client.retarget(endpoint)

    def engine_down(self, problem: str) -> None:
        """The local engine behind this data source is gone: every call fails at once with
        `DynamoDB:ServiceUnavailable` saying `problem`, until `use_local_engine`."""
        if self._client is not None:
            self._client.mark_unavailable(problem)

    @property
    def endpoint_url(self) -> str:
        """Where calls go: the configured or injected endpoint, else AWS's regional one."""
        return endpoint_url(self.region, self.endpoint)

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            raise RuntimeError(f"data source '{self.definition.name}' is not started")
        return self._client

    async def start(self) -> None:
        key = await asyncio.to_thread(
            resolve_key, self.definition.config, default_key_file=self.default_key_file
        )
        self._tokens = TokenSealer(key)
        self._client = DynamoDBClient(
            region=self.region,
            endpoint=self.endpoint,
            credentials=self._credentials,
            retry=self._retry,
        )
        await self._client.start()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def invoke(self, invocation: Invocation) -> Any:
        assert self._tokens is not None
        ctx = OperationContext(
            client=self.client,
            table=self.table_name,
            tokens=self._tokens,
            invocation=invocation,
            region=self.region,
            conflict_handlers=self.conflict_handlers,
        )
        return await run(ctx, invocation.request)


# ----------------------------------------------------------------------------- config checks

KEY_TYPES = ("S", "N", "B")
PROJECTIONS = ("ALL", "KEYS_ONLY", "INCLUDE")
STREAM_VIEWS = ("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")
CONFIG_KEYS = frozenset(
    {
        "tableName",
        "region",
        "endpoint",
        "useCallerCredentials",
        "paginationKey",
        "paginationKeyFile",
        "table",
    }
)

Path_ = tuple[str | int, ...]


def _key_schema(value: Any, path: Path_, problems: list[ConfigProblem]) -> None:
    if not isinstance(value, dict):
        problems.append(ConfigProblem(path, "must be an object {name, type}"))
        return
    for extra in sorted(set(value) - {"name", "type"}):
        problems.append(ConfigProblem((*path, extra), "unknown key attribute setting"))
    if not isinstance(value.get("name"), str) or not value.get("name"):
        problems.append(ConfigProblem((*path, "name"), "must be a non-empty string"))
    if value.get("type") not in KEY_TYPES:
        problems.append(ConfigProblem((*path, "type"), "must be one of S, N, B"))


def _projection(value: Any, path: Path_, problems: list[ConfigProblem]) -> None:
    if not isinstance(value, dict) or value.get("type") not in PROJECTIONS:
        problems.append(ConfigProblem(path, "must be {type: ALL|KEYS_ONLY|INCLUDE, ...}"))
        return
    attrs = value.get("nonKeyAttributes")
    if attrs is not None and not (
        isinstance(attrs, list) and all(isinstance(a, str) for a in attrs)
    ):
        problems.append(ConfigProblem((*path, "nonKeyAttributes"), "must be a list of names"))


def _indexes(value: Any, path: Path_, *, own_hash: bool, problems: list[ConfigProblem]) -> None:
    if not isinstance(value, list):
        problems.append(ConfigProblem(path, "must be a list of indexes"))
        return
    allowed = {"indexName", "rangeKey", "projection"} | ({"hashKey"} if own_hash else set())
    for i, index in enumerate(value):
        where = (*path, i)
        if not isinstance(index, dict):
            problems.append(ConfigProblem(where, "must be an object"))
            continue
        for extra in sorted(set(index) - allowed):
            problems.append(ConfigProblem((*where, extra), "unknown index setting"))
        if not isinstance(index.get("indexName"), str) or not index.get("indexName"):
            problems.append(ConfigProblem((*where, "indexName"), "must be a non-empty string"))
        if own_hash:
            _key_schema(index.get("hashKey"), (*where, "hashKey"), problems)
        if index.get("rangeKey") is not None or not own_hash:
            _key_schema(index.get("rangeKey"), (*where, "rangeKey"), problems)
        if index.get("projection") is not None:
            _projection(index["projection"], (*where, "projection"), problems)


def _table(value: Any, problems: list[ConfigProblem]) -> None:
    path: Path_ = ("table",)
    if not isinstance(value, dict):
        problems.append(ConfigProblem(path, "must be an object describing the table's keys"))
        return
    known = {"hashKey", "rangeKey", "localSecondaryIndexes", "globalSecondaryIndexes", "stream"}
    for extra in sorted(set(value) - known):
        problems.append(ConfigProblem((*path, extra), "unknown table setting"))
    _key_schema(value.get("hashKey"), (*path, "hashKey"), problems)
    if value.get("rangeKey") is not None:
        _key_schema(value["rangeKey"], (*path, "rangeKey"), problems)
    if value.get("localSecondaryIndexes") is not None:
        lsi_path = (*path, "localSecondaryIndexes")
        _indexes(value["localSecondaryIndexes"], lsi_path, own_hash=False, problems=problems)
    if value.get("globalSecondaryIndexes") is not None:
        gsi_path = (*path, "globalSecondaryIndexes")
        _indexes(value["globalSecondaryIndexes"], gsi_path, own_hash=True, problems=problems)
    stream = value.get("stream")
    if stream is not None and not (
        isinstance(stream, dict)
        and set(stream) <= {"viewType"}
        and stream.get("viewType", "NEW_AND_OLD_IMAGES") in STREAM_VIEWS
    ):
        problems.append(
            ConfigProblem((*path, "stream"), f"must be {{viewType: {'|'.join(STREAM_VIEWS)}}}")
        )


class DynamoDBType:
    """Factory and config validator for AMAZON_DYNAMODB data sources."""

    type_name = "AMAZON_DYNAMODB"

    def validate_config(self, config: Mapping[str, Any]) -> list[ConfigProblem]:
        problems: list[ConfigProblem] = []
        for extra in sorted(set(config) - CONFIG_KEYS):
            problems.append(ConfigProblem((extra,), "unknown AMAZON_DYNAMODB setting"))
        if not isinstance(config.get("tableName"), str) or not config.get("tableName"):
            problems.append(ConfigProblem(("tableName",), "is required (a non-empty string)"))
        for name in ("region", "paginationKeyFile"):
            if name in config and not isinstance(config[name], str):
                problems.append(ConfigProblem((name,), "must be a string"))
        endpoint = config.get("endpoint")
        if endpoint is not None and not (
            isinstance(endpoint, str) and endpoint.startswith(("http://", "https://"))
        ):
            problems.append(ConfigProblem(("endpoint",), "must be an http:// or https:// URL"))
        if "useCallerCredentials" in config and not isinstance(
            config["useCallerCredentials"], bool
        ):
            problems.append(ConfigProblem(("useCallerCredentials",), "must be true or false"))
        if "paginationKey" in config:
            try:
                decode_key(str(config["paginationKey"]))
            except ValueError as exc:
                problems.append(ConfigProblem(("paginationKey",), str(exc)))
        if "table" in config:
            _table(config["table"], problems)
        return problems

    def create(self, definition: DataSourceDef) -> DataSource:
        return DynamoDBDataSource(definition)
