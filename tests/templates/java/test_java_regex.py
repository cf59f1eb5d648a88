"""`app.templates.java.regex`: Java regular expressions for `String.matches/replaceAll/
replaceFirst/split` and `$util.matches`.

Where the engine's and `$util`'s former copies disagreed, Java's documented behaviour is
pinned here.
"""

from __future__ import annotations

import pytest

from app.templates.java import regex
from app.templates.java.lang import JavaError
from app.templates.java.regex import PatternSyntaxError


@pytest.mark.parametrize(
    ("text", "pattern", "expected"),
    [
        ("abc", "abc", True),
        ("abc", "ab", False),  # matches() is a full match
        ("a.b", "a\\Q.\\Eb", True),
        ("a-b", "a\\Q.\\Eb", False),
        ("Ab", "\\p{Upper}\\p{Lower}", True),
        ("abc1", "\\p{Alpha}+\\p{Digit}", True),
        ("é", "\\w", False),  # Java's \w is ASCII
        ("héllo", "\\w+", False),
        ("x", "[\\p{Alpha}]", True),
        ("a b", "a\\hb", True),
        ("2024", "(?<year>\\d{4})", True),
        ("abab", "(?<p>ab)\\k<p>", True),
        ("2018-2018", "(?<year>\\d{4})-\\k<year>", True),
        ("ab\n", "ab\\Z", False),  # \Z stops before the final newline; matches() needs all
        ("aaa", "a++", True),
    ],
)
def test_matches(text: str, pattern: str, expected: bool) -> None:
    assert regex.matches(text, pattern) is expected


@pytest.mark.parametrize(
    ("text", "pattern", "expected"),
    [
        # Unicode general categories (Pattern: "Categories may be specified with the optional
        # prefix Is"; `general_category=` also works). The engine's copy refused them.
        ("Émile", "\\p{Lu}\\p{L}+", True),
        ("émile", "\\p{Lu}\\p{L}+", False),
        ("Ω", "\\p{IsLu}", True),
        ("Ω", "\\p{general_category=Lu}", True),
        ("Ω", "\\pL", True),
        ("7", "\\P{L}", True),
        ("é", "\\P{L}", False),
        ("é", "[\\p{L}]", True),
        # A negated property inside a class: `[\P{Digit}x]` is "not a digit, or x". The two
        # copies each got it wrong (one dropped the negation, one nested `[^...]`).
        ("a", "[\\P{Digit}x]", True),
        ("é", "[\\P{Digit}x]", True),
        ("5", "[\\P{Digit}x]", False),
        ("5", "[\\P{L}]", True),
        ("é", "[\\P{L}]", False),
        ("a", "[^\\P{Alpha}]", True),
        ("1", "[^\\P{Alpha}]", False),
        # Java 8's \v is vertical whitespace, not only the vertical tab (`$util`'s copy).
        ("\n", "\\v", True),
        ("\u2028", "\\v", True),
        ("\x1b", "\\e", True),
        ("A", "\\0101", True),  # octal escapes need the leading 0
        ("\r\n", "\\R", True),
        ("😀", "\\x{1F600}", True),
    ],
)
def test_matches_resolved_disagreements(text: str, pattern: str, expected: bool) -> None:
    assert regex.matches(text, pattern) is expected


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
    assert regex.replace(text, pattern, replacement, 0) == expected


def test_end_anchors() -> None:
    assert regex.replace("ab\n", "b\\Z", "X", 0) == "aX\n"
    assert regex.replace("ab\n", "b\\z", "X", 0) == "ab\n"


def test_replace_first() -> None:
    assert regex.replace("a1b2", "\\d", "#", 1) == "a#b2"


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
        regex.replace("a", "a", replacement, 0)


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
    assert regex.split(text, pattern, limit) == expected


@pytest.mark.parametrize(
    "pattern",
    ["(", "[a-z&&[def]]", "\\p{IsLatin}", "\\p{Foo}", "\\p{Alpha", "\\G", "a\\", "[[a]]"],
)
def test_unsupported_or_invalid_patterns(pattern: str) -> None:
    with pytest.raises(PatternSyntaxError) as info:
        regex.compile_pattern(pattern)
    assert info.value.java_class == "java.util.regex.PatternSyntaxException"
    assert info.value.pattern == pattern
    assert info.value.message.endswith(f"near index {info.value.index}\n{pattern}")


def test_a_trailing_backslash_fails_as_in_java() -> None:
    # Java: "Unexpected internal error near index 1"; `$util`'s copy passed it to `re`.
    with pytest.raises(PatternSyntaxError) as info:
        regex.compile_pattern("a\\")
    assert info.value.description == "Unexpected internal error"
