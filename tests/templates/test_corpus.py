"""The template corpus: every case in `corpus/*.yaml` is one test (id `file::name`).

A case is a template, an EvaluateMappingTemplate context and what AppSync gives back: the
rendered text, a `#return` value or an error. The format is described in
`corpus/README.md`. Expectations come from AppSync's documentation and from Velocity 1.7;
each case names its evidence in `source:`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.templates.api import TemplateRuntimeError
from app.templates.evaluate import EvaluationError, evaluate_template
from app.templates.json_output import parse_template_output

CORPUS = Path(__file__).parent / "corpus"

CASE_KEYS = {
    "name",
    "source",
    "note",
    "template",
    "pad_to_bytes",
    "context",
    "auth_type",
    "kind",
    "expected",
    "expected_json",
    "expected_match",
    "returned",
    "error",
    "appended_errors",
    "logs",
    "extension_calls",
    "json",
    "json_error",
}
ERROR_KEYS = {"message", "message_match", "type", "data", "error_info"}


@dataclass(frozen=True)
class Case:
    file: str
    spec: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.file}::{self.spec['name']}"


def load_cases() -> list[Case]:
    cases: list[Case] = []
    for path in sorted(CORPUS.glob("*.yaml")):
        entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        seen: set[str] = set()
        for entry in entries:
            problems = _problems(entry, seen)
            if problems:
                raise ValueError(f"{path.name}: case {entry.get('name')!r}: {problems}")
            seen.add(entry["name"])
            cases.append(Case(path.name, entry))
    return cases


def _problems(entry: dict[str, Any], seen: set[str]) -> str:
    if not isinstance(entry, dict) or "name" not in entry or "template" not in entry:
        return "every case needs a name and a template"
    if entry["name"] in seen:
        return "duplicate name"
    unknown = set(entry) - CASE_KEYS
    if unknown:
        return f"unknown keys {sorted(unknown)}"
    if "source" not in entry:
        return "say where the expectation comes from (source:)"
    outcomes = {"expected", "expected_json", "expected_match", "returned", "error"} & set(entry)
    if not outcomes:
        return "no expectation (expected, expected_json, expected_match, returned or error)"
    return ""


CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_corpus_case(case: Case) -> None:
    spec = case.spec
    template = spec["template"]
    if "pad_to_bytes" in spec:
        template = pad_to(template, spec["pad_to_bytes"])
    result = evaluate_template(
        template,
        spec.get("context") or {},
        source_name=case.id,
        auth_type=spec.get("auth_type"),
        template_kind=spec.get("kind", "request"),
    )

    if "error" in spec:
        assert result.error is not None, f"expected an error, got output {result.evaluated!r}"
        _check_error(result.error, spec["error"])
    else:
        assert result.error is None, f"unexpected error: {result.error}"

    if "returned" in spec:
        assert result.returned, f"expected #return, got output {result.evaluated!r}"
        _assert_json_equal(result.return_value, spec["returned"])
    else:
        assert not result.returned, f"unexpected #return({result.return_value!r})"

    if "expected" in spec:
        assert result.evaluated == spec["expected"]
    if "expected_json" in spec:
        assert result.evaluated is not None
        _assert_json_equal(parse_template_output(result.evaluated), spec["expected_json"])
    if "expected_match" in spec:
        assert result.evaluated is not None
        assert re.fullmatch(spec["expected_match"], result.evaluated, re.DOTALL), (
            f"{result.evaluated!r} does not match {spec['expected_match']!r}"
        )

    if "appended_errors" in spec:
        assert len(result.appended_errors) == len(spec["appended_errors"]), result.appended_errors
        for got, want in zip(result.appended_errors, spec["appended_errors"], strict=True):
            _check_error(got, want)
    if "logs" in spec:
        assert list(result.logs) == spec["logs"]
    if "extension_calls" in spec:
        calls = [{"name": c.name, "arguments": list(c.arguments)} for c in result.extension_calls]
        _assert_json_equal(calls, spec["extension_calls"])

    if spec.get("json") or "json_error" in spec:
        _check_json_output(result.evaluated, spec.get("json_error"))


def _check_error(got: EvaluationError, want: dict[str, Any]) -> None:
    unknown = set(want) - ERROR_KEYS
    assert not unknown, f"unknown error keys {sorted(unknown)}"
    if "message" in want:
        assert got.message == want["message"]
    if "message_match" in want:
        assert re.fullmatch(want["message_match"], got.message, re.DOTALL), (
            f"{got.message!r} does not match {want['message_match']!r}"
        )
    if "type" in want:
        assert got.error_type == want["type"]
    if "data" in want:
        _assert_json_equal(got.data, want["data"])
    if "error_info" in want:
        _assert_json_equal(got.error_info, want["error_info"])


def _assert_json_equal(got: Any, want: Any) -> None:
    """Equal values of the same JSON types: Python's `True == 1 == 1.0` is not enough here."""
    assert got == want
    assert _types(got) == _types(want), f"same values, different types: {got!r} vs {want!r}"


def _types(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _types(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_types(item) for item in value]
    return type(value).__name__


def _check_json_output(text: str | None, message: str | None) -> None:
    """AppSync's deserialization rules for evaluated templates (duplicates, trailing text)."""
    assert text is not None, "no rendered output to read as JSON"
    if message is None:
        parse_template_output(text)
        return
    with pytest.raises(TemplateRuntimeError) as raised:
        parse_template_output(text)
    assert raised.value.message == message


def pad_to(template: str, size: int) -> str:
    """`template` followed by a `##` comment that makes it exactly `size` UTF-8 bytes."""
    filler = size - len(template.encode("utf-8")) - len("##")
    assert filler >= 0, "pad_to_bytes is smaller than the template"
    return template + "##" + "x" * filler
