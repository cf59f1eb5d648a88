"""The VTL (Apache Velocity 1.7) template engine, as AppSync runs it.

Stages, Jinja-style: `lexer` -> `parser` -> `nodes` -> `compiler` (Python source, compiled
once) -> `runtime` (Velocity's `operators`, Java `methods` by receiver type; limits in
`limits`). Java value semantics (`toString`, `equals`, regular expressions) come from
`app.templates.java`, which `$util` shares. `VtlEngine` implements
`app.templates.api.TemplateEngine`.
"""

from app.templates.vtl.engine import VtlEngine, VtlTemplate

__all__ = ["VtlEngine", "VtlTemplate"]
