"""`java.util.regex.Pattern` syntax on top of Python's `re`, for `$util.matches`.

The two dialects agree on most patterns templates use. This module rewrites the Java-only
forms (`\\Q...\\E`, `(?<name>`, `\\k<name>`, `\\z`, `\\Z`, `\\h`, `\\p{Alpha}` and friends)
and compiles with `re.ASCII`, because Java's `\\w`, `\\d`, `\\s`, `\\b` and case folding are
ASCII-only unless a pattern asks otherwise. A pattern Python cannot express raises the same
kind of error an invalid Java pattern does.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from app.templates.api import TemplateRuntimeError

# POSIX and java.lang.Character classes: US-ASCII, as Java defines them by default.
_PROPERTY_CLASSES = {
    "Lower": "a-z",
    "Upper": "A-Z",
    "ASCII": "\\x00-\\x7F",
    "Alpha": "a-zA-Z",
    "Digit": "0-9",
    "Alnum": "a-zA-Z0-9",
    "Punct": "!-/:-@\\[-`{-~",
    "Graph": "!-~",
    "Print": " -~",
    "Blank": " \\t",
    "Cntrl": "\\x00-\\x1F\\x7F",
    "XDigit": "0-9a-fA-F",
    "Space": " \\t\\n\\x0B\\f\\r",
    "javaLowerCase": "a-z",
    "javaUpperCase": "A-Z",
    "javaWhitespace": "\\t\\n\\x0B\\f\\r\\x1C-\\x1F ",
}
_HORIZONTAL_SPACE = " \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000"


def compile_java_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Java regular expression; an invalid one is a template error."""
    try:
        return re.compile(_translate(pattern), re.ASCII)
    except (re.error, ValueError) as error:
        raise TemplateRuntimeError(f"Invalid regular expression '{pattern}': {error}") from None


def java_matches(pattern: str, text: str) -> bool:
    """`Pattern.matches(pattern, text)`: the whole input must match, not just a part."""
    return compile_java_regex(pattern).fullmatch(text) is not None


def _translate(pattern: str) -> str:
    out: list[str] = []
    index, length = 0, len(pattern)
    in_class = 0
    while index < length:
        char = pattern[index]
        if char == "\\" and index + 1 < length:
            nxt = pattern[index + 1]
            if nxt == "Q":
                end = pattern.find("\\E", index + 2)
                literal = pattern[index + 2 :] if end < 0 else pattern[index + 2 : end]
                out.append(re.escape(literal))
                index = length if end < 0 else end + 2
                continue
            if nxt in "pP" and index + 2 < length:
                body, index = _property(pattern, index + 2)
                ranges = _property_ranges(body)
                negate = "^" if nxt == "P" else ""
                out.append(f"[{negate}{ranges}]" if not in_class else ranges)
                continue
            if nxt == "z" and not in_class:
                out.append("\\Z")
            elif nxt == "Z" and not in_class:
                out.append("(?=\\n?\\Z)")
            elif nxt == "h":
                out.append(f"[{_HORIZONTAL_SPACE}]" if not in_class else _HORIZONTAL_SPACE)
            elif nxt == "k" and pattern.startswith("<", index + 2):
                end = pattern.index(">", index + 3)
                out.append(f"(?P={pattern[index + 3 : end]})")
                index = end + 1
                continue
            else:
                out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            if char == "[":
                raise ValueError("nested character classes are not supported")
            if char == "]":
                in_class = 0
            out.append(char)
            index += 1
            continue
        if char == "[":
            in_class = 1
            out.append(char)
            if pattern.startswith("^", index + 1):
                out.append("^")
                index += 1
            if pattern.startswith("]", index + 1):
                # Java, like Python, takes a leading `]` as a literal member.
                out.append("\\]")
                index += 1
            index += 1
            continue
        if pattern.startswith("(?<", index) and pattern[index + 3 : index + 4] not in ("=", "!"):
            out.append("(?P<")
            index += 3
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _property_ranges(name: str) -> str:
    """The members of `\\p{name}`: a POSIX class or a Unicode general category (`L`, `Lu`)."""
    bare = name.removeprefix("Is")
    if bare in _PROPERTY_CLASSES:
        return _PROPERTY_CLASSES[bare]
    if bare.startswith("general_category="):
        bare = bare.removeprefix("general_category=")
    if len(bare) in (1, 2) and bare[0] in "LMNPSZC":
        return _category_ranges(bare)
    raise ValueError(f"Unknown character property name {{{name}}}")


@functools.cache
def _category_ranges(category: str) -> str:
    """A character-class body listing every code point in a Unicode general category.

    Computed once per category and kept: the table is derived from `unicodedata` alone, so
    the cache holds constants, never request data.
    """
    ranges: list[str] = []
    start = -1
    for code in range(0x110001):
        inside = code <= 0x10FFFF and unicodedata.category(chr(code)).startswith(category)
        if inside and start < 0:
            start = code
        elif not inside and start >= 0:
            end = code - 1
            ranges.append(f"\\U{start:08X}" + (f"-\\U{end:08X}" if end > start else ""))
            start = -1
    return "".join(ranges)


def _property(pattern: str, start: int) -> tuple[str, int]:
    if pattern[start] == "{":
        end = pattern.index("}", start)
        return pattern[start + 1 : end], end + 1
    return pattern[start], start + 1
