"""Reading an evaluated mapping template as JSON, with AppSync's rules and messages.

AppSync parses template output with Jackson and rejects two things plain JSON parsers let
through, each with its own message: duplicate keys in an object, and text after the JSON
value. It tolerates a trailing comma before `}` or `]` (users report templates with one
working on AppSync and failing in Amplify's simulator; UNVERIFIED against AWS docs).
Output that is only whitespace reads as null (AppSync treats an empty response template
as null).

Speed: orjson parses first. It keeps the last of duplicate keys silently, so duplicates are
found by counting colons: outside strings every `:` separates a key, and inside strings the
colons survive re-serialisation, so the text has more colons than orjson's re-serialised
value exactly when a key repeated (a `\\u` escape could hide one, so text with one takes the
exact path). The exact path (stdlib `json` with a duplicate-detecting hook) also runs when
orjson fails, to give AppSync's error or the lenient result. Known gap: orjson reads an
integer beyond 64 bits as a float (Jackson would keep a BigInteger).
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

from app.templates.api import SourceLocation, TemplateRuntimeError

_TRAILING_COMMA = re.compile(r'("(?:[^"\\]|\\.)*")|,(\s*[}\]])', re.DOTALL)
_JSON_SPACE = " \t\r\n"

TRAILING_CHARACTERS = "Trailing characters at the end of the JSON string are not allowed."


def duplicate_field(name: str) -> str:
    return f"Duplicate field '{name}' detected on Object. Duplicate JSON keys are not allowed."


def parse_template_output(text: str, source_name: str = "<template>") -> Any:
    """The JSON value a template produced; TemplateRuntimeError (MappingTemplate) if invalid.

    `source_name` names the template in the error's location (line 1, column 1: the fault
    is in its output, which has no template position).
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return _parse_strictly(text, source_name)
    if isinstance(value, dict | list) and (
        "\\u" in text or text.count(":") > orjson.dumps(value).count(b":")
    ):
        return _parse_strictly(text, source_name)
    return value


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_object, parse_constant=_no_constants)


def _parse_strictly(text: str, source_name: str) -> Any:
    location = SourceLocation(source_name, 1, 1)
    start = len(text) - len(text.lstrip(_JSON_SPACE))
    if start == len(text):
        return None
    lenient = _TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), text)
    try:
        value, end = _DECODER.raw_decode(lenient, start)
    except _DuplicateKey as exc:
        raise TemplateRuntimeError(duplicate_field(exc.key), location) from None
    except ValueError:
        raise TemplateRuntimeError(f"Unable to convert {text} to Object.", location) from None
    if lenient[end:].strip(_JSON_SPACE):
        raise TemplateRuntimeError(TRAILING_CHARACTERS, location)
    return value
