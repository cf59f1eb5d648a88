"""Aggregations in OpenSearch's shapes: buckets, metrics, dates and what is refused."""

from __future__ import annotations

from typing import Any

import pytest

from app.searchengine.errors import UNSUPPORTED_TYPE, SearchError
from app.searchengine.search import search
from app.searchengine.snapshot import IndexSnapshot
from tests.searchengine.memory_index import snapshot

MAPPINGS = {
    "properties": {
        "title": {"type": "text"},
        "kind": {"type": "keyword"},
        "seats": {"type": "integer"},
        "price": {"type": "double"},
        "at": {"type": "date"},
        "paid": {"type": "boolean"},
    }
}
DOCS = {
    "1": {
        "title": "a",
        "kind": "talk",
        "seats": 10,
        "price": 5.0,
        "at": "2026-01-05T10:00:00Z",
        "paid": True,
    },
    "2": {
        "title": "b",
        "kind": "talk",
        "seats": 30,
        "price": 0.0,
        "at": "2026-01-05T15:00:00Z",
        "paid": False,
    },
    "3": {
        "title": "c",
        "kind": "workshop",
        "seats": 20,
        "price": 50.0,
        "at": "2026-02-20T09:00:00Z",
        "paid": True,
    },
    "4": {"title": "d", "kind": "talk", "seats": 10, "at": "2026-04-01T00:00:00Z"},
    "5": {"title": "e", "kind": "party"},
}


@pytest.fixture(scope="module")
def events() -> IndexSnapshot:
    return snapshot(DOCS, MAPPINGS, segments=2)


def aggs(index: IndexSnapshot, spec: dict[str, Any], query: Any = None) -> Any:
    body: dict[str, Any] = {"size": 0, "aggs": spec}
    if query is not None:
        body["query"] = query
    response = search([index], body, {})
    assert response["hits"]["hits"] == []
    return response["aggregations"]


def test_terms_on_keyword(events: IndexSnapshot) -> None:
    assert aggs(events, {"kinds": {"terms": {"field": "kind"}}}) == {
        "kinds": {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": 0,
            "buckets": [
                {"key": "talk", "doc_count": 3},
                {"key": "party", "doc_count": 1},
                {"key": "workshop", "doc_count": 1},
            ],
        }
    }


def test_terms_size_order_and_min_doc_count(events: IndexSnapshot) -> None:
    top = aggs(events, {"k": {"terms": {"field": "kind", "size": 1}}})["k"]
    assert top["buckets"] == [{"key": "talk", "doc_count": 3}]
    assert top["sum_other_doc_count"] == 2
    by_key = aggs(events, {"k": {"terms": {"field": "kind", "order": {"_key": "desc"}}}})["k"]
    assert [b["key"] for b in by_key["buckets"]] == ["workshop", "talk", "party"]
    common = aggs(events, {"k": {"terms": {"field": "kind", "min_doc_count": 2}}})["k"]
    assert common["buckets"] == [{"key": "talk", "doc_count": 3}]


def test_terms_include_exclude_and_missing(events: IndexSnapshot) -> None:
    regex = aggs(events, {"k": {"terms": {"field": "kind", "include": "t.*|p.*"}}})["k"]
    assert [b["key"] for b in regex["buckets"]] == ["talk", "party"]
    listed = aggs(events, {"k": {"terms": {"field": "kind", "exclude": ["talk", "party"]}}})["k"]
    assert [b["key"] for b in listed["buckets"]] == ["workshop"]
    missing = aggs(events, {"s": {"terms": {"field": "seats", "missing": 0}}})["s"]["buckets"]
    assert {"key": 0, "doc_count": 1} in missing
    dated = {"d": {"terms": {"field": "at", "missing": "2026-04-01", "order": {"_count": "desc"}}}}
    assert aggs(events, dated)["d"]["buckets"][0]["doc_count"] == 2


def test_terms_on_numbers_booleans_and_dates(events: IndexSnapshot) -> None:
    seats = aggs(events, {"s": {"terms": {"field": "seats"}}})["s"]["buckets"]
    assert seats[0] == {"key": 10, "doc_count": 2}
    paid = aggs(events, {"p": {"terms": {"field": "paid"}}})["p"]["buckets"]
    assert paid == [
        {"key": 1, "key_as_string": "true", "doc_count": 2},
        {"key": 0, "key_as_string": "false", "doc_count": 1},
    ]
    prices = aggs(events, {"p": {"terms": {"field": "price", "order": {"_key": "asc"}}}})["p"]
    assert [b["key"] for b in prices["buckets"]] == [0.0, 5.0, 50.0]
    dates = aggs(events, {"d": {"terms": {"field": "at", "size": 1, "order": {"_key": "asc"}}}})
    assert dates["d"]["buckets"][0]["key_as_string"] == "2026-01-05T10:00:00.000Z"


def test_terms_respects_the_query(events: IndexSnapshot) -> None:
    result = aggs(events, {"k": {"terms": {"field": "kind"}}}, {"range": {"seats": {"gte": 20}}})
    assert result["k"]["buckets"] == [
        {"key": "talk", "doc_count": 1},
        {"key": "workshop", "doc_count": 1},
    ]


def test_metrics(events: IndexSnapshot) -> None:
    result = aggs(
        events,
        {
            "avg_seats": {"avg": {"field": "seats"}},
            "total": {"sum": {"field": "seats"}},
            "cheapest": {"min": {"field": "price"}},
            "dearest": {"max": {"field": "price"}},
            "kinds": {"cardinality": {"field": "kind"}},
        },
    )
    assert result == {
        "avg_seats": {"value": 17.5},
        "total": {"value": 70.0},
        "cheapest": {"value": 0.0},
        "dearest": {"value": 50.0},
        "kinds": {"value": 3},
    }


def test_date_metrics_have_value_as_string(events: IndexSnapshot) -> None:
    result = aggs(events, {"first": {"min": {"field": "at"}}, "last": {"max": {"field": "at"}}})
    assert result["first"] == {
        "value": 1767607200000.0,
        "value_as_string": "2026-01-05T10:00:00.000Z",
    }
    assert result["last"]["value_as_string"] == "2026-04-01T00:00:00.000Z"


def test_metrics_over_no_documents(events: IndexSnapshot) -> None:
    nothing = {"match_none": {}}
    result = aggs(
        events,
        {
            "a": {"avg": {"field": "seats"}},
            "s": {"sum": {"field": "seats"}},
            "m": {"max": {"field": "at"}},
            "t": {"terms": {"field": "kind"}},
        },
        nothing,
    )
    assert result == {
        "a": {"value": None},
        "s": {"value": 0.0},
        "m": {"value": None},
        "t": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": []},
    }


def test_unmapped_fields_aggregate_to_nothing(events: IndexSnapshot) -> None:
    result = aggs(
        events, {"t": {"terms": {"field": "nowhere"}}, "a": {"avg": {"field": "nowhere"}}}
    )
    assert result["t"]["buckets"] == [] and result["a"] == {"value": None}


def test_date_histogram_fixed_and_calendar_day(events: IndexSnapshot) -> None:
    days = aggs(
        events,
        {"d": {"date_histogram": {"field": "at", "fixed_interval": "1d", "min_doc_count": 1}}},
    )
    assert days["d"]["buckets"][0] == {
        "key_as_string": "2026-01-05T00:00:00.000Z",
        "key": 1767571200000,
        "doc_count": 2,
    }
    assert [b["doc_count"] for b in days["d"]["buckets"]] == [2, 1, 1]
    calendar = aggs(events, {"d": {"date_histogram": {"field": "at", "calendar_interval": "day"}}})
    buckets = calendar["d"]["buckets"]
    assert buckets[0]["doc_count"] == 2 and buckets[1]["doc_count"] == 0  # gaps filled
    assert buckets[-1]["key_as_string"] == "2026-04-01T00:00:00.000Z"


def test_date_histogram_offset(events: IndexSnapshot) -> None:
    spec = {"h": {"date_histogram": {"field": "at", "fixed_interval": "12h", "offset": "+6h",
                                     "min_doc_count": 1}}}  # fmt: skip
    first = aggs(events, spec)["h"]["buckets"][0]
    assert first == {"key_as_string": "2026-01-05T06:00:00.000Z", "key": 1767592800000,
                     "doc_count": 2}  # fmt: skip


def test_date_histogram_weeks_start_on_monday(events: IndexSnapshot) -> None:
    weeks = aggs(
        events,
        {
            "w": {
                "date_histogram": {
                    "field": "at",
                    "calendar_interval": "week",
                    "format": "yyyy-MM-dd",
                }
            }
        },
    )
    assert weeks["w"]["buckets"][0]["key_as_string"] == "2026-01-05"  # a Monday


def test_date_histogram_months_and_quarters(events: IndexSnapshot) -> None:
    months = aggs(events, {"m": {"date_histogram": {"field": "at", "calendar_interval": "month"}}})
    assert [(b["key_as_string"], b["doc_count"]) for b in months["m"]["buckets"]] == [
        ("2026-01-01T00:00:00.000Z", 2),
        ("2026-02-01T00:00:00.000Z", 1),
        ("2026-03-01T00:00:00.000Z", 0),
        ("2026-04-01T00:00:00.000Z", 1),
    ]
    quarters = aggs(
        events,
        {"q": {"date_histogram": {"field": "at", "calendar_interval": "1q", "format": "yyyy-MM"}}},
    )
    assert [(b["key_as_string"], b["doc_count"]) for b in quarters["q"]["buckets"]] == [
        ("2026-01", 3),
        ("2026-04", 1),
    ]


def test_calendar_months_with_sub_aggregations(events: IndexSnapshot) -> None:
    spec = {
        "m": {
            "date_histogram": {"field": "at", "calendar_interval": "month", "min_doc_count": 1},
            "aggs": {"seats": {"sum": {"field": "seats"}}, "kinds": {"terms": {"field": "kind"}}},
        }
    }
    buckets = aggs(events, spec)["m"]["buckets"]
    assert [(b["key_as_string"], b["doc_count"], b["seats"]["value"]) for b in buckets] == [
        ("2026-01-01T00:00:00.000Z", 2, 40.0),
        ("2026-02-01T00:00:00.000Z", 1, 20.0),
        ("2026-04-01T00:00:00.000Z", 1, 10.0),
    ]
    assert buckets[0]["kinds"]["buckets"] == [{"key": "talk", "doc_count": 2}]


def test_sub_aggregations(events: IndexSnapshot) -> None:
    result = aggs(
        events,
        {
            "k": {
                "terms": {"field": "kind"},
                "aggs": {
                    "seats": {"sum": {"field": "seats"}},
                    "days": {
                        "date_histogram": {
                            "field": "at",
                            "fixed_interval": "1d",
                            "min_doc_count": 1,
                        }
                    },
                },
            }
        },
    )
    talk = result["k"]["buckets"][0]
    assert talk["key"] == "talk" and talk["seats"] == {"value": 50.0}
    assert [b["doc_count"] for b in talk["days"]["buckets"]] == [2, 1]


def test_text_fields_cannot_aggregate(events: IndexSnapshot) -> None:
    with pytest.raises(SearchError) as caught:
        aggs(events, {"t": {"terms": {"field": "title"}}})
    assert caught.value.error_type == "illegal_argument_exception"
    assert "Text fields are not optimised" in caught.value.reason


@pytest.mark.parametrize(
    ("spec", "error_type"),
    [
        ({"p": {"percentiles": {"field": "seats"}}}, UNSUPPORTED_TYPE),
        ({"c": {"composite": {"sources": []}}}, UNSUPPORTED_TYPE),
        ({"x": {"no_such_agg": {"field": "seats"}}}, "parsing_exception"),
        (
            {
                "d": {
                    "date_histogram": {
                        "field": "at",
                        "calendar_interval": "month",
                        "time_zone": "Europe/Paris",
                    }
                }
            },
            UNSUPPORTED_TYPE,
        ),
        (
            {
                "k": {
                    "terms": {"field": "kind"},
                    "aggs": {"m": {"date_histogram": {"field": "at", "calendar_interval": "1M"}}},
                }
            },
            UNSUPPORTED_TYPE,
        ),
        (
            {"a": {"avg": {"field": "seats"}, "aggs": {"b": {"max": {"field": "seats"}}}}},
            "parsing_exception",
        ),
    ],
)
def test_refused_aggregations(events: IndexSnapshot, spec: Any, error_type: str) -> None:
    with pytest.raises(SearchError) as caught:
        aggs(events, spec)
    assert (caught.value.status, caught.value.error_type) == (400, error_type)


def test_terms_counts_are_exact_across_segments() -> None:
    import random
    from collections import Counter

    chance = random.Random(5)
    docs = {}
    for number in range(2000):
        segment = number // 500
        local = chance.random() < 0.9
        tag = f"s{segment}-{chance.randrange(30)}" if local else f"g{chance.randrange(40)}"
        docs[str(number)] = {"tag": tag}
    index = snapshot(docs, {"properties": {"tag": {"type": "keyword"}}}, segments=4)
    counts = Counter(doc["tag"] for doc in docs.values())
    expected = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:5]
    result = aggs(index, {"t": {"terms": {"field": "tag", "size": 5}}})["t"]
    assert [(b["key"], b["doc_count"]) for b in result["buckets"]] == expected
    assert result["doc_count_error_upper_bound"] == 0
    assert result["sum_other_doc_count"] == 2000 - sum(count for _, count in expected)


def test_cardinality_is_exact_below_the_precision_threshold() -> None:
    docs = {str(n): {"k": f"v{n % 1500}", "n": n % 1234} for n in range(3000)}
    index = snapshot(
        docs, {"properties": {"k": {"type": "keyword"}, "n": {"type": "long"}}}, segments=3
    )
    result = aggs(
        index, {"k": {"cardinality": {"field": "k"}}, "n": {"cardinality": {"field": "n"}}}
    )
    assert result == {"k": {"value": 1500}, "n": {"value": 1234}}
    nested = aggs(
        index,
        {"t": {"terms": {"field": "k", "size": 1}, "aggs": {"c": {"cardinality": {"field": "n"}}}}},
    )
    assert nested["t"]["buckets"][0]["c"] == {"value": 2}


def test_range_and_histogram(events: IndexSnapshot) -> None:
    ranges = [{"to": 5}, {"from": 5, "to": 40}, {"from": 40, "key": "dear"}]
    result = aggs(events, {"r": {"range": {"field": "price", "ranges": ranges}}})
    assert result["r"]["buckets"] == [
        {"key": "*-5.0", "to": 5.0, "doc_count": 1},
        {"key": "5.0-40.0", "from": 5.0, "to": 40.0, "doc_count": 1},
        {"key": "dear", "from": 40.0, "doc_count": 1},
    ]
    histogram = aggs(events, {"h": {"histogram": {"field": "seats", "interval": 10}}})
    assert [(b["key"], b["doc_count"]) for b in histogram["h"]["buckets"]] == [
        (10.0, 2),
        (20.0, 1),
        (30.0, 1),
    ]


def test_filter_filters_missing_and_global(events: IndexSnapshot) -> None:
    spec = {
        "talks": {"filter": {"term": {"kind": "talk"}}, "aggs": {"s": {"sum": {"field": "seats"}}}},
        "kinds": {
            "filters": {
                "filters": {
                    "workshops": {"term": {"kind": "workshop"}},
                    "paid": {"term": {"paid": True}},
                },
                "other_bucket_key": "rest",
            }
        },
        "listed": {"filters": {"filters": [{"match_all": {}}, {"range": {"seats": {"gte": 20}}}]}},
        "no_price": {"missing": {"field": "price"}},
        "all": {"global": {}, "aggs": {"k": {"cardinality": {"field": "kind"}}}},
    }
    result = aggs(events, spec, {"range": {"seats": {"gte": 10}}})
    assert result["talks"] == {"doc_count": 3, "s": {"value": 50.0}}
    assert result["kinds"] == {
        "buckets": {
            "paid": {"doc_count": 2},
            "workshops": {"doc_count": 1},
            "rest": {"doc_count": 2},
        }
    }
    assert result["listed"] == {"buckets": [{"doc_count": 4}, {"doc_count": 2}]}
    assert result["no_price"] == {"doc_count": 1}
    assert result["all"] == {"doc_count": 5, "k": {"value": 3}}
    with pytest.raises(SearchError):
        aggs(
            events,
            {"t": {"terms": {"field": "kind"}, "aggs": {"f": {"filter": {"match_all": {}}}}}},
        )


def test_aggregations_over_several_indexes() -> None:
    first = snapshot(
        {"1": {"kind": "talk", "seats": 10}, "2": {"kind": "talk", "seats": 30}},
        {"properties": {"kind": {"type": "keyword"}, "seats": {"type": "long"}}},
        name="one",
    )
    second = snapshot(
        {"3": {"kind": "party", "seats": 50}, "4": {"kind": "talk", "seats": 2}},
        {"properties": {"kind": {"type": "keyword"}, "seats": {"type": "long"}}},
        name="two",
    )
    body = {
        "size": 0,
        "query": {"range": {"seats": {"gte": 5}}},
        "aggs": {
            "kinds": {"terms": {"field": "kind"}, "aggs": {"avg": {"avg": {"field": "seats"}}}},
            "distinct": {"cardinality": {"field": "kind"}},
            "everything": {"global": {}},
        },
    }
    result = search([first, second], body, {})
    assert result["hits"]["total"]["value"] == 3
    assert result["aggregations"] == {
        "kinds": {
            "doc_count_error_upper_bound": 0,
            "sum_other_doc_count": 0,
            "buckets": [
                {"key": "talk", "doc_count": 2, "avg": {"value": 20.0}},
                {"key": "party", "doc_count": 1, "avg": {"value": 50.0}},
            ],
        },
        "distinct": {"value": 2},
        "everything": {"doc_count": 4},
    }
    clash = snapshot({"5": {"kind": 7}}, {"properties": {"kind": {"type": "long"}}}, name="three")
    with pytest.raises(SearchError) as caught:
        search([first, clash], body, {})
    assert caught.value.status == 400


def test_extended_stats(events: IndexSnapshot) -> None:
    result = aggs(events, {"e": {"extended_stats": {"field": "seats"}}})["e"]
    assert (result["count"], result["sum"], result["avg"]) == (4, 70.0, 17.5)
    assert result["variance"] == pytest.approx(68.75)
    assert set(result["std_deviation_bounds"]) >= {"upper", "lower"}
    empty = aggs(events, {"e": {"extended_stats": {"field": "seats"}}}, {"match_none": {}})["e"]
    assert empty["count"] == 0 and empty["std_deviation_bounds"]["upper"] is None


def test_show_term_doc_count_error(events: IndexSnapshot) -> None:
    spec = {"k": {"terms": {"field": "kind", "size": 1, "show_term_doc_count_error": True}}}
    assert aggs(events, spec)["k"]["buckets"] == [
        {"key": "talk", "doc_count": 3, "doc_count_error_upper_bound": 0}
    ]


def test_top_hits_per_bucket(events: IndexSnapshot) -> None:
    spec = {
        "kinds": {
            "terms": {"field": "kind"},
            "aggs": {
                "biggest": {
                    "top_hits": {"size": 1, "sort": [{"seats": "desc"}], "_source": ["seats"]}
                }
            },
        },
        "months": {
            "date_histogram": {"field": "at", "calendar_interval": "month", "min_doc_count": 1},
            "aggs": {"first": {"top_hits": {"size": 1, "sort": ["at"]}}},
        },
        "best": {"top_hits": {"size": 2}},
    }
    result = aggs(events, spec, {"exists": {"field": "seats"}})
    talk = result["kinds"]["buckets"][0]
    assert talk["key"] == "talk"
    assert talk["biggest"]["hits"]["total"] == {"value": 3, "relation": "eq"}
    (hit,) = talk["biggest"]["hits"]["hits"]
    assert (hit["_id"], hit["_source"], hit["sort"], hit["_score"]) == (
        "2",
        {"seats": 30},
        [30],
        None,
    )
    firsts = [b["first"]["hits"]["hits"][0]["_id"] for b in result["months"]["buckets"]]
    assert firsts == ["1", "3", "4"]
    assert len(result["best"]["hits"]["hits"]) == 2
    assert result["best"]["hits"]["max_score"] == 1.0
    with pytest.raises(SearchError):
        aggs(events, {"t": {"top_hits": {"size": 1, "highlight": {}}}})


def test_typed_keys_name_aggregations_by_type(events: IndexSnapshot) -> None:
    body = {
        "size": 0,
        "aggs": {
            "k": {"terms": {"field": "kind"}, "aggs": {"s": {"sum": {"field": "seats"}}}},
            "n": {"terms": {"field": "seats"}},
            "f": {"filter": {"term": {"paid": True}}, "aggs": {"a": {"avg": {"field": "price"}}}},
        },
    }
    result = search([events], body, {"typed_keys": "true"})["aggregations"]
    assert set(result) == {"sterms#k", "lterms#n", "filter#f"}
    assert result["sterms#k"]["buckets"][0] == {
        "key": "talk",
        "doc_count": 3,
        "sum#s": {"value": 50.0},
    }
    assert result["filter#f"] == {"doc_count": 2, "avg#a": {"value": 27.5}}
