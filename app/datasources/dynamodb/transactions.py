"""TransactGetItems and TransactWriteItems with AppSync's result shapes.

A cancelled transaction is reported as `DynamoDB:TransactionCanceledException` whose `data`
is the result AppSync exposes next to `$ctx.error`: `{items|keys: null, cancellationReasons}`
with one reason per request item, in request order.
"""

from __future__ import annotations

from typing import Any

from app.datasources.base import InvalidRequestError
from app.datasources.dynamodb.client import DynamoDBError
from app.datasources.dynamodb.context import OperationContext, service_error
from app.datasources.dynamodb.requests import (
    COMMON,
    ROOT,
    ExpressionSet,
    as_object,
    boolean,
    check_fields,
    child,
    expression,
    key,
    one_of,
    projection,
    required,
    string,
    typed_map,
)
from app.datasources.dynamodb.values import item_to_plain, maybe_item

MAX_TRANSACT_ITEMS = 100
WRITE_OPERATIONS = ("PutItem", "UpdateItem", "DeleteItem", "ConditionCheck")


def _items(request: dict[str, Any]) -> list[Any]:
    check_fields(request, COMMON | {"transactItems"}, ROOT)
    items = required(request, "transactItems", ROOT)
    if not isinstance(items, list):
        raise InvalidRequestError(f"Expected a list for field '{child(ROOT, 'transactItems')}'.")
    if len(items) > MAX_TRANSACT_ITEMS:
        raise InvalidRequestError(
            f"Too many items in the transaction: {len(items)} (at most {MAX_TRANSACT_ITEMS})."
        )
    return items


def _reasons(error: DynamoDBError) -> list[dict[str, Any]]:
    reasons = []
    for reason in error.cancellation_reasons:
        code = reason.get("Code") or "None"
        entry: dict[str, Any] = {"type": code, "message": reason.get("Message") or code}
        if isinstance(reason.get("Item"), dict):
            entry = {"item": item_to_plain(reason["Item"]), **entry}
        reasons.append(entry)
    return reasons


async def _transact(
    ctx: OperationContext, operation: str, payload: dict[str, Any], shape: str
) -> dict[str, Any]:
    try:
        return await ctx.client.call(operation, payload)
    except DynamoDBError as error:
        if error.code != "TransactionCanceledException":
            raise service_error(error) from None
        raise service_error(
            error, data={shape: None, "cancellationReasons": _reasons(error)}
        ) from None


async def transact_get_items(ctx: OperationContext, request: dict[str, Any]) -> Any:
    gets = []
    for i, raw in enumerate(_items(request)):
        where = child(child(ROOT, "transactItems"), i)
        entry = as_object(raw, where)
        check_fields(entry, ("table", "key", "projection"), where)
        exprs = ExpressionSet()
        get: dict[str, Any] = {
            "TableName": string(entry, "table", where, need=True),
            "Key": key(entry, where),
        }
        if (text := projection(entry, where, exprs)) is not None:
            get["ProjectionExpression"] = text
        gets.append({"Get": exprs.apply(get)})
    response = await _transact(ctx, "TransactGetItems", {"TransactItems": gets}, "items")
    return {
        "items": [maybe_item(r.get("Item")) for r in response.get("Responses", [])],
        "cancellationReasons": None,
    }


def _write_item(raw: Any, where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """One transactItems entry → (DynamoDB TransactItem, its key)."""
    entry = as_object(raw, where)
    operation = one_of(entry, "operation", where, WRITE_OPERATIONS)
    if operation is None:
        raise InvalidRequestError(f"Value for field '{child(where, 'operation')}' not found.")
    allowed = {"table", "operation", "key", "condition"}
    allowed |= {"PutItem": {"attributeValues"}, "UpdateItem": {"update"}}.get(operation, set())
    check_fields(entry, allowed, where)
    key_value = key(entry, where)
    exprs = ExpressionSet()
    body: dict[str, Any] = {"TableName": string(entry, "table", where, need=True)}
    if operation == "PutItem":
        body["Item"] = {**typed_map(entry, "attributeValues", where), **key_value}
    else:
        body["Key"] = key_value
    if operation == "UpdateItem":
        required(entry, "update", where)
        update = expression(entry, "update", where)
        assert update is not None
        body["UpdateExpression"] = exprs.use(update[0])
    if operation == "ConditionCheck":
        required(entry, "condition", where)
    parsed = expression(entry, "condition", where, extra=("returnValuesOnConditionCheckFailure",))
    if parsed is not None:
        cond, block = parsed
        body["ConditionExpression"] = exprs.use(cond)
        if boolean(block, "returnValuesOnConditionCheckFailure", child(where, "condition"), True):
            body["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
    wire_name = {"PutItem": "Put", "UpdateItem": "Update", "DeleteItem": "Delete"}
    return {wire_name.get(operation, "ConditionCheck"): exprs.apply(body)}, key_value


async def transact_write_items(ctx: OperationContext, request: dict[str, Any]) -> Any:
    writes, keys = [], []
    for i, raw in enumerate(_items(request)):
        item, key_value = _write_item(raw, child(child(ROOT, "transactItems"), i))
        writes.append(item)
        keys.append(item_to_plain(key_value))
    await _transact(ctx, "TransactWriteItems", {"TransactItems": writes}, "keys")
    return {"keys": keys, "cancellationReasons": None}
