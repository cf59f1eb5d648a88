"""`VtlEngine` and its templates: the `TemplateEngine` contract of `app.templates.api`.

`compile()` does all the work once (size check, parse, code generation); `render()` runs the
generated function with a fresh variables dict and output buffer, turns `#stop`/`#return`
into a `RenderResult`, enforces the output limit and gives runtime errors a location.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.templates.api import (
    RenderResult,
    RenderScope,
    SourceLocation,
    TemplateErrorRaised,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UnauthorizedRaised,
)
from app.templates.vtl import limits
from app.templates.vtl.compiler import CompiledTemplate, compile_tree
from app.templates.vtl.lexer import SourceMap
from app.templates.vtl.parser import parse
from app.templates.vtl.runtime import Buffer, RenderState, ReturnSignal, StopRender


class VtlEngine:
    """Compiles Velocity 1.7 templates (AppSync's dialect) into reusable `VtlTemplate`s."""

    def compile(self, source: str, source_name: str) -> VtlTemplate:
        if len(source) > limits.MAX_TEMPLATE_BYTES // 4 and (
            len(source.encode("utf-8", "surrogatepass")) > limits.MAX_TEMPLATE_BYTES
        ):
            raise TemplateSyntaxError(limits.TEMPLATE_TOO_LARGE, SourceLocation(source_name, 1, 1))
        source_map = SourceMap(source, source_name)
        try:
            tree = parse(source_map)
        except RecursionError:
            raise TemplateSyntaxError(
                "The template nests directives or expressions too deeply", source_map.location(0)
            ) from None
        return VtlTemplate(source_map, compile_tree(tree, source_map))


class VtlTemplate:
    """A compiled template: immutable, safe to render from many threads at once."""

    __slots__ = ("_compiled", "_source_map")

    def __init__(self, source_map: SourceMap, compiled: CompiledTemplate) -> None:
        self._source_map = source_map
        self._compiled = compiled

    @property
    def source_name(self) -> str:
        return self._source_map.source_name

    @property
    def python_source(self) -> str:
        """The generated Python code (for debugging the engine)."""
        return self._compiled.source

    def render(self, variables: Mapping[str, Any], scope: RenderScope) -> RenderResult:
        """Evaluate with `variables` bound at top level (see `Template.render`)."""
        out = Buffer()
        state = RenderState() if self._compiled.needs_state else None
        try:
            self._compiled.render(dict(variables), out.append, out, state)
        except StopRender:
            pass
        except ReturnSignal as signal:
            return RenderResult("", returned=True, return_value=signal.value)
        except (TemplateErrorRaised, UnauthorizedRaised):
            raise
        except TemplateRuntimeError as exc:
            if exc.location is not None:
                raise
            raise TemplateRuntimeError(exc.message, self._locate(exc), exc.error_type) from exc
        except RecursionError as exc:
            raise TemplateRuntimeError("Template recursion is too deep", self._locate(exc)) from exc
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            raise TemplateRuntimeError(message, self._locate(exc)) from exc
        text = "".join(out)
        if len(text) > limits.MAX_OUTPUT_BYTES // 4 and (
            len(text.encode("utf-8", "surrogatepass")) > limits.MAX_OUTPUT_BYTES
        ):
            raise TemplateRuntimeError(limits.OUTPUT_TOO_LARGE, self._source_map.location(0))
        return RenderResult(text)

    def _locate(self, exc: BaseException) -> SourceLocation | None:
        """The template position of the innermost generated line in the traceback."""
        line = None
        tb = exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code in self._compiled.code_objects:
                line = tb.tb_lineno
            tb = tb.tb_next
        if line is None:
            return None
        return self._source_map.location(self._compiled.positions[line])
