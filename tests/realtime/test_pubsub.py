"""Pub/sub backends: the same behaviour in-process and over a real `redis-server`."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from app.realtime.pubsub import (
    InvalidMessage,
    MemoryPubSub,
    Payload,
    PubSub,
    PubSubUnavailable,
    RedisPubSub,
    SubscriberTooSlow,
    Subscription,
    create_pubsub,
)
from tests.support.redis_server import RedisServer, redis_server
from tests.support.server import free_port

WAIT = 10.0  # seconds; a bound so a broken backend fails the test instead of hanging it


@pytest.fixture(scope="session")
def redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture
async def inspector(redis: RedisServer) -> AsyncIterator[Redis]:
    """A plain client for looking at what the Redis server itself sees."""
    client = Redis.from_url(redis.url)
    yield client
    await client.aclose()


def unique_api() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["memory", "redis"])
async def pubsub(request: pytest.FixtureRequest) -> AsyncIterator[PubSub]:
    backend: PubSub
    if request.param == "memory":
        backend = MemoryPubSub()
    else:
        server: RedisServer = request.getfixturevalue("redis")
        backend = RedisPubSub(server.url, api=unique_api())
    await backend.start()
    yield backend
    await backend.close()


async def receive(subscription: Subscription, count: int) -> list[Payload]:
    async with asyncio.timeout(WAIT):
        return [await anext(subscription) for _ in range(count)]


async def eventually(condition: Callable[[], Awaitable[bool]]) -> None:
    """Wait for an effect that the backend applies in the background (Redis UNSUBSCRIBE)."""
    for _ in range(int(WAIT / 0.02)):
        if await condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"not true within {WAIT}s")


# Both backends.


async def test_a_subscriber_receives_what_is_published(pubsub: PubSub) -> None:
    async with pubsub.subscribe("Mutation.createEvent") as events:
        await pubsub.publish("Mutation.createEvent", {"id": "1", "name": "Launch"})
        await pubsub.publish("Mutation.createEvent", b'{"id":"2","name":"Party"}')

        assert await receive(events, 2) == [
            {"id": "1", "name": "Launch"},
            {"id": "2", "name": "Party"},
        ]


async def test_subscribers_get_a_snapshot_taken_at_publish_time(pubsub: PubSub) -> None:
    message: dict[str, Any] = {"id": "1", "tags": ("a", "b")}
    async with pubsub.subscribe("t") as subscription:
        await pubsub.publish("t", message)
        message["id"] = "changed"

        assert await receive(subscription, 1) == [{"id": "1", "tags": ["a", "b"]}]


async def test_every_subscriber_receives_every_message_in_order(pubsub: PubSub) -> None:
    subscriptions = [pubsub.subscribe("t") for _ in range(25)]
    for subscription in subscriptions:
        await subscription.__aenter__()
    try:
        for n in range(40):
            await pubsub.publish("t", {"n": n})
        for subscription in subscriptions:
            assert await receive(subscription, 40) == [{"n": n} for n in range(40)]
    finally:
        for subscription in subscriptions:
            await subscription.__aexit__(None, None, None)


async def test_topics_are_isolated(pubsub: PubSub) -> None:
    async with pubsub.subscribe("a") as a, pubsub.subscribe("b") as b:
        await pubsub.publish("a", {"to": "a"})
        await pubsub.publish("b", {"to": "b"})
        await pubsub.publish("c", {"to": "nobody"})

        assert await receive(a, 1) == [{"to": "a"}]
        assert await receive(b, 1) == [{"to": "b"}]
        assert a.pending == b.pending == 0


async def test_leaving_removes_the_subscription(pubsub: PubSub) -> None:
    async with pubsub.subscribe("t") as first, pubsub.subscribe("t") as second:
        assert pubsub.subscriber_count("t") == 2
        first.close()
        assert pubsub.subscriber_count("t") == 1
        await pubsub.publish("t", {"n": 1})
        assert await receive(second, 1) == [{"n": 1}]
        with pytest.raises(StopAsyncIteration):
            await anext(first)

    assert pubsub.subscriber_count("t") == 0
    if isinstance(pubsub, MemoryPubSub):
        assert pubsub.topics == frozenset()
    if isinstance(pubsub, RedisPubSub):
        await eventually(lambda: _nothing_left(pubsub))


async def _nothing_left(pubsub: RedisPubSub) -> bool:
    client = Redis.from_url(pubsub.url)
    try:
        channels = await client.pubsub_channels(pubsub.channel("*"))
    finally:
        await client.aclose()
    return not channels and not pubsub.channels


async def test_a_slow_subscriber_is_cut_off_without_holding_anyone_up(pubsub: PubSub) -> None:
    count = 200
    async with pubsub.subscribe("t", maxsize=10) as slow, pubsub.subscribe("t") as fast:
        received = asyncio.create_task(receive(fast, count))
        slowest_publish = 0.0
        for n in range(count):
            started = time.perf_counter()
            await pubsub.publish("t", {"n": n})
            slowest_publish = max(slowest_publish, time.perf_counter() - started)

        assert await received == [{"n": n} for n in range(count)]
        assert slowest_publish < 1.0  # sanity only: nobody waited on the slow subscriber
        assert slow.overflowed
        assert slow.pending == 0  # its buffer was freed, not left to grow
        assert pubsub.subscriber_count("t") == 1
        with pytest.raises(SubscriberTooSlow) as raised:
            await anext(slow)
        assert raised.value.error_type == "SubscriberTooSlow"
        assert "10 messages" in raised.value.message


async def test_a_subscriber_that_keeps_up_is_never_cut_off(pubsub: PubSub) -> None:
    async with pubsub.subscribe("t", maxsize=1) as subscription:
        for n in range(20):
            await pubsub.publish("t", {"n": n})
            assert await receive(subscription, 1) == [{"n": n}]
        assert not subscription.overflowed


async def test_only_json_objects_can_be_published(pubsub: PubSub) -> None:
    with pytest.raises(InvalidMessage):
        await pubsub.publish("t", b"[1, 2]")
    with pytest.raises(InvalidMessage):
        await pubsub.publish("t", b"not json")
    with pytest.raises(InvalidMessage):
        await pubsub.publish("t", {"value": object()})


async def test_closing_the_backend_ends_every_subscription(pubsub: PubSub) -> None:
    subscription = pubsub.subscribe("t")
    await subscription.__aenter__()
    reading = asyncio.create_task(anext(subscription))
    await asyncio.sleep(0)

    await pubsub.close()

    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(reading, WAIT)
    assert pubsub.subscriber_count("t") == 0
    with pytest.raises(PubSubUnavailable, match="closed"):
        await pubsub.subscribe("t").__aenter__()


async def test_a_subscription_is_used_once_and_read_only_once_entered(pubsub: PubSub) -> None:
    subscription = pubsub.subscribe("t")
    with pytest.raises(RuntimeError, match="enter"):
        await anext(subscription)
    async with subscription:
        pass
    with pytest.raises(RuntimeError, match="already used"):
        await subscription.__aenter__()


# Choosing a backend.


def test_create_pubsub_chooses_by_url_scheme() -> None:
    assert isinstance(create_pubsub(None), MemoryPubSub)
    assert isinstance(create_pubsub("memory://"), MemoryPubSub)
    assert isinstance(create_pubsub("redis://127.0.0.1:6379/0"), RedisPubSub)
    assert isinstance(create_pubsub("rediss://127.0.0.1:6380"), RedisPubSub)


def test_create_pubsub_refuses_an_unknown_scheme_without_leaking_the_password() -> None:
    with pytest.raises(ValueError, match="unsupported pub/sub URL") as raised:
        create_pubsub("kafka://user:secret@broker:9092")
    assert "secret" not in str(raised.value)


# Redis only.


async def test_a_message_published_on_one_instance_reaches_another(redis: RedisServer) -> None:
    api = unique_api()
    one, other = RedisPubSub(redis.url, api=api), RedisPubSub(redis.url, api=api)
    await one.start()
    await other.start()
    try:
        async with other.subscribe("t") as remote, one.subscribe("t") as local:
            await one.publish("t", {"from": "one"})
            await other.publish("t", {"from": "other"})

            expected = [{"from": "one"}, {"from": "other"}]
            assert await receive(remote, 2) == expected
            assert await receive(local, 2) == expected
    finally:
        await one.close()
        await other.close()


async def test_apis_sharing_a_redis_do_not_see_each_other(redis: RedisServer) -> None:
    first, second = (
        RedisPubSub(redis.url, api=unique_api()),
        RedisPubSub(redis.url, api=unique_api()),
    )
    await first.start()
    await second.start()
    try:
        async with first.subscribe("t") as mine, second.subscribe("t") as theirs:
            await second.publish("t", {"for": "second"})
            await first.publish("t", {"for": "first"})

            assert await receive(mine, 1) == [{"for": "first"}]
            assert await receive(theirs, 1) == [{"for": "second"}]
    finally:
        await first.close()
        await second.close()


async def test_many_subscribers_share_one_redis_connection(
    redis: RedisServer, inspector: Redis
) -> None:
    api = unique_api()
    pubsub = RedisPubSub(redis.url, api=api)
    await pubsub.start()
    subscriptions = [pubsub.subscribe(f"topic-{n % 20}") for n in range(300)]
    try:
        for subscription in subscriptions:
            await subscription.__aenter__()

        clients = [
            c for c in await inspector.client_list() if c["name"].startswith(f"strawsync:{api}:")
        ]
        subscribers = [c for c in clients if int(c["sub"]) > 0]
        assert len(subscribers) == 1
        assert int(subscribers[0]["sub"]) == 20
        assert len(clients) <= 2  # the subscriber connection and one publishing connection

        await pubsub.publish("topic-3", {"n": 3})
        for subscription in subscriptions[3::20]:
            assert await receive(subscription, 1) == [{"n": 3}]
    finally:
        for subscription in subscriptions:
            await subscription.__aexit__(None, None, None)
        await pubsub.close()


async def test_start_fails_loudly_when_redis_is_unreachable() -> None:
    pubsub = RedisPubSub(f"redis://127.0.0.1:{free_port()}/0", api=unique_api())
    with pytest.raises(PubSubUnavailable, match="cannot reach Redis"):
        await pubsub.start()
    await pubsub.close()


async def test_subscriptions_survive_a_redis_restart(tmp_path: Path) -> None:
    with redis_server(tmp_path) as server:
        pubsub = RedisPubSub(server.url, api=unique_api(), backoff=(0.02, 0.2))
        await pubsub.start()
        try:
            async with pubsub.subscribe("t") as subscription:
                await pubsub.publish("t", {"n": "before"})
                assert await receive(subscription, 1) == [{"n": "before"}]

                server.stop()
                with pytest.raises(PubSubUnavailable, match="cannot publish"):
                    await pubsub.publish("t", {"n": "lost"})
                await asyncio.sleep(0.3)  # a few refused reconnection attempts
                server.start()

                await _publish_until_delivered(pubsub, subscription)
                for n in range(5):
                    await pubsub.publish("t", {"n": n})
                assert await receive(subscription, 5) == [{"n": n} for n in range(5)]

                async with pubsub.subscribe("t") as newcomer:
                    await pubsub.publish("t", {"n": "new"})
                    assert await receive(newcomer, 1) == [{"n": "new"}]
                    assert await receive(subscription, 1) == [{"n": "new"}]
        finally:
            await pubsub.close()


async def test_subscribing_while_redis_is_down_fails_and_leaves_nothing(tmp_path: Path) -> None:
    with redis_server(tmp_path) as server:
        pubsub = RedisPubSub(server.url, api=unique_api(), subscribe_timeout=0.3)
        await pubsub.start()
        try:
            server.stop()
            with pytest.raises(PubSubUnavailable, match="did not confirm"):
                async with pubsub.subscribe("t"):
                    pass
            assert pubsub.subscriber_count("t") == 0
        finally:
            await pubsub.close()


async def test_a_frozen_redis_is_noticed_by_the_heartbeat(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with redis_server(tmp_path) as server:
        pubsub = RedisPubSub(
            server.url,
            api=unique_api(),
            heartbeat_interval=0.1,
            connect_timeout=0.5,
            backoff=(0.02, 0.2),
        )
        await pubsub.start()
        try:
            async with pubsub.subscribe("t") as subscription:
                server.pause()  # the socket stays open; only the missing PONG tells
                try:
                    await eventually(lambda: _logged(caplog, "no reply to PING"))
                finally:
                    server.resume()

                await _publish_until_delivered(pubsub, subscription)
                await pubsub.publish("t", {"n": 1})
                assert await receive(subscription, 1) == [{"n": 1}]
        finally:
            await pubsub.close()


async def _logged(caplog: pytest.LogCaptureFixture, text: str) -> bool:
    return any(text in record.getMessage() for record in caplog.records)


async def _publish_until_delivered(pubsub: RedisPubSub, subscription: Subscription) -> None:
    """Probe until the reconnected subscriber gets messages again; drain the probes."""
    async with asyncio.timeout(WAIT):
        while True:
            try:
                await pubsub.publish("t", {"probe": True})
            except PubSubUnavailable:
                await asyncio.sleep(0.05)
                continue
            try:
                await asyncio.wait_for(anext(subscription), 0.2)
            except TimeoutError:
                continue
            break
        while subscription.pending:
            await anext(subscription)
