"""The query DSL compiled onto tantivy queries, one index mapping at a time.

OpenSearch's queries become tantivy's: `match` analyzes its text with the very analyzer the
index used (`analysis.analyze`) and ORs (or ANDs) term queries scored by BM25; `filter` and
`must_not` clauses do not score (a constant zero); term-level queries (`term`, `prefix`,
`wildcard`, ...) take the value as given. A field the mapping does not know matches nothing,
as in OpenSearch. While compiling, the terms that may match each field are collected in
`Highlights`, so highlighting marks what the query matched. A query OpenSearch knows but the
engine does not implement is `unsupported`; a name OpenSearch does not know is its
`parsing_exception`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any, Final

import tantivy

from app.searchengine import term_ranges
from app.searchengine.analysis import analyze
from app.searchengine.dates import resolve_date
from app.searchengine.errors import SearchError, bad_request, parsing, unsupported
from app.searchengine.mapping import ID_FIELD, FieldKind, FieldMapping, IndexMapping
from app.searchengine.matches import Highlights, Phrase
from app.searchengine.patterns import (
    fuzzy_matcher,
    lucene_regex,
    regex_matcher,
    rust_escape,
    wildcard_regex,
)
from app.searchengine.query_string import query_string, simple_query_string

Occur = tantivy.Occur
Query = tantivy.Query

KNOWN_QUERIES: Final = frozenset(
    {"match_all", "match_none", "match", "match_phrase", "match_phrase_prefix",
     "match_bool_prefix", "multi_match", "common", "query_string", "simple_query_string",
     "term", "terms", "terms_set", "range", "exists", "prefix", "wildcard", "regexp", "fuzzy",
     "ids", "bool", "boosting", "constant_score", "dis_max", "function_score", "script",
     "script_score", "nested", "has_child", "has_parent", "parent_id", "geo_bounding_box",
     "geo_distance", "geo_polygon", "geo_shape", "xy_shape", "shape", "more_like_this",
     "percolate", "wrapper", "span_term", "span_first", "span_near", "span_or", "span_not",
     "span_containing", "span_within", "span_multi", "field_masking_span",
     "span_field_masking", "intervals", "distance_feature", "rank_feature", "pinned", "knn",
     "neural", "neural_sparse", "hybrid", "type", "template"}
)  # fmt: skip
_MAX_FUZZY_DISTANCE: Final = 2
I64_MIN: Final = -(2**63)
I64_MAX: Final = 2**63 - 1


_ID_MAPPING: Final = FieldMapping(ID_FIELD, "keyword", FieldKind.KEYWORD)
"""`_id` answers term-level and full-text queries as a keyword field does."""


class NoMatch(Exception):
    """A value no document of the field can hold (`1.5` on a `long`): the query matches none."""


@dataclass
class Compiler:
    """Compiles query DSL against one index's mapping."""

    mapping: IndexMapping
    now_millis: int
    searcher: tantivy.Searcher | None = None
    """Term statistics (scores of keyword terms) and term lists (`range` over strings)."""
    highlights: Highlights = field(default_factory=Highlights)
    _negated: int = 0

    @property
    def schema(self) -> tantivy.Schema:
        return self.mapping.schema

    # -- entry ------------------------------------------------------------------------------

    def compile(self, node: Any) -> tantivy.Query:
        """The tantivy query for one query DSL object (`{"match": {...}}`)."""
        if not isinstance(node, Mapping):
            raise parsing("[_na] query malformed, must start with start_object")
        if not node:
            # `{}` stopped meaning match_all in OpenSearch's ancestor 6.0.
            raise bad_request("query malformed, empty clause found")
        if len(node) > 1:
            name = next(iter(node))
            raise parsing(f"[{name}] malformed query, expected [END_OBJECT] but found [FIELD_NAME]")
        ((name, body),) = node.items()
        handler = _HANDLERS.get(name)
        if handler is None:
            if name in KNOWN_QUERIES:
                raise unsupported(f"the [{name}] query")
            raise parsing(f"unknown query [{name}]")
        return handler(self, body)

    def compile_filter(self, node: Any) -> tantivy.Query:
        """A clause that restricts without scoring (`filter`)."""
        return Query.const_score_query(self.compile(node), 0.0)

    # -- fields and values ------------------------------------------------------------------

    def resolve(self, pattern: str) -> list[FieldMapping]:
        """The mapped fields a name (or a wildcard pattern) designates."""
        if "*" in pattern:
            return [f for path, f in self.mapping.fields.items() if fnmatchcase(path, pattern)]
        if pattern == ID_FIELD:
            return [_ID_MAPPING]
        found = self.mapping.field(pattern)
        return [found] if found is not None else []

    def _text_target(
        self, path: str, options: Mapping[str, Any]
    ) -> tuple[FieldMapping, Any] | None:
        """The field a full-text query reads and its `query` text; None when the field is
        not mapped (the query matches nothing)."""
        mappings = self.resolve(path)
        if not mappings:
            return None
        text = options.get("query")
        if text is None:
            raise parsing("No text specified for text query")
        return mappings[0], text

    def value(self, mapping: FieldMapping, value: Any) -> Any:
        """A query value as the tantivy term value of `mapping`'s field."""
        return term_value(mapping, value, self.now_millis)

    def term(self, mapping: FieldMapping, value: Any) -> tantivy.Query:
        if mapping.kind is FieldKind.DATE:
            # OpenSearch reads a date term as the period it names: `2026-01-01` is that day.
            low = resolve_date(value, self.now_millis, round_up=False)
            high = resolve_date(value, self.now_millis, round_up=True)
            return self._range(mapping, tantivy.FieldType.Integer, low, high, True, True)
        try:
            converted = self.value(mapping, value)
        except NoMatch:
            return Query.empty_query()
        if mapping.kind in (FieldKind.TEXT, FieldKind.KEYWORD):
            self._highlight(mapping.path, [converted])
        query = Query.term_query(self.schema, mapping.tantivy_name, converted)
        if mapping.kind in (FieldKind.KEYWORD, FieldKind.BOOLEAN):
            return self._normless(query, mapping.tantivy_name, converted)
        if mapping.kind in (FieldKind.LONG, FieldKind.DOUBLE):
            return Query.const_score_query(query, 1.0)
        return query

    def _normless(self, query: tantivy.Query, name: str, value: Any) -> tantivy.Query:
        """A term scored as OpenSearch scores fields without norms (keyword, boolean):
        BM25 of one occurrence at average length, which is the term's idf.

        tantivy keeps field norms for every indexed text field, so a keyword value among
        fewer values would otherwise outscore the same value among more."""
        if self.searcher is None:
            return query
        frequency = self.searcher.doc_freq(name, value)
        if frequency == 0:
            return Query.empty_query()
        documents = max(self.searcher.num_docs, frequency)
        idf = math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))
        return Query.const_score_query(query, idf)

    def _highlight(self, path: str, terms: Sequence[str]) -> None:
        if not self._negated:
            self.highlights.add_terms(path, terms)

    def _phrase(self, path: str, phrase: Phrase) -> None:
        if not self._negated:
            self.highlights.add_phrase(path, phrase)

    def _matcher(self, path: str, matcher: Callable[[str], bool]) -> None:
        if not self._negated:
            self.highlights.add_matcher(path, matcher)

    # -- full text --------------------------------------------------------------------------

    def match(self, body: Any) -> tantivy.Query:
        path, options = _field_options(body, "match", "query")
        _check_options("match", options, _MATCH_OPTIONS)
        return _boosted(self.match_field(path, options), options)

    def match_field(self, path: str, options: Mapping[str, Any], lenient: bool = False) -> Query:
        target = self._text_target(path, options)
        if target is None:
            return Query.empty_query()
        mapping, text = target
        distance = _fuzziness(options.get("fuzziness"), None)
        if mapping.kind is FieldKind.KEYWORD and distance is not None:
            value = _as_text(text)
            edits = _auto_distance(value) if distance < 0 else distance
            if edits:
                transpositions = bool(options.get("fuzzy_transpositions", True))
                return self._fuzzy(mapping, value, edits, transpositions)
        if mapping.kind is not FieldKind.TEXT:
            try:
                return self.term(mapping, text)
            except SearchError:
                if lenient or options.get("lenient"):
                    return Query.empty_query()
                raise
        terms = analyze(_as_text(text))
        if not terms:
            return _zero_terms(options)
        self._highlight(mapping.path, terms)
        clauses = [self._text_term(mapping, term, distance, options) for term in terms]
        if len(clauses) == 1:
            return clauses[0]
        operator = str(options.get("operator", "or")).lower()
        if operator == "and":
            return Query.boolean_query([(Occur.Must, clause) for clause in clauses])
        if operator != "or":
            raise parsing(f"Unknown operator [{options.get('operator')}]")
        minimum = minimum_should_match(options.get("minimum_should_match"), len(clauses), 1)
        return Query.boolean_query([(Occur.Should, clause) for clause in clauses], minimum)

    def _text_term(
        self, mapping: FieldMapping, term: str, distance: int | None, options: Mapping[str, Any]
    ) -> tantivy.Query:
        exact = Query.term_query(self.schema, mapping.tantivy_name, term)
        if distance is None:
            return exact
        auto = _auto_distance(term) if distance < 0 else distance
        if auto == 0:
            return exact
        fuzzy = self._fuzzy(mapping, term, auto, bool(options.get("fuzzy_transpositions", True)))
        return Query.boolean_query([(Occur.Should, exact), (Occur.Should, fuzzy)])

    def _fuzzy(
        self, mapping: FieldMapping, term: str, distance: int, transpositions: bool
    ) -> tantivy.Query:
        self._matcher(mapping.path, fuzzy_matcher(term, distance))
        return Query.fuzzy_term_query(
            self.schema, mapping.tantivy_name, term, distance, transpositions
        )

    def match_bool_prefix(self, body: Any) -> tantivy.Query:
        """Each analyzed term a `should` term query, the last one a prefix (in any order)."""
        path, options = _field_options(body, "match_bool_prefix", "query")
        allowed = {"query", "operator", "minimum_should_match", "boost", "analyzer", "_name",
                   "max_expansions"}  # fmt: skip
        _check_options("match_bool_prefix", options, allowed)
        target = self._text_target(path, options)
        if target is None:
            return Query.empty_query()
        mapping, text = target
        if mapping.kind is not FieldKind.TEXT:
            return _boosted(self.term(mapping, text), options)
        terms = analyze(_as_text(text))
        if not terms:
            return Query.empty_query()
        *head, last = terms
        self._highlight(mapping.path, head)
        clauses = [Query.term_query(self.schema, mapping.tantivy_name, term) for term in head]
        clauses.append(self._prefix(mapping, last))
        if str(options.get("operator", "or")).lower() == "and":
            query = Query.boolean_query([(Occur.Must, clause) for clause in clauses])
        else:
            minimum = minimum_should_match(options.get("minimum_should_match"), len(clauses), 1)
            query = Query.boolean_query([(Occur.Should, c) for c in clauses], minimum)
        return _boosted(query, options)

    def match_phrase(self, body: Any) -> tantivy.Query:
        path, options = _field_options(body, "match_phrase", "query")
        _check_options(
            "match_phrase",
            options,
            {"query", "slop", "boost", "analyzer", "zero_terms_query", "_name"},
        )
        return _boosted(self.phrase_field(path, options, prefix=False), options)

    def match_phrase_prefix(self, body: Any) -> tantivy.Query:
        path, options = _field_options(body, "match_phrase_prefix", "query")
        _check_options(
            "match_phrase_prefix",
            options,
            {"query", "slop", "boost", "analyzer", "max_expansions", "zero_terms_query", "_name"},
        )
        return _boosted(self.phrase_field(path, options, prefix=True), options)

    def phrase_field(
        self, path: str, options: Mapping[str, Any], *, prefix: bool, lenient: bool = False
    ) -> tantivy.Query:
        target = self._text_target(path, options)
        if target is None:
            return Query.empty_query()
        mapping, text = target
        if mapping.kind is not FieldKind.TEXT:
            if prefix and mapping.kind is FieldKind.KEYWORD:
                return self._prefix(mapping, _as_text(text))
            try:
                return self.term(mapping, text)
            except SearchError:
                if lenient:
                    return Query.empty_query()
                raise
        terms = analyze(_as_text(text))
        if not terms:
            return _zero_terms(options)
        slop = _integer(options.get("slop", 0), "slop")
        if slop < 0:
            raise bad_request("[slop] must be a non-negative integer")
        if prefix:
            if len(terms) == 1:
                return self._prefix(mapping, terms[0])
            self._phrase(mapping.path, Phrase(tuple(terms), slop, prefix=True))
            return Query.phrase_prefix_query(
                self.schema, mapping.tantivy_name, list[str | tuple[int, str]](terms)
            )
        if len(terms) == 1:
            self._highlight(mapping.path, terms)
            return Query.term_query(self.schema, mapping.tantivy_name, terms[0])
        self._phrase(mapping.path, Phrase(tuple(terms), slop))
        return Query.phrase_query(
            self.schema, mapping.tantivy_name, list[str | tuple[int, str]](terms), slop
        )

    def multi_match(self, body: Any) -> tantivy.Query:
        if not isinstance(body, Mapping):
            raise parsing("[multi_match] query malformed")
        _check_options("multi_match", body, _MULTI_MATCH_OPTIONS)
        if "query" not in body:
            raise parsing("No text specified for multi_match query")
        kind = body.get("type", "best_fields")
        raw_fields = body.get("fields", ["*"])
        if isinstance(raw_fields, str):
            raw_fields = [raw_fields]
        lenient = bool(body.get("lenient", False))
        per_field: list[tuple[FieldMapping, float]] = []
        for spec in raw_fields:
            name, _, weight = str(spec).partition("^")
            boost = _float_option(weight, "boost") if weight else 1.0
            matched = self.resolve(name)
            # A pattern takes every field it names, leniently (as `index.query.default_field`
            # `*` does): a number searches numbers too, a word skips them.
            lenient = lenient or "*" in name
            per_field.extend((m, boost) for m in matched)
        if not per_field:
            return Query.empty_query()
        options = {k: v for k, v in body.items() if k not in ("fields", "type", "tie_breaker")}
        clauses: list[tantivy.Query] = []
        for mapping, boost in per_field:
            if kind in ("best_fields", "most_fields"):
                clause = self.match_field(mapping.path, options, lenient)
            elif kind in ("phrase", "phrase_prefix"):
                clause = self.phrase_field(
                    mapping.path, options, prefix=kind == "phrase_prefix", lenient=lenient
                )
            elif kind in ("cross_fields", "bool_prefix"):
                raise unsupported(f"the [multi_match] type [{kind}]")
            else:
                raise parsing(f"failed to parse [multi_match] query type [{kind}]. unknown type.")
            clauses.append(clause if boost == 1.0 else Query.boost_query(clause, boost))
        if kind == "most_fields":
            query = Query.boolean_query([(Occur.Should, clause) for clause in clauses])
        elif len(clauses) == 1:
            query = clauses[0]
        else:
            tie = _float_option(body.get("tie_breaker", 0.0), "tie_breaker")
            query = Query.disjunction_max_query(clauses, tie)
        return _boosted(query, body)

    # -- term level -------------------------------------------------------------------------

    def term_query(self, body: Any) -> tantivy.Query:
        path, options = _field_options(body, "term", "value")
        _check_options("term", options, {"value", "boost", "case_insensitive", "_name"})
        if options.get("case_insensitive"):
            raise unsupported("[case_insensitive] on the [term] query")
        if options.get("value") is None:
            raise parsing("[term] query does not support a null or missing [value]")
        if path == ID_FIELD:
            value = _as_text(options["value"])
            query = Query.term_query(self.schema, ID_FIELD, value)
            return _boosted(self._normless(query, ID_FIELD, value), options)
        mappings = self.resolve(path)
        if not mappings:
            return Query.empty_query()
        return _boosted(self.term(mappings[0], options["value"]), options)

    def terms_query(self, body: Any) -> tantivy.Query:
        if not isinstance(body, Mapping):
            raise parsing("[terms] query malformed")
        names = [key for key in body if key not in ("boost", "_name")]
        if len(names) != 1:
            raise parsing("[terms] query does not support multiple fields")
        path = names[0]
        values = body[path]
        if isinstance(values, Mapping):
            raise unsupported("the terms lookup of the [terms] query")
        if not isinstance(values, list):
            raise parsing(f"[terms] query does not support [{path}]")
        if path == ID_FIELD:
            query = Query.term_set_query(self.schema, ID_FIELD, [_as_text(v) for v in values])
            return _boosted(query, body)
        mappings = self.resolve(path)
        if not mappings or not values:
            return Query.empty_query()
        mapping = mappings[0]
        converted = []
        for value in values:
            try:
                converted.append(self.value(mapping, value))
            except NoMatch:
                continue
        if not converted:
            return Query.empty_query()
        if mapping.kind in (FieldKind.TEXT, FieldKind.KEYWORD):
            self._highlight(mapping.path, converted)
        query = Query.term_set_query(self.schema, mapping.tantivy_name, converted)
        return _boosted(Query.const_score_query(query, 1.0), body)

    def ids(self, body: Any) -> tantivy.Query:
        if not isinstance(body, Mapping):
            raise parsing("[ids] query malformed, no start_object after query name")
        raw = body.get("values", [])
        if isinstance(raw, str):
            raw = [raw]  # OpenSearch's string-array parser takes one value for a list
        if not isinstance(raw, list) or not all(isinstance(v, str | int) for v in raw):
            raise parsing("[ids] query malformed, [values] must be an array of strings")
        _check_options("ids", body, {"values", "boost", "_name", "type"})
        values = [_as_text(value) for value in raw]
        if not values:
            return Query.empty_query()
        query = Query.term_set_query(self.schema, ID_FIELD, values)
        return _boosted(Query.const_score_query(query, 1.0), body)

    def range_query(self, body: Any) -> tantivy.Query:
        path, options = _field_options(body, "range", None)
        _check_options(
            "range",
            options,
            {
                "gt",
                "gte",
                "lt",
                "lte",
                "from",
                "to",
                "include_lower",
                "include_upper",
                "boost",
                "format",
                "time_zone",
                "relation",
                "_name",
            },
        )
        if options.get("relation", "intersects").lower() != "intersects":
            raise unsupported("[relation] other than [intersects] on the [range] query")
        time_zone = options.get("time_zone")
        if time_zone not in (None, "Z", "UTC", "+00:00", "Etc/UTC", "GMT"):
            raise unsupported(f"the [time_zone] [{time_zone}] of the [range] query")
        if options.get("format") not in (
            None,
            "strict_date_optional_time",
            "epoch_millis",
            "date_optional_time",
            "strict_date_optional_time||epoch_millis",
        ):
            raise unsupported(f"the date [format] [{options['format']}] of the [range] query")
        mappings = self.resolve(path)
        if not mappings:
            return Query.empty_query()
        mapping = mappings[0]
        lower, include_lower = _bound(options, "gt", "gte", "from", "include_lower")
        upper, include_upper = _bound(options, "lt", "lte", "to", "include_upper")
        if mapping.kind is FieldKind.DATE:
            low = (
                None
                if lower is None
                else resolve_date(lower, self.now_millis, round_up=not include_lower)
            )
            high = (
                None
                if upper is None
                else resolve_date(upper, self.now_millis, round_up=include_upper)
            )
            return _boosted(
                self._range(
                    mapping, tantivy.FieldType.Integer, low, high, include_lower, include_upper
                ),
                options,
            )
        if mapping.kind is FieldKind.BOOLEAN:
            return _boosted(self._boolean_range(mapping, lower, upper, include_lower, include_upper), options)  # fmt: skip  # noqa: E501
        field_type = {
            FieldKind.LONG: tantivy.FieldType.Integer,
            FieldKind.DOUBLE: tantivy.FieldType.Float,
        }.get(mapping.kind)
        if field_type is None:
            query = self._string_range(mapping, lower, upper, include_lower, include_upper)
            return _boosted(query, options)
        if mapping.kind is FieldKind.LONG:
            low = (
                None if lower is None else _long_bound(_number(mapping, lower), True, include_lower)
            )
            high = (
                None
                if upper is None
                else _long_bound(_number(mapping, upper), False, include_upper)
            )
            include_lower = include_upper = True
        else:
            low = None if lower is None else self.value(mapping, lower)
            high = None if upper is None else self.value(mapping, upper)
        query = self._range(mapping, field_type, low, high, include_lower, include_upper)
        return _boosted(query, options)

    def _range(
        self,
        mapping: FieldMapping,
        field_type: tantivy.FieldType,
        low: Any,
        high: Any,
        include_lower: bool,
        include_upper: bool,
    ) -> tantivy.Query:
        if low is None and high is None:
            return Query.const_score_query(self.exists_field(mapping), 1.0)
        if field_type == tantivy.FieldType.Integer:
            # Bounds past either end of a long: nothing, or no bound at all.
            if (low is not None and low > I64_MAX) or (high is not None and high < I64_MIN):
                return Query.empty_query()
            low = None if low is None or low < I64_MIN else low
            high = None if high is None or high > I64_MAX else high
            if low is None and high is None:
                return Query.const_score_query(self.exists_field(mapping), 1.0)
        query = Query.range_query(
            self.schema,
            mapping.tantivy_name,
            field_type,
            low,
            high,
            include_lower or low is None,
            include_upper or high is None,
        )
        return Query.const_score_query(query, 1.0)

    def _boolean_range(
        self,
        mapping: FieldMapping,
        lower: Any,
        upper: Any,
        include_lower: bool,
        include_upper: bool,
    ) -> tantivy.Query:
        """false < true, as OpenSearch orders booleans: the values in range, as terms."""
        low = None if lower is None else self.value(mapping, lower)
        high = None if upper is None else self.value(mapping, upper)
        wanted = [
            flag
            for flag in (False, True)
            if (low is None or flag > low or (include_lower and flag == low))
            and (high is None or flag < high or (include_upper and flag == high))
        ]
        if not wanted:
            return Query.empty_query()
        query = Query.term_set_query(self.schema, mapping.tantivy_name, wanted)
        return Query.const_score_query(query, 1.0)

    def _string_range(
        self,
        mapping: FieldMapping,
        lower: Any,
        upper: Any,
        include_lower: bool,
        include_upper: bool,
    ) -> tantivy.Query:
        """A lexicographic range over a keyword's (or text's) terms, constant score."""
        low = None if lower is None else _as_text(lower)
        high = None if upper is None else _as_text(upper)
        query = term_ranges.range_query(
            self.schema, mapping.tantivy_name, low, high, include_lower, include_upper
        )
        if query is None:
            raise unsupported("[range] bounds longer than 512 characters on string fields")
        self._matcher(mapping.path, _between(low, high, include_lower, include_upper))
        return Query.const_score_query(query, 1.0)

    def exists(self, body: Any) -> tantivy.Query:
        if not isinstance(body, Mapping) or not isinstance(body.get("field"), str):
            raise parsing("[exists] must be provided with a [field]")
        _check_options("exists", body, {"field", "boost", "_name"})
        name = body["field"]
        mappings = self.resolve(name)
        if not mappings and "*" not in name:
            mappings = [m for path, m in self.mapping.fields.items() if path.startswith(name + ".")]
        if not mappings:
            return Query.empty_query()
        clauses = [self.exists_field(mapping) for mapping in mappings]
        query = (
            clauses[0]
            if len(clauses) == 1
            else Query.boolean_query([(Occur.Should, clause) for clause in clauses])
        )
        return _boosted(Query.const_score_query(query, 1.0), body)

    def exists_field(self, mapping: FieldMapping) -> tantivy.Query:
        if mapping.kind is FieldKind.TEXT:
            return Query.regex_query(self.schema, mapping.tantivy_name, ".*")
        return Query.exists_query(mapping.tantivy_name)

    def prefix(self, body: Any) -> tantivy.Query:
        path, options = _field_options(body, "prefix", "value")
        _check_options(
            "prefix", options, {"value", "boost", "rewrite", "case_insensitive", "_name"}
        )
        mapping = self._string_field(path, "prefix")
        if mapping is None:
            return Query.empty_query()
        value = _as_text(options.get("value", ""))
        return _boosted(
            self._prefix(mapping, value, bool(options.get("case_insensitive"))), options
        )

    def _prefix(self, mapping: FieldMapping, value: str, insensitive: bool = False) -> Query:
        flags = "(?i)" if insensitive else ""
        self._matcher(mapping.path, regex_matcher(flags + re.escape(value) + ".*"))
        pattern = flags + rust_escape(value) + ".*"
        return Query.const_score_query(self._regex(mapping, pattern), 1.0)

    def wildcard(self, body: Any) -> tantivy.Query:
        path, options = _field_options(body, "wildcard", "value")
        _check_options(
            "wildcard",
            options,
            {"value", "wildcard", "boost", "rewrite", "case_insensitive", "_name"},
        )
        mapping = self._string_field(path, "wildcard")
        if mapping is None:
            return Query.empty_query()
        value = _as_text(options.get("value", options.get("wildcard", "")))
        flags = "(?i)" if options.get("case_insensitive") else ""
        pattern = flags + wildcard_regex(value)
        self._matcher(mapping.path, regex_matcher(pattern))
        return _boosted(Query.const_score_query(self._regex(mapping, pattern), 1.0), options)

    def regexp(self, body: Any) -> tantivy.Query:
        path, options = _field_options(body, "regexp", "value")
        _check_options(
            "regexp",
            options,
            {
                "value",
                "flags",
                "boost",
                "rewrite",
                "case_insensitive",
                "max_determinized_states",
                "_name",
            },
        )
        flags = str(options.get("flags", "ALL")).upper()
        mapping = self._string_field(path, "regexp")
        if mapping is None:
            return Query.empty_query()
        pattern = lucene_regex(_as_text(options.get("value", "")), flags)
        if options.get("case_insensitive"):
            pattern = "(?i)" + pattern
        self._matcher(mapping.path, regex_matcher(pattern))
        return _boosted(Query.const_score_query(self._regex(mapping, pattern), 1.0), options)

    def _regex(self, mapping: FieldMapping, pattern: str) -> tantivy.Query:
        try:
            return Query.regex_query(self.schema, mapping.tantivy_name, pattern)
        except ValueError as error:
            raise SearchError(
                400, "query_shard_exception", f"failed to create query: {error}"
            ) from None

    def _string_field(self, path: str, query: str) -> FieldMapping | None:
        if path == ID_FIELD:
            return FieldMapping(ID_FIELD, "keyword", FieldKind.KEYWORD)
        mappings = self.resolve(path)
        if not mappings:
            return None
        if mappings[0].kind not in (FieldKind.TEXT, FieldKind.KEYWORD):
            raise SearchError(
                400,
                "query_shard_exception",
                f"Can only use {query} queries on keyword and text fields - not on "
                f"[{path}] which is of type [{mappings[0].declared}]",
            )
        return mappings[0]

    def fuzzy(self, body: Any) -> tantivy.Query:
        path, options = _field_options(body, "fuzzy", "value")
        _check_options(
            "fuzzy",
            options,
            {
                "value",
                "fuzziness",
                "transpositions",
                "boost",
                "prefix_length",
                "max_expansions",
                "rewrite",
                "_name",
            },
        )
        mappings = self.resolve(path)
        if not mappings:
            return Query.empty_query()
        mapping = mappings[0]
        value = options.get("value")
        if value is None:
            raise parsing("[fuzzy] query does not support [value] missing")
        if mapping.kind not in (FieldKind.TEXT, FieldKind.KEYWORD):
            return _boosted(self.term(mapping, value), options)
        text = _as_text(value)
        distance = _fuzziness(options.get("fuzziness", "AUTO"), -1)
        assert distance is not None
        if distance < 0:
            distance = _auto_distance(text)
        transpositions = bool(options.get("transpositions", True))
        query = self._fuzzy(mapping, text, distance, transpositions)
        if distance == 0:
            query = self.term(mapping, text)
        return _boosted(query, options)

    # -- compound ---------------------------------------------------------------------------

    def bool_query(self, body: Any) -> tantivy.Query:
        if not isinstance(body, Mapping):
            raise parsing("[bool] query malformed")
        _check_options(
            "bool",
            body,
            {
                "must",
                "should",
                "must_not",
                "filter",
                "minimum_should_match",
                "boost",
                "adjust_pure_negative",
                "_name",
            },
        )
        must = [self.compile(node) for node in _clauses(body.get("must"))]
        filters = [self.compile_filter(node) for node in _clauses(body.get("filter"))]
        should = [self.compile(node) for node in _clauses(body.get("should"))]
        self._negated += 1
        try:
            must_not = [self.compile(node) for node in _clauses(body.get("must_not"))]
        finally:
            self._negated -= 1
        default = 1 if should and not must and not filters else 0
        minimum = minimum_should_match(body.get("minimum_should_match"), len(should), default)
        if not must and not filters and not should:
            if not must_not:
                return _boosted(Query.all_query(), body)
            filters = [Query.const_score_query(Query.all_query(), 0.0)]
        if minimum > len(should):
            return Query.empty_query()
        clauses = [
            *((Occur.Must, q) for q in must),
            *((Occur.Must, q) for q in filters),
            *((Occur.Should, q) for q in should),
            *((Occur.MustNot, q) for q in must_not),
        ]
        if should and minimum == 0 and (must or filters):
            query = Query.boolean_query(clauses)
        else:
            query = Query.boolean_query(clauses, minimum if should else None)
        return _boosted(query, body)

    def constant_score(self, body: Any) -> tantivy.Query:
        if not isinstance(body, Mapping) or "filter" not in body:
            raise parsing("[constant_score] requires a 'filter' element")
        _check_options("constant_score", body, {"filter", "boost", "_name"})
        boost = _float_option(body.get("boost", 1.0), "boost")
        return Query.const_score_query(self.compile(body["filter"]), boost)

    def dis_max(self, body: Any) -> tantivy.Query:
        if not isinstance(body, Mapping) or not isinstance(body.get("queries"), list):
            raise parsing("[dis_max] requires 'queries' field with at least one clause")
        _check_options("dis_max", body, {"queries", "tie_breaker", "boost", "_name"})
        queries = [self.compile(node) for node in body["queries"]]
        if not queries:
            raise parsing("[dis_max] requires 'queries' field with at least one clause")
        tie = _float_option(body.get("tie_breaker", 0.0), "tie_breaker")
        return _boosted(Query.disjunction_max_query(queries, tie), body)

    def query_string(self, body: Any) -> tantivy.Query:
        return self.compile({"bool": {"must": [query_string(body, self.expand, self.normalize)]}})

    def simple_query_string(self, body: Any) -> tantivy.Query:
        node = simple_query_string(body, self.expand, self.normalize)
        return self.compile({"bool": {"must": [node]}})

    def normalize(self, path: str, text: str) -> str:
        """A query string's wildcard, prefix or fuzzy word as `path` indexes terms:
        lowercase for text (OpenSearch normalizes them so), unchanged for keyword."""
        mappings = self.resolve(path)
        if mappings and mappings[0].kind is FieldKind.KEYWORD:
            return text
        return text.lower()

    def expand(self, pattern: str) -> list[str]:
        """The searchable fields a query string's field pattern names."""
        if "*" not in pattern:
            return [pattern]
        return [
            m.path for m in self.resolve(pattern) if m.kind in (FieldKind.TEXT, FieldKind.KEYWORD)
        ]

    def match_all(self, body: Any) -> tantivy.Query:
        options = body if isinstance(body, Mapping) else {}
        _check_options("match_all", options, {"boost", "_name"})
        return _boosted(Query.all_query(), options)

    def match_none(self, body: Any) -> tantivy.Query:
        return Query.empty_query()


_HANDLERS: Final[Mapping[str, Callable[[Compiler, Any], tantivy.Query]]] = {
    "match": Compiler.match,
    "match_phrase": Compiler.match_phrase,
    "match_phrase_prefix": Compiler.match_phrase_prefix,
    "match_bool_prefix": Compiler.match_bool_prefix,
    "query_string": Compiler.query_string,
    "simple_query_string": Compiler.simple_query_string,
    "multi_match": Compiler.multi_match,
    "term": Compiler.term_query,
    "terms": Compiler.terms_query,
    "ids": Compiler.ids,
    "range": Compiler.range_query,
    "exists": Compiler.exists,
    "prefix": Compiler.prefix,
    "wildcard": Compiler.wildcard,
    "regexp": Compiler.regexp,
    "fuzzy": Compiler.fuzzy,
    "bool": Compiler.bool_query,
    "constant_score": Compiler.constant_score,
    "dis_max": Compiler.dis_max,
    "match_all": Compiler.match_all,
    "match_none": Compiler.match_none,
}

_MATCH_OPTIONS: Final = frozenset(
    {"query", "operator", "fuzziness", "minimum_should_match", "boost", "analyzer",
     "zero_terms_query", "prefix_length", "max_expansions", "lenient", "fuzzy_transpositions",
     "auto_generate_synonyms_phrase_query", "fuzzy_rewrite", "_name"}
)  # fmt: skip
_MULTI_MATCH_OPTIONS: Final = _MATCH_OPTIONS | {"fields", "type", "tie_breaker", "slop"}


# -- values --------------------------------------------------------------------------------


def term_value(mapping: FieldMapping, value: Any, now_millis: int) -> Any:
    """`value` as the tantivy term of `mapping`'s field, or OpenSearch's 400 when it cannot be."""
    if isinstance(value, Mapping | list):
        raise parsing(f"[{mapping.path}] query does not support an object or array value")
    match mapping.kind:
        case FieldKind.TEXT | FieldKind.KEYWORD:
            return _as_text(value)
        case FieldKind.LONG:
            number = _number(mapping, value)
            if not math.isfinite(number) or not I64_MIN <= number <= I64_MAX:
                raise SearchError(
                    400,
                    "query_shard_exception",
                    f"failed to create query: Value [{value}] is out of range for a long",
                )
            if number != int(number):
                raise NoMatch
            return int(number)
        case FieldKind.DOUBLE:
            return float(_number(mapping, value))
        case FieldKind.BOOLEAN:
            if isinstance(value, bool):
                return value
            if value in ("true", "false"):
                return value == "true"
            raise bad_request(
                f"Failed to parse value [{value}] as only [true] or [false] are allowed."
            )
        case FieldKind.DATE:
            return resolve_date(value, now_millis, round_up=False)
    raise unsupported(f"queries on the [{mapping.declared}] field [{mapping.path}]")


def _number(mapping: FieldMapping, value: Any) -> float:
    if isinstance(value, bool):
        raise _number_error(value)
    if isinstance(value, int | float):
        return value
    try:
        return float(str(value).strip())
    except ValueError:
        raise _number_error(value) from None


def _long_bound(number: float, lower: bool, inclusive: bool) -> int:
    """An inclusive integer bound equivalent to a (possibly fractional, exclusive) one;
    infinities become bounds past either end of a long."""
    if math.isnan(number):
        raise _number_error(number)
    if math.isinf(number):
        return I64_MAX + 1 if number > 0 else I64_MIN - 1
    if lower:
        ceiling = math.ceil(number)
        return ceiling + 1 if ceiling == number and not inclusive else ceiling
    floor = math.floor(number)
    return floor - 1 if floor == number and not inclusive else floor


def _number_error(value: Any) -> SearchError:
    return SearchError(
        400, "query_shard_exception", f'failed to create query: For input string: "{value}"'
    )


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise parsing(f"[{name}] must be an integer")
    try:
        return int(value)
    except ValueError:
        raise parsing(f"[{name}] must be an integer") from None


def _field_options(body: Any, query: str, short: str | None) -> tuple[str, Mapping[str, Any]]:
    """`{"field": value}` or `{"field": {options}}` as (field, options)."""
    if not isinstance(body, Mapping):
        raise parsing(f"[{query}] query malformed, no start_object after query name")
    names = [key for key in body if key not in ("boost", "_name")]
    if len(names) != 1:
        raise parsing(
            f"[{query}] query doesn't support multiple fields, found [{names[0]}] and [{names[1]}]"
            if len(names) > 1
            else f"[{query}] query malformed, no field"
        )
    path = names[0]
    value = body[path]
    if isinstance(value, Mapping):
        return path, value
    if short is None:
        raise parsing(f"[{query}] query malformed, no start_object after field name")
    return path, {short: value}


def _check_options(
    query: str, options: Mapping[str, Any], allowed: set[str] | frozenset[str]
) -> None:
    for key in options:
        if key not in allowed:
            raise parsing(f"[{query}] query does not support [{key}]")
    analyzer = options.get("analyzer")
    if analyzer is not None and analyzer not in ("standard", "default"):
        raise unsupported(f"the analyzer [{analyzer}] (the engine has the standard one)")
    if options.get("prefix_length"):
        raise unsupported(f"[prefix_length] on the [{query}] query")


def _boosted(query: tantivy.Query, options: Mapping[str, Any]) -> tantivy.Query:
    value = _float_option(options.get("boost", 1.0), "boost")
    return query if value == 1.0 else Query.boost_query(query, value)


def _float_option(value: Any, name: str) -> float:
    """A finite number given as a number or numeric text (`boost`, `tie_breaker`)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise parsing(f"[{name}] must be a number")
    try:
        number = float(value)
    except ValueError:
        raise parsing(f"[{name}] must be a number") from None
    if not math.isfinite(number):
        raise parsing(f"[{name}] must be a finite number")
    return number


def _zero_terms(options: Mapping[str, Any]) -> tantivy.Query:
    mode = str(options.get("zero_terms_query", "none")).lower()
    return Query.all_query() if mode == "all" else Query.empty_query()


def _clauses(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _bound(
    options: Mapping[str, Any], strict: str, inclusive: str, legacy: str, legacy_flag: str
) -> tuple[Any, bool]:
    if options.get(inclusive) is not None:
        return options[inclusive], True
    if options.get(strict) is not None:
        return options[strict], False
    if options.get(legacy) is not None:
        return options[legacy], bool(options.get(legacy_flag, True))
    return None, True


def minimum_should_match(spec: Any, optional: int, default: int) -> int:
    """OpenSearch's `minimum_should_match`: `2`, `-1`, `"75%"`, `"-25%"` of `optional` clauses."""
    if spec is None:
        return default
    text = str(spec).strip()
    if "<" in text or " " in text:
        raise unsupported(f"the combination [minimum_should_match] [{text}]")
    try:
        if text.endswith("%"):
            percent = int(text[:-1])
            count = optional * abs(percent) // 100
            result = optional - count if percent < 0 else count
        else:
            number = int(text)
            result = optional + number if number < 0 else number
    except ValueError:
        raise parsing(f"failed to parse [minimum_should_match] [{text}]") from None
    return max(0, min(result, optional)) if result <= optional else result


def _fuzziness(spec: Any, default: int | None) -> int | None:
    """A distance; -1 for AUTO (decided by term length); None for no fuzziness."""
    if spec is None:
        return default
    text = str(spec).strip().upper()
    if text.startswith("AUTO"):
        if text not in ("AUTO", "AUTO:3,6"):
            raise unsupported(f"the [fuzziness] [{spec}]")
        return -1
    try:
        distance = int(float(text))
    except ValueError:
        raise parsing(f"failed to parse [fuzziness] [{spec}]") from None
    if not 0 <= distance <= _MAX_FUZZY_DISTANCE:
        raise bad_request(f"Valid edit distances are [0, 1, 2] but was [{distance}]")
    return distance


def _auto_distance(term: str) -> int:
    """AUTO: exact under 3 characters, one edit up to 5, two beyond."""
    return 0 if len(term) < 3 else 1 if len(term) < 6 else 2


def _between(
    low: str | None, high: str | None, include_low: bool, include_high: bool
) -> Callable[[str], bool]:
    def matches(term: str) -> bool:
        above = low is None or term > low or (include_low and term == low)
        below = high is None or term < high or (include_high and term == high)
        return above and below

    return matches
