"""`$util.dynamodb`: AppSync's documented input/output pairs."""

from __future__ import annotations

import pytest

from app.templates.api import TemplateRuntimeError
from app.templates.util.dynamodb import DYNAMODB


def test_to_dynamodb_documented_examples() -> None:
    assert DYNAMODB.toDynamoDB("foo") == {"S": "foo"}
    assert DYNAMODB.toDynamoDB(12345) == {"N": 12345}
    assert DYNAMODB.toDynamoDB(True) == {"BOOL": True}
    assert DYNAMODB.toDynamoDB(["foo", 123, {"bar": "baz"}]) == {
        "L": [{"S": "foo"}, {"N": 123}, {"M": {"bar": {"S": "baz"}}}]
    }
    assert DYNAMODB.toDynamoDB({"foo": "bar", "baz": 1234, "beep": ["boop"]}) == {
        "M": {"foo": {"S": "bar"}, "baz": {"N": 1234}, "beep": {"L": [{"S": "boop"}]}}
    }


def test_json_twins_serialize_like_to_json() -> None:
    assert DYNAMODB.toDynamoDBJson("foo") == '{"S":"foo"}'
    assert DYNAMODB.toDynamoDBJson(12345) == '{"N":12345}'
    assert DYNAMODB.toDynamoDBJson(1.5) == '{"N":1.5}'
    assert DYNAMODB.toDynamoDBJson(None) == '{"NULL":null}'
    assert DYNAMODB.toStringJson("foo") == '{"S":"foo"}'
    assert DYNAMODB.toStringSetJson(["foo", "bar", "baz"]) == '{"SS":["foo","bar","baz"]}'
    assert DYNAMODB.toNumberJson(12345) == '{"N":12345}'
    assert DYNAMODB.toNumberSetJson([1, 23, 4.56]) == '{"NS":[1,23,4.56]}'
    assert DYNAMODB.toBinaryJson("foo") == '{"B":"foo"}'
    assert DYNAMODB.toBinarySetJson(["foo", "bar"]) == '{"BS":["foo","bar"]}'
    assert DYNAMODB.toBooleanJson(True) == '{"BOOL":true}'
    assert DYNAMODB.toNullJson() == '{"NULL":null}'
    assert DYNAMODB.toListJson(["foo", 123]) == '{"L":[{"S":"foo"},{"N":123}]}'
    assert DYNAMODB.toMapJson({"foo": "bar"}) == '{"M":{"foo":{"S":"bar"}}}'
    assert DYNAMODB.toMapValuesJson({"foo": "bar", "baz": 1234}) == (
        '{"foo":{"S":"bar"},"baz":{"N":1234}}'
    )


def test_to_map_values_is_to_map_without_the_wrapper() -> None:
    value = {"foo": "bar", "nested": {"n": [1, None]}}
    assert DYNAMODB.toMapValues(value) == DYNAMODB.toMap(value)["M"]


def test_s3_objects() -> None:
    assert DYNAMODB.toS3Object("foo", "bar", "baz") == {
        "S": '{"s3":{"key":"foo","bucket":"bar","region":"baz"}}'
    }
    assert DYNAMODB.toS3ObjectJson("foo", "bar", "baz", "beep") == (
        '{"S":"{\\"s3\\":{\\"key\\":\\"foo\\",\\"bucket\\":\\"bar\\",\\"region\\":\\"baz\\",'
        '\\"version\\":\\"beep\\"}}"}'
    )
    stored = DYNAMODB.toS3Object("foo", "bar", "baz", "beep")["S"]
    assert DYNAMODB.fromS3ObjectJson(stored) == {
        "key": "foo",
        "bucket": "bar",
        "region": "baz",
        "version": "beep",
    }


def test_bad_arguments() -> None:
    with pytest.raises(TemplateRuntimeError, match="Number"):
        DYNAMODB.toNumber("12")
    with pytest.raises(TemplateRuntimeError, match="List"):
        DYNAMODB.toStringSet("a")
    with pytest.raises(TemplateRuntimeError, match="s3"):
        DYNAMODB.fromS3ObjectJson('{"key":"x"}')
