"""What Cognito user pools and OpenID Connect share: finding the JWT a request carries, checking
its signature, issuer and times, and the settings both modes take.

The `Authorization` header holds the token as it is. A `Bearer ` prefix is also accepted:
AppSync's documentation shows the bare token, and AppSync has been reported to refuse the
prefix, but many OIDC clients add it and refusing it would only get in the way.

A token is verified with PyJWT against the issuer's key set (`app.auth.jwks`). The algorithm
comes from the token's header, but it is used only if the key the header names may verify it
(RSA keys RS/PS, EC keys the ES algorithm of their curve), so a token cannot choose `none`, an
HMAC algorithm keyed with a public key, or any algorithm its key does not have. `exp` is always
required, and `nbf` and `iat` are checked when present, each with `clockSkewSeconds` of leeway.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import jwt
import orjson
from jwt.exceptions import (
    DecodeError,
    ExpiredSignatureError,
    ImmatureSignatureError,
    InvalidIssuedAtError,
    InvalidIssuerError,
    InvalidSignatureError,
    MissingRequiredClaimError,
    PyJWTError,
)

from app.auth.base import AuthFailure, Credentials
from app.auth.jwks import (
    SUPPORTED_ALGORITHMS,
    FileJwks,
    JwksUnavailable,
    KeySet,
    RemoteJwks,
    UnknownKey,
)

logger = logging.getLogger("strawsync.auth")

MISSING: Final = "Valid authorization header not provided."
MALFORMED: Final = "Unable to parse JWT token."
EXPIRED: Final = "Token has expired."
NOT_YET_VALID: Final = "Token is not yet valid."
BAD_SIGNATURE: Final = "Token signature is not valid."
UNSUPPORTED_ALGORITHM: Final = "Token signing algorithm is not supported."
WRONG_ISSUER: Final = "Token was not issued by this API's identity provider."
WRONG_AUDIENCE: Final = "Token was not issued to a client this API accepts."
KEYS_UNAVAILABLE: Final = "The identity provider's signing keys are unavailable; try again later."

DEFAULT_CLOCK_SKEW_SECONDS: Final = 60
MAX_CLOCK_SKEW_SECONDS: Final = 3600
MAX_TOKEN_LENGTH: Final = 16_384
"""Longer `Authorization` values are not taken for JWTs (Cognito's are 1-4 KB)."""
TIME_CLAIMS: Final = ("exp", "nbf", "iat", "auth_time")
JWKS_KEYS: Final = ("jwksUrl", "jwksFile", "clockSkewSeconds")

_JWT_SHAPE: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BEARER: Final = re.compile(r"bearer +", re.IGNORECASE)


def token_of(credentials: Credentials) -> str | None:
    """The JWT in the `Authorization` header (without a `Bearer ` prefix), or None when the
    header is missing or is not three base64url parts."""
    header = credentials.authorization
    if not header or len(header) > MAX_TOKEN_LENGTH:
        return None
    header = header.strip()
    bearer = _BEARER.match(header)
    token = header[bearer.end() :] if bearer else header
    return token if _JWT_SHAPE.fullmatch(token) else None


def unverified_claims(token: str) -> dict[str, Any] | None:
    """The payload of `token`, not verified: only for choosing the provider that verifies it."""
    payload = token.split(".")[1]
    try:
        claims = orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (binascii.Error, ValueError):
        return None
    return claims if isinstance(claims, dict) else None


def unverified_issuer(credentials: Credentials) -> str | None:
    """The `iss` of the request's JWT, not verified; what `claims()` of a JWT mode compares."""
    token = token_of(credentials)
    claims = unverified_claims(token) if token else None
    issuer = claims.get("iss") if claims else None
    return issuer if isinstance(issuer, str) else None


def audiences(claims: Mapping[str, Any], *names: str) -> list[str]:
    """The string values of the named claims (`aud` may be a string or a list of them)."""
    found: list[str] = []
    for name in names:
        value = claims.get(name)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found.extend(item for item in value if isinstance(item, str))
    return found


class Rejected(AuthFailure):
    """A refused token: `message` for the client, `reason` for the log."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(slots=True)
class JwtVerifier:
    """Verifies tokens of one issuer against its key set."""

    name: str
    """The provider, for logs: `AMAZON_COGNITO_USER_POOLS us-east-1_AbC`, `OPENID_CONNECT <iss>`."""
    issuer: str
    keys: KeySet
    leeway: float = DEFAULT_CLOCK_SKEW_SECONDS
    required: tuple[str, ...] = ("exp",)

    async def verify(
        self,
        credentials: Credentials,
        check: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """The verified claims of the request's token; raises AuthFailure, logging why.

        `check` is the mode's own test of the verified claims (audience, token use, ...); it
        raises `Rejected`."""
        try:
            claims = await self._verify(credentials)
            if check is not None:
                check(claims)
        except Rejected as rejected:
            logger.info(
                "%s refused request %s: %s",
                self.name,
                credentials.request_id or "-",
                rejected.reason,
            )
            raise
        logger.debug(
            "%s accepted request %s: sub %s", self.name, credentials.request_id, claims.get("sub")
        )
        return claims

    async def _verify(self, credentials: Credentials) -> dict[str, Any]:
        if not credentials.authorization:
            raise Rejected(MISSING, "no Authorization header")
        token = token_of(credentials)
        if token is None:
            raise Rejected(MALFORMED, "Authorization is not a JWT")
        try:
            header = jwt.get_unverified_header(token)
        except PyJWTError as error:
            raise Rejected(MALFORMED, f"header: {error}") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if not isinstance(algorithm, str) or algorithm not in SUPPORTED_ALGORITHMS:
            raise Rejected(UNSUPPORTED_ALGORITHM, f"alg {algorithm!r}")
        if not isinstance(kid, str):
            raise Rejected(MALFORMED, "no 'kid' in the header")
        try:
            key = await self.keys.key(kid)
        except UnknownKey:
            raise Rejected(BAD_SIGNATURE, f"kid {kid!r} is not in the issuer's key set") from None
        except JwksUnavailable as error:
            raise Rejected(KEYS_UNAVAILABLE, f"key set unavailable: {error}") from None
        if algorithm not in key.algorithms:
            raise Rejected(
                BAD_SIGNATURE,
                f"alg {algorithm} does not match key {kid} ({', '.join(sorted(key.algorithms))})",
            )
        claims = self._decode(token, key.key, algorithm)
        for name in TIME_CLAIMS:
            value = claims.get(name)
            if name in claims and not _is_number(value):
                raise Rejected(MALFORMED, f"'{name}' is not a number")
        return claims

    def _decode(self, token: str, key: Any, algorithm: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(self.required), "verify_aud": False},
            )
        except InvalidSignatureError:
            raise Rejected(BAD_SIGNATURE, "signature does not verify") from None
        except ExpiredSignatureError:
            raise Rejected(EXPIRED, "exp has passed") from None
        except ImmatureSignatureError as error:
            raise Rejected(NOT_YET_VALID, str(error)) from None
        except MissingRequiredClaimError as error:
            raise Rejected(MALFORMED, f"no '{error.claim}' claim") from None
        except InvalidIssuerError:
            raise Rejected(WRONG_ISSUER, "iss is not the configured issuer") from None
        except (DecodeError, InvalidIssuedAtError) as error:
            raise Rejected(MALFORMED, str(error)) from None
        except PyJWTError as error:
            raise Rejected(MALFORMED, f"{type(error).__name__}: {error}") from None
        return claims


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def is_http_url(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"https?://[^\s/]+(/\S*)?", value) is not None


def jwks_problems(config: Mapping[str, Any], mode: str) -> list[str]:
    """Mistakes in the settings both JWT modes take: `jwksUrl`, `jwksFile`, `clockSkewSeconds`."""
    problems: list[str] = []
    if "jwksUrl" in config and "jwksFile" in config:
        problems.append(f"{mode}: give 'jwksUrl' or 'jwksFile', not both")
    if "jwksUrl" in config and not is_http_url(config["jwksUrl"]):
        problems.append(f"{mode}: 'jwksUrl' must be an http:// or https:// URL")
    jwks_file = config.get("jwksFile")
    if "jwksFile" in config and (not isinstance(jwks_file, str) or not jwks_file.strip()):
        problems.append(f"{mode}: 'jwksFile' must be a path relative to the project")
    skew = config.get("clockSkewSeconds", DEFAULT_CLOCK_SKEW_SECONDS)
    if not _is_number(skew) or not 0 <= skew <= MAX_CLOCK_SKEW_SECONDS:
        problems.append(
            f"{mode}: 'clockSkewSeconds' must be a number of seconds from 0 to "
            f"{MAX_CLOCK_SKEW_SECONDS}"
        )
    return problems


def regex_problem(config: Mapping[str, Any], key: str, mode: str) -> str | None:
    """A message when `config[key]` is present but is not a valid regular expression."""
    if key not in config:
        return None
    value = config[key]
    if not isinstance(value, str):
        return f"{mode}: '{key}' must be a regular expression string"
    try:
        re.compile(value)
    except re.error as error:
        return f"{mode}: '{key}' is not a valid regular expression: {error}"
    return None


def key_set(
    config: Mapping[str, Any],
    project_dir: Path,
    *,
    jwks_url: str | None = None,
    issuer: str | None = None,
) -> KeySet:
    """The key set the settings name: `jwksFile`, else `jwksUrl`, else `jwks_url` or discovery
    from `issuer`.

    A `jwksFile` that is missing or unreadable does not stop the server (a local pool's file
    is often written later, by `scripts/mint_jwt.py`): it is logged now, tokens are refused
    while it stays so, and it is read as soon as it appears or changes."""
    if "jwksFile" in config:
        keys = FileJwks(project_dir / config["jwksFile"])
        try:
            keys.load()
        except JwksUnavailable as error:
            logger.warning("jwksFile: %s; tokens are refused until it can be read", error)
        return keys
    if "jwksUrl" in config:
        return RemoteJwks(jwks_url=config["jwksUrl"])
    return RemoteJwks(jwks_url=jwks_url, issuer=issuer)
