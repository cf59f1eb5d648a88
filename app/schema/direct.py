"""Point the fields of the generated schema straight at their resolvers.

Strawberry wraps every resolver to build its `Info` and to convert arguments into typed
Python objects; Strawsync's resolvers want graphql-core's own `GraphQLResolveInfo` and plain
JSON arguments. Replacing each field's `resolve` after the build removes that round trip from
every field of every request. It reaches the graphql-core schema Strawberry generated
through `strawberry.Schema._schema`, which has no public accessor; a test pins it.

graphql-core's coerced arguments on Strawberry's schema are almost plain JSON: enum values
arrive as Python enum members, and defaults inside input objects are Strawberry's
uncoerced ones. `ArgumentNormalizer` finishes the job from the user's own schema (where
enum values are their names and defaults are coerced exactly as the SDL says), only for
fields whose arguments need it.
"""

from __future__ import annotations

import copy
import enum
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    Undefined,
)
from graphql.utilities.coerce_input_value import coerce_default_value

from app.schema.bindings import FieldBindings, FieldResolver

Convert = Callable[[Any], Any]


def graphql_schema(schema: strawberry.Schema) -> GraphQLSchema:
    """The graphql-core schema behind a Strawberry schema."""
    inner = schema._schema
    if not isinstance(inner, GraphQLSchema):  # pragma: no cover - guards a Strawberry change
        raise RuntimeError("this Strawberry release does not expose its graphql-core schema")
    return inner


def _enum_name(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


class ArgumentNormalizer:
    """Builds, per argument type of the user's schema, a converter to plain JSON."""

    def __init__(self) -> None:
        self._inputs: dict[str, Convert] = {}

    def converter(self, type_: GraphQLInputType) -> Convert | None:
        """None when values of `type_` are plain already (scalars and lists of them)."""
        if isinstance(type_, GraphQLNonNull):
            return self.converter(type_.of_type)
        if isinstance(type_, GraphQLList):
            inner = self.converter(type_.of_type)
            if inner is None:
                return None

            def convert_list(value: Any) -> Any:
                if not isinstance(value, list):
                    return inner(value)
                return [None if item is None else inner(item) for item in value]

            return convert_list
        if isinstance(type_, GraphQLEnumType):
            return _enum_name
        if isinstance(type_, GraphQLInputObjectType):
            return self._input(type_)
        return None

    def _input(self, type_: GraphQLInputObjectType) -> Convert:
        known = self._inputs.get(type_.name)
        if known is not None:
            return known
        fields: list[tuple[str, Convert | None, Any]] = []

        def convert_input(value: Any) -> Any:
            if not isinstance(value, dict):
                return value
            out: dict[str, Any] = {}
            for name, convert, default in fields:
                if name in value:
                    item = value[name]
                    out[name] = item if convert is None or item is None else convert(item)
                elif default is not Undefined:
                    out[name] = copy.deepcopy(default)
            return out

        self._inputs[type_.name] = convert_input  # before the fields: input types may recurse
        fields.extend(
            (name, self.converter(field.type), coerce_default_value(field))
            for name, field in type_.fields.items()
        )
        return convert_input

    def for_field(self, field: GraphQLField) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
        converters = [
            (name, convert)
            for name, argument in field.args.items()
            if (convert := self.converter(argument.type)) is not None
        ]
        if not converters:
            return None

        def normalize(arguments: dict[str, Any]) -> dict[str, Any]:
            for name, convert in converters:
                value = arguments.get(name)
                if value is not None:
                    arguments[name] = convert(value)
            return arguments

        return normalize


def _direct(
    fn: FieldResolver, normalize: Callable[[dict[str, Any]], dict[str, Any]] | None
) -> Callable[..., Awaitable[Any]]:
    # Positional parameters only: an SDL argument may be named `info` or `source`.
    if normalize is None:

        def resolve(*call: Any, **arguments: Any) -> Awaitable[Any]:
            return fn(call[0], call[1], arguments)

        return resolve

    def resolve_normalized(*call: Any, **arguments: Any) -> Awaitable[Any]:
        return fn(call[0], call[1], normalize(arguments))

    return resolve_normalized


def _property(name: str) -> Callable[..., Any]:
    def resolve(*call: Any, **arguments: Any) -> Any:
        source = call[0]
        return source.get(name) if isinstance(source, dict) else None

    return resolve


def install_direct_resolvers(
    schema: strawberry.Schema, user_schema: GraphQLSchema, bindings: FieldBindings
) -> int:
    """Resolve every field directly; returns how many are bound to a `FieldResolver`.

    Bound fields call their `FieldResolver` with plain JSON arguments; the others return the
    parent's property of the same name. Subscription root fields are opened by the real-time
    engine (`app.realtime.engine`), which passes graphql-core its own subscribe resolver and
    runs their bound resolvers itself: here their `subscribe` is cleared and they resolve to
    the event's property of the same name.
    """
    inner = graphql_schema(schema)
    subscription = inner.subscription_type
    normalizer = ArgumentNormalizer()
    bound = 0
    for type_ in inner.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        if subscription is not None and type_.name == subscription.name:
            for name, field in type_.fields.items():
                field.subscribe = None
                field.resolve = _property(name)
            continue
        user_type = user_schema.type_map[type_.name]
        assert isinstance(user_type, GraphQLObjectType)
        for name, field in type_.fields.items():
            resolver = bindings.resolver(type_.name, name)
            if resolver is None:
                field.resolve = _property(name)
                continue
            field.resolve = _direct(resolver, normalizer.for_field(user_type.fields[name]))
            bound += 1
    return bound
