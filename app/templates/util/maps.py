"""`$util.map`: copies of a map restricted to, or stripped of, some keys."""

from __future__ import annotations

from typing import Any

from app.templates.api import TemplateNamespace
from app.templates.java.lang import java_contains
from app.templates.util._args import list_arg, map_arg


class MapNamespace(TemplateNamespace):
    """`$util.map`. Copies are shallow and keep the source map's key order."""

    __slots__ = ()

    def copyAndRetainAllKeys(self, source: object, keys: object) -> dict[str, Any]:
        """A copy of `source` holding only the keys listed in `keys`."""
        method = "$util.map.copyAndRetainAllKeys"
        wanted = list_arg(method, keys, 2)
        return {k: v for k, v in map_arg(method, source).items() if java_contains(wanted, k)}

    def copyAndRemoveAllKeys(self, source: object, keys: object) -> dict[str, Any]:
        """A copy of `source` without the keys listed in `keys`."""
        method = "$util.map.copyAndRemoveAllKeys"
        unwanted = list_arg(method, keys, 2)
        return {k: v for k, v in map_arg(method, source).items() if not java_contains(unwanted, k)}


MAPS = MapNamespace()
