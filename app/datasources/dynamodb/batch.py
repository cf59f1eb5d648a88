"""BatchGetItem, BatchPutItem and BatchDeleteItem with AppSync's result shapes.

Each table's `data` list keeps the request's order, with `null` where DynamoDB left the
entry unprocessed; `data`, the `unprocessed*` map and every requested table are always present.
When the whole call fails (e.g. throttled after every retry) the error's `data` holds the same
shape with everything unprocessed, as AppSync puts the keys next to `$ctx.error`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.datasources.base import DataSourceError, InvalidRequestError
from app.datasources.dynamodb.context import OperationContext, call
from app.datasources.dynamodb.requests import (
    COMMON,
    ROOT,
    ExpressionSet,
    as_object,
    boolean,
    check_fields,
    child,
    projection,
    required,
)
from app.datasources.dynamodb.values import item_to_plain, map_to_wire

MAX_GET_KEYS = 100
MAX_WRITE_ITEMS = 25


def _tables(request: dict[str, Any]) -> dict[str, Any]:
    check_fields(request, COMMON | {"tables"}, ROOT)
    return as_object(required(request, "tables", ROOT), child(ROOT, "tables"))


def _signature(item: dict[str, Any], names: list[str]) -> tuple[tuple[str, str], ...] | None:
    """A key's identity, so returned items can be matched to requested keys."""
    parts = []
    for name in names:
        value = item.get(name)
        if not isinstance(value, dict) or len(value) != 1:
            return None
        ((tag, inner),) = value.items()
        text = str(Decimal(inner).normalize()) if tag == "N" else str(inner)
        parts.append((name, f"{tag}:{text}"))
    return tuple(parts)


def _in_order(
    wanted: list[dict[str, Any]], found: list[dict[str, Any]]
) -> list[dict[str, Any] | None]:
    """`found` rearranged to `wanted`'s order (by key attributes), None where absent."""
    out: list[dict[str, Any] | None] = []
    indexes: dict[tuple[str, ...], dict[Any, dict[str, Any]]] = {}
    for entry in wanted:
        names = sorted(entry)
        index = indexes.get(tuple(names))
        if index is None:
            index = {_signature(item, names): item for item in found}
            indexes[tuple(names)] = index
        out.append(index.get(_signature(entry, names)))
    return out


def _check_count(count: int, cap: int, what: str) -> None:
    if count > cap:
        raise InvalidRequestError(f"Too many {what} in the batch request: {count} (at most {cap}).")


# ------------------------------------------------------------------------------ BatchGetItem


async def batch_get_item(ctx: OperationContext, request: dict[str, Any]) -> Any:
    tables = _tables(request)
    request_items: dict[str, Any] = {}
    wanted: dict[str, list[dict[str, Any]]] = {}
    for table, raw in tables.items():
        where = child(child(ROOT, "tables"), table)
        spec = as_object(raw, where)
        check_fields(spec, ("keys", "consistentRead", "projection"), where)
        keys = required(spec, "keys", where)
        if not isinstance(keys, list):
            raise InvalidRequestError(f"Expected a list for field '{child(where, 'keys')}'.")
        wanted[table] = [map_to_wire(k, child(child(where, "keys"), i)) for i, k in enumerate(keys)]
        exprs = ExpressionSet()
        entry: dict[str, Any] = {
            "Keys": wanted[table],
            "ConsistentRead": boolean(spec, "consistentRead", where, False),
        }
        if (text := projection(spec, where, exprs)) is not None:
            entry["ProjectionExpression"] = text
        if exprs.names:
            entry["ExpressionAttributeNames"] = exprs.names
        request_items[table] = entry
    _check_count(sum(len(keys) for keys in wanted.values()), MAX_GET_KEYS, "keys")

    try:
        response = await call(ctx, "BatchGetItem", {"RequestItems": request_items})
    except DataSourceError as error:
        error.data = {
            "data": {table: [None] * len(keys) for table, keys in wanted.items()},
            "unprocessedKeys": {t: [item_to_plain(k) for k in keys] for t, keys in wanted.items()},
        }
        raise
    responses = response.get("Responses", {})
    unprocessed = response.get("UnprocessedKeys", {})
    return {
        "data": {
            table: [
                item_to_plain(item) if item is not None else None
                for item in _in_order(keys, responses.get(table, []))
            ]
            for table, keys in wanted.items()
        },
        "unprocessedKeys": {
            table: [item_to_plain(k) for k in unprocessed.get(table, {}).get("Keys", [])]
            for table in wanted
        },
    }


# ------------------------------------------------------------------ BatchPutItem, BatchDeleteItem


async def _batch_write(
    ctx: OperationContext, request: dict[str, Any], *, put: bool
) -> dict[str, Any]:
    tables = _tables(request)
    entries: dict[str, list[dict[str, Any]]] = {}
    for table, raw in tables.items():
        where = child(child(ROOT, "tables"), table)
        if not isinstance(raw, list):
            raise InvalidRequestError(f"Expected a list for field '{where}'.")
        entries[table] = [map_to_wire(v, child(where, i)) for i, v in enumerate(raw)]
    _check_count(sum(len(v) for v in entries.values()), MAX_WRITE_ITEMS, "items" if put else "keys")

    kind, field_name = ("PutRequest", "Item") if put else ("DeleteRequest", "Key")
    left_name = "unprocessedItems" if put else "unprocessedKeys"
    request_items = {
        table: [{kind: {field_name: value}} for value in values]
        for table, values in entries.items()
    }
    try:
        response = await call(ctx, "BatchWriteItem", {"RequestItems": request_items})
    except DataSourceError as error:
        error.data = {
            "data": {table: [None] * len(values) for table, values in entries.items()},
            left_name: {t: [item_to_plain(v) for v in values] for t, values in entries.items()},
        }
        raise
    unprocessed = response.get("UnprocessedItems", {})
    data: dict[str, list[Any]] = {}
    left: dict[str, list[Any]] = {}
    for table, values in entries.items():
        pending = [r[kind][field_name] for r in unprocessed.get(table, []) if kind in r]
        pending_ids = {_identity(v) for v in pending}
        data[table] = [
            None if _identity(value) in pending_ids else item_to_plain(value) for value in values
        ]
        left[table] = [item_to_plain(v) for v in pending]
    return {"data": data, left_name: left}


def _identity(value: dict[str, Any]) -> tuple[tuple[str, str], ...] | None:
    return _signature(value, sorted(value))


async def batch_put_item(ctx: OperationContext, request: dict[str, Any]) -> Any:
    return await _batch_write(ctx, request, put=True)


async def batch_delete_item(ctx: OperationContext, request: dict[str, Any]) -> Any:
    return await _batch_write(ctx, request, put=False)
