"""`_source` filtering: which parts of a document's source a hit shows.

OpenSearch accepts `true`/`false`, a pattern or a list of patterns, or `{"includes": [...],
"excludes": [...]}`; patterns match dotted paths with `*` wildcards. A pattern that names an
object keeps all of it; objects left empty by filtering disappear.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.searchengine.errors import parsing


@dataclass(frozen=True, slots=True)
class SourceFilter:
    """Whether to show `_source`, and the include/exclude patterns that shape it."""

    enabled: bool = True
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()

    @property
    def filters(self) -> bool:
        return bool(self.includes or self.excludes)

    def apply(self, source: Any) -> Any:
        if not self.filters or not isinstance(source, Mapping):
            return source
        include = [_pattern(p) for p in self.includes]
        exclude = [_pattern(p) for p in self.excludes]
        return _filter_object(source, "", include, exclude)


def parse_source(spec: Any) -> SourceFilter:
    """A body's `_source` value as a filter."""
    if spec is None or spec is True:
        return SourceFilter()
    if spec is False:
        return SourceFilter(enabled=False)
    if isinstance(spec, str):
        return SourceFilter(includes=(spec,))
    if isinstance(spec, list) and all(isinstance(item, str) for item in spec):
        return SourceFilter(includes=tuple(spec))
    if isinstance(spec, Mapping):
        unknown = set(spec) - {"includes", "excludes", "include", "exclude"}
        if unknown:
            raise parsing(f"Unknown key for a START_ARRAY in [{sorted(unknown)[0]}].")
        return SourceFilter(
            includes=_patterns(spec.get("includes", spec.get("include"))),
            excludes=_patterns(spec.get("excludes", spec.get("exclude"))),
        )
    raise parsing("Expected one of [TRUE, FALSE, VALUE_STRING, START_ARRAY, START_OBJECT] "
                  "but found [" + type(spec).__name__ + "]")  # fmt: skip


def parse_source_params(
    source: str | None, includes: str | None, excludes: str | None
) -> SourceFilter | None:
    """The URL parameters `_source`, `_source_includes`, `_source_excludes`; None if absent."""
    if source is None and includes is None and excludes is None:
        return None
    if source is not None and source.lower() in ("true", "false"):
        if source.lower() == "false":
            return SourceFilter(enabled=False)
        source = None
    wanted = [*(source.split(",") if source else []), *(includes.split(",") if includes else [])]
    return SourceFilter(
        includes=tuple(p.strip() for p in wanted if p.strip()),
        excludes=tuple(p.strip() for p in (excludes or "").split(",") if p.strip()),
    )


def _patterns(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise parsing("_source includes and excludes must be strings or arrays of strings")


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in text.split("*")))


def _included(path: str, include: list[re.Pattern[str]]) -> bool:
    return not include or any(p.fullmatch(path) for p in include)


def _may_include_below(path: str, include: list[re.Pattern[str]]) -> bool:
    """Whether some pattern could match a path below `path` (so recurse into it)."""
    if not include:
        return True
    prefix = path + "."
    for pattern in include:
        text = pattern.pattern
        literal = re.split(r"\.\*", text, maxsplit=1)[0].replace("\\", "")
        if literal.startswith(prefix) or prefix.startswith(literal) or ".*" in text[:2]:
            return True
    return False


def _filter_object(
    source: Mapping[str, Any],
    prefix: str,
    include: list[re.Pattern[str]],
    exclude: list[re.Pattern[str]],
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in source.items():
        path = prefix + key
        if any(p.fullmatch(path) for p in exclude):
            continue
        whole = _included(path, include)
        kept = _filter_value(value, path, [] if whole else include, exclude, whole)
        if kept is not _DROP:
            result[key] = kept
    return result


_DROP: Any = object()


def _filter_value(
    value: Any,
    path: str,
    include: list[re.Pattern[str]],
    exclude: list[re.Pattern[str]],
    whole: bool,
) -> Any:
    if isinstance(value, Mapping):
        if not whole and not _may_include_below(path, include):
            return _DROP
        inner = _filter_object(value, path + ".", include, exclude)
        return inner if inner or (whole and not value) else _DROP
    if isinstance(value, list):
        if any(isinstance(item, Mapping) for item in value):
            kept = [_filter_value(item, path, include, exclude, whole) for item in value]
            kept = [item for item in kept if item is not _DROP]
            return kept if kept or whole else _DROP
        return value if whole else _DROP
    return value if whole else _DROP
