"""Java methods on template values: Map, List, String, numbers, booleans, entries."""

from __future__ import annotations

from typing import Any

import pytest
from vtl_fakes import render

from app.templates.api import TemplateRuntimeError


def call(receiver: Any, expression: str) -> str:
    """Render `$x.<expression>` with `$x` bound to `receiver`."""
    return render(f"$x.{expression}", x=receiver)


class TestMap:
    @pytest.mark.parametrize(
        ("expression", "expected"),
        [
            ("get('a')", "1"),
            ("get('zz')", "$x.get('zz')"),
            ("containsKey('a')", "true"),
            ("containsKey('zz')", "false"),
            ("containsValue(2)", "true"),
            ("containsValue('2')", "false"),
            ("keySet()", "[a, b]"),
            ("values()", "[1, 2]"),
            ("entrySet()", "[a=1, b=2]"),
            ("size()", "2"),
            ("isEmpty()", "false"),
            ("getOrDefault('zz', 'd')", "d"),
            ("getOrDefault('a', 'd')", "1"),
            ("toString()", "{a=1, b=2}"),
            ("equals({'a': 1, 'b': 2})", "true"),
            ("equals({'b': 2, 'a': 1})", "true"),
            ("equals({'a': 1})", "false"),
        ],
    )
    def test_queries(self, expression: str, expected: str) -> None:
        assert call({"a": 1, "b": 2}, expression) == expected

    def test_put_returns_the_previous_value(self) -> None:
        m: dict[str, Any] = {"a": 1}
        assert render("$m.put('a', 2) $m.put('b', 3)", m=m) == "1 $m.put('b', 3)"
        assert m == {"a": 2, "b": 3}

    def test_remove_put_all_clear(self) -> None:
        m: dict[str, Any] = {"a": 1, "b": 2}
        assert render("$m.remove('a')|$m.remove('zz')|$m.putAll({'c': 3})|$m", m=m) == (
            "1|$m.remove('zz')||{b=2, c=3}"
        )
        assert render("$m.clear()$m.isEmpty()", m=m) == "true"

    def test_put_if_absent(self) -> None:
        m: dict[str, Any] = {"a": 1}
        assert (
            render("$m.putIfAbsent('a', 9) $m.putIfAbsent('b', 2)", m=m)
            == "1 $m.putIfAbsent('b', 2)"
        )
        assert m == {"a": 1, "b": 2}

    def test_entries_are_live(self) -> None:
        m: dict[str, Any] = {"a": 1}
        render("#foreach($e in $m.entrySet())$util.qr($e.setValue(5))#set($e.value = 6)#end", m=m)
        assert m == {"a": 6}

    def test_key_set_is_a_copy(self) -> None:
        m: dict[str, Any] = {"a": 1}
        render("$util.qr($m.keySet().add('b'))", m=m)
        assert m == {"a": 1}


class TestList:
    @pytest.mark.parametrize(
        ("expression", "expected"),
        [
            ("get(0)", "a"),
            ("size()", "3"),
            ("isEmpty()", "false"),
            ("contains('b')", "true"),
            ("contains('z')", "false"),
            ("indexOf('b')", "1"),
            ("indexOf('z')", "-1"),
            ("lastIndexOf('a')", "2"),
            ("subList(1, 3)", "[b, a]"),
            ("containsAll(['a', 'b'])", "true"),
            ("toString()", "[a, b, a]"),
            ("equals(['a', 'b', 'a'])", "true"),
        ],
    )
    def test_queries(self, expression: str, expected: str) -> None:
        assert call(["a", "b", "a"], expression) == expected

    def test_add_set_remove(self) -> None:
        items: list[Any] = [1, 2, 3]
        assert render(
            "$l.add(4)|$l.add(0, 0)|$l.set(1, 'x')|$l.remove(0)|$l.remove('x')|$l", l=items
        ) == ("true||1|0|true|[2, 3, 4]")

    def test_remove_by_index_for_integers_and_by_value_otherwise(self) -> None:
        items: list[Any] = ["a", 5, "b"]
        assert (
            render("$l.remove(1)|$l.remove('b')|$l.remove('zz')|$l", l=items) == "5|true|false|[a]"
        )

    def test_add_all_remove_all_retain_all_clear(self) -> None:
        items: list[Any] = [1]
        assert (
            render("$l.addAll([2, 3])$l.removeAll([1])$l.retainAll([3])$l", l=items)
            == "truetruetrue[3]"
        )
        assert render("[$l.clear()]$l", l=items) == "[][]"

    @pytest.mark.parametrize(
        ("expression", "message"),
        [
            ("get(3)", "IndexOutOfBoundsException: Index: 3, Size: 1"),
            ("set(5, 1)", "IndexOutOfBoundsException: Index: 5, Size: 1"),
            ("add(3, 'x')", "IndexOutOfBoundsException: Index: 3, Size: 1"),
            ("subList(0, 4)", "IndexOutOfBoundsException: toIndex = 4"),
        ],
    )
    def test_bounds_errors(self, expression: str, message: str) -> None:
        with pytest.raises(TemplateRuntimeError, match=message) as info:
            call(["a"], expression)
        assert "java.util.ArrayList" in info.value.message


class TestString:
    @pytest.mark.parametrize(
        ("receiver", "expression", "expected"),
        [
            ("Hello", "length()", "5"),
            ("Hello", "substring(1)", "ello"),
            ("Hello", "substring(1, 3)", "el"),
            ("Hello", "indexOf('l')", "2"),
            ("Hello", "indexOf('l', 3)", "3"),
            ("Hello", "indexOf('z')", "-1"),
            ("Hello", "lastIndexOf('l')", "3"),
            ("Hello", "lastIndexOf('l', 2)", "2"),
            ("Hello", "toUpperCase()", "HELLO"),
            ("Hello", "toLowerCase()", "hello"),
            ("  \t Hi \n", "trim()", "Hi"),
            ("Hello", "startsWith('He')", "true"),
            ("Hello", "startsWith('l', 2)", "true"),
            ("Hello", "endsWith('lo')", "true"),
            ("Hello", "contains('ell')", "true"),
            ("a.b.c", "replace('.', '-')", "a-b-c"),
            ("a1b22c", "replaceAll('[0-9]+', '#')", "a#b#c"),
            ("a1b22c", "replaceFirst('[0-9]+', '#')", "a#b22c"),
            ("John Smith", "replaceAll('(\\w+) (\\w+)', '$2, $1')", "Smith, John"),
            ("a,b,,c,,", "split(',')", "[a, b, , c]"),
            ("a,b,c", "split(',', 2)", "[a, b,c]"),
            ("a1b2", "split('[0-9]')", "[a, b]"),
            ("", "split(',')", "[]"),
            ("abc", "equals('abc')", "true"),
            ("abc", "equalsIgnoreCase('ABC')", "true"),
            ("2024-01-02", "matches('\\d{4}-\\d{2}-\\d{2}')", "true"),
            ("2024-01-02x", "matches('\\d{4}-\\d{2}-\\d{2}')", "false"),
            ("Hello", "charAt(1)", "e"),
            ("", "isEmpty()", "true"),
            ("a", "concat('b')", "ab"),
            ("a", "toString()", "a"),
            ("hello", "hashCode()", "99162322"),
            ("b", "compareTo('a')", "1"),
            ("apple", "compareTo('b')", "-1"),
        ],
    )
    def test_methods(self, receiver: str, expression: str, expected: str) -> None:
        assert call(receiver, expression) == expected

    def test_empty_string_split_keeps_one_element(self) -> None:
        assert call("", "split(',').size()") == "1"

    def test_utf16_lengths_and_indexes(self) -> None:
        assert call("a😀b", "length()") == "4"
        assert call("a😀b", "substring(1, 3)") == "😀"
        assert call("a😀b", "indexOf('b')") == "3"

    @pytest.mark.parametrize(
        ("expression", "message"),
        [
            ("substring(5)", "String index out of range: -2"),
            ("substring(2, 1)", "String index out of range: -1"),
            ("charAt(9)", "String index out of range: 9"),
            ("contains($missing)", "NullPointerException"),
            ("replaceAll('(', 'x')", "PatternSyntaxException"),
            ("replaceAll('a', '$2')", "No group 2"),
        ],
    )
    def test_errors(self, expression: str, message: str) -> None:
        with pytest.raises(TemplateRuntimeError, match=message):
            call("abc", expression)


class TestNumbersAndBooleans:
    @pytest.mark.parametrize(
        ("receiver", "expression", "expected"),
        [
            (7, "intValue()", "7"),
            (7, "longValue()", "7"),
            (7, "doubleValue()", "7.0"),
            (7, "toString()", "7"),
            (7, "equals(7)", "true"),
            (7, "equals(7.0)", "false"),
            (7, "compareTo(9)", "-1"),
            (2.9, "intValue()", "2"),
            (-2.9, "intValue()", "-2"),
            (1e20, "intValue()", "2147483647"),
            (2**40, "intValue()", "0"),
            (1.5, "toString()", "1.5"),
            (1.0, "equals(1.0)", "true"),
            (True, "booleanValue()", "true"),
            (True, "toString()", "true"),
            (False, "equals(false)", "true"),
            (True, "equals('true')", "false"),
            (7, "class.name", "java.lang.Integer"),
            (2**40, "class.name", "java.lang.Long"),
            (1.5, "class.name", "java.lang.Double"),
            (True, "class.name", "java.lang.Boolean"),
            ("s", "class.name", "java.lang.String"),
            ([], "getClass().getName()", "java.util.ArrayList"),
        ],
    )
    def test_methods(self, receiver: Any, expression: str, expected: str) -> None:
        assert call(receiver, expression) == expected
