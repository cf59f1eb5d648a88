"""Direct Lambda resolvers: AppSync's implied logic where an AWS_LAMBDA resolver or function
has no mapping template.

- No request template: the function is invoked with the whole Context object as its event
  (`arguments`, `identity`, `source`, `request`, `info`, `prev`, `stash`: the shape of
  Amplify's `AppSyncResolverEvent`), as `Invoke`, or as `BatchInvoke` of such objects when the
  resolver's `maxBatchSize` is above 0.
- No response template: as if it were `#if($ctx.error) $util.error($ctx.error.message,
  $ctx.error.type, $ctx.result) #end $util.toJson($ctx.result)` (a 2018-05-29 request template
  or none), `$util.toJson($ctx.result)` (a 2017-02-28 one), and for a batched direct resolver
  each item's `{data, errorMessage, errorType}` raised with `$util.error` or returned as `data`.
- A direct invocation's error carries the function's own `errorType` (the exception's class
  name in Python, the error's `name` in Node.js) and message; `UnauthorizedException` gets
  AppSync's fixed message. Through a request template it stays `Lambda:Unhandled`.
"""

from __future__ import annotations

from typing import Any, Final

from app.datasources.base import DataSourceError
from app.definition.model import VERSION_2017, VERSION_2018
from app.execution.errors import FieldError

INVOKE: Final = "Invoke"
BATCH_INVOKE: Final = "BatchInvoke"
UNAUTHORIZED_EXCEPTION: Final = "UnauthorizedException"
UNAUTHORIZED_MESSAGE: Final = "You are not authorized to make this call."
_EVENT_KEYS: Final = ("arguments", "identity", "source", "request", "info", "prev", "stash")


def context_event(ctx: dict[str, Any]) -> dict[str, Any]:
    """The event a direct resolver sends: `$ctx` without `args` (an alias), `result` and
    `error`; `prev` is null outside pipelines."""
    return {key: ctx.get(key) for key in _EVENT_KEYS}


def implied_request(ctx: dict[str, Any], *, batched: bool) -> dict[str, Any]:
    """The request document AppSync implies when there is no request template."""
    return {
        "version": VERSION_2018,
        "operation": BATCH_INVOKE if batched else INVOKE,
        "payload": context_event(ctx),
    }


def function_error(error: DataSourceError) -> DataSourceError:
    """The error a direct invocation reports: the function's own `errorType` and message.

    The Lambda data source keeps the function's error document on the error it raises
    (`function_error_type`, `function_error_message`); errors Lambda itself reported
    (throttling, an unknown function) keep their type.
    """
    error_type = getattr(error, "function_error_type", None)
    if not isinstance(error_type, str) or not error_type:
        return error
    message = getattr(error, "function_error_message", None)
    if error_type == UNAUTHORIZED_EXCEPTION:
        message = UNAUTHORIZED_MESSAGE
    elif not isinstance(message, str):
        message = error.message
    return DataSourceError(message, error_type, error.data)


def implied_response(ctx: dict[str, Any], *, version: str, batched: bool) -> Any:
    """The value the implied response template gives (raises FieldError where it would call
    `$util.error`). 2017-02-28 returns `$ctx.result` and leaves the error to its caller."""
    result = ctx.get("result")
    if version == VERSION_2017:
        return result
    error = ctx.get("error")
    if error is not None:
        raise FieldError(error["message"], error["type"], data=result)
    if not batched:
        return result
    if not isinstance(result, dict):
        return None
    message = result.get("errorMessage")
    if message:
        error_type = result.get("errorType")
        raise FieldError(
            str(message),
            error_type if isinstance(error_type, str) else None,
            data=result.get("data"),
        )
    return result.get("data")
