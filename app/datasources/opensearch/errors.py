"""A cluster's error answers as AppSync reports them in `$ctx.error`.

AppSync turns an error status from the cluster into a data source error typed by the service
and the status, not by OpenSearch's own exception name: a search sorted on an unmapped field
(OpenSearch's 400 `search_phase_execution_exception`) reaches clients as
`Elasticsearch:UserIllegalArgumentException` (aws-amplify/amplify-cli#2424, #2639). The other
statuses follow the same pattern (an inference; only the 400 is observed): 401/403
`UserAuthorizationException`, 404 `UserNotFoundException`, 409 `UserConflictException`,
413 `UserRequestEntityTooLargeException`, 429 `UserThrottlingException`, other 4xx
`UserIllegalArgumentException`, 5xx `InternalServerErrorException`. The prefix is the data
source type's service: `Elasticsearch:` for AMAZON_ELASTICSEARCH, `OpenSearch:` for
AMAZON_OPENSEARCH_SERVICE.

The message is AppSync's, naming only the HTTP status (`Elasticsearch responded with an
error: Bad Request`, amplify-cli#863): what the cluster said (`cluster_reason`, the first root
cause's `reason`) goes to the server log instead. The raw error answer is kept as the error's
data, so a response template sees it as `$ctx.result` (`found: false` on a 404 `GET _doc`).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Final

from app.datasources.base import DataSourceError
from app.datasources.opensearch.client import OpenSearchError, OpenSearchResponse

ELASTICSEARCH: Final = "Elasticsearch"
OPENSEARCH: Final = "OpenSearch"
ERROR_BY_STATUS: Final = {
    400: "UserIllegalArgumentException",
    401: "UserAuthorizationException",
    403: "UserAuthorizationException",
    404: "UserNotFoundException",
    409: "UserConflictException",
    413: "UserRequestEntityTooLargeException",
    429: "UserThrottlingException",
}
CLIENT_ERROR: Final = "UserIllegalArgumentException"
SERVER_ERROR: Final = "InternalServerErrorException"


def error_name(status: int) -> str:
    return ERROR_BY_STATUS.get(status, CLIENT_ERROR if status < 500 else SERVER_ERROR)


def cluster_error(service: str, response: OpenSearchResponse) -> DataSourceError:
    """The data source error for an answer with an error status."""
    return DataSourceError(
        error_message(service, response),
        f"{service}:{error_name(response.status)}",
        response.body,
    )


def error_message(service: str, response: OpenSearchResponse) -> str:
    """AppSync's message for an error status: the service and the status's reason phrase."""
    try:
        phrase = HTTPStatus(response.status).phrase
    except ValueError:
        phrase = f"HTTP {response.status}"
    return f"{service} responded with an error: {phrase}"


def cluster_reason(service: str, response: OpenSearchResponse) -> str:
    """What the cluster said was wrong, or its status when it said nothing readable."""
    body: Any = response.body
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        causes = error.get("root_cause")
        if isinstance(causes, list) and causes and isinstance(causes[0], dict):
            reason = causes[0].get("reason")
            if isinstance(reason, str) and reason:
                return reason
        reason = error.get("reason")
        if isinstance(reason, str) and reason:
            return reason
    if isinstance(error, str) and error:
        return error
    if isinstance(body, dict) and (body.get("found") is False or body.get("result") == "not_found"):
        return "Document not found."
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"])  # the AWS front door's own refusals
    return f"{service} answered HTTP {response.status}."


def unreachable(service: str, error: OpenSearchError) -> DataSourceError:
    """No answer at all: `<Service>:ServiceUnavailable` (or `RequestTimeout`,
    `MissingCredentials`) with a message naming no host or port."""
    return DataSourceError(error.message, f"{service}:{error.code}")
