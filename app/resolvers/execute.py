"""Unit and pipeline resolver execution with AppSync's version semantics.

2017-02-28: a null data source result skips the response template (field null); on a data
source error the response template still runs and its output becomes the error's `data`.
2018-05-29 (and every pipeline function): the response template always runs and decides
what to do with `$ctx.error`. A missing template (direct Lambda) runs AppSync's implied logic
(`app.resolvers.direct`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.datasources.base import DataSource, DataSourceError, InvalidRequestError, Invocation
from app.definition.model import (
    VERSION_2017,
    VERSION_2018,
    FunctionDef,
    MappingTemplate,
    ResolverDef,
)
from app.execution.context import RequestContext
from app.execution.errors import FieldError
from app.resolvers.direct import function_error, implied_request, implied_response
from app.resolvers.dispatch import invoke
from app.resolvers.rendering import FieldSite, output_value, render
from app.templates.api import MAPPING_TEMPLATE
from app.templates.context import build_context


@dataclass(slots=True)
class FieldCall:
    """One resolution of a field: its inputs and the request it belongs to."""

    site: FieldSite
    arguments: dict[str, Any]
    source: Any
    info: dict[str, Any]
    request: RequestContext


@dataclass(slots=True)
class _Outcome:
    result: Any
    error: DataSourceError | None
    version: str


async def _call_data_source(
    call: FieldCall,
    data_source: DataSource,
    request_doc: Any,
    resolver_key: tuple[str, str],
    max_batch_size: int,
    *,
    direct: bool,
    forced_version: str | None = None,
) -> _Outcome:
    declared = request_doc.get("version") if isinstance(request_doc, dict) else None
    version = forced_version or (declared if isinstance(declared, str) else VERSION_2018)
    invocation = Invocation(
        request=request_doc,
        version=version,
        type_name=call.site.type_name,
        field_name=call.site.field_name,
        arguments=call.arguments,
        source=call.source,
        identity=call.request.identity,
        request_id=call.request.request_id,
    )
    try:
        result = await invoke(data_source, invocation, call.request, resolver_key, max_batch_size)
    except InvalidRequestError as exc:
        raise FieldError(exc.message, MAPPING_TEMPLATE) from None
    except DataSourceError as exc:
        return _Outcome(None, function_error(exc) if direct else exc, version)
    return _Outcome(result, None, version)


def _set_outcome(ctx: dict[str, Any], outcome: _Outcome) -> None:
    """`$ctx.result` and `$ctx.error`. A failed call may still carry a result, as AppSync
    gives one: the current item after a failed condition, a batch's processed part, a
    transaction's `cancellationReasons`."""
    if outcome.error is not None:
        ctx["result"] = outcome.error.data
        ctx["error"] = {"message": outcome.error.message, "type": outcome.error.error_type}
    else:
        ctx["result"] = outcome.result
        ctx.pop("error", None)


def _render_value(
    template: MappingTemplate, ctx: dict[str, Any], call: FieldCall, kind: str
) -> tuple[bool, Any]:
    """Render and parse; returns (returned_early, value)."""
    result = render(template, ctx, call.site, kind, call.request)
    return result.returned, output_value(result, template, call.site)


def _new_context(call: FieldCall, *, pipeline: bool) -> dict[str, Any]:
    return build_context(
        arguments=call.arguments,
        source=call.source,
        identity=call.request.identity,
        request=call.request.request_info,
        info=call.info,
        stash={},
        with_prev=pipeline,
    )


async def run_unit(resolver: ResolverDef, data_source: DataSource, call: FieldCall) -> Any:
    """Request template → data source → response template, as AppSync runs a unit resolver."""
    ctx = _new_context(call, pipeline=False)
    direct = resolver.request is None
    batched = resolver.max_batch_size > 0
    if resolver.request is None:
        request_doc: Any = implied_request(ctx, batched=batched)
    else:
        returned, request_doc = _render_value(resolver.request, ctx, call, "request")
        if returned:
            return request_doc
    outcome = await _call_data_source(
        call, data_source, request_doc, resolver.key, resolver.max_batch_size, direct=direct
    )
    if outcome.version == VERSION_2017 and outcome.error is None and outcome.result is None:
        return None
    _set_outcome(ctx, outcome)
    if resolver.response is None:
        value = implied_response(ctx, version=outcome.version, batched=direct and batched)
    else:
        _, value = _render_value(resolver.response, ctx, call, "response")
    if outcome.version == VERSION_2017 and outcome.error is not None:
        raise FieldError(outcome.error.message, outcome.error.error_type, data=value)
    return value


async def _run_function(
    function: FunctionDef, data_source: DataSource, ctx: dict[str, Any], call: FieldCall
) -> Any:
    ctx["result"] = None
    ctx.pop("error", None)
    if function.request is None:
        request_doc: Any = implied_request(ctx, batched=False)
    else:
        returned, request_doc = _render_value(function.request, ctx, call, "request")
        if returned:
            return request_doc
    outcome = await _call_data_source(
        call,
        data_source,
        request_doc,
        (function.name, ""),
        0,
        direct=function.request is None,
        forced_version=VERSION_2018,
    )
    _set_outcome(ctx, outcome)
    if function.response is None:
        return implied_response(ctx, version=VERSION_2018, batched=False)
    _, value = _render_value(function.response, ctx, call, "response")
    return value


async def run_pipeline(
    resolver: ResolverDef,
    functions: Mapping[str, tuple[FunctionDef, DataSource]],
    call: FieldCall,
) -> Any:
    """Before template → each function in order → After template, sharing one stash.

    `#return(x)` in the Before or After template ends the resolver; in a function it ends
    only that function. `$util.error` anywhere aborts the pipeline (raised as FieldError).
    """
    ctx = _new_context(call, pipeline=True)
    # The loader always gives a pipeline its Before and After templates (defaults included).
    assert resolver.request is not None and resolver.response is not None
    returned, previous = _render_value(resolver.request, ctx, call, "request")
    if returned:
        return previous
    for name in resolver.functions:
        function, data_source = functions[name]
        ctx["prev"] = {"result": previous}
        previous = await _run_function(function, data_source, ctx, call)
    ctx["prev"] = {"result": previous}
    ctx["result"] = previous
    ctx.pop("error", None)
    _, value = _render_value(resolver.response, ctx, call, "response")
    return value
