"""`@aws_subscribe(mutations: [...])`: which mutations publish to which Subscription fields."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from graphql import (
    GraphQLField,
    GraphQLSchema,
    ListValueNode,
    StringValueNode,
    get_named_type,
)

from app.definition.model import SubscriptionDef

DIRECTIVE = "aws_subscribe"


class SubscriptionProblem(NamedTuple):
    """A mistake in an `@aws_subscribe` directive, at its place in the SDL."""

    message: str
    line: int
    column: int


def _position(field: GraphQLField) -> tuple[int, int]:
    node = field.ast_node
    loc = node.name.loc if node is not None else None
    if loc is None:
        return 0, 0
    location = loc.source.get_location(loc.start)
    return location.line, location.column


def _listed_mutations(field: GraphQLField) -> tuple[str, ...] | None:
    """The directive's `mutations` list, or None when the field has no `@aws_subscribe`."""
    node = field.ast_node
    for directive in (node.directives or ()) if node is not None else ():
        if directive.name.value != DIRECTIVE:
            continue
        for argument in directive.arguments or ():
            value = argument.value
            if argument.name.value != "mutations":
                continue
            if isinstance(value, StringValueNode):
                return (value.value,)
            if isinstance(value, ListValueNode):
                return tuple(v.value for v in value.values if isinstance(v, StringValueNode))
        return ()
    return None


def load_subscriptions(
    schema: GraphQLSchema,
) -> tuple[dict[str, SubscriptionDef], list[SubscriptionProblem]]:
    """Every Subscription field's `@aws_subscribe` mutations, checked against the schema.

    A listed mutation must exist, and return the same type as the subscription field, since
    its result is what subscribers receive.
    """
    found: dict[str, SubscriptionDef] = {}
    problems: list[SubscriptionProblem] = []
    for name, field, mutations in _subscription_fields(schema):
        line, column = _position(field)
        mutation_type = schema.mutation_type
        valid: list[str] = []
        for mutation in mutations:
            target = mutation_type.fields.get(mutation) if mutation_type is not None else None
            if target is None:
                problems.append(
                    SubscriptionProblem(
                        f"@aws_subscribe on Subscription.{name} lists '{mutation}', "
                        "which is not a field of the Mutation type",
                        line,
                        column,
                    )
                )
                continue
            expected, actual = get_named_type(field.type).name, get_named_type(target.type).name
            if expected != actual:
                problems.append(
                    SubscriptionProblem(
                        f"@aws_subscribe on Subscription.{name} lists '{mutation}', which "
                        f"returns {actual}; the subscription returns {expected}",
                        line,
                        column,
                    )
                )
                continue
            valid.append(mutation)
        found[name] = SubscriptionDef(name, tuple(dict.fromkeys(valid)))
    return found, problems


def _subscription_fields(
    schema: GraphQLSchema,
) -> Iterator[tuple[str, GraphQLField, tuple[str, ...]]]:
    subscription = schema.subscription_type
    if subscription is None:
        return
    for name, field in subscription.fields.items():
        mutations = _listed_mutations(field)
        if mutations is not None:
            yield name, field, mutations
