"""The contract between the resolver runtime and a template engine.

The runtime compiles every template once at load time (`TemplateEngine.compile`) and renders it
many times. Values crossing this boundary are plain Python JSON values: `dict` (Java Map),
`list` (Java List), `str`, `int` (Java Integer/Long), `float` (Java Double), `bool` and `None`.
Templates may mutate the dicts and lists they are given (`$ctx.stash.put(...)`), as on AppSync.

Errors are values with a type: a template that calls `$util.error(...)` raises
`TemplateErrorRaised` carrying a `TemplateError`; `$util.appendError(...)` appends a
`TemplateError` to `RenderScope.appended_errors` and rendering goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

MAPPING_TEMPLATE = "MappingTemplate"


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """Where in a template something happened (1-based line and column)."""

    source_name: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.source_name}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class TemplateError:
    """An error a template reports: AppSync's `message`, `errorType`, `data`, `errorInfo`."""

    message: str
    error_type: str | None = None
    data: Any = None
    error_info: Any = None


class TemplateSyntaxError(Exception):
    """A template that cannot be parsed; found at load time."""

    def __init__(self, message: str, location: SourceLocation) -> None:
        self.message = message
        self.location = location
        super().__init__(f"{location}: {message}")


class TemplateRuntimeError(Exception):
    """A template that failed while rendering (bad method call, limit exceeded, bad JSON output).

    The client sees `message` with errorType `MappingTemplate`; the server log also gets the
    location.
    """

    def __init__(
        self,
        message: str,
        location: SourceLocation | None = None,
        error_type: str = MAPPING_TEMPLATE,
    ) -> None:
        self.message = message
        self.location = location
        self.error_type = error_type
        super().__init__(f"{location}: {message}" if location else message)


class TemplateErrorRaised(Exception):
    """`$util.error(...)` / `$util.validate(...)`: stops the template (and the pipeline)."""

    def __init__(self, error: TemplateError) -> None:
        self.error = error
        super().__init__(error.message)


class UnauthorizedRaised(Exception):
    """`$util.unauthorized()`: the field resolves to null with an `Unauthorized` error."""


@dataclass(frozen=True, slots=True)
class ExtensionCall:
    """A recorded `$extensions.*` call, acted on by the caching and subscription features."""

    name: str
    arguments: tuple[Any, ...]


@dataclass(slots=True)
class RenderScope:
    """Per-render state shared by the engine, `$util` and the runtime.

    One scope lives for one template evaluation. It is not shared across requests.
    """

    auth_type: str | None = None
    appended_errors: list[TemplateError] = field(default_factory=list)
    extension_calls: list[ExtensionCall] = field(default_factory=list)
    log: Callable[[str, str], None] | None = None  # (level, message)
    template_kind: str = "request"  # "request" | "response"; some $extensions calls care


@dataclass(frozen=True, slots=True)
class RenderResult:
    """What one evaluation produced.

    `returned` is true when the template ran `#return`/`#return(x)`; `return_value` then holds
    the value (a plain Python value, `None` for a bare `#return`) and `output` is ignored.
    """

    output: str
    returned: bool = False
    return_value: Any = None


class Template(Protocol):
    """A compiled template: immutable, safe to render concurrently."""

    @property
    def source_name(self) -> str: ...

    def render(self, variables: Mapping[str, Any], scope: RenderScope) -> RenderResult:
        """Evaluate with `variables` (`ctx`, `context`, `util`, `utils`, ...) bound at top level.

        Raises TemplateRuntimeError, TemplateErrorRaised or UnauthorizedRaised.
        """
        ...


class TemplateEngine(Protocol):
    """Turns template source into a `Template`; raises TemplateSyntaxError with a location."""

    def compile(self, source: str, source_name: str) -> Template: ...


class TemplateNamespace:
    """Base for Python objects templates may call into (`$util`, `$util.time`, `$extensions`).

    The engine exposes only public attributes and methods of subclasses (no leading
    underscore); every other Python object is opaque to templates. Methods take and return
    plain JSON values (see the module docstring); Java overloads are optional parameters.
    """

    __slots__ = ()
