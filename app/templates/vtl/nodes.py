"""The VTL syntax tree: what the parser builds and the compiler turns into Python.

Nodes are frozen and hold only what rendering needs, plus `pos` (an offset into the template
source) so the compiler can map a failing node back to a line and column. Two families:
statements (text, references, directives) and expressions (what sits inside `#set(...)`,
`#if(...)`, method arguments).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# --- expressions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expr:
    pos: int


@dataclass(frozen=True, slots=True)
class Literal(Expr):
    """A number, single-quoted string, `true`, `false` or `null`."""

    value: Any


@dataclass(frozen=True, slots=True)
class Interpolated(Expr):
    """A double-quoted string holding `$` or `#`: a small template rendered to a string."""

    body: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Word(Expr):
    """A bare word in a directive's argument list (`in`, a macro name); its value is null."""

    word: str


@dataclass(frozen=True, slots=True)
class ListLiteral(Expr):
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class MapLiteral(Expr):
    items: tuple[tuple[Expr, Expr], ...]


@dataclass(frozen=True, slots=True)
class Range(Expr):
    """`[a..b]`: a list of integers, counting down when `a > b`."""

    start: Expr
    end: Expr


@dataclass(frozen=True, slots=True)
class Property(Expr):
    """`.name` in a reference: `getName()`, `get("name")` or `isName()`, as Velocity tries."""

    name: str


@dataclass(frozen=True, slots=True)
class Method(Expr):
    """`.name(args)` in a reference."""

    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Index(Expr):
    """`[key]` in a reference."""

    key: Expr


Step = Property | Method | Index


@dataclass(frozen=True, slots=True)
class Reference(Expr):
    """`$root.step.step...`; `literal` is the source text, printed when the value is null."""

    root: str
    steps: tuple[Step, ...]
    literal: str


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    """Arithmetic (`+ - * / %`) or comparison (`== != < <= > >=`)."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class And(Expr):
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Or(Expr):
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Not(Expr):
    operand: Expr


@dataclass(frozen=True, slots=True)
class Group(Expr):
    """`( expr )`: kept because Velocity decides truthiness by node kind."""

    inner: Expr


# --- statements --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    pos: int


@dataclass(frozen=True, slots=True)
class Text(Node):
    text: str


@dataclass(frozen=True, slots=True)
class Output(Node):
    """A reference in text. `escapes` counts the backslashes written before the `$`."""

    ref: Reference
    quiet: bool
    escapes: int


@dataclass(frozen=True, slots=True)
class Set(Node):
    target: Reference
    value: Expr


@dataclass(frozen=True, slots=True)
class If(Node):
    branches: tuple[tuple[Expr, tuple[Node, ...]], ...]
    otherwise: tuple[Node, ...] | None


@dataclass(frozen=True, slots=True)
class Foreach(Node):
    var: str
    iterable: Expr
    body: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Break(Node):
    pass


@dataclass(frozen=True, slots=True)
class Stop(Node):
    pass


@dataclass(frozen=True, slots=True)
class Return(Node):
    value: Expr | None


@dataclass(frozen=True, slots=True)
class Define(Node):
    name: str
    body: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class MacroCall(Node):
    """`#name(args)`; resolved after parsing, because a macro may be defined further down.

    An unknown name renders as `#name`: Velocity 1.7 drops the arguments of a directive it
    does not know.
    """

    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Macro:
    """`#macro(name $a $b) body #end`, defined for the whole template at parse time."""

    pos: int
    name: str
    params: tuple[str, ...]
    body: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class TemplateTree:
    body: tuple[Node, ...]
    macros: dict[str, Macro]
