"""Render one mapping template for a field, turning template outcomes into typed errors."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLResolveInfo

from app.definition.model import MappingTemplate
from app.execution.context import RequestContext
from app.execution.errors import UNAUTHORIZED, FieldError, LocatedTemplateError
from app.templates.api import (
    RenderResult,
    RenderScope,
    TemplateErrorRaised,
    TemplateRuntimeError,
    UnauthorizedRaised,
)
from app.templates.context import template_variables
from app.templates.json_output import parse_template_output
from app.templates.util import build_extensions, build_util

logger = logging.getLogger("strawsync.templates")
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "error": logging.ERROR}


@dataclass(slots=True)
class FieldSite:
    """The field a resolver runs for: names for messages, path and locations for errors.

    Built once per field resolution (a hot path): the path and locations are derived from
    `info` only when an error needs them.
    """

    type_name: str
    field_name: str
    request_id: str
    auth_type: str | None
    info: GraphQLResolveInfo[Any]

    def log(self, level: str, message: str) -> None:
        """`$util.log.*` from this field's templates, tagged with the request id."""
        logger.log(
            _LEVELS.get(level.lower(), logging.INFO),
            "[%s] %s.%s: %s",
            self.request_id,
            self.type_name,
            self.field_name,
            message,
        )

    @property
    def path(self) -> tuple[str | int, ...]:
        return tuple(self.info.path.as_list())

    def locations(self) -> tuple[tuple[int, int], ...]:
        """Where the field appears in the query; computed only when an error needs it."""
        out = []
        for node in self.info.field_nodes:
            if node.loc is not None:
                location = node.loc.source.get_location(node.loc.start)
                out.append((location.line, location.column))
        return tuple(out)

    def unauthorized(self) -> FieldError:
        return FieldError(
            f"Not Authorized to access {self.field_name} on type {self.type_name}", UNAUTHORIZED
        )


def render(
    template: MappingTemplate,
    ctx: dict[str, Any],
    site: FieldSite,
    kind: str,
    request: RequestContext,
) -> RenderResult:
    """Render `template` with `$ctx` for `request`.

    `$util.appendError` entries go to the request's appended errors and, when the render
    succeeds, `$extensions` calls to its extension calls (for the real-time layer).
    Raises FieldError for `$util.error`, `$util.unauthorized` and template failures.
    """
    scope = RenderScope(auth_type=site.auth_type, log=site.log, template_kind=kind)
    extensions = build_extensions(scope) if template.uses_extensions else None
    variables = template_variables(ctx, build_util(scope), extensions)
    try:
        result = template.template.render(variables, scope)
        if scope.extension_calls:
            request.extension_calls.extend(scope.extension_calls)
        return result
    except TemplateErrorRaised as raised:
        raise FieldError.from_template_error(raised.error) from None
    except UnauthorizedRaised:
        raise site.unauthorized() from None
    except TemplateRuntimeError as exc:
        logger.warning("[%s] %s: %s", site.request_id, exc.location or template.path, exc.message)
        raise FieldError(exc.message, exc.error_type) from None
    finally:
        if scope.appended_errors:
            path, locations = site.path, site.locations()
            request.appended_errors.extend(
                LocatedTemplateError(error, path, locations) for error in scope.appended_errors
            )


def output_value(result: RenderResult, template: MappingTemplate, site: FieldSite) -> Any:
    """The JSON value a template produced (`#return(x)` gives x directly)."""
    if result.returned:
        return result.return_value
    try:
        return parse_template_output(result.output, template.path)
    except TemplateRuntimeError as exc:
        logger.warning("[%s] %s: %s", site.request_id, template.path, exc.message)
        raise FieldError(exc.message, exc.error_type) from None
