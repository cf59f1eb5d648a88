"""AppSync's error shape, and the typed errors resolvers raise.

Every entry in `errors[]` carries `path`, `data`, `errorType`, `errorInfo`, `locations`
and `message`. Unexpected exceptions never reach the client: the log gets the traceback
with the request id, the client gets a generic message with the same request id.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError

from app.templates.api import TemplateError

logger = logging.getLogger("strawsync.errors")

INTERNAL_FAILURE = "InternalFailure"
VALIDATION_ERROR = "ValidationError"
INVALID_SYNTAX = "InvalidSyntax"
MALFORMED_REQUEST = "MalformedHttpRequestException"
UNAUTHORIZED = "Unauthorized"
EXECUTION_TIMEOUT = "ExecutionTimeout"
UNSUPPORTED_OPERATION = "UnsupportedOperation"


class FieldError(Exception):
    """A field that failed with an AppSync error (from `$util.error`, a data source, ...)."""

    def __init__(
        self,
        message: str,
        error_type: str | None = None,
        data: Any = None,
        error_info: Any = None,
    ) -> None:
        self.message = message
        self.error_type = error_type
        self.data = data
        self.error_info = error_info
        super().__init__(message)

    @classmethod
    def from_template_error(cls, error: TemplateError) -> FieldError:
        return cls(error.message, error.error_type, error.data, error.error_info)


@dataclass(frozen=True, slots=True)
class LocatedTemplateError:
    """An `$util.appendError` entry, pinned to the field that appended it."""

    error: TemplateError
    path: tuple[str | int, ...]
    locations: tuple[tuple[int, int], ...]


def _locations(pairs: Iterable[tuple[int, int]] | None) -> list[dict[str, Any]] | None:
    if pairs is None:
        return None
    return [{"line": line, "column": column, "sourceName": None} for line, column in pairs]


def _entry(
    message: str,
    error_type: str | None,
    *,
    path: Sequence[str | int] | None = None,
    locations: list[dict[str, Any]] | None = None,
    data: Any = None,
    error_info: Any = None,
) -> dict[str, Any]:
    return {
        "path": list(path) if path is not None else None,
        "data": data,
        "errorType": error_type,
        "errorInfo": error_info,
        "locations": locations,
        "message": message,
    }


def _completion_error(error: BaseException) -> bool:
    """A value that does not fit its field's type (null for a non-null field, a scalar for a
    list): graphql-core raises these as TypeError while completing values. They are the
    resolver's (or the template's) doing and are reported as they are, not as internal."""
    if not isinstance(error, TypeError):
        return False
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    return frame is not None and "graphql" in frame.tb_frame.f_globals.get("__name__", "")


def typed_error(message: str, error_type: str) -> GraphQLError:
    """A request-level GraphQL error with its own `errorType` (a limit, a timeout)."""
    return GraphQLError(message, extensions={"errorType": error_type})


def format_graphql_error(error: GraphQLError, request_id: str) -> dict[str, Any]:
    """One graphql-core error in AppSync's shape; an `errorType` in the error's extensions
    (set by Strawsync for limits and timeouts) is kept."""
    locations = _locations((loc.line, loc.column) for loc in error.locations or ())
    original = error.original_error
    if isinstance(original, FieldError):
        return _entry(
            original.message,
            original.error_type,
            path=error.path,
            locations=locations,
            data=original.data,
            error_info=original.error_info,
        )
    if original is None or isinstance(original, GraphQLError) or _completion_error(original):
        typed = error.extensions.get("errorType") if error.extensions else None
        if isinstance(typed, str):
            error_type: str | None = typed
        elif isinstance(error, GraphQLSyntaxError):
            error_type = INVALID_SYNTAX
        elif error.path is None:
            error_type = VALIDATION_ERROR
        else:
            error_type = None
        return _entry(error.message, error_type, path=error.path, locations=locations)
    logger.error(
        "unexpected error resolving %s (request %s)",
        ".".join(str(p) for p in error.path or ()),
        request_id,
        exc_info=original,
    )
    return _entry(
        f"An internal error occurred. Request id: {request_id}",
        INTERNAL_FAILURE,
        path=error.path,
        locations=locations,
    )


def format_appended_error(error: LocatedTemplateError) -> dict[str, Any]:
    return _entry(
        error.error.message,
        error.error.error_type,
        path=error.path,
        locations=_locations(error.locations),
        data=error.error.data,
        error_info=error.error.error_info,
    )


def request_error(message: str, error_type: str) -> dict[str, Any]:
    """A request-level error (bad body, bad auth): only `errorType` and `message`."""
    return {"errorType": error_type, "message": message}
