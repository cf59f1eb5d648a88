"""Keys, key sets, tokens and a JWKS server, for tests of the Cognito and OIDC modes.

    key = make_key("k1")                       # RSA; make_key("k2", "EC") for ES256
    document = jwks(key)                       # {"keys": [<public JWK of k1>]}
    jwt = token(key, cognito_claims(ISSUER, client_id="app"))
    jwt = token(key, {...}, {"alg": "PS256"})  # header entries override or add

`JwksServer` serves an issuer on 127.0.0.1: `/.well-known/openid-configuration` (whose
`jwks_uri` is `/keys`), and the key set at `/keys` and at Cognito's `/.well-known/jwks.json`.
Change `server.keys` to rotate keys; `server.hits` counts requests per path.
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

_CURVES: dict[str, ec.EllipticCurve] = {
    "ES256": ec.SECP256R1(),
    "ES384": ec.SECP384R1(),
    "ES512": ec.SECP521R1(),
}


@dataclass(frozen=True)
class TestKey:
    """A private signing key, its `kid`, and the algorithm tokens are signed with by default."""

    __test__ = False  # not a pytest test class

    kid: str
    private: Any
    algorithm: str

    def public_jwk(self, **members: Any) -> dict[str, Any]:
        """The public JWK (`kid`, `use: sig`, `alg`), with `members` added or replaced."""
        public = self.private.public_key()
        maker = RSAAlgorithm if self.algorithm[:2] in ("RS", "PS") else ECAlgorithm
        jwk: dict[str, Any] = maker.to_jwk(public, as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": self.algorithm})
        jwk.update(members)
        return {name: value for name, value in jwk.items() if value is not None}


def make_key(kid: str, kind: str = "RSA", algorithm: str | None = None) -> TestKey:
    """A new key: `kind` "RSA" (2048 bits, RS256 by default) or "EC" (P-256 / ES256 by default;
    pass `algorithm="ES384"` or `"ES512"` for the other curves)."""
    if kind == "RSA":
        return TestKey(kid, rsa.generate_private_key(65537, 2048), algorithm or "RS256")
    algorithm = algorithm or "ES256"
    return TestKey(kid, ec.generate_private_key(_CURVES[algorithm]), algorithm)


def jwks(*keys: TestKey | dict[str, Any]) -> dict[str, Any]:
    """A JWKS document of the keys' public JWKs (dicts are taken as they are)."""
    return {"keys": [key if isinstance(key, dict) else key.public_jwk() for key in keys]}


def token(key: TestKey, claims: dict[str, Any], headers: dict[str, Any] | None = None) -> str:
    """`claims` signed with `key`; the header has `kid` and the key's algorithm unless
    `headers` say otherwise (`{"alg": "PS256"}`, `{"kid": "other"}`; `{"kid": None}` drops it)."""
    header = {"kid": key.kid, **(headers or {})}
    algorithm = header.pop("alg", key.algorithm)
    header = {name: value for name, value in header.items() if value is not None}
    return jwt.encode(claims, key.private, algorithm=algorithm, headers=header)


def unsigned_token(claims: dict[str, Any], kid: str = "rsa-1") -> str:
    """`claims` with `alg: none` and no signature."""
    return jwt.encode(claims, "", algorithm="none", headers={"kid": kid})


def tampered(signed: str, **changes: Any) -> str:
    """`signed` with its payload changed by `changes` and its signature kept."""
    header, payload, signature = signed.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    encoded = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{encoded}.{signature}"


def cognito_claims(
    issuer: str,
    *,
    client_id: str = "app-client",
    token_use: str = "id",
    username: str = "alice",
    groups: list[str] | None = None,
    lifetime: float = 3600,
    **extra: Any,
) -> dict[str, Any]:
    """The claims of a Cognito ID token (`aud`, `cognito:username`) or access token
    (`client_id`, `username`), issued now."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "0b1d9f6e-0000-4000-8000-000000000001",
        "iss": issuer,
        "token_use": token_use,
        "iat": now,
        "auth_time": now,
        "exp": int(now + lifetime),
    }
    if token_use == "id":
        claims.update({"aud": client_id, "cognito:username": username})
    else:
        claims.update({"client_id": client_id, "username": username, "scope": "openid"})
    if groups is not None:
        claims["cognito:groups"] = groups
    claims.update(extra)
    return claims


def oidc_claims(
    issuer: str, *, audience: str | list[str] = "client-1", lifetime: float = 3600, **extra: Any
) -> dict[str, Any]:
    """The claims of an OIDC ID token issued now."""
    now = int(time.time())
    return {
        "sub": "user-1",
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "auth_time": now,
        "exp": int(now + lifetime),
        **extra,
    }


class JwksServer:
    """An issuer's discovery document and key set over HTTP on 127.0.0.1 (async context)."""

    def __init__(self, *keys: TestKey) -> None:
        self.keys: list[TestKey | dict[str, Any]] = list(keys)
        self.hits: Counter[str] = Counter()
        self.delay = 0.0
        """Seconds each key set response waits (to catch concurrent fetches)."""
        self.status = 200
        """Status of the key set responses; not 200 answers an error page."""
        self.discovery: bytes | None = None
        """A body to answer for the discovery document instead of the real one."""
        self.url = ""
        self._runner: web.AppRunner | None = None

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/keys"

    async def _discovery(self, request: web.Request) -> web.Response:
        self.hits[request.path] += 1
        if self.discovery is not None:
            return web.Response(body=self.discovery, content_type="application/json")
        return web.json_response({"issuer": self.url, "jwks_uri": self.jwks_url})

    async def _keys(self, request: web.Request) -> web.Response:
        self.hits[request.path] += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.status != 200:
            return web.Response(status=self.status, text="unavailable")
        return web.json_response(jwks(*self.keys))

    async def __aenter__(self) -> JwksServer:
        app = web.Application()
        app.router.add_get("/.well-known/openid-configuration", self._discovery)
        app.router.add_get("/keys", self._keys)
        app.router.add_get("/.well-known/jwks.json", self._keys)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        await web.SockSite(self._runner, sock).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
