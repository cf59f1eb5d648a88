"""The resolver count of one request: AppSync's `resolverCountLimit` (10,000 by default).

Every resolver invocation (unit or pipeline, once per field resolution; a batched resolver
once per source item) spends one unit. Past the limit, every further invocation fails at
once with `ResolverExecutionLimitReached`, before its templates render or its data source
is called, so a request that fans out stops doing work as soon as it crosses the line; the
executor then answers the whole operation with that one error.

(Cancelling the operation outright would also stop data source calls already in flight, but
it needs the operation in a task of its own: about 12 µs on every request, 3% of a small
query, for the benefit of requests that are refused anyway.)
"""

from __future__ import annotations

from dataclasses import dataclass

from app.execution.errors import FieldError

RESOLVER_LIMIT_REACHED = "ResolverExecutionLimitReached"


def limit_message(limit: int) -> str:
    return f"The request invoked more than {limit} resolvers; the limit is {limit}."


class ResolverLimitReached(FieldError):
    def __init__(self, limit: int) -> None:
        super().__init__(limit_message(limit), RESOLVER_LIMIT_REACHED)


@dataclass(slots=True)
class ResolverBudget:
    """Per request (held by its RequestContext), never shared."""

    limit: int
    used: int = 0

    @property
    def exceeded(self) -> bool:
        return self.used > self.limit

    def spend(self) -> None:
        """Count one resolver invocation; raises ResolverLimitReached past the limit."""
        self.used += 1
        if self.used > self.limit:
            raise ResolverLimitReached(self.limit)
