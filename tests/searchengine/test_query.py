"""The query DSL against a small in-memory index: which documents each query finds, and how
they rank. Examples of use of `search` and `count`."""

from __future__ import annotations

from typing import Any

import pytest

from app.searchengine.errors import UNSUPPORTED_TYPE, SearchError
from app.searchengine.search import count, search
from app.searchengine.snapshot import IndexSnapshot
from tests.searchengine.memory_index import ids, snapshot

MAPPINGS = {
    "properties": {
        "title": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
        "description": {"type": "text"},
        "category": {"type": "keyword"},
        "attendees": {"type": "integer"},
        "price": {"type": "float"},
        "start": {"type": "date"},
        "online": {"type": "boolean"},
    }
}
EVENTS = {
    "1": {
        "title": "Quick brown fox meetup",
        "description": "Foxes and dogs talk about speed",
        "category": "animals",
        "attendees": 10,
        "price": 5.5,
        "start": "2026-03-01T18:00:00Z",
        "online": False,
    },
    "2": {
        "title": "Lazy dog afternoon",
        "description": "A quick nap with the dog",
        "category": "animals",
        "attendees": 3,
        "price": 0.0,
        "start": "2026-03-02",
        "online": True,
    },
    "3": {
        "title": "Python conference",
        "description": "Talks about Python and search engines",
        "category": "tech",
        "attendees": 250,
        "price": 120.0,
        "start": "2026-04-15T09:00:00Z",
        "online": False,
    },
    "4": {
        "title": "Search engines deep dive",
        "description": "BM25, tantivy and Lucene",
        "category": "tech",
        "attendees": 40,
        "start": "2026-05-01T09:00:00Z",
    },
    "5": {"title": "The brown bear quick walk", "category": "Outdoors"},
}


@pytest.fixture(scope="module")
def events() -> IndexSnapshot:
    return snapshot(EVENTS, MAPPINGS, segments=2)


def find(index: IndexSnapshot, query: dict[str, Any], **body: Any) -> list[str]:
    return ids(search([index], {"query": query, **body}, {}))


def scores(index: IndexSnapshot, query: dict[str, Any]) -> dict[str, float]:
    response = search([index], {"query": query}, {})
    return {hit["_id"]: hit["_score"] for hit in response["hits"]["hits"]}


def refused(index: IndexSnapshot, query: dict[str, Any]) -> SearchError:
    with pytest.raises(SearchError) as caught:
        search([index], {"query": query}, {})
    return caught.value


# -- full text -----------------------------------------------------------------------------


def test_match_ranks_documents_with_more_matching_terms_first(events: IndexSnapshot) -> None:
    found = find(events, {"match": {"title": "quick brown fox"}})
    assert found[0] == "1"
    assert set(found) == {"1", "5"}


def test_match_is_analyzed_like_the_index(events: IndexSnapshot) -> None:
    assert find(events, {"match": {"title": "PYTHON!"}}) == ["3"]


def test_match_operator_and_requires_every_term(events: IndexSnapshot) -> None:
    query = {"match": {"title": {"query": "quick fox", "operator": "and"}}}
    assert find(events, query) == ["1"]


def test_match_minimum_should_match(events: IndexSnapshot) -> None:
    query = {"match": {"title": {"query": "quick brown bear", "minimum_should_match": "100%"}}}
    assert find(events, query) == ["5"]
    query = {"match": {"title": {"query": "quick brown bear", "minimum_should_match": 2}}}
    assert sorted(find(events, query)) == ["1", "5"]


def test_match_fuzziness_auto_forgives_a_typo(events: IndexSnapshot) -> None:
    assert find(events, {"match": {"title": "pyhton"}}) == []
    assert find(events, {"match": {"title": {"query": "pyhton", "fuzziness": "AUTO"}}}) == ["3"]


def test_match_on_keyword_and_numeric_fields_is_an_exact_term(events: IndexSnapshot) -> None:
    assert sorted(find(events, {"match": {"category": "tech"}})) == ["3", "4"]
    assert find(events, {"match": {"category": "Tech"}}) == []
    assert find(events, {"match": {"attendees": "250"}}) == ["3"]
    assert find(events, {"match": {"online": True}}) == ["2"]
    assert find(events, {"match": {"category": {"query": "tehc", "fuzziness": 1}}}) == ["3", "4"]
    assert find(events, {"term": {"start": "2026-03-02"}}) == ["2"]
    assert find(events, {"term": {"start": "2026-03-01"}}) == ["1"]  # the whole day
    assert find(events, {"match": {"start": "2026-03-01T18:00:00Z"}}) == ["1"]


def test_match_without_terms_matches_nothing(events: IndexSnapshot) -> None:
    assert find(events, {"match": {"title": "!!!"}}) == []
    query = {"match": {"title": {"query": "!!!", "zero_terms_query": "all"}}}
    assert len(find(events, query)) == 5


def test_match_on_an_unmapped_field_matches_nothing(events: IndexSnapshot) -> None:
    assert find(events, {"match": {"nowhere": "quick"}}) == []


def test_match_phrase_needs_the_words_in_order(events: IndexSnapshot) -> None:
    assert find(events, {"match_phrase": {"title": "quick brown"}}) == ["1"]
    assert find(events, {"match_phrase": {"title": "brown quick"}}) == []
    assert find(events, {"match_phrase": {"title": {"query": "brown walk", "slop": 1}}}) == []
    assert find(events, {"match_phrase": {"title": {"query": "brown walk", "slop": 2}}}) == ["5"]


def test_match_phrase_prefix_completes_the_last_word(events: IndexSnapshot) -> None:
    assert find(events, {"match_phrase_prefix": {"title": "quick br"}}) == ["1"]
    assert sorted(find(events, {"match_phrase_prefix": {"title": "sea"}})) == ["4"]


def test_match_bool_prefix_takes_words_in_any_order(events: IndexSnapshot) -> None:
    assert find(events, {"match_bool_prefix": {"title": "brown qui"}})[0] in ("1", "5")
    query = {"match_bool_prefix": {"title": {"query": "fox qui", "operator": "and"}}}
    assert find(events, query) == ["1"]


def test_multi_match_best_fields_prefers_the_boosted_field(events: IndexSnapshot) -> None:
    title = {"multi_match": {"query": "quick", "fields": ["title^5", "description"]}}
    assert find(events, title)[-1] == "2"
    description = {"multi_match": {"query": "quick", "fields": ["title", "description^5"]}}
    assert find(events, description)[0] == "2"


def test_multi_match_wildcard_fields_and_types(events: IndexSnapshot) -> None:
    query = {"multi_match": {"query": "python", "fields": ["ti*", "desc*"]}}
    assert find(events, query) == ["3"]
    most = {
        "multi_match": {"query": "quick", "fields": ["title", "description"], "type": "most_fields"}
    }
    assert set(find(events, most)) == {"1", "2", "5"}
    phrase = {
        "multi_match": {
            "query": "search engines",
            "type": "phrase",
            "fields": ["title", "description"],
        }
    }
    assert sorted(find(events, phrase)) == ["3", "4"]
    prefix = {"multi_match": {"query": "lazy d", "type": "phrase_prefix", "fields": ["title"]}}
    assert find(events, prefix) == ["2"]


def test_multi_match_tie_breaker_adds_other_fields(events: IndexSnapshot) -> None:
    fields = ["title", "description"]
    best = scores(events, {"multi_match": {"query": "dog", "fields": fields}})
    tied = scores(events, {"multi_match": {"query": "dog", "fields": fields, "tie_breaker": 1}})
    assert tied["2"] > best["2"]


# -- term level ----------------------------------------------------------------------------


def test_keyword_terms_score_without_length_norms(events: IndexSnapshot) -> None:
    found = scores(events, {"term": {"category": "animals"}})
    assert found["1"] == found["2"] > 0
    assert set(scores(events, {"term": {"attendees": 10}}).values()) == {1.0}


def test_term_and_terms(events: IndexSnapshot) -> None:
    assert sorted(find(events, {"term": {"category": "animals"}})) == ["1", "2"]
    assert find(events, {"term": {"title": "Python"}}) == []  # not analyzed
    assert find(events, {"term": {"title": "python"}}) == ["3"]
    assert find(events, {"term": {"title.keyword": {"value": "Python conference"}}}) == ["3"]
    assert sorted(find(events, {"terms": {"category": ["tech", "Outdoors"]}})) == ["3", "4", "5"]
    assert find(events, {"term": {"attendees": 40}}) == ["4"]
    assert sorted(find(events, {"term": {"online": "false"}})) == ["1", "3"]


def test_ids(events: IndexSnapshot) -> None:
    assert sorted(find(events, {"ids": {"values": ["2", "4", "99"]}})) == ["2", "4"]
    assert find(events, {"ids": {"values": "3"}}) == ["3"]
    assert find(events, {"match": {"_id": "4"}}) == ["4"]
    assert find(events, {"term": {"_id": "5"}}) == ["5"]
    assert sorted(find(events, {"terms": {"_id": ["1", "2"]}})) == ["1", "2"]
    assert find(events, {"prefix": {"_id": "3"}}) == ["3"]


def test_range_on_numbers(events: IndexSnapshot) -> None:
    assert sorted(find(events, {"range": {"attendees": {"gt": 10, "lte": 250}}})) == ["3", "4"]
    assert sorted(find(events, {"range": {"attendees": {"gte": 10}}})) == ["1", "3", "4"]
    assert sorted(find(events, {"range": {"price": {"lt": 5.5}}})) == ["2"]
    assert sorted(find(events, {"range": {"attendees": {"gte": 9.5, "lt": 10.5}}})) == ["1"]


def test_range_on_booleans_orders_false_before_true(events: IndexSnapshot) -> None:
    assert find(events, {"range": {"online": {"gte": True}}}) == ["2"]
    assert sorted(find(events, {"range": {"online": {"lt": "true"}}})) == ["1", "3"]
    assert find(events, {"range": {"online": {"gt": True}}}) == []


def test_range_on_dates_rounds_like_opensearch(events: IndexSnapshot) -> None:
    march = {"range": {"start": {"gte": "2026-03-01", "lte": "2026-03-02"}}}
    assert sorted(find(events, march)) == ["1", "2"]  # lte includes the whole of March 2
    before = {"range": {"start": {"lt": "2026-03-01T18:00:00Z"}}}
    assert find(events, before) == []
    after_month = {"range": {"start": {"gt": "2026-03-01||/M"}}}
    assert sorted(find(events, after_month)) == ["3", "4"]
    since = {"range": {"start": {"gte": "now-100y/d"}}}
    assert len(find(events, since)) == 4


def test_range_on_keyword_is_lexicographic(events: IndexSnapshot) -> None:
    assert sorted(find(events, {"range": {"category": {"gte": "animals", "lt": "tech"}}})) == [
        "1",
        "2",
    ]
    assert find(events, {"range": {"category": {"gt": "animals", "lte": "Outdoors"}}}) == []
    assert sorted(find(events, {"range": {"category": {"gt": "animals"}}})) == ["3", "4"]


def test_exists(events: IndexSnapshot) -> None:
    assert sorted(find(events, {"exists": {"field": "price"}})) == ["1", "2", "3"]
    assert sorted(find(events, {"exists": {"field": "description"}})) == ["1", "2", "3", "4"]
    assert find(events, {"exists": {"field": "nowhere"}}) == []


def test_prefix_wildcard_regexp(events: IndexSnapshot) -> None:
    assert sorted(find(events, {"prefix": {"category": "anim"}})) == ["1", "2"]
    assert sorted(find(events, {"prefix": {"title": {"value": "eng"}}})) == ["4"]
    assert sorted(find(events, {"wildcard": {"category": "t?c*"}})) == ["3", "4"]
    assert find(
        events, {"wildcard": {"category": {"value": "outdoors", "case_insensitive": True}}}
    ) == ["5"]
    assert sorted(find(events, {"regexp": {"title": "py.*n"}})) == ["3"]
    assert sorted(find(events, {"regexp": {"category": "an.mals"}})) == ["1", "2"]
    assert find(events, {"regexp": {"category": "anim"}}) == []  # the whole term must match


def test_regexp_refuses_lucene_only_operators(events: IndexSnapshot) -> None:
    assert refused(events, {"regexp": {"category": "a@"}}).error_type == UNSUPPORTED_TYPE


def test_prefix_on_a_number_is_refused(events: IndexSnapshot) -> None:
    error = refused(events, {"prefix": {"attendees": "1"}})
    assert error.status == 400 and error.error_type == "query_shard_exception"


def test_fuzzy(events: IndexSnapshot) -> None:
    assert find(events, {"fuzzy": {"title": "pyton"}}) == ["3"]
    assert find(events, {"fuzzy": {"title": {"value": "ptyhon", "fuzziness": 1}}}) == ["3"]
    no_swap = {"fuzzy": {"title": {"value": "ptyhon", "fuzziness": 1, "transpositions": False}}}
    assert find(events, no_swap) == []
    assert sorted(find(events, {"fuzzy": {"category": "tec"}})) == ["3", "4"]


# -- compound ------------------------------------------------------------------------------


def test_bool_clauses(events: IndexSnapshot) -> None:
    query = {
        "bool": {
            "must": [{"match": {"title": "quick"}}],
            "must_not": {"term": {"category": "Outdoors"}},
            "filter": [{"range": {"attendees": {"gte": 1}}}],
        }
    }
    assert find(events, query) == ["1"]
    should = {"bool": {"should": [{"term": {"category": "tech"}}, {"term": {"online": True}}]}}
    assert sorted(find(events, should)) == ["2", "3", "4"]
    two = {
        "bool": {
            "should": [
                {"match": {"title": "quick"}},
                {"match": {"title": "brown"}},
                {"match": {"title": "bear"}},
            ],
            "minimum_should_match": 2,
        }
    }
    assert sorted(find(events, two)) == ["1", "5"]


def test_filter_does_not_score(events: IndexSnapshot) -> None:
    must = scores(events, {"bool": {"must": {"match": {"title": "quick"}}}})
    filtered = scores(
        events,
        {
            "bool": {
                "must": {"match": {"title": "quick"}},
                "filter": {"term": {"category": "animals"}},
            }
        },
    )
    assert filtered == {"1": must["1"]}
    only_filter = scores(events, {"bool": {"filter": {"term": {"category": "tech"}}}})
    assert only_filter == {"3": 0.0, "4": 0.0}


def test_should_beside_must_only_adds_score(events: IndexSnapshot) -> None:
    query = {
        "bool": {"must": {"term": {"category": "animals"}}, "should": {"match": {"title": "lazy"}}}
    }
    assert find(events, query) == ["2", "1"]


def test_pure_negative_bool_matches_everything_else(events: IndexSnapshot) -> None:
    query = {"bool": {"must_not": {"term": {"category": "tech"}}}}
    assert sorted(find(events, query)) == ["1", "2", "5"]


def test_match_all_none_constant_score_and_boost(events: IndexSnapshot) -> None:
    assert len(find(events, {"match_all": {}})) == 5
    assert find(events, {"match_none": {}}) == []
    assert set(scores(events, {"match_all": {"boost": 2}}).values()) == {2.0}
    constant = {"constant_score": {"filter": {"match": {"title": "quick"}}, "boost": 3}}
    assert set(scores(events, constant).values()) == {3.0}
    plain = scores(events, {"match": {"title": "python"}})["3"]
    boosted = scores(events, {"match": {"title": {"query": "python", "boost": 2}}})["3"]
    assert boosted == pytest.approx(plain * 2)


def test_dis_max(events: IndexSnapshot) -> None:
    query = {"dis_max": {"queries": [{"term": {"category": "tech"}}, {"match": {"title": "dog"}}]}}
    assert sorted(find(events, query)) == ["2", "3", "4"]


# -- errors --------------------------------------------------------------------------------


def test_unknown_query_is_a_parsing_exception(events: IndexSnapshot) -> None:
    error = refused(events, {"matchh": {"title": "x"}})
    assert (error.status, error.error_type, error.reason) == (
        400,
        "parsing_exception",
        "unknown query [matchh]",
    )


@pytest.mark.parametrize(
    "query",
    [
        {"boosting": {"positive": {"match_all": {}}, "negative": {"match_all": {}}}},
        {"nested": {"path": "x", "query": {"match_all": {}}}},
        {"script": {"script": "true"}},
        {"geo_distance": {"distance": "1km", "location": [0, 0]}},
        {"terms": {"category": {"index": "other", "id": "1", "path": "c"}}},
    ],
)
def test_known_but_unimplemented_queries_are_unsupported(
    events: IndexSnapshot, query: dict[str, Any]
) -> None:
    error = refused(events, query)
    assert (error.status, error.error_type) == (400, UNSUPPORTED_TYPE)


def test_empty_and_doubled_clauses_are_400s(events: IndexSnapshot) -> None:
    assert refused(events, {}).error_type == "illegal_argument_exception"
    assert refused(events, {"bool": {"must": [{}]}}).status == 400
    doubled = refused(events, {"match_all": {}, "match_none": {}})
    assert doubled.error_type == "parsing_exception"
    assert len(find(events, {"bool": {}})) == 5


def test_bad_values_are_400s(events: IndexSnapshot) -> None:
    assert refused(events, {"term": {"attendees": "many"}}).status == 400
    assert refused(events, {"range": {"start": {"gte": "yesterday"}}}).status == 400
    assert refused(events, {"match": {"title": {"qery": "x"}}}).error_type == "parsing_exception"
    assert refused(events, {"term": {"category": None}}).status == 400
    whitespace = {"match": {"title": {"query": "Quick", "analyzer": "whitespace"}}}
    assert refused(events, whitespace).error_type == UNSUPPORTED_TYPE
    prefixed = {"match": {"title": {"query": "quikc", "fuzziness": 1, "prefix_length": 2}}}
    assert refused(events, prefixed).error_type == UNSUPPORTED_TYPE
    assert find(events, {"match": {"title": {"query": "python", "analyzer": "standard"}}}) == ["3"]
    assert refused(events, {"match_phrase": {"title": {"query": "a b", "slop": -1}}}).status == 400


# -- count ---------------------------------------------------------------------------------


def test_count(events: IndexSnapshot) -> None:
    assert count([events], None, {}) == {
        "count": 5,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
    }
    assert count([events], {"query": {"term": {"category": "tech"}}}, {})["count"] == 2
    with pytest.raises(SearchError):
        count([events], {"query": {"match_all": {}}, "size": 3}, {})
