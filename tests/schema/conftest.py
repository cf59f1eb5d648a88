"""Every test starts with graphql-core's `isOneOf` introspection answering correctly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.schema.builder import fix_is_one_of_introspection


@pytest.fixture(autouse=True)
def _is_one_of_introspection() -> Iterator[None]:
    """Some tests create plain Strawberry schemas, which break it for the tests after them."""
    fix_is_one_of_introspection()
    yield
    fix_is_one_of_introspection()
