"""What compiled templates call while rendering.

Generated code stays small and straight-line; everything with Java or Velocity semantics is
here: property and method dispatch (with the `TemplateNamespace` sandbox), index access and
assignment, `#foreach` bookkeeping, macros, `#define` blocks, the control-flow signals for
`#stop`/`#return`, and AppSync's output and loop limits. All per-render state lives in the
objects passed in (the variables dict, the output buffer, `RenderState`); nothing here is
shared between renders.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Hashable, Mapping
from types import MappingProxyType, MethodType
from typing import Any

from app.templates.api import TemplateNamespace, TemplateRuntimeError
from app.templates.java.lang import JavaError, int_value, is_number, java_class_name, to_string
from app.templates.vtl import limits, methods, operators
from app.templates.vtl.methods import NO_METHOD, VOID, JavaClass, Marker, Table

# What a namespace attribute may hold for a template to see it.
_REACHABLE = (str, int, float, bool, dict, list, type(None), TemplateNamespace)


class StopRender(Exception):
    """`#stop`, or `#break` outside any loop: rendering ends, output so far is kept."""


class ReturnSignal(Exception):
    """`#return` / `#return(value)`: the template ends and hands `value` back."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value


class Buffer(list[str]):
    """The output of one render (or one interpolated string), with a running size check."""

    __slots__ = ("checked", "size")

    def __init__(self) -> None:
        super().__init__()
        self.checked = 0
        self.size = 0


class RenderState:
    """Per-render bookkeeping for macros and `#define` blocks."""

    __slots__ = ("depth",)

    def __init__(self) -> None:
        self.depth = 0


Renderer = Callable[..., None]


class ForeachScope:
    """`$foreach` inside a loop: index, count, hasNext, first, last, parent."""

    __slots__ = ("index", "parent", "saved", "size")
    java_class = "org.apache.velocity.runtime.directive.ForeachScope"

    def __init__(self, size: int, parent: Any, saved: tuple[Any, ...]) -> None:
        self.index = 0
        self.size = size
        self.parent = parent
        self.saved = saved

    def java_string(self) -> str:
        return f"{self.java_class}@{id(self):x}"

    def topmost(self) -> Any:
        scope: Any = self
        while isinstance(scope.parent, ForeachScope):
            scope = scope.parent
        return scope


class DefinedBlock:
    """The value `#define($name)` binds: rendering it renders the block, in the current scope."""

    __slots__ = ("_render", "_state", "_variables")
    java_class = "org.apache.velocity.runtime.directive.Block$Reference"

    def __init__(self, render: Renderer, variables: dict[str, Any], state: RenderState) -> None:
        self._render = render
        self._variables = variables
        self._state = state

    def java_string(self) -> str:
        buffer = Buffer()
        self._render(self._variables, buffer.append, buffer, self._state)
        return check_string("".join(buffer))


_FOREACH: Table = {
    "toString": {0: to_string},
    "getIndex": {0: lambda scope: scope.index},
    "getCount": {0: lambda scope: scope.index + 1},
    "hasNext": {0: lambda scope: scope.index + 1 < scope.size},
    "getHasNext": {0: lambda scope: scope.index + 1 < scope.size},
    "isFirst": {0: lambda scope: scope.index == 0},
    "getFirst": {0: lambda scope: scope.index == 0},
    "isLast": {0: lambda scope: scope.index + 1 >= scope.size},
    "getLast": {0: lambda scope: scope.index + 1 >= scope.size},
    "getParent": {0: lambda scope: scope.parent},
    "getTopmost": {0: ForeachScope.topmost},
}
_BLOCK: Table = {"toString": {0: to_string}}
_TABLES: Mapping[type, Table] = MappingProxyType(
    {**methods.TABLES, ForeachScope: _FOREACH, DefinedBlock: _BLOCK}
)


# --- dispatch ----------------------------------------------------------------------------------


def call(obj: Any, name: str, args: tuple[Any, ...]) -> Any:
    """`$obj.name(args)`: null when Velocity would find no method (the reference then prints
    its own source text); "" for a `void` method."""
    result = _invoke(obj, name, args)
    if result.__class__ is Marker:
        return None if result is NO_METHOD else ""
    return result


def _invoke(obj: Any, name: str, args: tuple[Any, ...]) -> Any:
    """The Java result, `VOID` or `NO_METHOD`."""
    table = _TABLES.get(type(obj))
    if table is None:
        if isinstance(obj, TemplateNamespace):
            return _call_namespace(obj, name, args)
        table = methods.table_for(obj)
        if table is None:
            return NO_METHOD
    overloads = table.get(name)
    fn = overloads.get(len(args)) if overloads is not None else None
    if fn is None:
        return NO_METHOD
    try:
        return fn(obj, *args)
    except JavaError as exc:
        detail = f"{exc.java_class}: {exc.message}" if exc.message else exc.java_class
        raise TemplateRuntimeError(
            f"Invocation of method '{name}' in class {java_class_name(obj)} "
            f"threw exception {detail}"
        ) from exc


def _call_namespace(obj: TemplateNamespace, name: str, args: tuple[Any, ...]) -> Any:
    """Call a public method of a namespace; nothing else of it is reachable."""
    if name[0] == "_":
        return NO_METHOD
    fn = getattr(obj, name, None)
    if type(fn) is not MethodType and (
        fn is None or not callable(fn) or isinstance(fn, TemplateNamespace | type)
    ):
        return NO_METHOD
    try:
        result = fn(*args)
    except TypeError:
        if not _accepts(fn, args):
            return NO_METHOD
        raise
    if result is None and _is_void(fn):
        return VOID
    return result


def _accepts(fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    try:
        inspect.signature(fn).bind(*args)
    except TypeError:
        return False
    except ValueError:
        return True
    return True


def _is_void(fn: Callable[..., Any]) -> bool:
    """A namespace method annotated `-> None` is Java `void`: its call prints nothing."""
    annotations = getattr(fn, "__annotations__", None) or {}
    return "return" in annotations and annotations["return"] in (None, "None")


def prop(obj: Any, name: str) -> Any:
    """`$obj.name`: `getName()`, `getname()`, `get("name")` for a Map, then `isName()`."""
    if type(obj) is dict:
        return obj.get(name) if name != "class" else JavaClass(java_class_name(obj))
    if isinstance(obj, TemplateNamespace):
        return _namespace_property(obj, name)
    table = _TABLES.get(type(obj)) or methods.table_for(obj)
    if table is None:
        return None
    capital = name[:1].upper() + name[1:]
    if isinstance(obj, dict) and name != "class":
        return obj.get(name)
    for getter in ("get" + capital, "get" + name, "is" + capital):
        if 0 in table.get(getter, {}):
            return call(obj, getter, ())
    return None


def _namespace_property(obj: TemplateNamespace, name: str) -> Any:
    if name.startswith("_"):
        return None
    value = getattr(obj, name, NO_METHOD)
    if value is not NO_METHOD and not callable(value):
        return value if isinstance(value, _REACHABLE) else None
    if isinstance(value, TemplateNamespace):
        return value
    capital = name[:1].upper() + name[1:]
    for getter in ("get" + capital, "get" + name, "is" + capital):
        if callable(getattr(obj, getter, None)):
            return call(obj, getter, ())
    return None


def index(obj: Any, key: Any) -> Any:
    """`$obj[key]`: Velocity calls `get(key)`; a negative integer counts from the end."""
    if type(key) is int and key < 0:
        key = _from_end(obj, key)
    if type(obj) is dict:
        return obj.get(key) if isinstance(key, Hashable) else None
    return call(obj, "get", (key,))


def _from_end(obj: Any, key: int) -> int:
    size = _invoke(obj, "size", ())
    if type(size) is not int:
        raise TemplateRuntimeError(
            f"A 'size()' method required for negative value {key} does not exist for class "
            f"'{java_class_name(obj)}'"
        )
    return size + key


def set_index(obj: Any, key: Any, value: Any) -> None:
    """`#set($obj[key] = value)`: `set(key, value)`, else `put(key, value)`."""
    if type(key) is int and key < 0:
        key = _from_end(obj, key)
    if _invoke(obj, "set", (key, value)) is NO_METHOD:
        _invoke(obj, "put", (key, value))


def set_property(obj: Any, name: str, value: Any) -> None:
    """`#set($obj.name = value)`: `setName(value)`, else `put("name", value)` on a Map."""
    if isinstance(obj, dict):
        obj[name] = value
        return
    _invoke(obj, "set" + name[:1].upper() + name[1:], (value,))


# --- values ------------------------------------------------------------------------------------


def check_string(text: str) -> str:
    if len(text) > limits.MAX_OUTPUT_BYTES:
        raise TemplateRuntimeError(limits.OUTPUT_TOO_LARGE)
    return text


def add(left: Any, right: Any) -> Any:
    result = operators.vtl_add(left, right)
    if type(result) is str and len(result) > limits.MAX_OUTPUT_BYTES:
        raise TemplateRuntimeError(limits.OUTPUT_TOO_LARGE)
    return result


def make_map(pairs: tuple[tuple[Any, Any], ...]) -> dict[Any, Any]:
    result: dict[Any, Any] = {}
    for key, value in pairs:
        if not isinstance(key, Hashable):
            raise TemplateRuntimeError("A List or Map cannot be a key of a map literal")
        result[key] = value
    return result


def make_range(start: Any, end: Any) -> list[int] | None:
    """`[start..end]`: integers, counting down if `start > end`; null if a bound is not a number."""
    if not (is_number(start) and is_number(end)):
        return None
    low, high = int_value(start), int_value(end)
    if abs(high - low) >= limits.MAX_RANGE_SIZE:
        raise TemplateRuntimeError(limits.RANGE_TOO_LARGE)
    return list(range(low, high + 1)) if low <= high else list(range(low, high - 1, -1))


# --- #foreach ----------------------------------------------------------------------------------


def iterate(value: Any) -> list[Any] | None:
    """What `#foreach` walks: a list (a snapshot), a map's values; anything else is skipped."""
    if type(value) is list:
        return value[:]
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list | tuple):
        return list(value)
    return None


def loop_enter(variables: dict[str, Any], name: str, items: list[Any]) -> ForeachScope:
    saved = (
        variables.get(name),
        variables.get("velocityCount"),
        variables.get("velocityHasNext"),
        variables.get("foreach"),
    )
    scope = ForeachScope(len(items), saved[3], saved)
    variables["foreach"] = scope
    return scope


def loop_exit(variables: dict[str, Any], name: str, scope: ForeachScope) -> None:
    """Put back what the loop shadowed, as Velocity does (the loop variable included)."""
    for key, old in zip(
        (name, "velocityCount", "velocityHasNext", "foreach"), scope.saved, strict=True
    ):
        if old is None:
            variables.pop(key, None)
        else:
            variables[key] = old


def loop_too_long() -> None:
    raise TemplateRuntimeError(limits.LOOP_TOO_LONG)


def check_output(buffer: Buffer) -> None:
    """Fail once the output passes AppSync's 5 MB (counting characters, a lower bound)."""
    buffer.size += sum(map(len, itertools.islice(buffer, buffer.checked, None)))
    buffer.checked = len(buffer)
    if buffer.size > limits.MAX_OUTPUT_BYTES:
        raise TemplateRuntimeError(limits.OUTPUT_TOO_LARGE)


# --- macros ------------------------------------------------------------------------------------


def call_macro(
    body: Renderer,
    name: str,
    state: RenderState,
    variables: dict[str, Any],
    write: Callable[[str], Any],
    out: Buffer,
    params: tuple[str, ...],
    args: tuple[Any, ...],
    literals: dict[str, str],
) -> None:
    """Bind the arguments (shadowing globals of the same name), render, then unbind.

    Velocity 1.7 passes macro arguments by name (re-evaluated at each use); here they are
    evaluated once at the call, which differs only for arguments with side effects.
    """
    if state.depth >= limits.MAX_MACRO_DEPTH:
        raise TemplateRuntimeError(limits.macro_too_deep(name))
    bound = params[: len(args)]
    saved = [variables.get(param) for param in bound]
    variables.update(zip(bound, args, strict=True))
    state.depth += 1
    try:
        body(variables, write, out, state, literals)
    finally:
        state.depth -= 1
        for param, old in zip(bound, saved, strict=True):
            if old is None:
                variables.pop(param, None)
            else:
                variables[param] = old


# The names generated code uses (see compiler.py); copied into each template's globals.
HELPERS: Mapping[str, Any] = MappingProxyType(
    {
        "P": prop,
        "C": call,
        "I": index,
        "S": to_string,
        "SP": set_property,
        "SI": set_index,
        "ADD": add,
        "IT": iterate,
        "LOOP": loop_enter,
        "UNLOOP": loop_exit,
        "LIMIT": loop_too_long,
        "CHECK": check_output,
        "CHK": check_string,
        "RNG": make_range,
        "MAP": make_map,
        "BLOCK": DefinedBlock,
        "MACRO": call_macro,
        "STOP": StopRender,
        "RETURN": ReturnSignal,
        "BUF": Buffer,
        "SUB": operators.vtl_sub,
        "MUL": operators.vtl_mul,
        "DIV": operators.vtl_div,
        "MOD": operators.vtl_mod,
        "EQ": operators.vtl_eq,
        "NE": operators.vtl_ne,
        "LT": operators.vtl_lt,
        "LE": operators.vtl_le,
        "GT": operators.vtl_gt,
        "GE": operators.vtl_ge,
    }
)
