"""`$util` (alias `$utils`): the root of AppSync's utility library for one render.

The root holds the stateless helper namespaces (`$util.time`, `$util.str`, ...) and the
parts bound to the render's scope: errors appended with `appendError`, `authType`, log
lines, and HTTP response headers. Methods AppSync declares `void` return "" so a bare call
renders as nothing.
"""

from __future__ import annotations

from typing import Any, NoReturn

from app.templates.api import (
    RenderScope,
    TemplateError,
    TemplateErrorRaised,
    TemplateNamespace,
    TemplateRuntimeError,
    UnauthorizedRaised,
)
from app.templates.java import regex
from app.templates.java.lang import is_blank, is_number, to_string
from app.templates.util import encoding, ids
from app.templates.util._args import bool_arg, string_arg
from app.templates.util.dynamodb import DYNAMODB
from app.templates.util.http import HttpNamespace
from app.templates.util.json_java import parse_json, to_json
from app.templates.util.lists import LISTS
from app.templates.util.maps import MAPS
from app.templates.util.math_util import MATH
from app.templates.util.rds import RDS
from app.templates.util.strings import STRINGS
from app.templates.util.time_util import TIME
from app.templates.util.transform import TRANSFORM
from app.templates.util.xml import XML

VALIDATION_ERROR_TYPE = "CustomTemplateException"

AUTH_TYPE_NAMES = {
    "API_KEY": "API Key Authorization",
    "AWS_IAM": "IAM Authorization",
    "AMAZON_COGNITO_USER_POOLS": "User Pool Authorization",
    "OPENID_CONNECT": "Open ID Connect Authorization",
    "AWS_LAMBDA": "Lambda Authorization",
}


class LogNamespace(TemplateNamespace):
    """`$util.log`: `info`, `debug` and `error`, with SLF4J-style `{}` placeholders."""

    __slots__ = ("_scope",)

    def __init__(self, scope: RenderScope) -> None:
        self._scope = scope

    def info(self, *arguments: object) -> str:
        return self._log("INFO", arguments)

    def debug(self, *arguments: object) -> str:
        return self._log("DEBUG", arguments)

    def error(self, *arguments: object) -> str:
        return self._log("ERROR", arguments)

    def _log(self, level: str, arguments: tuple[object, ...]) -> str:
        if not arguments:
            raise TemplateErrorRaised(TemplateError("$util.log needs a message", "MappingTemplate"))
        if self._scope.log is not None:
            self._scope.log(level, format_log_message(arguments[0], arguments[1:]))
        return ""


def format_log_message(message: object, arguments: tuple[object, ...]) -> str:
    """SLF4J `MessageFormatter`: each `{}` takes the next argument; `\\{}` stays literal."""
    template = message if isinstance(message, str) else to_string(message)
    if not arguments:
        return template
    out: list[str] = []
    index = position = 0
    while position < len(template):
        found = template.find("{}", position)
        if found < 0 or index >= len(arguments):
            break
        escaped = found > 0 and template[found - 1] == "\\"
        double_escaped = escaped and found > 1 and template[found - 2] == "\\"
        if escaped and not double_escaped:
            out.append(template[position : found - 1] + "{")
            position = found + 1
            continue
        out.append(template[position : found - 1] if double_escaped else template[position:found])
        out.append(to_string(arguments[index]))
        index += 1
        position = found + 2
    out.append(template[position:])
    return "".join(out)


class UtilNamespace(TemplateNamespace):
    """`$util` for one render."""

    __slots__ = (
        "_scope",
        "dynamodb",
        "http",
        "list",
        "log",
        "map",
        "math",
        "rds",
        "str",
        "time",
        "transform",
        "xml",
    )

    def __init__(self, scope: RenderScope) -> None:
        self._scope = scope
        self.time = TIME
        self.list = LISTS
        self.map = MAPS
        self.str = STRINGS
        self.math = MATH
        self.dynamodb = DYNAMODB
        self.rds = RDS
        self.xml = XML
        self.transform = TRANSFORM
        self.http = HttpNamespace(scope)
        self.log = LogNamespace(scope)

    # JSON -------------------------------------------------------------------------------------

    def parseJson(self, text: object) -> Any:
        """Parse JSON text into maps, lists and scalars."""
        return parse_json(string_arg("$util.parseJson", text))

    def toJson(self, value: object) -> str:
        """Serialize a value to JSON exactly as AppSync (Jackson) does."""
        return to_json(value)

    # Encoding ---------------------------------------------------------------------------------

    def urlEncode(self, text: object) -> str:
        """`application/x-www-form-urlencoded` encoding (Java `URLEncoder`)."""
        return encoding.url_encode(string_arg("$util.urlEncode", text))

    def urlDecode(self, text: object) -> str:
        """Decode `application/x-www-form-urlencoded` text (Java `URLDecoder`)."""
        return encoding.url_decode(string_arg("$util.urlDecode", text))

    def base64Encode(self, text: object) -> str:
        """Base64 of the UTF-8 bytes of `text`."""
        return encoding.base64_encode(string_arg("$util.base64Encode", text))

    def base64Decode(self, text: object) -> str:
        """The UTF-8 text whose Base64 is `text`."""
        return encoding.base64_decode(string_arg("$util.base64Decode", text))

    def escapeJavaScript(self, text: object) -> str:
        """Escape for a JavaScript string literal (commons-lang `escapeJavaScript`)."""
        return encoding.escape_javascript(string_arg("$util.escapeJavaScript", text))

    # Identifiers ------------------------------------------------------------------------------

    def autoId(self) -> str:
        """A random UUID."""
        return ids.auto_id()

    def autoUlid(self) -> str:
        """A random, time-ordered ULID (26 characters)."""
        return ids.auto_ulid()

    def autoKsuid(self) -> str:
        """A random, time-ordered KSUID (27 base62 characters)."""
        return ids.auto_ksuid()

    # Errors -----------------------------------------------------------------------------------

    def error(
        self,
        message: object,
        error_type: object = None,
        data: object = None,
        error_info: object = None,
    ) -> NoReturn:
        """Stop the template (and the pipeline) with a GraphQL error."""
        raise TemplateErrorRaised(_template_error(message, error_type, data, error_info))

    def appendError(
        self,
        message: object,
        error_type: object = None,
        data: object = None,
        error_info: object = None,
    ) -> str:
        """Add a GraphQL error and go on rendering (a partial response)."""
        self._scope.appended_errors.append(_template_error(message, error_type, data, error_info))
        return ""

    def unauthorized(self) -> NoReturn:
        """Fail the field with `Unauthorized` ("Not Authorized to access f on type T")."""
        raise UnauthorizedRaised()

    def validate(
        self, condition: object, message: object, error_type: object = None, data: object = None
    ) -> str:
        """Raise a `CustomTemplateException` (or `error_type`) error when `condition` is false."""
        if not bool_arg("$util.validate", condition):
            raise TemplateErrorRaised(
                _template_error(message, error_type or VALIDATION_ERROR_TYPE, data, None)
            )
        return ""

    # Null and type checks ---------------------------------------------------------------------

    def isNull(self, value: object) -> bool:
        return value is None

    def isNullOrEmpty(self, value: object) -> bool:
        """Null, or an empty string (an empty list or map counts as empty too)."""
        return value is None or (isinstance(value, str | list | dict) and not value)

    def isNullOrBlank(self, value: object) -> bool:
        """Null, or a string of Java whitespace only (an empty list or map counts too)."""
        if isinstance(value, str):
            return is_blank(value)
        return self.isNullOrEmpty(value)

    def defaultIfNull(self, value: object, default: object) -> object:
        return default if value is None else value

    def defaultIfNullOrEmpty(self, value: object, default: object) -> object:
        return default if self.isNullOrEmpty(value) else value

    def defaultIfNullOrBlank(self, value: object, default: object) -> object:
        return default if self.isNullOrBlank(value) else value

    def isString(self, value: object) -> bool:
        return isinstance(value, str)

    def isNumber(self, value: object) -> bool:
        return is_number(value)

    def isBoolean(self, value: object) -> bool:
        return isinstance(value, bool)

    def isList(self, value: object) -> bool:
        return isinstance(value, list | tuple)

    def isMap(self, value: object) -> bool:
        return isinstance(value, dict)

    def typeOf(self, value: object) -> str:
        """One of Null, Number, String, Map, List, Boolean, or Object."""
        if value is None:
            return "Null"
        if isinstance(value, bool):
            return "Boolean"
        if is_number(value):
            return "Number"
        if isinstance(value, str):
            return "String"
        if isinstance(value, dict):
            return "Map"
        if isinstance(value, list | tuple):
            return "List"
        return "Object"

    def matches(self, pattern: object, data: object) -> bool:
        """Whether the whole of `data` matches the Java regular expression `pattern`."""
        method = "$util.matches"
        expression = string_arg(method, pattern)
        try:
            return regex.matches(string_arg(method, data, 2), expression)
        except regex.PatternSyntaxError as error:
            raise TemplateRuntimeError(
                f"Invalid regular expression '{expression}': {error.description}"
            ) from None

    # Context ----------------------------------------------------------------------------------

    def authType(self) -> str | None:
        """The request's authorization mode as AppSync names it, e.g. "API Key Authorization"."""
        auth_type = self._scope.auth_type
        return AUTH_TYPE_NAMES.get(auth_type) if auth_type is not None else None

    # Output suppression -----------------------------------------------------------------------

    def qr(self, *_: object) -> str:
        """Evaluate the arguments (already done by the engine) and render nothing."""
        return ""

    def quiet(self, *_: object) -> str:
        """Same as `qr`."""
        return ""


def _template_error(
    message: object, error_type: object, data: object, error_info: object
) -> TemplateError:
    text = message if isinstance(message, str) else to_string(message)
    kind = error_type if error_type is None or isinstance(error_type, str) else None
    if error_type is not None and kind is None:
        kind = to_string(error_type)
    return TemplateError(text, kind, data, error_info)
