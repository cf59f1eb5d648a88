"""The one error type of the embedded engine, rendered as OpenSearch renders errors.

OpenSearch answers a failed request with an HTTP status and `{"error": {"root_cause": [...],
"type": ..., "reason": ...}, "status": N}`; clients (opensearch-py, AppSync's data source)
branch on `type`. Every layer raises `SearchError` with the type OpenSearch would use; the
server renders it. What the engine does not implement is `unsupported(...)`: a 400 that names
the feature, never a silently different answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

UNSUPPORTED_TYPE: Final = "strawsync_unsupported_exception"
"""The error type of a request that is valid OpenSearch but outside the engine's surface."""


class SearchError(Exception):
    """A request the engine refuses: HTTP `status`, OpenSearch's error `error_type`, `reason`.

    `details` are extra keys of the error object (`index`, `resource.id`, ...).
    """

    def __init__(
        self,
        status: int,
        error_type: str,
        reason: str,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.error_type = error_type
        self.reason = reason
        self.details = dict(details or {})
        super().__init__(f"{error_type}: {reason}")

    def cause(self) -> dict[str, Any]:
        """The error object: `type`, `reason` and the details (one `root_cause` entry)."""
        return {"type": self.error_type, "reason": self.reason, **self.details}

    def body(self) -> dict[str, Any]:
        """The whole response body OpenSearch sends for this error."""
        cause = self.cause()
        return {"error": {"root_cause": [cause], **cause}, "status": self.status}


def unsupported(feature: str) -> SearchError:
    """A valid OpenSearch feature this engine does not implement (HTTP 400)."""
    return SearchError(
        400,
        UNSUPPORTED_TYPE,
        f"{feature} is not supported by Strawsync's embedded search engine; "
        "use an OpenSearch cluster for it (see README, 'Search')",
    )


def bad_request(reason: str, error_type: str = "illegal_argument_exception") -> SearchError:
    return SearchError(400, error_type, reason)


def parsing(reason: str) -> SearchError:
    """A malformed query or request body (`parsing_exception`, 400)."""
    return SearchError(400, "parsing_exception", reason)


def index_not_found(index: str) -> SearchError:
    return SearchError(
        404,
        "index_not_found_exception",
        f"no such index [{index}]",
        {"index": index, "resource.id": index, "resource.type": "index_or_alias"},
    )


def index_exists(index: str) -> SearchError:
    return SearchError(
        400,
        "resource_already_exists_exception",
        f"index [{index}] already exists",
        {"index": index},
    )


def version_conflict(index: str, doc_id: str, reason: str) -> SearchError:
    return SearchError(
        409,
        "version_conflict_engine_exception",
        f"[{doc_id}]: version conflict, {reason}",
        {"index": index},
    )


def document_missing(index: str, doc_id: str) -> SearchError:
    return SearchError(
        404, "document_missing_exception", f"[{doc_id}]: document missing", {"index": index}
    )


def mapper_parsing(reason: str) -> SearchError:
    return SearchError(400, "mapper_parsing_exception", reason)
