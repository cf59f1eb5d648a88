"""Tokens of Velocity 1.7, read on demand in the lexical mode the parser asks for.

Velocity's lexer is modal (JavaCC lexical states): the same characters mean different things
in text, inside a reference and inside a directive's parentheses. So, like JavaCC's token
manager, this lexer is a cursor the parser drives: `template_token()` reads text mode,
`expr_token()` reads directive-argument mode, and the small `ref_*` helpers read the pieces
of a `$reference`. The rules that decide output whitespace live here too: `#set` eats the
spaces before it when they start a token, and `gobble_line_end()` eats what a directive's
closing `)`, `#else` and `#end` eat.
"""

from __future__ import annotations

import bisect
import re
from typing import Any, NamedTuple

from app.templates.api import SourceLocation, TemplateSyntaxError


class SourceMap:
    """Turns offsets into 1-based line and column numbers for error messages."""

    def __init__(self, source: str, source_name: str) -> None:
        self.source = source
        self.source_name = source_name
        self._line_starts = [0] + [m.end() for m in _NEWLINE_RE.finditer(source)]

    def location(self, pos: int) -> SourceLocation:
        line = bisect.bisect_right(self._line_starts, pos)
        return SourceLocation(self.source_name, line, pos - self._line_starts[line - 1] + 1)

    def error(self, message: str, pos: int) -> TemplateSyntaxError:
        return TemplateSyntaxError(message, self.location(pos))


class Token(NamedTuple):
    kind: str
    value: Any
    start: int
    end: int


# Token kinds of text mode.
TEXT = "text"
REF = "ref"  # value: (escapes, quiet, formal)
SET = "set"
DIRECTIVE = "directive"  # value: (name, braced)
BACKSLASHES = "backslashes"  # value: count; an even run just before a `#word`
ESCAPED_DIRECTIVE = "escaped_directive"  # value: (backslashes, name, braced, text)
COMMENT = "comment"
TEXTBLOCK = "textblock"
EOF = "eof"

# Token kinds of directive-argument mode.
OP = "op"
WORD = "word"
INT = "int"
FLOAT = "float"
STRING = "string"  # value: (quote, raw content, content offset)
LITERAL = "literal"  # true / false / null
PUNCT = "punct"  # ( ) [ ] { } , : ..

IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
ALPHA = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

_SET_RE = re.compile(r"[ \t]*#(?:set|\{set\}) *\(")
_TEXT_RE = re.compile(r"[^$#\\]+")
_IDENT_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_\-]*")
_DIRECTIVE_WORD_RE = re.compile(r"[a-zA-Z_@][a-zA-Z0-9_@]*|\{[a-zA-Z_][a-zA-Z0-9_@]*\}")
_LINE_END_RE = re.compile(r"[ \t]*(?:\r\n|\n|\r)")
_LEFT_PAREN_RE = re.compile(r"[ \t\r\n]*\(")
_SPACE_RE = re.compile(r"[ \t\r\n]+")
_NEWLINE_RE = re.compile(r"\r\n|\n|\r")
_NUMBER_RE = re.compile(
    r"-?(?:\d+\.(?!\.)\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|(?P<int>\d+))"
)
_WORD_RE = re.compile(r"[a-zA-Z_@][a-zA-Z0-9_@]*")
_DQ_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SQ_STRING_RE = re.compile(r"'[^']*'")
_OPERATORS = ("==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "=", "+", "-", "*", "/", "%")
_WORD_OPERATORS = {
    "and": "&&",
    "or": "||",
    "not": "!",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
}
_WORD_LITERALS = {"true": True, "false": False, "null": None}


class Lexer:
    """A cursor over `text`; positions it reports are offsets into the whole template.

    `offset` is where `text` starts in the template (interpolated string literals are lexed
    as small templates of their own).
    """

    def __init__(self, text: str, offset: int, source_map: SourceMap) -> None:
        self.text = text
        self.pos = 0
        self.offset = offset
        self.source_map = source_map

    # --- shared ---------------------------------------------------------------------------

    def abs(self, pos: int) -> int:
        """The template offset of a position in `text`."""
        return self.offset + pos

    def error(self, message: str, pos: int | None = None) -> TemplateSyntaxError:
        return self.source_map.error(message, self.abs(self.pos if pos is None else pos))

    def peek(self, ahead: int = 0) -> str:
        index = self.pos + ahead
        return self.text[index] if index < len(self.text) else ""

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def gobble_line_end(self) -> None:
        """Eat `[ \\t]*` plus one line break, if that is what follows (Velocity's RPAREN)."""
        match = _LINE_END_RE.match(self.text, self.pos)
        if match:
            self.pos = match.end()

    def left_paren_follows(self) -> bool:
        """Velocity's `isLeftParenthesis`: whitespace (newlines too) then `(`; eats them."""
        match = _LEFT_PAREN_RE.match(self.text, self.pos)
        if match:
            self.pos = match.end()
            return True
        return False

    # --- text mode ------------------------------------------------------------------------

    def template_token(self) -> Token:
        """The next token of template text, starting a new token at the cursor."""
        text, start = self.text, self.pos
        if start >= len(text):
            return Token(EOF, None, start, start)
        match = _SET_RE.match(text, start)
        if match:
            self.pos = match.end()
            return Token(SET, None, text.index("#", start), match.end())
        char = text[start]
        if char == "$":
            return self._dollar(start, 0)
        if char == "#":
            return self._hash(start)
        if char == "\\":
            return self._backslashes(start)
        match = _TEXT_RE.match(text, start)
        assert match is not None
        self.pos = match.end()
        return Token(TEXT, match.group(), start, match.end())

    def _dollar(self, start: int, escapes: int) -> Token:
        """A reference head (`$`, `$!`, `${`, `$!{` before an identifier), else a lone `$`."""
        text = self.text
        index = start + escapes + 1
        quiet = formal = False
        if index < len(text) and text[index] == "!":
            quiet = True
            index += 1
        if index < len(text) and text[index] == "{":
            formal = True
            index += 1
        if index < len(text) and text[index] in IDENT_START:
            self.pos = index
            return Token(REF, (escapes, quiet, formal), start, index)
        end = start + escapes + 1
        self.pos = end
        return Token(TEXT, text[start:end], start, end)

    def _hash(self, start: int) -> Token:
        text = self.text
        nxt = text[start + 1 : start + 2]
        if nxt == "#":
            newline = _NEWLINE_RE.search(text, start)
            self.pos = newline.end() if newline else len(text)
            return Token(COMMENT, None, start, self.pos)
        if nxt == "*":
            close = text.find("*#", start + 2)
            self.pos = close + 2 if close >= 0 else len(text)
            return Token(COMMENT, None, start, self.pos)
        if text.startswith("[[", start + 1):
            close = text.find("]]#", start + 3)
            if close < 0:
                raise self.error("Unclosed #[[ unparsed content ]]#", start)
            self.pos = close + 3
            return Token(TEXTBLOCK, text[start + 3 : close], start, self.pos)
        match = _DIRECTIVE_WORD_RE.match(text, start + 1)
        if match:
            word = match.group()
            self.pos = match.end()
            braced = word.startswith("{")
            return Token(DIRECTIVE, (word[1:-1] if braced else word, braced), start, self.pos)
        self.pos = start + 1
        return Token(TEXT, "#", start, start + 1)

    def _backslashes(self, start: int) -> Token:
        text = self.text
        end = start
        while end < len(text) and text[end] == "\\":
            end += 1
        count = end - start
        if end < len(text) and text[end] == "$":
            token = self._dollar(start, count)
            if token.kind == REF:
                return token
            self.pos = end
            return Token(TEXT, text[start:end], start, end)
        if end < len(text) and text[end] == "#":
            match = _DIRECTIVE_WORD_RE.match(text, end + 1)
            if match:
                if count % 2:
                    word = match.group()
                    braced = word.startswith("{")
                    name = word[1:-1] if braced else word
                    self.pos = match.end()
                    value = (count, name, braced, text[start : match.end()])
                    return Token(ESCAPED_DIRECTIVE, value, start, self.pos)
                self.pos = end
                return Token(BACKSLASHES, count, start, end)
        self.pos = end
        return Token(TEXT, text[start:end], start, end)

    # --- reference pieces -----------------------------------------------------------------

    def ref_identifier(self) -> str | None:
        """An identifier (letters, digits, `_` and `-`, as Velocity 1.7 allows) or None."""
        match = _IDENT_RE.match(self.text, self.pos)
        if not match:
            return None
        self.pos = match.end()
        return match.group()

    def ref_dot_follows(self) -> bool:
        """`.` followed by a letter: Velocity's DOT token (a `.` before `_` or a digit is text)."""
        return self.peek() == "." and self.peek(1) in ALPHA

    # --- directive-argument mode ----------------------------------------------------------

    def skip_space(self) -> bool:
        """Skip whitespace and `##`/`#* *#` comments; tell whether anything was skipped."""
        text, begin = self.text, self.pos
        while True:
            match = _SPACE_RE.match(text, self.pos)
            if match:
                self.pos = match.end()
            if text.startswith("##", self.pos):
                newline = _NEWLINE_RE.search(text, self.pos)
                self.pos = newline.end() if newline else len(text)
            elif text.startswith("#*", self.pos):
                close = text.find("*#", self.pos + 2)
                self.pos = close + 2 if close >= 0 else len(text)
            else:
                return self.pos != begin

    def expr_token(self) -> Token:
        """The next token inside a directive's parentheses, after whitespace and comments."""
        self.skip_space()
        text, start = self.text, self.pos
        if start >= len(text):
            return Token(EOF, None, start, start)
        char = text[start]
        if char == "$" or (char == "\\" and text.startswith("$", start + 1)):
            escapes = 0
            while text[start + escapes] == "\\":
                escapes += 1
            token = self._dollar(start, escapes)
            if token.kind == REF:
                return token
            raise self.error("Expected a reference after '$'", start)
        if char in "0123456789" or (
            char in "-."
            and (text[start + 1 : start + 2].isdigit() or text[start + 1 : start + 2] == ".")
        ):
            match = _NUMBER_RE.match(text, start)
            if match:
                self.pos = match.end()
                if match.group("int") is not None:
                    return Token(INT, int(match.group()), start, self.pos)
                return Token(FLOAT, float(match.group()), start, self.pos)
        if text.startswith("..", start):
            self.pos = start + 2
            return Token(PUNCT, "..", start, self.pos)
        if char in "()[]{},:":
            self.pos = start + 1
            return Token(PUNCT, char, start, self.pos)
        if char == '"' or char == "'":
            pattern = _DQ_STRING_RE if char == '"' else _SQ_STRING_RE
            match = pattern.match(text, start)
            if not match:
                raise self.error("Unterminated string literal", start)
            self.pos = match.end()
            return Token(STRING, (char, text[start + 1 : self.pos - 1], start + 1), start, self.pos)
        for operator in _OPERATORS:
            if text.startswith(operator, start):
                self.pos = start + len(operator)
                return Token(OP, operator, start, self.pos)
        match = _WORD_RE.match(text, start)
        if match:
            word = match.group()
            self.pos = match.end()
            if word in _WORD_OPERATORS:
                return Token(OP, _WORD_OPERATORS[word], start, self.pos)
            if word in _WORD_LITERALS:
                return Token(LITERAL, _WORD_LITERALS[word], start, self.pos)
            return Token(WORD, word, start, self.pos)
        raise self.error(f"Unexpected character {char!r} in a directive", start)

    def peek_expr_token(self) -> Token:
        saved = self.pos
        try:
            return self.expr_token()
        finally:
            self.pos = saved
