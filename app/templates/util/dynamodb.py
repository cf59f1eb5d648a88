"""`$util.dynamodb`: plain values to DynamoDB typed values, as AppSync's templates expect them.

The shapes are AppSync's, not the DynamoDB wire format boto3's `TypeSerializer` produces:
numbers stay JSON numbers (`{"N": 12345}`), `toDynamoDB` never picks a set type, and a
null is `{"NULL": null}`. Every helper `X` has an `XJson` twin returning `$util.toJson(X(...))`.
"""

from __future__ import annotations

from typing import Any

from app.templates.api import TemplateNamespace, TemplateRuntimeError
from app.templates.util._args import (
    bad_argument,
    list_arg,
    map_arg,
    optional_string_arg,
    string_arg,
)
from app.templates.util.java_lang import is_number
from app.templates.util.json_java import parse_json, to_json

_S3_KEYS = ("key", "bucket", "region", "version")


def to_dynamodb(value: Any) -> dict[str, Any]:
    """`toDynamoDB`: the typed value for any template value, chosen by its type."""
    if value is None:
        return {"NULL": None}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, str):
        return {"S": value}
    if is_number(value):
        return {"N": value}
    if isinstance(value, list | tuple):
        return {"L": [to_dynamodb(item) for item in value]}
    if isinstance(value, dict):
        return {"M": to_map_values(value)}
    raise TemplateRuntimeError(f"Cannot convert a value of type {type(value).__name__} to DynamoDB")


def to_map_values(mapping: dict[str, Any]) -> dict[str, Any]:
    """`toMapValues`: each value of `mapping` converted, without the `M` wrapper."""
    return {key: to_dynamodb(item) for key, item in mapping.items()}


class DynamoDBNamespace(TemplateNamespace):
    """`$util.dynamodb`."""

    __slots__ = ()

    def toDynamoDB(self, value: object) -> dict[str, Any]:
        """The typed value for `value`; lists become `L`, never `SS`/`NS`/`BS`."""
        return to_dynamodb(value)

    def toDynamoDBJson(self, value: object) -> str:
        return to_json(self.toDynamoDB(value))

    def toString(self, value: object) -> dict[str, Any]:
        """`{"S": value}`."""
        return {"S": optional_string_arg("$util.dynamodb.toString", value)}

    def toStringJson(self, value: object) -> str:
        return to_json(self.toString(value))

    def toStringSet(self, values: object) -> dict[str, Any]:
        """`{"SS": [...]}`."""
        return {"SS": list(list_arg("$util.dynamodb.toStringSet", values))}

    def toStringSetJson(self, values: object) -> str:
        return to_json(self.toStringSet(values))

    def toNumber(self, value: object) -> dict[str, Any]:
        """`{"N": value}`, the number kept as a JSON number."""
        if value is not None and not is_number(value):
            raise bad_argument("$util.dynamodb.toNumber", 1, "a Number", value)
        return {"N": value}

    def toNumberJson(self, value: object) -> str:
        return to_json(self.toNumber(value))

    def toNumberSet(self, values: object) -> dict[str, Any]:
        """`{"NS": [...]}`."""
        return {"NS": list(list_arg("$util.dynamodb.toNumberSet", values))}

    def toNumberSetJson(self, values: object) -> str:
        return to_json(self.toNumberSet(values))

    def toBinary(self, value: object) -> dict[str, Any]:
        """`{"B": value}` for base64 text."""
        return {"B": optional_string_arg("$util.dynamodb.toBinary", value)}

    def toBinaryJson(self, value: object) -> str:
        return to_json(self.toBinary(value))

    def toBinarySet(self, values: object) -> dict[str, Any]:
        """`{"BS": [...]}` for a list of base64 texts."""
        return {"BS": list(list_arg("$util.dynamodb.toBinarySet", values))}

    def toBinarySetJson(self, values: object) -> str:
        return to_json(self.toBinarySet(values))

    def toBoolean(self, value: object) -> dict[str, Any]:
        """`{"BOOL": value}`."""
        if value is not None and not isinstance(value, bool):
            raise bad_argument("$util.dynamodb.toBoolean", 1, "a Boolean", value)
        return {"BOOL": value}

    def toBooleanJson(self, value: object) -> str:
        return to_json(self.toBoolean(value))

    def toNull(self) -> dict[str, Any]:
        """`{"NULL": null}`."""
        return {"NULL": None}

    def toNullJson(self) -> str:
        return to_json(self.toNull())

    def toList(self, values: object) -> dict[str, Any]:
        """`{"L": [...]}` with every item converted by `toDynamoDB`."""
        return to_dynamodb(list_arg("$util.dynamodb.toList", values))

    def toListJson(self, values: object) -> str:
        return to_json(self.toList(values))

    def toMap(self, mapping: object) -> dict[str, Any]:
        """`{"M": {...}}` with every value converted by `toDynamoDB`."""
        return to_dynamodb(map_arg("$util.dynamodb.toMap", mapping))

    def toMapJson(self, mapping: object) -> str:
        return to_json(self.toMap(mapping))

    def toMapValues(self, mapping: object) -> dict[str, Any]:
        """`toMap(m).M`: the converted values without the wrapper (e.g. `attributeValues`)."""
        return to_map_values(map_arg("$util.dynamodb.toMapValues", mapping))

    def toMapValuesJson(self, mapping: object) -> str:
        return to_json(self.toMapValues(mapping))

    def toS3Object(
        self, key: object, bucket: object, region: object, version: object = None
    ) -> dict[str, Any]:
        """An S3 object reference stored as a string: `{"S": "{\\"s3\\":{...}}"}`."""
        method = "$util.dynamodb.toS3Object"
        reference: dict[str, Any] = {
            "key": string_arg(method, key),
            "bucket": string_arg(method, bucket, 2),
            "region": string_arg(method, region, 3),
        }
        if version is not None:
            reference["version"] = string_arg(method, version, 4)
        return {"S": to_json({"s3": reference})}

    def toS3ObjectJson(
        self, key: object, bucket: object, region: object, version: object = None
    ) -> str:
        return to_json(self.toS3Object(key, bucket, region, version))

    def fromS3ObjectJson(self, text: object) -> dict[str, Any]:
        """The `{key, bucket, region[, version]}` map inside a stored S3 object reference."""
        method = "$util.dynamodb.fromS3ObjectJson"
        document = parse_json(string_arg(method, text))
        reference = document.get("s3") if isinstance(document, dict) else None
        if not isinstance(reference, dict):
            raise TemplateRuntimeError(f'{method}: expected a JSON object with an "s3" object')
        return {key: reference[key] for key in _S3_KEYS if key in reference}


DYNAMODB = DynamoDBNamespace()
