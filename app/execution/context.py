"""Per-request state. One `RequestContext` per GraphQL operation; nothing outlives it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.execution.budget import ResolverBudget
from app.execution.errors import LocatedTemplateError
from app.templates.api import ExtensionCall

if TYPE_CHECKING:
    from app.auth.base import Principal


@dataclass(slots=True)
class RequestContext:
    """What resolvers may know about the request that is running them.

    `variables` are the operation's variables as the client sent them (`$ctx.info.variables`).
    `extension_calls` collects the `$extensions` calls of templates that rendered, for the
    real-time layer (subscription filters, invalidations).
    `headers` is AppSync's `$ctx.request.headers`: lower-case names, repeated headers as
    lists, no `cookie`. `principal` (who is calling), `identity` (`$ctx.identity`) and
    `auth_type` are set by the auth layer with `authorize`. `resolvers` counts the resolver
    invocations of the running operation (set by the executor).
    """

    request_id: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    raw_headers: Sequence[tuple[bytes, bytes]] = ()
    source_ip: str | None = None
    domain_name: str | None = None
    identity: Any = None
    auth_type: str | None = None
    principal: Principal | None = None
    appended_errors: list[LocatedTemplateError] = field(default_factory=list)
    extension_calls: list[ExtensionCall] = field(default_factory=list)
    per_request: dict[Any, Any] = field(default_factory=dict)
    resolvers: ResolverBudget | None = None
    _headers: dict[str, Any] | None = None

    def authorize(self, principal: Principal | None) -> None:
        """Record the caller the auth layer verified (None: the API is open)."""
        self.principal = principal
        if principal is not None:
            self.identity = dict(principal.identity) if principal.identity is not None else None
            self.auth_type = principal.auth_type.value

    def count_resolver(self) -> None:
        """One resolver invocation; raises ResolverLimitReached past the request's limit."""
        if self.resolvers is not None:
            self.resolvers.spend()

    @property
    def headers(self) -> dict[str, Any]:
        """AppSync's `$ctx.request.headers`, decoded on first use and then kept."""
        if self._headers is None:
            self._headers = appsync_headers(self.raw_headers)
        return self._headers

    @property
    def request_info(self) -> dict[str, Any]:
        """`$ctx.request`: a fresh map per template; the headers map is shared by the request."""
        return {"headers": self.headers, "domainName": self.domain_name}


def appsync_headers(raw: Sequence[tuple[bytes, bytes]]) -> dict[str, Any]:
    """Headers as AppSync shows them: repeated names become lists; cookies are never exposed."""
    headers: dict[str, Any] = {}
    for raw_name, raw_value in raw:
        key, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if key == "cookie":
            continue
        if key in headers:
            existing = headers[key]
            headers[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            headers[key] = value
    return headers
