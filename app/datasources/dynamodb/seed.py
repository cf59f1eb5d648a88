"""Seed tables with plain-JSON items, the way a resolver would have stored them.

A seed file maps table names to items written as plain JSON (`{"id": "e1", "when": 3}`), not
DynamoDB's typed JSON, because that is how AppSync users see their data in `$ctx.result`:

```json
{"AppSyncEventTable": [{"id": "e1", "name": "Launch"}], "AppSyncCommentTable": []}
```

Items take the same path as `$util.dynamodb.toMapValuesJson($ctx.args)` in a request
template and then `values.map_to_wire`, so a seeded item reads back exactly like one a
mutation created. Numbers are read as decimals, keeping DynamoDB's 38 digits.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from app.datasources.base import InvalidRequestError
from app.datasources.dynamodb.client import DynamoDBError
from app.datasources.dynamodb.values import map_to_wire

BATCH_SIZE = 25  # BatchWriteItem's limit
CONCURRENCY = 4
MAX_UNPROCESSED_ROUNDS = 8  # retries in a row with nothing written before giving up
BACKOFF_BASE_SECONDS = 0.05
BACKOFF_MAX_SECONDS = 5.0

Progress = Callable[[int, int], None]
Sleep = Callable[[float], Awaitable[None]]


class Caller(Protocol):
    """What seeding needs of a client: `DynamoDBClient.call`."""

    async def call(self, operation: str, payload: Mapping[str, Any]) -> dict[str, Any]: ...


class SeedError(Exception):
    """Seeding could not start or finish; the message says which table and item, and why."""


class SeedFileError(SeedError):
    """A seed file that is missing, not JSON, or not shaped `{"Table": [item, ...]}`."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class SeedWriteError(SeedError):
    """DynamoDB refused the items or kept leaving them unprocessed."""


# --------------------------------------------------------------------------------- seed files


def load_seed_file(path: Path | str, table: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Items by table from `{"Table": [item, ...]}`, or from `[item, ...]` for `table`.

    With a mapping, `table` picks one of its tables. Only the file's shape is checked here;
    `seed_items` checks each item against its table's key before the first write. Reading is
    blocking: from async code, call it through `asyncio.to_thread`.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SeedFileError(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedFileError(path, f"cannot be read: {exc}") from exc
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise SeedFileError(path, f"is not valid JSON ({exc.msg} at {where})") from exc
    except ValueError as exc:
        raise SeedFileError(path, str(exc)) from exc
    if isinstance(data, list):
        if table is None:
            raise SeedFileError(
                path,
                "holds a plain list of items: name the table to load them into, "
                'or write {"Table": [item, ...]}',
            )
        return {table: _items(path, table, data)}
    if not isinstance(data, dict):
        raise SeedFileError(
            path,
            f'must be an object {{"Table": [item, ...]}} or a list of items, not {_kind(data)}',
        )
    if not data:
        raise SeedFileError(path, "names no tables")
    tables: dict[str, list[dict[str, Any]]] = {}
    for name, items in data.items():
        if not name.strip():
            raise SeedFileError(path, "a table name is empty")
        if not isinstance(items, list):
            raise SeedFileError(path, f"'{name}' must be a list of items, not {_kind(items)}")
        tables[name] = _items(path, name, items)
    if table is not None:
        if table not in tables:
            raise SeedFileError(path, f"has no table '{table}' (it has {', '.join(tables)})")
        return {table: tables[table]}
    return tables


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number and DynamoDB cannot store it")


def _items(path: Path | str, table: str, items: list[Any]) -> list[dict[str, Any]]:
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise SeedFileError(
                path, f"{table}[{index}] must be an object of attributes, not {_kind(item)}"
            )
        if not item:
            raise SeedFileError(path, f"{table}[{index}] has no attributes")
    return items


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {
        bool: "a boolean",
        str: "a string",
        int: "a number",
        Decimal: "a number",
        float: "a number",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


# ------------------------------------------------------------------------------------ seeding


def to_item(item: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A plain-JSON item as wire JSON, through AppSync's `toMapValues` and `map_to_wire`."""
    try:
        return map_to_wire(
            {name: _typed(value, f"{where}.{name}") for name, value in item.items()}, where
        )
    except InvalidRequestError as exc:
        raise SeedError(str(exc)) from exc


def _typed(value: Any, where: str) -> dict[str, Any]:
    """`$util.dynamodb.toDynamoDB` for JSON values; decimals keep their digits as text."""
    if value is None:
        return {"NULL": None}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise SeedError(f"{where}: {value} cannot be stored in DynamoDB")
        return {"N": str(value)}
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise SeedError(f"{where}: {value} cannot be stored in DynamoDB")
        return {"N": value}
    if isinstance(value, list | tuple):
        return {"L": [_typed(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, dict):
        return {"M": {k: _typed(v, f"{where}.{k}") for k, v in value.items()}}
    raise SeedError(f"{where}: a {type(value).__name__} is not a JSON value")


async def seed_items(
    client: Caller,
    table_name: str,
    items: Sequence[Mapping[str, Any]],
    progress: Progress,
    *,
    concurrency: int = CONCURRENCY,
    sleep: Sleep = asyncio.sleep,
) -> int:
    """Put `items` into `table_name` with BatchWriteItem; return how many were written.

    Every item is converted and checked against the table's key before the first write.
    Items with the same key collapse to the last one, as if put one by one (a batch with a
    repeated key is refused whole). `progress(done, total)` is called at the start and
    whenever a batch wrote something; `UnprocessedItems` are retried with jittered
    exponential backoff, and up to `concurrency` batches are in flight at once.
    """
    keys = await _key_types(client, table_name)
    unique: dict[tuple[Any, ...], dict[str, Any]] = {}
    for index, item in enumerate(items):
        where = f"{table_name}[{index}]"
        wire = to_item(item, where)
        unique[_key_of(wire, keys, where)] = wire
    requests = [{"PutRequest": {"Item": wire}} for wire in unique.values()]
    total = len(requests)
    done = 0
    progress(0, total)
    chunks = [requests[start : start + BATCH_SIZE] for start in range(0, total, BATCH_SIZE)]
    queue = iter(enumerate(chunks))

    def written(count: int) -> None:
        nonlocal done
        if count:
            done += count
            progress(done, total)

    async def worker() -> None:
        for number, chunk in queue:
            await _write_batch(client, table_name, number, chunk, written, sleep)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, min(concurrency, len(chunks)))):
                group.create_task(worker())
    except ExceptionGroup as failed:  # the first failure, as the caller expects it
        raise failed.exceptions[0] from None
    return total


async def _key_types(client: Caller, table_name: str) -> dict[str, str]:
    """The table's key attributes and their types (S, N or B), hash first."""
    try:
        table = (await client.call("DescribeTable", {"TableName": table_name}))["Table"]
    except DynamoDBError as exc:
        if exc.code == "ResourceNotFoundException":
            raise SeedError(f"table '{table_name}' does not exist; create it first") from exc
        raise SeedError(f"table '{table_name}': {exc.code}: {exc.message}") from exc
    types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    return {key["AttributeName"]: types[key["AttributeName"]] for key in table["KeySchema"]}


def _key_of(wire: Mapping[str, Any], keys: Mapping[str, str], where: str) -> tuple[Any, ...]:
    values = []
    for name, type_ in keys.items():
        value = wire.get(name)
        if value is None:
            raise SeedError(f"{where}: the key attribute '{name}' is missing")
        ((tag, inner),) = value.items()
        if tag != type_:
            raise SeedError(
                f"{where}: the key attribute '{name}' must be of type {type_}, not {tag}"
            )
        values.append(Decimal(inner) if tag == "N" else inner)  # 1 and 1.0 are one key
    return tuple(values)


async def _write_batch(
    client: Caller,
    table_name: str,
    number: int,
    chunk: list[dict[str, Any]],
    written: Callable[[int], None],
    sleep: Sleep,
) -> None:
    """One BatchWriteItem, then its unprocessed items again until none are left."""
    pending = chunk
    retries = idle_rounds = 0
    while pending:
        try:
            response = await client.call("BatchWriteItem", {"RequestItems": {table_name: pending}})
        except DynamoDBError as exc:
            first = number * BATCH_SIZE
            raise SeedWriteError(
                f"table '{table_name}', items {first}-{first + len(chunk) - 1}: "
                f"{exc.code}: {exc.message}"
            ) from exc
        left = response.get("UnprocessedItems", {}).get(table_name, [])
        written(len(pending) - len(left))
        if not left:
            return
        idle_rounds = idle_rounds + 1 if len(left) == len(pending) else 0
        if idle_rounds > MAX_UNPROCESSED_ROUNDS:
            raise SeedWriteError(
                f"table '{table_name}': {len(left)} items stayed unprocessed after "
                f"{MAX_UNPROCESSED_ROUNDS} retries (throttled?)"
            )
        pending = left
        retries += 1
        await sleep(random.random() * min(BACKOFF_BASE_SECONDS * 2**retries, BACKOFF_MAX_SECONDS))
