"""`$util.list`: filtered copies and sorting, with Java's equality and ordering."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from app.templates.api import TemplateNamespace
from app.templates.java.lang import java_contains, java_string_sort_key, java_type_name
from app.templates.util._args import bool_arg, list_arg, optional_string_arg

MAX_SORT_ITEMS = 1000


class ListNamespace(TemplateNamespace):
    """`$util.list`. Results are new lists; the arguments are never modified."""

    __slots__ = ()

    def copyAndRetainAll(self, source: object, keep: object) -> list[Any]:
        """A shallow copy of `source` holding only the items that are also in `keep`."""
        method = "$util.list.copyAndRetainAll"
        wanted = list_arg(method, keep, 2)
        return [item for item in list_arg(method, source) if java_contains(wanted, item)]

    def copyAndRemoveAll(self, source: object, remove: object) -> list[Any]:
        """A shallow copy of `source` without the items that are in `remove`."""
        method = "$util.list.copyAndRemoveAll"
        unwanted = list_arg(method, remove, 2)
        return [item for item in list_arg(method, source) if not java_contains(unwanted, item)]

    def sortList(self, items: object, descending: object, prop: object = None) -> list[Any]:
        """Sort scalars, or maps by the value under `prop`; stable, as `Collections.sort`.

        As AppSync documents: when the items are not all of one class the list comes back
        unsorted. Lists over 1,000 items, and maps whose sort values are missing, null or of
        mixed classes, are also returned as they are.
        """
        method = "$util.list.sortList"
        source = list_arg(method, items)
        reverse = bool_arg(method, descending, 2)
        name = optional_string_arg(method, prop, 3)
        if not source or len(source) > MAX_SORT_ITEMS or not _one_class(source):
            return source
        keys = [item.get(name) for item in source] if isinstance(source[0], dict) else source
        sort_key = _comparable_key(keys)
        if sort_key is None:
            return source
        order = sorted(range(len(source)), key=lambda i: sort_key(keys[i]), reverse=reverse)
        return [source[i] for i in order]


def _one_class(values: list[Any]) -> bool:
    first = java_type_name(values[0])
    return all(java_type_name(value) == first for value in values)


def _comparable_key(values: list[Any]) -> Callable[[Any], Any] | None:
    """A sort key that orders `values` as their Java `compareTo` would, or None if it can't."""
    if not _one_class(values):
        return None
    kind = java_type_name(values[0])
    if kind == "String":
        return java_string_sort_key
    if kind in ("Integer", "Long", "Boolean"):
        return _identity
    if kind == "Double":
        return _double_key
    return None


def _identity(value: Any) -> Any:
    return value


def _double_key(value: float) -> tuple[bool, float, float]:
    # Double.compareTo: -0.0 sorts before 0.0, NaN after everything.
    if math.isnan(value):
        return (True, 0.0, 0.0)
    return (False, value, math.copysign(1.0, value))


LISTS = ListNamespace()
