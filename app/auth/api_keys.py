"""A project's API keys: `.strawsync/api_keys.json`, written by `strawsync api-key`, read by
the API_KEY mode.

Keys follow AppSync's rules: `da2-` and 26 random base32 characters; `expires` is epoch seconds
rounded down to the hour, 1 to 365 days after creation (7 by default), else
`ApiKeyValidityOutOfBoundsException`; at most 50 keys per API. An expired key is refused but
still listed; 60 days after it expired (`deletes`) it is gone, and the next write drops it.

The file holds a SHA-256 of each key, never the key: a stolen or committed file opens nothing.
A plain hash (no salt, no slow KDF) is enough because a key is 130 random bits, not a password:
there is no dictionary to try and no brute force to slow down. Writes replace the whole file
atomically (temporary file, then `os.replace`), readable by its owner only, under a lock so
two commands cannot lose each other's changes. The server re-reads the file when it changes,
so keys created or deleted while it runs count from the next request.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

logger = logging.getLogger("strawsync.auth")

KEYS_FILE: Final = Path(".strawsync") / "api_keys.json"
"""Where a project's keys live, relative to the project."""
FORMAT_VERSION: Final = 1

KEY_PREFIX: Final = "da2-"
KEY_ALPHABET: Final = "abcdefghijklmnopqrstuvwxyz234567"
KEY_LENGTH: Final = 26
"""Characters after the prefix: 26 characters of 5 bits each, 130 random bits."""
KEY_PATTERN: Final = re.compile(rf"{KEY_PREFIX}[{KEY_ALPHABET}]{{{KEY_LENGTH}}}")
ID_LENGTH: Final = 12
"""A key's public id: random too, so it says nothing about the key."""

HOUR: Final = 3600
DAY: Final = 86400
DEFAULT_VALIDITY_DAYS: Final = 7
MIN_VALIDITY_DAYS: Final = 1
MAX_VALIDITY_DAYS: Final = 365
RETENTION_DAYS: Final = 60
"""How long AppSync keeps an expired key (it can still be listed) before deleting it."""
MAX_KEYS: Final = 50
"""AppSync's quota of API keys per API."""

VALIDITY_OUT_OF_BOUNDS: Final = "ApiKeyValidityOutOfBoundsException"
LIMIT_EXCEEDED: Final = "ApiKeyLimitExceededException"
NOT_FOUND: Final = "NotFoundException"
BAD_KEYS_FILE: Final = "BadKeysFileException"


class ApiKeyError(Exception):
    """A refused key operation, typed as AppSync types it (`error_type`)."""

    def __init__(self, error_type: str, message: str) -> None:
        self.error_type = error_type
        self.message = message
        super().__init__(f"{error_type}: {message}")


@dataclass(frozen=True, slots=True)
class StoredKey:
    """One key as the file holds it: everything but the key itself."""

    id: str
    description: str | None
    expires: int
    """Epoch seconds, on the hour; the key is refused from then on."""
    deletes: int
    """Epoch seconds after which the key is gone (`expires` + 60 days)."""
    sha256: str
    """Hex SHA-256 of the key."""

    def expired(self, now: float) -> bool:
        return now >= self.expires

    def deleted(self, now: float) -> bool:
        return now >= self.deletes


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def is_well_formed(key: str) -> bool:
    """Whether `key` looks like an API key (says nothing about whether it exists)."""
    return KEY_PATTERN.fullmatch(key) is not None


def find(key: str, keys: Sequence[StoredKey]) -> StoredKey | None:
    """The stored key `key` is, compared in constant time against every entry.

    Every hash is compared (no early exit, no lookup keyed by the secret), so how long this
    takes says nothing about which stored key, or which characters of one, came close."""
    digest = hash_key(key)
    found: StoredKey | None = None
    for stored in keys:
        if hmac.compare_digest(digest, stored.sha256):
            found = stored
    return found


def expiry(days: int, now: float) -> int:
    """`expires` for a key valid `days` days from `now`: rounded down to the hour, as AppSync
    does. Raises ApiKeyError(ApiKeyValidityOutOfBoundsException) outside 1 to 365 days."""
    if isinstance(days, bool) or not MIN_VALIDITY_DAYS <= days <= MAX_VALIDITY_DAYS:
        raise ApiKeyError(
            VALIDITY_OUT_OF_BOUNDS,
            f"an API key must be valid for {MIN_VALIDITY_DAYS} to {MAX_VALIDITY_DAYS} days, "
            f"not {days}",
        )
    return int(now + days * DAY) // HOUR * HOUR


def new_key() -> str:
    return KEY_PREFIX + "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def _new_id() -> str:
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(ID_LENGTH))


def _parse(text: str) -> tuple[StoredKey, ...]:
    """The keys in the file's text; raises ValueError saying what is wrong."""
    document = json.loads(text)
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError('expected {"version": 1, "keys": [...]}')
    if document.get("version") != FORMAT_VERSION:
        raise ValueError(f"unknown version {document.get('version')!r}")
    keys: list[StoredKey] = []
    for index, entry in enumerate(document["keys"]):
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("id"), str)
            and isinstance(entry.get("description"), str | None)
            and _is_int(entry.get("expires"))
            and _is_int(entry.get("deletes"))
            and isinstance(entry.get("sha256"), str)
            and re.fullmatch("[0-9a-f]{64}", entry["sha256"])
        ):
            raise ValueError(
                f"keys[{index}] needs id, description, expires, deletes and a sha256 hex digest"
            )
        keys.append(
            StoredKey(
                entry["id"],
                entry["description"],
                entry["expires"],
                entry["deletes"],
                entry["sha256"],
            )
        )
    return tuple(keys)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


Signature = tuple[int, int, int, int]
"""What tells a changed file from the one read before: inode, size, mtime, ctime."""


_UNREADABLE: Final[Signature] = (-1, -1, -1, -1)


def _signature(stat: os.stat_result) -> Signature:
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


class ApiKeyStore:
    """The keys file of one project.

    `list`, `create` and `delete` are for the command line (blocking, small). `current` is for
    the server: one `os.stat` per call, and a read in a worker thread only when the file has
    changed since the last one."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._signature: Signature | None = None
        self._keys: tuple[StoredKey, ...] = ()
        self._reload = asyncio.Lock()

    @classmethod
    def for_project(cls, project_dir: Path) -> ApiKeyStore:
        return cls(project_dir / KEYS_FILE)

    def read(self) -> tuple[StoredKey, ...]:
        """All stored keys (none when there is no file); raises ApiKeyError when the file
        cannot be read or is not a keys file."""
        return self._read()[1]

    def _read(self) -> tuple[Signature | None, tuple[StoredKey, ...]]:
        try:
            with self.path.open("rb") as file:
                signature = _signature(os.fstat(file.fileno()))
                text = file.read().decode("utf-8")
        except FileNotFoundError:
            return None, ()
        except (OSError, UnicodeDecodeError) as error:
            raise ApiKeyError(BAD_KEYS_FILE, f"{self.path}: cannot read it: {error}") from error
        try:
            return signature, _parse(text)
        except ValueError as error:  # json.JSONDecodeError is a ValueError
            raise ApiKeyError(BAD_KEYS_FILE, f"{self.path}: not a keys file: {error}") from error

    def list(self, now: float | None = None) -> tuple[StoredKey, ...]:
        """The keys AppSync would list: valid and expired ones, not those past `deletes`."""
        at = time.time() if now is None else now
        return tuple(key for key in self.read() if not key.deleted(at))

    def create(
        self,
        description: str | None = None,
        days: int = DEFAULT_VALIDITY_DAYS,
        now: float | None = None,
    ) -> tuple[str, StoredKey]:
        """A new key valid for `days` days, and its stored entry; the key is returned once and
        never stored. Raises ApiKeyError (validity out of bounds, 50 keys already)."""
        at = time.time() if now is None else now
        expires = expiry(days, at)
        key = new_key()
        with self._locked():
            keys = self._kept(at)
            if len(keys) >= MAX_KEYS:
                raise ApiKeyError(
                    LIMIT_EXCEEDED,
                    f"this API already has {MAX_KEYS} keys; delete one first",
                )
            ids = {stored.id for stored in keys}
            key_id = _new_id()
            while key_id in ids:
                key_id = _new_id()
            stored = StoredKey(
                key_id, description, expires, expires + RETENTION_DAYS * DAY, hash_key(key)
            )
            self._write((*keys, stored))
        return key, stored

    def delete(self, id_or_key: str, now: float | None = None) -> StoredKey:
        """Remove the key with this id (or this key itself); returns what was removed. Raises
        ApiKeyError(NotFoundException) when there is none."""
        at = time.time() if now is None else now
        with self._locked():
            keys = self._kept(at)
            if is_well_formed(id_or_key):
                target = find(id_or_key, keys)
            else:
                target = next((stored for stored in keys if stored.id == id_or_key), None)
            if target is None:
                raise ApiKeyError(NOT_FOUND, f"no API key {id_or_key!r} in {self.path}")
            self._write(tuple(stored for stored in keys if stored is not target))
        return target

    def _kept(self, now: float) -> tuple[StoredKey, ...]:
        """The stored keys minus those past `deletes` (dropped by the write that follows)."""
        keys = self.read()
        kept = tuple(stored for stored in keys if not stored.deleted(now))
        for gone in set(keys) - set(kept):
            logger.info("API key %s: deleted, 60 days after it expired", gone.id)
        return kept

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold the project's key lock, so concurrent commands apply one after the other."""
        self.path.parent.mkdir(exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, keys: Sequence[StoredKey]) -> None:
        """Replace the file at once: readers see the old keys or the new ones, never half."""
        document = {"version": FORMAT_VERSION, "keys": [asdict(stored) for stored in keys]}
        data = (json.dumps(document, indent=2) + "\n").encode("utf-8")
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        try:
            with os.fdopen(descriptor, "wb") as file:  # mkstemp: owner read/write only
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    async def current(self) -> tuple[StoredKey, ...]:
        """The keys as the file holds them now, re-read only when it changed.

        A file that cannot be read or parsed counts as holding no keys (every key is refused)
        until it is fixed; the problem is logged once per change of the file."""
        try:
            signature: Signature | None = _signature(os.stat(self.path))
        except FileNotFoundError:
            signature = None
        except OSError:
            signature = _UNREADABLE  # the read below logs why, once
        if signature == self._signature:
            return self._keys
        async with self._reload:
            if signature != self._signature:
                try:
                    read, keys = await asyncio.to_thread(self._read)
                except ApiKeyError as error:
                    logger.error("API keys: %s; every key is refused", error.message)
                    read, keys = signature, ()
                self._signature, self._keys = read, keys
                logger.debug("API keys: %d in %s", len(keys), self.path)
        return self._keys
