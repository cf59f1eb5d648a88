"""Lexicographic ranges over a field's terms (`range` on keyword fields, `search_after` on a
keyword sort), as regular expressions tantivy runs against its term dictionary.

tantivy has no range query over strings, but its regex query walks the term dictionary
with an automaton: "at least `v`" is `v` followed by anything, or, at some position, the
same characters as `v` then a greater one then anything. That is linear in the length of
`v` and never lists the terms themselves. Characters compare by code point, which is the
order of UTF-8 bytes, the order tantivy (and Lucene) keeps terms in.
"""

from __future__ import annotations

from typing import Final

import tantivy

_MAX_CHAR: Final = 0x10FFFF
_MAX_BOUND: Final = 512
"""Bounds longer than this (in characters) give a regex too large to be worth it."""


def range_query(
    schema: tantivy.Schema,
    field: str,
    low: str | None,
    high: str | None,
    include_low: bool,
    include_high: bool,
) -> tantivy.Query | None:
    """The terms of `field` between the bounds; None when a bound is too long for this."""
    if any(bound is not None and len(bound) > _MAX_BOUND for bound in (low, high)):
        return None
    clauses = []
    if low is not None:
        clauses.append(tantivy.Query.regex_query(schema, field, at_least(low, include_low)))
    if high is not None:
        clauses.append(tantivy.Query.regex_query(schema, field, at_most(high, include_high)))
    if high == "" and not include_high:
        return tantivy.Query.empty_query()
    if not clauses:
        return tantivy.Query.regex_query(schema, field, "(?s).*")
    if len(clauses) == 1:
        return clauses[0]
    return tantivy.Query.boolean_query([(tantivy.Occur.Must, clause) for clause in clauses])


def at_least(bound: str, inclusive: bool) -> str:
    """A regex for the strings after `bound` (or equal to it, `inclusive`)."""
    alternatives = [_literal(bound) + (".*" if inclusive else ".+")]
    for position, character in enumerate(bound):
        code = ord(character)
        if code < _MAX_CHAR:
            alternatives.append(_literal(bound[:position]) + _class(code + 1, _MAX_CHAR) + ".*")
    return "(?s)(?:" + "|".join(alternatives) + ")"


def at_most(bound: str, inclusive: bool) -> str:
    """A regex for the strings before `bound` (or equal to it, `inclusive`): its proper
    prefixes, and whatever has a smaller character where it first differs."""
    alternatives = [_literal(bound[:end]) for end in range(len(bound))]
    if inclusive:
        alternatives.append(_literal(bound))
    for position, character in enumerate(bound):
        code = ord(character)
        if code > 0:
            alternatives.append(_literal(bound[:position]) + _class(0, code - 1) + ".*")
    return "(?s)(?:" + "|".join(alternatives) + ")"


def _literal(text: str) -> str:
    return "".join(f"\\x{{{ord(character):X}}}" for character in text)


def _class(low: int, high: int) -> str:
    # Surrogates are not characters: a class may not start or end inside them.
    low = 0xE000 if 0xD800 <= low <= 0xDFFF else low
    high = 0xD7FF if 0xD800 <= high <= 0xDFFF else high
    return f"[\\x{{{low:X}}}-\\x{{{high:X}}}]"
