"""Aggregations over several indexes: their matching documents gathered into one in-memory
index, aggregated there.

OpenSearch reduces each shard's partial aggregations; doing that for every aggregation kind
(and exactly: terms beyond each index's top buckets, averages, cardinalities, histogram gaps)
would be a second implementation of each. Copying the matches into one index under the
indexes' merged mapping reuses the single-index path unchanged and stays exact, at the cost
of indexing the matches again: fine for the sizes a local engine serves. A field mapped
with different types in two indexes is OpenSearch's 400.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import orjson
import tantivy

from app.searchengine.aggregations import aggregate
from app.searchengine.analysis import register_analyzers
from app.searchengine.errors import SearchError, bad_request
from app.searchengine.mapping import DocumentMeta, IndexMapping
from app.searchengine.snapshot import IndexSnapshot

MATCHED: Final = "_strawsync_matched"
"""The flag that tells the search's matches from the other documents (for `global`)."""
_WRITER_HEAP: Final = 50_000_000


def aggregate_several(
    parts: Sequence[tuple[IndexSnapshot, tantivy.Query]],
    spec: Mapping[str, Any],
    compiler_for: Callable[[IndexSnapshot], Callable[[Any], tantivy.Query]],
    typed_keys: bool = False,
) -> dict[str, Any]:
    """The `aggregations` over the documents each `(snapshot, query)` matches."""
    mapping = _merged_mapping([snapshot.mapping for snapshot, _ in parts])
    everything = any(isinstance(body, Mapping) and "global" in body for body in spec.values())
    index = tantivy.Index(mapping.schema)
    register_analyzers(index)
    writer = index.writer(_WRITER_HEAP, 1)
    for snapshot, query in parts:
        searcher = snapshot.searcher
        limit = max(searcher.num_docs, 1)
        matched = {
            (address.segment_ord, address.doc)
            for _, address in searcher.search(query, limit, count=False).hits
        }
        scope = tantivy.Query.all_query() if everything else query
        for _, address in searcher.search(scope, limit, count=False).hits:
            stored = snapshot.stored(address)
            source = orjson.loads(stored.source_bytes)
            flag = (address.segment_ord, address.doc) in matched
            meta = DocumentMeta(stored.version, stored.seq_no)
            writer.add_document(mapping.document(stored.doc_id, {**source, MATCHED: flag}, meta))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    merged = IndexSnapshot("_several", mapping, index.searcher())
    only_matches = tantivy.Query.term_query(mapping.schema, MATCHED, True)
    return aggregate(merged, only_matches, spec, compiler_for(merged), None, typed_keys)


def _merged_mapping(mappings: Sequence[IndexMapping]) -> IndexMapping:
    merged = IndexMapping.from_body({"properties": {MATCHED: {"type": "boolean"}}})
    for mapping in mappings:
        try:
            merged = merged.merged(mapping.to_body())
        except SearchError as error:
            raise bad_request(
                "Merging/Reducing the aggregations failed: a field exists with different "
                f"types in different indexes ({error.reason})"
            ) from None
    return merged
