"""`streams:` in strawsync.yaml: event source mappings from DynamoDB streams.

Each entry is AWS's `AWS::Lambda::EventSourceMapping` for a DynamoDB stream, with its keys in
camelCase and AWS's bounds, feeding either a Lambda data source (`function`) or the built-in
indexer (`index: {dataSource, name}`):

```yaml
streams:
  - table: AppSyncEventTable            # a DynamoDB data source's tableName
    function: OnEventChange             # an AWS_LAMBDA data source
    batchSize: 100                      # 1..10000
    maximumBatchingWindowInSeconds: 0   # 0..300
    startingPosition: TRIM_HORIZON      # or LATEST
    maximumRetryAttempts: -1            # -1 (until the record expires) or 0..10000
    maximumRecordAgeInSeconds: -1       # -1 (never) or 60..604800
    bisectBatchOnFunctionError: false
    functionResponseTypes: [ReportBatchItemFailures]
    enabled: true
  - table: AppSyncEventTable
    index: {dataSource: EventSearch, name: event}
```

Parsing is pure: `parse_streams` returns the frozen definitions and every problem with its
path under `streams`, for the loader to report at its place in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.definition.model import (
    DataSourceDef,
    EventSourceMappingDef,
    IndexTarget,
    Origin,
    StartingPosition,
)
from app.definition.yaml_source import YamlDocument

Path_ = tuple[str | int, ...]
StreamProblem = tuple[Path_, str]

LAMBDA_TYPE = "AWS_LAMBDA"
DYNAMODB_TYPE = "AMAZON_DYNAMODB"
SEARCH_TYPES = frozenset({"AMAZON_OPENSEARCH_SERVICE", "AMAZON_ELASTICSEARCH"})
REPORT_BATCH_ITEM_FAILURES = "ReportBatchItemFailures"

_RANGES: Mapping[str, tuple[str, int, int]] = {
    # key: (attribute, low, high), AWS's bounds for a DynamoDB stream.
    "batchSize": ("batch_size", 1, 10_000),
    "maximumBatchingWindowInSeconds": ("batching_window_seconds", 0, 300),
    "maximumRetryAttempts": ("maximum_retry_attempts", -1, 10_000),
}
_RECORD_AGE = ("maximumRecordAgeInSeconds", 60, 604_800)
_FLAGS = {"bisectBatchOnFunctionError": "bisect_on_error", "enabled": "enabled"}
_KEYS = frozenset(
    {
        "table",
        "function",
        "index",
        "startingPosition",
        "functionResponseTypes",
        "maximumRecordAgeInSeconds",
        *_RANGES,
        *_FLAGS,
    }
)
_UNSUPPORTED = frozenset(
    {
        "filterCriteria",
        "parallelizationFactor",
        "destinationConfig",
        "tumblingWindowInSeconds",
        "startingPositionTimestamp",
        "metricsConfig",
        "kmsKeyArn",
        "provisionedPollerConfig",
        "scalingConfig",
    }
)
_FUNCTION_ONLY = ("functionResponseTypes",)


def parse_streams(
    raw: Any,
    data_sources: Mapping[str, DataSourceDef],
    doc: YamlDocument,
) -> tuple[tuple[EventSourceMappingDef, ...], list[StreamProblem]]:
    """The mappings `raw` (the value of `streams:` in `doc`) declares, and what is wrong
    with it (paths relative to `streams`)."""
    problems: list[StreamProblem] = []
    if raw is None:
        return (), problems
    if not isinstance(raw, list):
        return (), [((), "'streams' must be a list of event source mappings")]
    found: list[EventSourceMappingDef] = []
    seen: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(raw):
        before = len(problems)
        pos = doc.where("streams", index)
        origin = Origin(doc.file, pos.line, pos.column)
        mapping = _mapping(entry, (index,), data_sources, origin, problems)
        if mapping is None or len(problems) > before:
            continue
        key = (mapping.table, mapping.target)
        if key in seen:
            problems.append(
                ((index,), f"streams[{seen[key]}] already maps table '{key[0]}' to {key[1]}")
            )
            continue
        seen[key] = index
        found.append(mapping)
    return tuple(found), problems


def _mapping(
    entry: Any,
    path: Path_,
    data_sources: Mapping[str, DataSourceDef],
    origin: Origin,
    problems: list[StreamProblem],
) -> EventSourceMappingDef | None:
    if not isinstance(entry, dict):
        problems.append((path, "an event source mapping must be a mapping"))
        return None
    for key in entry:
        if key in _UNSUPPORTED:
            problems.append(((*path, key), f"'{key}' is not supported by this version"))
        elif key not in _KEYS:
            expected = ", ".join(sorted(_KEYS))
            problems.append(((*path, key), f"unknown key '{key}' (expected one of: {expected})"))
    table_source = _table_source(entry.get("table"), path, data_sources, problems)
    function, index = _target(entry, path, data_sources, problems)
    kwargs: dict[str, Any] = {}
    for key, (attr, low, high) in _RANGES.items():
        if key in entry:
            value = _whole(entry[key], (*path, key), low, high, problems)
            if value is not None:
                kwargs[attr] = value
    age_key, low, high = _RECORD_AGE
    if age_key in entry:
        age = entry[age_key]
        if age == -1 and not isinstance(age, bool):
            kwargs["maximum_record_age_seconds"] = -1
        elif (value := _whole(age, (*path, age_key), low, high, problems, "-1 or ")) is not None:
            kwargs["maximum_record_age_seconds"] = value
    for key, attr in _FLAGS.items():
        if key in entry:
            if isinstance(entry[key], bool):
                kwargs[attr] = entry[key]
            else:
                problems.append(((*path, key), f"'{key}' must be true or false"))
    if "startingPosition" in entry:
        try:
            kwargs["starting_position"] = StartingPosition(entry["startingPosition"])
        except ValueError:
            names = " or ".join(p.value for p in StartingPosition)
            problems.append(((*path, "startingPosition"), f"'startingPosition' must be {names}"))
    if "functionResponseTypes" in entry:
        kwargs["report_batch_item_failures"] = _response_types(
            entry["functionResponseTypes"], (*path, "functionResponseTypes"), problems
        )
    if index is not None:
        for key in _FUNCTION_ONLY:
            if key in entry:
                problems.append(((*path, key), f"'{key}' applies to a function, not an index"))
    if table_source is None or (function is None and index is None):
        return None
    return EventSourceMappingDef(
        table=str(entry["table"]),
        table_source=table_source,
        origin=origin,
        function=function,
        index=index,
        **kwargs,
    )


def _table_source(
    table: Any,
    path: Path_,
    data_sources: Mapping[str, DataSourceDef],
    problems: list[StreamProblem],
) -> str | None:
    """The DynamoDB data source that reaches `table` (the first that names it)."""
    where = (*path, "table")
    if not isinstance(table, str) or not table:
        problems.append((where if table is not None else path, "a mapping needs a 'table'"))
        return None
    for source in data_sources.values():
        if source.type != DYNAMODB_TYPE or source.config.get("tableName") != table:
            continue
        declared = source.config.get("table")
        if isinstance(declared, Mapping) and "stream" not in declared:
            problems.append(
                (
                    where,
                    f"table '{table}' has no stream: add stream: {{viewType: "
                    f"NEW_AND_OLD_IMAGES}} to data source '{source.name}' config.table",
                )
            )
            return None
        return source.name
    problems.append((where, f"no AMAZON_DYNAMODB data source has tableName '{table}'"))
    return None


def _target(
    entry: Mapping[str, Any],
    path: Path_,
    data_sources: Mapping[str, DataSourceDef],
    problems: list[StreamProblem],
) -> tuple[str | None, IndexTarget | None]:
    """(function, index): exactly one of the two, each naming a data source of its kind."""
    has_function, has_index = "function" in entry, "index" in entry
    if has_function == has_index:
        which = "both" if has_function else "neither"
        problems.append((path, f"a mapping needs 'function' or 'index', not {which}"))
        return None, None
    if has_function:
        name = entry["function"]
        where = (*path, "function")
        source = data_sources.get(name) if isinstance(name, str) else None
        if source is None:
            problems.append((where, f"unknown data source '{name}'"))
        elif source.type != LAMBDA_TYPE:
            problems.append((where, f"data source '{name}' is {source.type}, not AWS_LAMBDA"))
        else:
            return name, None
        return None, None
    raw = entry["index"]
    where = (*path, "index")
    if not isinstance(raw, dict):
        problems.append((where, "'index' must be {dataSource, name}"))
        return None, None
    for key in raw:
        if key not in ("dataSource", "name"):
            problems.append(((*where, key), f"unknown key '{key}' in index (dataSource, name)"))
    name, index_name = raw.get("dataSource"), raw.get("name")
    source = data_sources.get(name) if isinstance(name, str) else None
    ok = True
    if source is None:
        problems.append(((*where, "dataSource"), f"unknown data source '{name}'"))
        ok = False
    elif source.type not in SEARCH_TYPES:
        kinds = " or ".join(sorted(SEARCH_TYPES))
        problems.append(((*where, "dataSource"), f"data source '{name}' is not {kinds}"))
        ok = False
    if not isinstance(index_name, str) or not _valid_index_name(index_name):
        problems.append(
            (
                (*where, "name") if "name" in raw else where,
                "'name' must be an index name (lowercase, no spaces, not starting with _ - +)",
            )
        )
        ok = False
    if not ok:
        return None, None
    assert isinstance(name, str) and isinstance(index_name, str)
    return None, IndexTarget(name, index_name)


def _valid_index_name(name: str) -> bool:
    """OpenSearch's rules for an index name, as far as they matter here."""
    forbidden = set(' "*\\<|,>/?#:')
    return (
        bool(name)
        and name == name.lower()
        and not name.startswith(("_", "-", "+"))
        and not forbidden & set(name)
        and name not in (".", "..")
        and len(name.encode()) <= 255
    )


def _whole(
    value: Any, where: Path_, low: int, high: int, problems: list[StreamProblem], also: str = ""
) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        problems.append((where, f"'{where[-1]}' must be {also}a whole number from {low} to {high}"))
        return None
    return value


def _response_types(value: Any, where: Path_, problems: list[StreamProblem]) -> bool:
    """Whether `functionResponseTypes` asks for partial batch responses."""
    if not isinstance(value, list) or any(v != REPORT_BATCH_ITEM_FAILURES for v in value):
        problems.append(
            (where, f"'functionResponseTypes' must be a list of {REPORT_BATCH_ITEM_FAILURES}")
        )
        return False
    return bool(value)
