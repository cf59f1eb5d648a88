"""AppSync's Lambda request document, read strictly.

`{"version", "operation": "Invoke"|"BatchInvoke", "payload"?, "invocationType"?:
"RequestResponse"|"Event"}`: the JSON schema in AppSync's Lambda mapping template reference
requires `version` and `operation` and allows no other field. A malformed document is a
`MappingTemplate` error (the response template does not run).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from app.datasources.base import InvalidRequestError, request_operation
from app.functions.base import InvocationType

FIELDS: Final = frozenset({"version", "operation", "payload", "invocationType"})


class Operation(StrEnum):
    INVOKE = "Invoke"
    BATCH_INVOKE = "BatchInvoke"


@dataclass(frozen=True, slots=True)
class LambdaRequest:
    operation: Operation
    payload: Any
    """The function's event (a batch sends the list of its items' payloads)."""
    invocation_type: InvocationType


def parse_request(document: Any) -> LambdaRequest:
    """The request, or InvalidRequestError saying what is wrong, in AppSync's words."""
    operation = request_operation(document, FIELDS, tuple(Operation), "Lambda")
    invocation_type = document.get("invocationType", InvocationType.REQUEST_RESPONSE.value)
    if invocation_type not in tuple(InvocationType):
        raise InvalidRequestError(
            f"Invalid value '{invocation_type}' for field '$[invocationType]'; "
            "expected one of RequestResponse, Event."
        )
    return LambdaRequest(
        Operation(operation), document.get("payload"), InvocationType(invocation_type)
    )
