"""Seeding tables from plain-JSON items, and the seed files they come from."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from app.datasources.dynamodb.client import DynamoDBClient
from app.datasources.dynamodb.seed import (
    BATCH_SIZE,
    MAX_UNPROCESSED_ROUNDS,
    SeedError,
    SeedFileError,
    SeedWriteError,
    load_seed_file,
    seed_items,
)
from app.datasources.dynamodb.values import item_to_plain
from app.progress import ProgressBar
from tests.dynamodb.conftest import create_table


async def count(client: DynamoDBClient, table: str) -> int:
    total, start = 0, None
    while True:
        page = await client.call(
            "Scan",
            {"TableName": table, "Select": "COUNT"}
            | ({"ExclusiveStartKey": start} if start else {}),
        )
        total += int(page["Count"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return total


async def no_sleep(_seconds: float) -> None:
    return None


# ------------------------------------------------------------------------------------ seeding


async def test_a_thousand_items_land_with_progress(ddb: DynamoDBClient) -> None:
    table = await create_table(ddb, ("id", "S"))
    items = [{"id": f"event-{n:04}", "name": f"Event {n}", "n": n} for n in range(1000)]
    reports: list[tuple[int, int]] = []

    written = await seed_items(ddb, table, items, lambda done, total: reports.append((done, total)))

    assert written == 1000
    assert await count(ddb, table) == 1000
    assert reports[0] == (0, 1000)
    assert reports[-1] == (1000, 1000)
    assert len(reports) == 1 + 1000 // BATCH_SIZE
    assert all(total == 1000 for _, total in reports)
    assert [done for done, _ in reports] == sorted(done for done, _ in reports)


async def test_items_read_back_as_they_were_written(ddb: DynamoDBClient) -> None:
    table = await create_table(ddb, ("eventId", "S"), ("n", "N"))
    item = {
        "eventId": "e1",
        "n": 3,
        "price": 12.5,
        "whole": 2.0,
        "free": False,
        "venue": None,
        "tags": ["a", 1, {"deep": [True]}],
        "where": {"city": "Lyon", "seats": 120},
    }

    await seed_items(ddb, table, [item], lambda _done, _total: None)

    stored = await ddb.call(
        "GetItem", {"TableName": table, "Key": {"eventId": {"S": "e1"}, "n": {"N": "3"}}}
    )
    assert stored["Item"]["whole"] == {"N": "2"}
    assert stored["Item"]["venue"] == {"NULL": True}
    assert item_to_plain(stored["Item"]) == {**item, "whole": 2}


async def test_numbers_from_a_file_keep_all_their_digits(
    ddb: DynamoDBClient, tmp_path: Path
) -> None:
    table = await create_table(ddb, ("id", "S"))
    digits = "3.1415926535897932384626433832795028841"  # 38 significant digits
    (tmp_path / "seed.json").write_text(f'{{"{table}": [{{"id": "pi", "value": {digits}}}]}}')

    (items,) = load_seed_file(tmp_path / "seed.json").values()
    await seed_items(ddb, table, items, lambda _done, _total: None)

    stored = await ddb.call("GetItem", {"TableName": table, "Key": {"id": {"S": "pi"}}})
    assert stored["Item"]["value"] == {"N": digits}


async def test_items_with_one_key_collapse_to_the_last(ddb: DynamoDBClient) -> None:
    table = await create_table(ddb, ("id", "S"), ("n", "N"))
    items = [
        {"id": "a", "n": 1, "v": "first"},
        {"id": "b", "n": 1},
        {"id": "a", "n": 1.0, "v": "last"},
    ]

    assert await seed_items(ddb, table, items, lambda _done, _total: None) == 2

    stored = await ddb.call(
        "GetItem", {"TableName": table, "Key": {"id": {"S": "a"}, "n": {"N": "1"}}}
    )
    assert stored["Item"]["v"] == {"S": "last"}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"name": "no key"}, r"\[1\]: the key attribute 'id' is missing"),
        ({"id": 7}, r"\[1\]: the key attribute 'id' must be of type S, not N"),
        ({"id": "x", "when": float("nan")}, r"\[1\]\.when: nan cannot be stored"),
        ({"id": "x", "when": {1, 2}}, r"\[1\]\.when: a set is not a JSON value"),
    ],
)
async def test_bad_items_are_refused_before_anything_is_written(
    ddb: DynamoDBClient, item: dict[str, Any], message: str
) -> None:
    table = await create_table(ddb, ("id", "S"))

    with pytest.raises(SeedError, match=message):
        await seed_items(ddb, table, [{"id": "ok"}, item], lambda _done, _total: None)

    assert await count(ddb, table) == 0


async def test_a_missing_table_is_named(ddb: DynamoDBClient) -> None:
    with pytest.raises(SeedError, match="table 'NoSuchTable' does not exist"):
        await seed_items(ddb, "NoSuchTable", [{"id": "a"}], lambda _done, _total: None)


class Throttled:
    """The real DynamoDB Local, except that BatchWriteItem leaves items unprocessed.

    Each call writes only the first `accept` items it is given (none, `stubborn` times
    first) and hands the rest back as `UnprocessedItems`, as a throttled table does.
    """

    def __init__(self, client: DynamoDBClient, *, accept: int, stubborn: int = 0) -> None:
        self.client = client
        self.accept = accept
        self.stubborn = stubborn
        self.batches: list[int] = []

    async def call(self, operation: str, payload: Mapping[str, Any]) -> dict[str, Any]:
        if operation != "BatchWriteItem":
            return await self.client.call(operation, payload)
        ((table, requests),) = payload["RequestItems"].items()
        self.batches.append(len(requests))
        accept = 0 if self.stubborn > 0 else self.accept
        self.stubborn -= 1
        taken, left = requests[:accept], requests[accept:]
        if taken:
            await self.client.call("BatchWriteItem", {"RequestItems": {table: taken}})
        return {"UnprocessedItems": {table: left} if left else {}}


async def test_unprocessed_items_are_retried_with_backoff(ddb: DynamoDBClient) -> None:
    table = await create_table(ddb, ("id", "S"))
    throttled = Throttled(ddb, accept=10, stubborn=2)
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    reports: list[tuple[int, int]] = []
    items = [{"id": str(n)} for n in range(30)]
    written = await seed_items(
        throttled, table, items, lambda d, t: reports.append((d, t)), concurrency=1, sleep=sleep
    )

    assert written == 30
    assert await count(ddb, table) == 30
    # 25 refused twice, then 10 at a time; then the last 5.
    assert throttled.batches == [25, 25, 25, 15, 5, 5]
    assert len(delays) == 4
    assert reports == [(0, 30), (10, 30), (20, 30), (25, 30), (30, 30)]


async def test_items_that_stay_unprocessed_fail_the_seed(ddb: DynamoDBClient) -> None:
    table = await create_table(ddb, ("id", "S"))
    throttled = Throttled(ddb, accept=0)

    with pytest.raises(SeedWriteError, match="3 items stayed unprocessed"):
        await seed_items(
            throttled,
            table,
            [{"id": "a"}, {"id": "b"}, {"id": "c"}],
            lambda _d, _t: None,
            sleep=no_sleep,
        )

    assert len(throttled.batches) == MAX_UNPROCESSED_ROUNDS + 1


async def test_a_refused_batch_names_its_items(ddb: DynamoDBClient) -> None:
    table = await create_table(ddb, ("id", "S"))
    items = [{"id": str(n)} for n in range(30)]
    items[27]["blob"] = "x" * 500_000  # over DynamoDB's 400 KB item limit

    with pytest.raises(SeedWriteError, match=rf"table '{table}', items 25-29: ValidationException"):
        await seed_items(ddb, table, items, lambda _d, _t: None, concurrency=1)


# ---------------------------------------------------------------------------------- seed files


def write(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "seed.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_a_seed_file_maps_tables_to_items(tmp_path: Path) -> None:
    path = write(tmp_path, {"Events": [{"id": "e1"}, {"id": "e2"}], "Comments": []})

    assert load_seed_file(path) == {"Events": [{"id": "e1"}, {"id": "e2"}], "Comments": []}
    assert load_seed_file(path, "Comments") == {"Comments": []}


def test_a_plain_list_needs_its_table(tmp_path: Path) -> None:
    path = write(tmp_path, [{"id": "e1"}])

    assert load_seed_file(path, "Events") == {"Events": [{"id": "e1"}]}
    with pytest.raises(SeedFileError, match="holds a plain list of items: name the table"):
        load_seed_file(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"Events": [{"id": "e1"},]}',
            r"is not valid JSON \(Expecting value at line 1, column 26\)",
        ),
        ('{"Events": [{"id": "e1", "n": NaN}]}', "NaN is not a JSON number"),
        (
            '"Events"',
            r'must be an object \{"Table": \[item, ...\]\} or a list of items, not a string',
        ),
        ("{}", "names no tables"),
        ('{" ": []}', "a table name is empty"),
        ('{"Events": {"id": "e1"}}', "'Events' must be a list of items, not an object"),
        (
            '{"Events": [{"id": "e1"}, ["e2"]]}',
            r"Events\[1\] must be an object of attributes, not a list",
        ),
        ('{"Events": [{}]}', r"Events\[0\] has no attributes"),
    ],
    ids=[
        "json",
        "nan",
        "scalar",
        "empty",
        "blank-name",
        "not-a-list",
        "not-an-object",
        "no-attributes",
    ],
)
def test_bad_seed_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = write(tmp_path, content)

    with pytest.raises(SeedFileError, match=message) as caught:
        load_seed_file(path)

    assert str(caught.value).startswith(f"{path}: ")
    assert caught.value.path == path


def test_a_missing_table_or_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SeedFileError, match=r"has no table 'Comments' \(it has Events\)"):
        load_seed_file(write(tmp_path, {"Events": []}), "Comments")
    with pytest.raises(SeedFileError, match=r"nowhere\.json: no such file"):
        load_seed_file(tmp_path / "nowhere.json")
    (tmp_path / "latin1.json").write_bytes(b'{"Events": [{"name": "caf\xe9"}]}')
    with pytest.raises(SeedFileError, match="cannot be read"):
        load_seed_file(tmp_path / "latin1.json")


async def test_a_progress_bar_follows_the_seed(ddb: DynamoDBClient) -> None:
    table = await create_table(ddb, ("id", "S"))
    stream = io.StringIO()

    with ProgressBar(f"seeding {table}", stream) as bar:
        await seed_items(ddb, table, [{"id": str(n)} for n in range(60)], bar)

    lines = stream.getvalue().splitlines()
    assert lines[0] == f"seeding {table}: 0/60 (0%)"
    assert lines[-1] == f"seeding {table}: 60/60 (100%)"
