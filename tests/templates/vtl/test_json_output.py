"""Reading template output as JSON with AppSync's rules (`app.templates.json_output`)."""

from __future__ import annotations

from typing import Any

import pytest

from app.templates.api import MAPPING_TEMPLATE, TemplateRuntimeError
from app.templates.json_output import parse_template_output


def error(text: str) -> TemplateRuntimeError:
    with pytest.raises(TemplateRuntimeError) as info:
        parse_template_output(text, "req.vtl")
    assert info.value.error_type == MAPPING_TEMPLATE
    return info.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"version": "2017-02-28", "n": 1.5, "l": [true, null]}',
            {"version": "2017-02-28", "n": 1.5, "l": [True, None]},
        ),
        ('  "just a string"  \n', "just a string"),
        ("42", 42),
        ("[]", []),
        ('{"a": {"a": {"a": 1}}}', {"a": {"a": {"a": 1}}}),  # same key, different objects
        ('{"a": "x:y", "b": "\\":"}', {"a": "x:y", "b": '":'}),
        ('{"a": [1, 2,], "b": {"c": 3,},}', {"a": [1, 2], "b": {"c": 3}}),  # trailing commas
        ('{"big": 123456789012345678901234567890}', {"big": 1.2345678901234568e29}),
    ],
)
def test_valid_output(text: str, expected: Any) -> None:
    assert parse_template_output(text, "req.vtl") == expected


@pytest.mark.parametrize("text", ["", "   ", "\n\t\r\n"])
def test_blank_output_is_null(text: str) -> None:
    assert parse_template_output(text, "res.vtl") is None


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"aField": 1, "aField": 2}', "aField"),
        ('{"x": {"k": 1, "k": 1}}', "k"),
        ('[{"a": 1}, {"b": 2, "b": 3}]', "b"),
        ('{"\\u0061": 1, "a": 2}', "a"),  # the same key spelled two ways
        ('{"a": "::::", "a": 2}', "a"),
    ],
)
def test_duplicate_keys(text: str, field: str) -> None:
    assert error(text).message == (
        f"Duplicate field '{field}' detected on Object. Duplicate JSON keys are not allowed."
    )


@pytest.mark.parametrize("text", ['{"a": 1} x', '{"a": 1}}', "[1] [2]", '{"a": 1})'])
def test_trailing_characters(text: str) -> None:
    assert (
        error(text).message == "Trailing characters at the end of the JSON string are not allowed."
    )


@pytest.mark.parametrize("text", ["{a: 1}", "[1, 2", "NaN", "{'a': 1}", '{"a": 01}', "# comment"])
def test_invalid_json(text: str) -> None:
    failure = error(text)
    assert failure.message == f"Unable to convert {text} to Object."
    assert failure.location is not None and failure.location.source_name == "req.vtl"
