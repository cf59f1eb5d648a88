"""Runtime: the `TemplateNamespace` sandbox, `$util` errors, and AppSync's limits."""

from __future__ import annotations

from typing import Any

import pytest
from vtl_fakes import render, render_result

from app.templates.api import (
    TemplateErrorRaised,
    TemplateNamespace,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UnauthorizedRaised,
)
from app.templates.vtl import limits


class Exposed(TemplateNamespace):
    """A namespace with things a template may and may not reach."""

    label = "public"
    count = 3

    def __init__(self) -> None:
        self._hidden = "hidden"
        self.opaque = object()
        self.nested = Nested()

    def getDerived(self) -> str:
        return "derived"

    def isReady(self) -> bool:
        return True

    def echo(self, *args: Any) -> list[Any]:
        return list(args)

    def fails(self) -> str:
        raise ValueError("broken helper")


class Nested(TemplateNamespace):
    def hello(self, name: str = "world") -> str:
        return f"hello {name}"


class TestSandbox:
    def test_public_attributes_methods_and_getters(self) -> None:
        template = "$x.label $x.count $x.derived $x.ready $x.nested.hello() $x.nested.hello('you')"
        assert render(template, x=Exposed()) == "public 3 derived true hello world hello you"

    def test_private_and_python_internals_are_unreachable(self) -> None:
        template = "[$x.get_hidden()] [$!x.opaque] [$!x.getClass()] [$!x.mro()]"
        assert render(template, x=Exposed()) == "[$x.get_hidden()] [] [] []"
        with pytest.raises(TemplateSyntaxError):  # `._name` is not even VTL syntax
            render("$util.qr($util._private())")
        assert render("[$!util.calls]") == "[[]]"  # a JSON-valued attribute is reachable

    def test_underscore_names_are_not_even_properties(self) -> None:
        # `$x._hidden` lexes as `$x` followed by the text `._hidden`
        assert render("$x._hidden", x={"k": 1}) == "{k=1}._hidden"

    def test_namespace_objects_are_values(self) -> None:
        assert render("#set($n = $x.nested)$n.hello()", x=Exposed()) == "hello world"
        assert render("$x.echo($x.nested).size()", x=Exposed()) == "1"

    def test_other_python_objects_are_opaque(self) -> None:
        assert render("[$!o.real][$!o.bit_length()]", o=object()) == "[][]"
        assert render("[$!o.imag][$!o.conjugate()]", o=1j) == "[][]"

    def test_helper_exceptions_become_runtime_errors_with_a_location(self) -> None:
        with pytest.raises(TemplateRuntimeError) as info:
            render("ok\n  $x.fails()", x=Exposed())
        assert info.value.message == "ValueError: broken helper"
        assert info.value.location is not None
        assert (info.value.location.line, info.value.location.column) == (2, 6)
        assert isinstance(info.value.__cause__, ValueError)

    def test_util_error_and_unauthorized_propagate_untouched(self) -> None:
        with pytest.raises(TemplateErrorRaised) as info:
            render("$util.error('nope', 'Custom')")
        assert (info.value.error.message, info.value.error.error_type) == ("nope", "Custom")
        with pytest.raises(UnauthorizedRaised):
            render("#foreach($i in [1])$util.unauthorized()#end")


class TestLimits:
    def test_foreach_allows_1000_iterations(self) -> None:
        assert render("#foreach($i in [1..1000])#end$velocityCount!") == "$velocityCount!"

    def test_foreach_fails_on_the_1001st_iteration(self) -> None:
        with pytest.raises(TemplateRuntimeError) as info:
            render("\n #foreach($i in [1..1001])#end")
        assert info.value.message == limits.LOOP_TOO_LONG
        assert info.value.location is not None
        assert (info.value.location.line, info.value.location.column) == (2, 2)

    def test_break_before_the_limit_is_fine(self) -> None:
        assert render("#foreach($i in [1..5000])#if($i == 3)#break#end$i#end") == "12"

    def test_output_limit(self) -> None:
        big = "x" * (1024 * 1024)
        assert len(render("$s$s$s$s", s=big)) == 4 * 1024 * 1024
        with pytest.raises(TemplateRuntimeError, match=limits.OUTPUT_TOO_LARGE):
            render("$s$s$s$s$s$s", s=big)

    def test_output_limit_counts_utf8_bytes(self) -> None:
        wide = "é" * (1024 * 1024)  # 2 MB of UTF-8
        with pytest.raises(TemplateRuntimeError, match=limits.OUTPUT_TOO_LARGE):
            render("$s$s$s", s=wide)

    def test_output_limit_is_checked_inside_loops(self) -> None:
        chunk = "x" * 10_000
        template = "#foreach($i in [1..1000])#foreach($j in [1..1000])$c#end#end"
        with pytest.raises(TemplateRuntimeError, match=limits.OUTPUT_TOO_LARGE):
            render(template, c=chunk)

    def test_string_growth_is_bounded(self) -> None:
        template = "#set($s = 'xxxxxxxxxxxxxxxx')#foreach($i in [1..40])#set($s = \"$s$s\")#end"
        with pytest.raises(TemplateRuntimeError, match=limits.OUTPUT_TOO_LARGE):
            render(template)

    def test_macro_recursion_is_bounded(self) -> None:
        with pytest.raises(TemplateRuntimeError, match="Max calling depth of 20"):
            render("#macro(loop)#loop()#end#loop()")

    def test_define_recursion_is_reported(self) -> None:
        with pytest.raises(TemplateRuntimeError, match="recursion"):
            render("#define($d)$d#end$d")

    def test_template_size_limit(self) -> None:
        from vtl_fakes import ENGINE

        ENGINE.compile("x" * limits.MAX_TEMPLATE_BYTES, "max.vtl")
        with pytest.raises(TemplateSyntaxError) as info:
            ENGINE.compile("é" * (limits.MAX_TEMPLATE_BYTES // 2 + 1), "big.vtl")
        assert info.value.message == limits.TEMPLATE_TOO_LARGE
        assert (info.value.location.line, info.value.location.column) == (1, 1)


def test_return_value_is_the_python_value() -> None:
    result = render_result("#set($l = [1, 2.5, 'x', null, {'k': true}])#return($l)")
    assert result.return_value == [1, 2.5, "x", None, {"k": True}]
