"""Lucene's pattern syntaxes as the regular expressions tantivy runs over terms, and the
Python matchers highlighting uses to find the same terms in a document's text.

tantivy's regex query matches whole terms with Rust's regex syntax: a Lucene wildcard
(`qu?ck*`) or regexp (`qu.*k`) becomes one; Lucene's optional regexp operators (`@`, `&`,
`~`, `<n-m>`, `#`) are refused rather than read differently, and `^`/`$`, literals in
Lucene, are escaped.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Final

from app.searchengine.errors import SearchError, unsupported


def fuzzy_matcher(term: str, distance: int) -> Callable[[str], bool]:
    def matches(candidate: str) -> bool:
        return edit_distance(term, candidate, distance) <= distance

    return matches


def edit_distance(left: str, right: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, stopping past `limit`."""
    if abs(len(left) - len(right)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(right) + 1))
    for i, lc in enumerate(left, 1):
        current = [i] + [0] * len(right)
        for j, rc in enumerate(right, 1):
            cost = 0 if lc == rc else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and lc == right[j - 2] and left[i - 2] == rc:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def regex_matcher(pattern: str) -> Callable[[str], bool]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compiled = re.compile(pattern)
    except re.error:
        return lambda term: False
    return lambda term: compiled.fullmatch(term) is not None


_RUST_SPECIAL: Final = frozenset("\\.+*?()|[]{}^$#&-~")


def rust_escape(text: str) -> str:
    return "".join("\\" + ch if ch in _RUST_SPECIAL else ch for ch in text)


def wildcard_regex(value: str) -> str:
    """Lucene's wildcard (`*` any run, `?` one character, `\\` escapes) as a regex."""
    out: list[str] = []
    escaped = False
    for ch in value:
        if escaped:
            out.append(rust_escape(ch))
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        else:
            out.append(rust_escape(ch))
    return "".join(out)


_LUCENE_OPERATORS: Final = {
    "@": "ANYSTRING",
    "&": "INTERSECTION",
    "~": "COMPLEMENT",
    "<": "INTERVAL",
    "#": "EMPTY",
}


def lucene_regex(value: str, flags: str) -> str:
    """Lucene's regular expression syntax as the regex tantivy runs (whole-term match).

    The shared core (`.`, `*`, `+`, `?`, `{m,n}`, `|`, groups, classes, escapes) is the same;
    Lucene's optional operators (`@`, `&`, `~`, `<n-m>`, `#`) are refused rather than read
    differently, and `^`/`$` are literals in Lucene, so they are escaped here.
    """
    out: list[str] = []
    index = 0
    in_class = False
    while index < len(value):
        ch = value[index]
        if ch == "\\" and index + 1 < len(value):
            out.append(rust_escape(value[index + 1]))
            index += 2
            continue
        if ch == '"' and not in_class:
            end = value.find('"', index + 1)
            if end < 0:
                raise SearchError(
                    400, "query_shard_exception", "failed to create query: expected '\"'"
                )
            out.append("".join(rust_escape(c) for c in value[index + 1 : end]))
            index = end + 1
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        elif not in_class and ch in _LUCENE_OPERATORS and flags != "NONE":
            raise unsupported(f"the Lucene regular expression operator [{ch}] ([regexp] query)")
        elif not in_class and ch in "^$":
            out.append("\\" + ch)
            index += 1
            continue
        out.append(ch)
        index += 1
    return "".join(out)
