"""Operators and literals inside directives, with Velocity 1.7's (Java's) semantics."""

from __future__ import annotations

from typing import Any

import pytest
from vtl_fakes import render


def value(expression: str, **variables: Any) -> str:
    """Render `#set($r = expression)$r`."""
    return render(f"#set($r = {expression})$r", **variables)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2", "3"),
        ("7 / 2", "3"),
        ("-7 / 2", "-3"),  # truncates toward zero
        ("7 % 3", "1"),
        ("-7 % 3", "-1"),  # sign of the dividend
        ("7 % -3", "1"),
        ("2 * 3 + 4", "10"),
        ("2 * (3 + 4)", "14"),
        ("10 - 2 - 3", "5"),
        ("1.5 + 1", "2.5"),
        ("7.0 / 2", "3.5"),
        ("1 / 3.0", "0.3333333333333333"),
        ("0.1 + 0.2", "0.30000000000000004"),
        ("2147483647 + 1", "2147483648"),  # Integer overflow promotes to Long
        ("9223372036854775807 + 1", "9223372036854775808"),  # and Long to BigInteger
        ("-5.5 % 2", "-1.5"),
    ],
)
def test_arithmetic(expression: str, expected: str) -> None:
    assert value(expression) == expected


@pytest.mark.parametrize("expression", ["1 / 0", "1 % 0", "1.0 / 0", "$n + 1", "$m - 1", "'a' * 2"])
def test_invalid_arithmetic_is_null(expression: str) -> None:
    assert value(expression, m={}) == "$r"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("'a' + 1", "a1"),
        ("1 + 'a'", "1a"),
        ("'a' + 1 + 2", "a12"),
        ("1 + 2 + 'a'", "3a"),
        ("'x' + true", "xtrue"),
        ("'x' + 1.0", "x1.0"),
        ("'x' + $l", "x[1, null]"),
        ("'x' + $m", "x{k=v}"),
    ],
)
def test_string_concatenation_uses_java_to_string(expression: str, expected: str) -> None:
    assert value(expression, l=[1, None], m={"k": "v"}) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 == 1.0", "true"),
        ("1 == '1'", "true"),  # different classes compare as strings
        ("1.0 == '1.0'", "true"),
        ("1.0 == '1'", "false"),
        ("true == 'true'", "true"),
        ("'a' == 'a'", "true"),
        ("'a' == 'A'", "false"),
        ("$n == $n2", "true"),  # both null
        ("$n == 'x'", "false"),
        ("$l == [1, 2]", "true"),
        ("$l == '[1, 2]'", "true"),
        ("$m == {'k': 'v'}", "true"),
        ("{'k': 1} == {'k': 1.0}", "false"),  # Integer.equals(Double) is false
        ("true == 1", "false"),
        ("1 != 2", "true"),
        ("1 ne 1", "false"),
        ("2 eq 2", "true"),
        ("$n != 'x'", "true"),
    ],
)
def test_equality(expression: str, expected: str) -> None:
    assert value(expression, l=[1, 2], m={"k": "v"}) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 < 2", "true"),
        ("2 <= 2", "true"),
        ("3 > 2.5", "true"),
        ("3 >= 4", "false"),
        ("1 lt 2", "true"),
        ("1 gt 2", "false"),
        ("2 le 2", "true"),
        ("2 ge 3", "false"),
        ("'a' < 'b'", "false"),  # only numbers compare in Velocity 1.7
        ("$n < 1", "false"),
        ("true > false", "false"),
    ],
)
def test_relational(expression: str, expected: str) -> None:
    assert value(expression) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("true && false", "false"),
        ("true and true", "true"),
        ("false || true", "true"),
        ("false or false", "false"),
        ("!true", "false"),
        ("not false", "true"),
        ("!$n", "true"),
        ("$a && $b", "true"),
        ("1 < 2 && 2 < 3 || false", "true"),
        ("!($a == 1)", "false"),
        ("'x' && true", "false"),  # a literal string has no truth value in Velocity 1.7
    ],
)
def test_logic(expression: str, expected: str) -> None:
    assert value(expression, a=1, b="") == expected


def test_logic_short_circuits() -> None:
    items: list[Any] = []
    render(
        "#if(false && $l.add(1))#end#if(true || $l.add(2))#end#if(true && $l.add(3))#end", l=items
    )
    assert items == [3]


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("42", "42"),
        ("-42", "-42"),
        ("1.5", "1.5"),
        ("1.", "1.0"),
        (".5", "0.5"),
        ("-.5", "-0.5"),
        ("1e3", "1000.0"),
        ("1.5e7", "1.5E7"),
        ("1e-4", "1.0E-4"),
        ("0.001", "0.001"),
        ("1234567.0", "1234567.0"),
        ("12345678.0", "1.2345678E7"),
        ("'single'", "single"),
        ('"double"', "double"),
        ("true", "true"),
        ("[]", "[]"),
        ("{}", "{}"),
        ("[1, [2, {'a': null}]]", "[1, [2, {a=null}]]"),
        ("{'b': 1, 'a': 2}", "{b=1, a=2}"),
        ("{1: 'int key'}", "{1=int key}"),
        ("[1..3]", "[1, 2, 3]"),
    ],
)
def test_literals_render_as_java_values(literal: str, expected: str) -> None:
    assert value(literal) == expected


def test_minus_followed_by_a_digit_is_a_negative_literal() -> None:
    # `$a -1` is two values side by side (a syntax error); `$a - 1` subtracts.
    assert value("$a - 1", a=5) == "4"


def test_big_ranges_are_refused() -> None:
    from app.templates.api import TemplateRuntimeError

    with pytest.raises(TemplateRuntimeError, match="Range"):
        value("[1..1000000]")
