"""`sort` and `search_after`: OpenSearch's sort specifications, sort values and their order.

A sort is a list of keys, each a field (`"price"`, `{"price": "desc"}`, `{"price": {"order":
"desc", "missing": "_first", "unmapped_type": "long"}}`), `_score` or `_doc`. Every hit of a
field-sorted search carries its `sort` values, which a client hands back as `search_after`
to read the next page. Missing values sort last unless `missing` says otherwise; a hit
without the field shows OpenSearch's sentinel (Long.MAX_VALUE ascending, Long.MIN_VALUE
descending for numbers and dates, null for strings) and that sentinel round-trips through
`search_after`.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from app.searchengine.errors import SearchError, bad_request, parsing, unsupported
from app.searchengine.mapping import ID_FIELD, FieldKind, FieldMapping, parse_date

LONG_MAX: Final = 2**63 - 1
LONG_MIN: Final = -(2**63)
TEXT_FIELD_DATA: Final = (
    "Text fields are not optimised for operations that require per-document field data like "
    "aggregations and sorting, so these operations are disabled by default. Please use a "
    "keyword field instead. Alternatively, set fielddata=true on [{field}] in order to load "
    "field data by uninverting the inverted index. Note that this can use significant memory."
)


class Missing:
    """The value of a hit that lacks the sort field."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = Missing()


@dataclass(frozen=True, slots=True)
class SortKey:
    """One sort key: a field, `_score` or `_doc`, its order and what missing values do."""

    field: str
    descending: bool
    missing: Any = "_last"
    unmapped_type: str | None = None

    @property
    def is_score(self) -> bool:
        return self.field == "_score"

    @property
    def is_doc(self) -> bool:
        return self.field == "_doc"


_SORT_OPTIONS: Final = frozenset(
    {"order", "missing", "unmapped_type", "mode", "format", "numeric_type"}
)


def parse_sort(spec: Any) -> list[SortKey]:
    """The sort keys of a body's `sort` (a string, an object or a list of them)."""
    if spec is None:
        return []
    items = spec if isinstance(spec, list) else [spec]
    keys: list[SortKey] = []
    for item in items:
        if isinstance(item, str):
            keys.append(SortKey(item, item == "_score"))
            continue
        if not isinstance(item, Mapping) or len(item) != 1:
            raise parsing(
                "malformed sort format, within the sort array, an object, or an "
                "actual string are allowed"
            )
        ((name, options),) = item.items()
        if name in ("_script", "_geo_distance", "_geo_point"):
            raise unsupported(f"sorting by [{name}]")
        if isinstance(options, str):
            options = {"order": options}
        if not isinstance(options, Mapping):
            raise parsing(f"[{name}] sort options must be an object or a string")
        for option in options:
            if option not in _SORT_OPTIONS:
                if option == "nested":
                    raise unsupported("nested sorting")
                raise parsing(f"[field_sort] unknown field [{option}]")
        for option in ("format", "numeric_type"):
            if option in options:
                raise unsupported(f"[{option}] in a sort")
        if options.get("mode") not in (None, "min", "max"):
            raise unsupported(f"the sort [mode] [{options['mode']}]")
        order = str(options.get("order", "desc" if name == "_score" else "asc")).lower()
        if order not in ("asc", "desc"):
            raise bad_request(f"Unknown SortOrder [{order}]")
        keys.append(
            SortKey(
                name, order == "desc", options.get("missing", "_last"), options.get("unmapped_type")
            )
        )
    return keys


def parse_sort_param(text: str) -> list[SortKey]:
    """The URL form `field:asc,other:desc`."""
    keys = []
    for part in text.split(","):
        name, _, order = part.strip().partition(":")
        if not name:
            continue
        keys.append(parse_sort([{name: order} if order else name])[0])
    return keys


def is_relevance(keys: Sequence[SortKey]) -> bool:
    """Whether the sort is the default: by descending score only."""
    return not keys or (len(keys) == 1 and keys[0].is_score and keys[0].descending)


def check_field(key: SortKey, mapping: FieldMapping | None, index: str) -> None:
    """OpenSearch's errors for a key that cannot sort: text fields, unmapped fields."""
    if key.is_score or key.is_doc or key.field == ID_FIELD:
        return
    if mapping is None:
        if key.unmapped_type is None:
            raise SearchError(
                400,
                "query_shard_exception",
                f"No mapping found for [{key.field}] in order to sort on",
                {"index": index},
            )
        return
    if mapping.kind is FieldKind.TEXT:
        raise bad_request(TEXT_FIELD_DATA.format(field=key.field))


def shown(key: SortKey, kind: FieldKind | None, value: Any) -> Any:
    """The sort value a hit shows for `value` (a sentinel for a missing one)."""
    if value is not MISSING:
        return value
    high = key.descending == (key.missing == "_first")
    if kind in (FieldKind.LONG, FieldKind.DATE, FieldKind.BOOLEAN):
        return LONG_MAX if high else LONG_MIN
    if kind is FieldKind.DOUBLE:
        # OpenSearch's JSON writes the infinities it substitutes as these strings.
        return "Infinity" if high else "-Infinity"
    return None


def substitute_missing(key: SortKey, kind: FieldKind | None, value: Any) -> Any:
    """A custom `missing` value stands in for a hit without the field."""
    if value is not MISSING or key.missing in ("_last", "_first"):
        return value
    return convert(kind, key.missing)


def convert(kind: FieldKind | None, value: Any) -> Any:
    """A value given in a request (`missing`, `search_after`) as a comparable sort value."""
    if value is None:
        return MISSING
    if kind is FieldKind.DATE:
        millis = parse_date(value)
        if millis is None:
            raise parsing(f"failed to parse date field [{value}]")
        return _long(millis, value)
    if kind in (FieldKind.LONG, FieldKind.BOOLEAN):
        if isinstance(value, bool):
            return int(value)
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):
            raise parsing(f"Failed to parse search_after value [{value}]") from None
        return _long(number, value)
    if kind is FieldKind.DOUBLE:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise parsing(f"Failed to parse search_after value [{value}]") from None
    return value if isinstance(value, str) else str(value)


def _long(number: int, value: Any) -> int:
    if not LONG_MIN <= number <= LONG_MAX:
        raise bad_request(f"Value [{value}] is out of range for a long")
    return number


def after_value(key: SortKey, kind: FieldKind | None, value: Any) -> Any:
    """A `search_after` value as a sort value: the missing sentinel reads back as missing."""
    if key.is_score:
        # Scores are float32 shown in their shortest form: compare as the same float32.
        try:
            return float(struct.unpack("f", struct.pack("f", float(value)))[0])
        except (TypeError, ValueError, OverflowError):
            raise parsing(f"Failed to parse search_after value [{value}] for [_score]") from None
    if key.is_doc:
        return int(value)
    sentinel = shown(key, kind, MISSING)
    if value == sentinel and sentinel is not None:
        return MISSING
    converted = convert(kind, value)
    if converted is not MISSING and converted == convert(kind, sentinel):
        return MISSING
    return converted


def order(items: list[Any], keys: Sequence[SortKey]) -> None:
    """Sorts `items` (each with `.values`, one per key) in place by the keys, keeping the
    present order among equals: one stable pass per key, the last key first."""
    for position in reversed(range(len(keys))):
        key = keys[position]
        # Ranks place missing values after (or, `_first`, before) every value whatever
        # the direction; values of one key are compared only with each other.
        missing_rank = (
            (0 if key.missing != "_first" else 2)
            if key.descending
            else (2 if key.missing != "_first" else 0)
        )

        def rank(item: Any, position: int = position, missing_rank: int = missing_rank) -> Any:
            value = item.values[position]
            return (missing_rank, 0) if value is MISSING else (1, value)

        items.sort(key=rank, reverse=key.descending)
