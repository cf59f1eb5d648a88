"""`query_string`, `simple_query_string` and the `q` parameter: Lucene's syntax over the
same small index as test_query."""

from __future__ import annotations

from typing import Any

import pytest

from app.searchengine.errors import UNSUPPORTED_TYPE, SearchError
from app.searchengine.search import count, search
from app.searchengine.snapshot import IndexSnapshot
from tests.searchengine.memory_index import ids, snapshot
from tests.searchengine.test_query import EVENTS, MAPPINGS


@pytest.fixture(scope="module")
def events() -> IndexSnapshot:
    return snapshot(EVENTS, MAPPINGS)


def found(index: IndexSnapshot, text: str, **options: Any) -> list[str]:
    query = {"query_string": {"query": text, **options}}
    return sorted(ids(search([index], {"query": query}, {})))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quick", ["1", "2", "5"]),
        ("title:quick", ["1", "5"]),
        ("title:quick AND category:animals", ["1"]),
        ("quick -fox", ["2", "5"]),
        ("quick NOT fox", ["2", "5"]),
        ("+quick +bear", ["5"]),
        ('"quick brown"', ["1"]),
        ('title:"brown walk"~2', ["5"]),
        ('title:"brown walk"', []),
        ("pyth*", ["3"]),
        ("Pyth*", ["3"]),
        ("qu?ck", ["1", "2", "5"]),
        ("*ython", ["3"]),
        ("category:Out*", ["5"]),
        ("category:out*", []),
        ("category:t?ch", ["3", "4"]),
        ("pyhton~", ["3"]),
        ("attendees:>=40", ["3", "4"]),
        ("attendees:[10 TO 40]", ["1", "4"]),
        ("attendees:{10 TO 40}", []),
        ("start:{2026-03-01 TO *]", ["2", "3", "4"]),
        ("title:(lazy OR python)", ["2", "3"]),
        ("quick AND (fox OR bear)", ["1", "5"]),
        ("category:tech || category:Outdoors", ["3", "4", "5"]),
        ("NOT quick", ["3", "4"]),
        ("price:*", ["1", "2", "3"]),
        ("40", ["4"]),
        ("_exists_:price", ["1", "2", "3"]),
        ("NOT _exists_:description", ["5"]),
        ("true", ["2"]),
    ],
)
def test_syntax(events: IndexSnapshot, text: str, expected: list[str]) -> None:
    assert found(events, text) == expected


def test_fields_and_operator(events: IndexSnapshot) -> None:
    assert found(events, "quick", default_field="description") == ["2"]
    assert found(events, "quick", fields=["title", "description"]) == ["1", "2", "5"]
    assert found(events, "quick fox", default_operator="AND") == ["1"]
    assert found(events, "quick OR python", default_operator="AND") == ["1", "2", "3", "5"]


def test_boost_changes_the_order(events: IndexSnapshot) -> None:
    query = {"query_string": {"query": "lazy python^10", "default_field": "title"}}
    assert ids(search([events], {"query": query}, {}))[0] == "3"
    query = {"query_string": {"query": "lazy^10 python", "default_field": "title"}}
    assert ids(search([events], {"query": query}, {}))[0] == "2"


def test_what_is_not_read_is_refused(events: IndexSnapshot) -> None:
    for text in ["/qu.*/"]:
        with pytest.raises(SearchError) as unsupported:
            found(events, text)
        assert unsupported.value.error_type == UNSUPPORTED_TYPE
    for text in ["(quick", "quick)", "title:quick AND"]:
        with pytest.raises(SearchError) as malformed:
            found(events, text)
        assert malformed.value.status == 400


def test_simple_query_string(events: IndexSnapshot) -> None:
    def simple(text: str) -> list[str]:
        query = {"simple_query_string": {"query": text, "fields": ["title", "description"]}}
        return sorted(ids(search([events], {"query": query}, {})))

    assert simple("quick + fox") == ["1"]
    assert simple("python | lazy") == ["2", "3"]
    assert simple("quick -fox") == ["2", "5"]
    assert simple('"quick brown"') == ["1"]
    assert simple("(quick") == ["1", "2", "5"]  # never a syntax error
    # No field syntax: one word, and the standard analyzer keeps `title:python` one term.
    assert simple("title:python") == []
    assert simple("python:title") == []


def test_q_parameter(events: IndexSnapshot) -> None:
    assert ids(search([events], None, {"q": "title:python"})) == ["3"]
    assert sorted(ids(search([events], None, {"q": "quick", "df": "title"}))) == ["1", "5"]
    assert count([events], None, {"q": "category:tech"})["count"] == 2
