"""AppSync DynamoDB request documents against a real DynamoDB Local."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from app.datasources.base import DataSourceError, InvalidRequestError
from app.datasources.dynamodb.conflicts import ConflictDecision, ConflictHandler
from app.datasources.dynamodb.source import DynamoDBDataSource, DynamoDBType
from app.definition.model import VERSION_2017, VERSION_2018
from tests.dynamodb.conftest import Source, invocation

V = VERSION_2018


def uid() -> str:
    return uuid.uuid4().hex


async def run(source: DynamoDBDataSource, request: dict[str, Any], **kwargs: Any) -> Any:
    return await source.invoke(invocation(request, **kwargs))


def put(key: str, **values: Any) -> dict[str, Any]:
    return {
        "version": V,
        "operation": "PutItem",
        "key": {"id": {"S": key}},
        "attributeValues": values,
    }


# --------------------------------------------------------------------------- single items


async def test_put_then_get_returns_plain_values(make_source: Source, posts_table: str) -> None:
    source = await make_source(posts_table)
    key = uid()
    written = await run(source, put(key, title={"S": "Hi"}, votes={"N": 3}))
    assert written == {"id": key, "title": "Hi", "votes": 3}
    got = await run(source, {"version": V, "operation": "GetItem", "key": {"id": {"S": key}}})
    assert got == written


async def test_get_missing_item_is_null(make_source: Source, posts_table: str) -> None:
    source = await make_source(posts_table)
    request = {"version": V, "operation": "GetItem", "key": {"id": {"S": uid()}}}
    assert await run(source, request) is None


async def test_get_with_projection(make_source: Source, posts_table: str) -> None:
    source = await make_source(posts_table)
    key = uid()
    await run(source, put(key, title={"S": "t"}, body={"S": "b"}))
    got = await run(
        source,
        {
            "version": V,
            "operation": "GetItem",
            "key": {"id": {"S": key}},
            "consistentRead": True,
            "projection": {"expression": "#t", "expressionNames": {"#t": "title"}},
        },
    )
    assert got == {"title": "t"}


async def test_every_dynamodb_type_round_trips(make_source: Source, posts_table: str) -> None:
    source = await make_source(posts_table)
    key = uid()
    values = {
        "s": {"S": "text"},
        "n_int": {"N": 12345},
        "n_str": {"N": "-1.5"},
        "n_big": {"N": "123456789012345678901234567890"},
        "b": {"B": "aGVs\nbG8="},  # RFC 2045: the newline is ignored
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": [1, "2.5"]},
        "bs": {"BS": ["AQI=", "AwQ="]},
        "t": {"BOOL": True},
        "nothing": {"NULL": None},
        "l": {"L": [{"S": "x"}, {"N": 1}, {"M": {"deep": {"BOOL": False}}}]},
        "m": {"M": {"inner": {"L": [{"NULL": None}]}}},
    }
    await run(source, put(key, **values))
    got = await run(source, {"version": V, "operation": "GetItem", "key": {"id": {"S": key}}})
    assert got["s"] == "text"
    assert got["n_int"] == 12345 and isinstance(got["n_int"], int)
    assert got["n_str"] == -1.5
    assert got["n_big"] == 123456789012345678901234567890
    assert got["b"] == "aGVsbG8="
    assert sorted(got["ss"]) == ["a", "b"]
    assert sorted(got["ns"]) == [1, 2.5]
    assert sorted(got["bs"]) == ["AQI=", "AwQ="]
    assert got["t"] is True
    assert got["nothing"] is None
    assert got["l"] == ["x", 1, {"deep": False}]
    assert got["m"] == {"inner": [None]}


async def test_update_item_returns_the_new_item(make_source: Source, posts_table: str) -> None:
    source = await make_source(posts_table)
    key = uid()
    await run(source, put(key, votes={"N": 1}))
    updated = await run(
        source,
        {
            "version": V,
            "operation": "UpdateItem",
            "key": {"id": {"S": key}},
            "update": {
                "expression": "SET #v = #v + :one, title = :t",
                "expressionNames": {"#v": "votes"},
                "expressionValues": {":one": {"N": 1}, ":t": {"S": "new"}},
            },
        },
    )
    assert updated == {"id": key, "votes": 2, "title": "new"}


async def test_delete_item_returns_the_deleted_item(make_source: Source, posts_table: str) -> None:
    source = await make_source(posts_table)
    key = uid()
    await run(source, put(key, title={"S": "gone"}))
    request = {"version": V, "operation": "DeleteItem", "key": {"id": {"S": key}}}
    assert await run(source, request) == {"id": key, "title": "gone"}
    assert await run(source, request) is None


# ------------------------------------------------------------------------------ conditions


def version_is(expected: int) -> dict[str, Any]:
    return {"expression": "version = :v", "expressionValues": {":v": {"N": expected}}}


async def test_put_condition_failure_rejects_with_current_item(
    make_source: Source, posts_table: str
) -> None:
    source = await make_source(posts_table)
    key = uid()
    await run(source, put(key, version={"N": 1}))
    request = put(key, version={"N": 5}) | {"condition": version_is(4)}
    with pytest.raises(DataSourceError) as caught:
        await run(source, request)
    error = caught.value
    assert error.error_type == "DynamoDB:ConditionalCheckFailedException"
    assert error.message.startswith(
        "The conditional request failed (Service: DynamoDb, Status Code: 400, Request ID: "
    )
    assert error.data == {"id": key, "version": 1}


async def test_put_condition_failure_is_success_when_item_already_matches(
    make_source: Source, posts_table: str
) -> None:
    source = await make_source(posts_table)
    key = uid()
    await run(source, put(key, title={"S": "same"}, version={"N": 2}, at={"S": "then"}))
    request = put(key, title={"S": "same"}, version={"N": 2.0}, at={"S": "now"}) | {
        "condition": {**version_is(1), "equalsIgnore": ["at"]}
    }
    result = await run(source, request)
    assert result == {"id": key, "title": "same", "version": 2, "at": "then"}


async def test_delete_of_missing_item_with_failed_condition_succeeds(
    make_source: Source, posts_table: str
) -> None:
    source = await make_source(posts_table)
    request = {
        "version": V,
        "operation": "DeleteItem",
        "key": {"id": {"S": uid()}},
        "condition": {"expression": "attribute_exists(id)"},
    }
    assert await run(source, request) is None


async def test_delete_condition_failure_on_existing_item_rejects(
    make_source: Source, posts_table: str
) -> None:
    source = await make_source(posts_table)
    key = uid()
    await run(source, put(key, version={"N": 3}))
    request = {
        "version": V,
        "operation": "DeleteItem",
        "key": {"id": {"S": key}},
        "condition": version_is(1),
    }
    with pytest.raises(DataSourceError) as caught:
        await run(source, request)
    assert caught.value.data == {"id": key, "version": 3}


async def test_update_condition_failure_always_applies_strategy(
    make_source: Source, posts_table: str
) -> None:
    source = await make_source(posts_table)
    key = uid()
    await run(source, put(key, version={"N": 3}))
    request = {
        "version": V,
        "operation": "UpdateItem",
        "key": {"id": {"S": key}},
        "update": {"expression": "SET version = :v", "expressionValues": {":v": {"N": 3}}},
        "condition": version_is(3)
        | {"expression": "version = :old"}
        | {"expressionValues": {":old": {"N": 2}}},
    }
    with pytest.raises(DataSourceError) as caught:
        await run(source, request)
    assert caught.value.error_type == "DynamoDB:ConditionalCheckFailedException"


class ScriptedHandler:
    """A conflict handler answering from a script and recording what it was asked."""

    def __init__(self, decision: ConflictDecision) -> None:
        self.decision = decision
        self.payloads: list[dict[str, Any]] = []

    async def __call__(self, payload: dict[str, Any]) -> ConflictDecision:
        self.payloads.append(payload)
        return self.decision


def custom(condition: dict[str, Any]) -> dict[str, Any]:
    handler = {"strategy": "Custom", "lambdaArn": "arn:aws:lambda:us-east-1:1:function:resolve"}
    return condition | {"conditionalCheckFailedHandler": handler}


async def source_with(make_source: Source, table: str, handler: ScriptedHandler) -> Any:
    def lookup(arn: str) -> ConflictHandler | None:
        return handler if arn.endswith(":resolve") else None

    return await make_source(table, conflict_handlers=lookup)


async def test_custom_handler_retry_applies_retry_mapping(
    make_source: Source, posts_table: str
) -> None:
    handler = ScriptedHandler(
        ConflictDecision(
            "retry",
            {
                "update": {
                    "expression": "SET version = :nv",
                    "expressionValues": {":nv": {"N": 9}},
                },
                "condition": version_is(3),
            },
        )
    )
    source = await source_with(make_source, posts_table, handler)
    key = uid()
    await run(source, put(key, version={"N": 3}))
    request = {
        "version": V,
        "operation": "UpdateItem",
        "key": {"id": {"S": key}},
        "update": {"expression": "SET version = :nv", "expressionValues": {":nv": {"N": 2}}},
        "condition": custom(version_is(1)),
    }
    result = await run(source, request, type_name="Mutation", field_name="bump")
    assert result == {"id": key, "version": 9}
    (payload,) = handler.payloads
    assert payload["currentValue"] == {"id": key, "version": 3}
    assert payload["requestMapping"] == request
    assert payload["resolver"]["tableName"] == posts_table
    assert payload["resolver"]["parentType"] == "Mutation"
    assert payload["resolver"]["field"] == "bump"


async def test_custom_handler_failed_retry_is_rejected_without_asking_again(
    make_source: Source, posts_table: str
) -> None:
    handler = ScriptedHandler(ConflictDecision("retry", {"condition": version_is(7)}))
    source = await source_with(make_source, posts_table, handler)
    key = uid()
    await run(source, put(key, version={"N": 3}))
    request = {
        "version": V,
        "operation": "DeleteItem",
        "key": {"id": {"S": key}},
        "condition": custom(version_is(1)),
    }
    with pytest.raises(DataSourceError) as caught:
        await run(source, request)
    assert caught.value.error_type == "DynamoDB:ConditionalCheckFailedException"
    assert len(handler.payloads) == 1


async def test_custom_handler_discard_returns_current_value(
    make_source: Source, posts_table: str
) -> None:
    handler = ScriptedHandler(ConflictDecision("discard"))
    source = await source_with(make_source, posts_table, handler)
    key = uid()
    await run(source, put(key, version={"N": 3}))
    request = put(key, version={"N": 4}) | {"condition": custom(version_is(1))}
    assert await run(source, request) == {"id": key, "version": 3}


async def test_custom_handler_reject(make_source: Source, posts_table: str) -> None:
    handler = ScriptedHandler(ConflictDecision("reject"))
    source = await source_with(make_source, posts_table, handler)
    key = uid()
    await run(source, put(key, version={"N": 3}))
    request = put(key, version={"N": 4}) | {"condition": custom(version_is(1))}
    with pytest.raises(DataSourceError) as caught:
        await run(source, request)
    assert caught.value.data == {"id": key, "version": 3}


def test_conflict_decision_reads_lambda_answers() -> None:
    assert ConflictDecision.from_response({"action": "discard"}).action == "discard"
    retry = ConflictDecision.from_response({"action": "retry", "retryMapping": {"a": 1}})
    assert retry.retry_mapping == {"a": 1}
    with pytest.raises(DataSourceError):
        ConflictDecision.from_response({"action": "explode"})


# ---------------------------------------------------------------------------- Query, Scan


@pytest.fixture(scope="module")
async def thread(ddb: Any, comments_table: str) -> str:
    """A post with 1,000 comments numbered 0..999, `d` being the last digit."""
    post = uid()
    for start in range(0, 1000, 25):
        writes = [
            {
                "PutRequest": {
                    "Item": {"postId": {"S": post}, "n": {"N": str(n)}, "d": {"N": str(n % 10)}}
                }
            }
            for n in range(start, start + 25)
        ]
        await ddb.call("BatchWriteItem", {"RequestItems": {comments_table: writes}})
    return post


def by_post(post: str, **extra: Any) -> dict[str, Any]:
    return {
        "version": V,
        "operation": "Query",
        "query": {"expression": "postId = :p", "expressionValues": {":p": {"S": post}}},
        **extra,
    }


async def test_query_pages_through_1000_items(
    make_source: Source, comments_table: str, thread: str
) -> None:
    source = await make_source(comments_table)
    seen: list[int] = []
    token = None
    pages = 0
    while True:
        request = by_post(thread, limit=150) | ({"nextToken": token} if token else {})
        page = await run(source, request)
        assert set(page) == {"items", "nextToken", "scannedCount"}
        seen += [item["n"] for item in page["items"]]
        token = page["nextToken"]
        pages += 1
        if token is None:
            break
        assert thread not in token  # opaque: the key is not readable
    assert seen == list(range(1000))
    assert pages == 7


async def test_query_descending_with_filter_and_projection(
    make_source: Source, comments_table: str, thread: str
) -> None:
    source = await make_source(comments_table)
    page = await run(
        source,
        by_post(
            thread,
            limit=10,
            scanIndexForward=False,
            filter={"expression": "d > :low", "expressionValues": {":low": {"N": 4}}},
            projection={"expression": "#n", "expressionNames": {"#n": "n"}},
        ),
    )
    assert page["items"] == [{"n": 999}, {"n": 998}, {"n": 997}, {"n": 996}, {"n": 995}]
    assert page["scannedCount"] == 10
    assert page["nextToken"] is not None


async def test_tampered_token_is_refused(
    make_source: Source, comments_table: str, thread: str
) -> None:
    source = await make_source(comments_table)
    token = (await run(source, by_post(thread, limit=5)))["nextToken"]
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    for bad in (flipped, "garbage", token + "x"):
        with pytest.raises(DataSourceError) as caught:
            await run(source, by_post(thread, limit=5, nextToken=bad))
        assert caught.value.error_type == "DynamoDB:UserIllegalArgumentException"


async def test_token_from_another_resolver_is_refused(
    make_source: Source, comments_table: str, thread: str
) -> None:
    source = await make_source(comments_table)
    token = (await run(source, by_post(thread, limit=5), field_name="a"))["nextToken"]
    assert (await run(source, by_post(thread, limit=5, nextToken=token), field_name="a"))["items"]
    with pytest.raises(DataSourceError) as caught:
        await run(source, by_post(thread, limit=5, nextToken=token), field_name="b")
    assert caught.value.message == "Invalid pagination token given."


async def test_scan_with_segments(make_source: Source, comments_table: str, thread: str) -> None:
    source = await make_source(comments_table)
    total = 0
    for segment in range(2):
        token = None
        while True:
            request = {
                "version": V,
                "operation": "Scan",
                "segment": segment,
                "totalSegments": 2,
                "filter": {"expression": "postId = :p", "expressionValues": {":p": {"S": thread}}},
            } | ({"nextToken": token} if token else {})
            page = await run(source, request)
            total += len(page["items"])
            token = page["nextToken"]
            if token is None:
                break
    assert total == 1000


# ----------------------------------------------------------------------- request validation


@pytest.mark.parametrize(
    ("request_doc", "message"),
    [
        ({"operation": "GetItem", "key": {}}, "Value for field '$[version]' not found."),
        ({"version": V, "operation": "GetItem"}, "Value for field '$[key]' not found."),
        ({"version": V, "key": {}}, "Value for field '$[operation]' not found."),
        ({"version": V, "operation": "Nope"}, "Unsupported operation 'Nope'"),
        ({"version": "2020-01-01", "operation": "GetItem"}, "Unsupported version"),
        (
            {"version": V, "operation": "GetItem", "key": {"id": {"S": "1"}}, "kee": 1},
            "Unknown field(s) '$[kee]'",
        ),
        (
            {"version": V, "operation": "GetItem", "key": {"id": {"S": "1", "N": "2"}}},
            "Invalid typed value at '$[key].id'",
        ),
        (
            {"version": V, "operation": "UpdateItem", "key": {"id": {"S": "1"}}},
            "Value for field '$[update]' not found.",
        ),
        (
            {"version": V, "operation": "Query", "query": {"expressionValues": {}}},
            "Value for field '$[query][expression]' not found.",
        ),
        (
            {
                "version": V,
                "operation": "Query",
                "query": {"expression": "a = :a"},
                "select": "ALL_ATTRIBUTES",
                "projection": {"expression": "a"},
            },
            "A projection requires 'select' to be SPECIFIC_ATTRIBUTES",
        ),
        (
            {"version": V, "operation": "Scan", "select": "SPECIFIC_ATTRIBUTES"},
            "requires a 'projection'",
        ),
        ({"version": V, "operation": "Scan", "select": "COUNT"}, "Invalid value 'COUNT'"),
        ({"version": V, "operation": "Scan", "segment": 1}, "'segment' and 'totalSegments'"),
        (
            {
                "version": V,
                "operation": "PutItem",
                "key": {"id": {"S": "1"}},
                "condition": {
                    "expression": "x",
                    "conditionalCheckFailedHandler": {"strategy": "Custom"},
                },
            },
            "Value for field '$[condition][conditionalCheckFailedHandler][lambdaArn]' not found.",
        ),
        (
            {"version": V, "operation": "Sync", "limit": 10},
            "Sync requires a versioned data source",
        ),
        (
            {"version": VERSION_2017, "operation": "BatchGetItem", "tables": {}},
            "Operation 'BatchGetItem' requires version '2018-05-29'.",
        ),
        (
            {"version": V, "operation": "BatchGetItem", "tables": {"T": {"keys": [{}] * 101}}},
            "Too many keys in the batch request: 101 (at most 100).",
        ),
        (
            {"version": V, "operation": "BatchPutItem", "tables": {"T": [{}] * 26}},
            "Too many items in the batch request: 26 (at most 25).",
        ),
        (
            {"version": V, "operation": "BatchDeleteItem", "tables": {"T": [{}] * 26}},
            "Too many keys in the batch request: 26 (at most 25).",
        ),
        (
            {"version": V, "operation": "TransactGetItems", "transactItems": [{}] * 101},
            "Too many items in the transaction: 101 (at most 100).",
        ),
        (
            {
                "version": V,
                "operation": "TransactWriteItems",
                "transactItems": [{"table": "T", "operation": "ConditionCheck", "key": {}}],
            },
            "Value for field '$[transactItems][0][condition]' not found.",
        ),
    ],
)
async def test_malformed_requests_are_mapping_template_errors(
    make_source: Source, posts_table: str, request_doc: dict[str, Any], message: str
) -> None:
    source = await make_source(posts_table)
    version = request_doc.get("version") if request_doc.get("version") == VERSION_2017 else V
    with pytest.raises(InvalidRequestError) as caught:
        await run(source, request_doc, version=version)
    assert message in caught.value.message


async def test_dynamodb_validation_errors_keep_their_class(
    make_source: Source, posts_table: str
) -> None:
    source = await make_source(posts_table)
    request = {"version": V, "operation": "GetItem", "key": {"nope": {"S": "1"}}}
    with pytest.raises(DataSourceError) as caught:
        await run(source, request)
    assert caught.value.error_type == "DynamoDB:ValidationException"
    assert "(Service: DynamoDb, Status Code: 400, Request ID: " in caught.value.message


# --------------------------------------------------------------------------------- batches


async def test_batch_get_keeps_request_order_with_nulls(
    make_source: Source, posts_table: str, comments_table: str
) -> None:
    source = await make_source(posts_table)
    a, b, missing = uid(), uid(), uid()
    await run(source, put(a, title={"S": "A"}))
    await run(source, put(b, title={"S": "B"}))
    result = await run(
        source,
        {
            "version": V,
            "operation": "BatchGetItem",
            "tables": {
                posts_table: {
                    "keys": [{"id": {"S": b}}, {"id": {"S": missing}}, {"id": {"S": a}}],
                    "consistentRead": True,
                },
                comments_table: {"keys": [{"postId": {"S": missing}, "n": {"N": 1}}]},
            },
        },
    )
    assert result == {
        "data": {
            posts_table: [{"id": b, "title": "B"}, None, {"id": a, "title": "A"}],
            comments_table: [None],
        },
        "unprocessedKeys": {posts_table: [], comments_table: []},
    }


async def test_batch_put_and_delete(make_source: Source, posts_table: str) -> None:
    source = await make_source(posts_table)
    a, b = uid(), uid()
    written = await run(
        source,
        {
            "version": V,
            "operation": "BatchPutItem",
            "tables": {posts_table: [{"id": {"S": a}, "n": {"N": 1}}, {"id": {"S": b}}]},
        },
    )
    assert written == {
        "data": {posts_table: [{"id": a, "n": 1}, {"id": b}]},
        "unprocessedItems": {posts_table: []},
    }
    deleted = await run(
        source,
        {
            "version": V,
            "operation": "BatchDeleteItem",
            "tables": {posts_table: [{"id": {"S": a}}, {"id": {"S": b}}]},
        },
    )
    assert deleted == {
        "data": {posts_table: [{"id": a}, {"id": b}]},
        "unprocessedKeys": {posts_table: []},
    }
    get = {"version": V, "operation": "GetItem", "key": {"id": {"S": a}}}
    assert await run(source, get) is None


async def test_batch_get_of_missing_table_is_a_dynamodb_error(make_source: Source) -> None:
    source = await make_source("nowhere")
    request = {
        "version": V,
        "operation": "BatchGetItem",
        "tables": {"nowhere": {"keys": [{"id": {"S": "1"}}]}},
    }
    with pytest.raises(DataSourceError) as caught:
        await run(source, request)
    assert caught.value.error_type == "DynamoDB:ResourceNotFoundException"
    assert caught.value.data == {
        "data": {"nowhere": [None]},
        "unprocessedKeys": {"nowhere": [{"id": "1"}]},
    }


# ---------------------------------------------------------------------------- transactions


async def test_transact_get_items(make_source: Source, posts_table: str) -> None:
    source = await make_source(posts_table)
    a = uid()
    await run(source, put(a, title={"S": "A"}, body={"S": "long"}))
    result = await run(
        source,
        {
            "version": V,
            "operation": "TransactGetItems",
            "transactItems": [
                {"table": posts_table, "key": {"id": {"S": uid()}}},
                {
                    "table": posts_table,
                    "key": {"id": {"S": a}},
                    "projection": {"expression": "title"},
                },
            ],
        },
    )
    assert result == {"items": [None, {"title": "A"}], "cancellationReasons": None}


async def test_transact_write_items_returns_keys(make_source: Source, posts_table: str) -> None:
    source = await make_source(posts_table)
    a, b, c = uid(), uid(), uid()
    await run(source, put(b, votes={"N": 1}))
    await run(source, put(c))
    result = await run(
        source,
        {
            "version": V,
            "operation": "TransactWriteItems",
            "transactItems": [
                {
                    "table": posts_table,
                    "operation": "PutItem",
                    "key": {"id": {"S": a}},
                    "attributeValues": {"title": {"S": "new"}},
                    "condition": {"expression": "attribute_not_exists(id)"},
                },
                {
                    "table": posts_table,
                    "operation": "UpdateItem",
                    "key": {"id": {"S": b}},
                    "update": {
                        "expression": "ADD votes :one",
                        "expressionValues": {":one": {"N": 1}},
                    },
                },
                {"table": posts_table, "operation": "DeleteItem", "key": {"id": {"S": c}}},
            ],
        },
    )
    assert result == {"keys": [{"id": a}, {"id": b}, {"id": c}], "cancellationReasons": None}
    got = await run(source, {"version": V, "operation": "GetItem", "key": {"id": {"S": b}}})
    assert got == {"id": b, "votes": 2}


async def test_transact_write_cancellation_reasons_in_request_order(
    make_source: Source, posts_table: str
) -> None:
    source = await make_source(posts_table)
    a, b = uid(), uid()
    await run(source, put(b, version={"N": 5}))
    request = {
        "version": V,
        "operation": "TransactWriteItems",
        "transactItems": [
            {"table": posts_table, "operation": "PutItem", "key": {"id": {"S": a}}},
            {
                "table": posts_table,
                "operation": "ConditionCheck",
                "key": {"id": {"S": b}},
                "condition": version_is(1),
            },
            {
                "table": posts_table,
                "operation": "ConditionCheck",
                "key": {"id": {"S": b}},
                "condition": version_is(2) | {"returnValuesOnConditionCheckFailure": False},
            },
        ],
    }
    with pytest.raises(DataSourceError) as caught:
        await run(source, request)
    error = caught.value
    assert error.error_type == "DynamoDB:TransactionCanceledException"
    assert error.data["keys"] is None
    reasons = error.data["cancellationReasons"]
    assert [r["type"] for r in reasons][:2] == ["None", "ConditionalCheckFailed"]
    assert reasons[1]["item"] == {"id": b, "version": 5}
    assert "item" not in reasons[0]


async def test_transact_write_same_item_twice_is_refused(
    make_source: Source, posts_table: str
) -> None:
    source = await make_source(posts_table)
    a = uid()
    request = {
        "version": V,
        "operation": "TransactWriteItems",
        "transactItems": [
            {"table": posts_table, "operation": "PutItem", "key": {"id": {"S": a}}},
            {"table": posts_table, "operation": "DeleteItem", "key": {"id": {"S": a}}},
        ],
    }
    with pytest.raises(DataSourceError) as caught:
        await run(source, request)
    assert caught.value.error_type == "DynamoDB:ValidationException"


# ---------------------------------------------------------------------------------- config


def test_config_validation() -> None:
    check = DynamoDBType().validate_config
    assert check({"tableName": "T", "region": "eu-west-1", "useCallerCredentials": False}) == []
    assert (
        check(
            {
                "tableName": "T",
                "table": {
                    "hashKey": {"name": "id", "type": "S"},
                    "rangeKey": {"name": "at", "type": "N"},
                    "localSecondaryIndexes": [
                        {"indexName": "byTitle", "rangeKey": {"name": "title", "type": "S"}}
                    ],
                    "globalSecondaryIndexes": [
                        {
                            "indexName": "byOwner",
                            "hashKey": {"name": "owner", "type": "S"},
                            "projection": {"type": "KEYS_ONLY"},
                        }
                    ],
                    "stream": {"viewType": "NEW_AND_OLD_IMAGES"},
                },
            }
        )
        == []
    )
    problems = check(
        {
            "region": 3,
            "endpoint": "ftp://x",
            "paginationKey": "short",
            "extra": 1,
            "table": {"hashKey": {"name": "id", "type": "X"}, "stream": {"viewType": "ALL"}},
        }
    )
    paths = {problem.path for problem in problems}
    assert paths == {
        ("tableName",),
        ("region",),
        ("endpoint",),
        ("paginationKey",),
        ("extra",),
        ("table", "hashKey", "type"),
        ("table", "stream"),
    }
