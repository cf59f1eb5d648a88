"""The compiler: generated Python and runtime error locations mapped back to the template."""

from __future__ import annotations

import pytest
from vtl_fakes import ENGINE, FakeUtil

from app.templates.api import RenderScope, TemplateRuntimeError


def runtime_error(template: str) -> TemplateRuntimeError:
    compiled = ENGINE.compile(template, "loc.vtl")
    with pytest.raises(TemplateRuntimeError) as info:
        compiled.render({"util": FakeUtil(), "l": [1]}, RenderScope())
    return info.value


@pytest.mark.parametrize(
    ("template", "line", "column"),
    [
        ("$l.get(5)", 1, 4),  # the method name
        ("x\n\n   $l.subList(0, 1).get(3)", 3, 21),
        ("#set($a = $l.get(9))", 1, 14),
        ("#if($l.get(9) == 1)#end", 1, 8),
        ("#foreach($i in [1, 2])\n  #if($i == 2)$l.get($i)#end\n#end", 2, 18),
        ("$l[3]", 1, 3),
        ("#set($l[7] = 1)", 1, 8),
        ('#set($s = "a${l.get(4)}b")', 1, 17),
        ("#macro(m)\n $l.get(2)\n#end\n#m()", 2, 5),
        ("#define($d)$l.get(3)#end$d", 1, 15),
        ("#set($r = [1..200000])", 1, 11),
    ],
)
def test_runtime_error_locations(template: str, line: int, column: int) -> None:
    error = runtime_error(template)
    assert error.location is not None
    assert (error.location.source_name, error.location.line, error.location.column) == (
        "loc.vtl",
        line,
        column,
    )
    assert str(error).startswith(f"loc.vtl:{line}:{column}: ")


def test_a_null_step_ends_the_chain_without_error() -> None:
    assert ENGINE.compile("$l.foo.get(9)", "n.vtl").render({"l": [1]}, RenderScope()).output == (
        "$l.foo.get(9)"
    )


def test_generated_code_is_straight_line_python() -> None:
    source = ENGINE.compile("Hi $user.name!", "gen.vtl").python_source
    assert source.startswith("def render(v, w, out, st):\n")
    assert "w('Hi ')" in source
    assert "'$user.name'" in source  # the text printed when the value is null


def test_templates_compile_once_and_render_many_times() -> None:
    compiled = ENGINE.compile("#set($n = $n + 1)$n", "many.vtl")
    outputs = [compiled.render({"n": i}, RenderScope()).output for i in range(3)]
    assert outputs == ["1", "2", "3"]


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    from app.templates.api import TemplateSyntaxError

    template = "#foreach($i in [1])" * 30 + "#end" * 30
    with pytest.raises(TemplateSyntaxError, match="nests"):
        ENGINE.compile(template, "deep.vtl")


def test_deeply_nested_expressions_are_a_syntax_error() -> None:
    from app.templates.api import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match="too deeply"):
        ENGINE.compile("#set($a = " + "(" * 2000 + "1" + ")" * 2000 + ")", "deep.vtl")
