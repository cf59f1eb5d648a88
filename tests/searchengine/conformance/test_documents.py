"""`_doc` CRUD: index, create, get, update, delete, their metadata and their conflicts."""

from __future__ import annotations

import pytest
from opensearchpy import ConflictError, NotFoundError, OpenSearch

from tests.searchengine.conformance.support import failure, info


def test_index_with_an_id_creates_version_1(opensearch: OpenSearch, index_name: str) -> None:
    answer = opensearch.index(index=index_name, id="a", body={"title": "one"})
    assert answer["_index"] == index_name
    assert answer["_id"] == "a"
    assert answer["_version"] == 1
    assert answer["result"] == "created"
    assert answer["_seq_no"] == 0
    assert answer["_primary_term"] == 1
    assert answer["_shards"]["failed"] == 0
    assert answer["_shards"]["successful"] >= 1


def test_index_without_an_id_generates_one(opensearch: OpenSearch, index_name: str) -> None:
    answer = opensearch.index(index=index_name, body={"title": "anonymous"})
    assert answer["result"] == "created"
    assert isinstance(answer["_id"], str) and answer["_id"]
    other = opensearch.index(index=index_name, body={"title": "another"})
    assert other["_id"] != answer["_id"]
    got = opensearch.get(index=index_name, id=answer["_id"])
    assert got["_source"] == {"title": "anonymous"}


def test_reindexing_an_id_replaces_the_document(opensearch: OpenSearch, index_name: str) -> None:
    first = opensearch.index(index=index_name, id="a", body={"title": "one", "n": 1})
    second = opensearch.index(index=index_name, id="a", body={"title": "two"})
    assert second["result"] == "updated"
    assert second["_version"] == 2
    assert second["_seq_no"] > first["_seq_no"]
    assert opensearch.get(index=index_name, id="a")["_source"] == {"title": "two"}


def test_ids_with_reserved_url_characters(opensearch: OpenSearch, index_name: str) -> None:
    doc_id = "user#1/ä ö?x&y=z"
    answer = opensearch.index(index=index_name, id=doc_id, body={"n": 1}, refresh=True)
    assert answer["_id"] == doc_id
    assert opensearch.get(index=index_name, id=doc_id)["_id"] == doc_id
    found = opensearch.search(index=index_name, body={"query": {"ids": {"values": [doc_id]}}})
    assert [hit["_id"] for hit in found["hits"]["hits"]] == [doc_id]
    assert opensearch.delete(index=index_name, id=doc_id)["result"] == "deleted"


def test_create_of_an_existing_id_is_a_409_conflict(
    opensearch: OpenSearch, index_name: str
) -> None:
    created = opensearch.create(index=index_name, id="a", body={"title": "one"})
    assert created["result"] == "created"
    with pytest.raises(ConflictError) as raised:
        opensearch.create(index=index_name, id="a", body={"title": "two"})
    assert failure(raised.value) == (409, "version_conflict_engine_exception")
    assert opensearch.get(index=index_name, id="a")["_source"] == {"title": "one"}


def test_op_type_create_is_the_same_conflict(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.index(index=index_name, id="a", body={"title": "one"})
    with pytest.raises(ConflictError) as raised:
        opensearch.index(index=index_name, id="a", body={"title": "two"}, op_type="create")
    assert failure(raised.value) == (409, "version_conflict_engine_exception")


def test_get_returns_source_and_metadata(opensearch: OpenSearch, index_name: str) -> None:
    source = {"title": "one", "tags": ["x", "y"], "n": 3, "nested": {"ok": True}, "none": None}
    written = opensearch.index(index=index_name, id="a", body=source)
    answer = opensearch.get(index=index_name, id="a")
    assert answer["_index"] == index_name
    assert answer["_id"] == "a"
    assert answer["found"] is True
    assert answer["_version"] == 1
    assert answer["_seq_no"] == written["_seq_no"]
    assert answer["_primary_term"] == written["_primary_term"]
    assert answer["_source"] == source


def test_get_of_a_missing_id_is_found_false(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.indices.create(index=index_name)
    with pytest.raises(NotFoundError) as raised:
        opensearch.get(index=index_name, id="nope")
    assert raised.value.status_code == 404
    assert info(raised.value) == {"_index": index_name, "_id": "nope", "found": False}


def test_get_from_a_missing_index_is_index_not_found(
    opensearch: OpenSearch, index_name: str
) -> None:
    with pytest.raises(NotFoundError) as raised:
        opensearch.get(index=index_name, id="a")
    assert failure(raised.value) == (404, "index_not_found_exception")


def test_mget_answers_each_id_in_order(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.index(index=index_name, id="a", body={"n": 1})
    opensearch.index(index=index_name, id="c", body={"n": 3})
    answer = opensearch.mget(index=index_name, body={"ids": ["c", "b", "a"]})
    docs = answer["docs"]
    assert [doc["_id"] for doc in docs] == ["c", "b", "a"]
    assert [doc["found"] for doc in docs] == [True, False, True]
    assert docs[0]["_source"] == {"n": 3}
    assert docs[0]["_index"] == index_name
    assert docs[0]["_version"] == 1
    assert "_source" not in docs[1]


def test_exists_for_a_document(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.index(index=index_name, id="a", body={"title": "one"})
    assert opensearch.exists(index=index_name, id="a") is True
    assert opensearch.exists(index=index_name, id="b") is False


def test_the_source_comes_back_as_sent(opensearch: OpenSearch, index_name: str) -> None:
    source = {
        "zeta": "last letter first",
        "alpha": {"nested": [{"deep": None}, {"deep": 1.5}], "flag": False},
        "big": 9007199254740993,
        "text": "naïve café — 東京 🎉",
        "empty": {},
        "list": [],
    }
    opensearch.index(index=index_name, id="a", body=source, refresh=True)
    got = opensearch.get(index=index_name, id="a")["_source"]
    assert got == source
    assert list(got) == list(source)
    hit = opensearch.search(index=index_name)["hits"]["hits"][0]["_source"]
    assert hit == source
    assert list(hit) == list(source)


def test_get_is_realtime_before_any_refresh(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.indices.create(index=index_name, body={"settings": {"refresh_interval": "-1"}})
    opensearch.index(index=index_name, id="a", body={"title": "fresh"})
    assert opensearch.get(index=index_name, id="a")["_source"] == {"title": "fresh"}
    opensearch.index(index=index_name, id="a", body={"title": "fresher"})
    answer = opensearch.get(index=index_name, id="a")
    assert answer["_source"] == {"title": "fresher"}
    assert answer["_version"] == 2


def test_search_does_not_see_a_write_before_a_refresh(
    opensearch: OpenSearch, index_name: str
) -> None:
    opensearch.indices.create(index=index_name, body={"settings": {"refresh_interval": "-1"}})
    opensearch.index(index=index_name, id="a", body={"title": "pending"})
    assert opensearch.count(index=index_name)["count"] == 0
    opensearch.indices.refresh(index=index_name)
    assert opensearch.count(index=index_name)["count"] == 1


def test_search_sees_a_document_after_refresh(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.index(index=index_name, id="a", body={"title": "fresh"})
    opensearch.indices.refresh(index=index_name)
    answer = opensearch.search(index=index_name, body={"query": {"match": {"title": "fresh"}}})
    assert [hit["_id"] for hit in answer["hits"]["hits"]] == ["a"]


def test_refresh_true_makes_a_write_searchable(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.index(index=index_name, id="a", body={"title": "now"}, refresh=True)
    opensearch.index(index=index_name, id="b", body={"title": "now"}, refresh="wait_for")
    assert opensearch.count(index=index_name)["count"] == 2


def test_get_without_source(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.index(index=index_name, id="a", body={"title": "one"})
    answer = opensearch.get(index=index_name, id="a", _source=False)
    assert answer["found"] is True
    assert "_source" not in answer


def test_get_source_filtering_parameters(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.index(index=index_name, id="a", body={"title": "one", "body": "long", "n": 1})
    answer = opensearch.get(index=index_name, id="a", _source_includes="title,n")
    assert answer["_source"] == {"title": "one", "n": 1}
    answer = opensearch.get(index=index_name, id="a", _source_excludes="body")
    assert answer["_source"] == {"title": "one", "n": 1}


class TestUpdate:
    def test_a_partial_doc_is_merged(self, opensearch: OpenSearch, index_name: str) -> None:
        opensearch.index(
            index=index_name, id="a", body={"title": "one", "n": 1, "meta": {"x": 1, "y": 2}}
        )
        answer = opensearch.update(
            index=index_name, id="a", body={"doc": {"n": 2, "meta": {"y": 3}, "extra": "e"}}
        )
        assert answer["result"] == "updated"
        assert answer["_version"] == 2
        assert answer["_id"] == "a"
        assert answer["_index"] == index_name
        assert isinstance(answer["_seq_no"], int)
        assert opensearch.get(index=index_name, id="a")["_source"] == {
            "title": "one",
            "n": 2,
            "meta": {"x": 1, "y": 3},
            "extra": "e",
        }

    def test_an_unchanged_doc_is_a_noop(self, opensearch: OpenSearch, index_name: str) -> None:
        opensearch.index(index=index_name, id="a", body={"title": "one"})
        answer = opensearch.update(index=index_name, id="a", body={"doc": {"title": "one"}})
        assert answer["result"] == "noop"
        assert answer["_version"] == 1

    def test_detect_noop_false_always_writes(self, opensearch: OpenSearch, index_name: str) -> None:
        opensearch.index(index=index_name, id="a", body={"title": "one"})
        answer = opensearch.update(
            index=index_name, id="a", body={"doc": {"title": "one"}, "detect_noop": False}
        )
        assert answer["result"] == "updated"
        assert answer["_version"] == 2

    def test_a_missing_document_is_document_missing(
        self, opensearch: OpenSearch, index_name: str
    ) -> None:
        opensearch.indices.create(index=index_name)
        with pytest.raises(NotFoundError) as raised:
            opensearch.update(index=index_name, id="a", body={"doc": {"title": "one"}})
        assert failure(raised.value) == (404, "document_missing_exception")

    def test_doc_as_upsert_creates_a_missing_document(
        self, opensearch: OpenSearch, index_name: str
    ) -> None:
        opensearch.indices.create(index=index_name)
        answer = opensearch.update(
            index=index_name, id="a", body={"doc": {"title": "one"}, "doc_as_upsert": True}
        )
        assert answer["result"] == "created"
        assert answer["_version"] == 1
        assert opensearch.get(index=index_name, id="a")["_source"] == {"title": "one"}
        again = opensearch.update(
            index=index_name, id="a", body={"doc": {"n": 2}, "doc_as_upsert": True}
        )
        assert again["result"] == "updated"
        assert opensearch.get(index=index_name, id="a")["_source"] == {"title": "one", "n": 2}

    def test_upsert_is_used_only_when_the_document_is_missing(
        self, opensearch: OpenSearch, index_name: str
    ) -> None:
        opensearch.indices.create(index=index_name)
        body = {"doc": {"state": "updated"}, "upsert": {"state": "inserted", "n": 0}}
        first = opensearch.update(index=index_name, id="a", body=body)
        assert first["result"] == "created"
        assert opensearch.get(index=index_name, id="a")["_source"] == {"state": "inserted", "n": 0}
        second = opensearch.update(index=index_name, id="a", body=body)
        assert second["result"] == "updated"
        assert opensearch.get(index=index_name, id="a")["_source"] == {"state": "updated", "n": 0}

    def test_an_updated_document_is_searchable_with_its_new_values(
        self, opensearch: OpenSearch, index_name: str
    ) -> None:
        opensearch.index(index=index_name, id="a", body={"title": "old words"}, refresh=True)
        opensearch.update(
            index=index_name, id="a", body={"doc": {"title": "new words"}}, refresh=True
        )

        def hits(word: str) -> int:
            answer = opensearch.search(index=index_name, body={"query": {"match": {"title": word}}})
            return int(answer["hits"]["total"]["value"])

        assert (hits("old"), hits("new")) == (0, 1)


class TestDelete:
    def test_delete_removes_the_document(self, opensearch: OpenSearch, index_name: str) -> None:
        opensearch.index(index=index_name, id="a", body={"title": "one"}, refresh=True)
        answer = opensearch.delete(index=index_name, id="a", refresh=True)
        assert answer["result"] == "deleted"
        assert answer["_version"] == 2
        assert answer["_id"] == "a"
        assert opensearch.exists(index=index_name, id="a") is False
        assert opensearch.count(index=index_name)["count"] == 0

    def test_delete_of_a_missing_id_is_not_found(
        self, opensearch: OpenSearch, index_name: str
    ) -> None:
        opensearch.indices.create(index=index_name)
        with pytest.raises(NotFoundError) as raised:
            opensearch.delete(index=index_name, id="nope")
        assert raised.value.status_code == 404
        assert info(raised.value)["result"] == "not_found"
        assert info(raised.value)["_id"] == "nope"

    def test_a_deleted_id_can_be_indexed_again(
        self, opensearch: OpenSearch, index_name: str
    ) -> None:
        opensearch.index(index=index_name, id="a", body={"title": "one"})
        opensearch.delete(index=index_name, id="a")
        answer = opensearch.index(index=index_name, id="a", body={"title": "two"})
        assert answer["result"] == "created"
        assert answer["_version"] == 3


class TestOptimisticConcurrency:
    def test_a_matching_seq_no_writes(self, opensearch: OpenSearch, index_name: str) -> None:
        first = opensearch.index(index=index_name, id="a", body={"n": 1})
        second = opensearch.index(
            index=index_name,
            id="a",
            body={"n": 2},
            if_seq_no=first["_seq_no"],
            if_primary_term=first["_primary_term"],
        )
        assert second["result"] == "updated"

    def test_a_stale_seq_no_is_a_409_conflict(
        self, opensearch: OpenSearch, index_name: str
    ) -> None:
        first = opensearch.index(index=index_name, id="a", body={"n": 1})
        opensearch.index(index=index_name, id="a", body={"n": 2})
        with pytest.raises(ConflictError) as raised:
            opensearch.index(
                index=index_name,
                id="a",
                body={"n": 3},
                if_seq_no=first["_seq_no"],
                if_primary_term=first["_primary_term"],
            )
        assert failure(raised.value) == (409, "version_conflict_engine_exception")
        assert opensearch.get(index=index_name, id="a")["_source"] == {"n": 2}

    def test_update_and_delete_check_seq_no_too(
        self, opensearch: OpenSearch, index_name: str
    ) -> None:
        first = opensearch.index(index=index_name, id="a", body={"n": 1})
        opensearch.index(index=index_name, id="a", body={"n": 2})
        stale = {"if_seq_no": first["_seq_no"], "if_primary_term": first["_primary_term"]}
        with pytest.raises(ConflictError) as raised:
            opensearch.update(index=index_name, id="a", body={"doc": {"n": 3}}, **stale)
        assert failure(raised.value) == (409, "version_conflict_engine_exception")
        with pytest.raises(ConflictError) as raised:
            opensearch.delete(index=index_name, id="a", **stale)
        assert failure(raised.value) == (409, "version_conflict_engine_exception")
        assert opensearch.get(index=index_name, id="a")["_source"] == {"n": 2}

    def test_seq_no_of_a_missing_document_is_a_conflict(
        self, opensearch: OpenSearch, index_name: str
    ) -> None:
        opensearch.indices.create(index=index_name)
        with pytest.raises(ConflictError) as raised:
            opensearch.index(
                index=index_name, id="a", body={"n": 1}, if_seq_no=0, if_primary_term=1
            )
        assert failure(raised.value) == (409, "version_conflict_engine_exception")
