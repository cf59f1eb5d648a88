"""AppSync's OpenSearch request document, read strictly.

```json
{"version": "2017-02-28", "operation": "GET|POST|PUT|HEAD|DELETE", "path": "/post/_search",
 "params": {"headers": {"Content-Type": "application/json"}, "queryString": {"pretty": "true"},
            "body": {"query": {"match_all": {}}}}}
```

`path` is appended to the cluster's endpoint and must start with "/". Header values are
strings; only JSON may be sent, so a `Content-Type` other than `application/json` is refused.
A malformed document is a `MappingTemplate` error (the response template does not run).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from app.datasources.base import InvalidRequestError, request_operation

FIELDS: Final = frozenset({"version", "operation", "path", "params"})
PARAMS: Final = frozenset({"headers", "queryString", "body"})
RESERVED_HEADERS: Final = frozenset(
    {"host", "authorization", "content-length", "transfer-encoding", "connection"}
)
"""Headers the data source sets itself (a template could otherwise break signing)."""


class Operation(StrEnum):
    GET = "GET"
    POST = "POST"
    PUT = "PUT"
    HEAD = "HEAD"
    DELETE = "DELETE"


@dataclass(frozen=True, slots=True)
class SearchRequest:
    operation: Operation
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: Any = None


def parse_request(document: Any) -> SearchRequest:
    """The request, or InvalidRequestError saying what is wrong, in AppSync's words."""
    operation = request_operation(document, FIELDS, tuple(Operation), "OpenSearch")
    path = document.get("path")
    if path is None:
        raise InvalidRequestError("Value for field '$[path]' not found.")
    if not isinstance(path, str):
        raise InvalidRequestError("Expected a string for field '$[path]'.")
    if not path.startswith("/"):
        raise InvalidRequestError(f"Invalid path '{path}': the path must start with '/'.")
    params = document.get("params")
    if params is None:
        return SearchRequest(Operation(operation), path)
    if not isinstance(params, dict):
        raise InvalidRequestError("Expected an object for field '$[params]'.")
    unknown = sorted(set(params) - PARAMS)
    if unknown:
        names = ", ".join(f"'$[params][{name}]'" for name in unknown)
        raise InvalidRequestError(f"Unknown field(s) {names} in the OpenSearch request.")
    return SearchRequest(
        Operation(operation),
        path,
        _headers(params.get("headers")),
        _query(params.get("queryString")),
        params.get("body"),
    )


def _headers(value: Any) -> dict[str, str]:
    where = "$[params][headers]"
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidRequestError(f"Expected an object for field '{where}'.")
    headers: dict[str, str] = {}
    for name, header in value.items():
        if not isinstance(header, str):
            raise InvalidRequestError(f"Expected a string for field '{where}[{name}]'.")
        lowered = name.lower()
        if lowered == "content-type":
            if header.split(";", 1)[0].strip().lower() != "application/json":
                raise InvalidRequestError(
                    f"Unsupported Content-Type '{header}': only application/json is allowed."
                )
            continue  # the data source sets it with the body
        if lowered in RESERVED_HEADERS or lowered.startswith("x-amz-"):
            raise InvalidRequestError(
                f"Header '{name}' in '{where}' is set by the data source and cannot be given."
            )
        if any(c in header for c in "\r\n") or not name or any(c in name for c in " :\r\n"):
            raise InvalidRequestError(f"Invalid header '{name}' in '{where}'.")
        headers[name] = header
    return headers


def _query(value: Any) -> dict[str, str]:
    where = "$[params][queryString]"
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidRequestError(f"Expected an object for field '{where}'.")
    query: dict[str, str] = {}
    for name, item in value.items():
        if isinstance(item, bool):
            query[name] = "true" if item else "false"
        elif isinstance(item, str | int | float):
            query[name] = str(item)
        else:
            raise InvalidRequestError(f"Expected a string for field '{where}[{name}]'.")
    return query
