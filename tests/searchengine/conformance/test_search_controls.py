"""`_search` controls: from/size, sort, search_after, track_total_hits, _source, highlight."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import OpenSearch, RequestError

from tests.searchengine.conformance.support import Loader, hit_ids, root_cause

EVERYTHING = ["1", "2", "3", "4", "5", "6"]


def search(opensearch: OpenSearch, index: str, **body: Any) -> dict[str, Any]:
    return dict(opensearch.search(index=index, body=body))


class TestPaging:
    def test_from_and_size(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(opensearch, articles, sort=[{"price": "asc"}], **{"from": 2}, size=2)
        assert hit_ids(answer) == ["6", "2"]
        assert answer["hits"]["total"] == {"value": 6, "relation": "eq"}

    def test_from_past_the_end_is_empty(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(opensearch, articles, **{"from": 10})
        assert answer["hits"]["hits"] == []
        assert answer["hits"]["total"]["value"] == 6

    def test_from_and_size_as_url_parameters(self, opensearch: OpenSearch, articles: str) -> None:
        answer = opensearch.search(
            index=articles, body={"sort": [{"price": "asc"}]}, from_=1, size=2
        )
        assert hit_ids(answer) == ["1", "6"]

    def test_size_defaults_to_ten(self, opensearch: OpenSearch, make_index: Loader) -> None:
        index = make_index({str(i): {"n": i} for i in range(15)}, None)
        answer = opensearch.search(index=index)
        assert len(answer["hits"]["hits"]) == 10
        assert answer["hits"]["total"] == {"value": 15, "relation": "eq"}

    def test_size_zero_returns_no_hits_but_the_total(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        answer = search(opensearch, articles, size=0, query={"term": {"tags": "animal"}})
        assert answer["hits"]["hits"] == []
        assert answer["hits"]["total"] == {"value": 3, "relation": "eq"}

    def test_the_response_envelope(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(opensearch, articles, query={"term": {"sku": "AB-100"}})
        assert isinstance(answer["took"], int)
        assert answer["timed_out"] is False
        assert set(answer["_shards"]) >= {"total", "successful", "skipped", "failed"}
        assert answer["_shards"]["failed"] == 0
        ((hit),) = answer["hits"]["hits"]
        assert hit["_index"] == articles
        assert hit["_id"] == "1"
        assert isinstance(hit["_score"], float)
        assert answer["hits"]["max_score"] == hit["_score"]
        assert hit["_source"]["sku"] == "AB-100"

    def test_version_and_seq_no_on_hits(self, opensearch: OpenSearch, articles: str) -> None:
        body = {"query": {"ids": {"values": ["1"]}}, "version": True, "seq_no_primary_term": True}
        ((hit),) = opensearch.search(index=articles, body=body)["hits"]["hits"]
        assert hit["_version"] == 1
        assert isinstance(hit["_seq_no"], int)
        assert hit["_primary_term"] == 1
        plain = opensearch.search(index=articles, body={"query": {"ids": {"values": ["1"]}},
                                                        "version": False})  # fmt: skip
        assert "_version" not in plain["hits"]["hits"][0]

    def test_no_match_has_null_max_score(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(opensearch, articles, query={"term": {"sku": "nope"}})
        assert answer["hits"]["hits"] == []
        assert answer["hits"]["max_score"] is None
        assert answer["hits"]["total"] == {"value": 0, "relation": "eq"}


class TestSort:
    def test_numbers_ascending_with_missing_last(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        answer = search(opensearch, articles, sort=[{"price": "asc"}])
        assert hit_ids(answer) == ["3", "1", "6", "2", "4", "5"]
        assert [hit["sort"] for hit in answer["hits"]["hits"][:5]] == [[5], [10], [15], [25], [40]]

    def test_numbers_descending_with_missing_last(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        answer = search(opensearch, articles, sort=[{"price": {"order": "desc"}}])
        assert hit_ids(answer) == ["4", "2", "6", "1", "3", "5"]

    def test_order_is_case_insensitive(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(opensearch, articles, sort=[{"price": {"order": "DESC"}}], size=2)
        assert hit_ids(answer) == ["4", "2"]

    def test_missing_first(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(
            opensearch, articles, sort=[{"price": {"order": "asc", "missing": "_first"}}]
        )
        assert hit_ids(answer) == ["5", "3", "1", "6", "2", "4"]

    def test_doubles(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(opensearch, articles, sort=[{"rating": "desc"}], size=2)
        assert hit_ids(answer) == ["3", "1"]
        assert [hit["sort"] for hit in answer["hits"]["hits"]] == [[4.9], [4.5]]

    def test_dates_sort_as_epoch_millis(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(opensearch, articles, sort=[{"published": "desc"}], size=1)
        assert hit_ids(answer) == ["5"]
        assert answer["hits"]["hits"][0]["sort"] == [1706983200000]

    def test_keywords_sort_by_bytes(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(opensearch, articles, sort=[{"title.raw": "asc"}])
        assert hit_ids(answer) == ["6", "3", "5", "2", "4", "1"]
        assert answer["hits"]["hits"][0]["sort"] == ["A brown quick fox story"]

    def test_several_keys(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(opensearch, articles, sort=["author", {"price": "desc"}])
        assert hit_ids(answer) == ["1", "3", "2", "6", "4", "5"]
        assert answer["hits"]["hits"][0]["sort"] == ["alice", 10]

    def test_a_field_sort_leaves_scores_null(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(
            opensearch, articles, sort=[{"price": "asc"}], query={"match": {"title": "fox"}}
        )
        assert {hit["_score"] for hit in answer["hits"]["hits"]} == {None}
        assert answer["hits"]["max_score"] is None

    def test_score_sort(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(
            opensearch, articles, sort=["_score"], query={"match": {"body": "quick fox"}}
        )
        hits = answer["hits"]["hits"]
        assert {hit["_id"] for hit in hits} == {"1", "4", "5", "6"}
        scores = [hit["_score"] for hit in hits]
        assert scores == sorted(scores, reverse=True)
        assert [hit["sort"] for hit in hits] == [[score] for score in scores]

    def test_score_then_field(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(
            opensearch, articles, sort=[{"_score": "desc"}, {"sku": "desc"}],
            query={"term": {"tags": "animal"}},
        )  # fmt: skip
        assert hit_ids(answer) == ["5", "2", "1"]

    def test_sort_as_a_url_parameter(self, opensearch: OpenSearch, articles: str) -> None:
        answer = opensearch.search(index=articles, sort="price:desc", size=2)
        assert hit_ids(answer) == ["4", "2"]

    def test_sort_on_a_text_field_is_a_400(self, opensearch: OpenSearch, articles: str) -> None:
        with pytest.raises(RequestError) as raised:
            search(opensearch, articles, sort=[{"title": "asc"}])
        assert raised.value.status_code == 400
        assert root_cause(raised.value)["type"] == "illegal_argument_exception"

    def test_sort_on_an_unmapped_field_is_a_400(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        with pytest.raises(RequestError) as raised:
            search(opensearch, articles, sort=[{"no_such_field": "asc"}])
        assert raised.value.status_code == 400

    def test_unmapped_type_sorts_an_unmapped_field(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        sort = [{"no_such_field": {"order": "asc", "unmapped_type": "long"}}, {"sku": "asc"}]
        answer = search(opensearch, articles, sort=sort)
        assert hit_ids(answer) == ["1", "2", "3", "4", "5", "6"]


class TestSearchAfter:
    def test_pages_follow_the_last_sort_values(self, opensearch: OpenSearch, articles: str) -> None:
        sort = [{"published": "asc"}, {"sku": "asc"}]
        pages: list[list[str]] = []
        after: list[Any] | None = None
        for _ in range(4):
            body: dict[str, Any] = {"sort": sort, "size": 2}
            if after is not None:
                body["search_after"] = after
            answer = search(opensearch, articles, **body)
            pages.append(hit_ids(answer))
            if not answer["hits"]["hits"]:
                break
            after = answer["hits"]["hits"][-1]["sort"]
        assert pages == [["1", "6"], ["2", "3"], ["4", "5"], []]

    def test_pages_by_score_then_a_tiebreaker(self, opensearch: OpenSearch, articles: str) -> None:
        """AppSync's @searchable shape: `_score` then a unique key, one hit per page."""
        query = {"match": {"body": "quick fox dog"}}
        sort = [{"_score": {"order": "desc"}}, {"sku": {"order": "asc"}}]
        everything = hit_ids(search(opensearch, articles, query=query, sort=sort))
        pages: list[str] = []
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {"query": query, "sort": sort, "size": 1}
            if after is not None:
                body["search_after"] = after
            hits = search(opensearch, articles, **body)["hits"]["hits"]
            if not hits:
                break
            pages.append(hits[0]["_id"])
            after = hits[0]["sort"]
        assert pages == everything
        assert set(everything) == {"1", "2", "4", "5", "6"}

    def test_search_after_with_a_query_keeps_the_total(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        answer = search(
            opensearch, articles, query={"exists": {"field": "price"}},
            sort=[{"price": "desc"}, {"sku": "asc"}], search_after=[25, "AB-200"],
        )  # fmt: skip
        assert hit_ids(answer) == ["6", "1", "3"]
        assert answer["hits"]["total"]["value"] == 5

    def test_a_search_after_value_out_of_range_is_a_400(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        for sort in ("price", "published"):
            with pytest.raises(RequestError) as raised:
                search(opensearch, articles, sort=[sort], search_after=[2**63])
            assert raised.value.status_code == 400, sort

    def test_search_after_needs_as_many_values_as_sort_keys(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        with pytest.raises(RequestError) as raised:
            search(opensearch, articles, sort=[{"price": "asc"}, {"sku": "asc"}], search_after=[10])
        assert raised.value.status_code == 400


class TestTrackTotalHits:
    def test_default_is_exact_below_ten_thousand(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        assert search(opensearch, articles)["hits"]["total"] == {"value": 6, "relation": "eq"}

    def test_true_is_exact(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(opensearch, articles, track_total_hits=True)
        assert answer["hits"]["total"] == {"value": 6, "relation": "eq"}

    def test_false_leaves_out_the_total(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(opensearch, articles, track_total_hits=False)
        assert "total" not in answer["hits"]
        assert len(answer["hits"]["hits"]) == 6

    def test_a_number_below_the_count_is_a_lower_bound(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        answer = search(opensearch, articles, track_total_hits=2)
        assert answer["hits"]["total"] == {"value": 2, "relation": "gte"}
        assert len(answer["hits"]["hits"]) == 6

    def test_a_number_above_the_count_is_exact(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(opensearch, articles, track_total_hits=100)
        assert answer["hits"]["total"] == {"value": 6, "relation": "eq"}

    def test_a_number_equal_to_the_count_is_exact(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        answer = search(opensearch, articles, track_total_hits=6, size=0)
        assert answer["hits"]["total"] == {"value": 6, "relation": "eq"}

    def test_as_a_url_parameter(self, opensearch: OpenSearch, articles: str) -> None:
        answer = opensearch.search(index=articles, track_total_hits=3)
        assert answer["hits"]["total"] == {"value": 3, "relation": "gte"}


class TestSourceFiltering:
    def test_a_list_of_fields(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(
            opensearch, articles, query={"ids": {"values": ["1"]}}, _source=["title", "price"]
        )
        assert answer["hits"]["hits"][0]["_source"] == {"title": "The quick brown fox", "price": 10}

    def test_one_field_as_a_string(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(opensearch, articles, query={"ids": {"values": ["2"]}}, _source="sku")
        assert answer["hits"]["hits"][0]["_source"] == {"sku": "AB-200"}

    def test_includes_with_wildcards_and_excludes(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        answer = search(
            opensearch, articles, query={"ids": {"values": ["1"]}},
            _source={"includes": ["t*", "price"], "excludes": ["tags"]},
        )  # fmt: skip
        assert answer["hits"]["hits"][0]["_source"] == {"title": "The quick brown fox", "price": 10}

    def test_excludes_only(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(
            opensearch, articles, query={"ids": {"values": ["5"]}},
            _source={"excludes": ["body", "tags", "published"]},
        )  # fmt: skip
        assert answer["hits"]["hits"][0]["_source"] == {
            "title": "Foxes in the wild", "sku": "EF-1", "author": "dave", "active": False
        }  # fmt: skip

    def test_false_leaves_out_the_source(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(opensearch, articles, query={"ids": {"values": ["1"]}}, _source=False)
        hit = answer["hits"]["hits"][0]
        assert hit["_id"] == "1"
        assert "_source" not in hit

    def test_object_paths(self, opensearch: OpenSearch, make_index: Loader) -> None:
        source = {"name": "n", "address": {"city": "Oslo", "zip": "0150"}, "other": 1}
        index = make_index({"1": source}, None)
        answer = search(opensearch, index, _source=["address.city"])
        assert answer["hits"]["hits"][0]["_source"] == {"address": {"city": "Oslo"}}
        answer = search(opensearch, index, _source={"includes": ["address"]})
        assert answer["hits"]["hits"][0]["_source"] == {"address": {"city": "Oslo", "zip": "0150"}}
        answer = search(opensearch, index, _source={"excludes": ["address.zip"]})
        assert answer["hits"]["hits"][0]["_source"] == {
            "name": "n", "address": {"city": "Oslo"}, "other": 1
        }  # fmt: skip

    def test_as_url_parameters(self, opensearch: OpenSearch, articles: str) -> None:
        answer = opensearch.search(
            index=articles, body={"query": {"ids": {"values": ["1"]}}},
            _source_includes="title,sku",
        )  # fmt: skip
        assert answer["hits"]["hits"][0]["_source"] == {
            "title": "The quick brown fox",
            "sku": "AB-100",
        }


class TestHighlight:
    def test_the_matched_term_is_wrapped_in_em(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(
            opensearch, articles, query={"match": {"body": "lazy"}},
            highlight={"fields": {"body": {}}},
        )  # fmt: skip
        ((hit),) = answer["hits"]["hits"]
        assert hit["highlight"] == {"body": ["A quick brown fox jumps over the <em>lazy</em> dog"]}

    def test_every_matched_term_is_wrapped(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(
            opensearch, articles, query={"match": {"title": "quick fox"}},
            highlight={"fields": {"title": {}}},
        )  # fmt: skip
        highlights = {hit["_id"]: hit["highlight"]["title"] for hit in answer["hits"]["hits"]}
        assert highlights == {
            "1": ["The <em>quick</em> brown <em>fox</em>"],
            "4": ["<em>Quick</em> recipes for busy people"],
            "6": ["A brown <em>quick</em> <em>fox</em> story"],
        }

    def test_custom_tags(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(
            opensearch, articles, query={"match": {"title": "bread"}},
            highlight={"pre_tags": ["<b>"], "post_tags": ["</b>"], "fields": {"title": {}}},
        )  # fmt: skip
        assert answer["hits"]["hits"][0]["highlight"] == {"title": ["Brown <b>bread</b> recipe"]}

    def test_a_hit_without_a_highlight_has_no_key(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        query = {"bool": {"should": [{"match": {"title": "bread"}}, {"match": {"body": "sleeps"}}]}}
        answer = search(opensearch, articles, query=query, highlight={"fields": {"title": {}}})
        hits = {hit["_id"]: hit for hit in answer["hits"]["hits"]}
        assert set(hits) == {"2", "3"}
        assert hits["3"]["highlight"] == {"title": ["Brown <em>bread</em> recipe"]}
        assert "highlight" not in hits["2"]

    def test_several_fields(self, opensearch: OpenSearch, articles: str) -> None:
        answer = search(
            opensearch, articles,
            query={"multi_match": {"query": "bread", "fields": ["title", "body"]}},
            highlight={"fields": {"title": {}, "body": {}}},
        )  # fmt: skip
        ((hit),) = answer["hits"]["hits"]
        assert hit["highlight"] == {
            "title": ["Brown <em>bread</em> recipe"],
            "body": ["Bake brown <em>bread</em> with whole wheat flour"],
        }

    def test_multi_term_queries_are_highlighted(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        for query, expected in (
            ({"fuzzy": {"title": "bred"}}, ["Brown <em>bread</em> recipe"]),
            ({"prefix": {"title": "brea"}}, ["Brown <em>bread</em> recipe"]),
            ({"wildcard": {"title": "b*d"}}, ["Brown <em>bread</em> recipe"]),
        ):
            answer = search(opensearch, articles, query=query, highlight={"fields": {"title": {}}})
            assert [hit["highlight"]["title"] for hit in answer["hits"]["hits"]] == [expected], (
                query
            )

    def test_a_wildcard_field_highlights_only_queried_fields(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        answer = search(
            opensearch, articles, query={"match": {"title": "bread"}},
            highlight={"fields": {"*": {}}},
        )  # fmt: skip
        ((hit),) = answer["hits"]["hits"]
        assert hit["highlight"] == {"title": ["Brown <em>bread</em> recipe"]}

    def test_number_of_fragments_zero_highlights_the_whole_field(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        answer = search(
            opensearch, articles, query={"match": {"body": "night"}},
            highlight={"fields": {"body": {"number_of_fragments": 0}}},
        )  # fmt: skip
        assert answer["hits"]["hits"][0]["highlight"] == {
            "body": ["Wild foxes hunt at <em>night</em>, the fox is quick"]
        }

    def test_only_matching_values_of_an_array_are_highlighted(
        self, opensearch: OpenSearch, make_index: Loader
    ) -> None:
        index = make_index(
            {"1": {"lines": ["the very end", "start again", "end of story"]}},
            {"properties": {"lines": {"type": "text"}}},
        )
        answer = search(
            opensearch, index, query={"match": {"lines": "end"}},
            highlight={"fields": {"lines": {}}},
        )  # fmt: skip
        assert answer["hits"]["hits"][0]["highlight"] == {
            "lines": ["the very <em>end</em>", "<em>end</em> of story"]
        }
