"""Errors with OpenSearch's status, `type` and body shape, whatever the request."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import NotFoundError, OpenSearch, RequestError, TransportError

from tests.searchengine.conformance.support import failure, info, root_cause


def test_search_on_a_missing_index(opensearch: OpenSearch, index_name: str) -> None:
    with pytest.raises(NotFoundError) as raised:
        opensearch.search(index=index_name, body={"query": {"match_all": {}}})
    assert failure(raised.value) == (404, "index_not_found_exception")
    body = info(raised.value)
    assert body["status"] == 404
    assert body["error"]["index"] == index_name
    assert body["error"]["root_cause"][0]["type"] == "index_not_found_exception"
    assert index_name in body["error"]["reason"]


def test_an_unknown_query_is_a_parsing_exception(opensearch: OpenSearch, articles: str) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.search(index=articles, body={"query": {"no_such_query": {"f": "x"}}})
    assert failure(raised.value) == (400, "parsing_exception")
    assert "no_such_query" in info(raised.value)["error"]["reason"]


def test_an_unknown_query_inside_bool_is_a_parsing_exception(
    opensearch: OpenSearch, articles: str
) -> None:
    body: dict[str, Any] = {"query": {"bool": {"filter": [{"no_such_query": {}}]}}}
    with pytest.raises(RequestError) as raised:
        opensearch.search(index=articles, body=body)
    assert failure(raised.value) == (400, "parsing_exception")


def test_an_unknown_search_body_key_is_a_parsing_exception(
    opensearch: OpenSearch, articles: str
) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.search(index=articles, body={"querry": {"match_all": {}}})
    assert failure(raised.value) == (400, "parsing_exception")


def test_a_query_with_two_fields_is_a_parsing_exception(
    opensearch: OpenSearch, articles: str
) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.search(index=articles, body={"query": {"term": {"sku": "a", "author": "b"}}})
    assert failure(raised.value) == (400, "parsing_exception")


def test_malformed_json_is_a_400(opensearch: OpenSearch, articles: str) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.search(index=articles, body='{"query": {"match_all": {}}')
    assert raised.value.status_code == 400


def test_a_bad_value_for_a_mapped_field_is_a_mapper_parsing_exception(
    opensearch: OpenSearch, index_name: str
) -> None:
    opensearch.indices.create(
        index=index_name,
        body={"mappings": {"properties": {"n": {"type": "integer"}, "d": {"type": "date"},
                                          "b": {"type": "boolean"}}}},
    )  # fmt: skip
    for source in ({"n": "abc"}, {"d": "not a date"}, {"b": "maybe"}):
        with pytest.raises(RequestError) as raised:
            opensearch.index(index=index_name, id="1", body=source)
        assert failure(raised.value) == (400, "mapper_parsing_exception"), source
    assert opensearch.exists(index=index_name, id="1") is False


def test_an_object_for_a_text_field_is_a_mapper_parsing_exception(
    opensearch: OpenSearch, index_name: str
) -> None:
    opensearch.indices.create(
        index=index_name, body={"mappings": {"properties": {"t": {"type": "text"}}}}
    )
    with pytest.raises(RequestError) as raised:
        opensearch.index(index=index_name, id="1", body={"t": {"inner": "x"}})
    assert failure(raised.value) == (400, "mapper_parsing_exception")


def test_a_document_that_is_not_an_object_is_a_400(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.indices.create(index=index_name)
    with pytest.raises(RequestError) as raised:
        opensearch.index(index=index_name, id="1", body=[1, 2])
    assert raised.value.status_code == 400


def test_the_result_window_is_ten_thousand(opensearch: OpenSearch, articles: str) -> None:
    for body in ({"from": 9995, "size": 10}, {"size": 10001}):
        with pytest.raises(RequestError) as raised:
            opensearch.search(index=articles, body=body)
        assert raised.value.status_code == 400, body
        assert root_cause(raised.value)["type"] == "illegal_argument_exception", body
    answer = opensearch.search(index=articles, body={"from": 9990, "size": 10})
    assert answer["hits"]["hits"] == []


def test_a_negative_from_is_a_400(opensearch: OpenSearch, articles: str) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.search(index=articles, from_=-2)
    assert raised.value.status_code == 400


def test_a_negative_size_is_a_400(opensearch: OpenSearch, articles: str) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.search(index=articles, body={"size": -1})
    assert raised.value.status_code == 400


def test_aggregating_a_text_field_is_a_400(opensearch: OpenSearch, articles: str) -> None:
    body = {"size": 0, "aggs": {"t": {"terms": {"field": "title"}}}}
    with pytest.raises(RequestError) as raised:
        opensearch.search(index=articles, body=body)
    assert raised.value.status_code == 400
    assert root_cause(raised.value)["type"] == "illegal_argument_exception"


def test_an_unknown_aggregation_is_a_parsing_exception(
    opensearch: OpenSearch, articles: str
) -> None:
    body = {"size": 0, "aggs": {"x": {"no_such_agg": {"field": "price"}}}}
    with pytest.raises(RequestError) as raised:
        opensearch.search(index=articles, body=body)
    assert failure(raised.value) == (400, "parsing_exception")


def test_a_range_on_a_date_field_with_a_bad_date_is_a_400(
    opensearch: OpenSearch, articles: str
) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.search(
            index=articles, body={"query": {"range": {"published": {"gte": "yesterday-ish"}}}}
        )
    assert raised.value.status_code == 400


def test_error_bodies_have_opensearchs_shape(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.indices.create(index=index_name)
    with pytest.raises(RequestError) as raised:
        opensearch.indices.create(index=index_name)
    body = info(raised.value)
    assert set(body) == {"error", "status"}
    assert body["status"] == 400
    error = body["error"]
    assert isinstance(error["reason"], str) and error["reason"]
    assert error["root_cause"][0]["type"] == error["type"]
    assert error["root_cause"][0]["reason"] == error["reason"]


def test_an_empty_query_clause_is_a_400(opensearch: OpenSearch, articles: str) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.search(index=articles, body={"query": {}})
    assert raised.value.status_code == 400
    assert root_cause(raised.value)["type"] == "illegal_argument_exception"


def test_an_empty_clause_inside_bool_is_a_400(opensearch: OpenSearch, articles: str) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.search(index=articles, body={"query": {"bool": {"must": [{}]}}})
    assert raised.value.status_code == 400


def test_search_after_with_a_from_is_refused(opensearch: OpenSearch, articles: str) -> None:
    # OpenSearch refuses it per shard with a SearchException, which it reports as a 500;
    # the embedded engine answers 400. Either way the request fails.
    body = {"from": 2, "sort": [{"price": "asc"}], "search_after": [10]}
    with pytest.raises(TransportError) as raised:
        opensearch.search(index=articles, body=body)
    assert isinstance(raised.value.status_code, int)
    assert raised.value.status_code >= 400


def test_a_metadata_field_inside_a_document_is_a_mapper_parsing_exception(
    opensearch: OpenSearch, index_name: str
) -> None:
    opensearch.indices.create(index=index_name)
    with pytest.raises(RequestError) as raised:
        opensearch.index(index=index_name, id="1", body={"_id": "2", "title": "x"})
    assert failure(raised.value) == (400, "mapper_parsing_exception")
    for field in ("_source", "_version", "_seq_no", "_index"):
        with pytest.raises(RequestError) as raised:
            opensearch.index(index=index_name, id="1", body={field: 1})
        assert failure(raised.value) == (400, "mapper_parsing_exception"), field
    opensearch.index(index=index_name, id="3", body={"title": "fine"}, refresh=True)
    assert opensearch.count(index=index_name)["count"] == 1


@pytest.mark.parametrize(
    "query",
    [
        {"term": {"sku": None}},
        {"match": {"title": None}},
        {"match_phrase": {"title": {"query": "quick fox", "slop": -1}}},
        {"terms": {"tags": "animal"}},
        {"fuzzy": {"title": {"value": "fox", "fuzziness": 5}}},
    ],
    ids=["term-null", "match-null", "negative-slop", "terms-not-a-list",
         "fuzziness-5"],
)  # fmt: skip
def test_malformed_queries_are_400s(
    opensearch: OpenSearch, articles: str, query: dict[str, Any]
) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.search(index=articles, body={"query": query})
    assert raised.value.status_code == 400
