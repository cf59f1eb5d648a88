"""Sorting, paging, `search_after`, totals, `_source` filtering and the response's shape."""

from __future__ import annotations

from typing import Any

import pytest

from app.searchengine.errors import SearchError
from app.searchengine.search import search
from app.searchengine.snapshot import IndexSnapshot
from app.searchengine.sorting import LONG_MAX, LONG_MIN
from tests.searchengine.memory_index import ids, snapshot

MAPPINGS = {
    "properties": {
        "name": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
        "city": {"type": "keyword"},
        "rank": {"type": "long"},
        "score": {"type": "double"},
        "when": {"type": "date"},
        "flag": {"type": "boolean"},
    }
}
DOCS = {
    "a": {
        "name": "Ada",
        "city": "Paris",
        "rank": 3,
        "score": 2.5,
        "when": "2026-01-03",
        "flag": True,
        "address": {"street": "Rue A", "zip": "75001"},
        "tags": ["x", "y"],
    },
    "b": {"name": "Bob", "city": "Oslo", "rank": 1, "score": 9.0, "when": "2026-01-01"},
    "c": {"name": "Cy", "city": "Paris", "rank": 2, "when": "2026-01-02", "flag": False},
    "d": {"name": "Dee", "city": "Lima", "rank": 5, "score": 1.0},
    "e": {"name": "Eve"},
}


@pytest.fixture(scope="module")
def people() -> IndexSnapshot:
    return snapshot(DOCS, MAPPINGS, name="people", segments=3)


def run(index: IndexSnapshot, body: dict[str, Any], params: dict[str, str] | None = None) -> Any:
    return search([index], body, params or {})


def test_response_shape(people: IndexSnapshot) -> None:
    response = run(people, {"query": {"term": {"city": "Oslo"}}})
    assert set(response) == {"took", "timed_out", "_shards", "hits"}
    assert response["timed_out"] is False
    assert response["_shards"] == {"total": 1, "successful": 1, "skipped": 0, "failed": 0}
    assert response["hits"]["total"] == {"value": 1, "relation": "eq"}
    (hit,) = response["hits"]["hits"]
    assert hit == {
        "_index": "people",
        "_id": "b",
        "_score": response["hits"]["max_score"],
        "_source": DOCS["b"],
    }
    assert isinstance(response["took"], int)


def test_empty_result(people: IndexSnapshot) -> None:
    hits = run(people, {"query": {"term": {"city": "Rome"}}})["hits"]
    assert hits == {"total": {"value": 0, "relation": "eq"}, "max_score": None, "hits": []}


def test_sort_by_field_forms(people: IndexSnapshot) -> None:
    assert ids(run(people, {"sort": "rank"})) == ["b", "c", "a", "d", "e"]
    assert ids(run(people, {"sort": [{"rank": "desc"}]})) == ["d", "a", "c", "b", "e"]
    assert ids(run(people, {"sort": [{"rank": {"order": "desc"}}]}))[0] == "d"
    assert ids(run(people, {}, {"sort": "rank:desc"}))[0] == "d"


def test_sort_values_and_scores(people: IndexSnapshot) -> None:
    response = run(people, {"sort": [{"rank": "asc"}]})
    hits = response["hits"]["hits"]
    assert [hit["sort"] for hit in hits] == [[1], [2], [3], [5], [LONG_MAX]]
    assert all(hit["_score"] is None for hit in hits)
    assert response["hits"]["max_score"] is None
    tracked = run(people, {"sort": [{"rank": "asc"}], "track_scores": True})
    assert all(hit["_score"] == 1.0 for hit in tracked["hits"]["hits"])


def test_track_scores_gives_the_best_score_of_all_matches(people: IndexSnapshot) -> None:
    query = {"bool": {"should": [{"match": {"name": "eve"}}, {"match_all": {"boost": 0.1}}]}}
    tracked = run(people, {"query": query, "sort": ["rank"], "size": 1, "track_scores": True})
    best = run(people, {"query": query, "size": 1})["hits"]["max_score"]
    assert ids(tracked) == ["b"] and tracked["hits"]["max_score"] == best


def test_sort_by_several_keys(people: IndexSnapshot) -> None:
    body = {"sort": [{"city": "asc"}, {"rank": "desc"}]}
    response = run(people, body)
    assert ids(response) == ["d", "b", "a", "c", "e"]
    assert response["hits"]["hits"][2]["sort"] == ["Paris", 3]
    assert response["hits"]["hits"][4]["sort"] == [None, LONG_MIN]


def test_missing_values(people: IndexSnapshot) -> None:
    first = run(people, {"sort": [{"score": {"order": "asc", "missing": "_first"}}]})
    assert ids(first) == ["c", "e", "d", "a", "b"]
    assert first["hits"]["hits"][0]["sort"] == ["-Infinity"]
    custom = run(people, {"sort": [{"rank": {"order": "asc", "missing": 0}}]})
    assert ids(custom)[0] == "e"
    assert custom["hits"]["hits"][0]["sort"] == [0]


def test_sort_on_dates_booleans_score_and_doc(people: IndexSnapshot) -> None:
    dates = run(people, {"sort": [{"when": "desc"}]})
    assert ids(dates)[:3] == ["a", "c", "b"]
    assert dates["hits"]["hits"][0]["sort"] == [1767398400000]
    flags = run(people, {"sort": [{"flag": "desc"}], "query": {"exists": {"field": "flag"}}})
    assert [hit["sort"] for hit in flags["hits"]["hits"]] == [[1], [0]]
    by_score = run(people, {"query": {"match": {"name": "ada"}}, "sort": ["_score"]})
    assert by_score["hits"]["hits"][0]["sort"] == [by_score["hits"]["hits"][0]["_score"]]
    assert len(ids(run(people, {"sort": ["_doc"]}))) == 5


def test_sort_errors(people: IndexSnapshot) -> None:
    with pytest.raises(SearchError) as text:
        run(people, {"sort": ["name"]})
    assert text.value.error_type == "illegal_argument_exception"
    assert text.value.reason.startswith("Text fields are not optimised")
    with pytest.raises(SearchError) as unmapped:
        run(people, {"sort": ["nowhere"]})
    assert unmapped.value.reason == "No mapping found for [nowhere] in order to sort on"
    assert len(ids(run(people, {"sort": [{"nowhere": {"unmapped_type": "long"}}]}))) == 5
    with pytest.raises(SearchError) as formatted:
        run(people, {"sort": [{"when": {"order": "asc", "format": "yyyy"}}]})
    assert formatted.value.error_type == "strawsync_unsupported_exception"


def test_from_and_size(people: IndexSnapshot) -> None:
    assert ids(run(people, {"sort": "rank", "from": 1, "size": 2})) == ["c", "a"]
    assert ids(run(people, {"sort": "rank"}, {"from": "3", "size": "5"})) == ["d", "e"]
    page = run(people, {"size": 0})
    assert page["hits"]["hits"] == [] and page["hits"]["total"]["value"] == 5
    relevance = ids(run(people, {"query": {"match_all": {}}, "from": 2, "size": 2}))
    assert len(relevance) == 2


def test_result_window_is_limited(people: IndexSnapshot) -> None:
    with pytest.raises(SearchError) as caught:
        run(people, {"from": 9_995, "size": 10})
    assert caught.value.error_type == "illegal_argument_exception"
    assert caught.value.reason.startswith(
        "Result window is too large, from + size must be less than or equal to: [10000] "
        "but was [10005]."
    )


def test_search_after_pages_through_everything(people: IndexSnapshot) -> None:
    sort = [{"rank": "asc"}, {"city": "asc"}]
    seen: list[str] = []
    after = None
    while True:
        body: dict[str, Any] = {"sort": sort, "size": 2}
        if after is not None:
            body["search_after"] = after
        hits = run(people, body)["hits"]["hits"]
        if not hits:
            break
        seen.extend(hit["_id"] for hit in hits)
        after = hits[-1]["sort"]
    assert seen == ["b", "c", "a", "d", "e"]


def test_search_after_on_scores_neither_skips_nor_repeats(people: IndexSnapshot) -> None:
    query = {"bool": {"should": [{"match": {"name": "ada"}}, {"match_all": {"boost": 0.3}}]}}
    sort = [{"_score": "desc"}, {"city": "asc"}]
    seen: list[str] = []
    after = None
    while True:
        body: dict[str, Any] = {"query": query, "sort": sort, "size": 2}
        if after is not None:
            body["search_after"] = after
        hits = run(people, body)["hits"]["hits"]
        if not hits:
            break
        seen.extend(hit["_id"] for hit in hits)
        after = hits[-1]["sort"]
    assert seen[0] == "a" and sorted(seen) == ["a", "b", "c", "d", "e"]


def test_search_after_needs_matching_sort(people: IndexSnapshot) -> None:
    with pytest.raises(SearchError):
        run(people, {"sort": ["rank"], "search_after": [1, 2]})
    with pytest.raises(SearchError):
        run(people, {"sort": ["rank"], "search_after": [1], "from": 1})
    for field in ("rank", "when"):
        with pytest.raises(SearchError) as huge:
            run(people, {"sort": [field], "search_after": [2**63]})
        assert huge.value.status == 400
    with pytest.raises(SearchError) as unsorted:
        run(people, {"search_after": [1]})
    assert unsorted.value.reason == "Sort must contain at least one field."


def test_track_total_hits(people: IndexSnapshot) -> None:
    assert run(people, {"track_total_hits": True})["hits"]["total"] == {
        "value": 5,
        "relation": "eq",
    }
    assert "total" not in run(people, {"track_total_hits": False})["hits"]
    assert run(people, {"track_total_hits": 3})["hits"]["total"] == {"value": 3, "relation": "gte"}
    assert run(people, {}, {"rest_total_hits_as_int": "true"})["hits"]["total"] == 5


def test_min_score(people: IndexSnapshot) -> None:
    query = {"bool": {"should": [{"match": {"name": "ada"}}, {"match_all": {"boost": 0.1}}]}}
    everyone = run(people, {"query": query})
    assert everyone["hits"]["total"]["value"] == 5
    strict = run(people, {"query": query, "min_score": 0.5})
    assert ids(strict) == ["a"] and strict["hits"]["total"]["value"] == 1


def test_source_filtering(people: IndexSnapshot) -> None:
    def source(body: dict[str, Any], params: dict[str, str] | None = None) -> Any:
        hits = run(people, {"query": {"ids": {"values": ["a"]}}, **body}, params)["hits"]["hits"]
        return hits[0].get("_source", "absent")

    assert source({"_source": False}) == "absent"
    assert source({"_source": ["name", "rank"]}) == {"name": "Ada", "rank": 3}
    assert source({"_source": "address"}) == {"address": {"street": "Rue A", "zip": "75001"}}
    assert source({"_source": "address.z*"}) == {"address": {"zip": "75001"}}
    assert source({"_source": {"includes": ["*"], "excludes": ["address", "tags", "when"]}}) == {
        "name": "Ada",
        "city": "Paris",
        "rank": 3,
        "score": 2.5,
        "flag": True,
    }
    assert source({}, {"_source_includes": "city,tags"}) == {"city": "Paris", "tags": ["x", "y"]}
    assert source({}, {"_source": "false"}) == "absent"


def test_version_and_seq_no(people: IndexSnapshot) -> None:
    body = {"query": {"ids": {"values": ["a"]}}, "version": True, "seq_no_primary_term": True}
    (hit,) = run(people, body)["hits"]["hits"]
    assert hit["_version"] == 1 and hit["_primary_term"] == 1 and isinstance(hit["_seq_no"], int)


def test_post_filter_narrows_hits_not_aggregations(people: IndexSnapshot) -> None:
    body = {"post_filter": {"term": {"city": "Paris"}}, "aggs": {"c": {"terms": {"field": "city"}}}}
    response = run(people, body)
    assert sorted(ids(response)) == ["a", "c"]
    assert len(response["aggregations"]["c"]["buckets"]) == 3


def test_request_errors(people: IndexSnapshot) -> None:
    for body, params in [
        ({"frm": 1}, {}),
        ({"size": -1}, {}),
        ({}, {"q": "name:/ad./"}),
        ({}, {"bogus": "1"}),
        ({"collapse": {"field": "city"}}, {}),
        ({"suggest": {}}, {}),
    ]:
        with pytest.raises(SearchError) as caught:
            run(people, body, params)
        assert caught.value.status == 400


def test_several_indexes_merge_their_hits(people: IndexSnapshot) -> None:
    other = snapshot({"z": {"name": "Zed", "rank": 4}}, MAPPINGS, name="others")
    response = search([people, other], {"sort": ["rank"]}, {})
    assert ids(response) == ["b", "c", "a", "z", "d", "e"]
    assert response["hits"]["hits"][3]["_index"] == "others"
    assert response["_shards"]["total"] == 2


def _reference(docs: dict[str, dict[str, Any]], keys: list[tuple[str, bool]]) -> list[str]:
    """The order OpenSearch gives: each key ascending or descending, missing values last."""
    ordered = sorted(docs)
    for name, descending in reversed(keys):
        present = [d for d in ordered if docs[d].get(name) is not None]
        absent = [d for d in ordered if docs[d].get(name) is None]
        present.sort(key=lambda d: docs[d][name], reverse=descending)
        ordered = present + absent
    return ordered


@pytest.mark.parametrize("seed", range(6))
def test_sorted_pages_match_a_reference_order(seed: int) -> None:
    import random

    chance = random.Random(seed)
    docs = {
        f"d{i:03d}": {
            "uid": f"u{chance.randrange(10**6):06d}-{i}",
            **({"rank": chance.randrange(8)} if chance.random() < 0.8 else {}),
            **({"city": chance.choice("ABCDE")} if chance.random() < 0.8 else {}),
            **({"when": f"2026-01-0{chance.randrange(1, 6)}"} if chance.random() < 0.7 else {}),
            **({"score": chance.choice([0.5, 1.5, 2.5])} if chance.random() < 0.7 else {}),
        }
        for i in range(120)
    }
    mappings = {"properties": {"uid": {"type": "keyword"}, "rank": {"type": "long"},
                               "city": {"type": "keyword"}, "when": {"type": "date"},
                               "score": {"type": "double"}}}  # fmt: skip
    index = snapshot(docs, mappings, segments=4)
    fields = ["rank", "city", "when", "score"]
    for _ in range(8):
        keys = [
            (name, chance.random() < 0.5) for name in chance.sample(fields, chance.randrange(1, 3))
        ]
        unique = chance.random() < 0.7
        if unique:
            keys.append(("uid", chance.random() < 0.5))
        sort = [{name: "desc" if descending else "asc"} for name, descending in keys]
        expected = _reference(docs, keys)
        start = chance.randrange(0, 60)
        size = chance.randrange(1, 40)
        page = search([index], {"sort": sort, "from": start, "size": size}, {})
        if not unique:
            # Ties fall in index order (OpenSearch's too): compare the values, not the ids.
            names = [name for name, _ in keys]
            shown = [[docs[d].get(name) for name in names] for d in ids(page)]
            wanted = [[docs[d].get(name) for name in names] for d in expected[start : start + size]]
            assert shown == wanted, sort
            continue
        assert ids(page) == expected[start : start + size], sort
        seen: list[str] = []
        after = None
        while True:
            body: dict[str, Any] = {"sort": sort, "size": size}
            if after is not None:
                body["search_after"] = after
            hits = search([index], body, {})["hits"]["hits"]
            if not hits:
                break
            seen.extend(hit["_id"] for hit in hits)
            after = hits[-1]["sort"]
        assert seen == expected, sort


def test_several_indexes_need_one_sort_type_per_field() -> None:
    numbers = snapshot({"1": {"v": 5}}, {"properties": {"v": {"type": "long"}}}, name="a")
    words = snapshot({"2": {"v": "x"}}, {"properties": {"v": {"type": "keyword"}}}, name="b")
    with pytest.raises(SearchError) as caught:
        search([numbers, words], {"sort": ["v"]}, {})
    assert caught.value.reason.startswith("Can't sort on field [v]; the field has incompatible")
