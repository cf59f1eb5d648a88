"""Builds the served Strawberry schema from the validated graphql-core schema.

The entry point, `build_strawberry_schema`, puts the pieces together:

- `generation`: the Strawberry classes, enums, unions and scalars for the named types;
- `directives`: the SDL's own directives and the directives applied to its elements;
- `declarations`: field arguments declared to Strawberry as the parameters of a signature;
- `direct`: every field pointed straight at its resolver, with plain JSON arguments;
- `resolution`: abstract types resolved by `__typename`;
- `defects`: workarounds for Strawberry defects, each with a test;
- `literals` and `names`: SDL defaults as values, GraphQL names as Python identifiers.

The work is done at build time; the introspection of the result equals the SDL's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from graphql import GraphQLNamedType, GraphQLSchema, GraphQLUnionType
from strawberry.annotation import StrawberryAnnotation
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from app.schema.bindings import FieldBindings
from app.schema.defects import fix_is_one_of_introspection, refuse_sort_schema
from app.schema.direct import install_direct_resolvers
from app.schema.generation import TypeGenerator

__all__ = ["build_strawberry_schema", "fix_is_one_of_introspection"]

Extension = type[SchemaExtension] | Callable[[], SchemaExtension]


def build_strawberry_schema(
    gql_schema: GraphQLSchema,
    bindings: FieldBindings,
    *,
    extensions: Sequence[Extension] = (),
    schema_class: type[strawberry.Schema] = strawberry.Schema,
    config: StrawberryConfig | None = None,
) -> strawberry.Schema:
    """A Strawberry schema whose introspection equals `gql_schema`'s, resolved by `bindings`.

    `extensions` and `schema_class` are handed to Strawberry. `config` may carry Strawberry
    settings such as `disable_field_suggestions`; naming, the default resolver and the scalar
    map are set here.
    """
    refuse_sort_schema(config)
    query = gql_schema.query_type
    if query is None:
        raise ValueError("the schema has no query type")
    generated = TypeGenerator(gql_schema)
    generated.generate()
    types = generated.types
    mutation, subscription = gql_schema.mutation_type, gql_schema.subscription_type
    schema = schema_class(
        query=types[query.name],
        mutation=types[mutation.name] if mutation else None,
        subscription=types[subscription.name] if subscription else None,
        types=[
            *(_schema_type(types, type_) for type_ in generated.named),
            *generated.directives.schema.values(),
        ],
        directives=generated.directives.operation,
        schema_directives=generated.directives.applied(
            gql_schema.ast_node, *gql_schema.extension_ast_nodes
        ),
        extensions=list(extensions),
        config=_config(config, generated),
    )
    fix_is_one_of_introspection()
    install_direct_resolvers(schema, gql_schema, bindings)
    return schema


def _schema_type(types: dict[str, Any], type_: GraphQLNamedType) -> Any:
    """What `strawberry.Schema(types=...)` takes: a union only as a resolved annotation."""
    if isinstance(type_, GraphQLUnionType):
        return StrawberryAnnotation(types[type_.name]).resolve()
    return types[type_.name]


def _config(config: StrawberryConfig | None, generated: TypeGenerator) -> StrawberryConfig:
    """The caller's settings with the naming and scalars of the SDL.

    No default resolver is set: every field resolves through `install_direct_resolvers`.
    """
    settings = config or StrawberryConfig()
    return dataclasses.replace(
        settings,
        name_converter=type(settings.name_converter)(auto_camel_case=False),
        scalar_map={**settings.scalar_map, **generated.scalar_map},
    )
