"""`$util.http`: copying request headers and adding custom headers to the HTTP response.

Response headers are recorded on the render scope as `ExtensionCall("addResponseHeader",
(name, value))` entries, in call order; the runtime applies them (the last value for a name
wins) and enforces the 4 KB total across the whole request. A header AppSync refuses is
ignored and reported as a `ResponseHeaderError` in the response's `errors`.
"""

from __future__ import annotations

import re
from typing import Any

from app.templates.api import ExtensionCall, RenderScope, TemplateError, TemplateNamespace
from app.templates.java.lang import to_string
from app.templates.util._args import map_arg

ADD_RESPONSE_HEADER = "addResponseHeader"
RESPONSE_HEADER_ERROR = "ResponseHeaderError"
MAX_RESPONSE_HEADER_BYTES = 4096

# Hop-by-hop and framing headers: never copied, never settable.
_UNCOPIED = frozenset(
    {
        "transfer-encoding",
        "connection",
        "host",
        "expect",
        "keep-alive",
        "upgrade",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "content-length",
    }
)
_RESERVED = _UNCOPIED | {
    "access-control-allow-credentials",
    "access-control-allow-origin",
    "access-control-expose-headers",
    "access-control-max-age",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "vary",
    "content-type",
}
_RESERVED_PREFIXES = ("x-amzn-", "x-amz-")
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class HttpNamespace(TemplateNamespace):
    """`$util.http`, bound to one render's scope."""

    __slots__ = ("_scope",)

    def __init__(self, scope: RenderScope) -> None:
        self._scope = scope

    def copyHeaders(self, headers: object) -> dict[str, Any]:
        """A copy of `headers` without the hop-by-hop ones (`host`, `content-length`, ...)."""
        source = map_arg("$util.http.copyHeaders", headers)
        return {name: value for name, value in source.items() if name.lower() not in _UNCOPIED}

    def addResponseHeader(self, name: object, value: object) -> str:
        """Add one custom header to the HTTP response."""
        problem = _problem(name, value)
        if problem is None:
            header_value = value if isinstance(value, str) else to_string(value)
            assert isinstance(name, str)
            if _total_bytes(self._scope, name, header_value) > MAX_RESPONSE_HEADER_BYTES:
                problem = (
                    f"Response header '{name}' not added: custom response headers are limited "
                    f"to {MAX_RESPONSE_HEADER_BYTES} bytes"
                )
            else:
                self._scope.extension_calls.append(
                    ExtensionCall(ADD_RESPONSE_HEADER, (name, header_value))
                )
                return ""
        self._scope.appended_errors.append(TemplateError(problem, RESPONSE_HEADER_ERROR))
        return ""

    def addResponseHeaders(self, headers: object) -> str:
        """Add every entry of `headers` as a custom response header."""
        for name, value in map_arg("$util.http.addResponseHeaders", headers).items():
            self.addResponseHeader(name, value)
        return ""


def _problem(name: object, value: object) -> str | None:
    if not isinstance(name, str) or not name:
        return "Response header name must be a non-empty string"
    if _TOKEN.fullmatch(name) is None:
        return f"Invalid response header name '{name}'"
    lowered = name.lower()
    if lowered in _RESERVED or lowered.startswith(_RESERVED_PREFIXES):
        return f"Response header '{name}' cannot be set"
    if value is None:
        return f"Response header '{name}' must have a non-null value"
    return None


def _total_bytes(scope: RenderScope, name: str, value: str) -> int:
    """Size of this render's custom headers if `name: value` were added (last value wins)."""
    headers: dict[str, str] = {}
    for call in scope.extension_calls:
        if call.name == ADD_RESPONSE_HEADER:
            headers[call.arguments[0].lower()] = call.arguments[0] + call.arguments[1]
    headers[name.lower()] = name + value
    return sum(len(text.encode("utf-8")) for text in headers.values())
