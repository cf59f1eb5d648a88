"""AppSync's DynamoDB request documents → DynamoDB calls → `$ctx.result`, one function each.

Single-item operations, Query and Scan live here with the conditional-write flow of AppSync's
reference (re-read, compare, then the Reject or Custom strategy); batches and transactions
have their own modules. `run` checks `version` and `operation` and dispatches.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.datasources.base import DataSourceError, InvalidRequestError
from app.datasources.dynamodb import batch, transactions
from app.datasources.dynamodb.client import DynamoDBError
from app.datasources.dynamodb.conflicts import ConflictDecision
from app.datasources.dynamodb.context import OperationContext, call, service_error
from app.datasources.dynamodb.requests import (
    COMMON,
    ROOT,
    Expression,
    ExpressionSet,
    as_object,
    boolean,
    check_fields,
    child,
    expression,
    integer,
    key,
    one_of,
    projection,
    required,
    string,
    typed_map,
)
from app.datasources.dynamodb.values import item_to_plain, maybe_item
from app.definition.model import TEMPLATE_VERSIONS, VERSION_2018

VERSIONED_FIELDS = frozenset({"_version", "customPartitionKey", "populateIndexFields"})
SELECTS = ("ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES")

Operation = Callable[[OperationContext, dict[str, Any]], Awaitable[Any]]


# ---------------------------------------------------------------------------------- GetItem


async def get_item(ctx: OperationContext, request: dict[str, Any]) -> Any:
    check_fields(request, COMMON | {"key", "consistentRead", "projection"}, ROOT)
    exprs = ExpressionSet()
    payload: dict[str, Any] = {
        "TableName": ctx.table,
        "Key": key(request, ROOT),
        "ConsistentRead": boolean(request, "consistentRead", ROOT, False),
    }
    if (text := projection(request, ROOT, exprs)) is not None:
        payload["ProjectionExpression"] = text
    response = await call(ctx, "GetItem", exprs.apply(payload))
    return maybe_item(response.get("Item"))


# ------------------------------------------------------------------------ conditional writes


@dataclass(frozen=True, slots=True)
class Condition:
    expr: Expression
    equals_ignore: frozenset[str]
    consistent_read: bool
    strategy: str
    lambda_arn: str | None


def condition(request: dict[str, Any], path: str) -> Condition | None:
    parsed = expression(
        request,
        "condition",
        path,
        extra=("equalsIgnore", "consistentRead", "conditionalCheckFailedHandler"),
    )
    if parsed is None:
        return None
    expr, block = parsed
    where = child(path, "condition")
    ignore = block.get("equalsIgnore") or []
    if not isinstance(ignore, list) or not all(isinstance(name, str) for name in ignore):
        raise InvalidRequestError(
            f"Expected a list of strings for '{child(where, 'equalsIgnore')}'."
        )
    strategy, arn = "Reject", None
    if block.get("conditionalCheckFailedHandler") is not None:
        handler_path = child(where, "conditionalCheckFailedHandler")
        handler = as_object(block["conditionalCheckFailedHandler"], handler_path)
        check_fields(handler, ("strategy", "lambdaArn"), handler_path)
        strategy = one_of(handler, "strategy", handler_path, ("Reject", "Custom")) or "Reject"
        arn = string(handler, "lambdaArn", handler_path, need=strategy == "Custom")
    return Condition(
        expr,
        frozenset(ignore),
        boolean(block, "consistentRead", where, True),
        strategy,
        arn,
    )


@dataclass(frozen=True, slots=True)
class Write:
    """A parsed PutItem, UpdateItem or DeleteItem, ready to send."""

    operation: str
    key: dict[str, Any]
    payload: dict[str, Any]
    condition: Condition | None
    item: dict[str, Any] | None = None  # PutItem: the whole item written

    def result(self, response: Mapping[str, Any]) -> Any:
        if self.item is not None:
            return item_to_plain(self.item)
        return maybe_item(response.get("Attributes"))


def _write_payload(
    ctx: OperationContext, cond: Condition | None, exprs: ExpressionSet
) -> dict[str, Any]:
    payload: dict[str, Any] = {"TableName": ctx.table}
    if cond is not None:
        payload["ConditionExpression"] = exprs.use(cond.expr)
    return payload


def parse_put(ctx: OperationContext, request: dict[str, Any]) -> Write:
    check_fields(request, COMMON | VERSIONED_FIELDS | {"key", "attributeValues", "condition"}, ROOT)
    key_value = key(request, ROOT)
    item = {**typed_map(request, "attributeValues", ROOT), **key_value}
    cond = condition(request, ROOT)
    exprs = ExpressionSet()
    payload = _write_payload(ctx, cond, exprs)
    payload["Item"] = item
    return Write("PutItem", key_value, exprs.apply(payload), cond, item)


def parse_update(ctx: OperationContext, request: dict[str, Any]) -> Write:
    check_fields(request, COMMON | VERSIONED_FIELDS | {"key", "update", "condition"}, ROOT)
    key_value = key(request, ROOT)
    required(request, "update", ROOT)
    update = expression(request, "update", ROOT)
    assert update is not None
    cond = condition(request, ROOT)
    exprs = ExpressionSet()
    payload = _write_payload(ctx, cond, exprs)
    payload.update(Key=key_value, UpdateExpression=exprs.use(update[0]), ReturnValues="ALL_NEW")
    return Write("UpdateItem", key_value, exprs.apply(payload), cond)


def parse_delete(ctx: OperationContext, request: dict[str, Any]) -> Write:
    check_fields(request, COMMON | VERSIONED_FIELDS | {"key", "condition"}, ROOT)
    key_value = key(request, ROOT)
    cond = condition(request, ROOT)
    exprs = ExpressionSet()
    payload = _write_payload(ctx, cond, exprs)
    payload.update(Key=key_value, ReturnValues="ALL_OLD")
    return Write("DeleteItem", key_value, exprs.apply(payload), cond)


Parser = Callable[[OperationContext, dict[str, Any]], Write]
RETRY_FIELDS = {
    "PutItem": ("attributeValues", "condition"),
    "UpdateItem": ("update", "condition"),
    "DeleteItem": ("condition",),
}


async def write(
    ctx: OperationContext, request: dict[str, Any], parse: Parser, *, may_ask: bool = True
) -> Any:
    spec = parse(ctx, request)
    try:
        response = await ctx.client.call(spec.operation, spec.payload)
    except DynamoDBError as error:
        if error.code != "ConditionalCheckFailedException" or spec.condition is None:
            raise service_error(error) from None
        return await condition_failed(ctx, request, parse, spec, error, may_ask=may_ask)
    return spec.result(response)


async def condition_failed(
    ctx: OperationContext,
    request: dict[str, Any],
    parse: Parser,
    spec: Write,
    error: DynamoDBError,
    *,
    may_ask: bool,
) -> Any:
    """AppSync's flow: re-read; succeed if the desired state already holds; else the strategy."""
    assert spec.condition is not None
    current = await read_current(ctx, spec.key, spec.condition.consistent_read)
    desired = spec.item
    ignore = spec.condition.equals_ignore
    if current is not None and desired is not None and same_item(current, desired, ignore):
        return item_to_plain(current)
    if spec.operation == "DeleteItem" and current is None:
        return None
    if spec.condition.strategy == "Custom" and may_ask:
        decision = await ask_handler(ctx, request, spec.condition, current)
        if decision.action == "discard":
            return maybe_item(current)
        if decision.action == "retry" and decision.retry_mapping is not None:
            retried = retry_request(request, spec.operation, decision.retry_mapping)
            return await write(ctx, retried, parse, may_ask=False)
    raise rejected(error, current)


async def read_current(
    ctx: OperationContext, key_value: dict[str, Any], consistent: bool
) -> dict[str, Any] | None:
    payload = {"TableName": ctx.table, "Key": key_value, "ConsistentRead": consistent}
    item = (await call(ctx, "GetItem", payload)).get("Item")
    return item if isinstance(item, dict) else None


def rejected(error: DynamoDBError, current: dict[str, Any] | None) -> DataSourceError:
    return DataSourceError(
        f"The conditional request failed (Service: DynamoDb, Status Code: 400, "
        f"Request ID: {error.request_id or 'none'})",
        "DynamoDB:ConditionalCheckFailedException",
        data=maybe_item(current),
    )


def _canonical(value: Any) -> Any:
    """A wire value in a form where equal DynamoDB values compare equal (1 == 1.0, sets)."""
    ((tag, inner),) = value.items()
    if tag == "N":
        return Decimal(inner)
    if tag == "NS":
        return frozenset(Decimal(v) for v in inner)
    if tag in ("SS", "BS"):
        return frozenset(inner)
    if tag == "L":
        return [_canonical(v) for v in inner]
    if tag == "M":
        return {name: _canonical(v) for name, v in inner.items()}
    return (tag, inner)


def same_item(current: dict[str, Any], desired: dict[str, Any], ignore: frozenset[str]) -> bool:
    def view(item: dict[str, Any]) -> dict[str, Any]:
        return {name: _canonical(v) for name, v in item.items() if name not in ignore}

    return view(current) == view(desired)


async def ask_handler(
    ctx: OperationContext,
    request: dict[str, Any],
    cond: Condition,
    current: dict[str, Any] | None,
) -> ConflictDecision:
    arn = cond.lambda_arn or ""
    handler = ctx.conflict_handlers(arn)
    if handler is None:
        raise DataSourceError(
            f"No conflict handler serves lambdaArn '{arn}'.", "DynamoDB:ConflictHandlerError"
        )
    invocation = ctx.invocation
    payload = {
        "arguments": dict(invocation.arguments),
        "requestMapping": request,
        "currentValue": maybe_item(current),
        "resolver": {
            "tableName": ctx.table,
            "awsRegion": ctx.region,
            "parentType": invocation.type_name,
            "field": invocation.field_name,
            "outputType": None,
        },
        "identity": invocation.identity,
    }
    return await handler(payload)


def retry_request(
    request: dict[str, Any], operation: str, mapping: Mapping[str, Any]
) -> dict[str, Any]:
    """The original request with the handler's `retryMapping` fields swapped in.

    Only the fields AppSync lets a retry change are taken; the key and operation stay, and
    the retry never consults the handler again (a failed retry is a Reject).
    """
    retried = dict(request)
    for name in RETRY_FIELDS[operation]:
        if name in mapping:
            retried[name] = mapping[name]
    cond = retried.get("condition")
    if isinstance(cond, dict):
        retried["condition"] = {
            k: v for k, v in cond.items() if k != "conditionalCheckFailedHandler"
        }
    return retried


async def put_item(ctx: OperationContext, request: dict[str, Any]) -> Any:
    return await write(ctx, request, parse_put)


async def update_item(ctx: OperationContext, request: dict[str, Any]) -> Any:
    return await write(ctx, request, parse_update)


async def delete_item(ctx: OperationContext, request: dict[str, Any]) -> Any:
    return await write(ctx, request, parse_delete)


# ------------------------------------------------------------------------------ Query, Scan

READ_FIELDS = COMMON | {"index", "nextToken", "limit", "consistentRead", "select", "filter"}


def read_options(
    ctx: OperationContext, request: dict[str, Any], payload: dict[str, Any], exprs: ExpressionSet
) -> None:
    """The fields Query and Scan share: index, limit, select/projection, filter, nextToken."""
    if (index := string(request, "index", ROOT)) is not None:
        payload["IndexName"] = index
    if (limit := integer(request, "limit", ROOT)) is not None:
        payload["Limit"] = limit
    payload["ConsistentRead"] = boolean(request, "consistentRead", ROOT, False)
    select = one_of(request, "select", ROOT, SELECTS)
    text = projection(request, ROOT, exprs)
    if text is not None:
        if select not in (None, "SPECIFIC_ATTRIBUTES"):
            raise InvalidRequestError(
                f"A projection requires 'select' to be SPECIFIC_ATTRIBUTES (found '{select}')."
            )
        payload["ProjectionExpression"] = text
        select = "SPECIFIC_ATTRIBUTES"
    elif select == "SPECIFIC_ATTRIBUTES":
        raise InvalidRequestError("'select' SPECIFIC_ATTRIBUTES requires a 'projection'.")
    if select is not None:
        payload["Select"] = select
    if (filtered := expression(request, "filter", ROOT)) is not None:
        payload["FilterExpression"] = exprs.use(filtered[0])
    if token := string(request, "nextToken", ROOT):
        payload["ExclusiveStartKey"] = ctx.tokens.open(token, ctx.resolver)


def page(ctx: OperationContext, response: Mapping[str, Any]) -> dict[str, Any]:
    last = response.get("LastEvaluatedKey")
    return {
        "items": [item_to_plain(item) for item in response.get("Items", [])],
        "nextToken": ctx.tokens.seal(last, ctx.resolver) if last else None,
        "scannedCount": response.get("ScannedCount", 0),
    }


async def query(ctx: OperationContext, request: dict[str, Any]) -> Any:
    check_fields(request, READ_FIELDS | {"query", "scanIndexForward", "projection"}, ROOT)
    required(request, "query", ROOT)
    key_condition = expression(request, "query", ROOT)
    assert key_condition is not None
    exprs = ExpressionSet()
    payload: dict[str, Any] = {
        "TableName": ctx.table,
        "KeyConditionExpression": exprs.use(key_condition[0]),
        "ScanIndexForward": boolean(request, "scanIndexForward", ROOT, True),
    }
    read_options(ctx, request, payload, exprs)
    return page(ctx, await call(ctx, "Query", exprs.apply(payload)))


async def scan(ctx: OperationContext, request: dict[str, Any]) -> Any:
    check_fields(request, READ_FIELDS | {"projection", "segment", "totalSegments"}, ROOT)
    segment = integer(request, "segment", ROOT)
    total = integer(request, "totalSegments", ROOT)
    if (segment is None) != (total is None):
        raise InvalidRequestError("'segment' and 'totalSegments' must be given together.")
    exprs = ExpressionSet()
    payload: dict[str, Any] = {"TableName": ctx.table}
    if segment is not None:
        payload.update(Segment=segment, TotalSegments=total)
    read_options(ctx, request, payload, exprs)
    return page(ctx, await call(ctx, "Scan", exprs.apply(payload)))


# ------------------------------------------------------------------------------------- Sync


async def sync(ctx: OperationContext, request: dict[str, Any]) -> Any:
    """Delta Sync reads a versioned data source's base and delta tables (reference §11)."""
    raise InvalidRequestError("Sync requires a versioned data source")


# --------------------------------------------------------------------------------- dispatch


OPERATIONS: Mapping[str, Operation] = {
    "GetItem": get_item,
    "PutItem": put_item,
    "UpdateItem": update_item,
    "DeleteItem": delete_item,
    "Query": query,
    "Scan": scan,
    "Sync": sync,
    "BatchGetItem": batch.batch_get_item,
    "BatchPutItem": batch.batch_put_item,
    "BatchDeleteItem": batch.batch_delete_item,
    "TransactGetItems": transactions.transact_get_items,
    "TransactWriteItems": transactions.transact_write_items,
}


NEEDS_2018 = frozenset(
    {
        "BatchGetItem",
        "BatchPutItem",
        "BatchDeleteItem",
        "Sync",
        "TransactGetItems",
        "TransactWriteItems",
    }
)


async def run(ctx: OperationContext, request: Any) -> Any:
    """Validate `version` and `operation`, then run the operation. `ctx.invocation.version`
    is the effective version (a pipeline function's `functionVersion` wins)."""
    doc = as_object(request, ROOT) if isinstance(request, dict) else None
    if doc is None:
        raise InvalidRequestError("Unable to convert request template to Object.")
    version = required(doc, "version", ROOT)
    if version not in TEMPLATE_VERSIONS:
        raise InvalidRequestError(f"Unsupported version '{version}'.")
    name = string(doc, "operation", ROOT, need=True)
    operation = OPERATIONS.get(name or "")
    if operation is None:
        raise InvalidRequestError(
            f"Unsupported operation '{name}'. Expected one of {', '.join(OPERATIONS)}."
        )
    if name in NEEDS_2018 and ctx.invocation.version != VERSION_2018:
        raise InvalidRequestError(f"Operation '{name}' requires version '{VERSION_2018}'.")
    return await operation(ctx, doc)
