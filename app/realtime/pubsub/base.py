"""The contract every pub/sub backend implements, and the subscription both of them hand out.

A mutation publishes its result once to a topic; every subscriber of that topic on every server
instance gets it. A message is a JSON object: the publisher passes a mapping, or bytes that
already hold its JSON encoding (so a result serialized once is not serialized again). Every
subscriber receives the decoded object, a snapshot taken at publish time, whichever backend
carried it, so code reading messages never depends on the backend.

Delivery never waits for a subscriber. Each subscription has a bounded buffer; a subscriber that
lets it fill up has fallen too far behind to be served correctly, so it is cut off: the
subscription is marked `overflowed`, its buffer is freed, and reading it raises
`SubscriberTooSlow`. Nothing is dropped silently and the publisher never blocks.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Final, Protocol, Self

import orjson

DEFAULT_MAXSIZE: Final = 1000
"""Messages a subscriber may have waiting before it counts as too slow."""

Payload = Mapping[str, Any]
"""What a subscriber receives: a decoded JSON object, shared by local subscribers (read-only)."""


class PubSubError(Exception):
    """A pub/sub failure, with an AppSync-style `error_type` a transport can report."""

    error_type = "PubSubError"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class SubscriberTooSlow(PubSubError):
    """The subscriber's buffer filled up: it missed messages and must reconnect."""

    error_type = "SubscriberTooSlow"

    def __init__(self, topic: str, maxsize: int) -> None:
        self.topic = topic
        self.maxsize = maxsize
        super().__init__(
            f"Subscriber fell more than {maxsize} messages behind on {topic!r} and was "
            "disconnected; read messages faster or subscribe again."
        )


class PubSubUnavailable(PubSubError):
    """The backend cannot be reached (e.g. Redis is down); the operation did not happen."""

    error_type = "PubSubUnavailable"


class InvalidMessage(PubSubError, ValueError):
    """A published message is not a JSON object; raised to the publisher, before delivery."""

    error_type = "InvalidMessage"


def encode_message(message: bytes | Mapping[str, Any]) -> bytes:
    """The wire form of a message; fails at the publisher, not at every subscriber."""
    if isinstance(message, bytes | bytearray | memoryview):
        data = bytes(message)
        decode_message(data)
        return data
    try:
        return orjson.dumps(message)
    except TypeError as exc:
        raise InvalidMessage(f"message is not JSON-serializable: {exc}") from exc


def decode_message(data: bytes) -> Payload:
    """A message from its wire form; anything but a JSON object is refused."""
    try:
        payload = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidMessage(f"message is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise InvalidMessage(f"message must be a JSON object, not {type(payload).__name__}")
    return payload


class Subscription:
    """One subscriber's view of a topic: an async context manager and an async iterator.

    Entering registers it with its backend (and, for Redis, waits until the server confirms,
    so anything published afterwards arrives); leaving or `close()` unregisters it. Iteration
    ends when the subscription is closed and raises `SubscriberTooSlow` once it overflowed.
    """

    def __init__(
        self,
        topic: str,
        maxsize: int,
        attach: Callable[[Subscription], Awaitable[None]],
        detach: Callable[[Subscription], None],
    ) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, not {maxsize}")
        self.topic = topic
        self.maxsize = maxsize
        self._attach = attach
        self._detach = detach
        self._buffer: deque[Payload] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._entered = False
        self._closed = False
        self._overflowed = False

    @property
    def overflowed(self) -> bool:
        """Whether this subscriber was cut off for falling `maxsize` messages behind."""
        return self._overflowed

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def pending(self) -> int:
        """Messages delivered but not yet read."""
        return len(self._buffer)

    def deliver(self, payload: Payload) -> None:
        """Queue a message without ever waiting; called by the backend for each message."""
        if self._closed:
            return
        if len(self._buffer) >= self.maxsize:
            self._overflowed = True
            self.close()
            return
        self._buffer.append(payload)
        self._wake()

    def close(self) -> None:
        """Unregister and end iteration; idempotent, safe from any callback."""
        if self._closed:
            return
        self._closed = True
        if self._overflowed:
            self._buffer.clear()
        if self._entered:
            self._detach(self)
        self._wake()

    async def __aenter__(self) -> Self:
        if self._entered or self._closed:
            raise RuntimeError(f"subscription to {self.topic!r} was already used")
        self._entered = True
        try:
            await self._attach(self)
        except BaseException:
            # Cancelled or refused while registering: leave nothing behind.
            self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Payload:
        if not self._entered:
            raise RuntimeError(f"enter the subscription to {self.topic!r} before reading it")
        while True:
            if self._overflowed:
                raise SubscriberTooSlow(self.topic, self.maxsize)
            if self._buffer:
                return self._buffer.popleft()
            if self._closed:
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class PubSub(Protocol):
    """A pub/sub backend; one instance per server process, shared by every connection."""

    async def start(self) -> None:
        """Connect; fails loudly if the backend is unreachable at start-up."""
        ...

    async def close(self) -> None:
        """Close every subscription (their iteration ends) and release connections."""
        ...

    async def publish(self, topic: str, message: bytes | Mapping[str, Any]) -> None:
        """Send a JSON object to every subscriber of `topic`, on every instance.

        Never waits for subscribers. Raises `InvalidMessage` for a message that is not a JSON
        object and `PubSubUnavailable` when the backend cannot be reached.
        """
        ...

    def subscribe(self, topic: str, *, maxsize: int | None = None) -> Subscription:
        """A subscription to `topic`; it receives messages once entered (`async with`)."""
        ...

    def subscriber_count(self, topic: str) -> int:
        """Subscriptions to `topic` open in this process."""
        ...

    async def ping(self) -> bool:
        """Whether the backend answers now (cheap, bounded by a short timeout): readiness."""
        ...
