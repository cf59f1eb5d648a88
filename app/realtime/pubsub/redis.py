"""Redis pub/sub: a mutation on one server process reaches subscribers on every other one.

Each process holds ONE subscriber connection, subscribed to exactly the channels that have a
local subscriber, and fans each message out to the local subscriptions' bounded buffers; a
thousand subscribers cost one connection, not a thousand. Publishing uses a separate small
command connection pool (a subscribed connection may not publish).

The subscriber connection is owned by one background task that reads it and, when Redis
restarts or the link dies (a missed heartbeat PING), reconnects with exponential backoff and
subscribes again to every channel in use. Messages published while it is down are lost, as with
any Redis pub/sub; subscriptions stay open and receive what is published after the reconnect.

Channels are named `strawsync:<api>:<topic>` so several APIs can share one Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection, ConnectionPool
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from redis.retry import Retry

from app.realtime.pubsub.base import (
    DEFAULT_MAXSIZE,
    InvalidMessage,
    PubSubUnavailable,
    Subscription,
    decode_message,
    encode_message,
)

logger = logging.getLogger("strawsync.pubsub")

CHANNEL_PREFIX: Final = "strawsync"
SCHEMES: Final = frozenset({"redis", "rediss", "unix"})
PROBE_TIMEOUT_SECONDS: Final = 1.0

# What a lost or refused connection raises; anything else is a bug and is logged as one.
_TRANSIENT: Final = (RedisError, OSError, TimeoutError)


class _ConnectionLost(Exception):
    """Redis stopped answering on the subscriber connection."""


@dataclass(slots=True)
class _Channel:
    """A Redis channel with local subscribers, and whether Redis confirmed the subscription.

    `pending` counts SUBSCRIBE commands sent on the current connection and not yet confirmed;
    Redis confirms in order, so the channel is live once it drops to zero. Counting (rather
    than a flag) keeps a late confirmation of an earlier SUBSCRIBE, sent before an UNSUBSCRIBE,
    from waking a new subscriber too early.
    """

    subscribers: set[Subscription] = field(default_factory=set)
    pending: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)


class RedisPubSub:
    """Pub/sub over Redis; `url` is a `redis://`, `rediss://` or `unix://` URL."""

    def __init__(
        self,
        url: str,
        *,
        api: str = "default",
        maxsize: int = DEFAULT_MAXSIZE,
        connect_timeout: float = 5.0,
        subscribe_timeout: float = 5.0,
        heartbeat_interval: float = 10.0,
        backoff: tuple[float, float] = (0.05, 5.0),
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise ValueError(f"not a Redis URL: {redact(url)!r} (use redis://host:port/db)")
        if not api or any(char.isspace() for char in api):
            raise ValueError(f"api name must be non-empty without spaces, not {api!r}")
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, not {maxsize}")
        self.url = url
        self.api = api
        self.maxsize = maxsize
        self._where = redact(url)
        self._connect_timeout = connect_timeout
        self._subscribe_timeout = subscribe_timeout
        self._heartbeat_interval = heartbeat_interval
        self._backoff_min, self._backoff_max = backoff
        # protocol=2: pub/sub messages arrive as plain replies on the connection we read.
        # No retries inside redis-py: the reader task owns reconnection and its backoff.
        self._factory = ConnectionPool.from_url(
            url,
            protocol=2,
            client_name=f"{CHANNEL_PREFIX}:{api}:subscriber",
            socket_connect_timeout=connect_timeout,
            # The subscriber connection is idle between messages; the heartbeat, not a read
            # timeout (redis-py >= 8 defaults to 5 s), decides when it is dead.
            socket_timeout=None,
            retry=Retry(NoBackoff(), 0),
        )
        self._client = Redis.from_url(
            url,
            protocol=2,
            client_name=f"{CHANNEL_PREFIX}:{api}:publisher",
            socket_connect_timeout=connect_timeout,
            socket_timeout=connect_timeout,
            retry=Retry(NoBackoff(), 1),
        )
        self._probe: Redis | None = None
        self._channels: dict[str, _Channel] = {}
        self._conn: AbstractConnection | None = None
        self._lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._last_seen = 0.0
        self._ping_sent = 0.0

    def channel(self, topic: str) -> str:
        """The Redis channel carrying `topic` for this API."""
        return f"{CHANNEL_PREFIX}:{self.api}:{topic}"

    async def start(self) -> None:
        try:
            await self._client.ping()
            conn = await self._connect()
        except _TRANSIENT as exc:
            raise PubSubUnavailable(f"cannot reach Redis at {self._where}: {exc}") from exc
        self._reader = asyncio.create_task(self._run(conn), name="strawsync-pubsub-redis")

    async def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        for entry in list(self._channels.values()):
            for subscription in list(entry.subscribers):
                subscription.close()
        self._channels.clear()
        tasks = [*self._tasks, *([self._reader] if self._reader else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._reader = None
        await self._client.aclose()
        if self._probe is not None:
            await self._probe.aclose()

    async def publish(self, topic: str, message: bytes | Mapping[str, Any]) -> None:
        data = encode_message(message)
        try:
            await self._client.publish(self.channel(topic), data)
        except _TRANSIENT as exc:
            raise PubSubUnavailable(f"cannot publish to Redis at {self._where}: {exc}") from exc

    def subscribe(self, topic: str, *, maxsize: int | None = None) -> Subscription:
        size = self.maxsize if maxsize is None else maxsize
        return Subscription(topic, size, self._attach, self._detach)

    async def ping(self) -> bool:
        """Whether Redis answers PING within `PROBE_TIMEOUT_SECONDS`, asked on a connection of
        its own (a frozen Redis must not stall publishing or the subscriber), for readiness."""
        timeout = PROBE_TIMEOUT_SECONDS
        if self._probe is None:
            self._probe = Redis.from_url(
                self.url,
                protocol=2,
                client_name=f"{CHANNEL_PREFIX}:{self.api}:probe",
                socket_connect_timeout=timeout,
                socket_timeout=timeout,
                retry=AsyncRetry(NoBackoff(), 0),
            )
        try:
            async with asyncio.timeout(timeout * 2):
                return bool(await self._probe.ping())
        except _TRANSIENT:
            return False

    def subscriber_count(self, topic: str) -> int:
        entry = self._channels.get(self.channel(topic))
        return len(entry.subscribers) if entry else 0

    @property
    def channels(self) -> frozenset[str]:
        """Channels this process tracks; empty once every subscriber has left."""
        return frozenset(self._channels)

    # Subscriptions entering and leaving.

    async def _attach(self, subscription: Subscription) -> None:
        if self._closing:
            raise PubSubUnavailable("pub/sub is closed")
        channel = self.channel(subscription.topic)
        entry = self._channels.setdefault(channel, _Channel())
        first = not entry.subscribers
        entry.subscribers.add(subscription)
        if first:
            async with self._lock:
                await self._send(entry, "SUBSCRIBE", channel)
        try:
            await asyncio.wait_for(entry.ready.wait(), self._subscribe_timeout)
        except TimeoutError:
            raise PubSubUnavailable(
                f"Redis at {self._where} did not confirm the subscription to "
                f"{subscription.topic!r} within {self._subscribe_timeout}s"
            ) from None

    def _detach(self, subscription: Subscription) -> None:
        channel = self.channel(subscription.topic)
        entry = self._channels.get(channel)
        if entry is None:
            return
        entry.subscribers.discard(subscription)
        if not entry.subscribers and not self._closing:
            task = asyncio.create_task(self._unsubscribe(channel))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _unsubscribe(self, channel: str) -> None:
        async with self._lock:
            entry = self._channels.get(channel)
            if entry is None or entry.subscribers:
                return  # a new subscriber arrived first and keeps the channel
            entry.ready.clear()
            await self._send(None, "UNSUBSCRIBE", channel)
            if entry.pending == 0:
                del self._channels[channel]

    async def _send(self, entry: _Channel | None, *args: str) -> None:
        """Send a command on the subscriber connection, if it is up (hold `_lock`).

        A failure is left to the reader: it notices the dead connection, reconnects and
        subscribes again to whatever is in use by then.
        """
        conn = self._conn
        if conn is None or not conn.is_connected:
            return
        if entry is not None:
            # Counted before sending: the reader may see the confirmation before we resume.
            entry.pending += 1
            entry.ready.clear()
        try:
            await conn.send_command(*args, check_health=False)
        except _TRANSIENT as exc:
            logger.debug("pub/sub: %s failed on %s: %s", args[0], self._where, exc)

    # The subscriber connection.

    async def _connect(self) -> AbstractConnection:
        factory = self._factory
        conn = factory.connection_class(**factory.connection_kwargs)
        try:
            # Bounded as a whole: a frozen Redis accepts the socket but never answers HELLO.
            async with asyncio.timeout(self._connect_timeout):
                await conn.connect()  # type: ignore[no-untyped-call]  # untyped in redis-py
        except BaseException:
            with contextlib.suppress(*_TRANSIENT):
                await conn.disconnect(nowait=True)
            raise
        return conn

    async def _run(self, conn: AbstractConnection | None) -> None:
        """Own the subscriber connection for the life of the instance, reconnecting as needed."""
        delay = self._backoff_min
        while True:
            if conn is None:
                try:
                    conn = await self._connect()
                except _TRANSIENT as exc:
                    logger.warning(
                        "pub/sub: cannot reach Redis at %s (%s); retrying in %.2fs",
                        self._where,
                        exc,
                        delay,
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._backoff_max)
                    continue
                logger.info("pub/sub: reconnected to Redis at %s", self._where)
            delay = self._backoff_min
            try:
                await self._serve(conn)
            except (*_TRANSIENT, _ConnectionLost) as exc:
                logger.warning("pub/sub: lost Redis at %s (%s); reconnecting", self._where, exc)
            except Exception:
                logger.exception("pub/sub: unexpected error on Redis at %s", self._where)
                await asyncio.sleep(delay)
            finally:
                await self._drop(conn)
            conn = None

    async def _serve(self, conn: AbstractConnection) -> None:
        loop = asyncio.get_running_loop()
        async with self._lock:
            self._conn = conn
            self._last_seen = self._ping_sent = loop.time()
            for channel, entry in list(self._channels.items()):
                entry.pending = 0
                entry.ready.clear()
                if not entry.subscribers:
                    del self._channels[channel]
            if self._channels:
                await conn.send_command("SUBSCRIBE", *self._channels, check_health=False)
                for entry in self._channels.values():
                    entry.pending = 1
        reader = asyncio.create_task(self._read(conn))
        heartbeat = asyncio.create_task(self._heartbeat(conn))
        try:
            done, _ = await asyncio.wait({reader, heartbeat}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            reader.cancel()
            heartbeat.cancel()
            await asyncio.gather(reader, heartbeat, return_exceptions=True)
        for task in done:
            task.result()
        raise _ConnectionLost("subscriber connection ended")

    async def _drop(self, conn: AbstractConnection) -> None:
        self._conn = None
        with contextlib.suppress(*_TRANSIENT):
            await conn.disconnect(nowait=True)
        for entry in self._channels.values():
            entry.ready.clear()

    async def _read(self, conn: AbstractConnection) -> None:
        loop = asyncio.get_running_loop()
        while True:
            reply: Any = await conn.read_response()
            self._last_seen = loop.time()
            if not isinstance(reply, list) or len(reply) < 3:
                continue  # PONG outside subscribed mode
            kind, channel = reply[0], reply[1]
            if kind == b"message":
                self._fan_out(channel.decode(), reply[2])
            elif kind == b"subscribe":
                self._confirmed(channel.decode())

    async def _heartbeat(self, conn: AbstractConnection) -> None:
        """PING now and then; no reply at all by the next beat means the link is dead."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._heartbeat_interval)
            if self._last_seen < self._ping_sent:
                raise _ConnectionLost(f"no reply to PING in {self._heartbeat_interval}s")
            async with self._lock:
                self._ping_sent = loop.time()
                await conn.send_command("PING", check_health=False)

    def _confirmed(self, channel: str) -> None:
        entry = self._channels.get(channel)
        if entry is None or entry.pending == 0:
            return
        entry.pending -= 1
        if entry.pending:
            return
        if entry.subscribers:
            entry.ready.set()
        else:
            del self._channels[channel]  # its UNSUBSCRIBE was sent after this SUBSCRIBE

    def _fan_out(self, channel: str, data: bytes) -> None:
        entry = self._channels.get(channel)
        if entry is None or not entry.subscribers:
            return
        try:
            payload = decode_message(data)
        except InvalidMessage as exc:
            logger.warning("pub/sub: dropped a malformed message on %s: %s", channel, exc)
            return
        for subscription in tuple(entry.subscribers):
            subscription.deliver(payload)


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urlunsplit(parts._replace(netloc=user + host))
