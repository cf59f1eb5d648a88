"""One OpenSearch endpoint for the conformance suite: a real cluster or the embedded engine.

The suite talks to the endpoint only through `opensearch-py`, so the same tests check the
embedded engine and, with `OPENSEARCH_URL` set, a real OpenSearch cluster:

    OPENSEARCH_URL=https://localhost:9200 OPENSEARCH_USERNAME=admin \
    OPENSEARCH_PASSWORD=... OPENSEARCH_VERIFY_CERTS=0 \
        .venv/bin/pytest -q tests/searchengine/conformance tests/searchengine/test_relevance.py

An Amazon OpenSearch Service domain: OPENSEARCH_URL=https://search-x.us-east-1.es.amazonaws.com
OPENSEARCH_AWS_REGION=us-east-1 (SigV4 with the standard AWS credential chain). Every test
makes its own uniquely named indexes and deletes them, so a shared cluster is safe.

Without it, the session's in-memory engine (`python -m app.searchengine`, started by
tests/searchengine/conftest.py) answers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import pytest
from opensearchpy import OpenSearch, TransportError, Urllib3AWSV4SignerAuth

CLUSTER_URL = os.environ.get("OPENSEARCH_URL", "").strip()
"""A real cluster to run the suite against instead of the embedded engine."""

Loader = Callable[[Mapping[str, Mapping[str, Any]], Mapping[str, Any] | None], str]
"""`make_index(documents, mappings)`: a fresh, searchable index's name."""

engine_only = pytest.mark.skipif(
    bool(CLUSTER_URL), reason="the embedded engine's own contract; OPENSEARCH_URL is set"
)


def connect(url: str, **options: Any) -> OpenSearch:
    """A client for `url`; credentials and certificate checks from the environment."""
    verify = os.environ.get("OPENSEARCH_VERIFY_CERTS", "1").lower() not in {"0", "false", "no"}
    return OpenSearch(
        hosts=[url],
        http_auth=_auth(),
        verify_certs=verify,
        ssl_show_warn=verify,
        timeout=30,
        **options,
    )


def _auth() -> Any:
    """Basic auth (OPENSEARCH_USERNAME/PASSWORD), SigV4 (OPENSEARCH_AWS_REGION, with the
    standard AWS credential chain; OPENSEARCH_AWS_SERVICE `es` or `aoss`), or none."""
    region = os.environ.get("OPENSEARCH_AWS_REGION")
    if region:
        import botocore.session

        credentials = botocore.session.get_session().get_credentials()
        service = os.environ.get("OPENSEARCH_AWS_SERVICE", "es")
        return Urllib3AWSV4SignerAuth(credentials, region, service)
    username = os.environ.get("OPENSEARCH_USERNAME")
    if username:
        return (username, os.environ.get("OPENSEARCH_PASSWORD", ""))
    return None


@contextmanager
def endpoint(request: pytest.FixtureRequest) -> Iterator[OpenSearch]:
    """A client on the cluster named by OPENSEARCH_URL, or else on the session's embedded
    engine (`search_engine` of tests/searchengine/conftest.py)."""
    client = connect(endpoint_url(request))
    try:
        yield client
    finally:
        client.close()


def endpoint_url(request: pytest.FixtureRequest) -> str:
    """OPENSEARCH_URL, or the URL of the session's embedded engine."""
    return CLUSTER_URL or str(request.getfixturevalue("search_engine").url)


def unique_index(prefix: str = "conformance") -> str:
    """An index name no other test (or earlier run on a shared cluster) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def load(
    client: OpenSearch,
    index: str,
    documents: Mapping[str, Mapping[str, Any]],
    mappings: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> None:
    """Create `index` (with `mappings` and `settings`), index `documents` by id and make
    them searchable."""
    body: dict[str, Any] = {}
    if mappings:
        body["mappings"] = mappings
    if settings:
        body["settings"] = settings
    client.indices.create(index=index, body=body)
    lines: list[Any] = []
    for doc_id, source in documents.items():
        lines.append({"index": {"_index": index, "_id": doc_id}})
        lines.append(source)
    if lines:
        answer = client.bulk(body=lines, refresh=True)
        assert answer["errors"] is False, answer
    client.indices.refresh(index=index)


def info(error: TransportError) -> dict[str, Any]:
    """The JSON body of a failed request."""
    body = error.info
    assert isinstance(body, dict), body
    return body


def failure(error: TransportError) -> tuple[int, str]:
    """The HTTP status and OpenSearch's top-level error type of a failed request."""
    body = info(error).get("error")
    assert isinstance(body, dict), error.info
    return int(error.status_code), str(body["type"])


def root_cause(error: TransportError) -> dict[str, Any]:
    """The first root cause: a search phase failure names the real cause only there."""
    causes = info(error)["error"]["root_cause"]
    assert causes, error.info
    return dict(causes[0])


def hit_ids(answer: Mapping[str, Any]) -> list[str]:
    return [hit["_id"] for hit in answer["hits"]["hits"]]


def total(answer: Mapping[str, Any]) -> dict[str, Any]:
    return dict(answer["hits"]["total"])


def search_ids(client: OpenSearch, index: str, query: Mapping[str, Any]) -> set[str]:
    """The ids of every document `query` matches (up to 100)."""
    answer = client.search(index=index, body={"query": query, "size": 100})
    return set(hit_ids(answer))
