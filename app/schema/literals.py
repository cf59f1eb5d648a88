"""Values written in the SDL (defaults and directive arguments), as Strawberry takes them."""

from __future__ import annotations

from typing import Any, Final

from graphql import (
    ConstValueNode,
    EnumValueNode,
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    ast_from_value,
)
from graphql.pyutils import Undefined

from app.schema.scalars import AWS_SCALAR_RULES

NO_DEFAULT: Final[Any] = object()
"""What `default_value` returns for an argument or input field that has no default."""


def default_value(value: GraphQLArgument | GraphQLInputField) -> Any:
    """The default written in the SDL as a value, input objects as written (dicts)."""
    literal = _default_literal(value)
    return NO_DEFAULT if literal is None else literal_value(literal, value.type)


def literal_value(node: ConstValueNode, type_: GraphQLInputType) -> Any:
    """A type-system literal as Strawberry wants defaults and directive arguments."""
    if isinstance(node, NullValueNode):
        return None
    if isinstance(type_, GraphQLNonNull):
        return literal_value(node, type_.of_type)
    if isinstance(type_, GraphQLList):
        # a single value for a list type is a one-item list (input coercion); Strawberry
        # would iterate it otherwise, so such a default is printed `[7]` rather than `7`
        items = node.values if isinstance(node, ListValueNode) else (node,)
        return [literal_value(item, type_.of_type) for item in items]
    if isinstance(type_, GraphQLInputObjectType):
        assert isinstance(node, ObjectValueNode)
        return {
            field.name.value: literal_value(field.value, type_.fields[field.name.value].type)
            for field in node.fields
        }
    if isinstance(type_, GraphQLEnumType):
        assert isinstance(node, EnumValueNode)
        return node.value
    assert isinstance(type_, GraphQLScalarType)
    rules = AWS_SCALAR_RULES.get(type_.name)
    return rules.parse_literal(node) if rules else type_.parse_literal(node)


def _default_literal(value: GraphQLArgument | GraphQLInputField) -> ConstValueNode | None:
    """The default as a literal: from the SDL, else from graphql-core's default value."""
    if value.ast_node is not None:
        return value.ast_node.default_value
    default = getattr(value, "default", None)  # graphql-core >= 3.3
    if default is not None:
        literal: ConstValueNode | None = getattr(default, "literal", None)
        return literal or ast_from_value(default.value, value.type)
    if value.default_value is Undefined:
        return None
    return ast_from_value(value.default_value, value.type)
