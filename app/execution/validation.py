"""Parse and validate one document: the token limit, the cost caps, then graphql-core's rules.

The same `DocumentCheck` runs in the server process for small documents and in the
validation worker for large ones (app/execution/validation_worker.py), so both paths answer
alike. graphql-core only runs on documents within the caps (app/execution/limits.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    parse,
    specified_rules,
    validate,
)
from graphql.validation.validate import ValidationAbortedError

from app.execution.limits import DocumentLimits, check_limits
from app.execution.rules.no_introspection import NoIntrospectionRule

MAX_TOKENS = 15_000  # AppSync's query length limit, in tokens


@dataclass(frozen=True, slots=True)
class ValidationSettings:
    """What a document is checked against besides the schema (picklable: the worker gets it)."""

    limits: DocumentLimits = field(default_factory=DocumentLimits)
    introspection: bool = True
    field_suggestions: bool = True


@dataclass(frozen=True, slots=True)
class Prepared:
    """A parsed and validated document, or the errors that stopped it."""

    document: DocumentNode | None
    errors: tuple[GraphQLError, ...]
    syntax_error: bool = False


class DocumentCheck:
    """Parses and validates documents against one schema."""

    def __init__(
        self,
        schema: GraphQLSchema,
        settings: ValidationSettings,
        rules: Sequence[type[ASTValidationRule]] = specified_rules,
    ) -> None:
        self.schema = schema
        self.settings = settings
        extra = () if settings.introspection else (NoIntrospectionRule,)
        self._rules: tuple[type[ASTValidationRule], ...] = (*extra, *rules)

    def parse(self, query: str) -> Prepared:
        try:
            return Prepared(parse(query, max_tokens=MAX_TOKENS), ())
        except GraphQLError as error:
            return Prepared(None, (error,), syntax_error=True)

    def validate(self, document: DocumentNode) -> tuple[GraphQLError, ...]:
        """The cap errors if any (graphql-core then never runs), else graphql-core's."""
        refused = check_limits(document, self.settings.limits)
        if refused:
            return tuple(refused)
        errors = validate(
            self.schema, document, self._rules, hide_suggestions=not self.settings.field_suggestions
        )
        return tuple(_explained(error) for error in errors)

    def check(self, query: str) -> Prepared:
        """Parse, then validate (what the executor caches per query text)."""
        parsed = self.parse(query)
        if parsed.document is None:
            return parsed
        errors = self.validate(parsed.document)
        if errors:
            return Prepared(None, errors)
        return parsed


def _explained(error: GraphQLError) -> GraphQLError:
    """graphql-core stops validating a document whose overlapping-fields check runs out of
    its complexity budget with a bare "Validation aborted."; say why."""
    if isinstance(error, ValidationAbortedError) and error.message == "Validation aborted.":
        return GraphQLError(
            "Validation aborted: the document is too complex to validate (too many fields"
            " share a response name); simplify it."
        )
    return error
