"""`_search` with each query type over the six articles of `corpus.py`.

Expected ids are worked out by hand from the terms listed in `corpus.py`.
"""

from __future__ import annotations

import pytest
from opensearchpy import OpenSearch

from tests.searchengine.conformance.support import Loader, hit_ids, search_ids


class TestFullText:
    def test_match_is_or_by_default(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"match": {"title": "quick fox"}}
        assert search_ids(opensearch, articles, query) == {"1", "4", "6"}

    def test_match_analyzes_the_query_text(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"match": {"title": "QUICK, Fox!"}}
        assert search_ids(opensearch, articles, query) == {"1", "4", "6"}

    def test_match_operator_and(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"match": {"title": {"query": "quick fox", "operator": "and"}}}
        assert search_ids(opensearch, articles, query) == {"1", "6"}

    def test_match_operator_is_case_insensitive(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        query = {"match": {"title": {"query": "quick fox", "operator": "AND"}}}
        assert search_ids(opensearch, articles, query) == {"1", "6"}

    def test_match_minimum_should_match(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"match": {"title": {"query": "quick brown fox", "minimum_should_match": 3}}}
        assert search_ids(opensearch, articles, query) == {"1", "6"}

    def test_match_fuzziness_auto(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"match": {"title": {"query": "quikc", "fuzziness": "AUTO"}}}
        assert search_ids(opensearch, articles, query) == {"1", "4", "6"}

    def test_match_fuzziness_auto_is_exact_for_short_terms(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        query = {"match": {"title": {"query": "fx", "fuzziness": "AUTO"}}}
        assert search_ids(opensearch, articles, query) == set()

    def test_match_fuzziness_number(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"match": {"body": {"query": "dgo", "fuzziness": 1}}}
        assert search_ids(opensearch, articles, query) == {"1", "2"}

    def test_match_on_a_keyword_is_exact(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"match": {"sku": "AB-100"}}) == {"1"}
        assert search_ids(opensearch, articles, {"match": {"sku": "ab-100"}}) == set()

    def test_match_on_a_number(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"match": {"price": 25}}) == {"2"}

    def test_match_phrase(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"match_phrase": {"title": "quick fox"}}) == {"6"}
        assert search_ids(opensearch, articles, {"match_phrase": {"body": "quick brown"}}) == {"1"}

    def test_match_phrase_slop(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"match_phrase": {"title": {"query": "quick fox", "slop": 1}}}
        assert search_ids(opensearch, articles, query) == {"1", "6"}

    def test_match_phrase_prefix(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"match_phrase_prefix": {"title": "quick fo"}}) == {
            "6"
        }
        assert search_ids(opensearch, articles, {"match_phrase_prefix": {"title": "the qu"}}) == {
            "1"
        }
        assert search_ids(opensearch, articles, {"match_phrase_prefix": {"title": "reci"}}) == {
            "3",
            "4",
        }

    def test_multi_match_searches_every_field(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"multi_match": {"query": "bread dog", "fields": ["title", "body"]}}
        assert search_ids(opensearch, articles, query) == {"1", "2", "3"}

    def test_multi_match_field_boost_ranks_that_field_first(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        body = {"query": {"multi_match": {"query": "fox", "fields": ["title^10", "body"]}}}
        ids = hit_ids(opensearch.search(index=articles, body=body))
        assert set(ids) == {"1", "5", "6"}
        assert ids[-1] == "5"

    def test_multi_match_phrase_type(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"multi_match": {"query": "brown bread", "fields": ["title", "body"],
                                 "type": "phrase"}}  # fmt: skip
        assert search_ids(opensearch, articles, query) == {"3"}

    def test_multi_match_operator_and(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"multi_match": {"query": "quick lazy", "fields": ["title", "body"],
                                 "operator": "and"}}  # fmt: skip
        assert search_ids(opensearch, articles, query) == {"1"}


class TestTermLevel:
    def test_term_on_a_keyword(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"term": {"tags": "animal"}}) == {"1", "2", "5"}
        assert search_ids(opensearch, articles, {"term": {"sku": {"value": "AB-100"}}}) == {"1"}

    def test_term_is_not_analyzed(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"term": {"title": "quick"}}) == {"1", "4", "6"}
        assert search_ids(opensearch, articles, {"term": {"title": "Quick"}}) == set()

    def test_term_on_a_keyword_subfield(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"term": {"title.raw": "Lazy dogs sleep"}}
        assert search_ids(opensearch, articles, query) == {"2"}

    def test_term_on_numbers_and_booleans(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"term": {"price": 25}}) == {"2"}
        assert search_ids(opensearch, articles, {"term": {"rating": 4.5}}) == {"1"}
        assert search_ids(opensearch, articles, {"term": {"active": True}}) == {"1", "3", "4", "6"}
        assert search_ids(opensearch, articles, {"term": {"active": "false"}}) == {"2", "5"}

    def test_term_on_a_date(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"term": {"published": "2024-02-01T00:00:00Z"}}
        assert search_ids(opensearch, articles, query) == {"4"}

    def test_terms(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"terms": {"tags": ["food", "wild"]}}) == {
            "3", "4", "5"
        }  # fmt: skip
        assert search_ids(opensearch, articles, {"terms": {"price": [5, 40, 99]}}) == {"3", "4"}

    def test_range_on_integers(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"range": {"price": {"gte": 10, "lte": 25}}}) == {
            "1", "2", "6"
        }  # fmt: skip
        assert search_ids(opensearch, articles, {"range": {"price": {"gt": 10, "lt": 40}}}) == {
            "2", "6"
        }  # fmt: skip

    def test_range_on_doubles(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"range": {"rating": {"gt": 4.0}}}) == {"1", "3"}

    def test_range_on_dates(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"range": {"published": {"gte": "2024-01-02", "lt": "2024-02-01T00:00:00Z"}}}
        assert search_ids(opensearch, articles, query) == {"2", "3", "6"}
        query = {"range": {"published": {"gt": "2024-01-02T06:00:00Z"}}}
        assert search_ids(opensearch, articles, query) == {"2", "3", "4", "5"}

    def test_range_on_dates_as_epoch_millis(self, opensearch: OpenSearch, articles: str) -> None:
        # 2024-02-01T00:00:00Z is 1706745600000 ms after the epoch.
        query = {"range": {"published": {"gte": 1706745600000}}}
        assert search_ids(opensearch, articles, query) == {"4", "5"}

    def test_range_on_booleans(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"range": {"active": {"gte": True}}}) == {
            "1", "3", "4", "6"
        }  # fmt: skip
        assert search_ids(opensearch, articles, {"range": {"active": {"lt": True}}}) == {"2", "5"}

    def test_range_on_a_keyword_is_lexicographic(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        query = {"range": {"sku": {"gte": "AB-200", "lt": "CD-310"}}}
        assert search_ids(opensearch, articles, query) == {"2", "3"}

    def test_prefix(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"prefix": {"sku": "CD"}}) == {"3", "4"}
        assert search_ids(opensearch, articles, {"prefix": {"title": {"value": "reci"}}}) == {
            "3", "4"
        }  # fmt: skip

    def test_wildcard(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"wildcard": {"sku": "AB-?00"}}) == {"1", "2"}
        assert search_ids(opensearch, articles, {"wildcard": {"sku": {"value": "*-1*"}}}) == {
            "1", "5"
        }  # fmt: skip
        assert search_ids(opensearch, articles, {"wildcard": {"title": "f*x"}}) == {"1", "6"}

    def test_regexp(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"regexp": {"sku": "EF-[0-9]+"}}) == {"5", "6"}
        assert search_ids(opensearch, articles, {"regexp": {"title": "fox(es)?"}}) == {
            "1", "5", "6"
        }  # fmt: skip

    def test_regexp_matches_the_whole_term(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"regexp": {"sku": "AB"}}) == set()
        assert search_ids(opensearch, articles, {"regexp": {"sku": {"value": "AB.*"}}}) == {
            "1", "2"
        }  # fmt: skip

    def test_fuzzy(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"fuzzy": {"title": "quikc"}}) == {"1", "4", "6"}
        query = {"fuzzy": {"title": {"value": "brwn", "fuzziness": 1}}}
        assert search_ids(opensearch, articles, query) == {"1", "3", "6"}

    def test_exists(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"exists": {"field": "price"}}) == {
            "1", "2", "3", "4", "6"
        }  # fmt: skip

    def test_exists_is_false_for_an_empty_list(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"exists": {"field": "tags"}}) == {
            "1", "2", "3", "4", "5"
        }  # fmt: skip

    def test_range_on_dates_relative_to_now(self, opensearch: OpenSearch, articles: str) -> None:
        assert len(search_ids(opensearch, articles, {"range": {"published": {"lt": "now"}}})) == 6
        assert (
            search_ids(opensearch, articles, {"range": {"published": {"gte": "now-1d"}}}) == set()
        )

    def test_range_date_rounding(self, opensearch: OpenSearch, articles: str) -> None:
        # lte rounds up to the end of the day, lt rounds down to its start.
        query = {"range": {"published": {"lte": "2024-01-02||/d"}}}
        assert search_ids(opensearch, articles, query) == {"1", "2", "6"}
        query = {"range": {"published": {"lt": "2024-01-02||/d"}}}
        assert search_ids(opensearch, articles, query) == {"1"}

    def test_terms_on_ids(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"terms": {"_id": ["2", "4"]}}) == {"2", "4"}

    def test_ids(self, opensearch: OpenSearch, articles: str) -> None:
        assert search_ids(opensearch, articles, {"ids": {"values": ["1", "3", "99"]}}) == {
            "1", "3"
        }  # fmt: skip

    def test_ids_takes_a_single_value_too(self, opensearch: OpenSearch, articles: str) -> None:
        # The ids query's parser (ObjectParser's string array) accepts one value for a list.
        assert search_ids(opensearch, articles, {"ids": {"values": "1"}}) == {"1"}

    def test_match_all_scores_one(self, opensearch: OpenSearch, articles: str) -> None:
        answer = opensearch.search(index=articles, body={"query": {"match_all": {}}})
        assert set(hit_ids(answer)) == {"1", "2", "3", "4", "5", "6"}
        assert {hit["_score"] for hit in answer["hits"]["hits"]} == {1.0}
        assert answer["hits"]["max_score"] == 1.0

    def test_no_query_is_match_all(self, opensearch: OpenSearch, articles: str) -> None:
        answer = opensearch.search(index=articles)
        assert answer["hits"]["total"] == {"value": 6, "relation": "eq"}


class TestQueryString:
    def test_the_q_url_parameter(self, opensearch: OpenSearch, articles: str) -> None:
        answer = opensearch.search(index=articles, q="title:fox")
        assert set(hit_ids(answer)) == {"1", "6"}

    def test_query_string_with_fields_and_operators(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        query = {"query_string": {"query": "title:fox AND tags:animal"}}
        assert search_ids(opensearch, articles, query) == {"1"}
        query = {"query_string": {"query": "bread OR sleep", "default_field": "title"}}
        assert search_ids(opensearch, articles, query) == {"2", "3"}

    def test_simple_query_string(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"simple_query_string": {"query": "bread | lazy", "fields": ["title"]}}
        assert search_ids(opensearch, articles, query) == {"2", "3"}


class TestBool:
    def test_must_filter_and_must_not(self, opensearch: OpenSearch, articles: str) -> None:
        query = {
            "bool": {
                "must": [{"match": {"body": "quick"}}],
                "filter": [{"term": {"active": True}}],
                "must_not": [{"term": {"author": "carol"}}],
            }
        }
        assert search_ids(opensearch, articles, query) == {"1"}

    def test_clauses_may_be_single_objects(self, opensearch: OpenSearch, articles: str) -> None:
        query = {
            "bool": {"must": {"match": {"body": "quick"}}, "filter": {"term": {"active": True}}}
        }
        assert search_ids(opensearch, articles, query) == {"1", "4"}

    def test_should_alone_needs_one_match(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"bool": {"should": [{"term": {"tags": "food"}}, {"term": {"tags": "wild"}}]}}
        assert search_ids(opensearch, articles, query) == {"3", "4", "5"}

    def test_minimum_should_match(self, opensearch: OpenSearch, articles: str) -> None:
        query = {
            "bool": {
                "should": [
                    {"match": {"title": "quick"}},
                    {"match": {"title": "fox"}},
                    {"match": {"title": "brown"}},
                ],
                "minimum_should_match": 2,
            }
        }
        assert search_ids(opensearch, articles, query) == {"1", "6"}

    def test_minimum_should_match_as_percentages_and_negatives(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        should = [
            {"match": {"title": "quick"}},
            {"match": {"title": "fox"}},
            {"match": {"title": "brown"}},
        ]
        # 67% of 3 rounds down to 2; -1 means all but one: 2 as well.
        for minimum in ("67%", -1, "-1"):
            query = {"bool": {"should": should, "minimum_should_match": minimum}}
            assert search_ids(opensearch, articles, query) == {"1", "6"}, minimum

    def test_should_beside_must_is_optional_but_scores(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        body = {
            "query": {
                "bool": {
                    "must": [{"term": {"tags": "animal"}}],
                    "should": [{"match": {"title": "fox"}}],
                }
            }
        }
        ids = hit_ids(opensearch.search(index=articles, body=body))
        assert set(ids) == {"1", "2", "5"}
        assert ids[0] == "1"

    def test_filter_only_scores_zero(self, opensearch: OpenSearch, articles: str) -> None:
        body = {"query": {"bool": {"filter": [{"term": {"author": "alice"}}]}}}
        answer = opensearch.search(index=articles, body=body)
        assert set(hit_ids(answer)) == {"1", "3"}
        assert {hit["_score"] for hit in answer["hits"]["hits"]} == {0.0}

    def test_should_beside_filter_is_optional(self, opensearch: OpenSearch, articles: str) -> None:
        query = {
            "bool": {"filter": [{"term": {"active": True}}], "should": [{"term": {"tags": "wild"}}]}
        }
        assert search_ids(opensearch, articles, query) == {"1", "3", "4", "6"}

    def test_should_beside_must_not_alone_needs_one_match(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        query = {
            "bool": {
                "should": [{"term": {"tags": "animal"}}],
                "must_not": [{"term": {"author": "dave"}}],
            }
        }
        assert search_ids(opensearch, articles, query) == {"1", "2"}

    def test_minimum_should_match_makes_should_required_beside_filter(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        query = {
            "bool": {
                "filter": [{"term": {"active": True}}],
                "should": [{"term": {"tags": "food"}}, {"term": {"tags": "animal"}}],
                "minimum_should_match": 1,
            }
        }
        assert search_ids(opensearch, articles, query) == {"1", "3", "4"}

    def test_must_not_alone_matches_the_rest(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"bool": {"must_not": [{"terms": {"author": ["alice", "bob"]}}]}}
        assert search_ids(opensearch, articles, query) == {"4", "5"}

    def test_nested_bools(self, opensearch: OpenSearch, articles: str) -> None:
        query = {
            "bool": {
                "should": [
                    {
                        "bool": {
                            "must": [{"term": {"author": "alice"}}, {"range": {"price": {"lt": 8}}}]
                        }
                    },
                    {"bool": {"filter": [{"term": {"tags": "wild"}}]}},
                ]
            }
        }
        assert search_ids(opensearch, articles, query) == {"3", "5"}

    def test_boost_changes_the_order(self, opensearch: OpenSearch, articles: str) -> None:
        def first(boost_food: float) -> str:
            body = {
                "query": {
                    "bool": {
                        "should": [
                            {"term": {"tags": {"value": "food", "boost": boost_food}}},
                            {"term": {"tags": {"value": "wild", "boost": 1.0}}},
                        ]
                    }
                }
            }
            return hit_ids(opensearch.search(index=articles, body=body))[0]

        assert first(10.0) in {"3", "4"}
        assert first(0.01) == "5"


class TestEdges:
    def test_queries_on_an_unmapped_field_match_nothing(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        for query in (
            {"match": {"nope": "fox"}},
            {"term": {"nope": "fox"}},
            {"terms": {"nope": ["fox"]}},
            {"range": {"nope": {"gte": 1}}},
            {"exists": {"field": "nope"}},
            {"prefix": {"nope": "f"}},
            {"match_phrase": {"nope": "quick fox"}},
        ):
            assert search_ids(opensearch, articles, query) == set(), query

    def test_a_match_without_terms_matches_nothing(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        assert search_ids(opensearch, articles, {"match": {"title": ""}}) == set()
        assert search_ids(opensearch, articles, {"match": {"title": "!!! ..."}}) == set()

    def test_zero_terms_query_all(self, opensearch: OpenSearch, articles: str) -> None:
        query = {"match": {"title": {"query": "", "zero_terms_query": "all"}}}
        assert len(search_ids(opensearch, articles, query)) == 6

    def test_an_empty_terms_list_matches_nothing(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        assert search_ids(opensearch, articles, {"terms": {"tags": []}}) == set()

    def test_an_empty_bool_matches_everything(self, opensearch: OpenSearch, articles: str) -> None:
        answer = opensearch.search(index=articles, body={"query": {"bool": {}}})
        assert answer["hits"]["total"]["value"] == 6
        assert {hit["_score"] for hit in answer["hits"]["hits"]} == {1.0}


class TestScoring:
    """Term-level queries other than `term` and `fuzzy` score every hit alike (constant
    score, times the boost); full-text ones score by BM25."""

    CONSTANT = (
        {"terms": {"tags": ["food", "wild"]}},
        {"range": {"price": {"gte": 10}}},
        {"range": {"published": {"lt": "2024-02-01"}}},
        {"prefix": {"sku": "CD"}},
        {"wildcard": {"title": "f*"}},
        {"regexp": {"title": "fox.*"}},
        {"exists": {"field": "rating"}},
        {"ids": {"values": ["1", "2"]}},
    )

    def test_term_level_queries_score_one(self, opensearch: OpenSearch, articles: str) -> None:
        for query in self.CONSTANT:
            answer = opensearch.search(index=articles, body={"query": query})
            assert answer["hits"]["hits"], query
            assert {hit["_score"] for hit in answer["hits"]["hits"]} == {1.0}, query

    def test_boost_multiplies_a_constant_score(self, opensearch: OpenSearch, articles: str) -> None:
        for query in (
            {"range": {"price": {"gte": 10, "boost": 2.0}}},
            {"terms": {"tags": ["food"], "boost": 2.0}},
            {"match_all": {"boost": 2.0}},
        ):
            answer = opensearch.search(index=articles, body={"query": query})
            assert {hit["_score"] for hit in answer["hits"]["hits"]} == {2.0}, query

    def test_a_rarer_term_scores_higher(self, opensearch: OpenSearch, articles: str) -> None:
        def score(tag: str) -> float:
            answer = opensearch.search(index=articles, body={"query": {"term": {"tags": tag}}})
            return float(answer["hits"]["max_score"])

        assert score("wild") > score("food") > score("animal")

    def test_filter_clauses_do_not_add_to_the_score(
        self, opensearch: OpenSearch, articles: str
    ) -> None:
        must = {"match": {"body": "quick"}}
        plain = opensearch.search(index=articles, body={"query": {"bool": {"must": [must]}}})
        filtered = opensearch.search(
            index=articles,
            body={"query": {"bool": {"must": [must], "filter": [{"term": {"active": True}}]}}},
        )
        scores = {hit["_id"]: hit["_score"] for hit in plain["hits"]["hits"]}
        for hit in filtered["hits"]["hits"]:
            assert hit["_score"] == pytest.approx(scores[hit["_id"]])

    def test_a_phrase_does_not_cross_array_values(
        self, opensearch: OpenSearch, make_index: Loader
    ) -> None:
        index = make_index(
            {"1": {"lines": ["the very end", "start again"]}},
            {"properties": {"lines": {"type": "text"}}},
        )
        assert search_ids(opensearch, index, {"match_phrase": {"lines": "end start"}}) == set()
        query = {"match_phrase": {"lines": {"query": "end start", "slop": 10}}}
        assert search_ids(opensearch, index, query) == set()
        assert search_ids(opensearch, index, {"match_phrase": {"lines": "very end"}}) == {"1"}
