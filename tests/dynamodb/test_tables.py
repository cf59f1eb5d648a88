"""Provisioning the Event App's tables on DynamoDB Local, through aioboto3 as `setup` does.

Existing tables are never altered: a second run finds them unchanged, and a table that was
created differently is reported, difference by difference, and left as it is.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aioboto3
import pytest
from botocore.exceptions import ClientError

from app.datasources.dynamodb.tables import (
    Index,
    KeyAttribute,
    ProvisionReport,
    TableSpec,
    create_table_request,
    provision,
)
from app.progress import ProgressBar

LSI = "LSI-AppSyncCommentTable-by-eventId-createdAt"


def events_spec(name: str = "AppSyncEventTable") -> TableSpec:
    return TableSpec(name=name, hash_key=KeyAttribute("id", "S"))


def comments_spec(name: str = "AppSyncCommentTable") -> TableSpec:
    event_id = KeyAttribute("eventId", "S")
    return TableSpec(
        name=name,
        hash_key=event_id,
        range_key=KeyAttribute("commentId", "S"),
        local_indexes=(Index(LSI, event_id, KeyAttribute("createdAt", "S"), "ALL"),),
    )


def unique(name: str) -> str:
    """Tables live as long as the session's engine, so every test names its own."""
    return f"{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def tables(ddb_endpoint: str) -> AsyncIterator[Any]:
    session = aioboto3.Session()
    async with session.client(
        "dynamodb",
        endpoint_url=ddb_endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    ) as client:
        yield client


async def run(client: Any, *specs: TableSpec) -> tuple[ProvisionReport, list[str]]:
    messages: list[str] = []
    report = await provision(client, specs, messages.append)
    return report, messages


# ------------------------------------------------------------------------ CreateTable requests


def test_create_table_request_for_a_hash_key_table() -> None:
    assert create_table_request(events_spec()) == {
        "TableName": "AppSyncEventTable",
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }


def test_create_table_request_defines_index_keys_once() -> None:
    assert create_table_request(comments_spec()) == {
        "TableName": "AppSyncCommentTable",
        "KeySchema": [
            {"AttributeName": "eventId", "KeyType": "HASH"},
            {"AttributeName": "commentId", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "eventId", "AttributeType": "S"},
            {"AttributeName": "commentId", "AttributeType": "S"},
            {"AttributeName": "createdAt", "AttributeType": "S"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
        "LocalSecondaryIndexes": [
            {
                "IndexName": LSI,
                "KeySchema": [
                    {"AttributeName": "eventId", "KeyType": "HASH"},
                    {"AttributeName": "createdAt", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    }


def test_create_table_request_with_a_global_index_and_a_stream() -> None:
    spec = TableSpec(
        name="Posts",
        hash_key=KeyAttribute("id", "S"),
        global_indexes=(
            Index("byOwner", KeyAttribute("owner", "S"), None, ("title", "createdAt")),
            Index("byScore", KeyAttribute("board", "S"), KeyAttribute("score", "N"), "KEYS_ONLY"),
        ),
        stream="NEW_AND_OLD_IMAGES",
    )
    request = create_table_request(spec)
    assert request["AttributeDefinitions"] == [
        {"AttributeName": "id", "AttributeType": "S"},
        {"AttributeName": "owner", "AttributeType": "S"},
        {"AttributeName": "board", "AttributeType": "S"},
        {"AttributeName": "score", "AttributeType": "N"},
    ]
    assert request["GlobalSecondaryIndexes"] == [
        {
            "IndexName": "byOwner",
            "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["title", "createdAt"]},
        },
        {
            "IndexName": "byScore",
            "KeySchema": [
                {"AttributeName": "board", "KeyType": "HASH"},
                {"AttributeName": "score", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        },
    ]
    assert request["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert "LocalSecondaryIndexes" not in request


# -------------------------------------------------------------------------------- provisioning


async def test_provision_creates_the_sample_tables(tables: Any) -> None:
    events, comments = events_spec(unique("Events")), comments_spec(unique("Comments"))

    report, messages = await run(tables, events, comments)

    assert report == ProvisionReport(created=[events.name, comments.name])
    assert messages == [f"creating table {events.name}", f"creating table {comments.name}"]
    event_table = (await tables.describe_table(TableName=events.name))["Table"]
    assert event_table["TableStatus"] == "ACTIVE"
    assert event_table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    comment_table = (await tables.describe_table(TableName=comments.name))["Table"]
    assert comment_table["TableStatus"] == "ACTIVE"
    assert comment_table["KeySchema"] == [
        {"AttributeName": "eventId", "KeyType": "HASH"},
        {"AttributeName": "commentId", "KeyType": "RANGE"},
    ]
    (index,) = comment_table["LocalSecondaryIndexes"]
    assert index["IndexName"] == LSI
    assert index["KeySchema"] == [
        {"AttributeName": "eventId", "KeyType": "HASH"},
        {"AttributeName": "createdAt", "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    assert {"AttributeName": "createdAt", "AttributeType": "S"} in comment_table[
        "AttributeDefinitions"
    ]


async def test_a_second_run_finds_them_unchanged(tables: Any) -> None:
    events, comments = events_spec(unique("Events")), comments_spec(unique("Comments"))
    await run(tables, events, comments)

    report, messages = await run(tables, events, comments)

    assert report == ProvisionReport(unchanged=[events.name, comments.name])
    assert messages == []


def comments_with_another_range_key(name: str) -> dict[str, Any]:
    request = create_table_request(comments_spec(name))
    request["KeySchema"][1]["AttributeName"] = "createdAt"
    request["AttributeDefinitions"] = [
        {"AttributeName": "eventId", "AttributeType": "S"},
        {"AttributeName": "createdAt", "AttributeType": "S"},
    ]
    del request["LocalSecondaryIndexes"]
    return request


def comments_without_the_index(name: str) -> dict[str, Any]:
    request = create_table_request(comments_spec(name))
    del request["LocalSecondaryIndexes"]
    request["AttributeDefinitions"].pop()
    return request


def comments_with_a_stream(name: str) -> dict[str, Any]:
    request = create_table_request(comments_spec(name))
    request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}
    return request


@pytest.mark.parametrize(
    ("existing", "expected"),
    [
        (
            comments_with_another_range_key,
            [
                "key schema is [{'AttributeName': 'eventId', 'KeyType': 'HASH'}, "
                "{'AttributeName': 'createdAt', 'KeyType': 'RANGE'}], declared "
                "[{'AttributeName': 'eventId', 'KeyType': 'HASH'}, "
                "{'AttributeName': 'commentId', 'KeyType': 'RANGE'}]",
                f"local index '{LSI}' is missing",
            ],
        ),
        (comments_without_the_index, [f"local index '{LSI}' is missing"]),
        (comments_with_a_stream, ["stream is NEW_IMAGE, declared None"]),
    ],
    ids=["another-range-key", "missing-index", "stream"],
)
async def test_a_table_created_differently_is_reported_and_left_alone(
    tables: Any, existing: Any, expected: list[str]
) -> None:
    events, comments = events_spec(unique("Events")), comments_spec(unique("Comments"))
    await tables.create_table(**existing(comments.name))
    before = (await tables.describe_table(TableName=comments.name))["Table"]

    report, messages = await run(tables, events, comments)

    assert report.created == [events.name]
    assert report.unchanged == []
    assert report.drifted == {comments.name: expected}
    assert messages == [f"creating table {events.name}"] + [
        f"table {comments.name}: {difference} (not changed)" for difference in expected
    ]
    after = (await tables.describe_table(TableName=comments.name))["Table"]
    for shape in ("KeySchema", "AttributeDefinitions", "StreamSpecification"):
        assert after.get(shape) == before.get(shape)
    assert after.get("LocalSecondaryIndexes") == before.get("LocalSecondaryIndexes")
    assert after["CreationDateTime"] == before["CreationDateTime"]


async def test_other_errors_are_not_mistaken_for_a_missing_table(tables: Any) -> None:
    with pytest.raises(ClientError, match="ValidationException"):
        await provision(tables, [events_spec("x")], lambda _message: None)


async def test_provisioning_messages_go_to_a_progress_stream(tables: Any) -> None:
    events = events_spec(unique("Events"))
    stream = io.StringIO()

    with ProgressBar("tables", stream) as bar:
        await provision(tables, [events], bar.message)

    assert stream.getvalue() == f"creating table {events.name}\n"
