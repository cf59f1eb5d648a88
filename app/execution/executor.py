"""Parse, validate and execute GraphQL operations with graphql-core, caching the first two.

The HTTP transport runs operations here rather than through `strawberry.Schema.execute`:
Strawberry's per-request extension machinery cost more than the whole resolver runtime
on a small query (see benchmarks/README.md). Parsing and validation results are cached per
query text in a bounded LRU owned by the executor, as Strawberry's ParserCache and
ValidationCache do.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import CoroutineType
from typing import Any, TypeGuard

from graphql import (
    ASTValidationRule,
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    specified_rules,
    validate,
)

DEFAULT_CACHE_SIZE = 1024
MAX_TOKENS = 15_000  # AppSync's query length limit, in tokens


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


@dataclass(frozen=True, slots=True)
class Prepared:
    """A parsed and validated document, or the errors that stopped it."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    syntax_error: bool = False


def is_awaitable(value: Any) -> TypeGuard[Awaitable[Any]]:
    return type(value) is CoroutineType or (
        not isinstance(value, str | int | float | bool | dict | list | type(None))
        and inspect.isawaitable(value)
    )


class Executor:
    """Runs operations against one graphql-core schema."""

    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        rules: Sequence[type[ASTValidationRule]] = specified_rules,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self.schema = schema
        self._rules = tuple(rules)
        self.prepare: Callable[[str], Prepared] = lru_cache(maxsize=cache_size)(self._prepare)

    def _prepare(self, query: str) -> Prepared:
        try:
            document = parse(query, max_tokens=MAX_TOKENS)
        except GraphQLError as error:
            return Prepared(None, (error,), syntax_error=True)
        errors = validate(self.schema, document, self._rules)
        if errors:
            return Prepared(None, tuple(errors))
        return Prepared(document, ())

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
        prepared = self.prepare(query)
        if prepared.document is None:
            return Outcome(ExecutionResult(None, list(prepared.errors)), prepared.syntax_error)
        operation = get_operation_ast(prepared.document, operation_name)
        if operation is not None and operation.operation not in allowed:
            raise OperationNotAllowed(operation.operation)
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
        return Outcome(result, False, prepared.document, operation)
