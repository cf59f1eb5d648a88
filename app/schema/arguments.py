"""Field arguments: declared as resolver parameters, handed to resolvers as plain JSON values.

Strawberry passes resolvers typed values: instances of the generated input classes (with
UNSET for an omitted field) and members of the generated enums. Resolvers want what AppSync
hands templates: input objects as dicts keyed by GraphQL names, enums as their names. The
converters are compiled once per schema; at request time an omitted argument stays absent
and an explicit `null` is present as `None`.
"""

from __future__ import annotations

import copy
import enum
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import strawberry
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
)

from app.schema.literals import NO_DEFAULT
from app.schema.names import python_name

Converter = Callable[[Any], Any]
"""Turns a non-null argument value, as Strawberry passes it, into a plain JSON value."""

ArgumentSpec = tuple[tuple[str, str, Converter | None], ...]
"""(Python name, GraphQL name, converter or None for as-is) for each argument of a field."""


def enum_name(value: Any) -> Any:
    """Generated enums have the GraphQL names as values; defaults are already names."""
    return value.value if isinstance(value, enum.Enum) else value


class InputConverter:
    """Converts an input object, a Strawberry instance or a dict, to a plain dict.

    Strawberry hands resolvers instances of the generated input classes, in which an omitted
    field is UNSET. Defaults written in the SDL, and raw argument values, are dicts keyed by
    GraphQL names; for those, field defaults are filled in as graphql-core does.
    """

    __slots__ = ("cls", "fields")

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.fields: tuple[tuple[str, str, Converter | None, Any], ...] = ()
        """(Python name, GraphQL name, converter, default or `NO_DEFAULT`), set once known."""

    def __call__(self, value: Any) -> dict[str, Any]:
        plain: dict[str, Any] = {}
        if type(value) is self.cls:
            for attribute, name, convert, _default in self.fields:
                item = getattr(value, attribute)
                if item is not strawberry.UNSET:
                    plain[name] = item if item is None or convert is None else convert(item)
            return plain
        for _attribute, name, convert, default in self.fields:
            if name in value:
                item = value[name]
            elif default is not NO_DEFAULT:
                item = default
            else:
                continue
            plain[name] = item if item is None or convert is None else convert(item)
        return plain


def fresh_json(value: Any) -> Any:
    """AWSJSON maps and lists are copied: a default is the same object in every request."""
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def list_converter(item: Converter | None) -> Converter:
    if item is None:
        return list

    def convert(value: Any) -> list[Any]:
        return [None if entry is None else item(entry) for entry in value]

    return convert


def plain_arguments(kwargs: Mapping[str, Any], spec: ArgumentSpec) -> dict[str, Any]:
    """The arguments Strawberry passed, keyed by GraphQL names, as plain JSON values."""
    arguments: dict[str, Any] = {}
    for kwarg, name, convert in spec:
        if kwarg in kwargs:
            value = kwargs[kwarg]
            arguments[name] = value if value is None or convert is None else convert(value)
    return arguments


class Converters:
    """The converters of one schema's argument types, with one `InputConverter` per input.

    An input converter is registered when its class is created and completed when its
    fields are, so converters of recursive inputs can refer to each other.
    """

    def __init__(self) -> None:
        self.inputs: dict[str, InputConverter] = {}

    def converter(self, type_: GraphQLInputType) -> Converter | None:
        if isinstance(type_, GraphQLNonNull):
            return self.converter(type_.of_type)
        if isinstance(type_, GraphQLList):
            return list_converter(self.converter(type_.of_type))
        if isinstance(type_, GraphQLEnumType):
            return enum_name
        if isinstance(type_, GraphQLInputObjectType):
            return self.inputs[type_.name]
        return fresh_json if type_.name == "AWSJSON" else None

    def spec(self, arguments: Mapping[str, GraphQLArgument]) -> ArgumentSpec:
        return tuple(
            (python_name(name), name, self.converter(argument.type))
            for name, argument in arguments.items()
        )


class Parameter(inspect.Parameter):
    """A resolver parameter hashed without its default, which may be a list or a dict."""

    def __hash__(self) -> int:
        return hash((self.name, self.kind))


def signed(resolve: Callable[..., Any], parameters: Sequence[Parameter]) -> Callable[..., Any]:
    """Declare a field's arguments, as keyword-only `parameters`, through its resolver."""
    resolve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=strawberry.Info),
            *parameters,
        ]
    )
    return resolve
