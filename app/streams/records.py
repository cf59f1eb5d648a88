"""Stream records as Lambda sees them, and as the built-in indexer turns them into documents.

GetRecords answers (parsed by botocore) carry binaries as bytes and the creation time as a
datetime; Lambda's event carries DynamoDB Streams' wire JSON instead (binaries in base64, the
time in epoch seconds), plus the `eventSourceARN` of the stream. `lambda_record` restores that
shape, so a function receives exactly what AWS Lambda hands it:

    {"eventID", "eventName": INSERT|MODIFY|REMOVE, "eventVersion": "1.1",
     "eventSource": "aws:dynamodb", "awsRegion",
     "dynamodb": {"ApproximateCreationDateTime", "Keys", "NewImage", "OldImage",
                  "SequenceNumber", "SizeBytes", "StreamViewType"},
     "eventSourceARN"}

The indexer follows Amplify @searchable's streaming function: a document is the item's image
as plain JSON (numbers as int or float, sets as lists, binaries as base64), and its id is the
item's key values, ordered by attribute name and joined with `|`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.datasources.dynamodb.values import item_to_plain, to_plain

INSERT = "INSERT"
MODIFY = "MODIFY"
REMOVE = "REMOVE"


def wire(value: Any) -> Any:
    """A botocore-parsed value back in DynamoDB Streams' JSON form."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, datetime):
        seconds = value.timestamp()
        return int(seconds) if seconds.is_integer() else seconds
    if isinstance(value, Mapping):
        return {str(k): wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [wire(v) for v in value]
    return value


def lambda_record(record: Mapping[str, Any], stream_arn: str, region: str) -> dict[str, Any]:
    """One GetRecords record as an entry of Lambda's `Records` list. `awsRegion` is the
    table's region (DynamoDB Local says `ddblocal`; its stream ARNs keep that)."""
    entry = wire(record)
    entry["awsRegion"] = region
    entry["eventSourceARN"] = stream_arn
    return dict(entry)


def sequence_number(record: Mapping[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def document_id(keys: Mapping[str, Any]) -> str:
    """The document id of an item: its key values, by attribute name, joined with `|`."""
    return "|".join(str(to_plain(keys[name])) for name in sorted(keys))


def document(record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The document an INSERT or MODIFY leaves in the index (None: no new image in the
    stream, e.g. a KEYS_ONLY or OLD_IMAGE view)."""
    image = record["dynamodb"].get("NewImage")
    return item_to_plain(image) if isinstance(image, Mapping) else None
