"""Printing date-times with compiled `DateTimeFormatter` patterns (`DateTimeFormatter.format`).

Week-based fields use `WeekFields.of(Locale.US)`: weeks start on Sunday and week 1 is the week
holding January 1st.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC as UTC_TZ
from datetime import date, datetime, timedelta

from app.templates.api import TemplateRuntimeError
from app.templates.util.time_pattern import (
    ALIGNED_DOW_IN_MONTH,
    ALWAYS,
    AMPM,
    CLOCK_HOUR_OF_AMPM,
    CLOCK_HOUR_OF_DAY,
    DAY_OF_MONTH,
    DAY_OF_WEEK,
    DAY_OF_YEAR,
    ERA,
    EXCEEDS_PAD,
    HOUR_OF_AMPM,
    HOUR_OF_DAY,
    LOCAL_DAY_OF_WEEK,
    MILLI_OF_DAY,
    MINUTE,
    MODIFIED_JULIAN_DAY,
    MONTH,
    NANO,
    NANO_OF_DAY,
    NORMAL,
    QUARTER,
    SECOND,
    TEXTS,
    WEEK_BASED_YEAR,
    WEEK_OF_MONTH,
    WEEK_OF_WEEK_BASED_YEAR,
    YEAR,
    YEAR_OF_ERA,
    Fraction,
    Literal,
    LocalizedOffset,
    Node,
    Number,
    OffsetId,
    Pad,
    Pattern,
    Reduced,
    Section,
    Text,
    ZoneIdNode,
)
from app.templates.util.time_zone import Zone, localized_offset


@dataclass(frozen=True, slots=True)
class Moment:
    """A date-time in a zone, with everything the printers read."""

    local: datetime  # naive local date-time in `zone`
    nano: int
    offset: int  # seconds
    zone: Zone
    instant: datetime  # aware, UTC

    def value(self, target: str) -> int:
        return _FIELD_GETTERS[target](self)


def moment_from_epoch_millis(millis: int, zone: Zone) -> Moment:
    """The date-time `millis` after the epoch, as seen in `zone`."""
    try:
        instant = datetime(1970, 1, 1, tzinfo=UTC_TZ) + timedelta(milliseconds=millis)
        local = instant.astimezone(zone.tzinfo)
    except OverflowError:
        raise TemplateRuntimeError(f"Epoch milliseconds out of range: {millis}") from None
    nano = (millis % 1000) * 1_000_000
    offset = zone.offset_seconds(instant)
    return Moment(local.replace(tzinfo=None, microsecond=0), nano, offset, zone, instant)


def format_moment(pattern: Pattern, moment: Moment) -> str:
    """Print `moment` with a compiled pattern (`DateTimeFormatter.format`)."""
    out: list[str] = []
    for node in pattern.nodes:
        _format_node(node, moment, out)
    return "".join(out)


def _format_node(node: Node, moment: Moment, out: list[str]) -> None:
    if isinstance(node, Literal):
        out.append(node.text)
    elif isinstance(node, Section):
        for child in node.nodes:
            _format_node(child, moment, out)
    elif isinstance(node, Pad):
        inner: list[str] = []
        _format_node(node.node, moment, inner)
        text = "".join(inner)
        if len(text) > node.width:
            raise TemplateRuntimeError(
                f"Cannot print as output of {len(text)} characters exceeds pad width of "
                f"{node.width}"
            )
        out.append(text.rjust(node.width))
    elif isinstance(node, Number):
        out.append(_format_number(node, moment.value(node.field)))
    elif isinstance(node, Reduced):
        out.append(f"{abs(moment.value(node.field)) % 100:02d}")
    elif isinstance(node, Fraction):
        out.append(f"{moment.nano:09d}"[: node.width])
    elif isinstance(node, Text):
        out.append(TEXTS[node.field][node.style][moment.value(node.field)])
    elif isinstance(node, OffsetId):
        out.append(_format_offset(node, moment.offset))
    elif isinstance(node, LocalizedOffset):
        out.append(localized_offset(moment.offset, full=node.full))
    elif isinstance(node, ZoneIdNode):
        out.append(moment.zone.id)
    else:
        zone = moment.zone
        out.append(zone.full_name(moment.instant) if node.full else zone.short_name(moment.instant))


def _format_number(node: Number, value: int) -> str:
    digits = str(abs(value))
    if len(digits) > node.max_width:
        raise TemplateRuntimeError(
            f"Field {node.field} cannot be printed as the value {value} exceeds the maximum "
            f"print width of {node.max_width}"
        )
    sign = ""
    if value >= 0:
        exceeds = node.sign == EXCEEDS_PAD and node.min_width < 19 and value >= 10**node.min_width
        if exceeds or node.sign == ALWAYS:
            sign = "+"
    elif node.sign in (NORMAL, EXCEEDS_PAD, ALWAYS):
        sign = "-"
    else:
        raise TemplateRuntimeError(
            f"Field {node.field} cannot be printed as the value {value} cannot be negative "
            "according to the SignStyle"
        )
    return sign + digits.rjust(node.min_width, "0")


def _format_offset(node: OffsetId, total: int) -> str:
    if total == 0:
        return node.no_offset_text
    hours, rest = divmod(abs(total), 3600)
    minutes, seconds = divmod(rest, 60)
    colon = ":" if node.kind % 2 == 0 else ""
    text = ("-" if total < 0 else "+") + f"{hours:02d}"
    printed = hours
    if node.kind >= 3 or (node.kind >= 1 and minutes > 0):
        text += f"{colon}{minutes:02d}"
        printed += minutes
        if node.kind >= 7 or (node.kind >= 5 and seconds > 0):
            text += f"{colon}{seconds:02d}"
            printed += seconds
    return node.no_offset_text if printed == 0 else text


def _local_dow(moment: Moment) -> int:
    # WeekFields.of(Locale.US): weeks start on Sunday, so Sunday is 1 and Saturday 7.
    return moment.local.isoweekday() % 7 + 1


def _start_of_week_offset(day: int, dow: int) -> int:
    week_start = (day - dow) % 7
    return 7 - week_start if week_start + 1 > 1 else -week_start


def _compute_week(offset: int, day: int) -> int:
    return (7 + offset + (day - 1)) // 7


def _week_of_month(moment: Moment) -> int:
    day = moment.local.day
    return _compute_week(_start_of_week_offset(day, _local_dow(moment)), day)


def _week_fields(day: date) -> tuple[int, int]:
    """(week-based year, week of week-based year) under US week rules (Sunday, 1 day)."""
    dow = day.isoweekday() % 7 + 1
    doy = day.timetuple().tm_yday
    offset = _start_of_week_offset(doy, dow)
    week = _compute_week(offset, doy)
    if week == 0:
        previous = day - timedelta(days=doy)
        return previous.year, _week_fields(previous)[1]
    year_length = 366 if calendar.isleap(day.year) else 365
    new_year_week = _compute_week(offset, year_length + 1)
    if week >= new_year_week:
        return day.year + 1, week - new_year_week + 1
    return day.year, week


_FIELD_GETTERS: dict[str, Callable[[Moment], int]] = {
    ERA: lambda m: 1 if m.local.year > 0 else 0,
    YEAR_OF_ERA: lambda m: m.local.year,
    YEAR: lambda m: m.local.year,
    MONTH: lambda m: m.local.month,
    DAY_OF_MONTH: lambda m: m.local.day,
    DAY_OF_YEAR: lambda m: m.local.timetuple().tm_yday,
    QUARTER: lambda m: (m.local.month - 1) // 3 + 1,
    DAY_OF_WEEK: lambda m: m.local.isoweekday(),
    LOCAL_DAY_OF_WEEK: _local_dow,
    ALIGNED_DOW_IN_MONTH: lambda m: (m.local.day - 1) % 7 + 1,
    AMPM: lambda m: m.local.hour // 12,
    HOUR_OF_DAY: lambda m: m.local.hour,
    CLOCK_HOUR_OF_DAY: lambda m: m.local.hour or 24,
    HOUR_OF_AMPM: lambda m: m.local.hour % 12,
    CLOCK_HOUR_OF_AMPM: lambda m: m.local.hour % 12 or 12,
    MINUTE: lambda m: m.local.minute,
    SECOND: lambda m: m.local.second,
    NANO: lambda m: m.nano,
    MILLI_OF_DAY: lambda m: _second_of_day(m) * 1000 + m.nano // 1_000_000,
    NANO_OF_DAY: lambda m: _second_of_day(m) * 1_000_000_000 + m.nano,
    WEEK_BASED_YEAR: lambda m: _week_fields(m.local.date())[0],
    WEEK_OF_WEEK_BASED_YEAR: lambda m: _week_fields(m.local.date())[1],
    WEEK_OF_MONTH: _week_of_month,
    MODIFIED_JULIAN_DAY: lambda m: m.local.toordinal() - date(1858, 11, 17).toordinal(),
}


def _second_of_day(moment: Moment) -> int:
    local = moment.local
    return local.hour * 3600 + local.minute * 60 + local.second
