"""The subscription engine: opens subscriptions, publishes mutation results, renders deliveries.

Every transport (AppSync's real-time protocol, graphql-transport-ws, graphql-ws) goes through
one `SubscriptionEngine`, so they share filters, limits and delivery rules:

- **Subscribe.** The operation is parsed and validated by the shared executor; graphql-core
  coerces the variables and the root field's arguments; the field's own resolver, if it has
  one, runs once (it may refuse with `$util.unauthorized()` or set enhanced and invalidation
  filters through `$extensions`). The subscription then listens on its field's topic.
  `start_ack` may be sent once `subscribe` returns: the pub/sub backend has confirmed it.
- **Publish.** After a mutation, each root field listed in some `@aws_subscribe` publishes its
  result (as the mutation selected it) to those subscription fields' topics, and each
  `$extensions.invalidateSubscriptions` call publishes an invalidation.
- **Deliver.** A subscriber whose filter matches gets the published value projected onto its
  own selection set, as AppSync does: fields the mutation did not select are null, and no
  resolver runs. The field rules of the subscriber's auth mode apply to every field of it, at
  every depth: a field it may not read is null with AppSync's Unauthorized error
  (`app.realtime.access`). Subscribers on this server with the same query, variables and
  denied fields share one rendering of each message.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Self

import orjson
from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLResolveInfo,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    create_source_event_stream,
    execute,
    get_operation_ast,
)
from graphql import Executor as GraphQLExecutor

from app.auth.directives import FieldRules, not_authorized
from app.definition.model import ApiDefinition
from app.execution.context import RequestContext
from app.execution.executor import Executor, is_awaitable
from app.realtime.access import Coordinate, SubscriberAccess
from app.realtime.filters import InvalidationFilter, SubscriptionFilter, subscription_filter
from app.realtime.messages import INVALIDATE, data_message, invalidate_message, topic
from app.realtime.published import mutation_results
from app.realtime.pubsub import PubSub, PubSubError
from app.realtime.pubsub import Subscription as TopicSubscription
from app.schema.bindings import FieldBindings, FieldResolver
from app.schema.direct import ArgumentNormalizer
from app.templates.util.extensions import (
    INVALIDATE_SUBSCRIPTIONS,
    SET_SUBSCRIPTION_FILTER,
    SET_SUBSCRIPTION_INVALIDATION_FILTER,
)

logger = logging.getLogger("strawsync.realtime")

RENDER_CACHE_SIZE: Final = 1024
"""Renderings kept (per message and distinct query); a miss only costs a re-render. Sharing
needs an entry only while one message fans out, so the cap is kept small: it is the memory a
steady stream of events holds (about 1,024 x the event's size, reached after 1,024 events)."""


class NotASubscription(Exception):
    """A query or mutation sent where only subscriptions are served."""

    def __init__(self, operation: OperationType) -> None:
        self.operation = operation
        super().__init__(
            f"{operation.value.capitalize()} not supported through the realtime channel"
        )


@dataclass(slots=True)
class Delivery:
    """One rendered event for every subscriber sharing a query: the GraphQL result, and its
    AppSync `payload` JSON encoded once for all of them."""

    result: ExecutionResult
    _payload_json: bytes | None = None

    def payload_json(self, format_errors: Any) -> bytes:
        """`{"data": ..., "errors": [...]}` as bytes; `format_errors` shapes the errors."""
        if self._payload_json is None:
            payload: dict[str, Any] = {"data": self.result.data}
            if self.result.errors:
                payload["errors"] = [format_errors(error) for error in self.result.errors]
            self._payload_json = orjson.dumps(payload)
        return self._payload_json


ShapeKey = tuple[int, str | None, bytes, frozenset[Coordinate]]


@dataclass(frozen=True, slots=True)
class Shape:
    """What a delivery's rendering depends on: the query, its operation, its variables, and
    the fields of it the subscriber may not read."""

    document: DocumentNode
    operation_name: str | None
    variables: Mapping[str, Any] | None
    field_name: str
    denied: frozenset[Coordinate]
    key: ShapeKey = field(compare=False)


class LiveSubscription:
    """One open subscription: an async iterator of the deliveries its filter lets through.

    Iteration ends when the subscription is closed or invalidated (`invalidated` is then
    True), and raises `SubscriberTooSlow` if it fell too far behind its topic.
    """

    def __init__(
        self,
        engine: SubscriptionEngine,
        shape: Shape,
        subscription: TopicSubscription,
        filter_: SubscriptionFilter,
        invalidation: InvalidationFilter | None,
    ) -> None:
        self.shape = shape
        self.field_name = shape.field_name
        self.invalidated = False
        self.expired = False
        self._expiry: asyncio.TimerHandle | None = None
        self._engine = engine
        self._subscription = subscription
        self._filter = filter_
        self._invalidation = invalidation

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Delivery:
        while True:
            message = await self._subscription.__anext__()
            payload = message.get("payload")
            if message.get("kind") == INVALIDATE:
                if self._invalidation is not None and self._invalidation.matches(payload):
                    self.invalidated = True
                    self.close()
                    raise StopAsyncIteration
                continue
            if self._filter.matches(payload):
                return self._engine.render(message, self.shape)

    def expire_at(self, epoch_seconds: float) -> None:
        """End the subscription when the caller's credentials expire (`expired` is then set)."""
        loop = asyncio.get_running_loop()
        delay = max(0.0, epoch_seconds - time.time())
        self._expiry = loop.call_later(delay, self._expire)

    def _expire(self) -> None:
        self.expired = True
        self.close()

    def close(self) -> None:
        """Stop listening; idempotent."""
        if self._expiry is not None:
            self._expiry.cancel()
            self._expiry = None
        self._subscription.close()

    async def aclose(self) -> None:
        self.close()


def _variables_key(variables: Mapping[str, Any] | None) -> bytes:
    """The variables as canonical JSON: their part of a rendering's cache key."""
    try:
        return orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        # orjson refuses integers beyond 64 bits, which JSON and GraphQL's ID accept (an ID
        # variable sent as a number): fall back to the standard library for those.
        return json.dumps(variables, sort_keys=True).encode()


def _published_property(*call: Any, **arguments: Any) -> Any:
    """Every field of a delivery reads the published value's property of its name; called
    positionally, since an SDL argument may be named `info`."""
    source, info = call[0], call[1]
    return source.get(info.field_name) if isinstance(source, dict) else None


def _readable_published_property(*call: Any, **arguments: Any) -> Any:
    """`_published_property` for a subscriber denied some fields (the execution context is
    the set of them): those fail with AppSync's Unauthorized error."""
    source, info = call[0], call[1]
    if (info.parent_type.name, info.field_name) in info.context:
        raise not_authorized(info.parent_type.name, info.field_name)
    return source.get(info.field_name) if isinstance(source, dict) else None


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }


class SubscriptionEngine:
    """Subscriptions and publishing for one served API; one per server process."""

    def __init__(
        self,
        definition: ApiDefinition,
        executor: Executor,
        bindings: FieldBindings,
        pubsub: PubSub,
        rules: FieldRules | None = None,
    ) -> None:
        self.pubsub = pubsub
        self._rules = rules
        self._executor = executor
        self._projection_schema: GraphQLSchema = definition.schema
        self._access = SubscriberAccess(definition.schema, rules)
        self._queue_size = definition.limits.max_pending_messages
        self._topics: dict[str, tuple[str, ...]] = {}
        for subscription in definition.subscriptions.values():
            for mutation in subscription.mutations:
                self._topics[mutation] = (*self._topics.get(mutation, ()), subscription.field_name)
        self._resolvers: dict[str, FieldResolver] = {}
        self._normalizers: dict[str, Any] = {}
        subscription_type = definition.schema.subscription_type
        normalizer = ArgumentNormalizer()
        for name, user_field in (subscription_type.fields if subscription_type else {}).items():
            resolver = bindings.resolver(subscription_type.name, name)  # type: ignore[union-attr]
            if resolver is not None:
                self._resolvers[name] = resolver
            self._normalizers[name] = normalizer.for_field(user_field)
        self._rendered: OrderedDict[tuple[str, ShapeKey], Delivery] = OrderedDict()

    async def start(self) -> None:
        await self.pubsub.start()

    async def close(self) -> None:
        await self.pubsub.close()

    # Subscribing ---------------------------------------------------------------------------

    async def subscribe(
        self,
        query: str,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: RequestContext,
    ) -> LiveSubscription | ExecutionResult:
        """Open a subscription, or return the GraphQL errors that refused it.

        Raises `NotASubscription` for a query or a mutation.
        """
        prepared = await self._executor.prepare_document(query)
        if prepared.document is None:
            return ExecutionResult(None, list(prepared.errors))
        document = prepared.document
        operation = get_operation_ast(document, operation_name)
        if operation is not None and operation.operation is not OperationType.SUBSCRIPTION:
            raise NotASubscription(operation.operation)

        async def open_stream(*call: Any, **arguments: Any) -> Any:
            # Positional (root, info): an SDL argument may be named `root` or `info`.
            return await self._open(document, operation_name, variables, call[1], arguments)

        built = GraphQLExecutor.build(
            self._executor.schema,
            document,
            context_value=context,
            raw_variable_values=variables,
            operation_name=operation_name,
            subscribe_field_resolver=open_stream,
            is_awaitable=is_awaitable,
        )
        if isinstance(built, list):
            return ExecutionResult(None, built)
        stream = create_source_event_stream(built)
        if is_awaitable(stream):
            stream = await stream
        assert isinstance(stream, LiveSubscription | ExecutionResult)
        return stream

    async def _open(
        self,
        document: DocumentNode,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        info: GraphQLResolveInfo[Any],
        arguments: dict[str, Any],
    ) -> LiveSubscription:
        name = info.field_name
        context: RequestContext = info.context
        if self._rules is not None:
            self._rules.check(info.parent_type.name, name, context.principal)
        normalize = self._normalizers.get(name)
        if normalize is not None:
            arguments = normalize(arguments)
        enhanced: object | None = None
        invalidation: InvalidationFilter | None = None
        resolver = self._resolvers.get(name)
        if resolver is not None:
            first = len(context.extension_calls)
            await resolver(None, info, dict(arguments))
            for call in context.extension_calls[first:]:
                if call.name == SET_SUBSCRIPTION_FILTER:
                    enhanced = call.arguments[0]
                elif call.name == SET_SUBSCRIPTION_INVALIDATION_FILTER:
                    invalidation = InvalidationFilter(name, call.arguments[0])
        filter_ = subscription_filter(arguments, enhanced)
        variables_key = _variables_key(variables)
        denied = self._access.denied(document, context.principal)
        shape = Shape(
            document,
            operation_name,
            variables,
            name,
            denied,
            key=(id(document), operation_name, variables_key, denied),
        )
        listener = self.pubsub.subscribe(topic(name), maxsize=self._queue_size)
        await listener.__aenter__()
        live = LiveSubscription(self, shape, listener, filter_, invalidation)
        principal = context.principal
        if principal is not None and principal.expires_at is not None:
            live.expire_at(principal.expires_at)
        return live

    # Delivering ----------------------------------------------------------------------------

    def render(self, message: Mapping[str, Any], shape: Shape) -> Delivery:
        """The published value of `message` as `shape` selects it and may read it, shared by
        equal shapes."""
        key = (str(message.get("id")), shape.key)
        delivery = self._rendered.get(key)
        if delivery is not None:
            return delivery
        result = execute(
            self._projection_schema,
            shape.document,
            root_value={shape.field_name: message.get("payload")},
            context_value=shape.denied,
            variable_values=dict(shape.variables) if shape.variables else None,
            operation_name=shape.operation_name,
            field_resolver=_readable_published_property if shape.denied else _published_property,
        )
        assert isinstance(result, ExecutionResult)  # no resolvers: always synchronous
        delivery = Delivery(result)
        self._rendered[key] = delivery
        if len(self._rendered) > RENDER_CACHE_SIZE:
            self._rendered.popitem(last=False)
        return delivery

    # Publishing ----------------------------------------------------------------------------

    async def publish(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        data: Mapping[str, Any] | None,
        context: RequestContext,
    ) -> None:
        """Publish what a finished mutation triggers. A pub/sub failure is logged, never
        raised: the mutation has happened and its caller gets its result."""
        if operation.operation is not OperationType.MUTATION:
            return
        messages: list[tuple[str, dict[str, Any]]] = []
        for mutation, value in mutation_results(operation, _fragments(document), data):
            for subscription_field in self._topics.get(mutation, ()):
                messages.append((topic(subscription_field), data_message(value)))
        for call in context.extension_calls:
            if call.name == INVALIDATE_SUBSCRIPTIONS:
                request = call.arguments[0]
                messages.append(
                    (topic(request["subscriptionField"]), invalidate_message(request["payload"]))
                )
        for name, message in messages:
            try:
                await self.pubsub.publish(name, message)
            except PubSubError as exc:
                logger.error(
                    "[%s] could not publish to %s: %s", context.request_id, name, exc.message
                )
