"""AppSync's `$util` library (`$util`, `$utils`) and `$extensions`, for the template engine.

`build_util(scope)` and `build_extensions(scope)` give the objects a template sees for one
render. The helper namespaces are stateless module-level singletons, so building these is a
handful of attribute assignments; only error, log, header and extension recording is bound
to the scope.
"""

from __future__ import annotations

from app.templates.api import RenderScope
from app.templates.util.core import UtilNamespace
from app.templates.util.extensions import ExtensionsNamespace

__all__ = ["ExtensionsNamespace", "UtilNamespace", "build_extensions", "build_util"]


def build_util(scope: RenderScope) -> UtilNamespace:
    """The `$util` / `$utils` object for one render."""
    return UtilNamespace(scope)


def build_extensions(scope: RenderScope) -> ExtensionsNamespace:
    """The `$extensions` object for one render."""
    return ExtensionsNamespace(scope)
