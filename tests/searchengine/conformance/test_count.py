"""`_count`: every document, or those a query matches."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import NotFoundError, OpenSearch, RequestError

from tests.searchengine.conformance.support import failure


def test_count_without_a_query_counts_everything(opensearch: OpenSearch, articles: str) -> None:
    answer = opensearch.count(index=articles)
    assert answer["count"] == 6
    assert answer["_shards"]["failed"] == 0


def test_count_with_a_query(opensearch: OpenSearch, articles: str) -> None:
    assert opensearch.count(index=articles, body={"query": {"term": {"tags": "animal"}}}) == {
        "count": 3,
        "_shards": opensearch.count(index=articles)["_shards"],
    }
    body = {"query": {"bool": {"filter": [{"range": {"price": {"gte": 10}}}]}}}
    assert opensearch.count(index=articles, body=body)["count"] == 4


def test_count_of_an_empty_index_is_zero(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.indices.create(index=index_name)
    assert opensearch.count(index=index_name)["count"] == 0


def test_count_of_a_missing_index_is_index_not_found(
    opensearch: OpenSearch, index_name: str
) -> None:
    with pytest.raises(NotFoundError) as raised:
        opensearch.count(index=index_name)
    assert failure(raised.value) == (404, "index_not_found_exception")


def test_count_with_an_unknown_query_is_a_parsing_exception(
    opensearch: OpenSearch, articles: str
) -> None:
    with pytest.raises(RequestError) as raised:
        opensearch.count(index=articles, body={"query": {"no_such_query": {}}})
    assert failure(raised.value) == (400, "parsing_exception")


@pytest.mark.parametrize(
    "query",
    [
        {"match": {"title": "quick fox"}},
        {"match_phrase": {"body": "quick brown"}},
        {"multi_match": {"query": "bread dog", "fields": ["title", "body"]}},
        {"terms": {"tags": ["food", "wild"]}},
        {"range": {"published": {"gte": "2024-01-02"}}},
        {"bool": {"must_not": [{"term": {"author": "bob"}}]}},
        {"prefix": {"sku": "AB"}},
        {"wildcard": {"title": "f*"}},
        {"regexp": {"sku": "EF-[0-9]+"}},
        {"fuzzy": {"title": "quikc"}},
        {"exists": {"field": "price"}},
        {"ids": {"values": ["1", "2", "9"]}},
    ],
)
def test_count_agrees_with_the_search_total(
    opensearch: OpenSearch, articles: str, query: dict[str, Any]
) -> None:
    counted = opensearch.count(index=articles, body={"query": query})["count"]
    searched = opensearch.search(index=articles, body={"query": query, "size": 0})
    assert searched["hits"]["total"] == {"value": counted, "relation": "eq"}
    assert counted > 0
