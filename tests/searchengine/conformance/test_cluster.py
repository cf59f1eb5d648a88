"""The root endpoint and searches over several indexes, as clients use them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from opensearchpy import ConflictError, OpenSearch

from tests.searchengine.conformance.support import Loader, connect, endpoint_url, hit_ids


def test_ping_and_info(opensearch: OpenSearch) -> None:
    assert opensearch.ping() is True
    info = opensearch.info()
    assert info["version"]["distribution"] == "opensearch"
    assert isinstance(info["version"]["number"], str)
    assert isinstance(info["cluster_name"], str)
    assert info["tagline"] == "The OpenSearch Project: https://opensearch.org/"


def test_a_search_over_two_indexes(opensearch: OpenSearch, make_index: Loader) -> None:
    first = make_index({"1": {"title": "red fox"}, "2": {"title": "blue whale"}}, None)
    second = make_index({"1": {"title": "red panda"}}, None)
    answer = opensearch.search(index=[first, second], body={"query": {"match": {"title": "red"}}})
    assert answer["hits"]["total"] == {"value": 2, "relation": "eq"}
    assert sorted((hit["_index"], hit["_id"]) for hit in answer["hits"]["hits"]) == sorted(
        [(first, "1"), (second, "1")]
    )
    assert opensearch.count(index=[first, second])["count"] == 3


def test_aggregations_across_two_indexes(opensearch: OpenSearch, make_index: Loader) -> None:
    mappings = {"properties": {"k": {"type": "keyword"}, "n": {"type": "long"}}}
    first = make_index({"1": {"k": "a", "n": 1}, "2": {"k": "b", "n": 2}}, mappings)
    second = make_index({"1": {"k": "a", "n": 6}}, mappings)
    body = {"size": 0, "aggs": {"k": {"terms": {"field": "k"}}, "sum": {"sum": {"field": "n"}}}}
    answer = opensearch.search(index=[first, second], body=body)
    assert answer["aggregations"]["k"]["buckets"] == [
        {"key": "a", "doc_count": 2},
        {"key": "b", "doc_count": 1},
    ]
    assert answer["aggregations"]["sum"] == {"value": 9.0}


def test_sorting_across_two_indexes(opensearch: OpenSearch, make_index: Loader) -> None:
    first = make_index({"a": {"n": 3}, "b": {"n": 1}}, {"properties": {"n": {"type": "long"}}})
    second = make_index({"c": {"n": 2}}, {"properties": {"n": {"type": "long"}}})
    answer = opensearch.search(index=f"{first},{second}", body={"sort": [{"n": "asc"}]})
    assert hit_ids(answer) == ["b", "c", "a"]


def test_a_few_thousand_documents(opensearch: OpenSearch, index_name: str) -> None:
    """Paging, counting and aggregating past the sizes of the small corpora."""
    opensearch.indices.create(
        index=index_name,
        body={"mappings": {"properties": {"n": {"type": "long"}, "even": {"type": "boolean"}}}},
    )
    lines: list[object] = []
    for n in range(3000):
        lines += [{"index": {"_index": index_name, "_id": str(n)}}, {"n": n, "even": n % 2 == 0}]
    assert opensearch.bulk(body=lines, refresh=True)["errors"] is False
    assert opensearch.count(index=index_name)["count"] == 3000
    page = opensearch.search(
        index=index_name, body={"sort": [{"n": "asc"}], "from": 2000, "size": 5}
    )
    assert [hit["_source"]["n"] for hit in page["hits"]["hits"]] == [2000, 2001, 2002, 2003, 2004]
    assert page["hits"]["total"] == {"value": 3000, "relation": "eq"}
    body = {
        "size": 0,
        "query": {"term": {"even": True}},
        "aggs": {"avg": {"avg": {"field": "n"}}, "card": {"cardinality": {"field": "n"}}},
    }
    answer = opensearch.search(index=index_name, body=body)
    assert answer["hits"]["total"]["value"] == 1500
    assert answer["aggregations"]["avg"]["value"] == 1499.0
    assert answer["aggregations"]["card"]["value"] == pytest.approx(1500, rel=0.01)


def test_totals_past_ten_thousand(opensearch: OpenSearch, index_name: str) -> None:
    """The default total is exact only up to 10,000; the result window ends there too."""
    opensearch.indices.create(
        index=index_name, body={"mappings": {"properties": {"n": {"type": "long"}}}}
    )
    for start in range(0, 10_050, 2_500):
        lines: list[object] = []
        for n in range(start, min(start + 2_500, 10_050)):
            lines += [{"index": {"_index": index_name, "_id": str(n)}}, {"n": n}]
        assert opensearch.bulk(body=lines)["errors"] is False
    opensearch.indices.refresh(index=index_name)
    assert opensearch.count(index=index_name)["count"] == 10_050
    default = opensearch.search(index=index_name, body={"size": 0})
    assert default["hits"]["total"] == {"value": 10_000, "relation": "gte"}
    exact = opensearch.search(index=index_name, body={"size": 0, "track_total_hits": True})
    assert exact["hits"]["total"] == {"value": 10_050, "relation": "eq"}
    last = opensearch.search(
        index=index_name, body={"sort": [{"n": "asc"}], "from": 9_995, "size": 5}
    )
    assert [hit["_source"]["n"] for hit in last["hits"]["hits"]] == list(range(9_995, 10_000))


def test_gzip_compressed_requests_and_answers(
    request: pytest.FixtureRequest, index_name: str
) -> None:
    """opensearch-py's http_compress gzips request bodies (Content-Encoding: gzip) and asks
    for gzipped answers, as clients of AWS-managed domains often do."""
    client = connect(endpoint_url(request), http_compress=True)
    try:
        lines: list[object] = []
        for n in range(50):
            lines += [{"index": {"_index": index_name, "_id": str(n)}}, {"text": f"word{n} common"}]
        assert client.bulk(body=lines, refresh=True)["errors"] is False
        answer = client.search(index=index_name, body={"query": {"match": {"text": "word7"}}})
        assert [hit["_id"] for hit in answer["hits"]["hits"]] == ["7"]
        assert client.count(index=index_name)["count"] == 50
    finally:
        client.close()


def test_concurrent_writers(opensearch: OpenSearch, index_name: str) -> None:
    """Several clients writing the same index at once lose nothing and conflict only on
    `_create` of one id."""
    opensearch.indices.create(index=index_name)

    def write(worker: int) -> int:
        lines: list[object] = []
        for n in range(250):
            lines += [{"index": {"_index": index_name, "_id": f"{worker}-{n}"}}, {"w": worker}]
        assert opensearch.bulk(body=lines)["errors"] is False
        created = 0
        for _ in range(5):
            try:
                opensearch.create(index=index_name, id="contested", body={"w": worker})
                created += 1
            except ConflictError:
                pass
        return created

    with ThreadPoolExecutor(max_workers=4) as pool:
        created = sum(pool.map(write, range(4)))
    opensearch.indices.refresh(index=index_name)
    assert created == 1
    assert opensearch.count(index=index_name)["count"] == 4 * 250 + 1
    body = {"size": 0, "aggs": {"w": {"terms": {"field": "w"}}}}
    buckets = opensearch.search(index=index_name, body=body)["aggregations"]["w"]["buckets"]
    # The contested document counts for whichever writer created it.
    assert {b["key"] for b in buckets} == {0, 1, 2, 3}
    assert sorted(b["doc_count"] for b in buckets) == [250, 250, 250, 251]
