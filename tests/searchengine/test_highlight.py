"""Highlighting: per-hit `highlight` fragments with the query's terms tagged."""

from __future__ import annotations

from typing import Any

import pytest

from app.searchengine.errors import SearchError
from app.searchengine.search import search
from app.searchengine.snapshot import IndexSnapshot
from tests.searchengine.memory_index import snapshot

LONG = (
    "Strawsync runs AppSync APIs on your machine. It serves GraphQL over HTTP and real-time "
    "subscriptions over WebSockets. Resolvers call DynamoDB, Lambda and OpenSearch data sources. "
    "The embedded search engine answers OpenSearch queries with BM25 relevance, so searching "
    "works offline. Nothing else is needed to search."
)
DOCS = {
    "1": {"title": "The quick brown fox", "body": LONG, "kind": "news", "tags": ["fox", "quick"]},
    "2": {"title": "Slow <b>dogs</b> & quick cats", "kind": "blog"},
}


@pytest.fixture(scope="module")
def docs() -> IndexSnapshot:
    return snapshot(DOCS, {"properties": {"kind": {"type": "keyword"}}})


def highlights(index: IndexSnapshot, query: Any, highlight: Any) -> dict[str, Any]:
    response = search([index], {"query": query, "highlight": highlight}, {})
    return {hit["_id"]: hit.get("highlight") for hit in response["hits"]["hits"]}


def test_terms_are_wrapped_in_em(docs: IndexSnapshot) -> None:
    found = highlights(docs, {"match": {"title": "quick fox"}}, {"fields": {"title": {}}})
    assert found["1"] == {"title": ["The <em>quick</em> brown <em>fox</em>"]}
    assert found["2"] == {"title": ["Slow <b>dogs</b> & <em>quick</em> cats"]}


def test_custom_tags_and_html_encoder(docs: IndexSnapshot) -> None:
    spec = {
        "pre_tags": ["<mark>"],
        "post_tags": ["</mark>"],
        "encoder": "html",
        "fields": {"title": {}},
    }
    found = highlights(docs, {"match": {"title": "cats"}}, spec)
    assert found["2"] == {"title": ["Slow &lt;b&gt;dogs&lt;/b&gt; &amp; quick <mark>cats</mark>"]}


def test_phrase_terms_are_tagged_one_by_one(docs: IndexSnapshot) -> None:
    found = highlights(docs, {"match_phrase": {"title": "quick brown"}}, {"fields": {"title": {}}})
    assert found == {"1": {"title": ["The <em>quick</em> <em>brown</em> fox"]}}


def test_phrase_words_elsewhere_stay_plain(docs: IndexSnapshot) -> None:
    spec = {"fields": {"body": {"number_of_fragments": 0}}}
    found = highlights(docs, {"match_phrase": {"body": "search engine"}}, spec)
    (body,) = found["1"]["body"]
    assert "The embedded <em>search</em> <em>engine</em> answers" in body
    assert "needed to search." in body  # "search" outside the phrase
    prefixed = highlights(docs, {"match_phrase_prefix": {"body": "embedded sea"}}, spec)
    assert "<em>embedded</em> <em>search</em> engine" in prefixed["1"]["body"][0]
    sloppy = highlights(
        docs, {"match_phrase": {"body": {"query": "embedded engine", "slop": 1}}}, spec
    )
    assert "<em>embedded</em> search <em>engine</em>" in sloppy["1"]["body"][0]


def test_long_values_are_cut_into_fragments(docs: IndexSnapshot) -> None:
    spec = {"fields": {"body": {"fragment_size": 60, "number_of_fragments": 2}}}
    found = highlights(docs, {"match": {"body": "search"}}, spec)
    assert found["1"]["body"] == [
        "The embedded <em>search</em> engine answers OpenSearch queries with BM25",
        "Nothing else is needed to <em>search</em>.",
    ]
    whole = highlights(
        docs, {"match": {"body": "search"}}, {"fields": {"body": {"number_of_fragments": 0}}}
    )
    assert whole["1"]["body"] == [
        LONG.replace(" search ", " <em>search</em> ").replace("to search.", "to <em>search</em>.")
    ]


def test_wildcard_fields_show_only_fields_that_matched(docs: IndexSnapshot) -> None:
    query = {"bool": {"should": [{"match": {"title": "fox"}}, {"term": {"kind": "news"}}]}}
    found = highlights(docs, query, {"fields": {"*": {}}})
    assert found["1"] == {"title": ["The quick brown <em>fox</em>"], "kind": ["<em>news</em>"]}


def test_require_field_match_false_tags_terms_from_any_field(docs: IndexSnapshot) -> None:
    query = {"match": {"title": "fox"}}
    strict = highlights(docs, query, {"fields": {"tags": {}}})
    assert strict["1"] is None
    loose = highlights(docs, query, {"fields": {"tags": {}}, "require_field_match": False})
    assert loose["1"] == {"tags": ["<em>fox</em>"]}


def test_must_not_terms_are_not_highlighted(docs: IndexSnapshot) -> None:
    query = {
        "bool": {"must": {"match": {"title": "quick"}}, "must_not": {"match": {"title": "fox"}}}
    }
    found = highlights(docs, query, {"fields": {"title": {}}})
    assert found == {"2": {"title": ["Slow <b>dogs</b> & <em>quick</em> cats"]}}


def test_prefix_and_fuzzy_matches_are_highlighted(docs: IndexSnapshot) -> None:
    found = highlights(docs, {"prefix": {"title": "qui"}}, {"fields": {"title": {}}})
    assert found["1"] == {"title": ["The <em>quick</em> brown fox"]}
    fuzzy = highlights(docs, {"fuzzy": {"title": "brwn"}}, {"fields": {"title": {}}})
    assert fuzzy["1"] == {"title": ["The quick <em>brown</em> fox"]}


def test_no_match_size(docs: IndexSnapshot) -> None:
    found = highlights(
        docs, {"match": {"title": "cats"}}, {"fields": {"body": {"no_match_size": 20}}}
    )
    assert found["2"] is None  # no body at all
    found = highlights(
        docs, {"match": {"title": "fox"}}, {"fields": {"body": {"no_match_size": 20}}}
    )
    assert found["1"] == {"body": ["Strawsync runs AppSync"]}


def test_bad_highlight_requests(docs: IndexSnapshot) -> None:
    for spec in [
        {"fields": {"title": {"bogus": 1}}},
        {"fields": "title"},
        {"fields": {"title": {}}, "highlight_query": {"match_all": {}}},
    ]:
        with pytest.raises(SearchError) as caught:
            highlights(docs, {"match_all": {}}, spec)
        assert caught.value.status == 400
