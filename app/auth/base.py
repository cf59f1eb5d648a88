"""The contract every authorization mode implements, and what a successful check yields.

A transport turns what a client sent into `Credentials` (HTTP request, AppSync WebSocket
handshake `header`, a `start`'s `extensions.authorization`, a graphql-ws `connection_init`
payload). The `Authorizer` picks the mode those credentials are for and asks it to
`authenticate`; the mode returns a `Principal` or raises `AuthFailure`. Modes verify what they
check: signatures, issuers, audiences, expiry; nothing is merely decoded.

A WebSocket keeps the `Principal` it was authorized with for as long as it stays open, so a
principal says how to tell whether its credentials still hold: `expires_at`, and a `Standing`
the mode can re-check (a deleted API key, a Lambda authorizer that now says no). The
revocation watch (`app.auth.revocation`) re-checks both for every open connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from app.definition.model import AuthType

UNAUTHORIZED_EXCEPTION: Final = "UnauthorizedException"
NOT_AUTHORIZED: Final = "You are not authorized to make this call."


class AuthFailure(Exception):
    """Missing, malformed, expired or otherwise invalid credentials: HTTP 401, WebSocket
    `connection_error` / start `error`. `message` is safe to show the client (no secrets)."""

    def __init__(self, message: str = NOT_AUTHORIZED, error_type: str = UNAUTHORIZED_EXCEPTION):
        self.message = message
        self.error_type = error_type
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Credentials:
    """What one request presents, as the modes need it.

    `headers` have lower-case names. For AWS_IAM, `method`, `path`, `query` and `body` are the
    request that was signed (on an AppSync WebSocket: `POST /graphql/connect` with body `{}`
    at the handshake, `POST /graphql` with the `start`'s `data` string for a subscription).
    `operation_name`, `variables` and `query_text` feed a Lambda authorizer's `requestContext`.
    """

    headers: Mapping[str, str]
    method: str = "POST"
    path: str = "/graphql"
    query: str = ""
    body: bytes = b""
    source_ip: str | None = None
    request_id: str = ""
    operation_name: str | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    query_text: str = ""

    @property
    def authorization(self) -> str | None:
        """The `Authorization` header, if any."""
        return self.headers.get("authorization")

    def source_ips(self) -> list[str]:
        """`$ctx.identity.sourceIp`: the `x-forwarded-for` addresses, then the TCP peer."""
        forwarded = self.headers.get("x-forwarded-for", "")
        ips = [ip.strip() for ip in forwarded.split(",") if ip.strip()]
        if self.source_ip:
            ips.append(self.source_ip)
        return ips


class Standing(Protocol):
    """Whether credentials a mode accepted earlier are still good, asked again while a
    connection that relied on them stays open."""

    async def holds(self, *, wait: bool = False) -> bool:
        """False once the credentials are revoked (a deleted key, an authorizer that now
        refuses). A check that takes time (a Lambda authorizer call) runs in the background
        and the last answer stands meanwhile, unless `wait`."""
        ...


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, under which mode: `$ctx.identity` and what field checks need."""

    auth_type: AuthType
    identity: Mapping[str, Any] | None = None
    """`$ctx.identity` exactly as AppSync builds it for this mode (None for API_KEY)."""
    groups: frozenset[str] = frozenset()
    """Cognito groups (`cognito:groups`), for `@aws_cognito_user_pools(cognito_groups: ...)`."""
    expires_at: float | None = None
    """Epoch seconds after which the credentials are no longer valid (closes subscriptions)."""
    denied_fields: frozenset[str] = frozenset()
    """`Type.field` names a Lambda authorizer denied; they resolve to null."""
    standing: Standing | None = field(default=None, repr=False, compare=False)
    """How the mode re-checks these credentials (None: only `expires_at` can end them)."""


class AuthMode(Protocol):
    """One authorization mode, configured once from the API definition."""

    auth_type: AuthType

    def claims(self, credentials: Credentials) -> bool:
        """Whether `credentials` are presented for this mode (e.g. an `x-api-key` header, a
        SigV4 `Authorization`, a JWT this provider issued). Cheap; no verification."""
        ...

    async def authenticate(self, credentials: Credentials) -> Principal:
        """Verify `credentials`; raises `AuthFailure` when they are not good."""
        ...

    async def start(self) -> None:
        """Acquire resources (HTTP sessions for JWKS, ...); called once at server start."""
        ...

    async def close(self) -> None: ...
