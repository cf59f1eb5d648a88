"""Shared pieces of the schema tests: fixtures, a recording `FieldBindings`, introspection."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import strawberry
from graphql import GraphQLResolveInfo, GraphQLSchema, get_introspection_query

from app.schema.bindings import FieldResolver
from app.schema.builder import build_strawberry_schema
from app.schema.sdl import load_sdl

FIXTURES = Path(__file__).parent / "fixtures"

INTROSPECTION_QUERY = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
    one_of=True,  # graphql-core 3.3's name for `input_object_one_of`
)


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def load(sdl: str) -> GraphQLSchema:
    result = load_sdl(sdl, "schema.graphql")
    assert not result.problems, [str(problem) for problem in result.problems]
    assert result.schema is not None
    return result.schema


Returns = Callable[[Any, dict[str, Any]], Any]


class Recorder:
    """`FieldBindings` that records each call's arguments and returns what it is told to."""

    def __init__(self, returns: Mapping[tuple[str, str], Returns] | None = None) -> None:
        self.returns = dict(returns or {})
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def resolver(self, type_name: str, field_name: str) -> FieldResolver | None:
        returns = self.returns.get((type_name, field_name))
        if returns is None:
            return None

        async def resolve(
            source: Any, info: GraphQLResolveInfo[Any], arguments: dict[str, Any]
        ) -> Any:
            self.calls.append((type_name, field_name, arguments))
            return returns(source, arguments)

        return resolve

    def arguments(self, field_name: str) -> dict[str, Any]:
        """The arguments of the only call of a field."""
        calls = [arguments for _, name, arguments in self.calls if name == field_name]
        assert len(calls) == 1, self.calls
        return calls[0]


def build(sdl: str, bindings: Recorder | None = None, **options: Any) -> strawberry.Schema:
    return build_strawberry_schema(load(sdl), bindings or Recorder(), **options)


def normalized(introspection: dict[str, Any]) -> dict[str, Any]:
    """Types and directives ordered by name; nothing else is touched."""
    schema = dict(introspection["__schema"])
    schema["types"] = sorted(schema["types"], key=lambda type_: type_["name"])
    schema["directives"] = sorted(schema["directives"], key=lambda directive: directive["name"])
    return schema
