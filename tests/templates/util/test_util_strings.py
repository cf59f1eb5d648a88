"""`$util.str`."""

from __future__ import annotations

import pytest

from app.templates.api import TemplateRuntimeError
from app.templates.util.strings import STRINGS


def test_case_and_replace() -> None:
    assert STRINGS.toUpper("hello ß") == "HELLO SS"
    assert STRINGS.toLower("HeLLo") == "hello"
    assert STRINGS.toReplace("a.b.c", ".", "-") == "a-b-c"  # literal, not a regex
    assert STRINGS.toReplace("abc", "", "-") == "-a-b-c-"


@pytest.mark.parametrize(
    ("form", "expected"),
    [("nfc", "\u00e9"), ("NFD", "e\u0301"), ("nfkc", "\u00e9"), ("nfkd", "e\u0301")],
)
def test_normalize(form: str, expected: str) -> None:
    assert STRINGS.normalize("e\u0301", form) == expected


def test_normalize_compatibility_forms() -> None:
    assert STRINGS.normalize("\ufb01", "nfkc") == "fi"


def test_bad_arguments() -> None:
    with pytest.raises(TemplateRuntimeError, match="normalization form"):
        STRINGS.normalize("x", "nfx")
    with pytest.raises(TemplateRuntimeError, match="must be a String"):
        STRINGS.toUpper(None)
