"""References: forms, null rendering, properties, methods, indexes, string interpolation."""

from __future__ import annotations

from typing import Any

import pytest
from vtl_fakes import render


class TestForms:
    def test_plain_formal_and_quiet(self) -> None:
        assert render("$a ${a} $!a $!{a}", a="x") == "x x x x"

    def test_null_prints_its_own_source_text(self) -> None:
        assert (
            render("$n ${n} $n.a.b() $n[0] $n.b('x', 1)") == "$n ${n} $n.a.b() $n[0] $n.b('x', 1)"
        )

    def test_quiet_null_prints_nothing(self) -> None:
        assert render("[$!n][$!{n.a}][$!n.b()]") == "[][][]"

    def test_null_in_the_middle_of_a_chain(self) -> None:
        assert render("$m.a.b.c", m={"a": None}) == "$m.a.b.c"

    def test_formal_reference_separates_from_text(self) -> None:
        assert render("${a}bc $abc", a="x") == "xbc $abc"

    def test_hyphen_is_part_of_a_name(self) -> None:
        # Velocity 1.7 allows `-` in identifiers: "$a-$b" is the reference `$a-` then `$b`.
        assert render("$a-$b ${a}-$b", a=1, b=2) == "$a-2 1-2"
        assert render("$my-var", **{"my-var": "ok"}) == "ok"

    def test_text_after_a_reference(self) -> None:
        assert render("$a. $a.5 $a._x $a( $a]", a="v") == "v. v.5 v._x v( v]"

    def test_reference_directly_before_a_directive(self) -> None:
        assert render("$a#if(true)!#end", a="v") == "v!"


class TestProperties:
    def test_map_get(self) -> None:
        assert render("$m.a $m.get('a') $m['a'] $m.missing", m={"a": 1}) == "1 1 1 $m.missing"

    def test_map_keys_that_are_method_names(self) -> None:
        m = {"size": 5, "empty": "e", "class": "c"}
        assert render("$m.size $m.size() $m.empty $m.get('class') $m.class.name", m=m) == (
            "5 3 e c java.util.LinkedHashMap"
        )

    def test_getter_and_is_properties(self) -> None:
        assert render("$s.empty $l.empty $s.class.simpleName $l.size", s="", l=[1]) == (
            "true false String $l.size"
        )

    def test_namespace_attributes_and_sub_namespaces(self) -> None:
        assert render("$util.version $util.time.nowISO8601()") == "fake-1 2024-01-02T03:04:05.678Z"


class TestMethods:
    def test_method_with_arguments_and_chaining(self) -> None:
        assert render("$s.substring(1, 4).toUpperCase().length()", s="abcdef") == "3"

    def test_whitespace_in_argument_lists(self) -> None:
        assert render("$m.getOrDefault( 'x' , 'dflt' )", m={}) == "dflt"

    def test_nested_calls_and_literal_arguments(self) -> None:
        template = "$util.toJson([1, 'two', 3.5, true, false, null, {'k': [$a]}, [1..3]])"
        assert render(template, a="v") == '[1,"two",3.5,true,false,null,{"k":["v"]},[1,2,3]]'

    def test_method_returning_null_prints_the_reference(self) -> None:
        assert render("$m.put('k', 1)$m.put('k', 2)", m={}) == "$m.put('k', 1)1"

    def test_void_method_prints_nothing(self) -> None:
        assert render("[$l.clear()][$m.putAll({'a': 1})]$m", l=[1], m={}) == "[][]{a=1}"

    def test_unknown_method_prints_the_reference(self) -> None:
        assert (
            render("$s.noSuchMethod() $util.noSuch(1)", s="x")
            == "$s.noSuchMethod() $util.noSuch(1)"
        )

    def test_wrong_argument_count_or_type_prints_the_reference(self) -> None:
        assert render("$s.substring() $s.substring('a') $util.autoId(1)", s="x") == (
            "$s.substring() $s.substring('a') $util.autoId(1)"
        )

    def test_property_then_paren_text(self) -> None:
        # `(` not followed by an argument: `$s.length` is a property, then text.
        assert render("$m.a(%)", m={"a": "v"}) == "v(%)"

    def test_namespace_method_declared_void_prints_nothing(self) -> None:
        assert render("[$util.log('hi')][$util.nothing()]") == "[][$util.nothing()]"

    def test_quiet_reference_still_prints_method_results(self) -> None:
        assert render("$!m.put('a', 1)$!m.put('a', 2)", m={}) == "1"


class TestIndex:
    def test_list_and_map_indexes(self) -> None:
        data = {"l": [10, 20, 30], "m": {"k": "v", "x-y": 1}}
        assert render("$l[0] $l[-1] $m['k'] $m[\"x-y\"] $l[$i]", i=1, **data) == "10 30 v 1 20"

    def test_index_after_method_and_property(self) -> None:
        assert render("$m.l[1] $m.get('l')[0] $m.l[1][0]", m={"l": [1, [2]]}) == "[2] 1 2"

    def test_index_on_a_string_is_null(self) -> None:
        assert render("$s[0]", s="abc") == "$s[0]"


class TestInterpolation:
    @pytest.mark.parametrize(
        ("template", "expected"),
        [
            ('#set($s = "SHOP#${id}")$s', "SHOP#42"),
            ('#set($s = "$id-x")$s', "$id-x"),  # `$id-x` is one reference
            ('#set($s = "${id}-x")$s', "42-x"),
            ('#set($s = "a $missing b")$s', "a $missing b"),
            ('#set($s = "a $!missing b")$s', "a  b"),
            ("#set($s = 'no $id here')$s", "no $id here"),
            ('#set($s = "l=$l m=$m")$s', "l=[1, 2] m={k=v}"),
            ('#set($s = "q=\\"x\\"")$s', 'q=\\"x\\"'),  # backslashes stay (Velocity 1.7)
            ('#set($s = "\\u0041\\u00e9")$s', "Aé"),
            ('#set($s = "#if($id)yes#end")$s', "yes"),
            ('#set($s = "#set($z = 3)z=$z")$s', "z=3"),
            ('#set($s = "#foreach($i in [1..3])$i#end")$s', "123"),
            ('#set($s = "\\$id")$s', "$id"),
        ],
    )
    def test_double_quoted_strings(self, template: str, expected: str) -> None:
        assert render(template, id="42", l=[1, 2], m={"k": "v"}) == expected

    def test_interpolated_map_keys(self) -> None:
        assert render('#set($m = {"#$k": "$v"})$m', k="id", v=7) == "{#id=7}"

    def test_interpolation_evaluates_once(self) -> None:
        calls: list[Any] = []
        assert render('#set($s = "$l.add(1)")$s$l', l=calls) == "true[1]"
