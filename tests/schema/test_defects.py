"""The Strawberry defects the builder works around, each with the workaround's test.

Tests marked `xfail(strict=True)` show the defect in Strawberry 0.341 itself; when one starts
passing, its workaround in `app/schema/defects.py` can go.
"""

from __future__ import annotations

import enum
from typing import Annotated

import pytest
import strawberry
from graphql import build_schema, get_introspection_query, graphql_sync
from strawberry.schema.config import StrawberryConfig

from app.schema.defects import fix_is_one_of_introspection
from tests.schema.helpers import Recorder, build, load

ONE_OF_SDL = """
input Pick @oneOf { a: Int b: String }
enum Level { LOW HIGH }
input Filter { level: Level = HIGH }
type Query { pick(p: Pick, f: Filter): Int }
"""
IS_ONE_OF = '{ pick: __type(name: "Pick") { isOneOf } query: __type(name: "Query") { isOneOf } }'


# --- Strawberry defect: an argument named `info` -----------------------------------------


@pytest.mark.xfail(strict=True, reason="Strawberry's resolver signature has `info`")
def test_strawberry_accepts_an_argument_named_info() -> None:
    def echo(
        info: strawberry.Info, info_: Annotated[str | None, strawberry.argument(name="info")]
    ) -> str | None:
        return info_

    query = strawberry.type(type("Query", (), {"echo": strawberry.field(resolver=echo)}))
    result = strawberry.Schema(query).execute_sync('{ echo(info: "x") }')
    assert result.errors is None


async def test_an_argument_named_info_reaches_its_resolver() -> None:
    """Direct resolvers take graphql-core's call positionally, so `info` is just a name."""
    recorder = Recorder({("Query", "a"): lambda _source, args: args["info"]})
    schema = build("type Query { a(info: Int): Int }", recorder)
    result = await schema.execute("{ a(info: 3) }")
    assert result.errors is None
    assert result.data == {"a": 3}


# --- Strawberry defect: the process-wide `isOneOf` resolver --------------------------------


@pytest.mark.xfail(strict=True, reason="strawberry.Schema() replaces __Type.isOneOf")
def test_strawberry_leaves_graphql_core_is_one_of_alone() -> None:
    plain = build_schema(ONE_OF_SDL)
    strawberry.Schema(strawberry.type(type("Query", (), {"__annotations__": {"a": int}})))
    expected = {"pick": {"isOneOf": True}, "query": {"isOneOf": None}}
    assert graphql_sync(plain, IS_ONE_OF).data == expected


def test_is_one_of_is_right_for_both_schemas_after_a_build() -> None:
    validation = load(ONE_OF_SDL)
    served = build(ONE_OF_SDL)
    expected = {"pick": {"isOneOf": True}, "query": {"isOneOf": None}}
    assert graphql_sync(validation, IS_ONE_OF).data == expected
    assert served.execute_sync(IS_ONE_OF).data == expected


def test_fix_is_one_of_after_another_strawberry_schema() -> None:
    served = build(ONE_OF_SDL)
    strawberry.Schema(strawberry.type(type("Query", (), {"__annotations__": {"a": int}})))
    assert served.execute_sync(IS_ONE_OF).data == {
        "pick": {"isOneOf": True},
        "query": {"isOneOf": False},  # Strawberry's answer; graphql-core's is null
    }
    fix_is_one_of_introspection()
    assert served.execute_sync(IS_ONE_OF).data == {
        "pick": {"isOneOf": True},
        "query": {"isOneOf": None},
    }


# --- Strawberry defect: `sort_schema` with an enum default --------------------------------


def test_sort_schema_is_refused() -> None:
    with pytest.raises(ValueError, match="sort_schema"):
        build("type Query { a: Int }", config=StrawberryConfig(sort_schema=True))


@strawberry.enum
class _Level(enum.Enum):
    LOW = "LOW"
    HIGH = "HIGH"


@strawberry.input
class _Filter:
    level: _Level = _Level.HIGH


@strawberry.type
class _Query:
    @strawberry.field
    def pick(self, f: _Filter | None = None) -> int:
        return 1


@pytest.mark.xfail(strict=True, reason="sort_schema loses Strawberry's enum serialization")
def test_strawberry_sort_schema_introspects_enum_defaults() -> None:
    schema = strawberry.Schema(_Query, config=StrawberryConfig(sort_schema=True))
    assert schema.execute_sync(get_introspection_query()).errors is None


def test_enum_defaults_on_input_fields_introspect() -> None:
    result = build(ONE_OF_SDL).execute_sync(
        '{ __type(name: "Filter") { inputFields { name defaultValue } } }'
    )
    assert result.errors is None
    assert result.data == {"__type": {"inputFields": [{"name": "level", "defaultValue": "HIGH"}]}}
