"""Lambda's concurrency model: an account pool, reservations that guarantee and cap.

As AWS Lambda counts it: every running invocation holds one unit of concurrency from when it is
handed to an execution environment until it ends. A function with `reserved_concurrency` N
holds its own N units (a guarantee: other functions cannot take them; and a cap: its N+1st
concurrent invocation is throttled); N = 0 disables it. Unreserved functions share what is
left of the account's pool (`account_concurrency` minus every reservation), which must keep at
least `unreserved_minimum` units. Over a limit, Lambda throttles at once with
`TooManyRequestsException` (a fast failure, never a queue), its `Reason` saying which limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from app.definition.model import LambdaSettings
from app.functions.base import TOO_MANY_REQUESTS, InvokeRefused, LocalFunctionConfig

RESERVED_LIMIT: Final = "ReservedFunctionConcurrentInvocationLimitExceeded"
ACCOUNT_LIMIT: Final = "ConcurrentInvocationLimitExceeded"
THROTTLED_MESSAGE: Final = "Rate Exceeded."


class ConcurrencyError(ValueError):
    """Reservations that the account pool cannot hold (a configuration mistake)."""


@dataclass(slots=True)
class _Counter:
    limit: int
    in_use: int = 0


class ConcurrencyPool:
    """Counts running invocations per function and for the unreserved part of the account.

    `acquire` either takes a unit at once or raises `InvokeRefused`; `release` gives it back.
    Nothing awaits here: a throttled call never waits for a unit.
    """

    def __init__(self, functions: Sequence[LocalFunctionConfig], settings: LambdaSettings) -> None:
        reserved = {f.name: f.reserved_concurrency for f in functions}
        total = sum(n for n in reserved.values() if n is not None)
        unreserved = settings.account_concurrency - total
        if unreserved < settings.unreserved_minimum:
            raise ConcurrencyError(
                f"reserved concurrency ({total}) leaves {unreserved} of accountConcurrency "
                f"{settings.account_concurrency} for unreserved functions; Lambda keeps at "
                f"least unreservedMinimum ({settings.unreserved_minimum})"
            )
        self._reserved = {
            name: _Counter(limit) for name, limit in reserved.items() if limit is not None
        }
        self._unreserved = _Counter(unreserved)
        self._minimum = settings.unreserved_minimum
        self._known = set(reserved)

    @property
    def unreserved_limit(self) -> int:
        return self._unreserved.limit

    def add(self, function: LocalFunctionConfig) -> None:
        """Count a function added after construction (same checks as the constructor)."""
        if function.name in self._known:
            raise ConcurrencyError(f"function {function.name!r} is already known")
        limit = function.reserved_concurrency
        if limit is not None:
            if limit < 0 or self._unreserved.limit - limit < self._minimum:
                raise ConcurrencyError(
                    f"{function.name}: reserved concurrency {limit} would leave fewer than "
                    f"unreservedMinimum ({self._minimum}) of the account pool's "
                    f"{self._unreserved.limit} unreserved units"
                )
            self._unreserved.limit -= limit
            self._reserved[function.name] = _Counter(limit)
        self._known.add(function.name)

    def acquire(self, name: str) -> None:
        """Take one unit for `name` or raise `InvokeRefused` (TooManyRequestsException)."""
        counter = self._reserved.get(name)
        reason = RESERVED_LIMIT
        if counter is None:
            counter = self._unreserved
            reason = ACCOUNT_LIMIT
        if counter.in_use >= counter.limit:
            raise InvokeRefused(TOO_MANY_REQUESTS, THROTTLED_MESSAGE, reason=reason)
        counter.in_use += 1

    def release(self, name: str) -> None:
        counter = self._reserved.get(name, self._unreserved)
        counter.in_use = max(0, counter.in_use - 1)

    def in_use(self, name: str) -> int:
        """Units held by `name` if it has a reservation, else by every unreserved function."""
        return self._reserved.get(name, self._unreserved).in_use
