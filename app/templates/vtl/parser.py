"""Recursive-descent parser for Velocity 1.7 as AppSync runs it (plus AppSync's `#return`).

It follows Velocity 1.7's grammar (`Parser.jjt`), including its quirks, because a template
must render here exactly as on AppSync:

- method arguments, list and map items are *parameters* (literals and references, no
  operators); only `#set`, `#if`, `#elseif` and `#return` take full expressions;
- `$a-b` is one reference named `a-b` (1.7 allows `-` in identifiers);
- a double-quoted string holding `$` or `#` is itself a small template;
- `#name(...)` for a name that is neither a directive nor a macro renders as `#name`.

Extension: `null` is accepted as a literal (Velocity 1.7 has none; AppSync templates write
`$null`, an undefined reference, which works here too).
"""

from __future__ import annotations

import re

from app.templates.api import TemplateSyntaxError
from app.templates.vtl import lexer as lx
from app.templates.vtl import nodes as n
from app.templates.vtl.lexer import Lexer, SourceMap, Token

# Directives the Escape rules treat as "real" (Velocity's control tokens and the directives
# AppSync registers); `\#if` prints `#if`, `\#foo` prints `\#foo`.
_CONTROL = frozenset({"if", "else", "elseif", "end", "stop"})
_PLUGGABLE = frozenset(
    {"foreach", "include", "parse", "macro", "literal", "evaluate", "break", "define", "return"}
)
_ESCAPABLE = _CONTROL | _PLUGGABLE | {"set"}
_UNSUPPORTED = frozenset({"include", "parse", "evaluate", "literal"})
_IF_ENDS = frozenset({"elseif", "else", "end"})
_END = frozenset({"end"})
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


def parse(source_map: SourceMap) -> n.TemplateTree:
    """Parse a whole template; raises TemplateSyntaxError with the failing line and column."""
    parser = Parser(source_map, {})
    body = parser.template(source_map.source, 0)
    return n.TemplateTree(body, parser.macros)


class Parser:
    """One parser per template; string literals are parsed by the same parser (shared macros)."""

    def __init__(self, source_map: SourceMap, macros: dict[str, n.Macro]) -> None:
        self.source_map = source_map
        self.macros = macros

    def template(self, text: str, offset: int) -> tuple[n.Node, ...]:
        body, _ = self._body(Lexer(text, offset, self.source_map), frozenset(), None)
        return body

    # --- statements -----------------------------------------------------------------------

    def _body(
        self, lex: Lexer, ends: frozenset[str], opener: tuple[str, int] | None
    ) -> tuple[tuple[n.Node, ...], Token | None]:
        nodes: list[n.Node] = []
        text: list[str] = []
        text_pos = 0

        def add_text(value: str, pos: int) -> None:
            nonlocal text_pos
            if not text:
                text_pos = pos
            text.append(value)

        def flush() -> None:
            if text:
                nodes.append(n.Text(text_pos, "".join(text)))
                text.clear()

        while True:
            tok = lex.template_token()
            kind = tok.kind
            if kind == lx.TEXT:
                add_text(tok.value, lex.abs(tok.start))
            elif kind == lx.REF:
                flush()
                escapes, quiet, formal = tok.value
                ref = self._reference(lex, tok.start + escapes, formal)
                nodes.append(n.Output(lex.abs(tok.start), ref, quiet, escapes))
            elif kind == lx.COMMENT:
                continue
            elif kind == lx.TEXTBLOCK:
                add_text(tok.value, lex.abs(tok.start))
            elif kind == lx.SET:
                flush()
                nodes.append(self._set(lex, tok))
            elif kind == lx.ESCAPED_DIRECTIVE:
                add_text(self._escaped_directive(tok), lex.abs(tok.start))
            elif kind == lx.BACKSLASHES:
                add_text(self._backslashes(lex, tok.value), lex.abs(tok.start))
            elif kind == lx.DIRECTIVE:
                name, braced = tok.value
                if name in ends:
                    flush()
                    if name != "elseif":
                        lex.gobble_line_end()
                    return tuple(nodes), tok
                node = self._directive(lex, tok, name, braced)
                if isinstance(node, n.Text):
                    add_text(node.text, node.pos)
                elif node is not None:
                    flush()
                    nodes.append(node)
            else:  # EOF
                if opener is not None:
                    where = self.source_map.location(opener[1])
                    raise lex.error(
                        f"Reached the end of the template inside #{opener[0]} "
                        f"(line {where.line}, column {where.column}); expected #end",
                        tok.start,
                    )
                flush()
                return tuple(nodes), None

    def _directive(self, lex: Lexer, tok: Token, name: str, braced: bool) -> n.Node | None:
        pos = lex.abs(tok.start)
        if name in _IF_ENDS:
            raise lex.error(f"#{name} without a matching #if or block", tok.start)
        if name == "if":
            return self._if(lex, tok)
        if name == "foreach":
            return self._foreach(lex, tok)
        if name == "define":
            return self._define(lex, tok)
        if name == "macro":
            self._macro(lex, tok)
            return None
        if name == "stop":
            return n.Stop(pos)
        if name == "break":
            if lex.left_paren_follows():
                raise lex.error("#break with an argument is not supported", tok.start)
            return n.Break(pos)
        if name == "return":
            return self._return(lex, tok)
        if name == "set" or name in _UNSUPPORTED or name.startswith("@"):
            if lex.left_paren_follows():
                raise lex.error(f"#{name}(...) is not supported here", tok.start)
            return n.Text(pos, "#" + name)
        args: tuple[n.Expr, ...] = ()
        if lex.left_paren_follows():
            args = self._directive_args(lex)
            lex.gobble_line_end()
            if name in self.macros and any(isinstance(arg, n.Word) for arg in args):
                raise lex.error(f"A bare word is not a valid argument of macro #{name}", tok.start)
        return n.MacroCall(pos, name, args)

    def _if(self, lex: Lexer, tok: Token) -> n.If:
        opener = ("if", lex.abs(tok.start))
        branches: list[tuple[n.Expr, tuple[n.Node, ...]]] = []
        cond = self._condition(lex, tok, "#if")
        body, end = self._body(lex, _IF_ENDS, opener)
        branches.append((cond, body))
        while end is not None and end.value[0] == "elseif":
            cond = self._condition(lex, end, "#elseif")
            body, end = self._body(lex, _IF_ENDS, opener)
            branches.append((cond, body))
        otherwise = None
        if end is not None and end.value[0] == "else":
            otherwise, end = self._body(lex, _END, opener)
        return n.If(opener[1], tuple(branches), otherwise)

    def _condition(self, lex: Lexer, tok: Token, what: str) -> n.Expr:
        if not lex.left_paren_follows():
            raise lex.error(f"Expected '(' after {what}", tok.end)
        cond = self._expression(lex)
        self._close(lex, what)
        return cond

    def _set(self, lex: Lexer, tok: Token) -> n.Set:
        target = self._expect_reference(lex, "#set")
        if target.steps and isinstance(target.steps[-1], n.Method):
            raise self.source_map.error("#set cannot assign to a method call", target.pos)
        eq = lex.expr_token()
        if eq.kind != lx.OP or eq.value != "=":
            raise self._unexpected(lex, eq, "'=' in #set")
        value = self._expression(lex)
        self._close(lex, "#set")
        return n.Set(lex.abs(tok.start), target, value)

    def _foreach(self, lex: Lexer, tok: Token) -> n.Foreach:
        if not lex.left_paren_follows():
            raise lex.error("Expected '(' after #foreach", tok.end)
        var = self._expect_reference(lex, "#foreach")
        if var.steps:
            raise self.source_map.error("The #foreach variable must be a plain $name", var.pos)
        word = lex.expr_token()
        if word.kind != lx.WORD:
            raise self._unexpected(lex, word, "'in' in #foreach")
        iterable = self._directive_arg(lex, lex.expr_token())
        self._close(lex, "#foreach")
        body, _ = self._body(lex, _END, ("foreach", lex.abs(tok.start)))
        return n.Foreach(lex.abs(tok.start), var.root, iterable, body)

    def _define(self, lex: Lexer, tok: Token) -> n.Define:
        if not lex.left_paren_follows():
            raise lex.error("Expected '(' after #define", tok.end)
        ref = self._expect_reference(lex, "#define")
        if ref.steps:
            raise self.source_map.error("#define needs a plain $name", ref.pos)
        self._close(lex, "#define")
        body, _ = self._body(lex, _END, ("define", lex.abs(tok.start)))
        return n.Define(lex.abs(tok.start), ref.root, body)

    def _macro(self, lex: Lexer, tok: Token) -> None:
        if not lex.left_paren_follows():
            raise lex.error("A macro declaration requires at least a name argument", tok.end)
        name_tok = lex.expr_token()
        if name_tok.kind != lx.WORD:
            raise lex.error("The first argument of #macro must be the macro name", name_tok.start)
        params: list[str] = []
        for arg in self._directive_args(lex):
            if not isinstance(arg, n.Reference) or arg.steps:
                raise self.source_map.error("Macro parameters must be plain $names", arg.pos)
            params.append(arg.root)
        lex.gobble_line_end()
        body, _ = self._body(lex, _END, ("macro", lex.abs(tok.start)))
        pos = lex.abs(tok.start)
        self.macros[name_tok.value] = n.Macro(pos, name_tok.value, tuple(params), body)

    def _return(self, lex: Lexer, tok: Token) -> n.Return:
        pos = lex.abs(tok.start)
        if not lex.left_paren_follows():
            return n.Return(pos, None)
        if lex.peek_expr_token().value == ")" and lex.peek_expr_token().kind == lx.PUNCT:
            lex.expr_token()
            lex.gobble_line_end()
            return n.Return(pos, None)
        value = self._expression(lex)
        self._close(lex, "#return")
        return n.Return(pos, value)

    def _escaped_directive(self, tok: Token) -> str:
        count, name, braced, raw = tok.value
        if name in _ESCAPABLE or name in self.macros:
            text = "\\" * ((count - 1) // 2) + "#" + ("{" + name + "}" if braced else name)
            return str(text)
        return str(raw)

    def _backslashes(self, lex: Lexer, count: int) -> str:
        """An even run of `\\` before `#word`: halved when the word is a real directive."""
        saved = lex.pos
        following = lex.template_token()
        lex.pos = saved
        control = False
        if following.kind == lx.DIRECTIVE:
            name, braced = following.value
            control = name in _CONTROL or (
                not braced and (name in _PLUGGABLE or name in self.macros)
            )
        return "\\" * (count // 2 if control else count)

    def _close(self, lex: Lexer, what: str) -> None:
        tok = lex.expr_token()
        if tok.kind != lx.PUNCT or tok.value != ")":
            raise self._unexpected(lex, tok, f"')' to close {what}")
        lex.gobble_line_end()

    # --- references -----------------------------------------------------------------------

    def _expect_reference(self, lex: Lexer, what: str) -> n.Reference:
        tok = lex.expr_token()
        if tok.kind != lx.REF:
            raise self._unexpected(lex, tok, f"a $reference in {what}")
        escapes, _, formal = tok.value
        return self._reference(lex, tok.start + escapes, formal)

    def _reference(self, lex: Lexer, dollar: int, formal: bool) -> n.Reference:
        """Parse from the identifier on; `dollar` is where `$` is. The lexer is past `$!{`."""
        root = lex.ref_identifier()
        assert root is not None  # the lexer only reports a reference before an identifier
        steps: list[n.Step] = []
        self._indexes(lex, steps)
        while lex.ref_dot_follows():
            lex.pos += 1
            name_pos = lex.pos
            name = lex.ref_identifier()
            assert name is not None
            if lex.peek() == "(" and self._method_follows(lex):
                lex.pos += 1
                steps.append(n.Method(lex.abs(name_pos), name, self._arguments(lex)))
            else:
                steps.append(n.Property(lex.abs(name_pos), name))
            self._indexes(lex, steps)
        if formal:
            if lex.peek() != "}":
                raise lex.error("Expected '}' to close ${...}")
            lex.pos += 1
        literal = lex.text[dollar : lex.pos]
        return n.Reference(lex.abs(dollar), root, tuple(steps), literal)

    def _method_follows(self, lex: Lexer) -> bool:
        """Velocity's LOOKAHEAD(3) Method(): `(` then space, `)` or the start of an argument."""
        after = lex.peek(1)
        if after in (")", " ", "\t", "\r", "\n"):
            return True
        saved = lex.pos
        lex.pos += 1
        try:
            tok = lex.expr_token()
        except TemplateSyntaxError:
            return False
        finally:
            lex.pos = saved
        return tok.kind in (lx.STRING, lx.INT, lx.FLOAT, lx.LITERAL, lx.REF) or (
            tok.kind == lx.PUNCT and tok.value in ("[", "{")
        )

    def _indexes(self, lex: Lexer, steps: list[n.Step]) -> None:
        while lex.peek() == "[":
            pos = lex.abs(lex.pos)
            lex.pos += 1
            tok = lex.expr_token()
            if tok.kind in (lx.STRING, lx.INT, lx.REF) or (
                tok.kind == lx.LITERAL and tok.value is not None
            ):
                key = self._value(lex, tok)
            else:
                raise self._unexpected(lex, tok, "a string, integer, boolean or $reference index")
            close = lex.expr_token()
            if close.kind != lx.PUNCT or close.value != "]":
                raise self._unexpected(lex, close, "']'")
            steps.append(n.Index(pos, key))

    def _arguments(self, lex: Lexer) -> tuple[n.Expr, ...]:
        args: list[n.Expr] = []
        tok = lex.expr_token()
        if tok.kind == lx.PUNCT and tok.value == ")":
            return ()
        while True:
            args.append(self._parameter(lex, tok))
            sep = lex.expr_token()
            if sep.kind == lx.PUNCT and sep.value == ")":
                return tuple(args)
            if sep.kind != lx.PUNCT or sep.value != ",":
                raise self._unexpected(lex, sep, "',' or ')' in the argument list")
            tok = lex.expr_token()

    def _directive_args(self, lex: Lexer) -> tuple[n.Expr, ...]:
        """Arguments of a macro call or `#macro`: separated by spaces and/or commas."""
        args: list[n.Expr] = []
        while True:
            tok = lex.expr_token()
            if tok.kind == lx.PUNCT and tok.value == ")":
                return tuple(args)
            if tok.kind == lx.PUNCT and tok.value == ",":
                continue
            args.append(self._directive_arg(lex, tok))

    # --- values ---------------------------------------------------------------------------

    def _value(self, lex: Lexer, tok: Token) -> n.Expr:
        """A literal or reference token as an expression."""
        pos = lex.abs(tok.start)
        if tok.kind == lx.REF:
            escapes, _, formal = tok.value
            return self._reference(lex, tok.start + escapes, formal)
        if tok.kind == lx.STRING:
            return self._string(lex, tok)
        return n.Literal(pos, tok.value)

    def _parameter(self, lex: Lexer, tok: Token) -> n.Expr:
        """Velocity's Parameter(): literal, reference, list, range or map; no operators."""
        if tok.kind in (lx.STRING, lx.INT, lx.FLOAT, lx.LITERAL, lx.REF):
            return self._value(lex, tok)
        if tok.kind == lx.PUNCT and tok.value == "[":
            return self._list_or_range(lex, tok)
        if tok.kind == lx.PUNCT and tok.value == "{":
            return self._map(lex, tok)
        raise self._unexpected(lex, tok, "a literal, $reference, list or map")

    def _directive_arg(self, lex: Lexer, tok: Token) -> n.Expr:
        if tok.kind == lx.WORD:
            return n.Word(lex.abs(tok.start), tok.value)
        return self._parameter(lex, tok)

    def _list_or_range(self, lex: Lexer, open_tok: Token) -> n.Expr:
        pos = lex.abs(open_tok.start)
        saved = lex.pos
        first = lex.expr_token()
        if first.kind == lx.PUNCT and first.value == "]":
            return n.ListLiteral(pos, ())
        if first.kind in (lx.INT, lx.REF):
            start = self._value(lex, first)
            dots = lex.expr_token()
            if dots.kind == lx.PUNCT and dots.value == "..":
                end_tok = lex.expr_token()
                if end_tok.kind not in (lx.INT, lx.REF):
                    raise self._unexpected(lex, end_tok, "an integer or $reference in [a..b]")
                end = self._value(lex, end_tok)
                close = lex.expr_token()
                if close.kind != lx.PUNCT or close.value != "]":
                    raise self._unexpected(lex, close, "']' to close the range")
                return n.Range(pos, start, end)
        lex.pos = saved
        items: list[n.Expr] = []
        while True:
            items.append(self._parameter(lex, lex.expr_token()))
            sep = lex.expr_token()
            if sep.kind == lx.PUNCT and sep.value == "]":
                return n.ListLiteral(pos, tuple(items))
            if sep.kind != lx.PUNCT or sep.value != ",":
                raise self._unexpected(lex, sep, "',' or ']' in the list")

    def _map(self, lex: Lexer, open_tok: Token) -> n.MapLiteral:
        pos = lex.abs(open_tok.start)
        tok = lex.expr_token()
        if tok.kind == lx.PUNCT and tok.value == "}":
            return n.MapLiteral(pos, ())
        items: list[tuple[n.Expr, n.Expr]] = []
        while True:
            key = self._parameter(lex, tok)
            colon = lex.expr_token()
            if colon.kind != lx.PUNCT or colon.value != ":":
                raise self._unexpected(lex, colon, "':' after the map key")
            items.append((key, self._parameter(lex, lex.expr_token())))
            sep = lex.expr_token()
            if sep.kind == lx.PUNCT and sep.value == "}":
                return n.MapLiteral(pos, tuple(items))
            if sep.kind != lx.PUNCT or sep.value != ",":
                raise self._unexpected(lex, sep, "',' or '}' in the map")
            tok = lex.expr_token()

    def _string(self, lex: Lexer, tok: Token) -> n.Expr:
        quote, raw, content_start = tok.value
        pos = lex.abs(tok.start)
        if quote == "'":
            return n.Literal(pos, raw)
        value = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), raw)
        if "$" not in raw and "#" not in raw:
            return n.Literal(pos, value)
        body = self.template(value, lex.abs(content_start))
        if all(isinstance(node, n.Text) for node in body):
            return n.Literal(pos, "".join(node.text for node in body if isinstance(node, n.Text)))
        return n.Interpolated(pos, body)

    # --- expressions ----------------------------------------------------------------------

    def _expression(self, lex: Lexer) -> n.Expr:
        return self._or(lex)

    def _or(self, lex: Lexer) -> n.Expr:
        left = self._and(lex)
        while self._next_op(lex, ("||",)):
            left = n.Or(left.pos, left, self._and(lex))
        return left

    def _and(self, lex: Lexer) -> n.Expr:
        left = self._equality(lex)
        while self._next_op(lex, ("&&",)):
            left = n.And(left.pos, left, self._equality(lex))
        return left

    def _equality(self, lex: Lexer) -> n.Expr:
        left = self._relational(lex)
        while op := self._next_op(lex, ("==", "!=")):
            left = n.Binary(left.pos, op, left, self._relational(lex))
        return left

    def _relational(self, lex: Lexer) -> n.Expr:
        left = self._additive(lex)
        while op := self._next_op(lex, ("<", ">", "<=", ">=")):
            left = n.Binary(left.pos, op, left, self._additive(lex))
        return left

    def _additive(self, lex: Lexer) -> n.Expr:
        left = self._multiplicative(lex)
        while op := self._next_op(lex, ("+", "-")):
            left = n.Binary(left.pos, op, left, self._multiplicative(lex))
        return left

    def _multiplicative(self, lex: Lexer) -> n.Expr:
        left = self._unary(lex)
        while op := self._next_op(lex, ("*", "/", "%")):
            left = n.Binary(left.pos, op, left, self._unary(lex))
        return left

    def _unary(self, lex: Lexer) -> n.Expr:
        tok = lex.peek_expr_token()
        if tok.kind == lx.OP and tok.value == "!":
            lex.expr_token()
            return n.Not(lex.abs(tok.start), self._unary(lex))
        return self._primary(lex)

    def _primary(self, lex: Lexer) -> n.Expr:
        tok = lex.expr_token()
        if tok.kind == lx.PUNCT and tok.value == "(":
            inner = self._expression(lex)
            close = lex.expr_token()
            if close.kind != lx.PUNCT or close.value != ")":
                raise self._unexpected(lex, close, "')'")
            return n.Group(lex.abs(tok.start), inner)
        if tok.kind == lx.PUNCT and tok.value not in ("[", "{"):
            raise self._unexpected(lex, tok, "a value")
        return self._parameter(lex, tok)

    def _next_op(self, lex: Lexer, ops: tuple[str, ...]) -> str | None:
        tok = lex.peek_expr_token()
        if tok.kind == lx.OP and tok.value in ops:
            lex.expr_token()
            return str(tok.value)
        return None

    def _unexpected(self, lex: Lexer, tok: Token, expected: str) -> TemplateSyntaxError:
        if tok.kind == lx.EOF:
            found = "the end of the template"
        else:
            found = repr(lex.text[tok.start : tok.end])
        return lex.error(f"Encountered {found}; expected {expected}", tok.start)
