"""`$util.toJson` / `$util.parseJson`: Jackson's output and input rules."""

from __future__ import annotations

import math

import pytest

from app.templates.api import TemplateRuntimeError
from app.templates.util.json_java import _to_json_checked, parse_json, to_json


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"a": 1, "b": "x"}, '{"a":1,"b":"x"}'),
        ([1, 2.0, None, True, False], "[1,2.0,null,true,false]"),
        (1e10, "1.0E10"),
        (0.5, "0.5"),
        (12345678901234567890, "12345678901234567890"),
        ("a/b", '"a/b"'),
        ("é€😀", '"é€😀"'),
        ('q"\\', '"q\\"\\\\"'),
        ("\n\t\r\b\f", '"\\n\\t\\r\\b\\f"'),
        ("\x01\x1f\x7f", '"\\u0001\\u001F\x7f"'),
        ("\u2028", '"\u2028"'),
        (math.nan, '"NaN"'),
        (-math.inf, '"-Infinity"'),
        ({}, "{}"),
        ([], "[]"),
        (None, "null"),
    ],
)
def test_to_json_writes_like_jackson(value: object, expected: str) -> None:
    assert to_json(value) == expected


def test_to_json_keeps_insertion_order() -> None:
    assert to_json({"z": 1, "a": {"y": 2, "b": 3}}) == '{"z":1,"a":{"y":2,"b":3}}'


def test_to_json_refuses_cycles() -> None:
    looped: list[object] = []
    looped.append(looped)
    with pytest.raises(TemplateRuntimeError, match="contains itself"):
        to_json(looped)


def test_to_json_allows_shared_but_acyclic_values() -> None:
    shared = {"k": 1}
    assert to_json([shared, shared]) == '[{"k":1},{"k":1}]'


def test_to_json_limits_nesting_depth() -> None:
    value: list[object] = []
    for _ in range(1200):
        value = [value]
    with pytest.raises(TemplateRuntimeError, match="nesting depth"):
        to_json(value)


def test_parse_json_reads_values() -> None:
    assert parse_json('{"a":[1,2.5,"x",null,true]}') == {"a": [1, 2.5, "x", None, True]}
    assert parse_json(" 42 ") == 42
    assert parse_json('"\\u00e9"') == "é"


def test_parse_json_keeps_the_last_duplicate_key() -> None:
    assert parse_json('{"a":1,"a":2}') == {"a": 2}


def test_parse_json_round_trips_through_to_json() -> None:
    text = '{"n":1.50,"big":1e400,"s":"x"}'
    assert to_json(parse_json(text)) == '{"n":1.5,"big":"Infinity","s":"x"}'


def test_parse_json_ignores_text_after_a_complete_value() -> None:
    assert parse_json('{"a":1} trailing') == {"a": 1}


@pytest.mark.parametrize("text", ["", "   ", "{", "NaN", "01", "1x", "truex", "{'a':1}", "[1,]"])
def test_parse_json_rejects_what_jackson_rejects(text: str) -> None:
    with pytest.raises(TemplateRuntimeError, match="Unable to parse JSON"):
        parse_json(text)


def _nested(depth: int) -> object:
    value: object = "x"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@pytest.mark.parametrize(
    "value",
    [
        {"a": [1, 2.5, None, True, "é\n"], "b": {}, "c": ()},
        {1: "int key", 2.5: "double key", False: "boolean key"},
        {"a": [math.nan, math.inf], "b": (1, -0.0)},
        _nested(31),
        _nested(32),
        _nested(33),
        _nested(200),
    ],
)
def test_to_json_fast_path_writes_what_the_checked_walk_writes(value: object) -> None:
    assert to_json(value) == _to_json_checked(value)


def test_to_json_errors_come_from_the_checked_walk() -> None:
    with pytest.raises(TemplateRuntimeError, match="null key"):
        to_json({"a": [{None: 1}]})
    with pytest.raises(TemplateRuntimeError, match="of type object"):
        to_json([1, {"a": object()}])
