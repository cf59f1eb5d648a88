"""`$util.time`: the current time, and conversions between epoch values and formatted text.

Formats are `java.time` `DateTimeFormatter` patterns (see `time_pattern`); zones are
`ZoneId` strings (see `time_zone`). Without a zone argument everything is in UTC.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime

from app.templates.api import TemplateNamespace, TemplateRuntimeError
from app.templates.util._args import long_arg, string_arg
from app.templates.util.time_format import format_moment, moment_from_epoch_millis
from app.templates.util.time_parse import epoch_millis, parse_to_epoch_millis
from app.templates.util.time_pattern import compile_pattern
from app.templates.util.time_zone import UTC, Zone, offset_zone, parse_offset, parse_zone

_ISO_PATTERN = compile_pattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")

# DateTimeFormatter.ISO_ZONED_DATE_TIME (case-insensitive `T` and `Z`; fraction of 0-9 digits).
_ISO_DATE_TIME = re.compile(
    r"(?P<year>[+-]?\d{4,10})-(?P<month>\d{2})-(?P<day>\d{2})[Tt]"
    r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.(?P<fraction>\d{0,9}))?)?"
    r"(?P<offset>[Zz]|[+-]\d{2}:\d{2}(?::\d{2})?)?(?:\[(?P<zone>[^\]]+)\])?",
    re.ASCII,
)


def _system_clock_millis() -> int:
    return time.time_ns() // 1_000_000


class TimeNamespace(TemplateNamespace):
    """`$util.time`. The clock is injectable so tests can pin "now"."""

    __slots__ = ("_clock",)

    def __init__(self, clock: Callable[[], int] = _system_clock_millis) -> None:
        self._clock = clock

    def nowISO8601(self) -> str:
        """The current UTC time as `2018-02-06T19:01:35.749Z` (milliseconds always shown)."""
        return self.epochMilliSecondsToISO8601(self._clock())

    def nowEpochSeconds(self) -> int:
        """Seconds since 1970-01-01T00:00:00Z."""
        return self._clock() // 1000

    def nowEpochMilliSeconds(self) -> int:
        """Milliseconds since 1970-01-01T00:00:00Z."""
        return self._clock()

    def nowFormatted(self, pattern: object, zone: object = None) -> str:
        """The current time formatted with a Java pattern, in UTC or in `zone`."""
        return self._format("$util.time.nowFormatted", self._clock(), pattern, zone)

    def parseFormattedToEpochMilliSeconds(
        self, text: object, pattern: object, zone: object = None
    ) -> int:
        """Parse `text` with a Java pattern; the zone comes from the text, then from `zone`."""
        method = "$util.time.parseFormattedToEpochMilliSeconds"
        compiled = compile_pattern(string_arg(method, pattern, 2))
        default = _zone_arg(method, zone, 3) if zone is not None else None
        return parse_to_epoch_millis(compiled, string_arg(method, text), default)

    def parseISO8601ToEpochMilliSeconds(self, text: object) -> int:
        """Parse an ISO 8601 date-time, e.g. `2018-02-01T17:21:05.180+08:00`.

        Accepts what `DateTimeFormatter.ISO_ZONED_DATE_TIME` accepts (offset `Z` or
        `+HH:MM[:SS]`, optional `[zone]`); a date-time without an offset is read as UTC.
        """
        method = "$util.time.parseISO8601ToEpochMilliSeconds"
        value = string_arg(method, text)
        match = _ISO_DATE_TIME.fullmatch(value)
        if match is None:
            raise TemplateRuntimeError(
                f"Text '{value}' could not be parsed as an ISO 8601 date-time"
            )
        try:
            local = datetime(
                int(match["year"]),
                int(match["month"]),
                int(match["day"]),
                int(match["hour"]),
                int(match["minute"]),
                int(match["second"] or 0),
            )
        except ValueError as error:
            raise TemplateRuntimeError(f"Text '{value}' could not be parsed: {error}") from None
        offset_text = match["offset"]
        if offset_text and offset_text not in "Zz":
            zone = offset_zone(parse_offset(offset_text))
        elif match["zone"] and not offset_text:
            zone = _zone_arg(method, match["zone"], 1)
        else:
            zone = UTC
        nanos = int((match["fraction"] or "").ljust(9, "0"))
        return epoch_millis(local.replace(tzinfo=zone.tzinfo)) + nanos // 1_000_000

    def epochMilliSecondsToSeconds(self, millis: object) -> int:
        """Epoch milliseconds to epoch seconds (Java `long` division, rounding toward zero)."""
        value = long_arg("$util.time.epochMilliSecondsToSeconds", millis)
        quotient = abs(value) // 1000
        return quotient if value >= 0 else -quotient

    def epochMilliSecondsToISO8601(self, millis: object) -> str:
        """Epoch milliseconds to `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` in UTC."""
        value = long_arg("$util.time.epochMilliSecondsToISO8601", millis)
        return format_moment(_ISO_PATTERN, moment_from_epoch_millis(value, UTC))

    def epochMilliSecondsToFormatted(
        self, millis: object, pattern: object, zone: object = None
    ) -> str:
        """Epoch milliseconds formatted with a Java pattern, in UTC or in `zone`."""
        method = "$util.time.epochMilliSecondsToFormatted"
        return self._format(method, long_arg(method, millis), pattern, zone, first=2)

    def _format(
        self, method: str, millis: int, pattern: object, zone: object, first: int = 1
    ) -> str:
        compiled = compile_pattern(string_arg(method, pattern, first))
        target = _zone_arg(method, zone, first + 1) if zone is not None else UTC
        return format_moment(compiled, moment_from_epoch_millis(millis, target))


def _zone_arg(method: str, zone: object, position: int) -> Zone:
    return parse_zone(string_arg(method, zone, position))


TIME = TimeNamespace()
