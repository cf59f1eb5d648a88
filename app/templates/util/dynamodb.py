"""`$util.dynamodb`: plain values to DynamoDB typed values, as AppSync's templates expect them.

The shapes are AppSync's, not the DynamoDB wire format boto3's `TypeSerializer` produces:
numbers stay JSON numbers (`{"N": 12345}`), `toDynamoDB` never picks a set type, and a
null is `{"NULL": null}`. Every helper `X` has an `XJson` twin returning `$util.toJson(X(...))`.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, ParamSpec

from app.templates.api import TemplateNamespace, TemplateRuntimeError
from app.templates.java.lang import is_number
from app.templates.util._args import (
    bad_argument,
    list_arg,
    map_arg,
    optional_string_arg,
    string_arg,
)
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


_P = ParamSpec("_P")


def _json_twin(helper: Callable[_P, dict[str, Any]]) -> Callable[_P, str]:
    """The `XJson` twin of helper `X`: same parameters, returns `$util.toJson(X(...))`."""

    @functools.wraps(helper)
    def twin(*args: _P.args, **kwargs: _P.kwargs) -> str:
        return to_json(helper(*args, **kwargs))

    twin.__name__ = f"{helper.__name__}Json"
    twin.__qualname__ = f"{helper.__qualname__}Json"
    twin.__doc__ = f"`$util.toJson` of `{helper.__name__}`."
    twin.__annotations__ = {**helper.__annotations__, "return": "str"}
    twin.__signature__ = inspect.signature(helper).replace(  # type: ignore[attr-defined]
        return_annotation="str"
    )
    return twin


class DynamoDBNamespace(TemplateNamespace):
    """`$util.dynamodb`."""

    __slots__ = ()

    def toDynamoDB(self, value: object) -> dict[str, Any]:
        """The typed value for `value`; lists become `L`, never `SS`/`NS`/`BS`."""
        return to_dynamodb(value)

    toDynamoDBJson = _json_twin(toDynamoDB)

    def toString(self, value: object) -> dict[str, Any]:
        """`{"S": value}`."""
        return {"S": optional_string_arg("$util.dynamodb.toString", value)}

    toStringJson = _json_twin(toString)

    def toStringSet(self, values: object) -> dict[str, Any]:
        """`{"SS": [...]}`."""
        return {"SS": list(list_arg("$util.dynamodb.toStringSet", values))}

    toStringSetJson = _json_twin(toStringSet)

    def toNumber(self, value: object) -> dict[str, Any]:
        """`{"N": value}`, the number kept as a JSON number."""
        if value is not None and not is_number(value):
            raise bad_argument("$util.dynamodb.toNumber", 1, "a Number", value)
        return {"N": value}

    toNumberJson = _json_twin(toNumber)

    def toNumberSet(self, values: object) -> dict[str, Any]:
        """`{"NS": [...]}`."""
        return {"NS": list(list_arg("$util.dynamodb.toNumberSet", values))}

    toNumberSetJson = _json_twin(toNumberSet)

    def toBinary(self, value: object) -> dict[str, Any]:
        """`{"B": value}` for base64 text."""
        return {"B": optional_string_arg("$util.dynamodb.toBinary", value)}

    toBinaryJson = _json_twin(toBinary)

    def toBinarySet(self, values: object) -> dict[str, Any]:
        """`{"BS": [...]}` for a list of base64 texts."""
        return {"BS": list(list_arg("$util.dynamodb.toBinarySet", values))}

    toBinarySetJson = _json_twin(toBinarySet)

    def toBoolean(self, value: object) -> dict[str, Any]:
        """`{"BOOL": value}`."""
        if value is not None and not isinstance(value, bool):
            raise bad_argument("$util.dynamodb.toBoolean", 1, "a Boolean", value)
        return {"BOOL": value}

    toBooleanJson = _json_twin(toBoolean)

    def toNull(self) -> dict[str, Any]:
        """`{"NULL": null}`."""
        return {"NULL": None}

    toNullJson = _json_twin(toNull)

    def toList(self, values: object) -> dict[str, Any]:
        """`{"L": [...]}` with every item converted by `toDynamoDB`."""
        return to_dynamodb(list_arg("$util.dynamodb.toList", values))

    toListJson = _json_twin(toList)

    def toMap(self, mapping: object) -> dict[str, Any]:
        """`{"M": {...}}` with every value converted by `toDynamoDB`."""
        return to_dynamodb(map_arg("$util.dynamodb.toMap", mapping))

    toMapJson = _json_twin(toMap)

    def toMapValues(self, mapping: object) -> dict[str, Any]:
        """`toMap(m).M`: the converted values without the wrapper (e.g. `attributeValues`)."""
        return to_map_values(map_arg("$util.dynamodb.toMapValues", mapping))

    toMapValuesJson = _json_twin(toMapValues)

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

    toS3ObjectJson = _json_twin(toS3Object)

    def fromS3ObjectJson(self, text: object) -> dict[str, Any]:
        """The `{key, bucket, region[, version]}` map inside a stored S3 object reference."""
        method = "$util.dynamodb.fromS3ObjectJson"
        document = parse_json(string_arg(method, text))
        reference = document.get("s3") if isinstance(document, dict) else None
        if not isinstance(reference, dict):
            raise TemplateRuntimeError(f'{method}: expected a JSON object with an "s3" object')
        return {key: reference[key] for key in _S3_KEYS if key in reference}


DYNAMODB = DynamoDBNamespace()
