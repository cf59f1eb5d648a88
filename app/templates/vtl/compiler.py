"""Turns a VTL syntax tree into Python source, compiled once with `compile()`.

Each template becomes a module with a `render(v, w, out, st)` function (plus one function per
macro and per `#define`): `v` is the template's variables (Velocity's context), `w` appends
to the output buffer `out`, `st` carries macro depth. Reference chains become straight-line
code with a null check per step, so a null anywhere prints the reference's source text, as
Velocity does. Every generated line remembers the template offset it came from; a runtime
error is mapped back to a line and column through the traceback.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import CodeType
from typing import Any

from app.templates.api import TemplateSyntaxError
from app.templates.vtl import limits
from app.templates.vtl import nodes as n
from app.templates.vtl.lexer import SourceMap
from app.templates.vtl.runtime import HELPERS

_ARITHMETIC = {"+": "ADD", "-": "SUB", "*": "MUL", "/": "DIV", "%": "MOD"}
_COMPARISON = {"==": "EQ", "!=": "NE", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}
_CHECK_EVERY = 1024  # output chunks between two output-size checks inside a loop


@dataclass(frozen=True, slots=True)
class CompiledTemplate:
    """The compiled form: the render function and what is needed to locate errors."""

    render: Callable[..., None]
    code_objects: frozenset[CodeType]
    positions: tuple[int, ...]  # generated line number -> template offset
    needs_state: bool
    source: str  # the generated Python, for debugging


@dataclass(frozen=True, slots=True)
class _Line:
    depth: int
    code: str
    pos: int


def compile_tree(tree: n.TemplateTree, source_map: SourceMap) -> CompiledTemplate:
    return _CodeGenerator(tree, source_map).compile()


class _CodeGenerator:
    def __init__(self, tree: n.TemplateTree, source_map: SourceMap) -> None:
        self.tree = tree
        self.source_map = source_map
        self.functions: list[list[_Line]] = []
        self.lines: list[_Line] = []
        self.depth = 0
        self.loop_depth = 0
        self.kind = "render"
        self.params: frozenset[str] = frozenset()
        self.writer = "w"
        self.buffer = "out"
        self.counter = 0
        self.needs_state = False
        self.macro_functions = {name: f"_m{i}" for i, name in enumerate(tree.macros)}

    # --- driver ---------------------------------------------------------------------------

    def compile(self) -> CompiledTemplate:
        for name, macro in self.tree.macros.items():
            self._function(
                self.macro_functions[name],
                "v, w, out, st, L",
                macro.body,
                macro.pos,
                "macro",
                macro.params,
            )
        self._function("render", "v, w, out, st", self.tree.body, 0, "render", ())
        source_lines: list[str] = []
        positions = [0]
        for function in self.functions:
            for line in function:
                source_lines.append("    " * line.depth + line.code)
                positions.append(line.pos)
        source = "\n".join(source_lines) + "\n"
        try:
            code = compile(source, f"<vtl {self.source_map.source_name}>", "exec")
        except (SyntaxError, RecursionError, MemoryError) as exc:
            raise TemplateSyntaxError(
                "The template nests directives or expressions too deeply",
                self.source_map.location(0),
            ) from exc
        namespace: dict[str, Any] = dict(HELPERS)
        exec(code, namespace)
        return CompiledTemplate(
            render=namespace["render"],
            code_objects=frozenset(_code_objects(code)),
            positions=tuple(positions),
            needs_state=self.needs_state,
            source=source,
        )

    def _function(
        self,
        name: str,
        signature: str,
        body: tuple[n.Node, ...],
        pos: int,
        kind: str,
        params: tuple[str, ...],
    ) -> None:
        saved = (self.lines, self.depth, self.loop_depth, self.kind, self.params)
        saved_io = (self.writer, self.buffer)
        self.lines, self.depth, self.loop_depth, self.kind = [], 0, 0, kind
        self.params = frozenset(params)
        self.writer, self.buffer = "w", "out"
        self.emit(f"def {name}({signature}):", pos)
        with self.indent():
            self.emit("g = v.get", pos)
            self._block(body, pos)
        self.functions.append(self.lines)
        self.lines, self.depth, self.loop_depth, self.kind, self.params = saved
        self.writer, self.buffer = saved_io

    # --- emitting -------------------------------------------------------------------------

    def emit(self, code: str, pos: int) -> None:
        self.lines.append(_Line(self.depth, code, pos))

    @contextmanager
    def indent(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    @contextmanager
    def capture(self) -> Iterator[list[_Line]]:
        """Collect the statements an expression needs, to place them somewhere else."""
        saved = self.lines
        self.lines = []
        try:
            yield self.lines
        finally:
            self.lines = saved

    def splice(self, lines: list[_Line], extra_depth: int) -> None:
        self.lines.extend(_Line(line.depth + extra_depth, line.code, line.pos) for line in lines)

    def tmp(self) -> str:
        self.counter += 1
        return f"t{self.counter}"

    # --- statements -----------------------------------------------------------------------

    def _block(self, body: tuple[n.Node, ...], pos: int) -> None:
        before = len(self.lines)
        for node in body:
            self._statement(node)
        if len(self.lines) == before:
            self.emit("pass", pos)

    def _statement(self, node: n.Node) -> None:
        if isinstance(node, n.Text):
            if node.text:
                self.emit(f"{self.writer}({node.text!r})", node.pos)
        elif isinstance(node, n.Output):
            value = self._reference(node.ref, inline=False)
            self.emit(f"{self.writer}({self._rendered(node, value)})", node.pos)
        elif isinstance(node, n.Set):
            self._set(node)
        elif isinstance(node, n.If):
            self._if(node)
        elif isinstance(node, n.Foreach):
            self._foreach(node)
        elif isinstance(node, n.MacroCall):
            self._macro_call(node)
        elif isinstance(node, n.Define):
            self._define(node)
        elif isinstance(node, n.Break):
            if self.loop_depth:
                self.emit("break", node.pos)
            elif self.kind == "render":
                self.emit("raise STOP()", node.pos)
            else:
                self.emit("return", node.pos)
        elif isinstance(node, n.Stop):
            self.emit("raise STOP()", node.pos)
        elif isinstance(node, n.Return):
            value = "None" if node.value is None else self._value(node.value)
            self.emit(f"raise RETURN({value})", node.pos)
        else:  # pragma: no cover - the parser makes no other nodes
            raise AssertionError(f"unexpected node {node!r}")

    def _rendered(self, node: n.Output, value: str) -> str:
        """The text an output reference writes, as an expression over its value."""
        literal = node.ref.literal
        if node.escapes:
            prefix = "\\" * (node.escapes // 2)
            if node.escapes % 2:
                return (
                    f"{prefix + chr(92) + literal!r} if {value} is None else {prefix + literal!r}"
                )
            null = prefix + prefix + ("" if node.quiet else literal)
            return f"{null!r} if {value} is None else {prefix!r} + S({value})"
        if node.quiet:
            null = "''"
        elif node.ref.root in self.params and literal == "$" + node.ref.root:
            # a null macro argument prints the caller's text for it
            null = f"L.get({node.ref.root!r}, {literal!r})"
        else:
            null = repr(literal)
        return (
            f"{value} if {value}.__class__ is str else ({null} if {value} is None else S({value}))"
        )

    def _set(self, node: n.Set) -> None:
        """Velocity 1.7: the right side first; a null value leaves the target unchanged."""
        value = self._as_name(self._value(node.value), node.value.pos)
        if _never_null(node.value):
            self._assign(node.target, value)
            return
        self.emit(f"if {value} is not None:", node.pos)
        with self.indent():
            self._assign(node.target, value)

    def _assign(self, target: n.Reference, value: str) -> None:
        if not target.steps:
            self.emit(f"v[{target.root!r}] = {value}", target.pos)
            return
        base = self._reference(
            n.Reference(target.pos, target.root, target.steps[:-1], target.literal), inline=False
        )
        last = target.steps[-1]
        self.emit(f"if {base} is not None:", last.pos)
        with self.indent():
            if isinstance(last, n.Property):
                self.emit(f"SP({base}, {last.name!r}, {value})", last.pos)
            elif isinstance(last, n.Index):
                self.emit(f"SI({base}, {self._value(last.key)}, {value})", last.pos)

    def _if(self, node: n.If) -> None:
        opened = 0
        for i, (cond, body) in enumerate(node.branches):
            with self.capture() as setup:
                test = self._cond(cond)
            if i == 0:
                self.splice(setup, 0)
                self.emit(f"if {test}:", cond.pos)
            elif not setup:
                self.emit(f"elif {test}:", cond.pos)
            else:
                self.emit("else:", cond.pos)
                self.depth += 1
                opened += 1
                self.splice(setup, 1)
                self.emit(f"if {test}:", cond.pos)
            with self.indent():
                self._block(body, cond.pos)
        if node.otherwise is not None:
            self.emit("else:", node.pos)
            with self.indent():
                self._block(node.otherwise, node.pos)
        self.depth -= opened

    def _foreach(self, node: n.Foreach) -> None:
        items, scope, item = self.tmp(), self.tmp(), self.tmp()
        self.emit(f"{items} = IT({self._value(node.iterable)})", node.pos)
        self.emit(f"if {items} is not None:", node.pos)
        with self.indent():
            self.emit(f"{scope} = LOOP(v, {node.var!r}, {items})", node.pos)
            self.emit(f"for {scope}.index, {item} in enumerate({items}):", node.pos)
            with self.indent():
                self.emit(f"if {scope}.index == {limits.MAX_FOREACH_ITERATIONS}: LIMIT()", node.pos)
                self.emit(f"v[{node.var!r}] = {item}", node.pos)
                self.emit(f"v['velocityCount'] = {scope}.index + 1", node.pos)
                self.emit(f"v['velocityHasNext'] = {scope}.index + 1 < {scope}.size", node.pos)
                self.loop_depth += 1
                self._block(node.body, node.pos)
                self.loop_depth -= 1
                buffer = self.buffer
                self.emit(
                    f"if len({buffer}) - {buffer}.checked > {_CHECK_EVERY}: CHECK({buffer})",
                    node.pos,
                )
            self.emit(f"UNLOOP(v, {node.var!r}, {scope})", node.pos)

    def _macro_call(self, node: n.MacroCall) -> None:
        macro = self.tree.macros.get(node.name)
        if macro is None:
            self.emit(f"{self.writer}({'#' + node.name!r})", node.pos)
            return
        self.needs_state = True
        args = [self._value(arg) for arg in node.args]
        literals = {
            param: arg.literal
            for param, arg in zip(macro.params, node.args, strict=False)
            if isinstance(arg, n.Reference)
        }
        self.emit(
            f"MACRO({self.macro_functions[node.name]}, {node.name!r}, st, v, {self.writer}, "
            f"{self.buffer}, {macro.params!r}, {_tuple(args)}, {literals!r})",
            node.pos,
        )

    def _define(self, node: n.Define) -> None:
        self.needs_state = True
        name = f"_d{self.tmp()}"
        self._function(name, "v, w, out, st", node.body, node.pos, "define", ())
        self.emit(f"v[{node.name!r}] = BLOCK({name}, v, st)", node.pos)

    # --- expressions ----------------------------------------------------------------------

    def _as_name(self, expr: str, pos: int) -> str:
        if expr.isidentifier():
            return expr
        name = self.tmp()
        self.emit(f"{name} = {expr}", pos)
        return name

    def _reference(self, ref: n.Reference, inline: bool) -> str:
        """Code for a reference's value; a plain `$name` may stay an inline `v.get(...)`."""
        root = f"g({ref.root!r})"
        if not ref.steps and inline:
            return root
        value = self.tmp()
        self.emit(f"{value} = {root}", ref.pos)
        for step in ref.steps:
            if isinstance(step, n.Property):
                if step.name == "class":
                    get = f"P({value}, 'class')"
                else:
                    get = (
                        f"({value}.get({step.name!r}) if {value}.__class__ is dict "
                        f"else P({value}, {step.name!r}))"
                    )
                self.emit(f"if {value} is not None: {value} = {get}", step.pos)
            elif isinstance(step, n.Method):
                self.emit(f"if {value} is not None:", step.pos)
                with self.indent():
                    args = [self._value(arg) for arg in step.args]
                    self.emit(f"{value} = C({value}, {step.name!r}, {_tuple(args)})", step.pos)
            else:
                self.emit(f"if {value} is not None:", step.pos)
                with self.indent():
                    self.emit(f"{value} = I({value}, {self._value(step.key)})", step.pos)
        return value

    def _value(self, expr: n.Expr) -> str:
        """A Python expression for the value (statements it needs are emitted first)."""
        if isinstance(expr, n.Literal):
            if isinstance(expr.value, float) and not math.isfinite(expr.value):
                return f"float({str(expr.value)!r})"
            return repr(expr.value)
        if isinstance(expr, n.Reference):
            return self._reference(expr, inline=True)
        if isinstance(expr, n.Interpolated):
            return self._interpolated(expr)
        if isinstance(expr, n.Word):
            return "None"
        if isinstance(expr, n.ListLiteral):
            return "[" + ", ".join(self._value(item) for item in expr.items) + "]"
        if isinstance(expr, n.MapLiteral):
            pairs = [(self._value(key), self._value(value)) for key, value in expr.items]
            if all(isinstance(key, n.Literal) for key, _ in expr.items):
                return "{" + ", ".join(f"{key}: {value}" for key, value in pairs) + "}"
            return "MAP(" + _tuple([f"({key}, {value})" for key, value in pairs]) + ")"
        if isinstance(expr, n.Range):
            return f"RNG({self._value(expr.start)}, {self._value(expr.end)})"
        if isinstance(expr, n.Binary):
            helper = _ARITHMETIC.get(expr.op) or _COMPARISON[expr.op]
            return f"{helper}({self._value(expr.left)}, {self._value(expr.right)})"
        if isinstance(expr, n.Group):
            return self._value(expr.inner)
        return self._cond(expr)  # And, Or, Not: Boolean values

    def _cond(self, expr: n.Expr) -> str:
        """A Python truth expression, with Velocity's rules: only references, booleans,
        comparisons and logic have a truth value; a string or number literal is false."""
        if isinstance(expr, n.Reference):
            value = self._reference(expr, inline=False)
            return f"({value} is not None and {value} is not False)"
        if isinstance(expr, n.Literal):
            return "True" if expr.value is True else "False"
        if isinstance(expr, n.Group):
            return self._cond(expr.inner)
        if isinstance(expr, n.Not):
            return f"(not {self._cond(expr.operand)})"
        if isinstance(expr, n.And | n.Or):
            return self._logic(expr)
        if isinstance(expr, n.Binary) and expr.op in _COMPARISON:
            return self._value(expr)
        return "False"

    def _logic(self, expr: n.And | n.Or) -> str:
        left = self._cond(expr.left)
        with self.capture() as setup:
            right = self._cond(expr.right)
        word = "and" if isinstance(expr, n.And) else "or"
        if not setup:
            return f"({left} {word} {right})"
        result = self.tmp()
        self.emit(f"{result} = {left}", expr.pos)
        self.emit(f"if {'' if word == 'and' else 'not '}{result}:", expr.pos)
        self.splice(setup, 1)
        with self.indent():
            self.emit(f"{result} = {right}", expr.pos)
        return result

    def _interpolated(self, expr: n.Interpolated) -> str:
        """A double-quoted string with references/directives: render it to a str."""
        result = self.tmp()
        if all(self._is_simple(node) for node in expr.body):
            parts = []
            for node in expr.body:
                if isinstance(node, n.Text):
                    parts.append(repr(node.text))
                elif isinstance(node, n.Output):
                    value = self._reference(node.ref, inline=False)
                    parts.append(f"({self._rendered(node, value)})")
                elif isinstance(node, n.MacroCall):
                    parts.append(repr("#" + node.name))
            self.emit(f"{result} = CHK(''.join({_tuple(parts)}))", expr.pos)
            return result
        buffer, writer = self.tmp(), self.tmp()
        self.emit(f"{buffer} = BUF()", expr.pos)
        self.emit(f"{writer} = {buffer}.append", expr.pos)
        saved = (self.writer, self.buffer)
        self.writer, self.buffer = writer, buffer
        self._block(expr.body, expr.pos)
        self.writer, self.buffer = saved
        self.emit(f"{result} = CHK(''.join({buffer}))", expr.pos)
        return result

    def _is_simple(self, node: n.Node) -> bool:
        if isinstance(node, n.MacroCall):
            return node.name not in self.tree.macros
        return isinstance(node, n.Text | n.Output)


def _never_null(expr: n.Expr) -> bool:
    """Values `#set` need not check: literals, collections, strings and Booleans."""
    if isinstance(expr, n.Literal):
        return expr.value is not None
    if isinstance(expr, n.Group):
        return _never_null(expr.inner)
    if isinstance(expr, n.Binary):
        return expr.op not in _ARITHMETIC
    return isinstance(expr, n.ListLiteral | n.MapLiteral | n.Interpolated | n.And | n.Or | n.Not)


def _tuple(items: list[str]) -> str:
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


def _code_objects(code: CodeType) -> Iterator[CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType):
            yield from _code_objects(const)
