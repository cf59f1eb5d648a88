"""The VTL (Apache Velocity 1.7) template engine, as AppSync runs it.

Stages, Jinja-style: `lexer` -> `parser` -> `nodes` -> `compiler` (Python source, compiled
once) -> `runtime` (Java value semantics via `javalang`, `methods`, `jregex`; limits in
`limits`). `VtlEngine` implements `app.templates.api.TemplateEngine`.
"""

from app.templates.vtl.engine import VtlEngine, VtlTemplate

__all__ = ["VtlEngine", "VtlTemplate"]
