"""Java regular expressions for String.matches/replaceAll/replaceFirst/split."""

from __future__ import annotations

import pytest

from app.templates.vtl import jregex
from app.templates.vtl.javalang import JavaError


@pytest.mark.parametrize(
    ("text", "pattern", "expected"),
    [
        ("abc", "abc", True),
        ("abc", "ab", False),  # matches() is a full match
        ("a.b", "a\\Q.\\Eb", True),
        ("a-b", "a\\Q.\\Eb", False),
        ("Ab", "\\p{Upper}\\p{Lower}", True),
        ("é", "\\w", False),  # Java's \w is ASCII
        ("x", "[\\p{Alpha}]", True),
        ("a b", "a\\hb", True),
        ("2024", "(?<year>\\d{4})", True),
        ("abab", "(?<p>ab)\\k<p>", True),
        ("ab\n", "ab\\Z", False),  # \Z stops before the final newline; matches() needs all
        ("aaa", "a++", True),
    ],
)
def test_matches(text: str, pattern: str, expected: bool) -> None:
    assert jregex.matches(text, pattern) is expected


@pytest.mark.parametrize(
    ("text", "pattern", "replacement", "expected"),
    [
        ("a1b2", "\\d", "#", "a#b#"),
        ("John Smith", "(\\w+) (\\w+)", "$2 $1", "Smith John"),
        ("2024-01", "(?<y>\\d+)-(?<m>\\d+)", "${m}/${y}", "01/2024"),
        ("cost", "cost", "\\$5", "$5"),
        ("a", "a", "\\\\", "\\"),
        ("abc", "", "-", "-a-b-c-"),
        ("ab", "(a)|(b)", "[$2]", "[][b]"),
        ("x", "(x)", "$10", "x0"),  # $1 then a literal 0: there is no group 10
    ],
)
def test_replace_all(text: str, pattern: str, replacement: str, expected: str) -> None:
    assert jregex.replace(text, pattern, replacement, 0) == expected


def test_end_anchors() -> None:
    assert jregex.replace("ab\n", "b\\Z", "X", 0) == "aX\n"
    assert jregex.replace("ab\n", "b\\z", "X", 0) == "ab\n"


def test_replace_first() -> None:
    assert jregex.replace("a1b2", "\\d", "#", 1) == "a#b2"


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        ("$", "group index is missing"),
        ("\\", "character to be escaped"),
        ("$9", "No group 9"),
        ("$x", "Illegal group"),
    ],
)
def test_bad_replacements(replacement: str, message: str) -> None:
    with pytest.raises(JavaError, match=message):
        jregex.replace("a", "a", replacement, 0)


@pytest.mark.parametrize(
    ("text", "pattern", "limit", "expected"),
    [
        ("a,b,,c,,", ",", 0, ["a", "b", "", "c"]),
        ("a,b,,c,,", ",", -1, ["a", "b", "", "c", "", ""]),
        ("a,b,c", ",", 2, ["a", "b,c"]),
        ("", ",", 0, [""]),
        (",a", ",", 0, ["", "a"]),
        ("abc", "", 0, ["a", "b", "c"]),
        ("a1b", "(\\d)", 0, ["a", "b"]),  # groups are not included, unlike re.split
        ("boo:and:foo", "o", 0, ["b", "", ":and:f"]),
    ],
)
def test_split(text: str, pattern: str, limit: int, expected: list[str]) -> None:
    assert jregex.split(text, pattern, limit) == expected


@pytest.mark.parametrize("pattern", ["(", "[a-z&&[def]]", "\\p{IsLatin}", "\\G"])
def test_unsupported_or_invalid_patterns(pattern: str) -> None:
    with pytest.raises(JavaError) as info:
        jregex.compile_pattern(pattern)
    assert info.value.java_class == "java.util.regex.PatternSyntaxException"
