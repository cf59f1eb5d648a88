"""Tables declared by DynamoDB data sources: create the missing ones, report drift.

A data source's `config.table` block describes its table the way AppSync users think of it
(hash and range keys, local and global secondary indexes, stream). Provisioning never
destroys or alters an existing table: it creates what is missing and reports every
difference it finds in what exists.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

PROJECTIONS = frozenset({"ALL", "KEYS_ONLY"})
STREAM_VIEWS = frozenset({"NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY"})
ACTIVE_POLL_SECONDS = 1.0
ACTIVE_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class KeyAttribute:
    name: str
    type: str  # S, N or B


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    hash_key: KeyAttribute
    range_key: KeyAttribute | None
    projection: str | tuple[str, ...]  # ALL, KEYS_ONLY, or the INCLUDE attributes


@dataclass(frozen=True, slots=True)
class TableSpec:
    """What a data source declares about its table."""

    name: str
    hash_key: KeyAttribute
    range_key: KeyAttribute | None = None
    local_indexes: tuple[Index, ...] = ()
    global_indexes: tuple[Index, ...] = ()
    stream: str | None = None


def _key(raw: Mapping[str, Any]) -> KeyAttribute:
    return KeyAttribute(str(raw["name"]), str(raw.get("type", "S")))


def _projection(raw: Any) -> str | tuple[str, ...]:
    """`{type: ALL|KEYS_ONLY|INCLUDE, nonKeyAttributes: [...]}`; ALL when absent."""
    if not isinstance(raw, Mapping) or raw.get("type", "ALL") == "ALL":
        return "ALL"
    if raw["type"] == "INCLUDE":
        return tuple(str(name) for name in raw.get("nonKeyAttributes", ()))
    return str(raw["type"])


def table_spec(table_name: str, raw: Mapping[str, Any]) -> TableSpec:
    """The `config.table` block of a data source (already validated) as a TableSpec.

    The block: `hashKey {name, type}`, `rangeKey`, `localSecondaryIndexes` and
    `globalSecondaryIndexes` (`indexName`, `hashKey` for global ones, `rangeKey`,
    `projection`), `stream {viewType}`.
    """
    hash_key = _key(raw["hashKey"])
    local = tuple(
        Index(
            str(index["indexName"]),
            hash_key,
            _key(index["rangeKey"]),
            _projection(index.get("projection")),
        )
        for index in raw.get("localSecondaryIndexes", ())
    )
    global_ = tuple(
        Index(
            str(index["indexName"]),
            _key(index["hashKey"]),
            _key(index["rangeKey"]) if index.get("rangeKey") else None,
            _projection(index.get("projection")),
        )
        for index in raw.get("globalSecondaryIndexes", ())
    )
    return TableSpec(
        name=table_name,
        hash_key=hash_key,
        range_key=_key(raw["rangeKey"]) if raw.get("rangeKey") else None,
        local_indexes=local,
        global_indexes=global_,
        stream=_stream(raw.get("stream")),
    )


def _stream(raw: Any) -> str | None:
    if not isinstance(raw, Mapping):
        return None
    return str(raw.get("viewType", "NEW_AND_OLD_IMAGES"))


def _key_schema(hash_key: KeyAttribute, range_key: KeyAttribute | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key.name, "KeyType": "HASH"}]
    if range_key is not None:
        schema.append({"AttributeName": range_key.name, "KeyType": "RANGE"})
    return schema


def _projection_request(projection: str | tuple[str, ...]) -> dict[str, Any]:
    if isinstance(projection, tuple):
        return {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(projection)}
    return {"ProjectionType": projection}


def _index_request(index: Index) -> dict[str, Any]:
    return {
        "IndexName": index.name,
        "KeySchema": _key_schema(index.hash_key, index.range_key),
        "Projection": _projection_request(index.projection),
    }


def create_table_request(spec: TableSpec) -> dict[str, Any]:
    """DynamoDB's CreateTable parameters for `spec` (on-demand billing)."""
    attributes: dict[str, str] = {}
    for key in (spec.hash_key, spec.range_key):
        if key is not None:
            attributes[key.name] = key.type
    for index in (*spec.local_indexes, *spec.global_indexes):
        for key in (index.hash_key, index.range_key):
            if key is not None:
                attributes[key.name] = key.type
    request: dict[str, Any] = {
        "TableName": spec.name,
        "KeySchema": _key_schema(spec.hash_key, spec.range_key),
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": type_} for name, type_ in attributes.items()
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if spec.local_indexes:
        request["LocalSecondaryIndexes"] = [_index_request(i) for i in spec.local_indexes]
    if spec.global_indexes:
        request["GlobalSecondaryIndexes"] = [_index_request(i) for i in spec.global_indexes]
    if spec.stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec.stream}
    return request


def drift(spec: TableSpec, table: Mapping[str, Any]) -> list[str]:
    """How an existing table (DescribeTable's `Table`) differs from what is declared."""
    found: list[str] = []
    types = {a["AttributeName"]: a["AttributeType"] for a in table.get("AttributeDefinitions", [])}
    wanted = _key_schema(spec.hash_key, spec.range_key)
    if table.get("KeySchema") != wanted:
        found.append(f"key schema is {table.get('KeySchema')}, declared {wanted}")
    for key in (spec.hash_key, spec.range_key):
        if key is not None and key.name in types and types[key.name] != key.type:
            found.append(f"key '{key.name}' has type {types[key.name]}, declared {key.type}")
    for kind, declared, existing in (
        ("local", spec.local_indexes, table.get("LocalSecondaryIndexes", [])),
        ("global", spec.global_indexes, table.get("GlobalSecondaryIndexes", [])),
    ):
        by_name = {index["IndexName"]: index for index in existing}
        for index in declared:
            actual = by_name.pop(index.name, None)
            if actual is None:
                found.append(f"{kind} index '{index.name}' is missing")
                continue
            if actual.get("KeySchema") != _key_schema(index.hash_key, index.range_key):
                found.append(f"{kind} index '{index.name}' has key schema {actual['KeySchema']}")
            if (
                actual.get("Projection", {}).get("ProjectionType")
                != _projection_request(index.projection)["ProjectionType"]
            ):
                found.append(f"{kind} index '{index.name}' has another projection")
        found.extend(f"{kind} index '{name}' is not declared" for name in by_name)
    stream = table.get("StreamSpecification") or {}
    actual_stream = stream.get("StreamViewType") if stream.get("StreamEnabled") else None
    if actual_stream != spec.stream:
        found.append(f"stream is {actual_stream}, declared {spec.stream}")
    return found


class TableClient(Protocol):
    """The two DynamoDB control-plane calls provisioning needs (aioboto3's client has them)."""

    async def describe_table(self, **kwargs: Any) -> dict[str, Any]: ...

    async def create_table(self, **kwargs: Any) -> dict[str, Any]: ...

    async def update_table(self, **kwargs: Any) -> dict[str, Any]: ...


@dataclass
class ProvisionReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    drifted: dict[str, list[str]] = field(default_factory=dict)


def _stream_enabled(table: Mapping[str, Any]) -> bool:
    return bool((table.get("StreamSpecification") or {}).get("StreamEnabled"))


def _is_missing(error: Exception) -> bool:
    code = getattr(error, "response", {}).get("Error", {}).get("Code")
    return bool(code == "ResourceNotFoundException")


async def provision(
    client: TableClient,
    specs: Sequence[TableSpec],
    progress: Callable[[str], None],
    *,
    enable_streams: bool = False,
) -> ProvisionReport:
    """Create the missing tables, wait until they are active, report drift of the others.

    `enable_streams` (Strawsync's own DynamoDB Local only) turns on a declared stream that
    an existing table lacks: a table made before its data source declared one would
    otherwise never feed its stream mappings. Adding a stream changes no item; any other
    difference is still only reported."""
    report = ProvisionReport()
    for spec in specs:
        try:
            described = await client.describe_table(TableName=spec.name)
        except Exception as error:
            if not _is_missing(error):
                raise
            progress(f"creating table {spec.name}")
            await client.create_table(**create_table_request(spec))
            await _wait_active(client, spec.name, progress)
            report.created.append(spec.name)
            continue
        table = described["Table"]
        if enable_streams and spec.stream and not _stream_enabled(table):
            progress(f"table {spec.name}: enabling its declared stream ({spec.stream})")
            await client.update_table(
                TableName=spec.name,
                StreamSpecification={"StreamEnabled": True, "StreamViewType": spec.stream},
            )
            await _wait_active(client, spec.name, progress)
            table = (await client.describe_table(TableName=spec.name))["Table"]
        differences = drift(spec, table)
        if differences:
            report.drifted[spec.name] = differences
            for difference in differences:
                progress(f"table {spec.name}: {difference} (not changed)")
        else:
            report.unchanged.append(spec.name)
    return report


async def _wait_active(client: TableClient, name: str, progress: Callable[[str], None]) -> None:
    waited = 0.0
    while waited < ACTIVE_TIMEOUT_SECONDS:
        table = (await client.describe_table(TableName=name))["Table"]
        if table.get("TableStatus") == "ACTIVE":
            return
        if waited and waited % 10 == 0:
            progress(f"waiting for table {name} to become active ({int(waited)}s)")
        await asyncio.sleep(ACTIVE_POLL_SECONDS)
        waited += ACTIVE_POLL_SECONDS
    raise TimeoutError(f"table {name} did not become active in {ACTIVE_TIMEOUT_SECONDS:.0f}s")
