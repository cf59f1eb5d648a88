"""The SDL's own directives as Strawberry objects, and the directives applied to elements.

A directive whose locations are all type-system locations becomes a Strawberry schema
directive, so that its applications survive into `schema.as_str()` and introspection; any
other is declared as an operation directive that leaves the value it is applied to alone.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

import strawberry
from graphql import (
    DirectiveNode,
    GraphQLArgument,
    GraphQLDirective,
    GraphQLSchema,
    GraphQLType,
    Node,
)
from strawberry.directive import DirectiveValue
from strawberry.schema_directive import Location

from app.schema.declarations import Parameter
from app.schema.literals import NO_DEFAULT, default_value, literal_value
from app.schema.names import python_name

Annotate = Callable[[GraphQLType], Any]
"""The Strawberry annotation of a GraphQL type reference."""

Parameters = Callable[[Mapping[str, GraphQLArgument]], list[Parameter]]
"""GraphQL arguments as the keyword-only parameters that declare them to Strawberry."""

_SEMANTIC_DIRECTIVES: Final = frozenset({"deprecated", "specifiedBy", "oneOf"})
"""Specified directives Strawberry expresses through parameters, never as applied ones."""

_TYPE_SYSTEM_LOCATIONS: Final = frozenset(location.name for location in Location)


class Directives:
    """The directives a schema declares, and instances of them for the elements they mark."""

    def __init__(self, gql_schema: GraphQLSchema) -> None:
        self.gql = gql_schema
        self.schema: dict[str, type] = {}
        """Schema directive classes by GraphQL name."""
        self.operation: list[Any] = []

    def declare(
        self, directive: GraphQLDirective, annotate: Annotate, parameters: Parameters
    ) -> None:
        if all(location.name in _TYPE_SYSTEM_LOCATIONS for location in directive.locations):
            self.schema[directive.name] = _schema_directive(directive, annotate)
        else:
            self.operation.append(_operation_directive(directive, parameters(directive.args)))

    def applied(self, *nodes: Node | None) -> list[object]:
        """Instances of the schema directives applied to an element, in SDL order."""
        applied: list[object] = []
        for node in _directive_nodes(nodes):
            name = node.name.value
            cls = self.schema.get(name)
            definition = self.gql.get_directive(name)
            if cls is None or definition is None or name in _SEMANTIC_DIRECTIVES:
                continue
            arguments = {
                python_name(argument.name.value): _freeze(
                    literal_value(
                        argument.value,  # type: ignore[arg-type]
                        definition.args[argument.name.value].type,
                    )
                )
                for argument in node.arguments or ()
            }
            applied.append(cls(**arguments))
        return applied


def _schema_directive(directive: GraphQLDirective, annotate: Annotate) -> type:
    """A directive used on the schema's own elements: a Strawberry schema directive."""
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": __name__, "__annotations__": annotations}
    for name, argument in directive.args.items():
        attribute = python_name(name)
        default = default_value(argument)
        annotations[attribute] = annotate(argument.type)
        namespace[attribute] = strawberry.directive_field(
            name=name,
            default=strawberry.UNSET if default is NO_DEFAULT else _freeze(default),
        )
    decorate = strawberry.schema_directive(
        locations=[Location[location.name] for location in directive.locations],
        description=directive.description,
        name=directive.name,
        repeatable=directive.is_repeatable,
    )
    return decorate(type(python_name(directive.name), (), namespace))


def _operation_directive(directive: GraphQLDirective, parameters: list[Parameter]) -> Any:
    """A directive with executable locations: declared, applied as a no-op."""

    def keep(root: Any, **_arguments: Any) -> Any:
        return root

    value = Parameter(
        "root",
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        annotation=DirectiveValue[Any],  # type: ignore[misc]
    )
    keep.__signature__ = inspect.Signature([value, *parameters])  # type: ignore[attr-defined]
    keep.__name__ = python_name(directive.name)
    return strawberry.directive(
        locations=list(directive.locations),
        description=directive.description,
        name=directive.name,
    )(keep)


def _directive_nodes(nodes: Iterable[Node | None]) -> Iterable[DirectiveNode]:
    for node in nodes:
        yield from getattr(node, "directives", None) or ()


def _freeze(value: Any) -> Any:
    """Hashable values for directive arguments, which dataclasses demand as defaults."""
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    if isinstance(value, dict):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    return value
