"""In-process pub/sub: the default, for a single server process.

Publishing fans a message out to the topic's subscriptions in one pass of non-blocking
`deliver` calls, so its cost is O(subscribers) and no subscriber can hold it up. State lives in
the instance, never in the module, so two instances (as in tests) never see each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.realtime.pubsub.base import (
    DEFAULT_MAXSIZE,
    PubSubUnavailable,
    Subscription,
    decode_message,
    encode_message,
)


class MemoryPubSub:
    """Topics mapped to the subscriptions currently entered on them."""

    def __init__(self, *, maxsize: int = DEFAULT_MAXSIZE) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, not {maxsize}")
        self.maxsize = maxsize
        self._topics: dict[str, set[Subscription]] = {}
        self._closed = False

    async def start(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        self._closed = True
        for subscriptions in list(self._topics.values()):
            for subscription in list(subscriptions):
                subscription.close()
        self._topics.clear()

    async def publish(self, topic: str, message: bytes | Mapping[str, Any]) -> None:
        # Round-trip through JSON so subscribers get the same snapshot Redis would give them,
        # and a message Redis would refuse is refused here too.
        payload = decode_message(encode_message(message))
        for subscription in tuple(self._topics.get(topic, ())):
            subscription.deliver(payload)

    def subscribe(self, topic: str, *, maxsize: int | None = None) -> Subscription:
        size = self.maxsize if maxsize is None else maxsize
        return Subscription(topic, size, self._attach, self._detach)

    def subscriber_count(self, topic: str) -> int:
        return len(self._topics.get(topic, ()))

    async def ping(self) -> bool:
        """Always up while open: there is nothing to reach."""
        return not self._closed

    @property
    def topics(self) -> frozenset[str]:
        """Topics with at least one subscription; empty once every subscriber has left."""
        return frozenset(self._topics)

    async def _attach(self, subscription: Subscription) -> None:
        if self._closed:
            raise PubSubUnavailable("pub/sub is closed")
        self._topics.setdefault(subscription.topic, set()).add(subscription)

    def _detach(self, subscription: Subscription) -> None:
        subscriptions = self._topics.get(subscription.topic)
        if subscriptions is None:
            return
        subscriptions.discard(subscription)
        if not subscriptions:
            del self._topics[subscription.topic]
