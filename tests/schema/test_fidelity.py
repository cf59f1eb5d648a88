"""The acceptance criterion: the served schema introspects exactly like the SDL.

Introspection of the generated Strawberry schema must equal graphql-core's
`build_schema(prelude + sdl)`, with only the order of types and directives normalized.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema, graphql_sync

from app.schema.prelude import PRELUDE_SDL
from tests.schema.helpers import INTROSPECTION_QUERY, Recorder, build, fixture, load, normalized

FIXTURES = ["event_app.graphql", "awkward.graphql"]


def expected(sdl: str) -> dict[str, Any]:
    result = graphql_sync(build_schema(PRELUDE_SDL + "\n" + sdl), INTROSPECTION_QUERY)
    assert result.errors is None
    assert result.data is not None
    return normalized(result.data)


def bind_everything(sdl: str) -> Recorder:
    """Bindings for every object field, Subscription fields included."""
    schema = load(sdl)
    returns = {
        (type_.name, field): (lambda _source, _args: None)
        for type_ in schema.type_map.values()
        if not type_.name.startswith("__")
        for field in getattr(type_, "fields", {})
    }
    return Recorder(returns)


@pytest.mark.parametrize("name", FIXTURES)
@pytest.mark.parametrize("bound", [False, True], ids=["defaults", "bound"])
def test_served_introspection_equals_the_sdl(name: str, bound: bool) -> None:
    sdl = fixture(name)
    schema = build(sdl, bind_everything(sdl) if bound else Recorder())
    result = schema.execute_sync(INTROSPECTION_QUERY)
    assert result.errors is None
    assert result.data is not None
    assert normalized(result.data) == expected(sdl)


@pytest.mark.parametrize("name", FIXTURES)
def test_validation_schema_introspection_equals_the_sdl(name: str) -> None:
    sdl = fixture(name)
    result = graphql_sync(load(sdl), INTROSPECTION_QUERY)
    assert result.errors is None
    assert result.data is not None
    assert normalized(result.data) == expected(sdl)


def test_applied_directives_survive_into_the_printed_schema() -> None:
    printed = build(fixture("awkward.graphql")).as_str()
    for applied in [
        'schema @tagged(name: "api"',
        'type Post implements Timestamped & Node @tagged(name: "a", level: LOW, scopes: ["all"])'
        ' @tagged(name: "b", level: HIGH, scopes: ["all"]) @aws_api_key {',
        '): String @tagged(name: "field"',
        '  HIGH @tagged(name: "value"',
        'enum Level @tagged(name: "enum"',
        'union SearchResult @tagged(name: "union"',
        'input Filter @tagged(name: "input"',
        '  legacy: String @deprecated(reason: "Use words.") @tagged(name: "inputField"',
        'extra(count: Int = 1): Int @aws_iam @aws_cognito_user_pools(cognito_groups: ["admins"])',
        'later: String @aws_auth(cognito_groups: ["a", "b"])',
        'onTouch(id: ID, level: Level = LOW): Post @aws_subscribe(mutations: ["touch"])',
        "directive @tagged(name: String!, level: Level = LOW, scopes: [String!] = "
        '["all"]) repeatable on',
        "input Lookup @oneOf {",
    ]:
        assert applied in printed, applied
