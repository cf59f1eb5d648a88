"""Python names for GraphQL names, for the generated classes, fields and parameters."""

from __future__ import annotations

import keyword
from typing import Final

_RESERVED_NAMES: Final = frozenset(
    {*keyword.kwlist, "self", "cls", "root", "info", "is_type_of", "resolve_type"}
)


def python_name(graphql_name: str) -> str:
    """A Python identifier for a GraphQL name: injective, and the identity for safe names.

    Unsafe names (keywords, names Strawberry or dataclasses reserve) and names that already
    end with `_` get one more `_`, so two GraphQL names never share a Python name.
    """
    if graphql_name in _RESERVED_NAMES or graphql_name.endswith("_"):
        return graphql_name + "_"
    return graphql_name
