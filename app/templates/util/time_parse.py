"""Parsing text with compiled `DateTimeFormatter` patterns, as Java's strict parser with the
SMART resolver does: fixed widths must be met, text is case-sensitive, an impossible day of a
valid month moves to the month's last day, and `24:00` is the end of the day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC as UTC_TZ
from datetime import date, datetime, timedelta

from app.templates.api import TemplateRuntimeError
from app.templates.util.time_pattern import (
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
    MILLI_OF_DAY,
    MINUTE,
    MONTH,
    NANO,
    NANO_OF_DAY,
    NORMAL,
    SECOND,
    TEXTS,
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
    ZoneText,
)
from app.templates.util.time_zone import Zone, offset_zone, parse_zone, zone_for_name


class _ParseFailure(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


@dataclass(slots=True)
class _Parsed:
    fields: dict[str, int] = field(default_factory=dict)
    offset: int | None = None
    zone: Zone | None = None

    def copy(self) -> _Parsed:
        return _Parsed(dict(self.fields), self.offset, self.zone)

    def set(self, target: str, value: int, index: int) -> None:
        previous = self.fields.get(target)
        if previous is not None and previous != value:
            raise _ParseFailure(index)
        self.fields[target] = value


def parse_to_epoch_millis(pattern: Pattern, text: str, default_zone: Zone | None) -> int:
    """Parse `text` with a compiled pattern and return epoch milliseconds.

    An offset in the text wins, then a zone in the text, then `default_zone`; with none of
    them the text is read as UTC. Missing time fields default to midnight.
    """
    parsed = _Parsed()
    try:
        end = _parse_nodes(pattern.nodes, text, 0, parsed)
    except _ParseFailure as failure:
        raise TemplateRuntimeError(
            f"Text '{text}' could not be parsed at index {failure.index}"
        ) from None
    if end != len(text):
        raise TemplateRuntimeError(
            f"Text '{text}' could not be parsed, unparsed text found at index {end}"
        )
    return _resolve(parsed, text, default_zone)


def _parse_nodes(nodes: tuple[Node, ...], text: str, pos: int, parsed: _Parsed) -> int:
    for node in nodes:
        pos = _parse_node(node, text, pos, parsed)
    return pos


def _parse_node(node: Node, text: str, pos: int, parsed: _Parsed) -> int:
    if isinstance(node, Literal):
        if not text.startswith(node.text, pos):
            raise _ParseFailure(pos)
        return pos + len(node.text)
    if isinstance(node, Section):
        attempt = parsed.copy()
        try:
            end = _parse_nodes(node.nodes, text, pos, attempt)
        except _ParseFailure:
            return pos
        parsed.fields, parsed.offset, parsed.zone = attempt.fields, attempt.offset, attempt.zone
        return end
    if isinstance(node, Pad):
        limit = min(len(text), pos + node.width)
        start = pos
        while start < limit and text[start] == " ":
            start += 1
        end = _parse_node(node.node, text[:limit], start, parsed)
        if end != limit:
            raise _ParseFailure(pos)
        return end
    if isinstance(node, Number):
        return _parse_number(node, text, pos, parsed)
    if isinstance(node, Reduced):
        digits = text[pos : pos + 2]
        if len(digits) != 2 or not _ascii_digits(digits):
            raise _ParseFailure(pos)
        parsed.set(node.field, 2000 + int(digits), pos)
        return pos + 2
    if isinstance(node, Fraction):
        digits = text[pos : pos + node.width]
        if len(digits) != node.width or not _ascii_digits(digits):
            raise _ParseFailure(pos)
        parsed.set(NANO, int(digits.ljust(9, "0")), pos)
        return pos + node.width
    if isinstance(node, Text):
        return _parse_text(node, text, pos, parsed)
    if isinstance(node, OffsetId):
        return _parse_offset(node, text, pos, parsed)
    if isinstance(node, LocalizedOffset):
        return _parse_localized_offset(node, text, pos, parsed)
    return _parse_zone(isinstance(node, ZoneText), text, pos, parsed)


def _ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _parse_number(node: Number, text: str, pos: int, parsed: _Parsed) -> int:
    """NumberPrinterParser.parse in strict mode, including the back-off for reserved digits."""
    start = pos
    if pos >= len(text):
        raise _ParseFailure(pos)
    negative = positive = False
    sign = text[pos]
    if sign in "+-":
        allowed = node.sign in (ALWAYS, EXCEEDS_PAD) or (node.sign == NORMAL and sign == "-")
        if not allowed:
            raise _ParseFailure(pos)
        negative, positive = sign == "-", sign == "+"
        pos += 1
    elif node.sign == ALWAYS:
        raise _ParseFailure(pos)
    digits_start = pos
    run = digits_start
    limit = min(len(text), digits_start + node.max_width + node.subsequent_width)
    while run < limit and text[run].isascii() and text[run].isdigit():
        run += 1
    available = run - digits_start
    take = min(available, node.max_width)
    if node.subsequent_width:
        take = max(node.min_width, min(node.max_width, available - node.subsequent_width))
    if take < node.min_width or available < take:
        raise _ParseFailure(start)
    end = digits_start + take
    value = int(text[digits_start:end])
    if negative:
        if value == 0:
            raise _ParseFailure(start)
        value = -value
    elif node.sign == EXCEEDS_PAD:
        if positive and take <= node.min_width:
            raise _ParseFailure(start)
        if not positive and take > node.min_width:
            raise _ParseFailure(start)
    parsed.set(node.field, value, start)
    return end


def _parse_text(node: Text, text: str, pos: int, parsed: _Parsed) -> int:
    names = TEXTS[node.field][node.style]
    if len(set(names.values())) != len(names):
        # Ambiguous names (narrow months: J, J, J) cannot be parsed; Java reads a number.
        return _parse_number(Number(node.field, 1, 19, NORMAL), text, pos, parsed)
    for value, name in sorted(names.items(), key=lambda item: -len(item[1])):
        if text.startswith(name, pos):
            parsed.set(node.field, value, pos)
            return pos + len(name)
    raise _ParseFailure(pos)


def _two_digits(text: str, pos: int) -> int | None:
    pair = text[pos : pos + 2]
    return int(pair) if len(pair) == 2 and _ascii_digits(pair) else None


def _parse_offset(node: OffsetId, text: str, pos: int, parsed: _Parsed) -> int:
    if node.no_offset_text and text.startswith(node.no_offset_text, pos):
        _set_offset(parsed, 0, pos)
        return pos + len(node.no_offset_text)
    if pos >= len(text) or text[pos] not in "+-":
        raise _ParseFailure(pos)
    negative = text[pos] == "-"
    colon = node.kind % 2 == 0
    hours = _two_digits(text, pos + 1)
    if hours is None:
        raise _ParseFailure(pos)
    cursor = pos + 3
    parts = [hours, 0, 0]
    # Minutes: required from "+HHMM" on, optional for "+HHmm"/"+HH:mm"; seconds likewise.
    for index, required, allowed in (
        (1, node.kind >= 3, node.kind >= 1),
        (2, node.kind >= 7, node.kind >= 5),
    ):
        if not allowed:
            break
        at = cursor + (1 if colon else 0)
        number = _two_digits(text, at) if not colon or text[cursor : cursor + 1] == ":" else None
        if number is None:
            if required:
                raise _ParseFailure(pos)
            break
        if number > 59:
            raise _ParseFailure(pos)
        parts[index] = number
        cursor = at + 2
    total = parts[0] * 3600 + parts[1] * 60 + parts[2]
    _set_offset(parsed, -total if negative else total, pos)
    return cursor


def _parse_localized_offset(node: LocalizedOffset, text: str, pos: int, parsed: _Parsed) -> int:
    if not text.startswith("GMT", pos):
        raise _ParseFailure(pos)
    cursor = pos + 3
    if cursor >= len(text) or text[cursor] not in "+-":
        _set_offset(parsed, 0, pos)
        return cursor
    negative = text[cursor] == "-"
    cursor += 1
    digits = 0
    while digits < 2 and cursor + digits < len(text) and _ascii_digits(text[cursor + digits]):
        digits += 1
    if digits == 0 or (node.full and digits != 2):
        raise _ParseFailure(pos)
    hours = int(text[cursor : cursor + digits])
    cursor += digits
    minutes = seconds = 0
    if (value := _colon_pair(text, cursor)) is not None:
        minutes, cursor = value, cursor + 3
        if (value := _colon_pair(text, cursor)) is not None:
            seconds, cursor = value, cursor + 3
    elif node.full:
        raise _ParseFailure(pos)
    total = hours * 3600 + minutes * 60 + seconds
    _set_offset(parsed, -total if negative else total, pos)
    return cursor


def _colon_pair(text: str, pos: int) -> int | None:
    return _two_digits(text, pos + 1) if text[pos : pos + 1] == ":" else None


def _set_offset(parsed: _Parsed, seconds: int, pos: int) -> None:
    if parsed.offset is not None and parsed.offset != seconds:
        raise _ParseFailure(pos)
    parsed.offset = seconds


def _parse_zone(by_name: bool, text: str, pos: int, parsed: _Parsed) -> int:
    """Zone ids (`VV`) and zone names (`z`): offsets, `Z`, `UTC`/`GMT`, regions, names."""
    end = pos
    if text[pos : pos + 1] in ("+", "-"):
        end += 1
        while end < len(text) and end - pos < 9 and (_ascii_digits(text[end]) or text[end] == ":"):
            end += 1
    else:
        while end < len(text) and _is_id_char(text[end]):
            end += 1
    # Longest zone id (or name) that resolves, as Java's prefix tree matches.
    for stop in range(end, pos, -1):
        candidate = text[pos:stop]
        zone = zone_for_name(candidate) if by_name else _try_zone(candidate)
        if zone is not None:
            parsed.zone = zone
            return stop
    raise _ParseFailure(pos)


_ID_CHARS = frozenset("~/._+-:")


def _is_id_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in _ID_CHARS)


def _try_zone(text: str) -> Zone | None:
    try:
        return parse_zone(text)
    except TemplateRuntimeError:
        return None


def _resolve(parsed: _Parsed, text: str, default_zone: Zone | None) -> int:
    """SMART resolution of the parsed fields into an instant, in epoch milliseconds."""
    fields = parsed.fields
    try:
        local = datetime.combine(_resolve_date(fields), datetime.min.time())
        extra_days, seconds, nano = _resolve_time(fields)
    except (ValueError, OverflowError) as error:
        raise TemplateRuntimeError(f"Text '{text}' could not be parsed: {error}") from None
    local += timedelta(days=extra_days, seconds=seconds)
    if parsed.offset is not None:
        zone = offset_zone(parsed.offset)
    else:
        zone = parsed.zone or default_zone or parse_zone("UTC")
    return epoch_millis(local.replace(tzinfo=zone.tzinfo, fold=0)) + nano // 1_000_000


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC_TZ)


def epoch_millis(moment: datetime) -> int:
    """Whole milliseconds from the epoch to an aware datetime (sub-millisecond part dropped)."""
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _resolve_date(fields: dict[str, int]) -> date:
    year = fields.get(YEAR)
    year_of_era = fields.get(YEAR_OF_ERA)
    if year_of_era is not None:
        era = fields.get(ERA, 1)
        derived = year_of_era if era == 1 else 1 - year_of_era
        if year is not None and year != derived:
            raise ValueError(f"Conflict found: Year {year} differs from Year {derived}")
        year = derived
    if year is None:
        raise ValueError("Unable to obtain a date: no year was parsed")
    month, day = fields.get(MONTH), fields.get(DAY_OF_MONTH)
    if month is not None and day is not None:
        if not 1 <= month <= 12:
            raise ValueError(f"Invalid value for MonthOfYear (valid values 1 - 12): {month}")
        if not 1 <= day <= 31:
            raise ValueError(f"Invalid value for DayOfMonth (valid values 1 - 31): {day}")
        # SMART: an impossible day of a valid month is moved to the month's last day.
        day = min(day, calendar.monthrange(year, month)[1])
        result = date(year, month, day)
    elif DAY_OF_YEAR in fields:
        day_of_year = fields[DAY_OF_YEAR]
        length = 366 if calendar.isleap(year) else 365
        if not 1 <= day_of_year <= length:
            raise ValueError(f"Invalid date 'DayOfYear {day_of_year}' for year {year}")
        result = date(year, 1, 1) + timedelta(days=day_of_year - 1)
    else:
        raise ValueError("Unable to obtain a date: month and day were not both parsed")
    weekday = fields.get(DAY_OF_WEEK)
    if weekday is not None and weekday != result.isoweekday():
        raise ValueError(f"Conflict found: DayOfWeek {weekday} differs from {result.isoweekday()}")
    return result


def _resolve_time(fields: dict[str, int]) -> tuple[int, int, int]:
    """(extra days, second of day, nano of second) from the parsed time fields."""
    if MILLI_OF_DAY in fields or NANO_OF_DAY in fields:
        nanos = fields.get(NANO_OF_DAY, fields.get(MILLI_OF_DAY, 0) * 1_000_000)
        if not 0 <= nanos < 86_400 * 10**9:
            raise ValueError(f"Invalid value for time of day: {nanos}")
        return 0, nanos // 10**9, nanos % 10**9
    hour = fields.get(HOUR_OF_DAY)
    if CLOCK_HOUR_OF_DAY in fields:
        clock = fields[CLOCK_HOUR_OF_DAY]
        if clock and not 1 <= clock <= 24:
            raise ValueError(f"Invalid value for ClockHourOfDay (valid values 1 - 24): {clock}")
        hour = _agree(hour, 0 if clock == 24 else clock)
    hour_of_ampm = fields.get(HOUR_OF_AMPM)
    if CLOCK_HOUR_OF_AMPM in fields:
        clock = fields[CLOCK_HOUR_OF_AMPM]
        if clock and not 1 <= clock <= 12:
            raise ValueError(f"Invalid value for ClockHourOfAmPm (valid values 1 - 12): {clock}")
        hour_of_ampm = _agree(hour_of_ampm, 0 if clock == 12 else clock)
    if hour_of_ampm is not None:
        if not 0 <= hour_of_ampm <= 11:
            raise ValueError(f"Invalid value for HourOfAmPm (valid values 0 - 11): {hour_of_ampm}")
        hour = _agree(hour, fields.get(AMPM, 0) * 12 + hour_of_ampm)
    minute, second, nano = fields.get(MINUTE), fields.get(SECOND), fields.get(NANO, 0)
    if hour is None:
        if minute is not None or second is not None:
            raise ValueError("Unable to obtain a time: no hour was parsed")
        return 0, 0, nano
    if minute is None and second is not None:
        raise ValueError("Unable to obtain a time: seconds without minutes")
    minute, second = minute or 0, second or 0
    if not 0 <= minute <= 59:
        raise ValueError(f"Invalid value for MinuteOfHour (valid values 0 - 59): {minute}")
    if not 0 <= second <= 59:
        raise ValueError(f"Invalid value for SecondOfMinute (valid values 0 - 59): {second}")
    if hour == 24 and minute == second == nano == 0:
        return 1, 0, 0  # SMART: 24:00 is the end of the day
    if not 0 <= hour <= 23:
        raise ValueError(f"Invalid value for HourOfDay (valid values 0 - 23): {hour}")
    return 0, hour * 3600 + minute * 60 + second, nano


def _agree(current: int | None, derived: int) -> int:
    if current is not None and current != derived:
        raise ValueError(f"Conflict found: HourOfDay {current} differs from {derived}")
    return derived
