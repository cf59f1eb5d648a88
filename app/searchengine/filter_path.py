"""`filter_path`: keep only the parts of a response a client asked for.

`filter_path=hits.hits._id,hits.total` keeps those keys (and the objects on the way to
them); a segment may be `*` (any one key, or a key pattern such as `_s*`) and `**` (any
depth); arrays are looked through. Exclusions (`-path`) are not implemented.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from typing import Any

from app.searchengine.errors import unsupported

_NOTHING = object()


def parse_filter_path(value: str) -> list[list[str]]:
    """The patterns of a `filter_path` value, each split into its segments."""
    patterns = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        if part.startswith("-"):
            raise unsupported("excluding paths in [filter_path]")
        patterns.append(part.split("."))
    return patterns


def filter_response(body: Any, patterns: Sequence[list[str]]) -> Any:
    """`body` with only what `patterns` match; `{}` when nothing does, as OpenSearch."""
    if not patterns:
        return body
    kept = _filter(body, [list(pattern) for pattern in patterns])
    return {} if kept is _NOTHING else kept


def _filter(value: Any, patterns: list[list[str]]) -> Any:
    if any(not pattern for pattern in patterns):
        return value  # a pattern ended here: keep all of it
    if isinstance(value, list):
        kept = [_filter(item, patterns) for item in value]
        kept = [item for item in kept if item is not _NOTHING]
        return kept if kept else _NOTHING
    if not isinstance(value, Mapping):
        return _NOTHING
    result: dict[str, Any] = {}
    for key, inner in value.items():
        below = _advance(key, patterns)
        if not below:
            continue
        kept = _filter(inner, below)
        if kept is not _NOTHING:
            result[key] = kept
    return result if result else _NOTHING


def _advance(key: str, patterns: list[list[str]]) -> list[list[str]]:
    """The rest of each pattern once `key` is matched."""
    below: list[list[str]] = []
    for pattern in patterns:
        head, rest = pattern[0], pattern[1:]
        if head == "**":
            if not rest:
                below.append([])  # a trailing `**` keeps everything below
                continue
            below.append(pattern)  # stay: `**` may match more levels
            if rest and fnmatchcase(key, rest[0]):
                below.append(rest[1:])
        elif fnmatchcase(key, head):
            below.append(rest)
    return below
