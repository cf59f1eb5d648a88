"""Directives: #set, #if, #foreach, #break, #stop, #return, #define, #macro, escapes, blocks."""

from __future__ import annotations

from typing import Any

import pytest
from vtl_fakes import render, render_result


class TestSet:
    def test_simple_and_overwrite(self) -> None:
        assert render("#set($a = 1)#set($a = $a + 1)$a") == "2"

    def test_map_property_and_index_assignment(self) -> None:
        template = "#set($m = {})#set($m.a = 1)#set($m['b'] = 2)#set($m.c = {})#set($m.c.d = 3)$m"
        assert render(template) == "{a=1, b=2, c={d=3}}"

    def test_list_index_assignment(self) -> None:
        assert render("#set($l = [1, 2, 3])#set($l[0] = 9)#set($l[-1] = 7)$l") == "[9, 2, 7]"

    def test_null_right_hand_side_leaves_the_variable_unchanged(self) -> None:
        # Velocity 1.7 default (directive.set.null.allowed = false)
        assert render("#set($x = 'q')#set($x = $missing)$x") == "q"
        assert render("#set($x = $missing)$x") == "$x"
        assert render("#set($m = {'a': 1})#set($m.a = $missing)$m") == "{a=1}"

    def test_assigning_into_a_null_chain_is_ignored(self) -> None:
        assert render("#set($nope.a = 1)ok") == "ok"

    def test_set_on_caller_data_is_visible_to_the_caller(self) -> None:
        ctx: dict[str, Any] = {"stash": {}}
        render("$util.qr($ctx.stash.put('k', 'v'))#set($ctx.stash.n = 1)", ctx=ctx)
        assert ctx["stash"] == {"k": "v", "n": 1}

    def test_top_level_variables_are_not_written_back(self) -> None:
        variables: dict[str, Any] = {"a": 1}
        render("#set($a = 2)#set($b = 3)", **variables)
        assert variables == {"a": 1}


class TestIf:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (None, "F"),
            (False, "F"),
            (True, "T"),
            (0, "T"),
            ("", "T"),
            ("false", "T"),
            ([], "T"),
            ({}, "T"),
        ],
    )
    def test_truthiness_of_references(self, value: Any, expected: str) -> None:
        assert render("#if($v)T#{else}F#end", v=value) == expected

    @pytest.mark.parametrize(
        ("condition", "expected"),
        [
            ("true", "T"),
            ("false", "F"),
            ("'abc'", "F"),  # Velocity 1.7: a literal has no truth value
            ("1", "F"),
            ("[1]", "F"),
            ("$a + 1", "F"),
            ("!'abc'", "T"),
            ("($a)", "T"),
            ("null", "F"),
        ],
    )
    def test_truthiness_by_node_kind(self, condition: str, expected: str) -> None:
        assert render(f"#if({condition})T#{{else}}F#end", a=1) == expected

    def test_elseif_chain(self) -> None:
        template = (
            "#foreach($i in [1..4])#if($i == 1)a#elseif($i == 2)b#elseif($i == 3)c#{else}d#end#end"
        )
        assert render(template) == "abcd"

    def test_elseif_with_method_calls_in_conditions(self) -> None:
        template = "#if($l.size() > 5)big#elseif($l.contains(2))has2#{else}none#end"
        assert render(template, l=[1, 2]) == "has2"

    def test_multiline_condition(self) -> None:
        assert render("#if( $a == 1 &&\n    $b == 2 )\nyes\n#end", a=1, b=2) == "yes\n"


class TestForeach:
    def test_list(self) -> None:
        assert render("#foreach($x in $l)[$x]#end", l=["a", "b"]) == "[a][b]"

    def test_map_iterates_values(self) -> None:
        assert render("#foreach($v in $m)$v,#end", m={"a": 1, "b": 2}) == "1,2,"

    def test_key_set_and_entry_set(self) -> None:
        template = (
            "#foreach($k in $m.keySet())$k#end "
            "#foreach($e in $m.entrySet())$e.key=$e.value;$e.getKey()$e.getValue()|#end"
        )
        assert render(template, m={"a": 1, "b": 2}) == "ab a=1;a1|b=2;b2|"

    def test_ranges(self) -> None:
        assert render("#foreach($i in [1..3])$i#end") == "123"
        assert render("#foreach($i in [3..1])$i#end") == "321"
        assert render("#foreach($i in [-1..1])$i,#end") == "-1,0,1,"
        assert render("#foreach($i in [$a..$b])$i#end", a=2, b=4) == "234"
        assert render("#foreach($i in [ 1 .. 2 ])$i#end") == "12"

    def test_null_and_non_iterables_are_skipped(self) -> None:
        assert render("a#foreach($x in $missing)x#end b") == "a b"
        assert render("#foreach($x in 'abc')x#end.") == "."
        assert render("#foreach($x in [$a..$missing])x#end.", a=1) == "."

    def test_loop_helpers(self) -> None:
        template = (
            "#foreach($x in ['a', 'b', 'c'])"
            "$foreach.index/$foreach.count/$velocityCount/$foreach.hasNext/$foreach.first/"
            "$foreach.last/$velocityHasNext;#end"
        )
        assert render(template) == (
            "0/1/1/true/true/false/true;1/2/2/true/false/false/true;2/3/3/false/false/true/false;"
        )

    def test_loop_helper_methods(self) -> None:
        assert render("#foreach($x in [1, 2])$foreach.hasNext() $foreach.isLast()|#end") == (
            "true false|false true|"
        )

    def test_nested_loops_and_parent(self) -> None:
        template = (
            "#foreach($a in [1, 2])#foreach($b in ['x'])"
            "$a$b:$foreach.count/$foreach.parent.count #end#end"
        )
        assert render(template) == "1x:1/1 2x:1/2 "

    def test_loop_variables_are_restored_afterwards(self) -> None:
        assert render("#set($x = 'outer')#foreach($x in [1])$x#end $x") == "1 outer"
        assert render("#foreach($x in [1])#end$x $foreach.count $velocityCount") == (
            "$x $foreach.count $velocityCount"
        )

    def test_null_items_render_as_the_reference(self) -> None:
        assert render("#foreach($x in $l)[$x]#end", l=[1, None]) == "[1][$x]"

    def test_iterates_over_a_snapshot(self) -> None:
        items = [1, 2]
        assert render("#foreach($x in $l)$util.qr($l.add($x))$x#end", l=items) == "12"
        assert items == [1, 2, 1, 2]

    def test_break(self) -> None:
        assert render("#foreach($i in [1..5])#if($i == 3)#break#end$i#end") == "12"

    def test_break_leaves_only_the_inner_loop(self) -> None:
        template = "#foreach($a in [1, 2])#foreach($b in [1, 2])#break#end$a#end"
        assert render(template) == "12"

    def test_break_outside_a_loop_ends_the_template(self) -> None:
        assert render("a#break b") == "a"


class TestStopAndReturn:
    def test_stop_keeps_output_so_far(self) -> None:
        result = render_result("a#stop b")
        assert (result.output, result.returned) == ("a", False)

    def test_stop_inside_a_loop(self) -> None:
        assert render("#foreach($i in [1..3])$i#if($i == 2)#stop#end#end after") == "12"

    @pytest.mark.parametrize("template", ["x#return y", "#return()", "#if(true)#return#end"])
    def test_bare_return(self, template: str) -> None:
        result = render_result(template)
        assert (result.returned, result.return_value, result.output) == (True, None, "")

    def test_return_with_a_value(self) -> None:
        result = render_result("#set($m = {'a': [1, 'b']})#return($m)")
        assert result.returned
        assert result.return_value == {"a": [1, "b"]}

    def test_return_with_an_expression(self) -> None:
        assert render_result("#return($a + 1)", a=1).return_value == 2

    def test_return_inside_a_macro_ends_the_template(self) -> None:
        result = render_result("#macro(m)#return('r')#end#m()after")
        assert (result.returned, result.return_value) == (True, "r")


class TestDefine:
    def test_renders_lazily_in_the_current_scope(self) -> None:
        # (the space before the second #set is eaten: it follows a reference)
        assert render("#define($b)inside $x#end#set($x = 5)$b #set($x = 6)$b") == "inside 5inside 6"

    def test_block_is_a_value(self) -> None:
        assert render("#define($b)x#end#if($b)yes#end $b.toString()") == "yes x"

    def test_break_inside_a_block_ends_the_block(self) -> None:
        assert render("#define($b)a#break b#end[$b]") == "[a]"


class TestMacro:
    def test_call_with_arguments(self) -> None:
        assert render(
            "#macro(greet $who $how)$how, $who!#end#greet('Bob' 'Hi') #greet('Al', 'Yo')"
        ) == ("Hi, Bob! Yo, Al!")

    def test_call_before_definition(self) -> None:
        assert render("#twice(2)\n#macro(twice $n)$n$n#end") == "22"

    def test_null_argument_prints_the_callers_reference(self) -> None:
        assert render("#macro(show $v)[$v]#end#show($missing.value)") == "[$missing.value]"

    def test_arguments_are_local_but_sets_are_global(self) -> None:
        template = "#set($v = 'outer')#macro(m $v)#set($g = $v)$v#end#m('inner') $v $g"
        assert render(template) == "inner outer inner"

    def test_missing_arguments_see_the_caller_variable(self) -> None:
        assert render("#set($b = 'global')#macro(m $a $b)$a$b#end#m('x')") == "xglobal"

    def test_call_without_parentheses(self) -> None:
        assert render("#macro(hi)hello#end#hi there") == "hello there"

    def test_recursion(self) -> None:
        template = "#macro(count $n)$n#if($n > 1)#set($m = $n - 1)#count($m)#end#end#count(3)"
        assert render(template) == "321"

    def test_macro_output_inside_an_interpolated_string(self) -> None:
        assert render('#macro(x)X#end#set($s = "a#x()b")$s') == "aXb"


class TestTextAndEscapes:
    def test_unparsed_content(self) -> None:
        assert render("#[[ $x #if( ]]#") == " $x #if( "

    def test_escaped_reference(self) -> None:
        assert render("\\$a \\$missing", a=1) == "$a \\$missing"

    def test_double_backslash_before_reference(self) -> None:
        assert render("\\\\$a \\\\$missing", a=1) == "\\1 \\\\$missing"

    def test_escaped_directives(self) -> None:
        assert render("\\#if \\#end \\#set \\#foreach \\#foo") == "#if #end #set #foreach \\#foo"

    def test_even_backslashes_before_a_directive(self) -> None:
        assert render("\\\\#if(true)y#end") == "\\y"

    def test_escaped_macro_name(self) -> None:
        assert render("#macro(m)x#end\\#m") == "#m"

    @pytest.mark.parametrize(
        ("template", "expected"),
        [
            ("# not a directive", "# not a directive"),
            ("#1 #$a", "#1 #1"),
            (
                '"expression": "attribute_not_exists(#id)"',
                '"expression": "attribute_not_exists(#id)"',
            ),
            ("SET #name = :name", "SET #name = :name"),
            ("#unknown(1, 'x')\nnext", "#unknownnext"),  # Velocity drops the arguments
            ("a$", "a$"),
            ("$ 1 $5 $!", "$ 1 $5 $!"),
            ("trailing \\", "trailing \\"),
        ],
    )
    def test_text_that_looks_like_vtl(self, template: str, expected: str) -> None:
        assert render(template, a=1) == expected
