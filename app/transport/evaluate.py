"""`POST /_strawsync/evaluate`: AppSync's EvaluateMappingTemplate, for tooling.

Served only when the project sets `evaluateEndpoint: true`. The body is
`{"template": "...", "context": {...} | "<JSON text>", "authType": "...", "kind": "request"}`;
the answer is `{"evaluationResult", "error", "logs", "appendedErrors"}`.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.execution.errors import MALFORMED_REQUEST, request_error
from app.templates.evaluate import evaluate_template, evaluation_response
from app.transport.http import json_response

TEMPLATE_KINDS = frozenset({"request", "response"})


class _Rejected(Exception):
    pass


def _read(body: bytes) -> tuple[str, Any, str | None, str]:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _Rejected("The request body must be JSON.") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("template"), str):
        raise _Rejected("'template' (a string) is required.")
    context = payload.get("context", {})
    if isinstance(context, str):
        try:
            context = orjson.loads(context) if context.strip() else {}
        except orjson.JSONDecodeError:
            raise _Rejected("'context' is not valid JSON.") from None
    auth_type = payload.get("authType")
    if auth_type is not None and not isinstance(auth_type, str):
        raise _Rejected("'authType' must be a string.")
    kind = payload.get("kind", "request")
    if kind not in TEMPLATE_KINDS:
        raise _Rejected("'kind' must be 'request' or 'response'.")
    return payload["template"], context, auth_type, kind


async def evaluate_endpoint(request: Request) -> Response:
    request_id = str(uuid.uuid4())
    try:
        template, context, auth_type, kind = _read(await request.body())
        # Rendering is CPU-bound and bounded by AppSync's limits; keep it off the event loop.
        evaluation = await asyncio.to_thread(
            evaluate_template, template, context, auth_type=auth_type, template_kind=kind
        )
    except (_Rejected, ValueError) as exc:
        payload = {"errors": [request_error(str(exc), MALFORMED_REQUEST)]}
        return json_response(payload, 400, request_id)
    return json_response(evaluation_response(evaluation), 200, request_id)
