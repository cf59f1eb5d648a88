"""`$util.xml`: XML documents to maps, the way org.json's `XML.toJSONObject` reads them.

AppSync's documented outputs match org.json: element text that looks like a number or a
boolean becomes one (`<id>1</id>` gives `"id": 1`), repeated siblings become a list,
attributes become keys, text beside attributes or children goes under `content`, an empty
element is `""`, and maps iterate in `java.util.HashMap` order.

Parsing uses the stdlib expat parser with entity declarations and external entities
refused (defusedxml's defaults), so a document cannot expand entities or read files.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn
from xml.parsers import expat

from app.templates.api import TemplateNamespace, TemplateRuntimeError
from app.templates.java.lang import (
    LONG_MAX,
    LONG_MIN,
    double_to_string,
    is_java_whitespace,
    java_hash_order,
    java_trim,
)
from app.templates.util._args import bool_arg, string_arg
from app.templates.util.json_java import to_json

CONTENT = "content"
_INTEGER = re.compile(r"-?[0-9]+")


class _Null:
    """org.json's `JSONObject.NULL`: a present key whose value is null."""


_NULL = _Null()


def xml_to_map(document: str) -> dict[str, Any]:
    """The map for an XML document (org.json `XML.toJSONObject(...).toMap()`)."""
    builder = _Builder()
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.text
    parser.StartCdataSectionHandler = builder.start_cdata
    parser.EndCdataSectionHandler = builder.end_cdata
    parser.CommentHandler = builder.boundary
    parser.ProcessingInstructionHandler = builder.boundary
    parser.EntityDeclHandler = _refuse_entities
    parser.UnparsedEntityDeclHandler = _refuse_entities
    parser.ExternalEntityRefHandler = _refuse_entities
    try:
        parser.Parse(document, True)
    except expat.ExpatError as error:
        raise TemplateRuntimeError(f"Unable to parse XML: {error}") from None
    return _as_map(builder.root)


def _refuse_entities(*_: object) -> NoReturn:
    raise TemplateRuntimeError("Unable to parse XML: entity declarations are not allowed")


class _Element:
    __slots__ = ("name", "values")

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: dict[str, Any] = {}


class _Builder:
    """Expat callbacks that accumulate values as org.json's parser does."""

    def __init__(self) -> None:
        self.root: dict[str, Any] = {}
        self.stack: list[_Element] = []
        self.pending: list[str] = []
        self.in_cdata = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.boundary()
        element = _Element(name)
        for key, value in attributes.items():
            _accumulate(element.values, key, string_to_value(value))
        self.stack.append(element)

    def end(self, name: str) -> None:
        self.boundary()
        element = self.stack.pop()
        values = element.values
        if not values:
            value: Any = ""
        elif len(values) == 1 and CONTENT in values:
            value = values[CONTENT]
        else:
            value = values
        _accumulate(self.stack[-1].values if self.stack else self.root, name, value)

    def text(self, data: str) -> None:
        self.pending.append(data)

    def start_cdata(self) -> None:
        self.boundary()
        self.in_cdata = True

    def end_cdata(self) -> None:
        data = "".join(self.pending)
        self.pending.clear()
        self.in_cdata = False
        if data and self.stack:
            _accumulate(self.stack[-1].values, CONTENT, data)

    def boundary(self, *_: object) -> None:
        """Flush the text before a tag, comment or CDATA section as one `content` value."""
        if self.in_cdata or not self.pending:
            return
        data = "".join(self.pending)
        self.pending.clear()
        start = 0
        while start < len(data) and is_java_whitespace(data[start]):
            start += 1
        text = java_trim(data[start:])
        if text and self.stack:
            _accumulate(self.stack[-1].values, CONTENT, string_to_value(text))


def _accumulate(values: dict[str, Any], key: str, value: Any) -> None:
    """`JSONObject.accumulate`: a second value for a key turns it into a list."""
    if key not in values:
        values[key] = value
    elif isinstance(values[key], list):
        values[key].append(value)
    else:
        values[key] = [values[key], value]


def string_to_value(text: str) -> Any:
    """org.json's `stringToValue`: booleans, null, and numbers that print back unchanged."""
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    if lowered == "null":
        return _NULL
    if not text or not (text[0] == "-" or "0" <= text[0] <= "9"):
        return text
    if _INTEGER.fullmatch(text) and LONG_MIN <= int(text) <= LONG_MAX:
        # Parses as a Long: kept only if it prints back the same (no `007`, no `-0`).
        return int(text) if str(int(text)) == text else text
    try:
        number = float(text)
    except ValueError:
        return text
    return number if double_to_string(number) == text else text


def _as_map(values: dict[str, Any]) -> dict[str, Any]:
    """Plain values in HashMap iteration order, with org.json's NULL as None."""
    return {key: _as_value(values[key]) for key in java_hash_order(list(values))}


def _as_value(value: Any) -> Any:
    if value is _NULL:
        return None
    if isinstance(value, dict):
        return _as_map(value)
    if isinstance(value, list):
        return [_as_value(item) for item in value]
    return value


class XmlNamespace(TemplateNamespace):
    """`$util.xml`."""

    __slots__ = ()

    def toMap(self, document: object) -> dict[str, Any]:
        """The XML document as a map (see the module docstring for the rules)."""
        return xml_to_map(string_arg("$util.xml.toMap", document))

    def toJsonString(self, document: object, string_encode: object = False) -> str:
        """The XML document as JSON text; with `string_encode`, that text as a JSON string."""
        method = "$util.xml.toJsonString"
        text = to_json(xml_to_map(string_arg(method, document)))
        return to_json(text) if bool_arg(method, string_encode, 2) else text


XML = XmlNamespace()
