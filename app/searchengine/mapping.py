"""An index's field mappings, the tantivy schema they give, and documents converted to it.

OpenSearch describes an index as nested `properties`; the engine flattens them to dotted
paths (`address.city`, and a multi-field such as `title.keyword`) and gives each a tantivy
field of the same name. tantivy fixes a schema when an index is created, so a mapping that
grows (a new field, through dynamic mapping or `PUT _mapping`) makes the store build the
index again from the stored `_source` of every document: `IndexMapping` is immutable and
`extended_for` returns a new one only when something is new.

Types the engine implements: `text`, `keyword`, the integer family (`long`, `integer`,
`short`, `byte`), the floating family (`double`, `float`, `half_float`), `date` and
`boolean`, plus `object` for nesting. Another OpenSearch type is refused as unsupported with
a 400 that names it; a name OpenSearch does not know is its `mapper_parsing_exception`.

A `date` is kept as epoch milliseconds in an i64 field (exact sort, `range`, `min`/`max`,
and `date_histogram` through tantivy's `histogram`; any year, as OpenSearch). Every document
also gets the engine's own fields: `_id` (raw, fast), `_source` (the JSON as sent),
`_version` and `_seq_no`. An array of texts keeps OpenSearch's 100-position gap between
its elements, so a phrase never spans two of them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Any, Final

import orjson
import tantivy

from app.searchengine.analysis import KEYWORD_TOKENIZER, TEXT_TOKENIZER, analyze
from app.searchengine.errors import SearchError, bad_request, mapper_parsing, unsupported

ID_FIELD: Final = "_id"
SOURCE_FIELD: Final = "_source"
VERSION_FIELD: Final = "_version"
SEQ_NO_FIELD: Final = "_seq_no"
META_FIELDS: Final = frozenset({ID_FIELD, SOURCE_FIELD, VERSION_FIELD, SEQ_NO_FIELD})
METADATA_FIELDS: Final = frozenset(
    {"_id", "_source", "_version", "_seq_no", "_primary_term", "_index", "_routing",
     "_ignored", "_field_names", "_data_stream_timestamp", "_size"}
)  # fmt: skip
MAX_TERM_BYTES: Final = 32766
"""Lucene's limit for one term, which OpenSearch enforces on `keyword` values."""
INTEGER_RANGES: Final[Mapping[str, tuple[int, int]]] = MappingProxyType(
    {
        "byte": (-(2**7), 2**7 - 1),
        "short": (-(2**15), 2**15 - 1),
        "integer": (-(2**31), 2**31 - 1),
        "long": (-(2**63), 2**63 - 1),
    }
)
POSITION_INCREMENT_GAP: Final = 100
"""Positions between the elements of an array of texts (OpenSearch's default)."""
FLOAT_MAXIMA: Final[Mapping[str, float]] = MappingProxyType(
    {"float": 3.4028234663852886e38, "half_float": 65504.0}
)
"""Past these a `float` or `half_float` value is infinite, which OpenSearch refuses."""
DEFAULT_IGNORE_ABOVE: Final = 256
"""Dynamic mapping gives a string `text` plus a `keyword` multi-field up to 256 characters."""


class FieldKind(StrEnum):
    """How the engine indexes a field, whatever name the mapping gave its type."""

    TEXT = "text"
    KEYWORD = "keyword"
    LONG = "long"
    DOUBLE = "double"
    DATE = "date"
    BOOLEAN = "boolean"


TYPE_KINDS: Final[Mapping[str, FieldKind]] = MappingProxyType(
    {
        "text": FieldKind.TEXT,
        "keyword": FieldKind.KEYWORD,
        "long": FieldKind.LONG,
        "integer": FieldKind.LONG,
        "short": FieldKind.LONG,
        "byte": FieldKind.LONG,
        "double": FieldKind.DOUBLE,
        "float": FieldKind.DOUBLE,
        "half_float": FieldKind.DOUBLE,
        "date": FieldKind.DATE,
        "boolean": FieldKind.BOOLEAN,
    }
)
OPENSEARCH_TYPES: Final = frozenset(
    {*TYPE_KINDS, "object", "nested", "flat_object", "scaled_float", "unsigned_long",
     "date_nanos", "binary", "integer_range", "long_range", "float_range", "double_range",
     "date_range", "ip_range", "ip", "alias", "join", "geo_point", "geo_shape", "xy_point",
     "xy_shape", "completion", "search_as_you_type", "token_count", "percolator",
     "rank_feature", "rank_features", "knn_vector", "match_only_text", "constant_keyword",
     "wildcard", "derived", "star_tree", "semantic", "murmur3", "annotated_text"}
)  # fmt: skip
"""Every field type OpenSearch knows: one the engine lacks is unsupported, any other name
is the mapper_parsing_exception OpenSearch gives."""
_FIELD_PARAMETERS: Final = frozenset(
    {"type", "fields", "ignore_above", "format", "index", "doc_values", "store", "analyzer",
     "search_analyzer", "norms", "coerce", "ignore_malformed"}
)  # fmt: skip
"""Accepted field parameters (`copy_to`, `null_value` and the rest change what is indexed
and are refused as unsupported rather than ignored)."""
_ONLY_DEFAULT: Final = {"index": True, "coerce": True, "ignore_malformed": False}
"""Parameters honoured only at OpenSearch's default: another value would change answers."""
_ACCEPTED_ANALYZERS: Final = frozenset({"standard", "default"})


@dataclass(frozen=True, slots=True)
class FieldMapping:
    """One searchable field: its dotted `path`, the type as declared and how it is indexed.

    A multi-field (`title.keyword`) has `parent` set to the field whose value it indexes.
    """

    path: str
    declared: str
    kind: FieldKind
    ignore_above: int | None = None
    parent: str | None = None
    subfields: tuple[str, ...] = ()

    @property
    def tantivy_name(self) -> str:
        """The tantivy field holding the values (epoch milliseconds for a date)."""
        return self.path

    @property
    def sortable(self) -> bool:
        """Whether sorting and aggregations may use it (OpenSearch: not on `text`)."""
        return self.kind is not FieldKind.TEXT

    def describe(self) -> dict[str, Any]:
        """The field as `GET _mapping` shows it (without its multi-fields)."""
        shown: dict[str, Any] = {"type": self.declared}
        if self.ignore_above is not None:
            shown["ignore_above"] = self.ignore_above
        return shown


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """What the engine keeps beside a document's source."""

    version: int
    seq_no: int


@dataclass(frozen=True)
class IndexMapping:
    """Every field of an index by dotted path (multi-fields included), and `dynamic`.

    `dynamic` is OpenSearch's setting: `"true"` adds unseen fields, `"false"` keeps them in
    `_source` only, `"strict"` refuses the document.
    """

    fields: Mapping[str, FieldMapping] = field(default_factory=lambda: MappingProxyType({}))
    objects: frozenset[str] = frozenset()
    dynamic: str = "true"

    # -- reading a mapping body ---------------------------------------------------------

    @classmethod
    def from_body(cls, body: Any) -> IndexMapping:
        """The mapping a `PUT /<index>` `mappings` (or a `PUT _mapping` body) declares."""
        return cls().merged(body)

    def merged(self, body: Any) -> IndexMapping:
        """This mapping with `body`'s fields added. Changing an existing field's type is an
        `illegal_argument_exception`, as in OpenSearch."""
        if body is None:
            return self
        if not isinstance(body, Mapping):
            raise mapper_parsing("Failed to parse mapping: the mapping must be an object")
        unknown = set(body) - {"properties", "dynamic", "_source", "date_detection"}
        if unknown:
            raise unsupported(f"mapping parameter [{sorted(unknown)[0]}]")
        dynamic = _dynamic_setting(body.get("dynamic", self.dynamic))
        fields = dict(self.fields)
        objects = set(self.objects)
        _read_properties(body.get("properties") or {}, "", fields, objects)
        return IndexMapping(MappingProxyType(fields), frozenset(objects), dynamic)

    # -- dynamic mapping ------------------------------------------------------------------

    def extended_for(self, source: Mapping[str, Any], doc_id: str) -> IndexMapping:
        """This mapping plus the fields `source` brings that it lacks (dynamic mapping);
        `self` when nothing is new. `dynamic: strict` refuses an unmapped field."""
        fields: dict[str, FieldMapping] = {}
        objects: set[str] = set()
        self.check_source(source, doc_id)
        for path, value in _leaves(source, ""):
            if path in self.fields or path in fields or value is None:
                continue
            if self.dynamic != "true":
                if self.dynamic == "strict":
                    raise SearchError(
                        400,
                        "strict_dynamic_mapping_exception",
                        f"mapping set to strict, dynamic introduction of [{path}] within "
                        f"[_doc] is not allowed (document [{doc_id}])",
                    )
                continue
            if path in self.objects or path in objects:
                raise mapper_parsing(
                    f"object mapping for [{path}] tried to parse field [{path}] as object, "
                    "but found a concrete value"
                )
            inferred = _infer(path, value)
            if inferred is None:
                continue
            for mapping in inferred:
                fields[mapping.path] = mapping
            objects.update(_parents(path))
        if not fields:
            return self
        return IndexMapping(
            MappingProxyType({**self.fields, **fields}), self.objects | objects, self.dynamic
        )

    # -- what it gives ------------------------------------------------------------------------

    def check_source(self, source: Mapping[str, Any], doc_id: str) -> None:
        """A metadata field in a document (`_id`, `_source`, ...), or an object where the
        mapping has a concrete field (`{"title": {"a": 1}}` for a `text` title), is a
        `mapper_parsing_exception`, as in OpenSearch."""
        for path in _keys(source, ""):
            if path == "" or path.endswith(".") or ".." in path:
                raise mapper_parsing("field name cannot be an empty string")
        for key in source:
            if key in METADATA_FIELDS:
                raise mapper_parsing(
                    f"Field [{key}] is a metadata field and cannot be added inside a document. "
                    "Use the index API request parameters."
                )
        for path, value in _objects(source, ""):
            mapping = self.fields.get(path)
            if mapping is not None:
                raise mapper_parsing(
                    f"failed to parse field [{path}] of type [{mapping.declared}] in document "
                    f"with id '{doc_id}'. Preview of field's value: '{_preview(value)}'"
                )

    def field(self, path: str) -> FieldMapping | None:
        return self.fields.get(path)

    def to_body(self) -> dict[str, Any]:
        """The mapping as `GET /<index>/_mapping` shows it: nested `properties`."""
        root: dict[str, Any] = {}
        for path in sorted(self.objects):
            _node(root, path)
        for mapping in sorted(self.fields.values(), key=lambda item: item.path):
            if mapping.parent is not None:
                continue
            target = _node(root, mapping.path.rpartition(".")[0]) if "." in mapping.path else root
            shown = mapping.describe()
            if mapping.subfields:
                shown["fields"] = {
                    sub.rpartition(".")[2]: self.fields[sub].describe() for sub in mapping.subfields
                }
            target[mapping.path.rpartition(".")[2]] = shown
        body: dict[str, Any] = {"properties": _sorted_properties(root)} if root else {}
        if self.dynamic != "true":
            body["dynamic"] = self.dynamic
        return body

    @cached_property
    def schema(self) -> tantivy.Schema:
        """The tantivy schema: the engine's own fields, then one (or two) per mapped field,
        by path: the same fields give the same schema whatever order they were mapped in
        (an index reopened from its stored mapping must match the one that wrote it)."""
        builder = tantivy.SchemaBuilder()
        builder.add_text_field(ID_FIELD, stored=True, fast=True, tokenizer_name=KEYWORD_TOKENIZER)
        builder.add_bytes_field(SOURCE_FIELD, stored=True)
        builder.add_integer_field(VERSION_FIELD, stored=True, fast=True)
        builder.add_integer_field(SEQ_NO_FIELD, stored=True, indexed=True, fast=True)
        for mapping in sorted(self.fields.values(), key=lambda item: item.path):
            name = mapping.tantivy_name
            match mapping.kind:
                case FieldKind.TEXT:
                    builder.add_text_field(name, tokenizer_name=TEXT_TOKENIZER)
                case FieldKind.KEYWORD:
                    builder.add_text_field(name, fast=True, tokenizer_name=KEYWORD_TOKENIZER)
                case FieldKind.LONG:
                    builder.add_integer_field(name, indexed=True, fast=True)
                case FieldKind.DOUBLE:
                    builder.add_float_field(name, indexed=True, fast=True)
                case FieldKind.BOOLEAN:
                    builder.add_boolean_field(name, indexed=True, fast=True)
                case FieldKind.DATE:
                    builder.add_integer_field(name, indexed=True, fast=True)
        return builder.build()

    def document(
        self, doc_id: str, source: Mapping[str, Any], meta: DocumentMeta, raw: bytes | None = None
    ) -> tantivy.Document:
        """`source` as a tantivy document of this schema. `raw` is the source's JSON as the
        client sent it (kept byte for byte in `_source`); it is serialized when omitted.
        A value a field cannot take is a `mapper_parsing_exception`."""
        self.check_source(source, doc_id)
        document = tantivy.Document()
        document.add_text(ID_FIELD, doc_id)
        document.add_bytes(SOURCE_FIELD, raw if raw is not None else orjson.dumps(source))
        document.add_integer(VERSION_FIELD, meta.version)
        document.add_integer(SEQ_NO_FIELD, meta.seq_no)
        values: dict[str, list[Any]] = {}
        for path, value in _leaves(source, ""):
            if value is not None and path in self.fields:
                values.setdefault(path, []).append(value)
        for path, found in values.items():
            mapping = self.fields[path]
            for target in (mapping, *(self.fields[sub] for sub in mapping.subfields)):
                if target.kind is FieldKind.TEXT and len(found) > 1:
                    _add_text_values(document, target, found, doc_id)
                    continue
                for value in found:
                    _add_value(document, target, value, doc_id)
        return document


# -- values -----------------------------------------------------------------------------------

_DATE = re.compile(
    r"^(?P<y>[+-]?\d{4,})(?:-(?P<mo>\d{2})(?:-(?P<d>\d{2})"
    r"(?:[T ](?P<h>\d{2})(?::(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?)?"
    r"(?P<z>Z|[+-]\d{2}(?::?\d{2})?)?)?)?)?$"
)
_DATE_DETECTION = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def parse_date(value: Any) -> int | None:
    """Epoch milliseconds of an OpenSearch date: `strict_date_optional_time` text
    (`2026-12-07`, `2026-12-07T10:00:00.123Z`, with an offset or none for UTC) or
    `epoch_millis` (a number, or digits as text). None when it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if re.fullmatch(r"-?\d+", text) and len(text.lstrip("-")) > 4:
        return int(text)
    match = _DATE.match(text)
    if match is None:
        return None
    parts = match.groupdict()
    try:
        moment = datetime(
            int(parts["y"]),
            int(parts["mo"] or 1),
            int(parts["d"] or 1),
            int(parts["h"] or 0),
            int(parts["mi"] or 0),
            int(parts["s"] or 0),
            int((parts["f"] or "0").ljust(6, "0")[:6]),
            tzinfo=UTC,
        )
    except ValueError:
        return None
    zone = parts["z"]
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        moment -= sign * offset
    return (moment - EPOCH) // timedelta(milliseconds=1)


def format_date(millis: int) -> str:
    """Epoch milliseconds as OpenSearch prints a date (`2026-12-07T10:00:00.000Z`)."""
    moment = EPOCH + timedelta(milliseconds=millis)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _add_value(document: tantivy.Document, mapping: FieldMapping, value: Any, doc_id: str) -> None:
    name = mapping.tantivy_name
    if isinstance(value, Mapping):
        raise mapper_parsing(
            f"failed to parse field [{mapping.path}] of type [{mapping.declared}] in document "
            f"with id '{doc_id}'. Preview of field's value: '{_preview(value)}'"
        )
    match mapping.kind:
        case FieldKind.TEXT:
            document.add_text(name, _as_text(value))
        case FieldKind.KEYWORD:
            text = _as_text(value)
            if mapping.ignore_above is None or len(text) <= mapping.ignore_above:
                size = len(text.encode("utf-8"))
                if size > MAX_TERM_BYTES:
                    raise SearchError(
                        400,
                        "illegal_argument_exception",
                        f'Document contains at least one immense term in field="{mapping.path}" '
                        f"(whose UTF8 encoding is longer than the max length {MAX_TERM_BYTES}), "
                        "all of which were skipped; set ignore_above to skip such values",
                    )
                document.add_text(name, text)
        case FieldKind.LONG:
            integer = int(_as_number(mapping, value, doc_id, integral=True))
            low, high = INTEGER_RANGES.get(mapping.declared, INTEGER_RANGES["long"])
            if not low <= integer <= high:
                article = "an" if mapping.declared == "integer" else "a"
                raise mapper_parsing(
                    f"failed to parse field [{mapping.path}] of type [{mapping.declared}] in "
                    f"document with id '{doc_id}': Value [{value}] is out of range for "
                    f"{article} {mapping.declared}"
                )
            document.add_integer(name, integer)
        case FieldKind.DOUBLE:
            number = float(_as_number(mapping, value, doc_id, integral=False))
            largest = FLOAT_MAXIMA.get(mapping.declared, math.inf)
            if not math.isfinite(number) or abs(number) > largest:
                raise mapper_parsing(
                    f"failed to parse field [{mapping.path}] of type [{mapping.declared}] in "
                    f"document with id '{doc_id}': [{mapping.declared}] supports only finite "
                    f"values, but got [{value}]"
                )
            document.add_float(name, number)
        case FieldKind.BOOLEAN:
            document.add_boolean(name, _as_boolean(mapping, value, doc_id))
        case FieldKind.DATE:
            millis = parse_date(value)
            low, high = INTEGER_RANGES["long"]
            if millis is None or not low <= millis <= high:
                raise _cannot_parse(mapping, value, doc_id)
            document.add_integer(name, millis)


def _add_text_values(
    document: tantivy.Document, mapping: FieldMapping, values: list[Any], doc_id: str
) -> None:
    """An array of texts as one pre-tokenized value: OpenSearch leaves a gap of
    `position_increment_gap` (100) positions between array elements, so a phrase never
    spans two of them; tantivy's own gap is one position."""
    texts = []
    for value in values:
        if isinstance(value, Mapping):
            raise _cannot_parse(mapping, value, doc_id)
        texts.append(_as_text(value))
    tokens = []
    position = 0
    offset = 0
    for number, text in enumerate(texts):
        if number:
            position += POSITION_INCREMENT_GAP
        for term in analyze(text):
            tokens.append(tantivy.Token(term, position, offset, offset + len(term)))
            position += 1
        offset += len(text) + 1
    document.add_pre_tokenized_text(
        mapping.tantivy_name, tantivy.PreTokenizedString(" ".join(texts), tokens)
    )


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _as_number(mapping: FieldMapping, value: Any, doc_id: str, *, integral: bool) -> int | float:
    number: int | float
    if isinstance(value, bool):
        raise _cannot_parse(mapping, value, doc_id)
    if isinstance(value, int | float):
        number = value
    elif isinstance(value, str):
        try:
            number = int(value) if re.fullmatch(r"\s*-?\d+\s*", value) else float(value)
        except ValueError:
            raise _cannot_parse(mapping, value, doc_id) from None
    else:
        raise _cannot_parse(mapping, value, doc_id)
    if integral and not math.isfinite(number):
        raise _cannot_parse(mapping, value, doc_id)
    return int(number) if integral else number


def _as_boolean(mapping: FieldMapping, value: Any, doc_id: str) -> bool:
    if isinstance(value, bool):
        return value
    if value == "":  # OpenSearch: an empty string is false
        return False
    if value in ("true", "false"):
        return bool(value == "true")
    raise _cannot_parse(mapping, value, doc_id)


def _cannot_parse(mapping: FieldMapping, value: Any, doc_id: str) -> SearchError:
    return mapper_parsing(
        f"failed to parse field [{mapping.path}] of type [{mapping.declared}] in document "
        f"with id '{doc_id}'. Preview of field's value: '{_preview(value)}'"
    )


def _preview(value: Any) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text[:40]


# -- reading and inferring mappings -------------------------------------------------------


def _dynamic_setting(value: Any) -> str:
    text = str(value).lower() if isinstance(value, bool | str) else None
    if text not in ("true", "false", "strict"):
        raise mapper_parsing(f"Could not convert [dynamic] to boolean or 'strict': [{value}]")
    return text


def _read_properties(
    properties: Any, prefix: str, fields: dict[str, FieldMapping], objects: set[str]
) -> None:
    if not isinstance(properties, Mapping):
        raise mapper_parsing("Failed to parse mapping: [properties] must be an object")
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        if not isinstance(spec, Mapping):
            raise mapper_parsing(f"Expected map for property [fields] on field [{path}]")
        declared = spec.get("type", "object" if "properties" in spec else None)
        if declared in ("object", "nested"):
            if declared == "nested":
                raise unsupported("the [nested] field type")
            objects.add(path)
            _read_properties(spec.get("properties") or {}, path + ".", fields, objects)
            continue
        mapping = _read_field(path, spec, None)
        existing = fields.get(path)
        if existing is not None and existing.declared != mapping.declared:
            raise bad_request(
                f"mapper [{path}] cannot be changed from type [{existing.declared}] "
                f"to [{mapping.declared}]"
            )
        subfields = []
        multi_fields = spec.get("fields") or {}
        if not isinstance(multi_fields, Mapping):
            raise mapper_parsing(f"Expected map for property [fields] on field [{path}]")
        for sub_name, sub_spec in multi_fields.items():
            if not isinstance(sub_spec, Mapping):
                raise mapper_parsing(f"Expected map for property [fields] on field [{path}]")
            sub = _read_field(f"{path}.{sub_name}", sub_spec, path)
            fields[sub.path] = sub
            subfields.append(sub.path)
        merged = tuple(dict.fromkeys((*(existing.subfields if existing else ()), *subfields)))
        fields[path] = FieldMapping(
            path, mapping.declared, mapping.kind, mapping.ignore_above, None, merged
        )


def _read_field(path: str, spec: Mapping[str, Any], parent: str | None) -> FieldMapping:
    declared = spec.get("type")
    if not isinstance(declared, str):
        raise mapper_parsing(f"No type specified for field [{path}]")
    kind = TYPE_KINDS.get(declared)
    if kind is None:
        if declared not in OPENSEARCH_TYPES:
            raise mapper_parsing(f"No handler for type [{declared}] declared on field [{path}]")
        raise unsupported(f"the [{declared}] field type (field [{path}])")
    for parameter in spec:
        if parameter not in _FIELD_PARAMETERS:
            raise unsupported(f"the mapping parameter [{parameter}] (field [{path}])")
        if parameter in _ONLY_DEFAULT and spec[parameter] not in (
            _ONLY_DEFAULT[parameter],
            str(_ONLY_DEFAULT[parameter]).lower(),
        ):
            raise unsupported(
                f"the mapping parameter [{parameter}: {spec[parameter]}] (field [{path}])"
            )
    for parameter in ("analyzer", "search_analyzer"):
        if parameter in spec and spec[parameter] not in _ACCEPTED_ANALYZERS:
            raise unsupported(f"the analyzer [{spec[parameter]}] (field [{path}])")
    if "format" in spec and kind is FieldKind.DATE:
        formats = set(str(spec["format"]).split("||"))
        if not formats <= {"strict_date_optional_time", "date_optional_time", "epoch_millis"}:
            raise unsupported(f"the date format [{spec['format']}] (field [{path}])")
    ignore_above = spec.get("ignore_above")
    if ignore_above is not None and (not isinstance(ignore_above, int) or ignore_above < 0):
        raise mapper_parsing(f"[ignore_above] must be a positive integer (field [{path}])")
    return FieldMapping(path, declared, kind, ignore_above, parent)


def _infer(path: str, value: Any) -> list[FieldMapping] | None:
    """What dynamic mapping makes of a first value (OpenSearch's defaults)."""
    if isinstance(value, bool):
        return [FieldMapping(path, "boolean", FieldKind.BOOLEAN)]
    if isinstance(value, int):
        return [FieldMapping(path, "long", FieldKind.LONG)]
    if isinstance(value, float):
        return [FieldMapping(path, "float", FieldKind.DOUBLE)]
    if isinstance(value, str):
        if _DATE_DETECTION.match(value) and parse_date(value) is not None:
            return [FieldMapping(path, "date", FieldKind.DATE)]
        keyword = FieldMapping(
            f"{path}.keyword", "keyword", FieldKind.KEYWORD, DEFAULT_IGNORE_ABOVE, path
        )
        return [FieldMapping(path, "text", FieldKind.TEXT, subfields=(keyword.path,)), keyword]
    return None


def _leaves(source: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    """`(dotted path, value)` for every leaf value; arrays give one pair per element and
    objects inside arrays are flattened, as OpenSearch's `object` type does."""
    for key, value in source.items():
        path = f"{prefix}{key}"
        yield from _values(path, value)


def _values(path: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        yield from _leaves(value, path + ".")
    elif isinstance(value, list):
        for element in value:
            yield from _values(path, element)
    else:
        yield path, value


def _keys(source: Mapping[str, Any], prefix: str) -> Iterator[str]:
    """Every dotted key path, objects in arrays included."""
    for key, value in source.items():
        path = f"{prefix}{key}"
        yield path
        for element in value if isinstance(value, list) else [value]:
            if isinstance(element, Mapping):
                yield from _keys(element, path + ".")


def _objects(source: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    """`(dotted path, object)` for every object value, inside arrays too."""
    for key, value in source.items():
        path = f"{prefix}{key}"
        for element in value if isinstance(value, list) else [value]:
            if isinstance(element, Mapping):
                yield path, element
                yield from _objects(element, path + ".")


def _parents(path: str) -> Iterator[str]:
    parts = path.split(".")
    for end in range(1, len(parts)):
        yield ".".join(parts[:end])


def _sorted_properties(properties: dict[str, Any]) -> dict[str, Any]:
    """Properties by name at every level, as OpenSearch prints a mapping."""
    ordered = {}
    for name in sorted(properties):
        spec = properties[name]
        if "properties" in spec:
            spec = {**spec, "properties": _sorted_properties(spec["properties"])}
        ordered[name] = spec
    return ordered


def _node(root: dict[str, Any], path: str) -> dict[str, Any]:
    node = root
    for part in path.split("."):
        node = node.setdefault(part, {"properties": {}})["properties"]
    return node
