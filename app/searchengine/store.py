"""Indexes on disk (or in memory), their documents, versions and refreshes.

Layout of a data folder (one engine at a time holds `engine.lock`):

    indexes/<name>/CURRENT        the live generation's number
    indexes/<name>/g<N>/meta.json the mapping and settings of that generation
    indexes/<name>/g<N>/tantivy/  the tantivy index
    indexes/<name>/translog       writes acknowledged since the last refresh (see translog)
    indexes/<name>/state.json     the last seq_no a refresh committed

tantivy fixes a schema when an index is created, so a mapping that grows is a new
generation: every document is copied into a new tantivy index from its stored `_source`,
then `CURRENT` is swapped (an atomic rename). All of this happens under the index's write
lock, which every write takes, so a rebuild never loses a write.

A write is visible to `get` at once (realtime, as OpenSearch) and to search after the next
refresh: automatically every `refresh_interval` (1 s) when something changed, or when a
request asks (`?refresh=true|wait_for`, `_refresh`). A refresh is a tantivy commit.
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import orjson
import tantivy

from app.searchengine.analysis import register_analyzers
from app.searchengine.documents import (
    Write,
    WriteResult,
    check_id,
    check_update_body,
    merge,
    new_id,
    seq_no_conflict,
    written,
)
from app.searchengine.errors import (
    SearchError,
    document_missing,
    index_exists,
    index_not_found,
    unsupported,
    version_conflict,
)
from app.searchengine.mapping import ID_FIELD, DocumentMeta, IndexMapping
from app.searchengine.settings import IndexSettings, check_index_name
from app.searchengine.snapshot import IndexSnapshot
from app.searchengine.translog import Operation, Translog

logger = logging.getLogger("strawsync.searchengine")

WRITER_HEAP: Final = 32_000_000
TRANSLOG_FLUSH_BYTES: Final = 64 * 1024 * 1024
"""A translog past this size is committed at once, whatever `refresh_interval` says (it
bounds replay time and the memory that unrefreshed writes hold)."""
TOMBSTONE_SECONDS: Final = 60.0
"""How long a deleted document's version is remembered (OpenSearch's `index.gc_deletes`)."""
_CURRENT = "CURRENT"
_STATE = "state.json"
_TRANSLOG = "translog"


@dataclass(frozen=True, slots=True)
class _Live:
    """A document written since the last refresh; `source` None: deleted (a tombstone)."""

    version: int
    seq_no: int
    source: bytes | None
    at: float


@dataclass(frozen=True, slots=True)
class Found:
    """A document's current state, for `get` and for versioning writes."""

    version: int
    seq_no: int
    source: bytes


class StoredIndex:
    """One index: a tantivy index and writer, its mapping, and what is not yet refreshed."""

    def __init__(
        self,
        name: str,
        mapping: IndexMapping,
        settings: IndexSettings,
        folder: Path | None,
        generation: int,
    ) -> None:
        self.name = name
        self.settings = settings
        self._folder = folder
        self._lock = threading.RLock()
        self._mapping = mapping
        self._generation = generation
        path = self._tantivy_dir(generation)
        outdated = False
        try:
            self._index, self._writer = _open_tantivy(mapping, path)
        except ValueError as error:
            if path is None or "schema does not match" not in str(error):
                raise
            # Written by an earlier version that indexed fields differently (another
            # analyzer): opened with its own schema, then indexed again below.
            self._index = tantivy.Index.open(str(path))
            register_analyzers(self._index)
            self._writer = self._index.writer(WRITER_HEAP, 1)
            outdated = True
        self._searcher = self._index.searcher()
        self._live: dict[str, _Live] = {}
        self._dirty = False
        self._closed = False
        self._replaying = False
        self._last_refresh = time.monotonic()
        self._seq_no = -1
        self._translog: Translog | None = None
        if folder is not None:
            self._seq_no = _read_state(folder)
        if outdated:
            self._rebuild(mapping)
            logger.warning("index [%s] was indexed again for this version's schema", name)
        if folder is not None:
            self._translog = Translog(folder / _TRANSLOG)
            self._replay()

    # -- reading ------------------------------------------------------------------------------

    @property
    def mapping(self) -> IndexMapping:
        return self._mapping

    def snapshot(self) -> IndexSnapshot:
        with self._lock:
            return IndexSnapshot(self.name, self._mapping, self._searcher)

    def get(self, doc_id: str) -> Found | None:
        """The document as last written, refreshed or not (a realtime get)."""
        with self._lock:
            return self._current(doc_id)

    # -- writing ------------------------------------------------------------------------------

    def write(self, writes: Sequence[Write]) -> list[WriteResult | SearchError]:
        """Apply `writes` in order; each gives a result or its own error. The batch is in
        the translog (fsynced) before this returns."""
        with self._lock:
            if self._closed:  # deleted while this request waited for the lock
                raise index_not_found(self.name)
            self._grow_mapping(writes)
            results: list[WriteResult | SearchError] = []
            operations: list[Operation] = []
            for request in writes:
                try:
                    results.append(self._apply(request, operations))
                except SearchError as error:
                    results.append(error)
            if self._translog is not None:
                self._translog.append(operations)
                if self._translog.size > TRANSLOG_FLUSH_BYTES:
                    self.refresh()  # as OpenSearch's flush_threshold_size: bound the log
            return results

    def put_mapping(self, body: Any) -> None:
        with self._lock:
            merged = self._mapping.merged(body)
            if merged.to_body() != self._mapping.to_body():
                self._rebuild(merged)

    def refresh(self) -> None:
        """Make every write so far searchable (and durable in tantivy)."""
        with self._lock:
            self._last_refresh = time.monotonic()
            if not self._dirty:
                return
            self._writer.commit()
            self._index.reload()
            self._searcher = self._index.searcher()
            if self._folder is not None:
                _write_json(self._folder / _STATE, {"seq_no": self._seq_no})
            if self._translog is not None and not self._replaying:
                self._translog.truncate()
            now = time.monotonic()
            self._live = {
                doc_id: live
                for doc_id, live in self._live.items()
                if live.source is None and now - live.at < TOMBSTONE_SECONDS
            }
            self._dirty = False

    def refresh_if_due(self, now: float) -> None:
        interval = self.settings.refresh_ms
        if self._dirty and interval is not None and (now - self._last_refresh) * 1000 >= interval:
            self.refresh()

    def close(self) -> None:
        """Commit what is pending; the translog is then empty. Later writes are refused."""
        with self._lock:
            if self._closed:
                return
            self.refresh()
            self._closed = True
            with contextlib.suppress(Exception):
                self._writer.wait_merging_threads()
            if self._translog is not None:
                self._translog.close()

    def describe(self) -> dict[str, Any]:
        """`GET /<index>`'s entry for this index."""
        return {
            "aliases": {},
            "mappings": self._mapping.to_body(),
            "settings": self.settings.to_body(self.name),
        }

    # -- internals ----------------------------------------------------------------------------

    def _current(self, doc_id: str) -> Found | None:
        live = self._live.get(doc_id)
        if live is not None:
            if live.source is None:
                return None
            return Found(live.version, live.seq_no, live.source)
        stored = _lookup(self._index, self._searcher, doc_id)
        return stored

    def _tombstone_version(self, doc_id: str) -> int:
        live = self._live.get(doc_id)
        if live is not None and live.source is None:
            return live.version
        return 0

    def _grow_mapping(self, writes: Sequence[Write]) -> None:
        """One rebuild for every field the batch's documents bring (dynamic mapping);
        a document that cannot be mapped is left for its own write to refuse."""
        grown = self._mapping
        for request in writes:
            source = request.source
            if request.action == "update" and source is not None:
                source = _update_fields(source)
            if request.action == "delete" or source is None:
                continue
            with contextlib.suppress(SearchError):
                grown = grown.extended_for(source, request.doc_id or "")
        if grown is not self._mapping:
            self._rebuild(grown)

    def _apply(self, request: Write, operations: list[Operation]) -> WriteResult:
        doc_id = request.doc_id if request.doc_id is not None else new_id()
        check_id(doc_id)
        current = self._current(doc_id)
        if request.if_seq_no is not None or request.if_primary_term is not None:
            self._check_seq_no(request, doc_id, current)
        shards = self.settings.shards_header()
        if request.action == "delete":
            if current is None:
                version = self._tombstone_version(doc_id) + 1
                seq_no = self._next_seq_no(doc_id, version, None, operations)
                return written(self.name, doc_id, version, seq_no, "not_found", shards, 404)
            version = current.version + 1
            seq_no = self._next_seq_no(doc_id, version, None, operations)
            return written(self.name, doc_id, version, seq_no, "deleted", shards, 200)
        if request.action == "create" and current is not None:
            raise version_conflict(
                self.name,
                doc_id,
                f"document already exists (current version [{current.version}])",
            )
        if request.action == "update":
            return self._update(request, doc_id, current, operations)
        source = request.source or {}
        raw = request.raw if request.raw is not None else orjson.dumps(source)
        return self._put(doc_id, source, raw, current, operations)

    def _update(
        self, request: Write, doc_id: str, current: Found | None, operations: list[Operation]
    ) -> WriteResult:
        body = request.source or {}
        check_update_body(body)
        if current is None:
            if body.get("doc_as_upsert") and "doc" in body:
                source = body["doc"]
            elif "upsert" in body:
                source = body["upsert"]
            else:
                raise document_missing(self.name, doc_id)
            return self._put(doc_id, source, orjson.dumps(source), None, operations)
        existing = orjson.loads(current.source)
        merged = merge(existing, body.get("doc") or {})
        if merged == existing and body.get("detect_noop", True) is not False:
            noop = {"total": 0, "successful": 0, "failed": 0}
            return written(self.name, doc_id, current.version, current.seq_no, "noop", noop, 200)
        return self._put(doc_id, merged, orjson.dumps(merged), current, operations)

    def _put(
        self,
        doc_id: str,
        source: Mapping[str, Any],
        raw: bytes,
        current: Found | None,
        operations: list[Operation],
    ) -> WriteResult:
        mapping = self._mapping.extended_for(source, doc_id)
        if mapping is not self._mapping:  # an update's new field, or a strict refusal
            self._rebuild(mapping)
        version = (current.version if current else self._tombstone_version(doc_id)) + 1
        seq_no = self._seq_no + 1
        document = self._mapping.document(doc_id, source, DocumentMeta(version, seq_no), raw)
        self._writer.delete_documents_by_term(ID_FIELD, doc_id)
        self._writer.add_document(document)
        self._record(doc_id, version, seq_no, raw, operations)
        if current is None:
            return written(
                self.name, doc_id, version, seq_no, "created", self.settings.shards_header(), 201
            )
        return written(
            self.name, doc_id, version, seq_no, "updated", self.settings.shards_header(), 200
        )

    def _next_seq_no(
        self, doc_id: str, version: int, raw: bytes | None, operations: list[Operation]
    ) -> int:
        seq_no = self._seq_no + 1
        self._writer.delete_documents_by_term(ID_FIELD, doc_id)
        self._record(doc_id, version, seq_no, raw, operations)
        return seq_no

    def _record(
        self,
        doc_id: str,
        version: int,
        seq_no: int,
        raw: bytes | None,
        operations: list[Operation],
    ) -> None:
        self._seq_no = seq_no
        self._live[doc_id] = _Live(version, seq_no, raw, time.monotonic())
        self._dirty = True
        operations.append(Operation(doc_id, version, seq_no, raw))

    def _check_seq_no(self, request: Write, doc_id: str, current: Found | None) -> None:
        if request.if_seq_no is None or request.if_primary_term is None:
            raise SearchError(
                400,
                "action_request_validation_exception",
                "Validation Failed: 1: ifSeqNo is set, but primary term is [0];"
                if request.if_seq_no is not None
                else "Validation Failed: 1: ifSeqNo is unassigned, but primary term is set;",
            )
        if current is None or current.seq_no != request.if_seq_no or request.if_primary_term != 1:
            found = None if current is None else (current.seq_no, 1)
            raise seq_no_conflict(
                self.name, doc_id, request.if_seq_no, request.if_primary_term, found
            )

    def _rebuild(self, mapping: IndexMapping) -> None:
        """Copy every document into a new tantivy index of `mapping`'s schema, then swap."""
        self._dirty = True  # commit even an empty batch, so the old generation is complete
        self.refresh()
        previous = self._mapping
        generation = self._generation + 1
        target = self._tantivy_dir(generation)
        if target is not None:
            shutil.rmtree(target.parent, ignore_errors=True)
            target.mkdir(parents=True)
            _write_json(target.parent / "meta.json", _meta(mapping, self.settings))
        index, writer = _open_tantivy(mapping, target)
        for stored in _all_documents(self._searcher):
            source = orjson.loads(stored.source_bytes)
            meta = DocumentMeta(stored.version, stored.seq_no)
            writer.add_document(_converted(stored, source, meta, (mapping, previous)))
        writer.commit()
        index.reload()
        if self._folder is not None:
            _write_text(self._folder / _CURRENT, str(generation))
        old_writer = self._writer
        self._index, self._writer, self._mapping = index, writer, mapping
        self._searcher = index.searcher()
        old_generation, self._generation = self._generation, generation
        with contextlib.suppress(Exception):
            old_writer.wait_merging_threads()
        if self._folder is not None:
            shutil.rmtree(self._folder / f"g{old_generation}", ignore_errors=True)

    def _replay(self) -> None:
        assert self._translog is not None
        operations = self._translog.read()
        self._replaying = True  # a rebuild on the way must not empty the log before the end
        for operation in operations:
            self._seq_no = max(self._seq_no, operation.seq_no)
            self._writer.delete_documents_by_term(ID_FIELD, operation.doc_id)
            if operation.source is not None:
                source = orjson.loads(operation.source)
                with contextlib.suppress(SearchError):  # it was accepted: never refuse it now
                    mapping = self._mapping.extended_for(source, operation.doc_id)
                    if mapping is not self._mapping:
                        self._rebuild(mapping)
                        self._writer.delete_documents_by_term(ID_FIELD, operation.doc_id)
                meta = DocumentMeta(operation.version, operation.seq_no)
                stored = _Stored(
                    operation.doc_id, operation.source, operation.version, operation.seq_no
                )
                self._writer.add_document(_converted(stored, source, meta, (self._mapping,)))
            self._live[operation.doc_id] = _Live(
                operation.version, operation.seq_no, operation.source, time.monotonic()
            )
            self._dirty = True
        self._replaying = False
        if operations:
            logger.info(
                "index [%s]: replayed %d writes from its translog", self.name, len(operations)
            )
            self._dirty = True
            self.refresh()

    def _tantivy_dir(self, generation: int) -> Path | None:
        return None if self._folder is None else self._folder / f"g{generation}" / "tantivy"


class Store:
    """Every index of one engine, by name; thread-safe (the server calls it from threads)."""

    def __init__(self, data_dir: Path | None) -> None:
        self.data_dir = data_dir
        self._lock = threading.Lock()
        self._indexes: dict[str, StoredIndex] = {}
        if data_dir is not None:
            self._load(data_dir / "indexes")

    # -- indexes ------------------------------------------------------------------------------

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._indexes)

    def exists(self, name: str) -> bool:
        with self._lock:
            return name in self._indexes

    def index(self, name: str) -> StoredIndex:
        with self._lock:
            found = self._indexes.get(name)
        if found is None:
            raise index_not_found(name)
        return found

    def create(self, name: str, body: Mapping[str, Any] | None) -> StoredIndex:
        """`PUT /<index>`: `mappings` and `settings`; anything else is refused."""
        check_index_name(name)
        body = body or {}
        for key in body:
            if key not in ("mappings", "settings", "aliases"):
                raise SearchError(400, "parse_exception", f"unknown key [{key}] for create index")
        if body.get("aliases"):
            raise unsupported("index aliases")
        mapping = IndexMapping.from_body(body.get("mappings"))
        settings = IndexSettings.from_body(body.get("settings"))
        with self._lock:
            if name in self._indexes:
                raise index_exists(name)
            created = self._new_index(name, mapping, settings)
            self._indexes[name] = created
            return created

    def for_write(self, name: str) -> StoredIndex:
        """The index a document write goes to, created with defaults if missing."""
        check_index_name(name)
        with self._lock:
            found = self._indexes.get(name)
            if found is None:
                found = self._new_index(name, IndexMapping(), IndexSettings.from_body(None))
                self._indexes[name] = found
                logger.info("index [%s] created by its first write", name)
            return found

    def delete(self, expression: str) -> list[str]:
        """Delete the indexes `expression` names (a name, a comma list, wildcards)."""
        names = self.resolve(expression)
        for name in names:
            with self._lock:
                index = self._indexes.pop(name, None)
            if index is None:
                continue
            index.close()
            if self.data_dir is not None:
                folder = self.data_dir / "indexes" / name
                trash = self.data_dir / "trash" / f"{name}-{time.time_ns()}"
                trash.parent.mkdir(parents=True, exist_ok=True)
                os.replace(folder, trash)
                shutil.rmtree(trash, ignore_errors=True)
        return names

    def resolve(self, expression: str, *, allow_missing: bool = False) -> list[str]:
        """Index names for `a,b`, `a*`, `_all`, `*`; a missing concrete name is an
        `index_not_found_exception` unless `allow_missing`."""
        with self._lock:
            known = sorted(self._indexes)
        names: list[str] = []
        for part in expression.split(","):
            part = part.strip()
            if part in ("_all", "*", ""):
                names.extend(known)
            elif "*" in part or "?" in part:
                names.extend(name for name in known if fnmatch.fnmatchcase(name, part))
            elif part in known:
                names.append(part)
            elif not allow_missing:
                raise index_not_found(part)
        return list(dict.fromkeys(names))

    def snapshots(self, expression: str, *, allow_missing: bool = False) -> list[IndexSnapshot]:
        return [
            self.index(name).snapshot()
            for name in self.resolve(expression, allow_missing=allow_missing)
        ]

    def refresh(self, expression: str = "_all") -> list[str]:
        names = self.resolve(expression)
        for name in names:
            self.index(name).refresh()
        return names

    def refresh_due(self) -> None:
        """Refresh every index whose `refresh_interval` has passed since a change."""
        now = time.monotonic()
        with self._lock:
            indexes = list(self._indexes.values())
        for index in indexes:
            try:
                index.refresh_if_due(now)
            except Exception:
                logger.exception("index [%s]: refresh failed", index.name)

    def close(self) -> None:
        with self._lock:
            indexes = list(self._indexes.values())
        for index in indexes:
            index.close()

    # -- disk -----------------------------------------------------------------------------------

    def _new_index(self, name: str, mapping: IndexMapping, settings: IndexSettings) -> StoredIndex:
        if self.data_dir is None:
            return StoredIndex(name, mapping, settings, None, 1)
        folder = self.data_dir / "indexes" / name
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "g1" / "tantivy").mkdir(parents=True)
        _write_json(folder / "g1" / "meta.json", _meta(mapping, settings))
        _write_text(folder / _CURRENT, "1")
        return StoredIndex(name, mapping, settings, folder, 1)

    def _load(self, root: Path) -> None:
        shutil.rmtree(root.parent / "trash", ignore_errors=True)
        root.mkdir(parents=True, exist_ok=True)
        for folder in sorted(root.iterdir()):
            current = folder / _CURRENT
            if not current.is_file():  # a creation that never finished
                shutil.rmtree(folder, ignore_errors=True)
                continue
            try:
                self._indexes[folder.name] = _open_index(folder, current)
            except (OSError, ValueError, KeyError, TypeError, SearchError) as error:
                raise StoreUnreadable(
                    f"index [{folder.name}] in {folder} cannot be opened ({error}); move that "
                    "folder away to start without it"
                ) from error


class StoreUnreadable(Exception):
    """An index on disk cannot be opened; the message says which and what to do."""


def _open_index(folder: Path, current: Path) -> StoredIndex:
    """The index in `folder` at its current generation (other generations are removed)."""
    generation = int(current.read_text().strip())
    for other in folder.glob("g*"):
        if other.name != f"g{generation}":
            shutil.rmtree(other, ignore_errors=True)
    meta = orjson.loads((folder / f"g{generation}" / "meta.json").read_bytes())
    mapping = IndexMapping.from_body(meta["mapping"])
    settings = IndexSettings.from_json(meta["settings"])
    return StoredIndex(folder.name, mapping, settings, folder, generation)


def _open_tantivy(
    mapping: IndexMapping, path: Path | None
) -> tuple[tantivy.Index, tantivy.IndexWriter]:
    index = tantivy.Index(mapping.schema, path=None if path is None else str(path), reuse=True)
    register_analyzers(index)
    return index, index.writer(WRITER_HEAP, 1)


def _lookup(index: tantivy.Index, searcher: tantivy.Searcher, doc_id: str) -> Found | None:
    query = tantivy.Query.term_query(index.schema, ID_FIELD, doc_id)
    hits = searcher.search(query, 1).hits
    if not hits:
        return None
    document: Any = searcher.doc(hits[0][1])
    return Found(
        int(document.get_first("_version")),
        int(document.get_first("_seq_no")),
        bytes(document.get_first("_source")),
    )


@dataclass(frozen=True, slots=True)
class _Stored:
    doc_id: str
    source_bytes: bytes
    version: int
    seq_no: int


def _all_documents(searcher: tantivy.Searcher) -> Iterator[_Stored]:
    total = int(searcher.num_docs)
    if total == 0:
        return
    for _score, address in searcher.search(tantivy.Query.all_query(), total, count=False).hits:
        document: Any = searcher.doc(address)
        yield _Stored(
            str(document.get_first(ID_FIELD)),
            bytes(document.get_first("_source")),
            int(document.get_first("_version")),
            int(document.get_first("_seq_no")),
        )


def _converted(
    stored: _Stored, source: Any, meta: DocumentMeta, mappings: tuple[IndexMapping, ...]
) -> tantivy.Document:
    """The document under the first mapping that takes it: a value indexed before its
    field was mapped (a `PUT _mapping` after the fact) keeps what it had, as in OpenSearch,
    where existing documents are not indexed again."""
    for mapping in (*mappings, IndexMapping()):
        try:
            return mapping.document(stored.doc_id, source, meta, stored.source_bytes)
        except SearchError:
            continue
    raise AssertionError("an empty mapping takes every document")


def _update_fields(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The fields an update body may bring (its `doc` and `upsert`), for dynamic mapping."""
    fields: dict[str, Any] = {}
    for key in ("upsert", "doc"):
        part = body.get(key)
        if isinstance(part, Mapping):
            fields = merge(fields, part)
    return fields or None


def _meta(mapping: IndexMapping, settings: IndexSettings) -> dict[str, Any]:
    return {"mapping": mapping.to_body(), "settings": settings.to_json()}


def _read_state(folder: Path) -> int:
    try:
        return int(orjson.loads((folder / _STATE).read_bytes())["seq_no"])
    except (FileNotFoundError, orjson.JSONDecodeError, KeyError, ValueError):
        return -1


def _write_json(path: Path, data: Any) -> None:
    _write_bytes(path, orjson.dumps(data))


def _write_text(path: Path, text: str) -> None:
    _write_bytes(path, text.encode())


def _write_bytes(path: Path, data: bytes) -> None:
    """Write atomically: a temporary file, fsynced, renamed over `path`."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("wb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)
