"""Workarounds for Strawberry defects, each pinned by a strict xfail in `test_defects.py`.

- An argument named `info` or `_source` collides with the parameters of Strawberry's field
  resolver: `ArgumentNameGuard` moves such arguments out of the way and `unwrap` brings
  them back.
- Creating a `strawberry.Schema` replaces graphql-core's process-wide `__Type.isOneOf`
  resolver with one that is wrong for graphql-core schemas and for non-input types:
  `fix_is_one_of_introspection` installs one that is right for both.
- `sort_schema=True` breaks introspection of enum defaults (and reorders fields):
  `refuse_sort_schema` refuses it.

When a test marked xfail starts passing, its workaround can go.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, Final

from graphql import (
    GraphQLBoolean,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    introspection_types,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig

from app.schema.arguments import ArgumentSpec, plain_arguments

COLLIDING_ARGUMENTS: Final = frozenset({"info", "_source"})
"""GraphQL argument names that collide with Strawberry's `_resolver(_source, info, **kw)`."""


@dataclasses.dataclass(frozen=True, slots=True)
class CarriedArguments:
    """A field's source with the arguments `ArgumentNameGuard` moved out of its kwargs."""

    source: Any
    arguments: Mapping[str, Any]


class ArgumentNameGuard(SchemaExtension):
    """Moves arguments named `info` or `_source` out of the way of Strawberry's resolvers.

    graphql-core calls `resolve(source, info, **arguments)`, which Strawberry's field
    resolvers cannot accept when an argument is named `info` or `_source`. As the outermost
    middleware, this guard passes such arguments inside the source instead and the generated
    resolvers unwrap them. The builder adds it only to schemas that need it.

    Not covered: Subscription fields (graphql-core runs no middleware when subscribing), and
    schemas that declare executable directives, whose `DirectivesExtension` Strawberry puts
    outside every other middleware.
    """

    def __init__(self, fields: frozenset[tuple[str, str]]) -> None:
        super().__init__()
        self.fields = fields

    def resolve(  # type: ignore[override]
        self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo[Any], /, **kwargs: Any
    ) -> Any:
        if kwargs and (info.parent_type.name, info.field_name) in self.fields:
            moved = {name: kwargs.pop(name) for name in COLLIDING_ARGUMENTS if name in kwargs}
            root = CarriedArguments(root, moved)
        return _next(root, info, **kwargs)


def unwrap(root: Any, kwargs: Mapping[str, Any], spec: ArgumentSpec) -> tuple[Any, dict[str, Any]]:
    """The real source and the plain arguments, including those `ArgumentNameGuard` moved."""
    if type(root) is not CarriedArguments:
        return root, plain_arguments(kwargs, spec)
    arguments: dict[str, Any] = {}
    for kwarg, name, convert in spec:
        if name in root.arguments:
            value = root.arguments[name]
        elif kwarg in kwargs:
            value = kwargs[kwarg]
        else:
            continue
        arguments[name] = value if value is None or convert is None else convert(value)
    return root.source, arguments


def _resolve_is_one_of(type_: Any, _info: Any) -> bool | None:
    if not isinstance(type_, GraphQLInputObjectType):
        return None
    definition = type_.extensions.get("strawberry-definition")
    return bool(type_.is_one_of or getattr(definition, "is_one_of", False))


def fix_is_one_of_introspection() -> None:
    """Make `__Type.isOneOf` right for graphql-core and Strawberry schemas alike.

    Every `strawberry.Schema()` replaces graphql-core's process-wide `__Type.isOneOf`
    resolver with one that answers `false` for the `@oneOf` inputs of graphql-core schemas
    and for every non-input type (graphql-core answers `null`). This installs one that
    answers like graphql-core and also knows Strawberry's one-of inputs. It is idempotent;
    call it again after creating any other Strawberry schema.
    """
    type_type = introspection_types["__Type"]
    assert isinstance(type_type, GraphQLObjectType)
    type_type.fields["isOneOf"] = GraphQLField(GraphQLBoolean, resolve=_resolve_is_one_of)


def refuse_sort_schema(config: StrawberryConfig | None) -> None:
    """Fail at start-up rather than serve a schema whose introspection fails."""
    if config is not None and config.sort_schema:
        raise ValueError(
            "sort_schema=True reorders the SDL's fields and breaks the introspection of enum"
            " defaults; leave it off"
        )
