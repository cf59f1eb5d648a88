"""Indexes: create with mappings, exists, get and put mapping, delete, and their errors."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import NotFoundError, OpenSearch, RequestError

from tests.searchengine.conformance.corpus import ARTICLE_MAPPINGS
from tests.searchengine.conformance.support import failure, info

MAPPINGS = {
    "properties": {
        "title": {"type": "text"},
        "name": {"type": "text", "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
        "status": {"type": "keyword"},
        "count": {"type": "long"},
        "stock": {"type": "integer"},
        "price": {"type": "double"},
        "weight": {"type": "float"},
        "created": {"type": "date"},
        "active": {"type": "boolean"},
    }
}


def test_create_answers_acknowledged_with_the_index_name(
    opensearch: OpenSearch, index_name: str
) -> None:
    answer = opensearch.indices.create(index=index_name, body={"mappings": MAPPINGS})
    assert answer == {"acknowledged": True, "shards_acknowledged": True, "index": index_name}


def test_create_without_a_body(opensearch: OpenSearch, index_name: str) -> None:
    answer = opensearch.indices.create(index=index_name)
    assert answer["acknowledged"] is True
    assert opensearch.indices.exists(index=index_name) is True


def test_exists_is_true_only_for_an_existing_index(opensearch: OpenSearch, index_name: str) -> None:
    assert opensearch.indices.exists(index=index_name) is False
    opensearch.indices.create(index=index_name)
    assert opensearch.indices.exists(index=index_name) is True


def test_get_mapping_returns_the_declared_properties(
    opensearch: OpenSearch, index_name: str
) -> None:
    opensearch.indices.create(index=index_name, body={"mappings": MAPPINGS})
    answer = opensearch.indices.get_mapping(index=index_name)
    assert list(answer) == [index_name]
    assert answer[index_name]["mappings"]["properties"] == MAPPINGS["properties"]


def test_nested_object_properties_round_trip(opensearch: OpenSearch, index_name: str) -> None:
    mappings = {
        "properties": {
            "address": {"properties": {"city": {"type": "keyword"}, "zip": {"type": "integer"}}}
        }
    }
    opensearch.indices.create(index=index_name, body={"mappings": mappings})
    answer = opensearch.indices.get_mapping(index=index_name)
    assert answer[index_name]["mappings"]["properties"] == mappings["properties"]


def test_put_mapping_adds_a_field_and_keeps_the_others(
    opensearch: OpenSearch, index_name: str
) -> None:
    opensearch.indices.create(index=index_name, body={"mappings": ARTICLE_MAPPINGS})
    answer = opensearch.indices.put_mapping(
        index=index_name, body={"properties": {"summary": {"type": "text"}}}
    )
    assert answer == {"acknowledged": True}
    properties = opensearch.indices.get_mapping(index=index_name)[index_name]["mappings"][
        "properties"
    ]
    assert properties["summary"] == {"type": "text"}
    for name, field in ARTICLE_MAPPINGS["properties"].items():
        assert properties[name] == field


def test_put_mapping_on_existing_documents_makes_the_new_field_searchable(
    opensearch: OpenSearch, index_name: str
) -> None:
    opensearch.indices.create(index=index_name, body={"mappings": {"properties": {}}})
    opensearch.index(index=index_name, id="1", body={"title": "first"}, refresh=True)
    opensearch.indices.put_mapping(
        index=index_name, body={"properties": {"kind": {"type": "keyword"}}}
    )
    opensearch.index(index=index_name, id="2", body={"title": "second", "kind": "b"}, refresh=True)
    answer = opensearch.search(index=index_name, body={"query": {"term": {"kind": "b"}}})
    assert [hit["_id"] for hit in answer["hits"]["hits"]] == ["2"]
    assert opensearch.count(index=index_name)["count"] == 2


def test_put_mapping_cannot_change_a_field_type(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.indices.create(index=index_name, body={"mappings": MAPPINGS})
    with pytest.raises(RequestError) as raised:
        opensearch.indices.put_mapping(
            index=index_name, body={"properties": {"count": {"type": "text"}}}
        )
    assert failure(raised.value) == (400, "illegal_argument_exception")


def test_put_mapping_on_a_missing_index_is_index_not_found(
    opensearch: OpenSearch, index_name: str
) -> None:
    with pytest.raises(NotFoundError) as raised:
        opensearch.indices.put_mapping(
            index=index_name, body={"properties": {"a": {"type": "text"}}}
        )
    assert failure(raised.value) == (404, "index_not_found_exception")


def test_get_mapping_of_a_missing_index_is_index_not_found(
    opensearch: OpenSearch, index_name: str
) -> None:
    with pytest.raises(NotFoundError) as raised:
        opensearch.indices.get_mapping(index=index_name)
    assert failure(raised.value) == (404, "index_not_found_exception")


def test_delete_answers_acknowledged_and_removes_the_index(
    opensearch: OpenSearch, index_name: str
) -> None:
    opensearch.indices.create(index=index_name)
    opensearch.index(index=index_name, id="1", body={"a": 1}, refresh=True)
    assert opensearch.indices.delete(index=index_name) == {"acknowledged": True}
    assert opensearch.indices.exists(index=index_name) is False
    with pytest.raises(NotFoundError):
        opensearch.get(index=index_name, id="1")


def test_a_deleted_index_can_be_created_again_empty(
    opensearch: OpenSearch, index_name: str
) -> None:
    opensearch.indices.create(index=index_name)
    opensearch.index(index=index_name, id="1", body={"a": 1}, refresh=True)
    opensearch.indices.delete(index=index_name)
    opensearch.indices.create(index=index_name)
    assert opensearch.count(index=index_name)["count"] == 0


def test_delete_of_a_missing_index_is_index_not_found(
    opensearch: OpenSearch, index_name: str
) -> None:
    with pytest.raises(NotFoundError) as raised:
        opensearch.indices.delete(index=index_name)
    assert failure(raised.value) == (404, "index_not_found_exception")
    assert info(raised.value)["error"]["index"] == index_name


def test_create_of_an_existing_index_is_resource_already_exists(
    opensearch: OpenSearch, index_name: str
) -> None:
    opensearch.indices.create(index=index_name)
    with pytest.raises(RequestError) as raised:
        opensearch.indices.create(index=index_name)
    assert failure(raised.value) == (400, "resource_already_exists_exception")
    assert info(raised.value)["error"]["index"] == index_name


def test_an_uppercase_index_name_is_invalid(opensearch: OpenSearch, index_name: str) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.indices.create(index=index_name.upper())
    assert failure(raised.value) == (400, "invalid_index_name_exception")


def test_a_name_starting_with_a_dash_is_invalid(opensearch: OpenSearch) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.indices.create(index="-bad-name")
    assert failure(raised.value) == (400, "invalid_index_name_exception")


def test_an_unknown_field_type_is_a_mapper_parsing_exception(
    opensearch: OpenSearch, index_name: str
) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.indices.create(
            index=index_name,
            body={"mappings": {"properties": {"a": {"type": "no_such_type"}}}},
        )
    assert failure(raised.value) == (400, "mapper_parsing_exception")
    assert opensearch.indices.exists(index=index_name) is False


@pytest.mark.parametrize(
    "properties",
    [
        {"a": "text"},
        {"a": {"type": "text", "fields": True}},
        {"a": {"type": "text", "fields": "raw"}},
        {"a": {"type": "text", "fields": {"raw": "keyword"}}},
    ],
    ids=["field-not-an-object", "fields-true", "fields-a-string", "subfield-not-an-object"],
)
def test_a_malformed_mapping_is_a_mapper_parsing_exception(
    opensearch: OpenSearch, index_name: str, properties: dict[str, Any]
) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.indices.create(index=index_name, body={"mappings": {"properties": properties}})
    assert failure(raised.value) == (400, "mapper_parsing_exception")
    assert opensearch.indices.exists(index=index_name) is False


def test_indexing_into_a_missing_index_creates_it(opensearch: OpenSearch, index_name: str) -> None:
    answer = opensearch.index(index=index_name, id="1", body={"title": "hello"})
    assert answer["result"] == "created"
    assert opensearch.indices.exists(index=index_name) is True


def test_a_new_field_extends_an_explicit_mapping(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.indices.create(index=index_name, body={"mappings": MAPPINGS})
    opensearch.index(index=index_name, id="1", body={"title": "a", "count": 1}, refresh=True)
    opensearch.index(index=index_name, id="2", body={"title": "b", "rank": 7}, refresh=True)
    properties = opensearch.indices.get_mapping(index=index_name)[index_name]["mappings"][
        "properties"
    ]
    assert properties["rank"] == {"type": "long"}
    assert properties["count"] == {"type": "long"}
    body = {"query": {"range": {"rank": {"gte": 5}}}}
    assert opensearch.count(index=index_name, body=body)["count"] == 1
    assert opensearch.get(index=index_name, id="1")["_source"] == {"title": "a", "count": 1}


def test_strict_dynamic_mapping_refuses_unknown_fields(
    opensearch: OpenSearch, index_name: str
) -> None:
    mappings = {"dynamic": "strict", "properties": {"title": {"type": "text"}}}
    opensearch.indices.create(index=index_name, body={"mappings": mappings})
    with pytest.raises(RequestError) as raised:
        opensearch.index(index=index_name, id="1", body={"title": "a", "other": 1})
    assert failure(raised.value) == (400, "strict_dynamic_mapping_exception")
    assert opensearch.index(index=index_name, id="2", body={"title": "b"})["result"] == "created"


def test_dynamic_false_keeps_unknown_fields_in_source_only(
    opensearch: OpenSearch, index_name: str
) -> None:
    mappings = {"dynamic": False, "properties": {"title": {"type": "text"}}}
    opensearch.indices.create(index=index_name, body={"mappings": mappings})
    opensearch.index(index=index_name, id="1", body={"title": "a", "other": "x"}, refresh=True)
    assert opensearch.get(index=index_name, id="1")["_source"] == {"title": "a", "other": "x"}
    properties = opensearch.indices.get_mapping(index=index_name)[index_name]["mappings"][
        "properties"
    ]
    assert "other" not in properties
    body = {"query": {"match": {"other": "x"}}}
    assert opensearch.count(index=index_name, body=body)["count"] == 0


class TestDynamicMapping:
    """A document's new fields are mapped from their JSON values, as OpenSearch does."""

    def mapped(self, opensearch: OpenSearch, index: str, source: dict[str, Any]) -> dict[str, Any]:
        opensearch.index(index=index, id="1", body=source, refresh=True)
        return dict(opensearch.indices.get_mapping(index=index)[index]["mappings"]["properties"])

    def test_a_string_is_text_with_a_keyword_subfield(
        self, opensearch: OpenSearch, index_name: str
    ) -> None:
        properties = self.mapped(opensearch, index_name, {"name": "Ada"})
        assert properties["name"] == {
            "type": "text",
            "fields": {"keyword": {"type": "keyword", "ignore_above": 256}},
        }

    def test_an_integer_is_long(self, opensearch: OpenSearch, index_name: str) -> None:
        assert self.mapped(opensearch, index_name, {"n": 3})["n"] == {"type": "long"}

    def test_a_fraction_is_float(self, opensearch: OpenSearch, index_name: str) -> None:
        assert self.mapped(opensearch, index_name, {"x": 1.5})["x"] == {"type": "float"}

    def test_a_boolean_is_boolean(self, opensearch: OpenSearch, index_name: str) -> None:
        assert self.mapped(opensearch, index_name, {"b": True})["b"] == {"type": "boolean"}

    def test_a_date_string_is_date(self, opensearch: OpenSearch, index_name: str) -> None:
        properties = self.mapped(opensearch, index_name, {"at": "2024-03-01T10:00:00Z"})
        assert properties["at"]["type"] == "date"

    def test_an_object_gets_properties(self, opensearch: OpenSearch, index_name: str) -> None:
        properties = self.mapped(opensearch, index_name, {"address": {"zip": 1234}})
        assert properties["address"] == {"properties": {"zip": {"type": "long"}}}

    def test_the_keyword_subfield_is_searchable(
        self, opensearch: OpenSearch, index_name: str
    ) -> None:
        self.mapped(opensearch, index_name, {"name": "Ada Lovelace"})
        answer = opensearch.search(
            index=index_name, body={"query": {"term": {"name.keyword": "Ada Lovelace"}}}
        )
        assert answer["hits"]["total"]["value"] == 1

    def test_a_string_longer_than_ignore_above_skips_the_keyword(
        self, opensearch: OpenSearch, index_name: str
    ) -> None:
        long_name = "word " * 60
        self.mapped(opensearch, index_name, {"name": long_name})
        exact = {"query": {"term": {"name.keyword": long_name}}}
        assert opensearch.count(index=index_name, body=exact)["count"] == 0
        exists = {"query": {"exists": {"field": "name.keyword"}}}
        assert opensearch.count(index=index_name, body=exists)["count"] == 0
        assert (
            opensearch.count(index=index_name, body={"query": {"match": {"name": "word"}}})["count"]
            == 1
        )

    def test_sorting_on_the_keyword_subfield(self, opensearch: OpenSearch, index_name: str) -> None:
        for doc_id, name in (("1", "pear"), ("2", "apple"), ("3", "fig")):
            opensearch.index(index=index_name, id=doc_id, body={"name": name})
        opensearch.indices.refresh(index=index_name)
        answer = opensearch.search(index=index_name, body={"sort": [{"name.keyword": "asc"}]})
        assert [hit["_id"] for hit in answer["hits"]["hits"]] == ["2", "3", "1"]
