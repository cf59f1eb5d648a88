"""`$util.rds`: the documented `select * from Books limit 2` result."""

from __future__ import annotations

import json

import pytest

from app.templates.api import TemplateRuntimeError
from app.templates.util.rds import RDS


def _column(name: str) -> dict[str, object]:
    return {"isSigned": False, "label": name, "typeName": "VARCHAR", "name": name}


BOOKS = json.dumps(
    {
        "sqlStatementResults": [
            {
                "numberOfRecordsUpdated": 0,
                "records": [
                    [
                        {"stringValue": "Mark Twain"},
                        {"stringValue": "Adventures of Huckleberry Finn"},
                        {"stringValue": "978-1948132817"},
                    ],
                    [
                        {"stringValue": "Jack London"},
                        {"stringValue": "The Call of the Wild"},
                        {"stringValue": "978-1948132275"},
                    ],
                ],
                "columnMetadata": [_column("author"), _column("title"), _column("ISBN-13")],
            }
        ]
    }
)


def test_to_json_object_gives_records_per_statement() -> None:
    assert RDS.toJsonObject(BOOKS) == [
        [
            {
                "author": "Mark Twain",
                "title": "Adventures of Huckleberry Finn",
                "ISBN-13": "978-1948132817",
            },
            {
                "author": "Jack London",
                "title": "The Call of the Wild",
                "ISBN-13": "978-1948132275",
            },
        ]
    ]


def test_to_json_string_serializes_the_same() -> None:
    assert RDS.toJsonString(BOOKS).startswith('[[{"author":"Mark Twain","title":')


def test_mutations_give_empty_lists_and_typed_fields_convert() -> None:
    result = {
        "sqlStatementResults": [
            {"numberOfRecordsUpdated": 1},
            {
                "records": [
                    [
                        {"longValue": 7},
                        {"isNull": True},
                        {"booleanValue": False},
                        {"doubleValue": 1.5},
                        {"arrayValue": {"stringValues": ["a", "b"]}},
                    ]
                ],
                "columnMetadata": [_column(n) for n in ("id", "gone", "ok", "score", "tags")],
            },
        ]
    }
    assert RDS.toJsonObject(json.dumps(result)) == [
        [],
        [{"id": 7, "gone": None, "ok": False, "score": 1.5, "tags": ["a", "b"]}],
    ]
    assert RDS.toJsonString(json.dumps(result)) == (
        '[[],[{"id":7,"gone":null,"ok":false,"score":1.5,"tags":["a","b"]}]]'
    )


def test_bad_input() -> None:
    with pytest.raises(TemplateRuntimeError):
        RDS.toJsonString("not json")
    with pytest.raises(TemplateRuntimeError):
        RDS.toJsonObject(5)
