"""Results ranked sensibly (BM25) on a small fixed corpus, through opensearch-py.

Only orderings BM25 itself decides are asserted, so the same test holds on a real
OpenSearch cluster (OPENSEARCH_URL, see tests/searchengine/conformance/support.py): a rare
term outweighs a common one, a shorter field outranks a longer one with the same term,
a term found twice beats once, and a phrase clause lifts the document where the
words stand together.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opensearchpy import OpenSearch

from tests.searchengine.conformance.support import endpoint, load, unique_index

CORPUS = {
    "quantum": "quantum ideas in the kitchen",
    "pasta": "cooking pasta at home",
    "rice": "cooking rice the easy way",
    "families": "cooking for large families",
    "weekend": "weekend cooking with friends",
    "fish": "cooking fish on the grill",
    "garden-short": "the garden",
    "garden-long": "notes about the old garden behind the house near the river",
    "phrase": "grandma's warm red apple pie recipe",
    "scattered": "red wine, apple juice and pie",
    "jazz-twice": "jazz records and jazz",
    "jazz-once": "jazz records and vinyl",
}


@pytest.fixture(scope="module")
def client(request: pytest.FixtureRequest) -> Iterator[OpenSearch]:
    with endpoint(request) as opensearch:
        yield opensearch


@pytest.fixture(scope="module")
def corpus(client: OpenSearch) -> Iterator[str]:
    """One shard, so every score uses the same term statistics on a cluster too."""
    index = unique_index("relevance")
    load(
        client,
        index,
        {doc_id: {"text": text} for doc_id, text in CORPUS.items()},
        mappings={"properties": {"text": {"type": "text"}}},
        settings={"number_of_shards": 1},
    )
    yield index
    client.indices.delete(index=index, ignore=[404])


def ranked(client: OpenSearch, index: str, query: dict[str, Any]) -> list[tuple[str, float]]:
    answer = client.search(index=index, body={"query": query, "size": 20})
    hits = [(hit["_id"], float(hit["_score"])) for hit in answer["hits"]["hits"]]
    scores = [score for _, score in hits]
    assert scores == sorted(scores, reverse=True), hits
    assert all(score > 0 for score in scores), hits
    return hits


def test_a_rare_term_outweighs_a_common_one(client: OpenSearch, corpus: str) -> None:
    hits = ranked(client, corpus, {"match": {"text": "quantum cooking"}})
    assert {doc_id for doc_id, _ in hits} == {
        "quantum", "pasta", "rice", "families", "weekend", "fish"
    }  # fmt: skip
    assert hits[0][0] == "quantum"
    assert hits[0][1] > 1.5 * hits[1][1]


def test_a_shorter_field_ranks_higher_for_the_same_term(client: OpenSearch, corpus: str) -> None:
    hits = ranked(client, corpus, {"match": {"text": "garden"}})
    assert [doc_id for doc_id, _ in hits] == ["garden-short", "garden-long"]
    assert hits[0][1] > hits[1][1]


def test_a_term_found_twice_ranks_above_once(client: OpenSearch, corpus: str) -> None:
    hits = ranked(client, corpus, {"match": {"text": "jazz"}})
    assert [doc_id for doc_id, _ in hits] == ["jazz-twice", "jazz-once"]
    assert hits[0][1] > hits[1][1]


def test_documents_with_more_query_terms_rank_higher(client: OpenSearch, corpus: str) -> None:
    hits = ranked(client, corpus, {"match": {"text": "red apple pie"}})
    assert {doc_id for doc_id, _ in hits} == {"phrase", "scattered"}
    one_term = ranked(client, corpus, {"match": {"text": "apple"}})
    assert hits[0][1] > one_term[0][1]


def test_a_phrase_clause_ranks_the_phrase_above_scattered_words(
    client: OpenSearch, corpus: str
) -> None:
    query = {
        "bool": {
            "should": [
                {"match": {"text": "red apple pie"}},
                {"match_phrase": {"text": "red apple pie"}},
            ]
        }
    }
    hits = ranked(client, corpus, query)
    assert [doc_id for doc_id, _ in hits] == ["phrase", "scattered"]
    assert hits[0][1] > 1.5 * hits[1][1]


def test_a_match_all_scores_every_document_alike(client: OpenSearch, corpus: str) -> None:
    answer = client.search(index=corpus, body={"query": {"match_all": {}}, "size": 20})
    assert answer["hits"]["total"]["value"] == len(CORPUS)
    assert {hit["_score"] for hit in answer["hits"]["hits"]} == {1.0}
