"""Parse, validate and execute GraphQL operations with graphql-core, caching the first two.

The HTTP transport runs operations here rather than through `strawberry.Schema.execute`:
Strawberry's per-request extension machinery cost more than the whole resolver runtime
on a small query (see benchmarks/README.md). Parsing and validation results are cached per
query text in a bounded LRU owned by the executor, as Strawberry's ParserCache and
ValidationCache do, so the cost caps (app/execution/limits.py) are checked once per
distinct query. Documents longer than `inline_chars` are checked in a worker process
(app/execution/validation_worker.py) so that no document holds the event loop for long.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from functools import lru_cache
from types import CoroutineType
from typing import TYPE_CHECKING, Any, Final, TypeGuard

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    Source,
    execute,
    get_operation_ast,
)

from app.execution.budget import RESOLVER_LIMIT_REACHED, ResolverBudget, limit_message
from app.execution.context import RequestContext
from app.execution.errors import INTERNAL_FAILURE, typed_error
from app.execution.limits import DocumentLimits
from app.execution.validation import (
    MAX_TOKENS,
    DocumentCheck,
    Prepared,
    ValidationSettings,
)
from app.execution.validation_worker import (
    VALIDATION_TIMEOUT,
    ValidationTimeout,
    ValidationWorker,
    WorkerFailed,
)

if TYPE_CHECKING:
    from app.definition.model import Exposure, Limits

__all__ = ["MAX_TOKENS", "Executor", "OperationNotAllowed", "Outcome", "Prepared"]

DEFAULT_CACHE_SIZE = 1024
LARGE_CACHE_SIZE = 16
"""Large documents kept parsed; each can take a few MB."""
INLINE_CHARS = 1536
"""Longer documents are validated in the worker process. At 2 KB the costliest shapes
measured took 20-35 ms to parse and validate on the event loop; at 4 KB, up to 340 ms."""
VALIDATION_TIME_LIMIT = 5.0
"""Seconds the worker may spend on one document (the costliest shape within the default
caps takes about 2 s on a loaded 2-core machine)."""


class OperationNotAllowed(Exception):
    """The operation's type is not allowed on this transport (a mutation over GET)."""

    def __init__(self, operation: OperationType) -> None:
        self.operation = operation
        super().__init__(operation.value)


@dataclass(frozen=True, slots=True)
class Outcome:
    """An operation's result, with the document and operation that produced it (for what
    happens after execution, such as publishing a mutation's result)."""

    result: ExecutionResult
    syntax_error: bool = False
    document: DocumentNode | None = None
    operation: OperationDefinitionNode | None = None


_PLAIN_TYPES: Final = frozenset({str, int, float, bool, dict, list, type(None)})
"""What resolvers return most: never awaitable (checked by exact type, one set lookup)."""


def is_awaitable(value: Any) -> TypeGuard[Awaitable[Any]]:
    kind = type(value)
    return kind is CoroutineType or (kind not in _PLAIN_TYPES and inspect.isawaitable(value))


def validation_settings(limits: Limits | None, exposure: Exposure | None) -> ValidationSettings:
    """What documents are checked against, from the API's limits and exposure settings."""
    caps = DocumentLimits()
    if limits is not None:
        caps = DocumentLimits(
            max_depth=limits.max_query_depth,
            max_aliases=limits.max_aliases,
            max_directives_per_location=limits.max_directives_per_location,
            max_fields=limits.max_fields,
        )
    if exposure is None:
        return ValidationSettings(caps)
    return ValidationSettings(
        caps, introspection=exposure.introspection, field_suggestions=exposure.field_suggestions
    )


class Executor:
    """Runs operations against one graphql-core schema.

    `limits` are the API's request limits (the cost caps and the resolver count; none when
    omitted), `exposure` what it shows (introspection, field suggestions).
    """

    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        limits: Limits | None = None,
        exposure: Exposure | None = None,
        cache_size: int = DEFAULT_CACHE_SIZE,
        inline_chars: int = INLINE_CHARS,
        validation_time_limit: float = VALIDATION_TIME_LIMIT,
    ) -> None:
        self.schema = schema
        self._settings = validation_settings(limits, exposure)
        self._check = DocumentCheck(schema, self._settings)
        max_resolvers = limits.max_resolvers_per_request if limits is not None else None
        self._max_resolvers = max_resolvers
        self._inline_chars = inline_chars
        self._time_limit = validation_time_limit
        self._large: OrderedDict[str, Prepared] = OrderedDict()
        self._worker: ValidationWorker | None = None
        self.prepare: Callable[[str], Prepared] = lru_cache(maxsize=cache_size)(self._check.check)
        """Parse and validate on the calling thread (cached): for small documents, and for
        callers that cannot wait. `prepare_document` offloads large ones."""

    async def prepare_document(self, query: str) -> Prepared:
        """The parsed and validated document (or its errors), without blocking the loop."""
        if len(query) <= self._inline_chars:
            return self.prepare(query)
        prepared = self._large.get(query)
        if prepared is not None:
            self._large.move_to_end(query)
            return prepared
        prepared = await self._prepare_large(query)
        self._large[query] = prepared
        if len(self._large) > LARGE_CACHE_SIZE:
            self._large.popitem(last=False)
        return prepared

    async def _prepare_large(self, query: str) -> Prepared:
        if self._worker is None:
            self._worker = ValidationWorker(self.schema, self._settings, self._time_limit)
        try:
            verdict = await self._worker.check(query)
        except ValidationTimeout as exc:
            return Prepared(None, (typed_error(str(exc), VALIDATION_TIMEOUT),))
        except WorkerFailed:
            error = typed_error("The document could not be validated; try again.", INTERNAL_FAILURE)
            return Prepared(None, (error,))
        if verdict.errors:
            source = Source(query)
            errors = tuple(e.rebuild(source, verdict.syntax_error) for e in verdict.errors)
            return Prepared(None, errors, verdict.syntax_error)
        return self._check.parse(query)

    async def close(self) -> None:
        """Stop the validation worker, if one was started."""
        if self._worker is not None:
            await self._worker.close()

    async def execute(
        self,
        query: str,
        *,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: Any,
        allowed: Collection[OperationType],
    ) -> Outcome:
        """Run one operation.

        Raises OperationNotAllowed before executing anything when the operation's type is
        not in `allowed`.
        """
        prepared = await self.prepare_document(query)
        if prepared.document is None:
            return Outcome(ExecutionResult(None, list(prepared.errors)), prepared.syntax_error)
        operation = get_operation_ast(prepared.document, operation_name)
        if operation is not None and operation.operation not in allowed:
            raise OperationNotAllowed(operation.operation)
        budget = None
        if self._max_resolvers is not None and isinstance(context, RequestContext):
            budget = context.resolvers = ResolverBudget(self._max_resolvers)
        result = execute(
            self.schema,
            prepared.document,
            context_value=context,
            variable_values=variables,
            operation_name=operation_name,
            is_awaitable=is_awaitable,
        )
        if is_awaitable(result):
            result = await result
        assert isinstance(result, ExecutionResult)
        if budget is not None and budget.exceeded:
            refused = typed_error(limit_message(budget.limit), RESOLVER_LIMIT_REACHED)
            result = ExecutionResult(None, [refused])
        return Outcome(result, False, prepared.document, operation)
