"""Pub/sub backends behind one interface: in-process (the default) and Redis.

`create_pubsub(url)` picks one from the URL given to `strawsync serve --pubsub`: none or
`memory://` serves one process; `redis://`, `rediss://` or `unix://` lets every server
process sharing that Redis reach every subscriber.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from app.realtime.pubsub.base import (
    DEFAULT_MAXSIZE,
    InvalidMessage,
    Payload,
    PubSub,
    PubSubError,
    PubSubUnavailable,
    SubscriberTooSlow,
    Subscription,
)
from app.realtime.pubsub.memory import MemoryPubSub
from app.realtime.pubsub.redis import SCHEMES as REDIS_SCHEMES
from app.realtime.pubsub.redis import RedisPubSub, redact

__all__ = [
    "DEFAULT_MAXSIZE",
    "InvalidMessage",
    "MemoryPubSub",
    "Payload",
    "PubSub",
    "PubSubError",
    "PubSubUnavailable",
    "RedisPubSub",
    "SubscriberTooSlow",
    "Subscription",
    "create_pubsub",
]


def create_pubsub(
    url: str | None, *, api: str = "default", maxsize: int = DEFAULT_MAXSIZE
) -> PubSub:
    """The backend for `url`; an unknown scheme fails here, at start-up, not at first use.

    `api` names the API in Redis channel names, so APIs sharing a Redis stay apart.
    """
    scheme = urlsplit(url).scheme if url else "memory"
    if url is None or scheme == "memory":
        return MemoryPubSub(maxsize=maxsize)
    if scheme in REDIS_SCHEMES:
        return RedisPubSub(url, api=api, maxsize=maxsize)
    raise ValueError(
        f"unsupported pub/sub URL {redact(url)!r}: use memory:// (one process) "
        "or redis://host:port/db (several processes sharing a Redis)"
    )
