"""Lexicographic term ranges as regular expressions: the same terms as comparing strings,
across ASCII, accents, CJK, emoji, the characters around the surrogates and the empty string."""

from __future__ import annotations

import random

import pytest
import tantivy

from app.searchengine.term_ranges import range_query

ALPHABET = ["a", "b", "z", "A", "-", "0", "é", "東", "\U0001f600", "\ud7ff", "\ue000", "\x00"]


@pytest.fixture(scope="module")
def terms() -> tuple[tantivy.Searcher, tantivy.Schema, list[str]]:
    chance = random.Random(3)
    words = sorted(
        {
            "".join(chance.choice(ALPHABET) for _ in range(chance.randrange(0, 5)))
            for _ in range(300)
        }
    )
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("k", tokenizer_name="raw", stored=True)
    schema = builder.build()
    index = tantivy.Index(schema)
    writer = index.writer(15_000_000, 1)
    for word in words:
        document = tantivy.Document()
        document.add_text("k", word)
        writer.add_document(document)
    writer.commit()
    index.reload()
    return index.searcher(), schema, words


@pytest.mark.parametrize("seed", range(4))
def test_ranges_match_string_comparison(
    terms: tuple[tantivy.Searcher, tantivy.Schema, list[str]], seed: int
) -> None:
    searcher, schema, words = terms
    chance = random.Random(seed)
    for _ in range(60):
        low = chance.choice([None, "b", "zz", *words])
        high = chance.choice([None, "a", "", *words])
        include_low, include_high = chance.random() < 0.5, chance.random() < 0.5
        query = range_query(schema, "k", low, high, include_low, include_high)
        assert query is not None
        found = sorted(
            str(searcher.doc(address)["k"][0]) for _, address in searcher.search(query, 1000).hits
        )
        expected = [
            word
            for word in words
            if (low is None or word > low or (include_low and word == low))
            and (high is None or word < high or (include_high and word == high))
        ]
        assert found == expected, (low, high, include_low, include_high)


def test_very_long_bounds_are_declined(
    terms: tuple[tantivy.Searcher, tantivy.Schema, list[str]],
) -> None:
    _, schema, _ = terms
    assert range_query(schema, "k", "x" * 600, None, True, True) is None
