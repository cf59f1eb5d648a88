"""`$ctx` (alias `$context`) and the other top-level template variables.

One function builds `$ctx` for the resolver runtime and for `eval-template`, so a template sees
the same shapes in both. Shapes follow AppSync's resolver context reference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.templates.api import TemplateNamespace


def build_context(
    *,
    arguments: dict[str, Any] | None = None,
    source: Any = None,
    identity: Any = None,
    request: Mapping[str, Any] | None = None,
    info: Mapping[str, Any] | None = None,
    stash: dict[str, Any] | None = None,
    prev_result: Any = None,
    result: Any = None,
    error: Mapping[str, Any] | None = None,
    with_prev: bool = False,
) -> dict[str, Any]:
    """The `$ctx` map. `arguments` and `args` are the same dict, as on AppSync.

    `prev` is present only inside pipelines (`with_prev`); `error` only when a data source
    call failed; `result` only in response templates (None elsewhere).
    """
    args = arguments if arguments is not None else {}
    ctx: dict[str, Any] = {
        "arguments": args,
        "args": args,
        "source": source,
        "result": result,
        "identity": identity,
        "request": dict(request) if request is not None else {"headers": {}, "domainName": None},
        "info": dict(info) if info is not None else {},
        "stash": stash if stash is not None else {},
    }
    if with_prev:
        ctx["prev"] = {"result": prev_result}
    if error is not None:
        ctx["error"] = dict(error)
    return ctx


def template_variables(
    ctx: dict[str, Any], util: TemplateNamespace, extensions: TemplateNamespace | None
) -> dict[str, Any]:
    """Top-level names a template can reference: `$ctx`, `$context`, `$util`, `$utils`, ..."""
    variables: dict[str, Any] = {"ctx": ctx, "context": ctx, "util": util, "utils": util}
    if extensions is not None:
        variables["extensions"] = extensions
    return variables
