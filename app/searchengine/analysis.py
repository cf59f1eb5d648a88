"""How text becomes terms: one analyzer at index time (tantivy) and at query time (Python).

OpenSearch's `standard` analyzer splits on Unicode word boundaries and lowercases. tantivy's
`default` tokenizer splits on every character that is not alphanumeric, drops tokens of 40
bytes or more and lowercases: the same terms for the text people search (words, numbers,
identifiers; it also splits `don't` into two terms where OpenSearch keeps one). Query text
is analyzed by the very same tantivy analyzer, so a `match` finds exactly what was indexed;
`token_spans` gives the character spans that highlighting wraps.
"""

from __future__ import annotations

import re
from functools import cache

import tantivy

TEXT_TOKENIZER = "default"
"""The tantivy tokenizer of `text` fields (registered in every index by tantivy itself)."""
KEYWORD_TOKENIZER = "raw"
"""`keyword` fields index the whole value as one term, unchanged."""
MAX_TOKEN_BYTES = 40

_WORD = re.compile(r"[^\W_]+")


@cache
def _analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(MAX_TOKEN_BYTES))
        .filter(tantivy.Filter.lowercase())
        .build()
    )


def analyze(text: str) -> list[str]:
    """The terms a `text` field indexes for `text`, in order (duplicates kept)."""
    return list(_analyzer().analyze(text))


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """`(start, end, term)` for each term of `text`, as character offsets into it."""
    spans = []
    for match in _WORD.finditer(text):
        word = match.group()
        if len(word.encode("utf-8")) < MAX_TOKEN_BYTES:
            spans.append((match.start(), match.end(), word.lower()))
    return spans
