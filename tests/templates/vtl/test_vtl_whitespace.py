"""Whitespace exactly as Velocity 1.7 leaves it (the lexer's gobbling rules).

- A directive's closing `)` eats trailing spaces/tabs plus one newline (`#set`, `#if`,
  `#elseif`, `#foreach`, `#define`, `#macro`, macro calls, `#return(...)`).
- `#else` and `#end` eat the same after themselves.
- `#set` also eats the spaces/tabs before it, when they start a token (at the start of the
  template, or after a directive, reference or comment), not when they follow plain text.
- `##` comments eat their newline; `#* *#` comments do not.
"""

from __future__ import annotations

import pytest
from vtl_fakes import render


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("#set($a = 1)\n#set($b = 2)\n$a$b", "12"),
        ("  #set($a = 1)\nX", "X"),  # leading spaces at the start of the template
        ("#set($a = 1)  \t\nX", "X"),  # spaces then the newline after `)` are eaten
        ("#set($a = 1)  X", "  X"),  # no newline follows: nothing is eaten
        ("#set($a = 1)\r\nX", "X"),
        ("a #set($x = 1) b", "a  b"),  # spaces after text stay with the text
        (
            "$a #set($x = 1) z",
            "1 z",
        ),  # ...but after a reference they are eaten
        ("## note\n   #set($x = 1)\nok", "ok"),  # after a comment too
        ('{\n  #set($x = 1)\n  "k": $x\n}', '{\n    "k": 1\n}'),
    ],
)
def test_set_gobbling(template: str, expected: str) -> None:
    assert render(template, a=1) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("#if(true)\nyes\n#end\nafter", "yes\nafter"),
        ("#if(false)\nyes\n#else\nno\n#end\n", "no\n"),
        ("#if(false)\na\n#elseif(true)\nb\n#end\n", "b\n"),
        ("#if( $a )\n  yes\n#else\n  no\n#end\n", "  yes\n"),
        # indentation before #if/#end is plain text and stays
        ("#if(true)\n  #if(true)\n    x\n  #end\n#end\n", "      x\n  "),
        ("  #if(true)\n  x\n  #end\n", "    x\n  "),
        ("#if(true)\n  #set($y = 1)\n  a\n#end\nend", "  a\nend"),
        ("#if(true)yes#end #if(true)\nno#end", "yes no"),
        ("#{if}(true)\nyes\n#{else}\nno\n#{end}\nz", "yes\nz"),
        ("#if(true)x#end   \nz", "xz"),
    ],
)
def test_if_else_end_gobbling(template: str, expected: str) -> None:
    assert render(template, a=1) == expected


def test_foreach_body_lines() -> None:
    assert render("#foreach($i in [1..3])\n  $i\n#end\ndone") == "  1\n  2\n  3\ndone"


def test_foreach_body_with_set_lines_keeps_only_output() -> None:
    template = "[\n#foreach($i in [1..2])\n  #set($j = $i * 10)\n  $j,\n#end\n]"
    assert render(template) == "[\n  10,\n  20,\n]"


def test_comments() -> None:
    assert render("## comment\nx ## trailing\ny") == "x y"
    assert render("#* block *#\nz") == "\nz"
    assert render("a#* multi\nline *#b") == "ab"
    assert render("a##") == "a"


def test_unclosed_block_comment_eats_the_rest() -> None:
    assert render("a#* never closed $x") == "a"


def test_reference_line_keeps_its_newline() -> None:
    assert render("$util.qr($m.put('a', 1))\nX", m={}) == "\nX"


def test_macro_definition_and_call_lines() -> None:
    template = "#macro(tag $v)\n<$v>\n#end\n#tag('a')\n#tag('b')\n"
    assert render(template) == "<a>\n<b>\n"


def test_define_lines() -> None:
    assert render("#define($d)\nbody\n#end\n$d!") == "body\n!"


def test_amplify_style_header() -> None:
    template = (
        "## [Start] Set default values. **\n"
        '$util.qr($ctx.args.input.put("id", $util.defaultIfNull($ctx.args.input.id, '
        "$util.autoId())))\n"
        "#set( $createdAt = $util.time.nowISO8601() )\n"
        "## [End] Set default values. **\n"
        '{"createdAt": "$createdAt", "id": "$ctx.args.input.id"}'
    )
    ctx = {"args": {"input": {}}}
    assert render(template, ctx=ctx) == (
        '\n{"createdAt": "2024-01-02T03:04:05.678Z", "id": "11111111-2222-3333-4444-555555555555"}'
    )
