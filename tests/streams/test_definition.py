"""`streams:` in strawsync.yaml: event source mappings, checked key by key at AWS's bounds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from app.definition.loader import load_definition
from app.definition.model import ApiDefinition, IndexTarget, StartingPosition
from app.problems import DefinitionError
from app.templates.vtl import VtlEngine
from tests.support.projects import write_project

SCHEMA = "type Query { ping: String }\n"
DATA_SOURCES: list[dict[str, Any]] = [
    {
        "name": "Items",
        "type": "AMAZON_DYNAMODB",
        "config": {
            "tableName": "ItemTable",
            "table": {"hashKey": {"name": "id", "type": "S"}, "stream": {}},
        },
    },
    {
        "name": "Plain",
        "type": "AMAZON_DYNAMODB",
        "config": {"tableName": "PlainTable", "table": {"hashKey": {"name": "id", "type": "S"}}},
    },
    {"name": "Remote", "type": "AMAZON_DYNAMODB", "config": {"tableName": "RemoteTable"}},
    {"name": "OnChange", "type": "AWS_LAMBDA", "config": {"handler": "functions/f.py:handler"}},
    {"name": "Search", "type": "AMAZON_OPENSEARCH_SERVICE", "config": {}},
    {"name": "Nothing", "type": "NONE"},
]


def load(tmp_path: Path, streams: Any) -> ApiDefinition:
    settings = {"name": "Streams", "dataSources": DATA_SOURCES, "streams": streams}
    write_project(
        tmp_path,
        {
            "schema.graphql": SCHEMA,
            "strawsync.yaml": yaml.safe_dump(settings, sort_keys=False),
            "functions/f.py": "def handler(event, context):\n    return None\n",
        },
    )
    return load_definition(tmp_path, VtlEngine())


def problems(tmp_path: Path, streams: Any) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load(tmp_path, streams)
    return [f"{p.line}: {p.message}" for p in caught.value.problems]


def mapping(**overrides: Any) -> dict[str, Any]:
    return {"table": "ItemTable", "function": "OnChange", **overrides}


def test_a_function_mapping_with_every_setting(tmp_path: Path) -> None:
    definition = load(
        tmp_path,
        [
            mapping(
                batchSize=10_000,
                maximumBatchingWindowInSeconds=300,
                startingPosition="LATEST",
                maximumRetryAttempts=10_000,
                maximumRecordAgeInSeconds=604_800,
                bisectBatchOnFunctionError=True,
                functionResponseTypes=["ReportBatchItemFailures"],
                enabled=False,
            )
        ],
    )
    (stream,) = definition.streams
    assert stream.table == "ItemTable" and stream.table_source == "Items"
    assert stream.function == "OnChange" and stream.index is None
    assert stream.batch_size == 10_000
    assert stream.batching_window_seconds == 300
    assert stream.starting_position is StartingPosition.LATEST
    assert stream.maximum_retry_attempts == 10_000
    assert stream.maximum_record_age_seconds == 604_800
    assert stream.bisect_on_error and stream.report_batch_item_failures and not stream.enabled
    assert stream.target == "function:OnChange"
    assert stream.origin.file.endswith("strawsync.yaml") and stream.origin.line > 0


def test_defaults_are_aws_s(tmp_path: Path) -> None:
    (stream,) = load(tmp_path, [mapping()]).streams
    assert (stream.batch_size, stream.batching_window_seconds) == (100, 0)
    assert stream.starting_position is StartingPosition.TRIM_HORIZON
    assert (stream.maximum_retry_attempts, stream.maximum_record_age_seconds) == (-1, -1)
    assert not stream.bisect_on_error and not stream.report_batch_item_failures
    assert stream.enabled


def test_an_index_mapping(tmp_path: Path) -> None:
    (stream,) = load(
        tmp_path, [{"table": "ItemTable", "index": {"dataSource": "Search", "name": "items"}}]
    ).streams
    assert stream.index == IndexTarget("Search", "items") and stream.function is None
    assert stream.target == "index:Search/items"


def test_a_table_without_a_table_block_may_be_streamed(tmp_path: Path) -> None:
    """Its stream is checked when the poller starts (DescribeTable)."""
    (stream,) = load(tmp_path, [mapping(table="RemoteTable")]).streams
    assert stream.table_source == "Remote"


@pytest.mark.parametrize(
    ("key", "low", "high", "words"),
    [
        ("batchSize", 1, 10_000, "a whole number from 1 to 10000"),
        ("maximumBatchingWindowInSeconds", 0, 300, "a whole number from 0 to 300"),
        ("maximumRetryAttempts", -1, 10_000, "a whole number from -1 to 10000"),
        ("maximumRecordAgeInSeconds", 60, 604_800, "-1 or a whole number from 60 to 604800"),
    ],
)
def test_numbers_are_bounded_as_on_aws(
    tmp_path: Path, key: str, low: int, high: int, words: str
) -> None:
    for ok in (low, high):
        load(tmp_path, [mapping(**{key: ok})])
    for wrong in (low - 1, high + 1, 1.5, True, "10"):
        found = problems(tmp_path, [mapping(**{key: wrong})])
        assert len(found) == 1 and found[0].endswith(f"'{key}' must be {words}"), (wrong, found)


def test_record_age_may_be_minus_one(tmp_path: Path) -> None:
    (stream,) = load(tmp_path, [mapping(maximumRecordAgeInSeconds=-1)]).streams
    assert stream.maximum_record_age_seconds == -1
    assert problems(tmp_path, [mapping(maximumRecordAgeInSeconds=-2)])


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            mapping(startingPosition="AT_TIMESTAMP"),
            "'startingPosition' must be TRIM_HORIZON or LATEST",
        ),
        (mapping(enabled="yes"), "'enabled' must be true or false"),
        (
            mapping(bisectBatchOnFunctionError=1),
            "'bisectBatchOnFunctionError' must be true or false",
        ),
        (
            mapping(functionResponseTypes=["Other"]),
            "'functionResponseTypes' must be a list of ReportBatchItemFailures",
        ),
        (
            mapping(filterCriteria={"filters": []}),
            "'filterCriteria' is not supported by this version",
        ),
        (
            mapping(parallelizationFactor=2),
            "'parallelizationFactor' is not supported by this version",
        ),
        (mapping(destinationConfig={}), "'destinationConfig' is not supported by this version"),
        (mapping(batchsize=3), "unknown key 'batchsize' (expected one of: "),
        (mapping(table="Missing"), "no AMAZON_DYNAMODB data source has tableName 'Missing'"),
        (
            mapping(table="PlainTable"),
            "table 'PlainTable' has no stream: add stream: {viewType: NEW_AND_OLD_IMAGES} to "
            "data source 'Plain' config.table",
        ),
        ({"function": "OnChange"}, "a mapping needs a 'table'"),
        ({"table": "ItemTable"}, "a mapping needs 'function' or 'index', not neither"),
        (
            mapping(index={"dataSource": "Search", "name": "items"}),
            "a mapping needs 'function' or 'index', not both",
        ),
        (mapping(function="Missing"), "unknown data source 'Missing'"),
        (mapping(function="Nothing"), "data source 'Nothing' is NONE, not AWS_LAMBDA"),
        (
            {"table": "ItemTable", "index": {"dataSource": "OnChange", "name": "items"}},
            "data source 'OnChange' is not AMAZON_ELASTICSEARCH or AMAZON_OPENSEARCH_SERVICE",
        ),
        (
            {"table": "ItemTable", "index": {"dataSource": "Search", "name": "Items"}},
            "'name' must be an index name (lowercase, no spaces, not starting with _ - +)",
        ),
        (
            {"table": "ItemTable", "index": {"dataSource": "Search", "name": "i", "type": "x"}},
            "unknown key 'type' in index (dataSource, name)",
        ),
        (
            {
                "table": "ItemTable",
                "index": {"dataSource": "Search", "name": "items"},
                "functionResponseTypes": ["ReportBatchItemFailures"],
            },
            "'functionResponseTypes' applies to a function, not an index",
        ),
        ("not a mapping", "an event source mapping must be a mapping"),
    ],
)
def test_mistakes_are_reported_at_their_place(tmp_path: Path, entry: Any, message: str) -> None:
    found = problems(tmp_path, [mapping(), entry] if entry != mapping() else [entry])
    assert any(message in problem for problem in found), found
    assert all(not problem.startswith("0:") for problem in found), found


def test_streams_must_be_a_list(tmp_path: Path) -> None:
    (found,) = problems(tmp_path, {"table": "ItemTable"})
    line, message = found.split(": ", 1)
    assert message == "'streams' must be a list of event source mappings" and int(line) > 0


def test_the_same_table_and_target_twice_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, [mapping(), mapping(batchSize=5)])
    assert any("streams[0] already maps table 'ItemTable' to function:OnChange" in p for p in found)
