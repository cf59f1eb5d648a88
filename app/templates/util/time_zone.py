"""`java.time.ZoneId` for `$util.time`: parsing zone ids and naming zones as Java does.

Zone ids are what `ZoneId.of` accepts: `Z`, offsets (`+8`, `+08:00`, `-0530`), `UTC`,
`GMT`, `UT` with an optional offset (`UTC+08:00`), and tz database regions
(`Australia/Perth`, resolved with `zoneinfo`; the `tzdata` package backs it where the OS
has no zone files).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC as UTC_TZ
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.templates.api import TemplateRuntimeError

_REGION_ID = re.compile(r"[A-Za-z][A-Za-z0-9~/._+-]+")
_MAX_OFFSET = 18 * 3600
_PREFIXES = ("UTC", "GMT", "UT")

# Java's long names for the zones whose names it knows without a region (CLDR, English).
_FULL_NAMES = {"UTC": "Coordinated Universal Time", "GMT": "Greenwich Mean Time"}

# Abbreviations Java's zone-text parser maps to a region (English names, common zones).
_ABBREVIATIONS = {
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "AKST": "America/Anchorage",
    "AKDT": "America/Anchorage",
    "HST": "Pacific/Honolulu",
    "BST": "Europe/London",
    "CET": "Europe/Paris",
    "CEST": "Europe/Paris",
    "EET": "Europe/Athens",
    "EEST": "Europe/Athens",
    "JST": "Asia/Tokyo",
    "IST": "Asia/Kolkata",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
    "AWST": "Australia/Perth",
}


@dataclass(frozen=True, slots=True)
class Zone:
    """A Java `ZoneId`: its id, how to convert with it, and whether it is a `ZoneOffset`."""

    id: str
    tzinfo: tzinfo
    is_offset: bool = False

    def offset_seconds(self, moment: datetime) -> int:
        """The zone's offset from UTC at `moment` (an aware datetime), in seconds."""
        offset = moment.astimezone(self.tzinfo).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0

    def short_name(self, moment: datetime) -> str:
        """What pattern letter `z` prints: the abbreviation, or the id for offsets."""
        if self.is_offset or self.id.startswith(tuple(p + s for p in _PREFIXES for s in "+-")):
            return self.id
        if self.id in _PREFIXES:
            return self.id
        name = moment.astimezone(self.tzinfo).tzname() or self.id
        if name[:1] in "+-":
            # tzdata has no letters for this zone; Java falls back to the GMT format.
            return localized_offset(self.offset_seconds(moment), full=True)
        return name

    def full_name(self, moment: datetime) -> str:
        """What `zzzz` prints. Only UTC and GMT have long names here; others print `z`."""
        return _FULL_NAMES.get(self.id) or self.short_name(moment)


UTC = Zone("UTC", UTC_TZ)


def offset_zone(seconds: int) -> Zone:
    """`ZoneOffset.ofTotalSeconds(seconds)`."""
    return Zone(offset_id(seconds), timezone(timedelta(seconds=seconds)), is_offset=True)


def offset_id(seconds: int) -> str:
    """`ZoneOffset.getId()`: `Z`, `+08:00`, or `-05:30:15` when seconds are present."""
    if seconds == 0:
        return "Z"
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{hours:02d}:{minutes:02d}"
    return f"{text}:{secs:02d}" if secs else text


def localized_offset(seconds: int, *, full: bool) -> str:
    """Pattern letters `O` (short, `GMT+8`) and `OOOO` (full, `GMT+08:00`); zero is `GMT`."""
    if seconds == 0:
        return "GMT"
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    if full:
        text = f"GMT{sign}{hours:02d}:{minutes:02d}"
        return f"{text}:{secs:02d}" if secs else text
    text = f"GMT{sign}{hours}"
    if minutes or secs:
        text += f":{minutes:02d}"
        if secs:
            text += f":{secs:02d}"
    return text


def parse_offset(text: str) -> int:
    """`ZoneOffset.of(text)` as total seconds: `Z`, `+h`, `+hh`, `+hhmm`, `+hh:mm`, ..."""
    if text == "Z":
        return 0
    body = text[1:]
    if text[:1] not in ("+", "-"):
        raise _invalid_offset(text)
    shapes = {1: "h", 2: "hh", 4: "hhmm", 5: "hh:mm", 6: "hhmmss", 8: "hh:mm:ss"}
    shape = shapes.get(len(body))
    if shape is None or any(
        (want == ":") != (got == ":") or (want != ":" and got not in "0123456789")
        for want, got in zip(shape, body, strict=True)
    ):
        raise _invalid_offset(text)
    digits = body.replace(":", "")
    hours = int(digits[:2] if len(digits) >= 2 else digits)
    minutes = int(digits[2:4] or 0)
    seconds = int(digits[4:6] or 0)
    if hours > 18 or minutes > 59 or seconds > 59:
        raise TemplateRuntimeError(f"Zone offset not in valid range: {text}")
    total = hours * 3600 + minutes * 60 + seconds
    if total > _MAX_OFFSET:
        raise TemplateRuntimeError(f"Zone offset not in valid range: {text}")
    return -total if text[0] == "-" else total


def parse_zone(text: str) -> Zone:
    """`ZoneId.of(text)`; an unknown or malformed id is a template error."""
    if text == "Z" or text[:1] in ("+", "-"):
        return offset_zone(parse_offset(text))
    if text in _PREFIXES:
        return Zone(text, UTC_TZ)
    for prefix in _PREFIXES:
        if len(text) > len(prefix) and text.startswith(prefix) and text[len(prefix)] in "+-":
            seconds = parse_offset(text[len(prefix) :])
            zone_id = prefix + offset_id(seconds) if seconds else prefix
            return Zone(zone_id, timezone(timedelta(seconds=seconds)))
    if _REGION_ID.fullmatch(text) is None:
        raise TemplateRuntimeError(f"Invalid ID for region-based ZoneId, invalid format: {text}")
    try:
        return Zone(text, ZoneInfo(text))
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise TemplateRuntimeError(f"Unknown time-zone ID: {text}") from None


def zone_for_name(name: str) -> Zone | None:
    """The zone a parsed zone name (`z`) stands for: an id, `UTC`/`GMT`, or an abbreviation."""
    region = _ABBREVIATIONS.get(name)
    try:
        return parse_zone(region or name)
    except TemplateRuntimeError:
        return None


def _invalid_offset(text: str) -> TemplateRuntimeError:
    return TemplateRuntimeError(f"Invalid ID for ZoneOffset, invalid format: {text}")
