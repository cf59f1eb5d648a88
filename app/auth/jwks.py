"""The public keys a token issuer signs with: a JSON Web Key Set, fetched and cached.

A `RemoteJwks` reads the set from the issuer over HTTP(S) with aiohttp, from `jwks_url` or
from the `jwks_uri` of the issuer's `/.well-known/openid-configuration`, as AppSync does for
OpenID Connect. Keys are cached. A token signed with a key id the cache does not hold makes it
fetch the set again (the issuer may have rotated its keys), at most once per
`refetch_interval`, so tokens with made-up key ids cannot make the server hammer the issuer;
concurrent requests that need a fetch share one. The set is also fetched again once it is
`max_age` old; if that fails, the keys already held stay in use until a fetch succeeds.

A `FileJwks` reads the set from a local file (offline development, tokens minted by
`scripts/mint_jwt.py`) and reads it again whenever the file's modification time or size
changes.

Only keys that can verify a signature are kept: a `kid` is required, `use` (if present) must
be `sig`, and the key type decides the algorithms it may verify: RSA keys RS256/384/512 and
PS256/384/512, EC keys the ES algorithm of their curve (P-256, P-384, P-521). A key that names
its `alg` verifies that algorithm only. Symmetric (`oct`) keys are never taken from a key set.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

import aiohttp
import orjson
from jwt import PyJWK
from jwt.exceptions import PyJWTError

logger = logging.getLogger("strawsync.auth")

RSA_ALGORITHMS: Final = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"})
EC_ALGORITHMS: Final = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
SUPPORTED_ALGORITHMS: Final = RSA_ALGORITHMS | frozenset(EC_ALGORITHMS.values())
_PUBLIC_MEMBERS: Final = {"RSA": ("kty", "n", "e"), "EC": ("kty", "crv", "x", "y")}
"""The members a public key is built from; private members (`d`, ...) are never read."""

DEFAULT_REFETCH_INTERVAL: Final = 30.0
DEFAULT_FAILURE_BACKOFF: Final = 5.0
DEFAULT_MAX_AGE: Final = 3600.0
DEFAULT_TIMEOUT: Final = 5.0
MAX_DOCUMENT_BYTES: Final = 1_048_576
DISCOVERY_PATH: Final = "/.well-known/openid-configuration"


class JwksUnavailable(Exception):
    """The key set could not be fetched or read; the message is for the log."""


class UnknownKey(Exception):
    """No key with the token's `kid` is in the key set (after a fetch, when one was allowed)."""


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """One public key of a set, and the algorithms it may verify."""

    kid: str
    key: Any
    """A `cryptography` public key object, as PyJWT takes it."""
    algorithms: frozenset[str]


class KeySet(Protocol):
    """Where a verifier looks up the key a token names."""

    async def key(self, kid: str) -> VerificationKey:
        """The key with id `kid`; raises UnknownKey, or JwksUnavailable when there is no set."""
        ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


def parse_jwks(document: Any, source: str) -> dict[str, VerificationKey]:
    """The usable keys of a JWKS document by kid; raises JwksUnavailable when there are none.

    Unusable keys are skipped (and logged): a set may carry encryption keys or key types this
    service does not verify with, next to the signing keys it needs."""
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list | tuple):
        raise JwksUnavailable(f"{source} is not a JSON Web Key Set (no 'keys' list)")
    keys: dict[str, VerificationKey] = {}
    for index, jwk in enumerate(document["keys"]):
        try:
            key = _verification_key(jwk)
        except ValueError as error:
            logger.info("JWKS %s: key %d skipped: %s", source, index, error)
            continue
        if key.kid in keys:
            logger.info("JWKS %s: key %d skipped: kid %r appears twice", source, index, key.kid)
            continue
        keys[key.kid] = key
    if not keys:
        raise JwksUnavailable(f"{source} holds no usable signing key")
    return keys


def _verification_key(jwk: Any) -> VerificationKey:
    if not isinstance(jwk, Mapping):
        raise ValueError("not an object")
    kid, kty, use, alg = jwk.get("kid"), jwk.get("kty"), jwk.get("use"), jwk.get("alg")
    if not isinstance(kid, str) or not kid:
        raise ValueError("no 'kid'")
    if use is not None and use != "sig":
        raise ValueError(f"'use' is {use!r}, not 'sig'")
    if kty == "RSA":
        algorithms = RSA_ALGORITHMS
    elif kty == "EC" and jwk.get("crv") in EC_ALGORITHMS:
        algorithms = frozenset({EC_ALGORITHMS[jwk["crv"]]})
    elif kty == "EC":
        raise ValueError(f"EC curve {jwk.get('crv')!r} is not P-256, P-384 or P-521")
    else:
        raise ValueError(f"key type {kty!r} is not RSA or EC")
    if alg is not None:
        if alg not in algorithms:
            raise ValueError(f"'alg' {alg!r} is not one a {kty} key verifies here")
        algorithms = frozenset({alg})
    public = {name: jwk[name] for name in _PUBLIC_MEMBERS[kty] if name in jwk}
    try:
        parsed = PyJWK(public, algorithm=min(algorithms))
    except (PyJWTError, TypeError, ValueError) as error:
        raise ValueError(f"not a valid {kty} key: {error}") from None
    return VerificationKey(kid=kid, key=parsed.key, algorithms=algorithms)


class RemoteJwks:
    """A key set fetched over HTTP(S) and cached; see the module docstring for when it refetches.

    Give `jwks_url`, or `issuer` to discover it from the issuer's OpenID configuration."""

    def __init__(
        self,
        *,
        jwks_url: str | None = None,
        issuer: str | None = None,
        refetch_interval: float = DEFAULT_REFETCH_INTERVAL,
        failure_backoff: float = DEFAULT_FAILURE_BACKOFF,
        max_age: float = DEFAULT_MAX_AGE,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if jwks_url is None and issuer is None:
            raise ValueError("RemoteJwks needs a jwks_url or an issuer")
        self.jwks_url = jwks_url
        self.issuer = issuer
        self.refetch_interval = refetch_interval
        self.failure_backoff = failure_backoff
        self.max_age = max_age
        self.timeout = timeout
        self.fetches = 0
        """Fetch attempts of the key set so far (for logs and tests)."""
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None
        self._discovered_url: str | None = None
        self._keys: dict[str, VerificationKey] | None = None
        self._fetched_at = 0.0
        self._attempted_at: float | None = None
        self._last_failed = False
        self._refresh: asyncio.Task[None] | None = None

    @property
    def source(self) -> str:
        return self.jwks_url or f"{(self.issuer or '').rstrip('/')}{DISCOVERY_PATH}"

    async def key(self, kid: str) -> VerificationKey:
        if self._keys is None or self._clock() - self._fetched_at >= self.max_age:
            await self._fetch_if_allowed()
        if self._keys is None:
            raise JwksUnavailable(f"no key set from {self.source} yet")
        key = self._keys.get(kid)
        if key is None and await self._fetch_if_allowed():
            key = self._keys.get(kid)
        if key is None:
            raise UnknownKey(kid)
        return key

    async def _fetch_if_allowed(self) -> bool:
        """Join the fetch in progress, or start one unless one was tried too recently; returns
        whether a fetch ran. A failure is logged and leaves the keys held so far in place."""
        if self._refresh is None:
            if self._attempted_at is not None:
                wait = self.failure_backoff if self._last_failed else self.refetch_interval
                if self._clock() - self._attempted_at < wait:
                    return False
            self._attempted_at = self._clock()
            self._refresh = asyncio.create_task(self._fetch())
            self._refresh.add_done_callback(self._settled)
        task = self._refresh
        try:
            await asyncio.shield(task)
        except JwksUnavailable as error:
            logger.warning("JWKS fetch failed: %s", error)
        return True

    def _settled(self, task: asyncio.Task[None]) -> None:
        if self._refresh is task:
            self._refresh = None
        if not task.cancelled():
            task.exception()  # retrieved here, so a failure nobody awaited is not reported

    async def _fetch(self) -> None:
        self.fetches += 1
        try:
            url = self.jwks_url or await self._jwks_uri()
            keys = parse_jwks(await self._get_json(url), url)
        except JwksUnavailable:
            self._last_failed = True
            self._discovered_url = None  # discover again next time: the issuer may have moved it
            raise
        self._keys = keys
        self._fetched_at = self._clock()
        self._last_failed = False
        logger.info("JWKS %s: %d key(s): %s", url, len(keys), ", ".join(sorted(keys)))

    async def _jwks_uri(self) -> str:
        if self._discovered_url is None:
            configuration = await self._get_json(self.source)
            uri = configuration.get("jwks_uri") if isinstance(configuration, Mapping) else None
            if not isinstance(uri, str) or not uri.startswith(("https://", "http://")):
                raise JwksUnavailable(f"{self.source} has no http(s) 'jwks_uri'")
            self._discovered_url = uri
        return self._discovered_url

    async def _get_json(self, url: str) -> Any:
        session = self._open_session()
        try:
            async with session.get(url, headers={"accept": "application/json"}) as response:
                if response.status != 200:
                    raise JwksUnavailable(f"{url} answered HTTP {response.status}")
                body = bytearray()
                async for chunk in response.content.iter_chunked(65_536):
                    body += chunk
                    if len(body) > MAX_DOCUMENT_BYTES:
                        raise JwksUnavailable(f"{url} sent more than {MAX_DOCUMENT_BYTES} bytes")
        except (aiohttp.ClientError, TimeoutError) as error:
            raise JwksUnavailable(f"{url}: {type(error).__name__}: {error}") from None
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            raise JwksUnavailable(f"{url} did not send JSON") from None

    def _open_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def start(self) -> None:
        """Open the HTTP session; the key set itself is fetched when the first token needs it,
        so an issuer that is down at start-up does not stop the server."""
        self._open_session()

    async def close(self) -> None:
        if self._refresh is not None:
            self._refresh.cancel()
            self._refresh = None
        if self._session is not None:
            await self._session.close()
            self._session = None


class FileJwks:
    """A key set read from a local file, read again when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.reads = 0
        """Times the file was read so far (for tests)."""
        self._stamp: tuple[int, int] | None = None
        self._keys: dict[str, VerificationKey] = {}

    def load(self) -> None:
        """Read the file if it changed since the last read; raises JwksUnavailable when it
        cannot be read or holds no usable key (the keys read before are then dropped, so
        deleting or emptying the file revokes them)."""
        try:
            status = os.stat(self.path)
        except OSError as error:
            self._drop()
            raise JwksUnavailable(f"{self.path}: {error.strerror}") from None
        stamp = (status.st_mtime_ns, status.st_size)
        if stamp == self._stamp:
            return
        if status.st_size > MAX_DOCUMENT_BYTES:
            self._drop()
            raise JwksUnavailable(f"{self.path} is larger than {MAX_DOCUMENT_BYTES} bytes")
        self.reads += 1
        try:
            document = orjson.loads(self.path.read_bytes())
            keys = parse_jwks(document, str(self.path))
        except (OSError, orjson.JSONDecodeError) as error:
            self._drop()
            raise JwksUnavailable(f"{self.path}: {error}") from None
        except JwksUnavailable:
            self._drop()
            raise
        self._keys, self._stamp = keys, stamp
        logger.info("JWKS %s: %d key(s): %s", self.path, len(keys), ", ".join(sorted(keys)))

    def _drop(self) -> None:
        self._keys, self._stamp = {}, None

    async def key(self, kid: str) -> VerificationKey:
        self.load()
        key = self._keys.get(kid)
        if key is None:
            raise UnknownKey(kid)
        return key

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None
