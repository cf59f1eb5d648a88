"""An index written by an earlier version whose text fields used another tokenizer opens,
is indexed again from its stored documents under today's schema, and keeps every document
and its sequence numbers."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import tantivy

from app.searchengine import mapping as mapping_module
from app.searchengine.mapping import DocumentMeta, IndexMapping
from tests.searchengine.conftest import start_engine

DOCUMENTS = {"1": "Grandma's harbour café", "2": "The harbour at dawn", "3": "Mountains"}


def _rewrite_with_old_tokenizer(index_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace the live generation's tantivy index by one whose text fields use tantivy's
    `default` tokenizer, as indexes written before the standard analyzer had them."""
    generation = (index_folder / "CURRENT").read_text().strip()
    folder = index_folder / f"g{generation}"
    meta = orjson.loads((folder / "meta.json").read_bytes())
    monkeypatch.setattr(mapping_module, "TEXT_TOKENIZER", "default")
    old = IndexMapping.from_body(meta["mapping"])
    target = folder / "tantivy"
    for child in target.iterdir():
        child.unlink()
    index = tantivy.Index(old.schema, path=str(target))
    writer = index.writer(15_000_000, 1)
    for seq_no, (doc_id, title) in enumerate(DOCUMENTS.items()):
        writer.add_document(old.document(doc_id, {"title": title}, DocumentMeta(1, seq_no)))
    writer.commit()
    writer.wait_merging_threads()


def test_an_index_of_an_earlier_schema_is_indexed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    with start_engine(tmp_path / "run", data) as engine, engine.client() as es:
        mappings = {"properties": {"title": {"type": "text"}}}
        assert es.put("/notes", json={"mappings": mappings}).is_success
        for seq_no, (doc_id, title) in enumerate(DOCUMENTS.items()):
            answer = es.put(f"/notes/_doc/{doc_id}", json={"title": title})
            assert answer.json()["_seq_no"] == seq_no
        assert engine.terminate() == 0
    index_folder = next(path.parent for path in data.rglob("CURRENT"))
    _rewrite_with_old_tokenizer(index_folder, monkeypatch)

    with start_engine(tmp_path / "run", data) as engine, engine.client() as es:
        assert "indexed again" in engine.log()
        found = es.post("/notes/_search", json={"query": {"match": {"title": "grandma's"}}})
        assert [hit["_id"] for hit in found.json()["hits"]["hits"]] == ["1"]
        assert es.post("/notes/_count").json()["count"] == 3
        written = es.put("/notes/_doc/4", json={"title": "Valley"}).json()
        assert written["_seq_no"] == 3
