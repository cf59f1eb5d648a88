"""Aggregations: terms, avg, sum, min, max, cardinality, date_histogram; with size 0 and queries."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import OpenSearch, RequestError

JANUARY = 1704067200000  # 2024-01-01T00:00:00Z in epoch milliseconds
FEBRUARY = 1706745600000  # 2024-02-01T00:00:00Z
DAY = 86_400_000


def aggregate(
    opensearch: OpenSearch, index: str, aggs: dict[str, Any], query: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"size": 0, "aggs": aggs}
    if query is not None:
        body["query"] = query
    answer = opensearch.search(index=index, body=body)
    assert answer["hits"]["hits"] == []
    return dict(answer["aggregations"])


class TestTerms:
    def test_buckets_by_count_then_key(self, opensearch: OpenSearch, articles: str) -> None:
        result = aggregate(opensearch, articles, {"tags": {"terms": {"field": "tags"}}})
        assert result["tags"] == {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": 0,
            "buckets": [
                {"key": "animal", "doc_count": 3},
                {"key": "fast", "doc_count": 2},
                {"key": "food", "doc_count": 2},
                {"key": "wild", "doc_count": 1},
            ],
        }

    def test_size_cuts_and_counts_the_rest(self, opensearch: OpenSearch, articles: str) -> None:
        result = aggregate(opensearch, articles, {"a": {"terms": {"field": "author", "size": 2}}})
        assert result["a"]["buckets"] == [
            {"key": "alice", "doc_count": 2},
            {"key": "bob", "doc_count": 2},
        ]
        assert result["a"]["sum_other_doc_count"] == 2

    def test_order_by_key(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"a": {"terms": {"field": "author", "order": {"_key": "desc"}}}}
        result = aggregate(opensearch, articles, aggs)
        assert [bucket["key"] for bucket in result["a"]["buckets"]] == [
            "dave",
            "carol",
            "bob",
            "alice",
        ]

    def test_numeric_keys(self, opensearch: OpenSearch, articles: str) -> None:
        result = aggregate(opensearch, articles, {"p": {"terms": {"field": "price"}}})
        assert result["p"]["buckets"] == [
            {"key": price, "doc_count": 1} for price in (5, 10, 15, 25, 40)
        ]

    def test_boolean_keys(self, opensearch: OpenSearch, articles: str) -> None:
        result = aggregate(opensearch, articles, {"b": {"terms": {"field": "active"}}})
        assert result["b"]["buckets"] == [
            {"key": 1, "key_as_string": "true", "doc_count": 4},
            {"key": 0, "key_as_string": "false", "doc_count": 2},
        ]

    def test_date_keys_have_a_string(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"d": {"terms": {"field": "published", "size": 1, "order": {"_key": "asc"}}}}
        result = aggregate(opensearch, articles, aggs)
        assert result["d"]["buckets"] == [
            {"key": 1704103200000, "key_as_string": "2024-01-01T10:00:00.000Z", "doc_count": 1}
        ]

    def test_a_keyword_subfield(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"t": {"terms": {"field": "title.raw", "size": 1, "order": {"_key": "asc"}}}}
        result = aggregate(opensearch, articles, aggs)
        assert result["t"]["buckets"] == [{"key": "A brown quick fox story", "doc_count": 1}]

    def test_only_matching_documents_count(self, opensearch: OpenSearch, articles: str) -> None:
        result = aggregate(
            opensearch, articles, {"a": {"terms": {"field": "author"}}},
            query={"term": {"active": True}},
        )  # fmt: skip
        assert result["a"]["buckets"] == [
            {"key": "alice", "doc_count": 2},
            {"key": "bob", "doc_count": 1},
            {"key": "carol", "doc_count": 1},
        ]

    def test_a_metric_under_each_bucket(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"a": {"terms": {"field": "author"}, "aggs": {"p": {"avg": {"field": "price"}}}}}
        result = aggregate(opensearch, articles, aggs)
        assert {b["key"]: b["p"]["value"] for b in result["a"]["buckets"]} == {
            "alice": 7.5, "bob": 20.0, "carol": 40.0, "dave": None
        }  # fmt: skip


class TestTermsOptions:
    def test_order_by_count_ascending(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"t": {"terms": {"field": "tags", "order": {"_count": "asc"}}}}
        result = aggregate(opensearch, articles, aggs)
        assert [(b["key"], b["doc_count"]) for b in result["t"]["buckets"]] == [
            ("wild", 1), ("fast", 2), ("food", 2), ("animal", 3)
        ]  # fmt: skip

    def test_order_by_a_sub_aggregation(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {
            "a": {
                "terms": {"field": "author", "order": {"top": "desc"}},
                "aggs": {"top": {"max": {"field": "price"}}},
            }
        }
        result = aggregate(opensearch, articles, aggs)
        assert [b["key"] for b in result["a"]["buckets"]][:3] == ["carol", "bob", "alice"]

    def test_missing_gets_a_bucket(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"p": {"terms": {"field": "price", "missing": 0, "size": 1,
                                "order": {"_key": "asc"}}}}  # fmt: skip
        result = aggregate(opensearch, articles, aggs)
        assert result["p"]["buckets"] == [{"key": 0, "doc_count": 1}]

    def test_include_and_exclude(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {
            "listed": {"terms": {"field": "tags", "include": ["food", "wild"]}},
            "pattern": {"terms": {"field": "tags", "include": "f.*", "exclude": "fast"}},
        }
        result = aggregate(opensearch, articles, aggs)
        assert [b["key"] for b in result["listed"]["buckets"]] == ["food", "wild"]
        assert [b["key"] for b in result["pattern"]["buckets"]] == ["food"]


class TestMetrics:
    def test_avg_sum_min_max(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {
            "avg": {"avg": {"field": "price"}},
            "sum": {"sum": {"field": "price"}},
            "min": {"min": {"field": "price"}},
            "max": {"max": {"field": "price"}},
        }
        result = aggregate(opensearch, articles, aggs)
        assert result == {
            "avg": {"value": 19.0},
            "sum": {"value": 95.0},
            "min": {"value": 5.0},
            "max": {"value": 40.0},
        }

    def test_doubles(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"avg": {"avg": {"field": "rating"}}, "max": {"max": {"field": "rating"}}}
        result = aggregate(opensearch, articles, aggs)
        assert result["avg"]["value"] == pytest.approx(3.78)
        assert result["max"]["value"] == pytest.approx(4.9)

    def test_missing_counts_as_a_value(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"avg": {"avg": {"field": "price", "missing": 0}},
                "min": {"min": {"field": "price", "missing": 0}}}  # fmt: skip
        result = aggregate(opensearch, articles, aggs)
        assert result["avg"]["value"] == pytest.approx(95 / 6)
        assert result["min"] == {"value": 0.0}

    def test_with_a_query(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"avg": {"avg": {"field": "price"}}}
        result = aggregate(opensearch, articles, aggs, query={"term": {"tags": "food"}})
        assert result["avg"] == {"value": 22.5}

    def test_no_matching_documents(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {
            "avg": {"avg": {"field": "price"}},
            "sum": {"sum": {"field": "price"}},
            "min": {"min": {"field": "price"}},
            "max": {"max": {"field": "price"}},
            "card": {"cardinality": {"field": "author"}},
            "terms": {"terms": {"field": "author"}},
        }
        result = aggregate(opensearch, articles, aggs, query={"term": {"sku": "none"}})
        assert result["avg"] == {"value": None}
        assert result["sum"] == {"value": 0.0}
        assert result["min"] == {"value": None}
        assert result["max"] == {"value": None}
        assert result["card"] == {"value": 0}
        assert result["terms"]["buckets"] == []

    def test_min_and_max_of_a_date_have_a_string(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        aggs = {"first": {"min": {"field": "published"}}, "last": {"max": {"field": "published"}}}
        result = aggregate(opensearch, articles, aggs)
        assert result["first"] == {
            "value": 1704103200000.0, "value_as_string": "2024-01-01T10:00:00.000Z"
        }  # fmt: skip
        assert result["last"] == {
            "value": 1706983200000.0, "value_as_string": "2024-02-03T18:00:00.000Z"
        }  # fmt: skip

    def test_cardinality(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {
            "authors": {"cardinality": {"field": "author"}},
            "tags": {"cardinality": {"field": "tags"}},
            "prices": {"cardinality": {"field": "price"}},
        }
        result = aggregate(opensearch, articles, aggs)
        assert result == {"authors": {"value": 4}, "tags": {"value": 4}, "prices": {"value": 5}}

    def test_aggregations_beside_hits(self, opensearch: OpenSearch, articles: str) -> None:
        answer = opensearch.search(
            index=articles,
            body={
                "query": {"term": {"author": "alice"}},
                "aggregations": {"s": {"sum": {"field": "price"}}},
            },
        )
        assert {hit["_id"] for hit in answer["hits"]["hits"]} == {"1", "3"}
        assert answer["aggregations"] == {"s": {"value": 15.0}}


class TestDateHistogram:
    def test_calendar_month(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"m": {"date_histogram": {"field": "published", "calendar_interval": "month"}}}
        result = aggregate(opensearch, articles, aggs)
        assert result["m"]["buckets"] == [
            {"key_as_string": "2024-01-01T00:00:00.000Z", "key": JANUARY, "doc_count": 4},
            {"key_as_string": "2024-02-01T00:00:00.000Z", "key": FEBRUARY, "doc_count": 2},
        ]

    def test_empty_buckets_between_are_kept(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"d": {"date_histogram": {"field": "published", "calendar_interval": "day"}}}
        result = aggregate(
            opensearch, articles, aggs, query={"range": {"published": {"lt": "2024-01-06"}}}
        )
        assert [(b["key"], b["doc_count"]) for b in result["d"]["buckets"]] == [
            (JANUARY, 1),
            (JANUARY + DAY, 2),
            (JANUARY + 2 * DAY, 0),
            (JANUARY + 3 * DAY, 0),
            (JANUARY + 4 * DAY, 1),
        ]
        assert result["d"]["buckets"][2]["key_as_string"] == "2024-01-03T00:00:00.000Z"

    def test_calendar_weeks_start_on_monday(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"w": {"date_histogram": {"field": "published", "calendar_interval": "week"}}}
        result = aggregate(opensearch, articles, aggs)
        # 2024-01-01 is a Monday; 2024-02-01 and 2024-02-03 fall in the week of 2024-01-29.
        assert [(b["key"], b["doc_count"]) for b in result["w"]["buckets"]] == [
            (JANUARY, 4), (JANUARY + 7 * DAY, 0), (JANUARY + 14 * DAY, 0),
            (JANUARY + 21 * DAY, 0), (JANUARY + 28 * DAY, 2),
        ]  # fmt: skip

    def test_calendar_year_and_quarter(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {
            "y": {"date_histogram": {"field": "published", "calendar_interval": "year"}},
            "q": {"date_histogram": {"field": "published", "calendar_interval": "quarter"}},
        }
        result = aggregate(opensearch, articles, aggs)
        assert result["y"]["buckets"] == [
            {"key_as_string": "2024-01-01T00:00:00.000Z", "key": JANUARY, "doc_count": 6}
        ]
        assert [(b["key"], b["doc_count"]) for b in result["q"]["buckets"]] == [(JANUARY, 6)]

    def test_min_doc_count_drops_empty_buckets(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"d": {"date_histogram": {"field": "published", "calendar_interval": "1d",
                                         "min_doc_count": 1}}}  # fmt: skip
        result = aggregate(
            opensearch, articles, aggs, query={"range": {"published": {"lt": "2024-01-06"}}}
        )
        assert [(b["key"], b["doc_count"]) for b in result["d"]["buckets"]] == [
            (JANUARY, 1), (JANUARY + DAY, 2), (JANUARY + 4 * DAY, 1)
        ]  # fmt: skip

    def test_fixed_interval(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"d": {"date_histogram": {"field": "published", "fixed_interval": "2d",
                                         "min_doc_count": 1}}}  # fmt: skip
        result = aggregate(
            opensearch, articles, aggs, query={"range": {"published": {"lt": "2024-01-06"}}}
        )
        # Fixed intervals are aligned on the epoch: 2024-01-01 is day 19723, so the two-day
        # buckets start on 2023-12-31, 2024-01-02 and 2024-01-04.
        assert [(b["key"], b["doc_count"]) for b in result["d"]["buckets"]] == [
            (JANUARY - DAY, 1), (JANUARY + DAY, 2), (JANUARY + 3 * DAY, 1)
        ]  # fmt: skip

    def test_a_format_for_the_keys(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {"m": {"date_histogram": {"field": "published", "calendar_interval": "month",
                                         "format": "yyyy-MM-dd"}}}  # fmt: skip
        result = aggregate(opensearch, articles, aggs)
        assert [(b["key_as_string"], b["key"]) for b in result["m"]["buckets"]] == [
            ("2024-01-01", JANUARY), ("2024-02-01", FEBRUARY)
        ]  # fmt: skip

    def test_a_metric_under_each_bucket(self, opensearch: OpenSearch, articles: str) -> None:
        aggs = {
            "m": {
                "date_histogram": {"field": "published", "calendar_interval": "month"},
                "aggs": {"revenue": {"sum": {"field": "price"}}},
            }
        }
        result = aggregate(opensearch, articles, aggs)
        assert [b["revenue"]["value"] for b in result["m"]["buckets"]] == [55.0, 40.0]


class TestEdges:
    def test_an_unmapped_field_gives_empty_results(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        aggs = {
            "terms": {"terms": {"field": "nope"}},
            "avg": {"avg": {"field": "nope"}},
            "max": {"max": {"field": "nope"}},
            "card": {"cardinality": {"field": "nope"}},
        }
        result = aggregate(opensearch, articles, aggs)
        assert result["terms"]["buckets"] == []
        assert result["avg"] == {"value": None}
        assert result["max"] == {"value": None}
        assert result["card"] == {"value": 0}

    def test_terms_size_zero_is_a_400(self, opensearch: OpenSearch, articles: str) -> None:
        with pytest.raises(RequestError) as raised:
            aggregate(opensearch, articles, {"t": {"terms": {"field": "tags", "size": 0}}})
        assert raised.value.status_code == 400

    def test_date_histogram_needs_an_interval(self, opensearch: OpenSearch, articles: str) -> None:
        with pytest.raises(RequestError) as raised:
            aggregate(opensearch, articles, {"d": {"date_histogram": {"field": "published"}}})
        assert raised.value.status_code == 400

    def test_a_multiple_calendar_interval_is_a_400(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        aggs = {"d": {"date_histogram": {"field": "published", "calendar_interval": "2d"}}}
        with pytest.raises(RequestError) as raised:
            aggregate(opensearch, articles, aggs)
        assert raised.value.status_code == 400

    def test_several_aggregations_and_names_are_kept(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        aggs = {
            "by-author": {"terms": {"field": "author", "size": 1}},
            "cheapest": {"min": {"field": "price"}},
            "per month": {"date_histogram": {"field": "published", "calendar_interval": "month"}},
        }
        result = aggregate(opensearch, articles, aggs)
        assert set(result) == {"by-author", "cheapest", "per month"}
