"""Syntax errors are found at compile time, with the line and column of the offending text."""

from __future__ import annotations

import pytest
from vtl_fakes import ENGINE

from app.templates.api import TemplateSyntaxError
from app.templates.vtl import nodes as n
from app.templates.vtl.lexer import SourceMap
from app.templates.vtl.parser import parse


def syntax_error(template: str) -> TemplateSyntaxError:
    with pytest.raises(TemplateSyntaxError) as info:
        ENGINE.compile(template, "bad.vtl")
    return info.value


@pytest.mark.parametrize(
    ("template", "line", "column", "message"),
    [
        ("#if($a\n", 2, 1, "expected ')' to close #if"),
        ("ok\n#if($a)\nx", 3, 2, "inside #if (line 2, column 1); expected #end"),
        ("#foreach($a in $b)\nx", 2, 2, "inside #foreach"),
        ("#set($a = )", 1, 11, "expected a value"),
        ("#set($a 1)", 1, 9, "expected '=' in #set"),
        ("#set($a.b() = 1)", 1, 6, "cannot assign to a method call"),
        ("x\n  $a.b(1 + 2)", 2, 10, "expected ',' or ')'"),
        ("#end", 1, 1, "#end without"),
        ("#if(true)#else#else#end", 1, 15, "#else without"),
        ("#elseif(true)", 1, 1, "#elseif without"),
        ("#if true", 1, 4, "Expected '(' after #if"),
        ("#foreach $x", 1, 9, "Expected '(' after #foreach"),
        ("#foreach($a.b in $c)#end", 1, 10, "plain $name"),
        ("#macro()#end", 1, 8, "macro name"),
        ("#macro(m 'x')#end", 1, 10, "plain $names"),
        ("#macro", 1, 7, "requires at least a name"),
        ("${a", 1, 4, "Expected '}'"),
        ("$a[", 1, 4, "index"),
        ("$a[1", 1, 5, "expected ']'"),
        ("#set($a = 'unterminated)", 1, 11, "Unterminated string"),
        ("#[[ never closed", 1, 1, "Unclosed #[["),
        ("#set($a = 1 2)", 1, 13, "expected ')' to close #set"),
        ("#set($a = $b -1)", 1, 14, "expected ')' to close #set"),  # `-1` is a literal
        ("#if($a == null || $b ^ 2)#end", 1, 22, "Unexpected character '^'"),
        ("#break($foreach)", 1, 1, "not supported"),
        ("#include('x')", 1, 1, "not supported"),
        ('#set($s = "#if($x)")', 1, 19, "inside #if (line 1, column 12)"),
        ("#macro(m $a)#end#m(foo)", 1, 17, "bare word"),
    ],
)
def test_error_locations(template: str, line: int, column: int, message: str) -> None:
    error = syntax_error(template)
    assert message in error.message
    assert (error.location.source_name, error.location.line, error.location.column) == (
        "bad.vtl",
        line,
        column,
    )


def test_error_str_has_file_line_column() -> None:
    assert str(syntax_error("\n\n#end")).startswith("bad.vtl:3:1: ")


@pytest.mark.parametrize(
    "template",
    [
        "#set ($a = 1)",  # spaces before `(` are fine for #set
        "#if ($a)#end",
        "#if(\n$a\n)#end",
        "#foreach ( $x in $l )#end",
        "#foreach($x in [1..2])#end#foreach($y in {'a': 1})#end",
        "#macro( m, $a, $b )#end#m(1, 2)#m(1 2)#m()",
        "#set($a = $b.c($d.e([1, {'k': $f}], 'x'), true, null, -1.5))",
        "#set($a = ## comment\n 1)",
        "#set($a = #* c *# 1)",
        "$a.b-c $a-b.c",
        "#{foreach}($x in $y)#{end}",
        "#@blockcall is text",
        "#set with no paren is text",
    ],
)
def test_valid_syntax(template: str) -> None:
    ENGINE.compile(template, "ok.vtl")


def test_tree_shape() -> None:
    tree = parse(SourceMap("a$b.c(1)[0]#set($d = 2)#macro(m $x)$x#end", "t"))
    text, output, set_node = tree.body
    assert text == n.Text(0, "a")
    assert isinstance(output, n.Output)
    assert output.ref.root == "b" and output.ref.literal == "$b.c(1)[0]"
    assert [type(step).__name__ for step in output.ref.steps] == ["Method", "Index"]
    assert isinstance(set_node, n.Set) and set_node.value == n.Literal(21, 2)
    assert tree.macros["m"].params == ("x",)


def test_plain_double_quoted_strings_are_literals() -> None:
    tree = parse(SourceMap('#set($a = "plain")#set($b = "#x")', "t"))
    first, second = tree.body
    assert isinstance(first, n.Set) and first.value == n.Literal(10, "plain")
    assert isinstance(second, n.Set) and isinstance(second.value, n.Interpolated)
