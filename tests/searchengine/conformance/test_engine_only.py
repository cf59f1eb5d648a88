"""The embedded engine's own contract: valid OpenSearch outside its surface is a 400 that
names the feature (type `strawsync_unsupported_exception`), never a silently different answer.

Skipped against a real cluster (OPENSEARCH_URL), where these requests succeed.
"""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import OpenSearch, RequestError

from tests.searchengine.conformance.support import engine_only, info

pytestmark = engine_only

UNSUPPORTED = "strawsync_unsupported_exception"


def refused(call: Any, feature: str) -> None:
    """`call()` answers 400 `strawsync_unsupported_exception` whose reason names `feature`."""
    with pytest.raises(RequestError) as raised:
        call()
    body = info(raised.value)
    assert raised.value.status_code == 400, body
    assert isinstance(body["error"], dict), body
    assert body["error"]["type"] == UNSUPPORTED, body
    assert body["error"]["root_cause"][0]["type"] == UNSUPPORTED, body
    assert feature in body["error"]["reason"], body


def test_a_geo_distance_query(opensearch: OpenSearch, articles: str) -> None:
    body = {"query": {"geo_distance": {"distance": "10km", "where": {"lat": 59.9, "lon": 10.7}}}}
    refused(lambda: opensearch.search(index=articles, body=body), "geo_distance")


def test_a_function_score_query(opensearch: OpenSearch, articles: str) -> None:
    body = {"query": {"function_score": {"query": {"match_all": {}}, "weight": 2}}}
    refused(lambda: opensearch.search(index=articles, body=body), "function_score")


def test_a_nested_query(opensearch: OpenSearch, articles: str) -> None:
    body = {"query": {"nested": {"path": "x", "query": {"match_all": {}}}}}
    refused(lambda: opensearch.search(index=articles, body=body), "nested")


def test_a_script_update(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.index(index=index_name, id="1", body={"n": 1})
    body = {"script": {"source": "ctx._source.n += 1", "lang": "painless"}}
    refused(lambda: opensearch.update(index=index_name, id="1", body=body), "script")
    assert opensearch.get(index=index_name, id="1")["_source"] == {"n": 1}


def test_a_script_update_in_bulk_fails_its_item(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.index(index=index_name, id="1", body={"n": 1})
    answer = opensearch.bulk(
        body=[{"update": {"_index": index_name, "_id": "1"}},
              {"script": {"source": "ctx._source.n += 1"}}]
    )  # fmt: skip
    assert answer["errors"] is True
    item = answer["items"][0]["update"]
    assert item["status"] == 400
    assert item["error"]["type"] == UNSUPPORTED
    assert "script" in item["error"]["reason"]


def test_a_nested_mapping(opensearch: OpenSearch, index_name: str) -> None:
    body = {"mappings": {"properties": {"comments": {"type": "nested"}}}}
    refused(lambda: opensearch.indices.create(index=index_name, body=body), "nested")
    assert opensearch.indices.exists(index=index_name) is False


def test_a_geo_point_mapping(opensearch: OpenSearch, index_name: str) -> None:
    body = {"mappings": {"properties": {"where": {"type": "geo_point"}}}}
    refused(lambda: opensearch.indices.create(index=index_name, body=body), "geo_point")


def test_a_custom_analyzer(opensearch: OpenSearch, index_name: str) -> None:
    body = {"mappings": {"properties": {"t": {"type": "text", "analyzer": "english"}}}}
    refused(lambda: opensearch.indices.create(index=index_name, body=body), "english")


@pytest.mark.parametrize(
    ("field", "parameter"),
    [
        ({"type": "keyword", "null_value": "NONE"}, "null_value"),
        ({"type": "text", "copy_to": "all"}, "copy_to"),
        ({"type": "long", "ignore_malformed": True}, "ignore_malformed"),
    ],
    ids=["null_value", "copy_to", "ignore_malformed"],
)
def test_mapping_parameters_that_change_indexing(
    opensearch: OpenSearch, index_name: str, field: dict[str, Any], parameter: str
) -> None:
    body = {"mappings": {"properties": {"f": field}}}
    refused(lambda: opensearch.indices.create(index=index_name, body=body), parameter)


def test_index_aliases(opensearch: OpenSearch, index_name: str) -> None:
    body: dict[str, Any] = {"aliases": {f"{index_name}-alias": {}}}
    refused(lambda: opensearch.indices.create(index=index_name, body=body), "alias")


def test_custom_analysis_settings(opensearch: OpenSearch, index_name: str) -> None:
    body = {"settings": {"analysis": {"analyzer": {"mine": {"type": "standard"}}}}}
    refused(lambda: opensearch.indices.create(index=index_name, body=body), "analysis")


def test_a_percentiles_aggregation(opensearch: OpenSearch, articles: str) -> None:
    body = {"size": 0, "aggs": {"p": {"percentiles": {"field": "price"}}}}
    refused(lambda: opensearch.search(index=articles, body=body), "percentiles")


def test_a_script_sort(opensearch: OpenSearch, articles: str) -> None:
    body = {"sort": [{"_script": {"type": "number", "script": {"source": "1"}}}]}
    refused(lambda: opensearch.search(index=articles, body=body), "_script")


def test_scroll(opensearch: OpenSearch, articles: str) -> None:
    refused(lambda: opensearch.search(index=articles, scroll="1m"), "scroll")


def test_explain(opensearch: OpenSearch, articles: str) -> None:
    refused(lambda: opensearch.search(index=articles, body={"explain": True}), "explain")


def test_collapse(opensearch: OpenSearch, articles: str) -> None:
    body = {"collapse": {"field": "author"}}
    refused(lambda: opensearch.search(index=articles, body=body), "collapse")


def test_external_versioning(opensearch: OpenSearch, index_name: str) -> None:
    refused(
        lambda: opensearch.index(
            index=index_name, id="1", body={"n": 1}, version=5, version_type="external"
        ),
        "version",
    )


@pytest.mark.parametrize(
    ("api", "feature"),
    [
        (lambda c, i: c.msearch(body=[{"index": i}, {"query": {"match_all": {}}}]), "_msearch"),
        (lambda c, i: c.delete_by_query(index=i, body={"query": {"match_all": {}}}),
         "_delete_by_query"),
        (lambda c, i: c.update_by_query(index=i, body={"query": {"match_all": {}}}),
         "_update_by_query"),
        (lambda c, i: c.indices.put_settings(index=i, body={"index": {"refresh_interval": "5s"}}),
         "_settings"),
    ],
    ids=["msearch", "delete_by_query", "update_by_query", "put_settings"],
)  # fmt: skip
def test_other_apis(opensearch: OpenSearch, articles: str, api: Any, feature: str) -> None:
    """OpenSearch APIs the engine does not serve name themselves, rather than looking like
    a URL typo ("no handler found")."""
    refused(lambda: api(opensearch, articles), feature)


def test_the_reason_points_to_a_cluster(opensearch: OpenSearch, articles: str) -> None:
    body = {"size": 0, "aggs": {"p": {"percentiles": {"field": "price"}}}}
    with pytest.raises(RequestError) as raised:
        opensearch.search(index=articles, body=body)
    assert "OpenSearch" in info(raised.value)["error"]["reason"]
