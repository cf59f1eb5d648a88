"""What travels on the pub/sub topics: mutation results and invalidations.

A topic is one Subscription field. A mutation listed in that field's `@aws_subscribe`
publishes a `data` message holding its result; `$extensions.invalidateSubscriptions`
publishes an `invalidate` message holding its payload. Every message carries a unique id,
so the subscribers of one server that share a query can share one rendering of it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, Final

DATA: Final = "data"
INVALIDATE: Final = "invalidate"


def topic(subscription_field: str) -> str:
    """The pub/sub topic of a Subscription field."""
    return f"subscription/{subscription_field}"


def data_message(result: Mapping[str, Any]) -> dict[str, Any]:
    return {"kind": DATA, "id": uuid.uuid4().hex, "payload": result}


def invalidate_message(payload: Mapping[str, Any]) -> dict[str, Any]:
    return {"kind": INVALIDATE, "id": uuid.uuid4().hex, "payload": payload}
