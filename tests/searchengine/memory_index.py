"""An in-memory tantivy index built from a mapping and documents, for query-layer tests.

The query layer reads snapshots only, so its tests build one directly: the same schema and
documents the store would write, without a server. `segments` commits in several batches so
that hits come from more than one segment, as in a long-lived index.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import tantivy

from app.searchengine.analysis import register_analyzers
from app.searchengine.mapping import DocumentMeta, IndexMapping
from app.searchengine.snapshot import IndexSnapshot


def snapshot(
    documents: Mapping[str, Mapping[str, Any]],
    mappings: Mapping[str, Any] | None = None,
    *,
    name: str = "events",
    segments: int = 1,
) -> IndexSnapshot:
    """An index named `name` holding `documents` (id -> source), mapped by `mappings` plus
    dynamic mapping for whatever they leave out."""
    mapping = IndexMapping.from_body(mappings or {})
    for doc_id, source in documents.items():
        mapping = mapping.extended_for(source, doc_id)
    index = tantivy.Index(mapping.schema)
    register_analyzers(index)
    writer = index.writer(15_000_000, 1)
    items = list(documents.items())
    batch = max(1, -(-len(items) // segments))
    for start in range(0, len(items), batch):
        for seq_no, (doc_id, source) in enumerate(items[start : start + batch], start):
            writer.add_document(mapping.document(doc_id, source, DocumentMeta(1, seq_no)))
        writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return IndexSnapshot(name, mapping, index.searcher())


def ids(response: Mapping[str, Any]) -> list[str]:
    """The `_id`s of a search response's hits, in order."""
    return [hit["_id"] for hit in response["hits"]["hits"]]
