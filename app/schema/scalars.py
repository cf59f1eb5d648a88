"""AppSync's scalar rules, in one place for the validation schema and the served schema.

Each AWS scalar is a `ScalarRules` triple of graphql-core's coercion functions:
`serialize` (resolver value -> response), `parse_value` (variable -> resolver value) and
`parse_literal` (query literal -> resolver value). Inputs reach resolvers as AppSync hands
them to templates: date, time, email, URL, phone and IP values as the strings sent, AWSJSON
parsed into maps, lists and scalars, AWSTimestamp as an integer. A value that breaks a rule
is a `GraphQLError` with a message that names the scalar and the expected form.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final, TypeVar

from graphql import GraphQLError, GraphQLScalarType, IntValueNode, StringValueNode, ValueNode

_T = TypeVar("_T")

_TIMESTAMP_MIN: Final = -31_557_014_167_219_200  # -1000000000-01-01T00:00Z
_TIMESTAMP_MAX: Final = 31_556_889_864_403_199  # 1000000000-12-31T23:59:59.999999999Z


@dataclass(frozen=True, slots=True)
class ScalarRules:
    """graphql-core's three coercion functions for one scalar."""

    name: str
    serialize: Callable[[Any], Any]
    parse_value: Callable[[Any], Any]
    parse_literal: Callable[..., Any]

    def graphql_type(self, description: str | None = None) -> GraphQLScalarType:
        """A graphql-core scalar type that applies these rules."""
        return GraphQLScalarType(
            self.name,
            serialize=self.serialize,
            parse_value=self.parse_value,
            parse_literal=self.parse_literal,
            description=description,
        )


def _invalid(scalar: str, value: object, expected: str) -> GraphQLError:
    shown = value if isinstance(value, str) else repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return GraphQLError(f"Invalid {scalar} value '{shown}': expected {expected}.")


def _at(node: ValueNode, coerce: Callable[[Any], _T], value: Any) -> _T:
    """Coerce a literal's value; an error points at the literal in the query."""
    try:
        return coerce(value)
    except GraphQLError as error:
        raise GraphQLError(error.message, node) from None


# --- date and time -------------------------------------------------------------------------

_DATE = r"(?P<year>-?\d{4}|[+-]\d{5,9})-(?P<month>\d{2})-(?P<day>\d{2})"
_TIME = r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d{1,9})?)?"
_OFFSET = r"(?P<offset>[Zz]|[+-](?P<oh>\d{2}):(?P<om>\d{2})(?::(?P<os>\d{2}))?)"

_DATE_RE: Final = re.compile(f"{_DATE}{_OFFSET}?")
_TIME_RE: Final = re.compile(f"{_TIME}{_OFFSET}?")
_DATETIME_RE: Final = re.compile(f"{_DATE}[Tt]{_TIME}{_OFFSET}")

_DATE_FORM: Final = "YYYY-MM-DD with an optional Z, ±hh:mm or ±hh:mm:ss offset"
_TIME_FORM: Final = "hh:mm[:ss[.sss]] with an optional Z, ±hh:mm or ±hh:mm:ss offset"
_DATETIME_FORM: Final = "YYYY-MM-DDThh:mm[:ss[.sss]] followed by Z, ±hh:mm or ±hh:mm:ss"

_DAYS_IN_MONTH: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _valid_date(match: re.Match[str]) -> bool:
    year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    if not 1 <= month <= 12:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return 1 <= day <= _DAYS_IN_MONTH[month - 1] + (month == 2 and leap)


def _valid_time(match: re.Match[str]) -> bool:
    second = match["second"]
    return (
        int(match["hour"]) <= 23
        and int(match["minute"]) <= 59
        and (second is None or int(second) <= 59)
    )


def _valid_offset(match: re.Match[str]) -> bool:
    """Offsets range from -18:00 to +18:00, like java.time's `ZoneOffset`."""
    if match["oh"] is None:
        return True
    hours, minutes, seconds = int(match["oh"]), int(match["om"]), int(match["os"] or 0)
    return minutes <= 59 and seconds <= 59 and hours * 3600 + minutes * 60 + seconds <= 64800


def _check_date(value: str) -> bool:
    match = _DATE_RE.fullmatch(value)
    return match is not None and _valid_date(match) and _valid_offset(match)


def _check_time(value: str) -> bool:
    match = _TIME_RE.fullmatch(value)
    return match is not None and _valid_time(match) and _valid_offset(match)


def _check_datetime(value: str) -> bool:
    match = _DATETIME_RE.fullmatch(value)
    return match is not None and _valid_date(match) and _valid_time(match) and _valid_offset(match)


# --- email, URL, phone, IP address ---------------------------------------------------------

_ATOM = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+"
_QUOTED = r'"(?:[^"\\\r\n]|\\.)*"'
_WORD = f"(?:{_ATOM}|{_QUOTED})"
_DOMAIN_LITERAL = r"\[(?:[^\[\]\\\r\n]|\\.)*\]"
_EMAIL_RE: Final = re.compile(
    f"{_WORD}(?:\\.{_WORD})*@(?:{_ATOM}(?:\\.{_ATOM})*|{_DOMAIN_LITERAL})", re.ASCII
)


def _check_email(value: str) -> bool:
    return _EMAIL_RE.fullmatch(value) is not None


_URL_RE: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:([^\s\x00-\x1f\x7f]+)")


def _check_url(value: str) -> bool:
    match = _URL_RE.fullmatch(value)
    if match is None:
        return False
    rest = re.split(r"[?#]", match[1], maxsplit=1)[0]
    if rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        if not authority:
            return False
        rest = slash + path
    return "//" not in rest


_PHONE_RE: Final = re.compile(r"\+?(?:\d|\(\d+\))(?:[ \-]?(?:\d|\(\d+\)))*")


def _is_nanp(digits: str) -> bool:
    """A North American number: area code and exchange both start with 2-9."""
    return len(digits) == 10 and digits[0] not in "01" and digits[3] not in "01"


def _check_phone(value: str) -> bool:
    if _PHONE_RE.fullmatch(value) is None:
        return False
    digits = re.sub(r"\D", "", value)
    if value.startswith("+"):
        return _is_nanp(digits[1:]) if digits.startswith("1") else 7 <= len(digits) <= 15
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return _is_nanp(digits)


def _check_ip_address(value: str) -> bool:
    address, slash, prefix = value.partition("/")
    if "%" in address or (slash and not re.fullmatch(r"\d{1,3}", prefix)):
        return False
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not slash or int(prefix) <= parsed.max_prefixlen


# --- string scalars ------------------------------------------------------------------------


def _string_rules(name: str, check: Callable[[str], bool], expected: str) -> ScalarRules:
    """Rules for a scalar that is a string matching `check`, passed through unchanged."""

    def coerce(value: Any) -> str:
        if not isinstance(value, str) or not check(value):
            raise _invalid(name, value, expected)
        return value

    def parse_literal(node: ValueNode, _variables: Any = None) -> str:
        if not isinstance(node, StringValueNode):
            raise GraphQLError(f"Invalid {name} literal: expected a string, {expected}.", node)
        return _at(node, coerce, node.value)

    return ScalarRules(name, coerce, coerce, parse_literal)


# --- AWSTimestamp --------------------------------------------------------------------------

_TIMESTAMP_FORM: Final = "an integer number of seconds since 1970-01-01T00:00Z"


def _timestamp(value: Any) -> int:
    if isinstance(value, bool):
        raise _invalid("AWSTimestamp", value, _TIMESTAMP_FORM)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float | Decimal) and value == value and int(value) == value:
        number = int(value)
    else:
        raise _invalid("AWSTimestamp", value, _TIMESTAMP_FORM)
    if not _TIMESTAMP_MIN <= number <= _TIMESTAMP_MAX:
        raise _invalid("AWSTimestamp", value, f"{_TIMESTAMP_FORM}, within AppSync's range")
    return number


def _timestamp_literal(node: ValueNode, _variables: Any = None) -> int:
    if not isinstance(node, IntValueNode):
        raise GraphQLError(f"Invalid AWSTimestamp literal: expected {_TIMESTAMP_FORM}.", node)
    return _at(node, _timestamp, int(node.value))


# --- AWSJSON -------------------------------------------------------------------------------

_JSON_FORM: Final = "a string holding valid JSON"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _parse_json(value: Any) -> Any:
    if not isinstance(value, str):
        raise _invalid("AWSJSON", value, _JSON_FORM)
    try:
        return json.loads(value, parse_constant=_reject_constant)
    except ValueError as error:
        raise _invalid("AWSJSON", value, f"{_JSON_FORM} ({error})") from None


def _json_literal(node: ValueNode, _variables: Any = None) -> Any:
    if not isinstance(node, StringValueNode):
        raise GraphQLError(
            f"Invalid AWSJSON literal: expected {_JSON_FORM}; an unquoted object or list"
            " must be sent as a JSON string.",
            node,
        )
    return _at(node, _parse_json, node.value)


def _serialize_json(value: Any) -> str:
    """JSON text for a value; a string that already is JSON text is passed through."""
    if isinstance(value, str):
        try:
            json.loads(value, parse_constant=_reject_constant)
        except ValueError:
            pass
        else:
            return value
    try:
        return json.dumps(
            value, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default
        )
    except (TypeError, ValueError) as error:
        raise GraphQLError(f"Invalid AWSJSON value: {error}.") from None


# --- the table -----------------------------------------------------------------------------

AWS_SCALAR_RULES: Final[Mapping[str, ScalarRules]] = MappingProxyType(
    {
        rules.name: rules
        for rules in (
            _string_rules("AWSDate", _check_date, _DATE_FORM),
            _string_rules("AWSTime", _check_time, _TIME_FORM),
            _string_rules("AWSDateTime", _check_datetime, _DATETIME_FORM),
            ScalarRules("AWSTimestamp", _timestamp, _timestamp, _timestamp_literal),
            _string_rules("AWSEmail", _check_email, "an RFC 822 address local-part@domain"),
            ScalarRules("AWSJSON", _serialize_json, _parse_json, _json_literal),
            _string_rules("AWSURL", _check_url, "a URL with a scheme and no '//' in its path"),
            _string_rules(
                "AWSPhone",
                _check_phone,
                "digits in groups separated by spaces or hyphens, with an optional"
                " +country code (a number without one must be a valid US number)",
            ),
            _string_rules(
                "AWSIPAddress",
                _check_ip_address,
                "an IPv4 or unbracketed IPv6 address with an optional /prefix",
            ),
        )
    }
)
"""The rules of every AWS scalar, by scalar name."""
