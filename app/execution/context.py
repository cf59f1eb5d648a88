"""Per-request state. One `RequestContext` per GraphQL operation; nothing outlives it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.execution.errors import LocatedTemplateError


@dataclass(slots=True)
class RequestContext:
    """What resolvers may know about the request that is running them.

    `variables` are the operation's variables as the client sent them (`$ctx.info.variables`).
    `headers` is AppSync's `$ctx.request.headers`: lower-case names, repeated headers as
    lists, no `cookie`. `identity` and `auth_type` are set by the auth layer.
    """

    request_id: str
    variables: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, Any] = field(default_factory=dict)
    source_ip: str | None = None
    domain_name: str | None = None
    identity: Any = None
    auth_type: str | None = None
    appended_errors: list[LocatedTemplateError] = field(default_factory=list)
    per_request: dict[Any, Any] = field(default_factory=dict)

    @property
    def request_info(self) -> dict[str, Any]:
        """`$ctx.request`: a fresh dict per template, since templates may mutate it."""
        return {"headers": dict(self.headers), "domainName": self.domain_name}


def appsync_headers(raw: list[tuple[str, str]]) -> dict[str, Any]:
    """Headers as AppSync shows them: repeated names become lists; cookies are never exposed."""
    headers: dict[str, Any] = {}
    for name, value in raw:
        key = name.lower()
        if key == "cookie":
            continue
        if key in headers:
            existing = headers[key]
            headers[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            headers[key] = value
    return headers
