"""How text becomes terms: one analyzer at index time (tantivy) and at query time (Python).

OpenSearch's `standard` analyzer splits text on Unicode word boundaries (UAX #29) and
lowercases. The engine's `standard` analyzer is a tantivy regex tokenizer that follows the
same rules for the text people search: letters, digits, marks and `_` make words; `'`, `.`
and `:` inside a word keep it whole (`grandma's`, `example.com`), `.` and `,` between
digits keep a number whole (`3.14`, `1,000`); each Han or Hiragana character is a term of
its own. Query text goes through the very same tantivy analyzer, so a `match` finds exactly
what was indexed, and `token_spans` gives the spans highlighting wraps.

tantivy knows a tokenizer by name per index: whoever opens an index calls
`register_analyzers(index)` before writing or searching it.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import tantivy

STANDARD_TOKENIZER: Final = "standard"
"""The name `register_analyzers` gives the standard analyzer in an index."""
TEXT_TOKENIZER: Final = STANDARD_TOKENIZER
"""The tantivy tokenizer of `text` fields."""
KEYWORD_TOKENIZER: Final = "raw"
"""`keyword` fields index the whole value as one term, unchanged."""

_WORD_CHARACTER: Final = r"[\p{L}\p{M}\p{N}_--\p{Han}--\p{Hiragana}]"
STANDARD_PATTERN: Final = (
    r"\p{N}+(?:[,.]\p{N}+)+"
    r"|[\p{Han}\p{Hiragana}]"
    rf"|{_WORD_CHARACTER}+(?:['.\u2019:]{_WORD_CHARACTER}+)*"
)


@cache
def standard_analyzer() -> tantivy.TextAnalyzer:
    """OpenSearch's `standard` analyzer as a tantivy analyzer."""
    tokenizer = tantivy.Tokenizer.regex(STANDARD_PATTERN)
    return tantivy.TextAnalyzerBuilder(tokenizer).filter(tantivy.Filter.lowercase()).build()


def register_analyzers(index: tantivy.Index) -> None:
    """Makes the engine's analyzers known to `index` (before it is written or searched)."""
    index.register_tokenizer(STANDARD_TOKENIZER, standard_analyzer())


def analyze(text: str) -> list[str]:
    """The terms a `text` field indexes for `text`, in order (duplicates kept)."""
    return list(standard_analyzer().analyze(text))


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """`(start, end, term)` for each term of `text`, as character offsets into it."""
    return [
        (token.char_offset_from, token.char_offset_to, token.text)
        for token in standard_analyzer().pre_tokenize(text).tokens
    ]
