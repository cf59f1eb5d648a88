"""Sending a GraphQL operation to a running server and reading its answer."""

from __future__ import annotations

from typing import Any

import httpx


def run(client: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    """POST the operation; GraphQL errors come back in the body with HTTP 200."""
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
