"""What a query matched, term by term, for highlighting.

The compiler records, per field, the terms of full-text queries, the matchers of term-level
ones (prefix, wildcard, regexp, fuzzy, ranges) and the phrases of phrase queries; the
highlighter asks which terms of a value to tag. Clauses under `must_not` record nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Phrase:
    """A phrase query's terms (the last one a prefix for `match_phrase_prefix`) and slop."""

    terms: tuple[str, ...]
    slop: int = 0
    prefix: bool = False

    def occurrences(self, terms: Sequence[str]) -> set[int]:
        """Positions of `terms` covered by an occurrence of the phrase: its words in order,
        with at most `slop` other words among them."""
        found: set[int] = set()
        width = len(self.terms) + self.slop
        for start, term in enumerate(terms):
            if not self._same(0, term):
                continue
            positions = [start]
            for index in range(start + 1, min(len(terms), start + width)):
                if len(positions) == len(self.terms):
                    break
                if self._same(len(positions), terms[index]):
                    positions.append(index)
            if len(positions) == len(self.terms):
                found.update(positions)
        return found

    def _same(self, index: int, term: str) -> bool:
        if self.prefix and index == len(self.terms) - 1:
            return term.startswith(self.terms[index])
        return term == self.terms[index]


@dataclass
class Highlights:
    """What each field's query terms are, for highlighting: exact terms and matchers
    (prefix, wildcard, regexp, fuzzy) per field path. Clauses under `must_not` add none."""

    terms: dict[str, set[str]] = field(default_factory=dict)
    matchers: dict[str, list[Callable[[str], bool]]] = field(default_factory=dict)
    phrases: dict[str, list[Phrase]] = field(default_factory=dict)

    def add_terms(self, path: str, terms: Sequence[str]) -> None:
        self.terms.setdefault(path, set()).update(terms)

    def add_phrase(self, path: str, phrase: Phrase) -> None:
        self.phrases.setdefault(path, []).append(phrase)

    def marked(self, path: str | None, terms: Sequence[str]) -> set[int]:
        """The positions of a value's terms to highlight: terms that matched on their own,
        and the terms of each phrase occurrence (a phrase's words elsewhere stay plain,
        as with OpenSearch's highlighter)."""
        positions = {index for index, term in enumerate(terms) if self.matches(path, term)}
        paths = self.fields() if path is None else (path,)
        for name in paths:
            for phrase in self.phrases.get(name, ()):
                positions.update(phrase.occurrences(terms))
        return positions

    def add_matcher(self, path: str, matcher: Callable[[str], bool]) -> None:
        self.matchers.setdefault(path, []).append(matcher)

    def matches(self, path: str | None, term: str) -> bool:
        """Whether `term` matched in field `path` (any field when `path` is None)."""
        paths = self.fields() if path is None else (path,)
        for name in paths:
            if term in self.terms.get(name, ()):
                return True
            if any(matcher(term) for matcher in self.matchers.get(name, ())):
                return True
        return False

    def fields(self) -> set[str]:
        return set(self.terms) | set(self.matchers) | set(self.phrases)
