"""Fixtures: one real DynamoDB Local for the DynamoDB tests, and data sources on it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from app.datasources.base import Invocation
from app.datasources.dynamodb.client import Credentials, DynamoDBClient, static_credentials
from app.datasources.dynamodb.local_engine import DynamoDBLocal, default_cache_dir, prepare
from app.datasources.dynamodb.source import DynamoDBDataSource
from app.definition.model import VERSION_2018, DataSourceDef, Origin

LOCAL_CREDENTIALS = static_credentials(Credentials("local", "local"))


@pytest.fixture(scope="session")
async def ddb_endpoint() -> AsyncIterator[str]:
    installation = await prepare(default_cache_dir(), progress=lambda _message: None)
    async with DynamoDBLocal(installation) as engine:
        yield await engine.start(data_dir=None)


@pytest.fixture(scope="session")
async def ddb(ddb_endpoint: str) -> AsyncIterator[DynamoDBClient]:
    client = DynamoDBClient(
        region="us-east-1", endpoint=ddb_endpoint, credentials=LOCAL_CREDENTIALS
    )
    await client.start()
    yield client
    await client.close()


async def create_table(
    client: DynamoDBClient, hash_key: tuple[str, str], range_key: tuple[str, str] | None = None
) -> str:
    """A fresh on-demand table with a unique name."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    keys = [(hash_key, "HASH")] + ([(range_key, "RANGE")] if range_key else [])
    await client.call(
        "CreateTable",
        {
            "TableName": name,
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": k, "AttributeType": t} for (k, t), _ in keys
            ],
            "KeySchema": [{"AttributeName": k, "KeyType": role} for (k, _), role in keys],
        },
    )
    return name


@pytest.fixture(scope="session")
async def posts_table(ddb: DynamoDBClient) -> str:
    return await create_table(ddb, ("id", "S"))


@pytest.fixture(scope="session")
async def comments_table(ddb: DynamoDBClient) -> str:
    return await create_table(ddb, ("postId", "S"), ("n", "N"))


Source = Callable[..., Awaitable[DynamoDBDataSource]]


@pytest.fixture
async def make_source(ddb_endpoint: str, tmp_path: Path) -> AsyncIterator[Source]:
    started: list[DynamoDBDataSource] = []

    async def make(table: str, *, endpoint: str | None = None, **kwargs: Any) -> DynamoDBDataSource:
        definition = DataSourceDef(
            name="Table",
            type="AMAZON_DYNAMODB",
            origin=Origin("test"),
            config={"tableName": table, "region": "us-east-1"},
        )
        source = DynamoDBDataSource(
            definition,
            endpoint=endpoint or ddb_endpoint,
            default_key_file=tmp_path / "pagination.key",
            credentials=LOCAL_CREDENTIALS,
            **kwargs,
        )
        await source.start()
        started.append(source)
        return source

    yield make
    for source in started:
        await source.close()


def invocation(
    request: Any,
    *,
    version: str = VERSION_2018,
    type_name: str = "Query",
    field_name: str = "field",
    arguments: dict[str, Any] | None = None,
) -> Invocation:
    return Invocation(
        request=request,
        version=version,
        type_name=type_name,
        field_name=field_name,
        arguments=arguments or {},
        source=None,
        identity=None,
        request_id="test-request",
    )
