"""Aggregations: OpenSearch's request and response shapes over tantivy's aggregations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import tantivy

from app.searchengine.errors import unsupported
from app.searchengine.snapshot import IndexSnapshot


def aggregate(
    snapshot: IndexSnapshot, query: tantivy.Query, spec: Mapping[str, Any]
) -> dict[str, Any]:
    """The `aggregations` of a response for the documents `query` matches."""
    raise unsupported("aggregations")
