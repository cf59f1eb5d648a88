"""`java.util.regex` on top of Python's `re`, for `String.matches/replaceAll/replaceFirst/split`.

Most patterns templates use mean the same in both dialects. This module rewrites the
Java-only spellings, compiles with `re.ASCII` (Java's `\\w \\d \\s \\b` are ASCII unless a
pattern asks otherwise), applies Java's replacement-string rules (`$1`, `${name}`, `\\$`)
and Java's `split` rules (trailing empty strings dropped, no empty leading string for a
zero-width match). A pattern Python cannot express fails like an invalid Java pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.templates.vtl.javalang import JavaError

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
_PATTERN_ERROR = "java.util.regex.PatternSyntaxException"


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a Java regex, raising JavaError(PatternSyntaxException) when it is invalid."""
    try:
        return re.compile(_translate(pattern), re.ASCII)
    except (re.error, ValueError, OverflowError) as exc:
        raise JavaError(_PATTERN_ERROR, f"{exc} near index {_index(exc)}\n{pattern}") from exc


def _index(exc: Exception) -> int:
    return getattr(exc, "pos", None) or 0


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
                chars = _POSIX.get(name[2:] if name.startswith("Is") else name)
                if chars is None:
                    raise ValueError(f"Unknown character property name {{{name}}}")
                negate = nxt == "P"
                out.append(
                    chars if in_class and not negate else f"[{'^' if negate else ''}{chars}]"
                )
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
    if pattern.startswith("{", i):
        end = pattern.find("}", i)
        if end < 0:
            raise ValueError("Unclosed character family")
        return pattern[i + 1 : end], end + 1
    return pattern[i : i + 1], i + 1


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


def replace(text: str, regex: str, replacement: str, count: int) -> str:
    """`replaceAll` (count 0) or `replaceFirst` (count 1)."""
    pattern = compile_pattern(regex)
    return pattern.sub(_replacement(replacement, pattern), text, count=count)


def matches(text: str, regex: str) -> bool:
    return compile_pattern(regex).fullmatch(text) is not None


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
