"""A tiny stand-in for `$util` and a `render()` helper for the VTL engine tests.

The real `$util` lives in `app.templates.util`; these tests exercise the language only, so
they use a fake with the few methods templates call most.
"""

from __future__ import annotations

import json
from typing import Any

from app.templates.api import (
    RenderResult,
    RenderScope,
    TemplateError,
    TemplateErrorRaised,
    TemplateNamespace,
    UnauthorizedRaised,
)
from app.templates.vtl import VtlEngine

ENGINE = VtlEngine()


class FakeDynamoDB(TemplateNamespace):
    def toDynamoDB(self, value: Any) -> Any:
        if isinstance(value, str):
            return {"S": value}
        if isinstance(value, bool):
            return {"BOOL": value}
        if isinstance(value, int | float):
            return {"N": str(value)}
        if isinstance(value, dict):
            return {"M": {key: self.toDynamoDB(item) for key, item in value.items()}}
        if isinstance(value, list):
            return {"L": [self.toDynamoDB(item) for item in value]}
        return {"NULL": True}

    def toDynamoDBJson(self, value: Any) -> str:
        return json.dumps(self.toDynamoDB(value))

    def toMapValuesJson(self, value: dict[str, Any]) -> str:
        return json.dumps({key: self.toDynamoDB(item) for key, item in value.items()})


class FakeTime(TemplateNamespace):
    def nowISO8601(self) -> str:
        return "2024-01-02T03:04:05.678Z"


class FakeUtil(TemplateNamespace):
    """`qr`/`quiet`, `toJson`, `autoId`, null helpers, `error`, `unauthorized`, sub-namespaces."""

    version = "fake-1"
    secret_object = object()  # not a JSON value: templates must not reach it

    def __init__(self) -> None:
        self.dynamodb = FakeDynamoDB()
        self.time = FakeTime()
        self.calls: list[str] = []

    def qr(self, *values: Any) -> str:
        return ""

    def quiet(self, *values: Any) -> str:
        return ""

    def toJson(self, value: Any) -> str:
        return json.dumps(value, separators=(",", ":"))

    def autoId(self) -> str:
        return "11111111-2222-3333-4444-555555555555"

    def isNull(self, value: Any) -> bool:
        return value is None

    def defaultIfNull(self, value: Any, default: Any) -> Any:
        return default if value is None else value

    def parseJson(self, text: str) -> Any:
        return json.loads(text)

    def log(self, message: str) -> None:
        self.calls.append(message)

    def error(self, message: str, error_type: str | None = None) -> None:
        raise TemplateErrorRaised(TemplateError(message, error_type))

    def unauthorized(self) -> None:
        raise UnauthorizedRaised()

    def nothing(self) -> Any:
        """Returns null but is not declared void: prints its own reference text."""
        return None

    def _private(self) -> str:
        return "private"


def render_result(template: str, **variables: Any) -> RenderResult:
    variables.setdefault("util", FakeUtil())
    return ENGINE.compile(template, "test.vtl").render(variables, RenderScope())


def render(template: str, **variables: Any) -> str:
    """Compile and render `template` with `$util` (a FakeUtil) plus `variables`."""
    return render_result(template, **variables).output
