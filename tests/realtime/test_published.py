"""What a mutation publishes: its result as it selected it, keyed by field names."""

from __future__ import annotations

from typing import Any

from graphql import OperationDefinitionNode, parse

from app.realtime.published import mutation_results


def published(query: str, data: dict[str, Any] | None) -> list[tuple[str, Any]]:
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {d.name.value: d for d in document.definitions if hasattr(d, "type_condition")}
    return mutation_results(operation, fragments, data)  # type: ignore[arg-type]


def test_aliases_are_replaced_by_field_names_at_every_level() -> None:
    query = "mutation { made: createEvent { key: id info: details { n: name } } }"
    data = {"made": {"key": "1", "info": {"n": "x"}}}
    assert published(query, data) == [("createEvent", {"id": "1", "details": {"name": "x"}})]


def test_fragments_and_lists_are_followed() -> None:
    query = """
        mutation { addTags { ...F ... on Tag { label } } }
        fragment F on Tag { id }
    """
    data = {"addTags": [{"id": "1", "label": "a"}, {"id": "2", "label": "b"}]}
    assert published(query, data) == [
        ("addTags", [{"id": "1", "label": "a"}, {"id": "2", "label": "b"}])
    ]


def test_a_failed_field_publishes_nothing_and_the_others_still_do() -> None:
    query = "mutation { a: createEvent { id } b: createEvent { id } deleteEvent { id } }"
    data = {"a": None, "b": {"id": "2"}, "deleteEvent": {"id": "3"}}
    assert published(query, data) == [("createEvent", {"id": "2"}), ("deleteEvent", {"id": "3"})]


def test_no_data_publishes_nothing() -> None:
    assert published("mutation { createEvent { id } }", None) == []


def test_a_field_selected_twice_under_aliases_keeps_the_first() -> None:
    query = "mutation { createEvent { first: name second: name } }"
    data = {"createEvent": {"first": "a", "second": "b"}}
    assert published(query, data) == [("createEvent", {"name": "a"})]
