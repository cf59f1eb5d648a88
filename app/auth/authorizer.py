"""Which mode a request's credentials are for, and whether they are good.

The API has a default mode and additional modes, as on AppSync. A request is checked by the
first configured mode whose credentials it presents, in this order: an `x-api-key` header
(API_KEY); a SigV4 `Authorization` (AWS_IAM); a JWT from a configured issuer (Cognito user
pools, OpenID Connect); any other `Authorization` (AWS_LAMBDA). Credentials for no configured
mode are refused. The field directives then decide what that mode may read.

An API whose definition configures no authentication is open: no check, no identity (the
server says so at start-up).

The authorizer also owns the API's `RevocationWatch`: WebSocket connections register the
principals they rely on with `revocations`, and are ended when those stop holding.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any, Final

from app.auth.base import AuthFailure, AuthMode, Credentials, Principal
from app.auth.revocation import RevocationWatch
from app.definition.model import AuthProvider, AuthType

MODE_MODULES: Final = {
    AuthType.API_KEY: "app.auth.modes.api_key",
    AuthType.AWS_IAM: "app.auth.modes.iam",
    AuthType.AMAZON_COGNITO_USER_POOLS: "app.auth.modes.cognito",
    AuthType.OPENID_CONNECT: "app.auth.modes.oidc",
    AuthType.AWS_LAMBDA: "app.auth.modes.lambda_authorizer",
}
SELECTION_ORDER: Final = (
    AuthType.API_KEY,
    AuthType.AWS_IAM,
    AuthType.AMAZON_COGNITO_USER_POOLS,
    AuthType.OPENID_CONNECT,
    AuthType.AWS_LAMBDA,
)
SINGLE_MODES: Final = frozenset({AuthType.API_KEY, AuthType.AWS_IAM, AuthType.AWS_LAMBDA})
"""Modes AppSync allows once per API (Cognito pools and OIDC providers may repeat)."""


def mode_module(auth_type: AuthType) -> ModuleType:
    """The module implementing `auth_type` (`config_problems`, `create`)."""
    return importlib.import_module(MODE_MODULES[auth_type])


def config_problems(auth_type: AuthType, config: Mapping[str, Any]) -> list[str]:
    problems: list[str] = mode_module(auth_type).config_problems(config)
    return problems


def _create(provider: AuthProvider, project_dir: Path, api_name: str) -> AuthMode:
    module = mode_module(provider.type)
    if provider.type is AuthType.AWS_LAMBDA:  # its event names the API
        mode: AuthMode = module.create(provider.config, project_dir, api_name=api_name or None)
    else:
        mode = module.create(provider.config, project_dir)
    return mode


class Authorizer:
    """The API's configured modes; one per served API."""

    def __init__(
        self, providers: tuple[AuthProvider, ...], project_dir: Path, api_name: str = ""
    ) -> None:
        self.providers = providers
        self.default: AuthType | None = providers[0].type if providers else None
        created = [
            (provider.type, _create(provider, project_dir, api_name)) for provider in providers
        ]
        self.modes: tuple[AuthMode, ...] = tuple(
            mode for kind in SELECTION_ORDER for mode_type, mode in created if mode_type is kind
        )
        self.revocations = RevocationWatch()

    @property
    def enabled(self) -> bool:
        return bool(self.modes)

    @property
    def mode_types(self) -> frozenset[AuthType]:
        return frozenset(provider.type for provider in self.providers)

    async def authenticate(self, credentials: Credentials) -> Principal | None:
        """The caller, or None when the API is open; raises AuthFailure."""
        if not self.modes:
            return None
        for mode in self.modes:
            if mode.claims(credentials):
                return await mode.authenticate(credentials)
        fallback = self._token_mode(credentials)
        if fallback is not None:
            return await fallback.authenticate(credentials)  # raises, saying what is wrong
        raise AuthFailure()

    def _token_mode(self, credentials: Credentials) -> AuthMode | None:
        """With no Lambda authorizer, an `Authorization` no mode claims is a bad JWT: the
        first token mode explains why ("Unable to parse JWT token.", unknown issuer, ...)."""
        if credentials.authorization is None or AuthType.AWS_LAMBDA in self.mode_types:
            return None
        for mode in self.modes:
            if mode.auth_type in (AuthType.AMAZON_COGNITO_USER_POOLS, AuthType.OPENID_CONNECT):
                return mode
        return None

    async def start(self) -> None:
        for mode in self.modes:
            await mode.start()
        if self.modes:
            await self.revocations.start()

    async def close(self) -> None:
        await self.revocations.close()
        for mode in self.modes:
            await mode.close()
