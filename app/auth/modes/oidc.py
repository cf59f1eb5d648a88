"""OPENID_CONNECT: tokens an OpenID Connect provider issued.

A request is this mode's when its `Authorization` header holds a JWT whose `iss` is the
configured `issuer`. As on AppSync, the provider's keys come from the `jwks_uri` of
`<issuer>/.well-known/openid-configuration` (or `jwksUrl`, or a local `jwksFile`); the token
must be signed by one of them, carry `exp` and `iat`, and be unexpired. When set:
`clientId` is a regular expression that must fully match the token's `aud` (or one of them) or
its `azp`; `iatTTL` is how long, in milliseconds, a token stays good after it was issued
(`iat`); `authTTL` how long after the user authenticated (`auth_time`, then required). A
subscription closes at the earliest of these moments.

`$ctx.identity` is `{sub, issuer, claims}`: AppSync's documentation does not list it for this
mode; this is the shape Amplify's `AppSyncIdentityOIDC` type and the Amplify simulator use.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from app.auth.base import Credentials, Principal
from app.auth.jwks import KeySet
from app.auth.modes.jwt_tokens import (
    DEFAULT_CLOCK_SKEW_SECONDS,
    EXPIRED,
    JWKS_KEYS,
    WRONG_AUDIENCE,
    JwtVerifier,
    Rejected,
    audiences,
    is_http_url,
    jwks_problems,
    key_set,
    regex_problem,
    unverified_issuer,
)
from app.definition.model import AuthType

MODE: Final = AuthType.OPENID_CONNECT.value
CONFIG_KEYS: Final = ("issuer", "clientId", "iatTTL", "authTTL", *JWKS_KEYS)


class OpenIdConnect:
    """The OPENID_CONNECT mode for one issuer."""

    auth_type = AuthType.OPENID_CONNECT

    def __init__(
        self,
        *,
        issuer: str,
        keys: KeySet,
        client_id: re.Pattern[str] | None = None,
        iat_ttl_ms: int = 0,
        auth_ttl_ms: int = 0,
        clock_skew_seconds: float = DEFAULT_CLOCK_SKEW_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = issuer
        self.keys = keys
        self.client_id = client_id
        self.iat_ttl_ms = iat_ttl_ms
        self.auth_ttl_ms = auth_ttl_ms
        self.leeway = clock_skew_seconds
        self._clock = clock
        self.verifier = JwtVerifier(
            name=f"{MODE} {issuer}",
            issuer=issuer,
            keys=keys,
            leeway=clock_skew_seconds,
            required=("exp", "iat", "auth_time") if auth_ttl_ms else ("exp", "iat"),
        )

    def claims(self, credentials: Credentials) -> bool:
        """A JWT whose (unverified) issuer is this provider."""
        return unverified_issuer(credentials) == self.issuer

    async def authenticate(self, credentials: Credentials) -> Principal:
        claims = await self.verifier.verify(credentials, self._check)
        return Principal(
            AuthType.OPENID_CONNECT,
            identity=identity(claims),
            expires_at=self.expires_at(claims),
        )

    def _check(self, claims: Mapping[str, Any]) -> None:
        """The client (`clientId` against `aud` or `azp`), then `iatTTL` and `authTTL`."""
        if self.client_id is not None:
            candidates = audiences(claims, "aud", "azp")
            if not any(self.client_id.fullmatch(value) for value in candidates):
                raise Rejected(
                    WRONG_AUDIENCE,
                    f"no aud or azp in {candidates!r} matches clientId {self.client_id.pattern!r}",
                )
        now = self._clock()
        for claim, ttl_ms, name in (
            ("iat", self.iat_ttl_ms, "iatTTL"),
            ("auth_time", self.auth_ttl_ms, "authTTL"),
        ):
            if ttl_ms and now > claims[claim] + ttl_ms / 1000 + self.leeway:
                raise Rejected(EXPIRED, f"{claim} is more than {name} ({ttl_ms} ms) ago")

    def expires_at(self, claims: Mapping[str, Any]) -> float:
        """The earliest of `exp`, `iat` + iatTTL and `auth_time` + authTTL, in epoch seconds."""
        moments = [float(claims["exp"])]
        if self.iat_ttl_ms:
            moments.append(claims["iat"] + self.iat_ttl_ms / 1000)
        if self.auth_ttl_ms:
            moments.append(claims["auth_time"] + self.auth_ttl_ms / 1000)
        return min(moments)

    async def start(self) -> None:
        await self.keys.start()

    async def close(self) -> None:
        await self.keys.close()


def identity(claims: Mapping[str, Any]) -> dict[str, Any]:
    """`$ctx.identity` for a verified OIDC token."""
    return {"sub": claims.get("sub"), "issuer": claims["iss"], "claims": dict(claims)}


def _is_ttl(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def config_problems(config: Mapping[str, Any]) -> list[str]:
    """Every mistake in an OPENID_CONNECT provider's settings."""
    problems = [
        f"unknown {MODE} setting '{key}' (known: {', '.join(CONFIG_KEYS)})"
        for key in config
        if key not in CONFIG_KEYS
    ]
    issuer = config.get("issuer")
    discovers = "jwksUrl" not in config and "jwksFile" not in config
    if issuer is None:
        problems.append(f"{MODE} needs 'issuer' (the iss of its tokens, e.g. https://idp.example)")
    elif not isinstance(issuer, str) or not issuer.strip() or issuer != issuer.strip():
        problems.append(f"{MODE}: 'issuer' must be a string, the exact iss of its tokens")
    elif discovers and not is_http_url(issuer):
        problems.append(
            f"{MODE}: 'issuer' must be an http:// or https:// URL to discover its keys from "
            f"(or give 'jwksUrl' or 'jwksFile')"
        )
    problem = regex_problem(config, "clientId", MODE)
    if problem is not None:
        problems.append(problem)
    for key in ("iatTTL", "authTTL"):
        if key in config and not _is_ttl(config[key]):
            problems.append(f"{MODE}: '{key}' must be a whole number of milliseconds (0: no limit)")
    problems.extend(jwks_problems(config, MODE))
    return problems


def create(config: Mapping[str, Any], project_dir: Path) -> OpenIdConnect:
    """The configured mode; raises ValueError naming the problems (a missing `jwksFile` too)."""
    problems = config_problems(config)
    if problems:
        raise ValueError("; ".join(problems))
    issuer: str = config["issuer"]
    try:
        keys = key_set(config, project_dir, issuer=issuer)
    except ValueError as error:
        raise ValueError(f"{MODE}: {error}") from None
    pattern = config.get("clientId")
    return OpenIdConnect(
        issuer=issuer,
        keys=keys,
        client_id=re.compile(pattern) if pattern else None,
        iat_ttl_ms=config.get("iatTTL", 0),
        auth_ttl_ms=config.get("authTTL", 0),
        clock_skew_seconds=config.get("clockSkewSeconds", DEFAULT_CLOCK_SKEW_SECONDS),
    )
