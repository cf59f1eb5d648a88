"""The standard analyzer: the terms OpenSearch's `standard` analyzer gives, and the spans
highlighting wraps."""

from __future__ import annotations

import pytest

from app.searchengine.analysis import STANDARD_TOKENIZER, TEXT_TOKENIZER, analyze, token_spans


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("The Quick brown FOX", ["the", "quick", "brown", "fox"]),
        ("grandma's apple pie", ["grandma's", "apple", "pie"]),
        ("it\u2019s", ["it\u2019s"]),
        ("pi is 3.14, or 1,000 so", ["pi", "is", "3.14", "or", "1,000", "so"]),
        ("snake_case names", ["snake_case", "names"]),
        ("mail user@example.com now", ["mail", "user", "example.com", "now"]),
        ("Wi-Fi café", ["wi", "fi", "café"]),
        ("東京タワー", ["東", "京", "タワー"]),
        ("end. Start", ["end", "start"]),
        ("", []),
        ("a" * 64, ["a" * 64]),
    ],
)
def test_terms(text: str, terms: list[str]) -> None:
    assert TEXT_TOKENIZER == STANDARD_TOKENIZER
    assert analyze(text) == terms


def test_spans_are_character_offsets() -> None:
    text = "Héllo, wörld 東京"
    assert token_spans(text) == [(0, 5, "héllo"), (7, 12, "wörld"), (13, 14, "東"), (14, 15, "京")]
    assert [text[start:end].lower() for start, end, _ in token_spans(text)] == [
        term for _, _, term in token_spans(text)
    ]
