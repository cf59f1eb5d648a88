"""Text analysis as OpenSearch's `standard` analyzer does it (Unicode word boundaries,
UAX #29, lowercased, tokens up to 255 characters), seen through `match` queries.
"""

from __future__ import annotations

import pytest
from opensearchpy import OpenSearch

from tests.searchengine.conformance.support import Loader, search_ids

SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

CASES = [
    # (text indexed, match query, whether it matches)
    ("Café au lait", "CAFÉ", True),
    ("ÜBER Straße", "über straße", True),
    ("I don't know", "don't", True),
    ("grandma's apple pie", "grandma's", True),
    ("grandma's apple pie", "grandma", False),  # an apostrophe inside a word keeps one term
    ("pi is 3.14 or so", "3.14", True),
    ("pi is 3.14 or so", "14", False),  # a decimal point inside a number keeps one term
    ("snake_case names", "snake_case", True),
    ("snake_case names", "case", False),  # an underscore joins words
    ("mail user@example.com now", "example.com", True),
    ("mail user@example.com now", "com", False),  # a dot between letters keeps one term
    ("wi-fi and e-mail", "fi", True),  # a hyphen splits
    ("東京タワー", "京", True),  # each Han ideograph is a term of its own
    (f"commit {SHA256} landed", SHA256, True),  # 64 characters: well under 255
    ("made in the U.S.A. today", "u.s.a", True),
    ("made in the U.S.A. today", "s", False),
    ("costs 1,000.50 dollars", "1,000.50", True),
    ("costs 1,000.50 dollars", "000", False),
    ("O'Neil's pub", "o'neil's", True),
    ("I don\u2019t know", "don\u2019t", True),  # a curly apostrophe joins like a straight one
    ("I don\u2019t know", "don", False),
    ("model x1y2 ships", "x1y2", True),
    ("すし and more", "す", True),  # each hiragana is a term of its own
    ("東京タワー", "タ", False),  # a katakana word stays whole
    ("#hashtag and @user", "hashtag", True),
]


@pytest.mark.parametrize(("text", "query", "matches"), CASES)
def test_standard_analyzer_terms(
    opensearch: OpenSearch, make_index: Loader, text: str, query: str, matches: bool
) -> None:
    index = make_index({"1": {"body": text}}, {"properties": {"body": {"type": "text"}}})
    expected = {"1"} if matches else set()
    assert search_ids(opensearch, index, {"match": {"body": query}}) == expected


def test_highlights_wrap_whole_terms(opensearch: OpenSearch, make_index: Loader) -> None:
    index = make_index(
        {"1": {"body": "grandma's pie costs 3.14 at user@example.com"}},
        {"properties": {"body": {"type": "text"}}},
    )
    body = {
        "query": {"match": {"body": "grandma's 3.14 example.com"}},
        "highlight": {"fields": {"body": {}}},
    }
    ((hit),) = opensearch.search(index=index, body=body)["hits"]["hits"]
    assert hit["highlight"] == {
        "body": ["<em>grandma's</em> pie costs <em>3.14</em> at user@<em>example.com</em>"]
    }
