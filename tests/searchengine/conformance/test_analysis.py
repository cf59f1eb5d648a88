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
]


@pytest.mark.parametrize(("text", "query", "matches"), CASES)
def test_standard_analyzer_terms(
    opensearch: OpenSearch, make_index: Loader, text: str, query: str, matches: bool
) -> None:
    index = make_index({"1": {"body": text}}, {"properties": {"body": {"type": "text"}}})
    expected = {"1"} if matches else set()
    assert search_ids(opensearch, index, {"match": {"body": query}}) == expected
