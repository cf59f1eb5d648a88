"""`query_string`, `simple_query_string` and the `q` URL parameter: Lucene's query syntax
read into the query DSL, which `query.Compiler` then compiles like any other query.

The syntax read: words (analyzed, each a `match` across the fields), `"phrases"` with an
optional `~slop`, `field:value` and `field:(...)`, `word*` prefixes, `word~` / `word~N`
fuzzy terms, `^boost`, `+`/`-` and `AND`/`OR`/`NOT` (`&&`, `||`, `!`), parentheses, and
ranges `[a TO b]`, `{a TO b}`, `>a`, `<=b`. Clauses combine as Lucene's classic query parser
combines them (`default_operator` decides between two words with no operator). Regular
expressions (`/.../`), `?` wildcards and wildcards inside words are refused as unsupported
rather than read differently. `simple_query_string` never fails on syntax: what it cannot
read it takes as words, as OpenSearch does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from app.searchengine.errors import SearchError, parsing, unsupported

_TOKEN: Final = re.compile(
    r"""\s*(?:
        (?P<lparen>\() | (?P<rparen>\)) |
        (?P<and>AND\b|&&) | (?P<or>OR\b|\|\|) | (?P<not>NOT\b|!) |
        (?P<plus>\+) | (?P<minus>-) |
        (?P<range>[\[{][^\]}]*[\]}]) |
        (?P<phrase>"(?:[^"\\]|\\.)*") (?:~(?P<slop>\d+))? |
        (?P<regex>/(?:[^/\\]|\\.)*/) |
        (?P<word>(?:[^\s()"\\:^~]|\\.)+) |
        (?P<colon>:) | (?P<boost>\^(?:\d+(?:\.\d+)?)) | (?P<tilde>~\d*)
    )""",
    re.VERBOSE,
)
_COMPARISON: Final = re.compile(r"^(>=|<=|>|<)(.+)$")


@dataclass
class _Token:
    kind: str
    text: str
    slop: str | None = None


def _tokens(text: str) -> list[_Token]:
    tokens = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise _syntax(text, position)
        position = match.end()
        kind = match.lastgroup or ""
        if kind == "slop":
            kind = "phrase"
        tokens.append(_Token(kind, match.group(kind), match.group("slop")))
    return tokens


def _syntax(text: str, position: int) -> SearchError:
    return SearchError(
        400,
        "query_shard_exception",
        f"Failed to parse query [{text}]: Cannot parse at character {position + 1}",
    )


@dataclass(frozen=True)
class Settings:
    """How the words of a query string become queries. `expand` gives the fields a
    wildcard pattern (`*`, `title*`) stands for; `normalize` readies a wildcard, prefix or
    fuzzy word for one field."""

    fields: tuple[str, ...]
    default_and: bool
    expand: Callable[[str], list[str]] = field(default=lambda pattern: [pattern])
    normalize: Callable[[str, str], str] = field(default=lambda name, text: text.lower())
    """A term-level word as the field indexes it (lowercase for text, as is for keyword)."""


class _Parser:
    """Lucene's classic grammar: Query := Clause (Conjunction? Modifier? Clause)*."""

    def __init__(self, text: str, settings: Settings) -> None:
        self.text = text
        self.settings = settings
        self.tokens = _tokens(text)
        self.position = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def query(self, fields: tuple[str, ...], closing: bool = False) -> dict[str, Any]:
        clauses: list[tuple[str, dict[str, Any]]] = []
        while (token := self.peek()) is not None:
            if token.kind == "rparen":
                if not closing:
                    raise _syntax(self.text, self.position)
                break
            conjunction = None
            if token.kind in ("and", "or") and clauses:
                conjunction = self.take().kind
                token = self.peek()
                if token is None:
                    raise _syntax(self.text, self.position)
            modifier = None
            if token.kind in ("plus", "minus", "not"):
                modifier = "must" if self.take().kind == "plus" else "must_not"
            clause = self.clause(fields)
            self.add(clauses, conjunction, modifier, clause)
        return _combine(clauses)

    def add(
        self,
        clauses: list[tuple[str, dict[str, Any]]],
        conjunction: str | None,
        modifier: str | None,
        clause: dict[str, Any],
    ) -> None:
        if clauses and conjunction == "and" and clauses[-1][0] != "must_not":
            clauses[-1] = ("must", clauses[-1][1])
        if (
            clauses
            and self.settings.default_and
            and conjunction == "or"
            and clauses[-1][0] != "must_not"
        ):
            clauses[-1] = ("should", clauses[-1][1])
        prohibited = modifier == "must_not"
        if self.settings.default_and:
            required = not prohibited and conjunction != "or"
        else:
            required = modifier == "must" or (conjunction == "and" and not prohibited)
        occur = "must_not" if prohibited else "must" if required else "should"
        clauses.append((occur, clause))

    def clause(self, fields: tuple[str, ...]) -> dict[str, Any]:
        token = self.take()
        if token.kind == "word" and self.peek() is not None and self.peek().kind == "colon":  # type: ignore[union-attr]
            self.take()
            fields = (_unescape(token.text),)
            if self.peek() is None:
                raise _syntax(self.text, self.position)
            token = self.take()
            if fields == ("_exists_",) and token.kind == "word":
                return self.boosted(self.per_field((_unescape(token.text),), _exists))
        if token.kind == "lparen":
            inner = self.query(fields, closing=True)
            if self.peek() is None:
                raise _syntax(self.text, self.position)
            self.take()
            return self.boosted(inner)
        if token.kind == "phrase":
            words = _unescape(token.text[1:-1])
            slop = int(token.slop) if token.slop else 0
            node = {"multi_match": {"query": words, "fields": list(fields), "type": "phrase",
                                    "slop": slop, "lenient": True}}  # fmt: skip
            return self.boosted(node)
        if token.kind == "range":
            return self.boosted(self.range(fields, token.text))
        if token.kind == "regex":
            raise unsupported("regular expressions in a query string")
        if token.kind != "word":
            raise _syntax(self.text, self.position - 1)
        return self.boosted(self.word(fields, token.text))

    def word(self, fields: tuple[str, ...], text: str) -> dict[str, Any]:
        comparison = _COMPARISON.match(text)
        if comparison is not None:
            bound = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}[comparison.group(1)]
            value = _unescape(comparison.group(2))
            return self.per_field(fields, lambda f: {"range": {f: {bound: value}}})
        normalize = self.settings.normalize
        if self.peek() is not None and self.peek().kind == "tilde":  # type: ignore[union-attr]
            distance = self.take().text[1:] or "AUTO"
            value = _unescape(text)
            return self.per_field(
                fields,
                lambda f: {"fuzzy": {f: {"value": normalize(f, value), "fuzziness": distance}}},
            )
        bare = text.replace("\\\\", "").replace("\\*", "").replace("\\?", "")
        if bare == "*":
            return self.per_field(fields, lambda f: {"exists": {"field": f}})
        if "?" in bare or "*" in bare.rstrip("*"):
            # Lucene's wildcard syntax is the wildcard query's: escapes stay as they are.
            return self.per_field(fields, lambda f: {"wildcard": {f: normalize(f, text)}})
        if bare.endswith("*"):
            value = _unescape(text[:-1])
            return self.per_field(fields, lambda f: {"prefix": {f: normalize(f, value)}})
        return {"multi_match": {"query": _unescape(text), "fields": list(fields), "lenient": True}}

    def per_field(
        self, fields: Sequence[str], make: Callable[[str], dict[str, Any]]
    ) -> dict[str, Any]:
        """One query per field (wildcards expanded), the best of them scoring."""
        names = [name for pattern in fields for name in self.settings.expand(pattern)]
        if not names:
            return {"match_none": {}}
        clauses = [make(name) for name in names]
        return clauses[0] if len(clauses) == 1 else {"dis_max": {"queries": clauses}}

    def range(self, fields: Sequence[str], text: str) -> dict[str, Any]:
        inner = text[1:-1]
        parts = re.split(r"\s+TO\s+", inner.strip())
        if len(parts) != 2:
            raise parsing(f"Failed to parse query range [{text}]")
        low, high = (_unescape(part.strip().strip('"')) for part in parts)
        bounds: dict[str, Any] = {}
        if low != "*":
            bounds["gte" if text[0] == "[" else "gt"] = low
        if high != "*":
            bounds["lte" if text[-1] == "]" else "lt"] = high
        if not bounds:
            return self.per_field(fields, lambda f: {"exists": {"field": f}})
        return self.per_field(fields, lambda f: {"range": {f: dict(bounds)}})

    def boosted(self, node: dict[str, Any]) -> dict[str, Any]:
        token = self.peek()
        if token is None or token.kind != "boost":
            return node
        boost = float(self.take().text[1:])
        return {"bool": {"must": [node], "boost": boost}}


def _exists(field: str) -> dict[str, Any]:
    return {"exists": {"field": field}}


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _combine(clauses: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    if len(clauses) == 1 and clauses[0][0] != "must_not":
        return clauses[0][1]
    body: dict[str, list[dict[str, Any]]] = {}
    for occur, clause in clauses:
        body.setdefault(occur, []).append(clause)
    return {"bool": body}


def _fields(value: Any, default: str) -> tuple[str, ...]:
    if value is None:
        return (default,)
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise parsing("[query_string] [fields] must be an array of field names")


def _default_and(value: Any) -> bool:
    text = str(value or "OR").upper()
    if text not in ("AND", "OR"):
        raise parsing(f"Unknown default_operator [{value}]")
    return text == "AND"


_QUERY_STRING_OPTIONS: Final = frozenset(
    {"query", "fields", "default_field", "default_operator", "boost", "lenient", "_name",
     "analyze_wildcard", "allow_leading_wildcard", "auto_generate_synonyms_phrase_query"}
)  # fmt: skip
_SIMPLE_OPTIONS: Final = frozenset(
    {"query", "fields", "default_operator", "boost", "lenient", "_name", "analyze_wildcard",
     "flags", "auto_generate_synonyms_phrase_query"}
)  # fmt: skip


def query_string(
    body: Any, expand: Callable[[str], list[str]], normalize: Callable[[str, str], str]
) -> dict[str, Any]:
    """The DSL a `query_string` query stands for."""
    if not isinstance(body, Mapping) or not isinstance(body.get("query"), str):
        raise parsing("[query_string] requires a [query] string")
    for key in body:
        if key not in _QUERY_STRING_OPTIONS:
            raise unsupported(f"[{key}] on the [query_string] query")
    fields = _fields(body.get("fields"), str(body.get("default_field", "*")))
    settings = Settings(fields, _default_and(body.get("default_operator")), expand, normalize)
    return _with_boost(parse(body["query"], settings), body)


def simple_query_string(
    body: Any, expand: Callable[[str], list[str]], normalize: Callable[[str, str], str]
) -> dict[str, Any]:
    """The DSL a `simple_query_string` query stands for (`+` AND, `|` OR, `-` NOT,
    `"phrases"`, `prefix*`, `word~N`, `(...)`); text it cannot read is searched as words."""
    if not isinstance(body, Mapping) or not isinstance(body.get("query"), str):
        raise parsing("[simple_query_string] requires a [query] string")
    for key in body:
        if key not in _SIMPLE_OPTIONS:
            raise unsupported(f"[{key}] on the [simple_query_string] query")
    if body.get("flags") not in (None, "ALL"):
        raise unsupported("[flags] on the [simple_query_string] query")
    fields = _fields(body.get("fields"), "*")
    settings = Settings(fields, _default_and(body.get("default_operator")), expand, normalize)
    # Into the classic syntax: its operators become words, `|` and `+` its OR and AND,
    # and what is syntax only there is escaped.
    text = re.sub(r"\b(AND|OR|NOT)\b", lambda m: m.group(0).lower(), body["query"])
    text = re.sub(r"([:^\[\]{}/!<>=&?\\])", r"\\\1", text)
    text = re.sub(r"\*(?=[^\s)|+])", r"\\*", text)  # only a trailing * is syntax here
    text = text.replace("|", " OR ").replace("+", " AND ")
    try:
        node = parse(text, settings)
    except SearchError as error:
        if error.error_type != "query_shard_exception":
            raise
        node = {"multi_match": {"query": body["query"], "fields": list(fields), "lenient": True}}
    return _with_boost(node, body)


def parse(text: str, settings: Settings) -> dict[str, Any]:
    """The DSL for a query string in Lucene's syntax."""
    if not text.strip():
        return {"match_none": {}}
    parser = _Parser(text, settings)
    return parser.query(settings.fields)


def _with_boost(node: dict[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    if "boost" not in body:
        return node
    return {"bool": {"must": [node], "boost": body["boost"]}}
