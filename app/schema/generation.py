"""The Strawberry classes, enums, unions and scalars generated for a schema's named types.

Two passes: every class, enum and scalar is first created empty, then its fields are added,
pointing at the created classes, so that cycles need no forward references. Only
Strawberry's public decorators are used, so Strawberry's views and extensions work as for
hand-written types. Where Strawberry has no public switch, the generated definitions are
completed in place: `interfaces`, so that field order follows the SDL rather than Python
inheritance, and the directives of enums, which must be decorated before any class that uses
them.
"""

from __future__ import annotations

import copy
import enum
import inspect
import keyword
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, Final, NewType, Optional, Union

import strawberry
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLType,
    GraphQLUnionType,
    is_introspection_type,
    is_specified_directive,
    is_specified_scalar_type,
)
from strawberry.types.base import get_object_definition
from strawberry.types.enum import StrawberryEnumDefinition

from app.schema.declarations import Parameter, declaration
from app.schema.directives import Directives
from app.schema.literals import NO_DEFAULT, default_value
from app.schema.names import python_name
from app.schema.resolution import type_check, type_resolver
from app.schema.scalars import AWS_SCALAR_RULES

_BUILTIN_SCALARS: Final[Mapping[str, object]] = MappingProxyType(
    {"String": str, "Int": int, "Float": float, "Boolean": bool, "ID": strawberry.ID}
)


class TypeGenerator:
    """Generates the Strawberry types of `gql_schema`.

    Fields only declare their arguments: `install_direct_resolvers` gives them their resolvers
    once the schema is built. After `generate()`: `types` holds what each named type became (a
    class, an enum, a scalar's `NewType`, a union's annotation), and `scalar_map` the
    scalars' definitions.
    """

    def __init__(self, gql_schema: GraphQLSchema) -> None:
        self.gql = gql_schema
        self.named = [
            type_
            for type_ in gql_schema.type_map.values()
            if not is_introspection_type(type_) and not is_specified_scalar_type(type_)
        ]
        self.types: dict[str, Any] = {}
        self.scalar_map: dict[object, Any] = {}
        self.directives = Directives(gql_schema)
        self.possible = {
            type_.name: frozenset(member.name for member in gql_schema.get_possible_types(type_))
            for type_ in self.named
            if isinstance(type_, GraphQLUnionType | GraphQLInterfaceType)
        }

    def generate(self) -> None:
        for type_ in self.named:
            self._declare(type_)
        for directive in self.gql.directives:
            if not is_specified_directive(directive):
                self.directives.declare(directive, self.annotation, self.parameters)
        # Unions first: a field may name one, and a union needs only its members' classes.
        for type_ in sorted(self.named, key=lambda t: not isinstance(t, GraphQLUnionType)):
            self._define(type_)

    # --- pass 1: empty classes, enums ----------------------------------------------------

    def _declare(self, type_: GraphQLNamedType) -> None:
        name = type_.name
        if isinstance(type_, GraphQLScalarType):
            self.types[name] = NewType(name, object)
        elif isinstance(type_, GraphQLEnumType):
            self.types[name] = _enum(type_)
        elif isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            self.types[name] = type(name, (), {"__module__": __name__})

    # --- pass 2: fields ------------------------------------------------------------------

    def _define(self, type_: GraphQLNamedType) -> None:
        name, description = type_.name, type_.description
        directives = self.directives.applied(type_.ast_node, *type_.extension_ast_nodes)
        if isinstance(type_, GraphQLScalarType):
            rules = AWS_SCALAR_RULES.get(name)
            self.scalar_map[self.types[name]] = strawberry.scalar(
                name=name,
                description=description,
                specified_by_url=type_.specified_by_url,
                serialize=rules.serialize if rules else type_.serialize,
                parse_value=rules.parse_value if rules else type_.parse_value,
                parse_literal=rules.parse_literal if rules else type_.parse_literal,
                directives=directives,
            )
        elif isinstance(type_, GraphQLEnumType):
            definition: StrawberryEnumDefinition = self.types[name].__strawberry_definition__
            definition.directives = tuple(directives)
            for value in definition.values:
                value.directives = tuple(self.directives.applied(type_.values[value.name].ast_node))
        elif isinstance(type_, GraphQLUnionType):
            members = tuple(self.types[member.name] for member in type_.types)
            union = strawberry.union(name, description=description, directives=directives)
            self.types[name] = Annotated[Union[members], union]  # noqa: UP007
        elif isinstance(type_, GraphQLInputObjectType):
            cls = self.types[name]
            self._input_fields(type_, cls)
            strawberry.input(
                cls,
                name=name,
                description=description,
                directives=directives,
                one_of=type_.is_one_of or None,
            )
        elif isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            cls = self.types[name]
            self._output_fields(type_, cls)
            if isinstance(type_, GraphQLInterfaceType):
                cls.resolve_type = staticmethod(type_resolver(name, self.possible[name]))
                strawberry.interface(cls, name=name, description=description, directives=directives)
            else:
                cls.is_type_of = staticmethod(type_check(name, self.possible))
                strawberry.type(cls, name=name, description=description, directives=directives)
            # interfaces are listed explicitly, not inherited, so that every type keeps the
            # field order of its own SDL definition
            get_object_definition(cls, strict=True).interfaces = [
                get_object_definition(self.types[interface.name], strict=True)
                for interface in type_.interfaces
            ]

    def _output_fields(self, type_: GraphQLObjectType | GraphQLInterfaceType, cls: type) -> None:
        """Every field, Subscription fields included, as a plain Strawberry field.

        A field with arguments gets a `declaration` resolver, which only declares them. The
        Subscription type needs nothing more: the real-time engine opens subscriptions with
        its own subscribe resolver, and `install_direct_resolvers` gives each of its fields a
        `resolve` that reads the event, so Strawberry's subscription fields would be dead.
        """
        for name, field in type_.fields.items():
            options = self._field_options(name, field)
            if field.args:
                parameters = self.parameters(field.args)
                options["resolver"] = declaration(type_.name, name, parameters)
            setattr(cls, python_name(name), strawberry.field(**options))

    def _input_fields(self, type_: GraphQLInputObjectType, cls: type) -> None:
        for name, field in type_.fields.items():
            attribute = python_name(name)
            default = default_value(field)
            options = self._field_options(name, field)
            if default is NO_DEFAULT:
                options["default"] = strawberry.UNSET
            elif isinstance(default, list | dict):
                options["default_factory"] = lambda default=default: copy.deepcopy(default)
            else:
                options["default"] = default
            setattr(cls, attribute, strawberry.field(**options))

    def _field_options(self, name: str, field: GraphQLField | GraphQLInputField) -> dict[str, Any]:
        """What `strawberry.field` takes for an SDL field, besides a resolver or a default."""
        return {
            "name": name,
            "description": field.description,
            "deprecation_reason": field.deprecation_reason,
            "directives": self.directives.applied(field.ast_node),
            "graphql_type": self.annotation(field.type),
        }

    # --- references to the generated types -----------------------------------------------

    def parameters(self, arguments: Mapping[str, GraphQLArgument]) -> list[Parameter]:
        """GraphQL arguments as keyword-only parameters, which Strawberry reads back."""
        parameters = []
        for name, argument in arguments.items():
            default = default_value(argument)
            metadata = strawberry.argument(
                name=name,
                description=argument.description,
                deprecation_reason=argument.deprecation_reason,
                directives=self.directives.applied(argument.ast_node),
            )
            parameters.append(
                Parameter(
                    python_name(name),
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=Annotated[self.annotation(argument.type), metadata],
                    default=strawberry.UNSET if default is NO_DEFAULT else default,
                )
            )
        return parameters

    def annotation(self, type_: GraphQLType) -> Any:
        """The Strawberry annotation of a GraphQL type reference."""
        if isinstance(type_, GraphQLNonNull):
            return self._required(type_.of_type)
        return Optional[self._required(type_)]  # noqa: UP045

    def _required(self, type_: GraphQLType) -> Any:
        if isinstance(type_, GraphQLList):
            return list[self.annotation(type_.of_type)]  # type: ignore[misc]
        assert isinstance(type_, GraphQLNamedType)
        return _BUILTIN_SCALARS.get(type_.name) or self.types[type_.name]


def _enum(type_: GraphQLEnumType) -> Any:
    """Decorated at once, as a dataclass that uses an undecorated enum decorates it.

    Its values are the GraphQL names, so resolvers may return enum values as names.
    Member names are the GraphQL names where Python's `Enum` allows them.
    """
    members: dict[str, Any] = {}
    for index, (name, value) in enumerate(type_.values.items()):
        member, attempt = name, 0
        if keyword.iskeyword(name) or name.startswith("_") or name == "mro":
            member = f"V{index}"
            while member in type_.values or member in members:
                attempt += 1
                member = f"V{index}_{attempt}"
        members[member] = strawberry.enum_value(
            name,
            name=name,
            description=value.description,
            deprecation_reason=value.deprecation_reason,
        )
    python_enum = enum.Enum(type_.name, list(members.items()), module=__name__)  # type: ignore[misc]
    return strawberry.enum(python_enum, name=type_.name, description=type_.description)
