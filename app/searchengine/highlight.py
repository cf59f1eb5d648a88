"""Highlighting: the fragments of a hit's source where the query matched, tags around terms.

Like OpenSearch's default (`unified`) highlighter, each matched term is wrapped on its own
(`<em>quick</em> <em>brown</em>`), a value no longer than `fragment_size` is one fragment,
a longer one is cut into fragments around its matches, and `number_of_fragments: 0` returns
whole values. Terms come from the query itself (`query.Highlights`): the analyzed terms of
full-text queries and the patterns of term-level ones; `must_not` clauses highlight nothing.
With `require_field_match` (the default) a field shows only what matched in that field.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Final

from app.searchengine.analysis import token_spans
from app.searchengine.errors import parsing, unsupported
from app.searchengine.mapping import FieldKind, FieldMapping, IndexMapping
from app.searchengine.matches import Highlights

DEFAULT_FRAGMENT_SIZE: Final = 100
DEFAULT_FRAGMENTS: Final = 5
_STYLED: Final = ('<em class="hlt">', "</em>")
_OPTIONS: Final = frozenset(
    {"pre_tags", "post_tags", "fragment_size", "number_of_fragments", "require_field_match",
     "type", "encoder", "no_match_size", "order", "tags_schema", "boundary_chars",
     "boundary_max_scan", "boundary_scanner", "boundary_scanner_locale", "fragmenter",
     "phrase_limit", "max_analyzed_offset", "force_source", "fragment_offset",
     "highlight_filter", "matched_fields"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class FieldOptions:
    """The settings that apply to one highlighted field (global ones, then its own)."""

    pre_tag: str = "<em>"
    post_tag: str = "</em>"
    fragment_size: int = DEFAULT_FRAGMENT_SIZE
    number_of_fragments: int = DEFAULT_FRAGMENTS
    require_field_match: bool = True
    escape: bool = False
    no_match_size: int = 0
    by_score: bool = False


@dataclass(frozen=True)
class Highlighter:
    """A request's `highlight`: field patterns, each with its options."""

    fields: Sequence[tuple[str, FieldOptions]]

    def highlight(
        self, mapping: IndexMapping, source: Any, matched: Highlights
    ) -> dict[str, list[str]]:
        """The `highlight` object of one hit: fragments per field that matched."""
        result: dict[str, list[str]] = {}
        if not isinstance(source, Mapping):
            return result
        for pattern, options in self.fields:
            for field_mapping in _fields(mapping, pattern, matched, options):
                if field_mapping.path in result:
                    continue
                fragments = _field_fragments(field_mapping, source, matched, options)
                if fragments:
                    result[field_mapping.path] = fragments
        return result


def parse_highlight(spec: Any) -> Highlighter | None:
    """A body's `highlight` object; None when absent."""
    if spec is None:
        return None
    if not isinstance(spec, Mapping):
        raise parsing("[highlight] must be an object")
    base = _options(spec, FieldOptions(), "highlight")
    raw_fields = spec.get("fields")
    entries: list[tuple[str, Any]] = []
    if isinstance(raw_fields, Mapping):
        entries = list(raw_fields.items())
    elif isinstance(raw_fields, list):
        for item in raw_fields:
            if not isinstance(item, Mapping) or len(item) != 1:
                raise parsing("[highlight] fields in an array must each be an object with one field")  # fmt: skip  # noqa: E501
            entries.extend(item.items())
    else:
        raise parsing("[highlight] requires [fields]")
    fields = []
    for name, options in entries:
        if not isinstance(options, Mapping):
            raise parsing(f"[highlight] field [{name}] options must be an object")
        fields.append((str(name), _options(options, base, f"highlight field [{name}]")))
    return Highlighter(tuple(fields))


def _options(spec: Mapping[str, Any], base: FieldOptions, where: str) -> FieldOptions:
    for key in spec:
        if key == "fields" and where == "highlight":
            continue
        if key in ("highlight_query", "matched_fields", "fragment_offset"):
            raise unsupported(f"[{key}] in [highlight]")
        if key not in _OPTIONS:
            raise parsing(f"[{where}] unknown field [{key}]")
    if spec.get("type") not in (None, "unified", "plain", "fvh"):
        raise parsing(f"unknown highlighter type [{spec.get('type')}]")
    pre_tag, post_tag = base.pre_tag, base.post_tag
    if spec.get("tags_schema") == "styled":
        pre_tag, post_tag = _STYLED
    if "pre_tags" in spec:
        pre_tag = _first_tag(spec["pre_tags"])
    if "post_tags" in spec:
        post_tag = _first_tag(spec["post_tags"])
    encoder = spec.get("encoder")
    if encoder not in (None, "default", "html"):
        raise parsing(f"Unknown encoder [{encoder}]")
    order = spec.get("order")
    if order not in (None, "none", "score"):
        raise parsing(f"Unknown order [{order}]")
    return FieldOptions(
        pre_tag=pre_tag,
        post_tag=post_tag,
        fragment_size=_int(spec, "fragment_size", base.fragment_size),
        number_of_fragments=_int(spec, "number_of_fragments", base.number_of_fragments),
        require_field_match=bool(spec.get("require_field_match", base.require_field_match)),
        escape=base.escape if encoder is None else encoder == "html",
        no_match_size=_int(spec, "no_match_size", base.no_match_size),
        by_score=base.by_score if order is None else order == "score",
    )


def _first_tag(value: Any) -> str:
    tags = [value] if isinstance(value, str) else value
    if not isinstance(tags, list) or not tags or not all(isinstance(t, str) for t in tags):
        raise parsing("[highlight] tags must be an array of strings")
    return str(tags[0])


def _int(spec: Mapping[str, Any], key: str, default: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise parsing(f"[highlight] [{key}] must be a non-negative integer")
    return value


def _fields(
    mapping: IndexMapping, pattern: str, matched: Highlights, options: FieldOptions
) -> Iterator[FieldMapping]:
    for path, field_mapping in mapping.fields.items():
        if field_mapping.kind not in (FieldKind.TEXT, FieldKind.KEYWORD):
            continue
        if path == pattern or ("*" in pattern and fnmatchcase(path, pattern)):
            if "*" in pattern and options.require_field_match and path not in matched.fields():
                continue
            yield field_mapping


def _values(source: Mapping[str, Any], path: str) -> list[str]:
    """The string values at a dotted path (a multi-field reads its parent's values)."""
    found: list[Any] = [source]
    for part in path.split("."):
        following: list[Any] = []
        for node in found:
            for item in node if isinstance(node, list) else [node]:
                if isinstance(item, Mapping) and part in item:
                    following.append(item[part])
        found = following
    values: list[str] = []
    for node in found:
        for item in node if isinstance(node, list) else [node]:
            if isinstance(item, str):
                values.append(item)
    return values


def _field_fragments(
    field_mapping: FieldMapping,
    source: Mapping[str, Any],
    matched: Highlights,
    options: FieldOptions,
) -> list[str]:
    value_path = field_mapping.parent or field_mapping.path
    term_field = field_mapping.path if options.require_field_match else None
    fragments: list[tuple[int, int, int, str]] = []  # (score, value index, start, text)
    values = _values(source, value_path)
    for position, value in enumerate(values):
        if field_mapping.kind is FieldKind.KEYWORD:
            if matched.matches(term_field, value):
                fragments.append((1, position, 0, _wrap(value, [(0, len(value))], options)))
            continue
        tokens = token_spans(value)
        marked = matched.marked(term_field, [term for _, _, term in tokens])
        spans = [(start, end) for index, (start, end, _) in enumerate(tokens) if index in marked]
        if not spans:
            continue
        if options.number_of_fragments == 0 or len(value) <= options.fragment_size:
            fragments.append((len(spans), position, 0, _wrap(value, spans, options)))
            continue
        for start, end, inside in _windows(value, spans, options.fragment_size):
            text = _wrap(value[start:end], [(s - start, e - start) for s, e in inside], options)
            fragments.append((len(inside), position, start, text))
    if not fragments:
        if options.no_match_size and values:
            return [_escape(_cut(values[0], options.no_match_size), options)]
        return []
    if options.by_score:
        fragments.sort(key=lambda item: (-item[0], item[1], item[2]))
        limit = options.number_of_fragments or len(fragments)
        return [text for _, _, _, text in fragments[:limit]]
    if options.number_of_fragments:
        best = sorted(fragments, key=lambda item: (-item[0], item[1], item[2]))
        kept = {(item[1], item[2]) for item in best[: options.number_of_fragments]}
        fragments = [item for item in fragments if (item[1], item[2]) in kept]
    return [text for _, _, _, text in fragments]


def _windows(
    value: str, spans: list[tuple[int, int]], size: int
) -> Iterator[tuple[int, int, list[tuple[int, int]]]]:
    """Fragments of about `size` characters, each starting near its first match."""
    index = 0
    while index < len(spans):
        first_start, first_end = spans[index]
        start = _sentence_start(value, first_start, size)
        end = _word_end(value, max(start + size, first_end))
        inside = []
        while index < len(spans) and spans[index][1] <= end:
            inside.append(spans[index])
            index += 1
        yield start, end, inside


def _sentence_start(value: str, match_start: int, size: int) -> int:
    """Where a fragment holding the match at `match_start` begins: the start of its
    sentence if that is close enough, else a word boundary a little before the match."""
    limit = max(0, match_start - size // 2)
    for marker in (". ", "! ", "? ", "\n"):
        found = value.rfind(marker, limit, match_start)
        if found >= 0:
            return found + len(marker)
    if limit == 0:
        return 0
    space = value.rfind(" ", limit, match_start)
    return space + 1 if space >= 0 else match_start


def _word_end(value: str, position: int) -> int:
    if position >= len(value):
        return len(value)
    space = value.find(" ", position)
    return len(value) if space < 0 else space


def _cut(value: str, size: int) -> str:
    return value if len(value) <= size else value[: _word_end(value, size)]


def _escape(text: str, options: FieldOptions) -> str:
    return html.escape(text, quote=True) if options.escape else text


def _wrap(text: str, spans: list[tuple[int, int]], options: FieldOptions) -> str:
    out = []
    last = 0
    for start, end in spans:
        out.append(_escape(text[last:start], options))
        out.append(options.pre_tag + _escape(text[start:end], options) + options.post_tag)
        last = end
    out.append(_escape(text[last:], options))
    return "".join(out)
