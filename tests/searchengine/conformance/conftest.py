"""Fixtures: one OpenSearch endpoint per session, a fresh index per test, the shared corpus."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from opensearchpy import OpenSearch

from tests.searchengine.conformance.corpus import ARTICLE_MAPPINGS, ARTICLES
from tests.searchengine.conformance.support import Loader, endpoint, load, unique_index


@pytest.fixture(scope="session")
def opensearch(request: pytest.FixtureRequest) -> Iterator[OpenSearch]:
    """opensearch-py on OPENSEARCH_URL's cluster, or on the embedded engine."""
    with endpoint(request) as client:
        yield client


@pytest.fixture
def index_name(opensearch: OpenSearch) -> Iterator[str]:
    """A unique index name; the index (if the test made it) is deleted afterwards."""
    name = unique_index()
    yield name
    opensearch.indices.delete(index=name, ignore=[404])


@pytest.fixture
def make_index(opensearch: OpenSearch) -> Iterator[Loader]:
    """Create indexes with documents, searchable at once; all deleted afterwards."""
    created: list[str] = []

    def make(
        documents: Mapping[str, Mapping[str, Any]], mappings: Mapping[str, Any] | None = None
    ) -> str:
        name = unique_index()
        created.append(name)
        load(opensearch, name, documents, mappings)
        return name

    yield make
    for name in created:
        opensearch.indices.delete(index=name, ignore=[404])


@pytest.fixture
def articles(make_index: Loader) -> str:
    """A fresh index holding the six articles of `corpus.py`."""
    return make_index(ARTICLES, ARTICLE_MAPPINGS)
