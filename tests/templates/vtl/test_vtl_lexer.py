"""The lexer: positions, text-mode tokens and the `#set` whitespace rule."""

from __future__ import annotations

from app.templates.vtl import lexer as lx
from app.templates.vtl.lexer import Lexer, SourceMap


def tokens(text: str) -> list[tuple[str, object]]:
    lexer = Lexer(text, 0, SourceMap(text, "t"))
    found = []
    while (token := lexer.template_token()).kind != lx.EOF:
        found.append((token.kind, token.value))
        if token.kind == lx.REF:
            lexer.ref_identifier()
    return found


def test_source_map_lines_and_columns() -> None:
    source_map = SourceMap("ab\ncd\r\nef\rg", "file.vtl")
    locations = [source_map.location(pos) for pos in (0, 1, 3, 7, 10)]
    assert [(loc.line, loc.column) for loc in locations] == [(1, 1), (1, 2), (2, 1), (3, 1), (4, 1)]
    assert locations[0].source_name == "file.vtl"


def test_text_mode_tokens() -> None:
    assert tokens("a $b #if #{end} ## c\n#* d *##[[e]]#\\#x\\\\#set") == [
        (lx.TEXT, "a "),
        (lx.REF, (0, False, False)),
        (lx.TEXT, " "),
        (lx.DIRECTIVE, ("if", False)),
        (lx.TEXT, " "),
        (lx.DIRECTIVE, ("end", True)),
        (lx.TEXT, " "),
        (lx.COMMENT, None),
        (lx.COMMENT, None),
        (lx.TEXTBLOCK, "e"),
        (lx.ESCAPED_DIRECTIVE, (1, "x", False, "\\#x")),
        (lx.BACKSLASHES, 2),
        (lx.DIRECTIVE, ("set", False)),
    ]


def test_reference_heads() -> None:
    assert tokens("$!a ${a} $!{a} \\$a $5 $") == [
        (lx.REF, (0, True, False)),
        (lx.TEXT, " "),
        (lx.REF, (0, False, True)),
        (lx.TEXT, "} "),
        (lx.REF, (0, True, True)),
        (lx.TEXT, "} "),
        (lx.REF, (1, False, False)),
        (lx.TEXT, " "),
        (lx.TEXT, "$"),
        (lx.TEXT, "5 "),
        (lx.TEXT, "$"),
    ]


def test_set_eats_leading_space_only_at_a_token_start() -> None:
    assert tokens("  #set(") == [(lx.SET, None)]
    assert tokens("x  #set(") == [(lx.TEXT, "x  "), (lx.SET, None)]
    assert tokens("#set (") == [(lx.SET, None)]
    assert tokens("#settle") == [(lx.DIRECTIVE, ("settle", False))]


def test_expression_tokens() -> None:
    text = "$a == -1 && 'x' .. 2.5e3 lt true ( ) [ ] { } : , word"
    lexer = Lexer(text, 0, SourceMap(text, "t"))
    kinds = []
    while (token := lexer.expr_token()).kind != lx.EOF:
        kinds.append((token.kind, token.value))
        if token.kind == lx.REF:
            lexer.ref_identifier()
    assert kinds == [
        (lx.REF, (0, False, False)),
        (lx.OP, "=="),
        (lx.INT, -1),
        (lx.OP, "&&"),
        (lx.STRING, ("'", "x", 13)),
        (lx.PUNCT, ".."),
        (lx.FLOAT, 2500.0),
        (lx.OP, "<"),
        (lx.LITERAL, True),
        (lx.PUNCT, "("),
        (lx.PUNCT, ")"),
        (lx.PUNCT, "["),
        (lx.PUNCT, "]"),
        (lx.PUNCT, "{"),
        (lx.PUNCT, "}"),
        (lx.PUNCT, ":"),
        (lx.PUNCT, ","),
        (lx.WORD, "word"),
    ]
