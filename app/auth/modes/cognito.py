"""AMAZON_COGNITO_USER_POOLS: ID and access tokens a Cognito user pool issued.

A request is this mode's when its `Authorization` header holds a JWT whose `iss` is the pool's
issuer, `https://cognito-idp.<awsRegion>.amazonaws.com/<userPoolId>` (or the configured
`issuer`, for a local pool). The token must be signed by a key of the pool's JWKS
(`<issuer>/.well-known/jwks.json` unless `jwksUrl` or `jwksFile` says otherwise), unexpired,
an `id` or `access` token (`token_use`), and, when `appIdClientRegex` is set, issued to an app
client the expression fully matches: an ID token's `aud`, an access token's `client_id`.

`$ctx.identity` is AppSync's Cognito shape: `sub`, `issuer`, `username` (`cognito:username`,
which ID tokens carry, else `username`, which access tokens carry), every claim under
`claims`, `sourceIp`, `defaultAuthStrategy` (`defaultAction`) and `groups`
(`cognito:groups`, null when the user is in none).

`defaultAction: DENY` makes the root fields that carry no auth directive unreadable, so only
fields granted by `@aws_auth(cognito_groups: [...])` answer (`app.auth.directives`). As on
AppSync it is accepted only when the user pool is the default mode and the only one (its
`UserPoolConfig` must say ALLOW once there are additional providers, and an additional
provider's `CognitoUserPoolConfig` has no default action).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from app.auth.base import Credentials, Principal
from app.auth.jwks import KeySet
from app.auth.modes.jwt_tokens import (
    DEFAULT_CLOCK_SKEW_SECONDS,
    JWKS_KEYS,
    WRONG_AUDIENCE,
    JwtVerifier,
    Rejected,
    is_http_url,
    jwks_problems,
    key_set,
    regex_problem,
    unverified_issuer,
)
from app.definition.model import AuthProvider, AuthType

MODE: Final = AuthType.AMAZON_COGNITO_USER_POOLS.value
CONFIG_KEYS: Final = (
    "userPoolId",
    "awsRegion",
    "appIdClientRegex",
    "defaultAction",
    "issuer",
    *JWKS_KEYS,
)
DEFAULT_ACTIONS: Final = ("ALLOW", "DENY")
TOKEN_USES: Final = ("id", "access")
WRONG_TOKEN_USE: Final = "Token is not a Cognito ID or access token."
_USER_POOL_ID: Final = re.compile(r"[\w-]+_[0-9a-zA-Z]+")
"""The pattern of the Cognito API's `UserPoolId`, e.g. `us-east-1_AbCdEf123`."""
_REGION: Final = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def pool_issuer(region: str, user_pool_id: str) -> str:
    """The `iss` of the tokens a Cognito user pool issues."""
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


class CognitoUserPools:
    """The AMAZON_COGNITO_USER_POOLS mode for one user pool."""

    auth_type = AuthType.AMAZON_COGNITO_USER_POOLS

    def __init__(
        self,
        *,
        user_pool_id: str,
        issuer: str,
        keys: KeySet,
        app_client: re.Pattern[str] | None = None,
        default_action: str = "ALLOW",
        clock_skew_seconds: float = DEFAULT_CLOCK_SKEW_SECONDS,
    ) -> None:
        self.user_pool_id = user_pool_id
        self.issuer = issuer
        self.keys = keys
        self.app_client = app_client
        self.default_action = default_action
        """`ALLOW` or `DENY`: what fields without `@aws_auth` allow (the field rules decide)."""
        self.verifier = JwtVerifier(
            name=f"{MODE} {user_pool_id}",
            issuer=issuer,
            keys=keys,
            leeway=clock_skew_seconds,
            required=("exp", "token_use"),
        )

    def claims(self, credentials: Credentials) -> bool:
        """A JWT whose (unverified) issuer is this pool."""
        return unverified_issuer(credentials) == self.issuer

    async def authenticate(self, credentials: Credentials) -> Principal:
        claims = await self.verifier.verify(credentials, self._check)
        return Principal(
            AuthType.AMAZON_COGNITO_USER_POOLS,
            identity=self.identity(claims, credentials),
            groups=frozenset(_groups(claims) or ()),
            expires_at=float(claims["exp"]),
        )

    def _check(self, claims: Mapping[str, Any]) -> None:
        """An ID or access token (`token_use`), of an app client `appIdClientRegex` matches."""
        token_use = claims["token_use"]
        if token_use not in TOKEN_USES:
            raise Rejected(WRONG_TOKEN_USE, f"token_use {token_use!r}")
        claim = "aud" if token_use == "id" else "client_id"
        client_id = claims.get(claim)
        if self.app_client is not None and (
            not isinstance(client_id, str) or self.app_client.fullmatch(client_id) is None
        ):
            raise Rejected(
                WRONG_AUDIENCE,
                f"{claim} {client_id!r} does not match appIdClientRegex "
                f"{self.app_client.pattern!r}",
            )

    def identity(self, claims: Mapping[str, Any], credentials: Credentials) -> dict[str, Any]:
        """`$ctx.identity` for a verified token, in AppSync's Cognito user pools shape."""
        username = claims.get("cognito:username", claims.get("username"))
        return {
            "sub": claims.get("sub"),
            "issuer": claims["iss"],
            "username": username,
            "claims": dict(claims),
            "sourceIp": credentials.source_ips(),
            "defaultAuthStrategy": self.default_action,
            "groups": _groups(claims),
        }

    async def start(self) -> None:
        await self.keys.start()

    async def close(self) -> None:
        await self.keys.close()


def _groups(claims: Mapping[str, Any]) -> list[str] | None:
    """`cognito:groups` as a list of names; None when absent (a malformed value grants none)."""
    value = claims.get("cognito:groups")
    if not isinstance(value, list):
        return None
    return [group for group in value if isinstance(group, str)]


def config_problems(config: Mapping[str, Any]) -> list[str]:
    """Every mistake in an AMAZON_COGNITO_USER_POOLS provider's settings."""
    problems = [
        f"unknown {MODE} setting '{key}' (known: {', '.join(CONFIG_KEYS)})"
        for key in config
        if key not in CONFIG_KEYS
    ]
    pool = config.get("userPoolId")
    if pool is None:
        problems.append(f"{MODE} needs 'userPoolId' (e.g. us-east-1_AbCdEf123)")
    elif not isinstance(pool, str) or _USER_POOL_ID.fullmatch(pool) is None:
        problems.append(f"{MODE}: 'userPoolId' must look like us-east-1_AbCdEf123")
    region = config.get("awsRegion")
    if region is None:
        problems.append(f"{MODE} needs 'awsRegion' (e.g. us-east-1)")
    elif not isinstance(region, str) or _REGION.fullmatch(region) is None:
        problems.append(f"{MODE}: 'awsRegion' must be a region name such as us-east-1")
    action = config.get("defaultAction", "ALLOW")
    if action not in DEFAULT_ACTIONS:
        problems.append(f"{MODE}: 'defaultAction' must be ALLOW or DENY")
    if "issuer" in config and not is_http_url(config["issuer"]):
        problems.append(f"{MODE}: 'issuer' must be an http:// or https:// URL")
    problem = regex_problem(config, "appIdClientRegex", MODE)
    if problem is not None:
        problems.append(problem)
    problems.extend(jwks_problems(config, MODE))
    return problems


def denies_by_default(providers: Sequence[AuthProvider]) -> bool:
    """Whether the API's default mode is a user pool with `defaultAction: DENY`."""
    return bool(providers) and (
        providers[0].type is AuthType.AMAZON_COGNITO_USER_POOLS
        and providers[0].config.get("defaultAction") == "DENY"
    )


def default_action_problems(providers: Sequence[AuthProvider]) -> list[str]:
    """`defaultAction: DENY` where AppSync refuses it: on an additional provider, or on the
    default user pool of an API that has additional providers."""
    problems: list[str] = []
    for position, provider in enumerate(providers):
        if provider.type is not AuthType.AMAZON_COGNITO_USER_POOLS:
            continue
        if provider.config.get("defaultAction") != "DENY":
            continue
        if position > 0:
            problems.append(
                f"{MODE}: 'defaultAction: DENY' applies only to the default provider "
                "(an additional user pool has no default action)"
            )
        elif len(providers) > 1:
            problems.append(
                f"{MODE}: 'defaultAction' must be ALLOW when there are additional "
                "authentication providers (as on AppSync)"
            )
    return problems


def create(config: Mapping[str, Any], project_dir: Path) -> CognitoUserPools:
    """The configured mode; raises ValueError naming the problems (a missing `jwksFile` too)."""
    problems = config_problems(config)
    if problems:
        raise ValueError("; ".join(problems))
    user_pool_id: str = config["userPoolId"]
    issuer: str = config.get("issuer") or pool_issuer(config["awsRegion"], user_pool_id)
    try:
        keys = key_set(config, project_dir, jwks_url=f"{issuer.rstrip('/')}/.well-known/jwks.json")
    except ValueError as error:
        raise ValueError(f"{MODE}: {error}") from None
    regex = config.get("appIdClientRegex")
    return CognitoUserPools(
        user_pool_id=user_pool_id,
        issuer=issuer,
        keys=keys,
        app_client=re.compile(regex) if regex else None,
        default_action=config.get("defaultAction", "ALLOW"),
        clock_skew_seconds=config.get("clockSkewSeconds", DEFAULT_CLOCK_SKEW_SECONDS),
    )
