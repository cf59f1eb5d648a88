"""The `$util` encoders: URL form encoding, Base64 and JavaScript string escaping.

Each follows the Java class AppSync delegates to, because their outputs differ from Python's
stdlib in small ways templates can see: `URLEncoder` keeps `*` but encodes `~`, the Base64
decoder rejects characters outside the alphabet, and commons-lang escapes `/` and `'`.
"""

from __future__ import annotations

import base64
import binascii
import re

from app.templates.api import TemplateRuntimeError

_URL_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-*_")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def url_encode(text: str) -> str:
    """`URLEncoder.encode(text, "UTF-8")`: space becomes `+`, other bytes `%XX` upper-case.

    An unpaired surrogate encodes as `?`, as Java's UTF-8 encoder replaces it.
    """
    out: list[str] = []
    for byte in text.encode("utf-8", "replace"):
        if byte in _URL_SAFE:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def url_decode(text: str) -> str:
    """`URLDecoder.decode(text, "UTF-8")`: `+` is a space, `%XX` runs are UTF-8 bytes.

    A malformed escape fails as in Java; invalid UTF-8 decodes to U+FFFD.
    """
    out: list[str] = []
    index, length = 0, len(text)
    while index < length:
        char = text[index]
        if char == "+":
            out.append(" ")
            index += 1
        elif char == "%":
            raw = bytearray()
            while index < length and text[index] == "%":
                if index + 3 > length:
                    raise TemplateRuntimeError("URLDecoder: Incomplete trailing escape (%) pattern")
                pair = text[index + 1 : index + 3]
                if not _HEX_DIGITS.issuperset(pair):
                    raise TemplateRuntimeError(
                        "URLDecoder: Illegal hex characters in escape (%) pattern"
                    )
                raw.append(int(pair, 16))
                index += 3
            out.append(raw.decode("utf-8", "replace"))
        else:
            out.append(char)
            index += 1
    return "".join(out)


def base64_encode(text: str) -> str:
    """`Base64.getEncoder()` over the UTF-8 bytes of `text`."""
    return base64.b64encode(text.encode("utf-8", "replace")).decode("ascii")


def base64_decode(text: str) -> str:
    """`Base64.getDecoder()` (strict alphabet, padding optional), bytes read as UTF-8."""
    if _BASE64.fullmatch(text) is None:
        raise TemplateRuntimeError("Illegal base64 character in input")
    unpadded = text.rstrip("=")
    if text != unpadded and len(text) % 4:
        raise TemplateRuntimeError("Input byte array has wrong 4-byte ending unit")
    if len(unpadded) % 4 == 1:
        raise TemplateRuntimeError("Last unit does not have enough valid bits")
    try:
        data = base64.b64decode(unpadded + "=" * (-len(unpadded) % 4), validate=True)
    except binascii.Error as error:
        raise TemplateRuntimeError(f"Illegal base64 input: {error}") from None
    return data.decode("utf-8", "replace")


_JS_ESCAPES = {
    "\b": "\\b",
    "\n": "\\n",
    "\t": "\\t",
    "\f": "\\f",
    "\r": "\\r",
    "'": "\\'",
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
}


def escape_javascript(text: str) -> str:
    """commons-lang `StringEscapeUtils.escapeJavaScript`.

    Works on UTF-16 code units like Java: characters outside printable ASCII become
    `\\uXXXX` with upper-case hex (an astral character becomes two escapes); DEL stays.
    """
    out: list[str] = []
    for char in text:
        code = ord(char)
        if char in _JS_ESCAPES:
            out.append(_JS_ESCAPES[char])
        elif 0x20 <= code <= 0x7F:
            out.append(char)
        elif code > 0xFFFF:
            high, low = divmod(code - 0x10000, 0x400)
            out.append(f"\\u{0xD800 + high:04X}\\u{0xDC00 + low:04X}")
        else:
            out.append(f"\\u{code:04X}")
    return "".join(out)
