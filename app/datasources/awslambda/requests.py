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

from app.datasources.base import InvalidRequestError
from app.definition.model import TEMPLATE_VERSIONS
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
    if not isinstance(document, dict):
        raise InvalidRequestError("Unable to convert request template to Object.")
    unknown = sorted(set(document) - FIELDS)
    if unknown:
        names = ", ".join(f"'$[{name}]'" for name in unknown)
        raise InvalidRequestError(f"Unknown field(s) {names} in the Lambda request.")
    version = document.get("version")
    if version is None:
        raise InvalidRequestError("Value for field '$[version]' not found.")
    if version not in TEMPLATE_VERSIONS:
        raise InvalidRequestError(f"Unsupported version '{version}'.")
    operation = document.get("operation")
    if operation is None:
        raise InvalidRequestError("Value for field '$[operation]' not found.")
    if operation not in tuple(Operation):
        raise InvalidRequestError(
            f"Unsupported operation '{operation}'; expected one of Invoke, BatchInvoke."
        )
    invocation_type = document.get("invocationType", InvocationType.REQUEST_RESPONSE.value)
    if invocation_type not in tuple(InvocationType):
        raise InvalidRequestError(
            f"Invalid value '{invocation_type}' for field '$[invocationType]'; "
            "expected one of RequestResponse, Event."
        )
    return LambdaRequest(
        Operation(operation), document.get("payload"), InvocationType(invocation_type)
    )
