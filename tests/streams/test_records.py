"""Stream records in Lambda's shape, documents for the indexer, and reading the answers of
functions (`batchItemFailures`) and of `_bulk`."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import orjson

from app.streams.records import document, document_id, lambda_record
from app.streams.targets import Outcome, batch_item_failures, bulk_outcome

ARN = "arn:aws:dynamodb:ddblocal:000000000000:table/T/stream/2026-12-07T22:00:00.000"


def record(sequence: str, name: str = "INSERT", **change: Any) -> dict[str, Any]:
    """A record as botocore parses GetRecords (bytes for binaries, datetime for the time)."""
    return {
        "eventID": f"e{sequence}",
        "eventName": name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "ddblocal",
        "dynamodb": {
            "ApproximateCreationDateTime": datetime(2026, 12, 7, 22, 0, 1, tzinfo=UTC),
            "Keys": {"id": {"S": "a"}},
            "SequenceNumber": sequence,
            "SizeBytes": 10,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
            **change,
        },
    }


def test_a_record_gets_lambdas_wire_shape() -> None:
    parsed = record(
        "100", NewImage={"id": {"S": "a"}, "blob": {"B": b"\x00\xff"}, "bs": {"BS": [b"x"]}}
    )
    entry = lambda_record(parsed, ARN, "us-east-1")
    assert entry["eventSourceARN"] == ARN and entry["awsRegion"] == "us-east-1"
    change = entry["dynamodb"]
    assert change["ApproximateCreationDateTime"] == 1796680801
    assert change["NewImage"]["blob"] == {"B": base64.b64encode(b"\x00\xff").decode()}
    assert change["NewImage"]["bs"] == {"BS": ["eA=="]}
    orjson.dumps(entry)  # plain JSON all the way down


def test_a_document_is_the_new_image_as_plain_json() -> None:
    entry = lambda_record(
        record(
            "1",
            NewImage={
                "id": {"S": "a"},
                "n": {"N": "12"},
                "f": {"N": "1.25"},
                "ok": {"BOOL": True},
                "none": {"NULL": True},
                "tags": {"SS": ["x", "y"]},
                "nums": {"NS": ["1", "2.5"]},
                "blob": {"B": b"hi"},
                "nested": {"M": {"l": {"L": [{"S": "v"}, {"N": "3"}]}}},
            },
        ),
        ARN,
        "us-east-1",
    )
    assert document(entry) == {
        "id": "a",
        "n": 12,
        "f": 1.25,
        "ok": True,
        "none": None,
        "tags": ["x", "y"],
        "nums": [1, 2.5],
        "blob": "aGk=",
        "nested": {"l": ["v", 3]},
    }
    assert document(lambda_record(record("2", "REMOVE"), ARN, "us-east-1")) is None


def test_a_document_id_joins_key_values_by_attribute_name() -> None:
    assert document_id({"id": {"S": "a"}}) == "a"
    assert document_id({"owner": {"S": "bo"}, "at": {"N": "5"}}) == "5|bo"
    assert document_id({"b": {"N": "1.50"}, "a": {"S": "x"}}) == "x|1.5"


def sequenced(*sequences: str) -> list[dict[str, Any]]:
    return [lambda_record(record(s), ARN, "us-east-1") for s in sequences]


def test_batch_item_failures_are_read_as_lambda_reads_them() -> None:
    batch = sequenced("1", "2", "3")
    for success in (b"", b"null", b"{}", b'{"batchItemFailures": []}', b'{"other": 1}'):
        assert batch_item_failures(success, batch).ok, success
    both = b'{"batchItemFailures": [{"itemIdentifier": "3"}, {"itemIdentifier": "2"}]}'
    assert batch_item_failures(both, batch).failed_at == 1
    for invalid in (
        b"not json",
        b'{"batchItemFailures": "2"}',
        b'{"batchItemFailures": [{"itemIdentifier": ""}]}',
        b'{"batchItemFailures": [{"itemIdentifier": null}]}',
        b'{"batchItemFailures": [{"id": "2"}]}',
        b'{"batchItemFailures": [{"itemIdentifier": "9"}]}',
    ):
        assert batch_item_failures(invalid, batch).failed_at == 0, invalid


def test_a_bulk_answer_fails_from_its_first_failed_item() -> None:
    ok = {"index": {"_id": "a", "status": 201}}
    missing = {"delete": {"_id": "b", "status": 404, "result": "not_found"}}
    bad = {
        "index": {
            "_id": "c",
            "status": 400,
            "error": {"type": "mapper_parsing_exception", "reason": "no"},
        }
    }
    assert bulk_outcome({"errors": False, "items": [ok]}, [0]).ok
    assert bulk_outcome({"errors": True, "items": [ok, missing]}, [0, 1]).ok
    outcome = bulk_outcome({"errors": True, "items": [ok, missing, bad, ok]}, [0, 2, 3, 5])
    assert outcome == Outcome(3, "index failed with HTTP 400: mapper_parsing_exception: no")
