"""The builder's options and its known limits.

Tests marked `xfail(strict=True)` state behaviour we want but cannot get from Strawberry
0.341; when one starts passing, the limit it documents can go. The defects the builder works
around are in `test_defects.py`.
"""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import GraphQLError, GraphQLSchema, build_schema, graphql_sync
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from app.schema.builder import build_strawberry_schema
from app.schema.prelude import PRELUDE_SDL
from tests.schema.helpers import INTROSPECTION_QUERY, Recorder, build, normalized


def test_the_query_type_is_required() -> None:
    with pytest.raises(ValueError, match="no query type"):
        build_strawberry_schema(GraphQLSchema(), Recorder())


# --- options -------------------------------------------------------------------------------


def test_extensions_and_schema_class_are_handed_to_strawberry() -> None:
    seen: list[str] = []

    class Count(SchemaExtension):
        def on_execute(self) -> Any:
            seen.append("execute")
            yield

    class MySchema(strawberry.Schema):
        pass

    schema = build("type Query { a: Int }", extensions=[Count], schema_class=MySchema)
    assert isinstance(schema, MySchema)
    assert schema.execute_sync("{ a }").errors is None
    assert seen == ["execute"]


def test_strawberry_settings_can_be_passed_in_a_config() -> None:
    config = StrawberryConfig(disable_field_suggestions=True)
    result = build("type Query { alpha: Int }", config=config).execute_sync("{ alphx }")
    assert result.errors is not None
    assert "Did you mean" not in result.errors[0].message
    assert build("type Query { alpha: Int }").execute_sync("{ alphx }").errors is not None


# --- known limits ----------------------------------------------------------------------------


def introspection_matches(sdl: str) -> bool:
    expected = graphql_sync(build_schema(PRELUDE_SDL + "\n" + sdl), INTROSPECTION_QUERY)
    served = build(sdl).execute_sync(INTROSPECTION_QUERY)
    assert expected.data is not None and served.data is not None
    return normalized(served.data) == normalized(expected.data)


@pytest.mark.xfail(strict=True, reason="strawberry.Schema takes no schema description")
def test_the_schema_description_is_served() -> None:
    assert introspection_matches('"""The API."""\nschema { query: Query }\ntype Query { a: Int }')


@pytest.mark.xfail(strict=True, reason="schema directive arguments take no description")
def test_directive_argument_descriptions_are_served() -> None:
    assert introspection_matches('directive @d("Why." a: Int) on OBJECT\ntype Query { a: Int }')


@pytest.mark.xfail(strict=True, reason="Strawberry's operation directives are not repeatable")
def test_repeatable_executable_directives_are_served() -> None:
    assert introspection_matches("directive @e repeatable on FIELD\ntype Query { a: Int }")


def test_a_single_value_default_for_a_list_is_served_as_a_list() -> None:
    """Strawberry would iterate a bare `7`, so the default is served as `[7]`."""
    result = build("type Query { a(l: [Int] = 7): Int }").execute_sync(
        '{ __type(name: "Query") { fields { args { defaultValue } } } }'
    )
    assert result.data == {"__type": {"fields": [{"args": [{"defaultValue": "[7]"}]}]}}


async def test_executable_directives_are_declared_and_ignored() -> None:
    sdl = '"Traces." directive @trace(label: String) on FIELD | QUERY\ntype Query { a: Int }'
    assert introspection_matches(sdl)
    schema = build(sdl, Recorder({("Query", "a"): lambda _source, _args: 1}))
    result = await schema.execute('query @trace { a @trace(label: "x") }')
    assert result.errors is None
    assert result.data == {"a": 1}


def test_scalar_rules_errors_are_graphql_errors() -> None:
    schema = build("type Query { a(d: AWSDate): Int }")
    result = schema.execute_sync('{ a(d: "nope") }')
    assert result.errors is not None
    assert isinstance(result.errors[0], GraphQLError)


async def test_enum_values_python_cannot_name_work_in_and_out() -> None:
    sdl = "enum E { mro class _x V0 V1 name value }\ntype Query { e(a: E = class): E }"
    assert introspection_matches(sdl)
    schema = build(sdl, Recorder({("Query", "e"): lambda _source, args: args["a"]}))
    for value in ["mro", "class", "_x", "V0", "V1", "name", "value"]:
        result = await schema.execute(f"{{ e(a: {value}) }}")
        assert result.errors is None
        assert result.data == {"e": value}
    assert (await schema.execute("{ e }")).data == {"e": "class"}


@pytest.mark.xfail(strict=True, reason="Strawberry prints defaults from values, not literals")
@pytest.mark.parametrize(
    "sdl",
    [
        "type Query { a(x: Float = 1e3): Int }",
        'type Query { a(j: AWSJSON = "{ \\"a\\": 1 }"): Int }',
        'type Query { a(s: String = """block"""): Int }',
        "input I { a: Int = null }\ntype Query { a(i: I = { a: null }): Int }",
    ],
)
def test_default_literals_are_served_as_written(sdl: str) -> None:
    assert introspection_matches(sdl)
