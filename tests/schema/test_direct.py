"""`install_direct_resolvers` on the Subscription type, and what the Strawberry schema declares.

Subscriptions are opened by the real-time engine with its own subscribe resolver; the served
schema only has to declare the Subscription type (introspected like the SDL) and to resolve
each of its fields from the event, a map keyed by field name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from inspect import isawaitable
from typing import Any

from graphql import (
    ExecutionResult,
    GraphQLObjectType,
    GraphQLResolveInfo,
    parse,
    print_type,
    subscribe,
)

from app.schema.direct import graphql_schema
from tests.schema.helpers import INTROSPECTION_QUERY, Recorder, build, load, normalized
from tests.schema.test_fidelity import expected

SDL = """
enum Level { LOW HIGH }
input Range { from: Int = 0, to: Int }
type Item { id: ID!, level: Level }
type Query { item: Item }
type Mutation { touch(id: ID!): Item }
type Subscription {
  onAny: Item @aws_subscribe(mutations: ["touch"])
  onTouch(id: ID, level: Level = LOW, range: Range = {to: 3}): Item
    @aws_subscribe(mutations: ["touch"])
  "Arguments named like the resolver's parameters."
  onOdd(info: Int, root: String, source: Boolean, self: ID): Item
}
"""


def subscription_type(sdl: str, recorder: Recorder | None = None) -> GraphQLObjectType:
    served = graphql_schema(build(sdl, recorder))
    assert served.subscription_type is not None
    return served.subscription_type


def bind_subscriptions() -> Recorder:
    """A resolver bound to every Subscription field: the schema must not call it."""
    return Recorder(
        {
            ("Subscription", name): lambda _source, _arguments: {"id": "from a resolver"}
            for name in ["onAny", "onTouch", "onOdd"]
        }
    )


def test_subscription_fields_are_left_to_the_engine() -> None:
    for recorder in [Recorder(), bind_subscriptions()]:
        for name, field in subscription_type(SDL, recorder).fields.items():
            assert field.subscribe is None, name
            assert field.resolve is not None, name
            event = {name: {"id": "1"}}
            assert field.resolve(event, None) == {"id": "1"}
            assert field.resolve({}, None) is None
            assert field.resolve("not a map", None) is None
        assert recorder.calls == []


def test_arguments_named_like_parameters_are_only_arguments() -> None:
    resolve = subscription_type(SDL).fields["onOdd"].resolve
    assert resolve is not None
    event = {"onOdd": {"id": "1"}}
    assert resolve(event, None, info=1, root="r", source=True, self="s") == {"id": "1"}


def test_the_subscription_type_is_declared_like_the_sdl() -> None:
    served = build(SDL)
    result = served.execute_sync(INTROSPECTION_QUERY)
    assert result.errors is None and result.data is not None
    assert normalized(result.data) == expected(SDL)
    inner = graphql_schema(served).subscription_type
    user = load(SDL).subscription_type
    assert inner is not None and user is not None
    assert print_type(inner) == print_type(user)
    assert 'onAny: Item @aws_subscribe(mutations: ["touch"])' in served.as_str()


async def test_events_resolve_through_the_served_schema() -> None:
    """What the engine does: graphql-core subscribes with its own resolver, taking the
    call positionally since an argument may be named `info` or `root`."""
    received_arguments: list[dict[str, Any]] = []

    async def events(*call: Any, **arguments: Any) -> AsyncIterator[Any]:
        info: GraphQLResolveInfo[Any] = call[1]
        received_arguments.append(arguments)
        yield {info.field_name: {"id": "1", "level": "HIGH"}}
        yield {info.field_name: None}

    document = parse("subscription { onOdd(info: 1, root: null) { id level } }")
    served = graphql_schema(build(SDL, bind_subscriptions()))
    stream = subscribe(served, document, subscribe_field_resolver=events)
    if isawaitable(stream):
        stream = await stream
    assert not isinstance(stream, ExecutionResult)
    results = [result async for result in stream]
    assert [result.errors for result in results] == [None, None]
    assert [result.data for result in results] == [
        {"onOdd": {"id": "1", "level": "HIGH"}},
        {"onOdd": None},
    ]
    assert received_arguments == [{"info": 1, "root": None}]
