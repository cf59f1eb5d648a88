"""Workarounds for Strawberry defects, each pinned by a strict xfail in `test_defects.py`.

- Creating a `strawberry.Schema` replaces graphql-core's process-wide `__Type.isOneOf`
  resolver with one that is wrong for graphql-core schemas and for non-input types:
  `fix_is_one_of_introspection` installs one that is right for both.
- `sort_schema=True` breaks introspection of enum defaults (and reorders fields):
  `refuse_sort_schema` refuses it.

When a test marked xfail starts passing, its workaround can go.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLObjectType,
    introspection_types,
)
from strawberry.schema.config import StrawberryConfig


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
