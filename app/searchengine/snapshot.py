"""What a search reads: one index's mapping and a tantivy searcher over one refresh point.

The store hands a snapshot to `search`/`count` (the query layer); the query layer never
writes, never refreshes and never sees the store. A snapshot is consistent: documents
written after the refresh that made it are not in it, as in OpenSearch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
import tantivy

from app.searchengine.mapping import (
    ID_FIELD,
    SEQ_NO_FIELD,
    SOURCE_FIELD,
    VERSION_FIELD,
    IndexMapping,
)


@dataclass(frozen=True, slots=True)
class StoredDocument:
    """A document as stored: its id, `_source` bytes as sent, `_version` and `_seq_no`."""

    doc_id: str
    source_bytes: bytes
    version: int
    seq_no: int

    def source(self) -> Any:
        return orjson.loads(self.source_bytes)


@dataclass(frozen=True, slots=True)
class IndexSnapshot:
    """One index at one refresh point."""

    name: str
    mapping: IndexMapping
    searcher: tantivy.Searcher

    def stored(self, address: tantivy.DocAddress) -> StoredDocument:
        """The stored fields of the document at `address` (from this snapshot's search)."""
        document: Any = self.searcher.doc(address)
        return StoredDocument(
            doc_id=str(document.get_first(ID_FIELD)),
            source_bytes=bytes(document.get_first(SOURCE_FIELD)),
            version=int(document.get_first(VERSION_FIELD)),
            seq_no=int(document.get_first(SEQ_NO_FIELD)),
        )
