"""How field values are indexed: dates in several forms, coercion, nulls, arrays."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy import OpenSearch, RequestError

from tests.searchengine.conformance.support import Loader, failure, hit_ids, search_ids

MAPPINGS: dict[str, Any] = {
    "properties": {
        "at": {"type": "date"},
        "n": {"type": "integer"},
        "x": {"type": "double"},
        "flag": {"type": "boolean"},
        "tag": {"type": "keyword"},
        "text": {"type": "text"},
    }
}


@pytest.fixture
def dates(make_index: Loader) -> str:
    return make_index(
        {
            "millis": {"at": 1704067200000},  # 2024-01-01T00:00:00Z
            "day": {"at": "2024-01-02"},
            "offset": {"at": "2024-01-03T10:00:00+02:00"},  # 08:00Z
            "fraction": {"at": "2024-01-04T00:00:00.250Z"},
        },
        MAPPINGS,
    )


def test_dates_in_every_default_format(opensearch: OpenSearch, dates: str) -> None:
    answer = opensearch.search(index=dates, body={"sort": [{"at": "asc"}]})
    assert hit_ids(answer) == ["millis", "day", "offset", "fraction"]
    assert [hit["sort"] for hit in answer["hits"]["hits"]] == [
        [1704067200000], [1704153600000], [1704268800000], [1704326400250]
    ]  # fmt: skip


def test_a_date_keeps_its_source_form(opensearch: OpenSearch, dates: str) -> None:
    assert opensearch.get(index=dates, id="millis")["_source"] == {"at": 1704067200000}
    assert opensearch.get(index=dates, id="offset")["_source"] == {
        "at": "2024-01-03T10:00:00+02:00"
    }


def test_a_range_on_an_offset_date_uses_utc(opensearch: OpenSearch, dates: str) -> None:
    query = {"range": {"at": {"gte": "2024-01-03T08:00:00Z", "lte": "2024-01-03T08:00:00Z"}}}
    assert search_ids(opensearch, dates, query) == {"offset"}


def test_numbers_are_coerced(opensearch: OpenSearch, make_index: Loader) -> None:
    index = make_index({"string": {"n": "42"}, "fraction": {"n": 3.7}, "x": {"x": "2.5"}}, MAPPINGS)
    assert search_ids(opensearch, index, {"term": {"n": 42}}) == {"string"}
    assert search_ids(opensearch, index, {"term": {"n": 3}}) == {"fraction"}
    assert search_ids(opensearch, index, {"range": {"x": {"gt": 2.4, "lt": 2.6}}}) == {"x"}
    assert opensearch.get(index=index, id="string")["_source"] == {"n": "42"}


def test_booleans_from_strings(opensearch: OpenSearch, make_index: Loader) -> None:
    index = make_index({"t": {"flag": "true"}, "f": {"flag": "false"}}, MAPPINGS)
    assert search_ids(opensearch, index, {"term": {"flag": True}}) == {"t"}
    assert search_ids(opensearch, index, {"term": {"flag": False}}) == {"f"}


def test_a_number_in_a_text_field_is_text(opensearch: OpenSearch, make_index: Loader) -> None:
    index = make_index({"1": {"text": 2024}, "2": {"tag": 7}}, MAPPINGS)
    assert search_ids(opensearch, index, {"match": {"text": "2024"}}) == {"1"}
    assert search_ids(opensearch, index, {"term": {"tag": "7"}}) == {"2"}


def test_null_and_empty_values_do_not_exist(opensearch: OpenSearch, make_index: Loader) -> None:
    index = make_index(
        {
            "null": {"tag": None},
            "list-of-null": {"tag": [None]},
            "empty-list": {"tag": []},
            "value": {"tag": "a"},
            "mixed": {"tag": [None, "b"]},
            "absent": {"text": "t"},
        },
        MAPPINGS,
    )
    assert search_ids(opensearch, index, {"exists": {"field": "tag"}}) == {"value", "mixed"}
    body = {"query": {"bool": {"must_not": [{"exists": {"field": "tag"}}]}}, "size": 10}
    assert set(hit_ids(opensearch.search(index=index, body=body))) == {
        "null", "list-of-null", "empty-list", "absent"
    }  # fmt: skip
    assert opensearch.get(index=index, id="null")["_source"] == {"tag": None}


def test_sorting_on_a_multi_valued_field_uses_min_or_max(
    opensearch: OpenSearch, articles: str
) -> None:
    ascending = opensearch.search(index=articles, body={"sort": [{"tags": "asc"}, {"sku": "asc"}]})
    assert hit_ids(ascending) == ["1", "2", "5", "4", "3", "6"]
    assert ascending["hits"]["hits"][0]["sort"] == ["animal", "AB-100"]
    descending = opensearch.search(
        index=articles, body={"sort": [{"tags": "desc"}, {"sku": "asc"}]}
    )
    assert hit_ids(descending) == ["5", "3", "4", "1", "2", "6"]
    assert descending["hits"]["hits"][0]["sort"] == ["wild", "EF-1"]


def test_an_array_of_numbers_matches_each_value(opensearch: OpenSearch, make_index: Loader) -> None:
    index = make_index({"1": {"n": [1, 5, 9]}, "2": {"n": [4]}}, MAPPINGS)
    assert search_ids(opensearch, index, {"term": {"n": 5}}) == {"1"}
    assert search_ids(opensearch, index, {"range": {"n": {"gte": 4, "lte": 4}}}) == {"2"}
    assert search_ids(opensearch, index, {"range": {"n": {"gt": 8}}}) == {"1"}
    body = {"size": 0, "aggs": {"s": {"sum": {"field": "n"}}, "a": {"avg": {"field": "n"}}}}
    aggs = opensearch.search(index=index, body=body)["aggregations"]
    assert aggs == {"s": {"value": 19.0}, "a": {"value": 4.75}}


def test_an_object_array_flattens_its_fields(opensearch: OpenSearch, make_index: Loader) -> None:
    index = make_index(
        {
            "1": {"people": [{"first": "ada", "last": "lovelace"},
                             {"first": "alan", "last": "turing"}]},
            "2": {"people": [{"first": "grace", "last": "hopper"}]},
        },
        {"properties": {"people": {"properties": {"first": {"type": "keyword"},
                                                  "last": {"type": "keyword"}}}}},
    )  # fmt: skip
    assert search_ids(opensearch, index, {"term": {"people.first": "alan"}}) == {"1"}
    # Objects are flattened, not nested: first and last may come from different people.
    query = {"bool": {"must": [{"term": {"people.first": "ada"}},
                               {"term": {"people.last": "turing"}}]}}  # fmt: skip
    assert search_ids(opensearch, index, query) == {"1"}


def test_dotted_field_names_are_object_paths(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.index(index=index_name, id="1", body={"a.b": 1, "c": {"d.e": "x"}}, refresh=True)
    properties = opensearch.indices.get_mapping(index=index_name)[index_name]["mappings"][
        "properties"
    ]
    assert properties["a"] == {"properties": {"b": {"type": "long"}}}
    assert properties["c"]["properties"]["d"]["properties"]["e"]["type"] == "text"
    assert search_ids(opensearch, index_name, {"term": {"a.b": 1}}) == {"1"}
    assert search_ids(opensearch, index_name, {"match": {"c.d.e": "x"}}) == {"1"}
    assert opensearch.get(index=index_name, id="1")["_source"] == {"a.b": 1, "c": {"d.e": "x"}}


@pytest.mark.parametrize(
    "source",
    [
        {"n": 2**40},  # out of range for an integer
        {"big": 2**70},  # out of range for a long
        {"x": "NaN"},  # doubles are finite
        {"x": "Infinity"},
        {"small": 1e308},  # infinite once a float
        {"half": 1e308},  # infinite once a half_float
        {"at": 1e308},  # epoch milliseconds beyond a long
        {"at": 2**63},
    ],
    ids=["integer-overflow", "long-overflow", "nan", "infinity", "float-overflow",
         "half-float-overflow", "date-1e308", "date-2**63"],
)  # fmt: skip
def test_out_of_range_numbers_are_refused(
    opensearch: OpenSearch, index_name: str, source: dict[str, Any]
) -> None:
    mappings = {
        "properties": {
            **MAPPINGS["properties"],
            "big": {"type": "long"},
            "small": {"type": "float"},
            "half": {"type": "half_float"},
        }
    }
    opensearch.indices.create(index=index_name, body={"mappings": mappings})
    with pytest.raises(RequestError) as raised:
        opensearch.index(index=index_name, id="1", body=source)
    assert failure(raised.value) == (400, "mapper_parsing_exception")
    assert opensearch.exists(index=index_name, id="1") is False


def test_dates_far_from_now(opensearch: OpenSearch, make_index: Loader) -> None:
    # Dates are epoch milliseconds in a long: centuries either way are ordinary values.
    index = make_index(
        {"far": {"at": "9999-12-31"}, "old": {"at": "1600-01-01"}, "near": {"at": "2024-01-01"}},
        MAPPINGS,
    )
    assert search_ids(opensearch, index, {"range": {"at": {"gte": "9000-01-01"}}}) == {"far"}
    assert search_ids(opensearch, index, {"range": {"at": {"lt": "1700-01-01"}}}) == {"old"}
    answer = opensearch.search(index=index, body={"sort": [{"at": "asc"}]})
    assert [hit["sort"] for hit in answer["hits"]["hits"]] == [
        [-11676096000000], [1704067200000], [253402214400000]
    ]  # fmt: skip
    aggs = {"first": {"min": {"field": "at"}}, "last": {"max": {"field": "at"}}}
    result = opensearch.search(index=index, body={"size": 0, "aggs": aggs})["aggregations"]
    assert result["first"]["value_as_string"] == "1600-01-01T00:00:00.000Z"
    assert result["last"]["value_as_string"] == "9999-12-31T00:00:00.000Z"


def test_an_empty_string_is_false_for_a_boolean(opensearch: OpenSearch, make_index: Loader) -> None:
    index = make_index({"empty": {"flag": ""}, "t": {"flag": True}}, MAPPINGS)
    assert search_ids(opensearch, index, {"term": {"flag": False}}) == {"empty"}


def test_an_immense_keyword_is_refused(opensearch: OpenSearch, index_name: str) -> None:
    # Lucene's limit for one term is 32766 bytes (keyword fields without ignore_above).
    opensearch.indices.create(index=index_name, body={"mappings": MAPPINGS})
    with pytest.raises(RequestError) as raised:
        opensearch.index(index=index_name, id="1", body={"tag": "x" * 40000})
    assert raised.value.status_code == 400
    assert opensearch.exists(index=index_name, id="1") is False


def test_an_empty_field_name_is_refused(opensearch: OpenSearch, index_name: str) -> None:
    opensearch.indices.create(index=index_name)
    with pytest.raises(RequestError) as raised:
        opensearch.index(index=index_name, id="1", body={"": 1})
    assert raised.value.status_code == 400
    opensearch.index(index=index_name, id="2", body={"fine": 1}, refresh=True)
    assert opensearch.count(index=index_name)["count"] == 1
