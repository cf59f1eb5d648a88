"""Identifier generators behind `$util.autoId`, `$util.autoUlid` and `$util.autoKsuid`.

Randomness comes from the OS (`secrets`), so ids are unguessable and no generator state is
shared between requests.
"""

from __future__ import annotations

import secrets
import time
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_KSUID_EPOCH = 1_400_000_000  # seconds; KSUID timestamps count from 2014-05-13T16:53:20Z
_KSUID_LENGTH = 27
_ULID_LENGTH = 26


def auto_id() -> str:
    """A random (version 4) UUID in lower case, e.g. `1c6c0b4e-...`."""
    return str(uuid.uuid4())


def auto_ulid(now_ms: int | None = None) -> str:
    """A ULID: 48-bit millisecond timestamp then 80 random bits, Crockford base32, upper case."""
    millis = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    value = ((millis & (2**48 - 1)) << 80) | secrets.randbits(80)
    return _encode(value, _CROCKFORD, _ULID_LENGTH)


def auto_ksuid(now_s: int | None = None) -> str:
    """A KSUID: 32-bit seconds since the KSUID epoch then 128 random bits, base62, 27 chars."""
    seconds = int(time.time()) if now_s is None else now_s
    value = (((seconds - _KSUID_EPOCH) & 0xFFFFFFFF) << 128) | secrets.randbits(128)
    return _encode(value, _BASE62, _KSUID_LENGTH)


def _encode(value: int, alphabet: str, width: int) -> str:
    base = len(alphabet)
    chars: list[str] = []
    while value:
        value, digit = divmod(value, base)
        chars.append(alphabet[digit])
    return "".join(reversed(chars)).rjust(width, alphabet[0])
