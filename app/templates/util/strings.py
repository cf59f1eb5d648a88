"""`$util.str`: the string helpers, with Java's `String` semantics."""

from __future__ import annotations

import unicodedata
from typing import Literal, cast

from app.templates.api import TemplateNamespace, TemplateRuntimeError
from app.templates.util._args import string_arg

_FORMS = ("NFC", "NFD", "NFKC", "NFKD")


class StringNamespace(TemplateNamespace):
    """`$util.str`."""

    __slots__ = ()

    def toUpper(self, text: object) -> str:
        """`String.toUpperCase()`."""
        return string_arg("$util.str.toUpper", text).upper()

    def toLower(self, text: object) -> str:
        """`String.toLowerCase()`."""
        return string_arg("$util.str.toLower", text).lower()

    def toReplace(self, text: object, find: object, replacement: object) -> str:
        """`String.replace(find, replacement)`: every literal occurrence, no regex."""
        method = "$util.str.toReplace"
        return string_arg(method, text).replace(
            string_arg(method, find, 2), string_arg(method, replacement, 3)
        )

    def normalize(self, text: object, form: object) -> str:
        """`Normalizer.normalize` with the form named case-insensitively (`nfc`, `nfkd`, ...)."""
        method = "$util.str.normalize"
        name = string_arg(method, form, 2).upper()
        if name not in _FORMS:
            raise TemplateRuntimeError(
                f"{method}: unknown normalization form '{form}'; use nfc, nfd, nfkc or nfkd"
            )
        normal_form = cast(Literal["NFC", "NFD", "NFKC", "NFKD"], name)
        return unicodedata.normalize(normal_form, string_arg(method, text))


STRINGS = StringNamespace()
