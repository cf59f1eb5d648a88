"""A table's stream, reached the way its DynamoDB data source reaches the table.

The data source knows where the table is now: DynamoDB Local's endpoint (a new port after the
supervisor restarts it) with the fixed local credentials, a configured endpoint, or AWS's
regional endpoint with the standard credential chain. `DescribeTable` goes through the data
source's own client (which fails fast while the local engine is down); the DynamoDB Streams
calls through aioboto3's `dynamodbstreams` client, opened for each pass of the poller so it
always follows the current endpoint.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import aioboto3
from botocore.config import Config

from app.datasources.dynamodb.local_runtime import LOCAL_CREDENTIALS, needs_local_engine
from app.datasources.dynamodb.source import DynamoDBDataSource


class DataSourceTable:
    """`TableAccess` over a DynamoDB data source."""

    def __init__(self, source: DynamoDBDataSource, table: str, session: aioboto3.Session) -> None:
        self._source = source
        self._table = table
        self._session = session

    @property
    def region(self) -> str:
        return self._source.region

    async def latest_stream_arn(self) -> str | None:
        answer = await self._source.client.call("DescribeTable", {"TableName": self._table})
        table = answer.get("Table") or {}
        specification = table.get("StreamSpecification") or {}
        if not specification.get("StreamEnabled"):
            return None
        arn = table.get("LatestStreamArn")
        return str(arn) if arn else None

    async def key_names(self) -> list[str]:
        answer = await self._source.client.call("DescribeTable", {"TableName": self._table})
        schema = (answer.get("Table") or {}).get("KeySchema") or []
        return [str(key["AttributeName"]) for key in schema]

    async def scan_page(
        self, start_key: Mapping[str, Any] | None
    ) -> tuple[list[dict[str, Any]], Mapping[str, Any] | None]:
        request: dict[str, Any] = {"TableName": self._table, "ConsistentRead": True}
        if start_key is not None:
            request["ExclusiveStartKey"] = dict(start_key)
        answer = await self._source.client.call("Scan", request)
        return list(answer.get("Items") or []), answer.get("LastEvaluatedKey")

    def streams_client(self, config: Config) -> contextlib.AbstractAsyncContextManager[Any]:
        kwargs: dict[str, Any] = {"region_name": self._source.region, "config": config}
        if self._source.endpoint:
            kwargs["endpoint_url"] = self._source.endpoint
        if needs_local_engine(self._source):
            kwargs.update(LOCAL_CREDENTIALS)
        client: contextlib.AbstractAsyncContextManager[Any] = self._session.client(
            "dynamodbstreams", **kwargs
        )
        return client
