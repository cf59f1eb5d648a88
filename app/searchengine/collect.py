"""Which documents a page of hits holds, in order: tantivy's top-k where it can, exact
ordering here.

tantivy collects the top k by score, or by one fast field; OpenSearch sorts by several keys,
with missing values, `search_after` and `min_score`. So the first key goes to tantivy, which
returns the best `from + size` documents (plus, when more keys follow, every document tied
with the last of them: the page cannot hold anything else), and those few are ordered
exactly here by all keys; ties left fall in document order, tantivy's order too.
What tantivy cannot rank first (ascending score, `_doc`, a custom `missing`, `min_score`,
`search_after` on score or on a missing value) reads every match instead: exact, and fine
at the sizes a local engine holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import orjson
import tantivy

from app.searchengine import term_ranges
from app.searchengine.mapping import ID_FIELD, SOURCE_FIELD, FieldKind, FieldMapping
from app.searchengine.snapshot import IndexSnapshot
from app.searchengine.sorting import (
    MISSING,
    SortKey,
    after_value,
    order,
    substitute_missing,
)

_GROWTH: Final = 4
_NUMERIC_RANGE: Final[Mapping[FieldKind, tantivy.FieldType]] = {
    FieldKind.LONG: tantivy.FieldType.Integer,
    FieldKind.DATE: tantivy.FieldType.Integer,
    FieldKind.DOUBLE: tantivy.FieldType.Float,
}


@dataclass
class Candidate:
    """One matching document while a page is assembled."""

    index: int
    segment: int
    doc: int
    address: tantivy.DocAddress | None
    score: float
    values: tuple[Any, ...] = ()

    @property
    def tiebreak(self) -> tuple[int, int, int]:
        return (self.index, self.segment, self.doc)


@dataclass
class Source:
    """One index's part of a search: its snapshot, compiled query and sort key kinds."""

    snapshot: IndexSnapshot
    query: tantivy.Query
    kinds: list[FieldKind | None] = field(default_factory=list)


def collect(
    sources: Sequence[Source],
    keys: Sequence[SortKey],
    window: int,
    search_after: Sequence[Any] | None,
    min_score: float | None,
    scores: bool,
) -> tuple[list[Candidate], int]:
    """The ordered hits from which the page (`[from:from + size]`) is cut, and the total.
    `scores`: whether hits ranked by a field need their scores too (`track_scores`)."""
    keys = list(keys) or [SortKey("_score", True)]
    scores = scores or any(key.is_score for key in keys)
    candidates: list[Candidate] = []
    total = 0
    for position, source in enumerate(sources):
        if window == 0 and min_score is None:
            total += _count(source.snapshot.searcher.search(source.query, 1, count=True))
            continue
        after = _after(source, keys, search_after)
        matched, matches = _matches(position, source, keys, window, after, min_score, scores)
        total += matches
        _give_values(source, matched, keys)
        candidates.extend(matched)
    candidates.sort(key=lambda c: c.tiebreak)
    if search_after is not None and sources:
        marker = Candidate(
            len(sources), 0, 0, None, 0.0, _after(sources[0], keys, search_after) or ()
        )
        candidates.append(marker)
        order(candidates, keys)
        return candidates[candidates.index(marker) + 1 :], total
    order(candidates, keys)
    return candidates, total


def _after(
    source: Source, keys: Sequence[SortKey], search_after: Sequence[Any] | None
) -> tuple[Any, ...] | None:
    if search_after is None:
        return None
    return tuple(
        after_value(key, source.kinds[i] if i < len(source.kinds) else None, value)
        for i, (key, value) in enumerate(zip(keys, search_after, strict=True))
    )


def _matches(
    position: int,
    source: Source,
    keys: Sequence[SortKey],
    window: int,
    after: tuple[Any, ...] | None,
    min_score: float | None,
    scores: bool,
) -> tuple[list[Candidate], int]:
    searcher = source.snapshot.searcher
    first = keys[0]
    kind = source.kinds[0] if source.kinds else None
    mapping = _sort_mapping(source, first.field)
    ranked_by_tantivy = min_score is None and (
        (first.is_score and first.descending and after is None)
        or (
            mapping is not None
            and first.missing == "_last"
            and (after is None or after[0] is not MISSING)
            and (kind in _NUMERIC_RANGE or kind in (FieldKind.KEYWORD, FieldKind.BOOLEAN))
        )
    )
    if not ranked_by_tantivy:
        result = searcher.search(source.query, max(searcher.num_docs, 1), count=True)
        matched = [_candidate(position, score, address) for score, address in result.hits]
        if min_score is not None:
            matched = [c for c in matched if c.score >= min_score]
            return matched, len(matched)
        return matched, _count(result)
    query = source.query
    total = _count(searcher.search(query, 1, count=True)) if after is not None else None
    if after is not None and mapping is not None:
        query = _at_or_after(source, mapping, first, after[0])
    order_by = None if first.is_score or mapping is None else mapping.tantivy_name
    direction = tantivy.Order.Desc if first.descending else tantivy.Order.Asc
    # tantivy breaks ties by document address, as the order here does: with one key the
    # top `window` is the page; with more, every document tied with the last one counts.
    more_keys = len(keys) > 1
    limit = max(window, 1) + (1 if more_keys or after is not None else 0)
    while True:
        if order_by is None:
            result = searcher.search(query, limit, count=True)
        else:
            result = searcher.search(query, limit, count=True, order_by_field=order_by, order=direction)  # fmt: skip  # noqa: E501
        hits = result.hits
        # Documents tied with `search_after`'s first value may still come before it: they
        # do not count towards the window.
        skipped = 0 if after is None else sum(1 for key, _ in hits if key == after[0])
        needed = max(window, 1) + skipped
        if len(hits) < limit:
            break
        if len(hits) >= needed and not more_keys:
            break
        if len(hits) > needed and hits[-1][0] != hits[needed - 1][0]:
            break
        limit = max(limit * _GROWTH, needed + 1)
    matched = []
    for key, address in hits:
        candidate = _candidate(position, 0.0 if order_by else float(key), address)
        matched.append(candidate)
    if order_by is not None and scores:
        _scores(source, matched)
    return matched, total if total is not None else _count(result)


def _candidate(position: int, score: float, address: tantivy.DocAddress) -> Candidate:
    return Candidate(position, address.segment_ord, address.doc, address, float(score))


def _scores(source: Source, matched: list[Candidate]) -> None:
    """Scores of field-ranked candidates (for `_score` keys and `track_scores`)."""
    if not matched:
        return
    searcher = source.snapshot.searcher
    wanted = {(c.segment, c.doc): c for c in matched}
    limit = max(searcher.num_docs, 1)
    for score, address in searcher.search(source.query, limit, count=False).hits:
        candidate = wanted.get((address.segment_ord, address.doc))
        if candidate is not None:
            candidate.score = float(score)


def _count(result: tantivy.SearchResult) -> int:
    """The number of matches (tantivy's stubs omit `count`)."""
    return int(getattr(result, "count", 0) or 0)


def _sort_mapping(source: Source, path: str) -> FieldMapping | None:
    if path == ID_FIELD:
        return FieldMapping(ID_FIELD, "keyword", FieldKind.KEYWORD)
    if path in ("_score", "_doc"):
        return None
    return source.snapshot.mapping.field(path)


def _at_or_after(source: Source, mapping: FieldMapping, key: SortKey, value: Any) -> tantivy.Query:
    """The query restricted to documents whose first sort value is not before `value`
    (ties included: the exact comparison happens afterwards)."""
    schema = source.snapshot.mapping.schema
    low, high = (None, value) if key.descending else (value, None)
    kind = mapping.kind
    if kind in _NUMERIC_RANGE:
        bound = tantivy.Query.range_query(schema, mapping.tantivy_name, _NUMERIC_RANGE[kind], low, high)  # fmt: skip  # noqa: E501
    elif kind is FieldKind.BOOLEAN:
        wanted = [flag for flag in (False, True) if (low is None or int(flag) >= low) and (high is None or int(flag) <= high)]  # fmt: skip  # noqa: E501
        bound = (
            tantivy.Query.term_set_query(schema, mapping.tantivy_name, wanted)
            if wanted
            else tantivy.Query.empty_query()
        )
    else:
        text = str(value)
        low_text, high_text = (None, text) if key.descending else (text, None)
        ranged = term_ranges.range_query(schema, mapping.tantivy_name, low_text, high_text, True, True)  # fmt: skip  # noqa: E501
        bound = ranged if ranged is not None else source.query
    if mapping.path != ID_FIELD:
        # Documents without the field sort last (`missing: _last`): after every value.
        missing = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, tantivy.Query.all_query()),
                (tantivy.Occur.MustNot, tantivy.Query.exists_query(mapping.tantivy_name)),
            ]
        )
        bound = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, bound), (tantivy.Occur.Should, missing)]
        )
    return tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, source.query), (tantivy.Occur.Must, bound)]
    )


# -- sort values ---------------------------------------------------------------------------


def _give_values(source: Source, matched: list[Candidate], keys: Sequence[SortKey]) -> None:
    """Gives each candidate its sort values, one column per key."""
    if not matched:
        return
    columns: list[list[Any]] = []
    documents: list[Any] | None = None
    for position, key in enumerate(keys):
        kind = source.kinds[position] if position < len(source.kinds) else None
        if key.is_score:
            columns.append([c.score for c in matched])
            continue
        if key.is_doc:
            columns.append([(c.segment << 32) + c.doc for c in matched])
            continue
        mapping = _sort_mapping(source, key.field)
        if mapping is None:
            values: list[Any] = [MISSING] * len(matched)
        elif mapping.kind is FieldKind.KEYWORD:
            if documents is None:
                documents = [_stored(source, c) for c in matched]
            values = [_keyword_value(source, mapping, doc, key.descending) for doc in documents]
        else:
            raw = source.snapshot.searcher.fast_field_values(
                mapping.tantivy_name, [c.address for c in matched if c.address is not None]
            )
            boolean = mapping.kind is FieldKind.BOOLEAN
            values = [MISSING if v is None else int(v) if boolean else v for v in raw]
        columns.append([substitute_missing(key, kind, v) for v in values])
    for row, candidate in enumerate(matched):
        candidate.values = tuple(column[row] for column in columns)


def _stored(source: Source, candidate: Candidate) -> tuple[str, Any]:
    assert candidate.address is not None
    document: Any = source.snapshot.searcher.doc(candidate.address)
    return str(document.get_first(ID_FIELD)), orjson.loads(document.get_first(SOURCE_FIELD))


def _keyword_value(
    source: Source, mapping: FieldMapping, document: tuple[str, Any], descending: bool
) -> Any:
    """A keyword's sort value read from the source: the least of its values ascending, the
    greatest descending (OpenSearch's default `mode`), as the keyword field indexed them."""
    doc_id, body = document
    if mapping.path == ID_FIELD:
        return doc_id
    values = [
        text
        for text in _texts(body, mapping.parent or mapping.path)
        if mapping.ignore_above is None or len(text) <= mapping.ignore_above
    ]
    if not values:
        return MISSING
    return max(values) if descending else min(values)


def _texts(body: Any, path: str) -> list[str]:
    nodes = [body]
    for part in path.split("."):
        following = []
        for node in nodes:
            for item in node if isinstance(node, list) else [node]:
                if isinstance(item, Mapping) and part in item:
                    following.append(item[part])
        nodes = following
    texts = []
    for node in nodes:
        for item in node if isinstance(node, list) else [node]:
            if isinstance(item, bool):
                texts.append("true" if item else "false")
            elif isinstance(item, str | int | float):
                texts.append(item if isinstance(item, str) else str(item))
    return texts
