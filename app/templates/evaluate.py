"""Evaluate one mapping template against a context, as AppSync's EvaluateMappingTemplate does.

This is the glue the template corpus, `strawsync eval-template` and the
`POST /_strawsync/evaluate` endpoint share: it takes the template source and AppSync's
EvaluateMappingTemplate context JSON (`arguments`, `source`, `result`, `identity`, `stash`,
`prev`, `info`, `request`, `error`), renders the template once and reports what happened as
a value: the rendered text, a `#return` value, the error that stopped the template, the
errors appended along the way, log lines and `$extensions` calls.

It never raises for anything a template does; only a malformed *context* (not a mapping,
unknown keys) raises `ValueError`, because that is the caller's mistake.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.templates.api import (
    MAPPING_TEMPLATE,
    ExtensionCall,
    RenderScope,
    TemplateError,
    TemplateErrorRaised,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UnauthorizedRaised,
)
from app.templates.context import build_context, template_variables
from app.templates.util import build_extensions, build_util
from app.templates.util.json_java import to_json
from app.templates.vtl import VtlEngine

CONTEXT_KEYS = frozenset(
    {"arguments", "source", "result", "identity", "stash", "prev", "info", "request", "error"}
)
UNAUTHORIZED = "Unauthorized"


@dataclass(frozen=True)
class EvaluationError:
    """An error as AppSync reports it: `message`, `errorType`, `data`, `errorInfo`."""

    message: str
    error_type: str | None
    data: Any = None
    error_info: Any = None


@dataclass(frozen=True)
class Evaluation:
    """The outcome of one evaluation.

    `evaluated` is the rendered text; it is None when the template failed or used
    `#return`, in which case `returned` is true and `return_value` holds the value (None for
    a bare `#return`).
    """

    evaluated: str | None
    returned: bool
    return_value: Any
    error: EvaluationError | None
    appended_errors: tuple[EvaluationError, ...]
    logs: tuple[str, ...]
    extension_calls: tuple[ExtensionCall, ...]


def evaluate_template(
    source: str,
    context: Mapping[str, Any],
    *,
    source_name: str = "template.vtl",
    auth_type: str | None = None,
    template_kind: str = "request",
) -> Evaluation:
    """Compile `source` and render it once with `$ctx` built from `context`.

    `auth_type` is the request's auth mode (`API_KEY`, `AWS_IAM`, ...) for
    `$util.authType()`; `template_kind` (`request` or `response`) matters to the
    `$extensions` calls that AppSync allows in response templates only.
    """
    ctx = context_from_json(context)
    logs: list[str] = []
    scope = RenderScope(
        auth_type=auth_type,
        log=lambda _level, message: logs.append(message),
        template_kind=template_kind,
    )

    def outcome(
        evaluated: str | None = None,
        *,
        returned: bool = False,
        return_value: Any = None,
        error: EvaluationError | None = None,
    ) -> Evaluation:
        return Evaluation(
            evaluated=evaluated,
            returned=returned,
            return_value=return_value,
            error=error,
            appended_errors=tuple(_from_template_error(e) for e in scope.appended_errors),
            logs=tuple(logs),
            extension_calls=tuple(scope.extension_calls),
        )

    try:
        template = VtlEngine().compile(source, source_name)
        variables = template_variables(ctx, build_util(scope), build_extensions(scope))
        result = template.render(variables, scope)
    except TemplateSyntaxError as exc:
        return outcome(error=EvaluationError(exc.message, MAPPING_TEMPLATE))
    except TemplateErrorRaised as exc:
        return outcome(error=_from_template_error(exc.error))
    except UnauthorizedRaised:
        return outcome(error=EvaluationError(_unauthorized_message(ctx), UNAUTHORIZED))
    except TemplateRuntimeError as exc:
        return outcome(error=EvaluationError(exc.message, exc.error_type))
    if result.returned:
        return outcome(returned=True, return_value=result.return_value)
    return outcome(result.output)


def context_from_json(context: Mapping[str, Any]) -> dict[str, Any]:
    """`$ctx` from EvaluateMappingTemplate's context JSON; the caller's data is not mutated."""
    if not isinstance(context, Mapping):
        raise ValueError("The context must be a JSON object.")
    unknown = sorted(set(context) - CONTEXT_KEYS)
    if unknown:
        allowed = ", ".join(sorted(CONTEXT_KEYS))
        raise ValueError(f"Unknown context keys: {', '.join(unknown)} (allowed: {allowed}).")
    data = copy.deepcopy(dict(context))
    prev = data.get("prev")
    if prev is not None and not isinstance(prev, Mapping):
        raise ValueError("The context's 'prev' must be an object like {\"result\": ...}.")
    return build_context(
        arguments=data.get("arguments"),
        source=data.get("source"),
        identity=data.get("identity"),
        request=data.get("request"),
        info=data.get("info"),
        stash=data.get("stash"),
        prev_result=prev.get("result") if prev is not None else None,
        result=data.get("result"),
        error=data.get("error"),
        with_prev=prev is not None,
    )


def _from_template_error(error: TemplateError) -> EvaluationError:
    return EvaluationError(error.message, error.error_type, error.data, error.error_info)


def _unauthorized_message(ctx: Mapping[str, Any]) -> str:
    """AppSync's text for `$util.unauthorized()`: `Not Authorized to access f on type T`."""
    info = ctx.get("info") or {}
    field_name = info.get("fieldName")
    type_name = info.get("parentTypeName")
    return f"Not Authorized to access {_java(field_name)} on type {_java(type_name)}"


def _java(value: Any) -> str:
    return "null" if value is None else str(value)


def _error_document(error: EvaluationError) -> dict[str, Any]:
    return {
        "message": error.message,
        "errorType": error.error_type,
        "data": error.data,
        "errorInfo": error.error_info,
    }


def evaluation_response(evaluation: Evaluation) -> dict[str, Any]:
    """The evaluation as AppSync's EvaluateMappingTemplate answers it.

    `evaluationResult` is the rendered text (for `#return(x)`, `x` as JSON); `error` the error
    that stopped the template; `logs` the `$util.log` lines. `appendedErrors` is Strawsync's
    addition, for tooling that wants to see `$util.appendError` entries.
    """
    result = evaluation.evaluated
    if evaluation.returned:
        result = to_json(evaluation.return_value)
    return {
        "evaluationResult": result,
        "error": _error_document(evaluation.error) if evaluation.error else None,
        "logs": list(evaluation.logs),
        "appendedErrors": [_error_document(error) for error in evaluation.appended_errors],
    }
