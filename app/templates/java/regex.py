"""`java.util.regex` on top of Python's `re`: `Pattern.matches`, `replaceAll/First`, `split`.

Most patterns templates use mean the same in both dialects. This module rewrites the
Java-only spellings (`\\Q...\\E`, `(?<name>`, `\\k<name>`, `\\z`, `\\Z`, `\\h`, `\\v`, `\\R`,
`\\x{...}`, `\\0nn`, `\\p{Alpha}`, `\\p{Lu}` and friends), compiles with `re.ASCII` (Java's
`\\w \\d \\s \\b` and case folding are ASCII unless a pattern asks otherwise), applies Java's
replacement-string rules (`$1`, `${name}`, `\\$`) and Java's `split` rules (trailing empty
strings dropped, no empty leading string for a zero-width match). A pattern Python cannot
express fails like an invalid Java pattern: with `PatternSyntaxError`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable

from app.templates.java.lang import JavaError

# POSIX and java.lang.Character classes: US-ASCII, as Java defines them by default.
_POSIX = {
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
_HSPACE = " \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000"
_VSPACE = "\\n\\x0B\\f\\r\\x85\\u2028\\u2029"
_LAST_CODE_POINT = 0x10FFFF


class PatternSyntaxError(JavaError):
    """`java.util.regex.PatternSyntaxException`: `description` of what is wrong in `pattern`."""

    def __init__(self, description: str, pattern: str, index: int) -> None:
        self.description = description
        self.pattern = pattern
        self.index = index
        super().__init__(
            "java.util.regex.PatternSyntaxException", f"{description} near index {index}\n{pattern}"
        )


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a Java regex, raising `PatternSyntaxError` when it is invalid or unsupported."""
    try:
        return re.compile(_translate(pattern), re.ASCII)
    except (re.error, ValueError, OverflowError) as exc:
        raise PatternSyntaxError(str(exc), pattern, getattr(exc, "pos", None) or 0) from exc


def matches(text: str, regex: str) -> bool:
    """`String.matches` / `Pattern.matches`: the whole input must match, not just a part."""
    return compile_pattern(regex).fullmatch(text) is not None


def replace(text: str, regex: str, replacement: str, count: int) -> str:
    """`replaceAll` (count 0) or `replaceFirst` (count 1)."""
    pattern = compile_pattern(regex)
    return pattern.sub(_replacement(replacement, pattern), text, count=count)


def split(text: str, regex: str, limit: int = 0) -> list[str]:
    """`String.split(regex, limit)` with Java's rules, not Python's `re.split`."""
    pattern = compile_pattern(regex)
    parts: list[str] = []
    index = 0
    for match in pattern.finditer(text):
        if limit > 0 and len(parts) >= limit - 1:
            break
        if index == 0 and match.start() == 0 and match.end() == 0:
            continue
        parts.append(text[index : match.start()])
        index = match.end()
    if index == 0:
        return [text]
    parts.append(text[index:])
    if limit == 0:
        while parts and parts[-1] == "":
            parts.pop()
    return parts


# --- pattern translation -----------------------------------------------------------------------


def _translate(pattern: str) -> str:
    out: list[str] = []
    i, size, in_class = 0, len(pattern), False
    while i < size:
        char = pattern[i]
        if char == "\\":
            if i + 1 >= size:
                raise ValueError("Unexpected internal error")
            nxt = pattern[i + 1]
            if nxt == "Q":
                end = pattern.find("\\E", i + 2)
                quoted = pattern[i + 2 :] if end < 0 else pattern[i + 2 : end]
                out.append(re.escape(quoted))
                i = size if end < 0 else end + 2
                continue
            if nxt in "pP":
                name, i = _property_name(pattern, i + 2)
                negate = nxt == "P"
                if in_class:
                    out.append(_property_members(name, negate))
                else:
                    out.append(f"[{'^' if negate else ''}{_property_members(name, False)}]")
                continue
            i += 2
            if nxt == "h":
                out.append(_HSPACE if in_class else f"[{_HSPACE}]")
            elif nxt == "H":
                out.append(f"[^{_HSPACE}]")
            elif nxt == "v":
                out.append(_VSPACE if in_class else f"[{_VSPACE}]")
            elif nxt == "V":
                out.append(f"[^{_VSPACE}]")
            elif nxt == "R" and not in_class:
                out.append(f"(?:\\r\\n|[{_VSPACE}])")
            elif nxt == "z" and not in_class:
                out.append("\\Z")
            elif nxt == "Z" and not in_class:
                out.append("(?=\\n?\\Z)")
            elif nxt == "e":
                out.append("\\x1b")
            elif nxt == "k" and pattern.startswith("<", i):
                end = pattern.index(">", i)
                out.append(f"(?P={pattern[i + 1 : end]})")
                i = end + 1
            elif nxt == "x" and pattern.startswith("{", i):
                end = pattern.index("}", i)
                out.append(f"\\U{int(pattern[i + 1 : end], 16):08x}")
                i = end + 1
            elif nxt == "0":
                digits = re.match(r"[0-7]{1,3}", pattern[i:])
                if not digits:
                    raise ValueError("Illegal octal escape sequence")
                out.append(f"\\x{int(digits.group(), 8):02x}")
                i += len(digits.group())
            elif nxt in "GXbB" and in_class:
                raise ValueError(f"Illegal/unsupported escape sequence \\{nxt}")
            elif nxt in "GX":
                raise ValueError(f"Unsupported escape sequence \\{nxt}")
            else:
                out.append("\\" + nxt)
            continue
        if in_class:
            if char == "]":
                in_class = False
            elif char == "[" or pattern.startswith("&&", i):
                raise ValueError("Nested character classes and intersections are not supported")
            out.append(char)
            i += 1
            continue
        if char == "[":
            in_class = True
            out.append(char)
            i += 1
            if pattern.startswith("^", i):
                out.append("^")
                i += 1
            if pattern.startswith("]", i):
                # Java, like Python, takes a leading `]` as a literal member.
                out.append("\\]")
                i += 1
            continue
        if pattern.startswith("(?<", i) and not pattern.startswith(("(?<=", "(?<!"), i):
            out.append("(?P<")
            i += 3
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _property_name(pattern: str, i: int) -> tuple[str, int]:
    """The name after `\\p` / `\\P` (`\\pL` or `\\p{Alpha}`) and the index after it."""
    if pattern.startswith("{", i):
        end = pattern.find("}", i)
        if end < 0:
            raise ValueError("Unclosed character family")
        return pattern[i + 1 : end], end + 1
    return pattern[i : i + 1], i + 1


@functools.cache
def _property_members(name: str, negate: bool) -> str:
    """A character-class body for `\\p{name}` (`\\P{name}` when `negate`).

    `name` is a POSIX class (`Alpha`, `IsAlpha`) or a Unicode general category (`L`, `Lu`,
    `IsLu`, `general_category=Lu`). The negated body is spelled out, so that it can stand
    inside a class (`[\\P{Digit}x]`), where Python has no way to nest `[^...]`. Computed
    once per name and kept: the table is derived from the name and `unicodedata` alone, so
    the cache holds constants, never request data.
    """
    bare = name.removeprefix("Is")
    posix = _POSIX.get(bare)
    if posix is not None:
        if not negate:
            return posix
        # The POSIX classes are US-ASCII: everything above it is outside them.
        member = re.compile(f"[{posix}]").match
        outside = _code_point_ranges(lambda code: member(chr(code)) is None, last=0x7F)
        return outside + f"\\x80-\\U{_LAST_CODE_POINT:08X}"
    category = bare.removeprefix("general_category=")
    if len(category) in (1, 2) and category[0] in "LMNPSZC":
        return _code_point_ranges(
            lambda code: unicodedata.category(chr(code)).startswith(category) != negate
        )
    raise ValueError(f"Unknown character property name {{{name}}}")


def _code_point_ranges(inside: Callable[[int], bool], last: int = _LAST_CODE_POINT) -> str:
    """A character-class body listing every code point up to `last` for which `inside` holds."""
    ranges: list[str] = []
    start = -1
    for code in range(last + 2):
        member = code <= last and inside(code)
        if member and start < 0:
            start = code
        elif not member and start >= 0:
            end = code - 1
            ranges.append(f"\\U{start:08X}" + (f"-\\U{end:08X}" if end > start else ""))
            start = -1
    return "".join(ranges)


# --- replacement strings -----------------------------------------------------------------------


def _replacement(template: str, pattern: re.Pattern[str]) -> Callable[[re.Match[str]], str]:
    """Java's `Matcher.appendReplacement` rules as a function for `re.sub`."""
    parts: list[str | int] = []
    literal: list[str] = []
    i, size = 0, len(template)
    while i < size:
        char = template[i]
        if char == "\\":
            i += 1
            if i >= size:
                raise JavaError(
                    "java.lang.IllegalArgumentException", "character to be escaped is missing"
                )
            literal.append(template[i])
            i += 1
        elif char == "$":
            i += 1
            if i >= size:
                raise JavaError(
                    "java.lang.IllegalArgumentException",
                    "Illegal group reference: group index is missing",
                )
            if template[i] == "{":
                end = template.find("}", i)
                name = template[i + 1 : end] if end > 0 else ""
                if not name or name not in pattern.groupindex:
                    raise JavaError(
                        "java.lang.IllegalArgumentException", f"No group with name {{{name}}}"
                    )
                group: int = pattern.groupindex[name]
                i = end + 1
            elif template[i].isdigit() and template[i].isascii():
                group = int(template[i])
                if group > pattern.groups:
                    raise JavaError("java.lang.IndexOutOfBoundsException", f"No group {group}")
                i += 1
                while i < size and template[i].isdigit() and template[i].isascii():
                    longer = group * 10 + int(template[i])
                    if longer > pattern.groups:
                        break
                    group, i = longer, i + 1
            else:
                raise JavaError("java.lang.IllegalArgumentException", "Illegal group reference")
            if literal:
                parts.append("".join(literal))
                literal.clear()
            parts.append(group)
        else:
            literal.append(char)
            i += 1
    if literal:
        parts.append("".join(literal))

    def expand(match: re.Match[str]) -> str:
        return "".join(
            part if isinstance(part, str) else (match.group(part) or "") for part in parts
        )

    return expand
