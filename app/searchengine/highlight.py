"""Highlighting: the fragments of a hit's source where the query matched."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.searchengine.errors import unsupported
from app.searchengine.mapping import IndexMapping
from app.searchengine.query import Highlights


@dataclass(frozen=True)
class Highlighter:
    """A request's `highlight` settings."""

    spec: Mapping[str, Any]

    def highlight(
        self, mapping: IndexMapping, source: Any, matched: Highlights
    ) -> dict[str, list[str]]:
        raise unsupported("highlight")


def parse_highlight(spec: Any) -> Highlighter | None:
    if spec is None:
        return None
    return Highlighter(spec)
