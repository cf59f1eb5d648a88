"""Dates in queries: OpenSearch's date math (`now-1d/d`, `2026-01-01||+1M`) as epoch millis.

A `range` bound that rounds up (`lte`, `gt`) means the last millisecond of the period it
names, as in OpenSearch: `lte: 2026-01-01` and `lte: now/d` include the whole day.
Everything is UTC (a `time_zone` other than UTC is refused by the caller).
"""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from app.searchengine.errors import SearchError
from app.searchengine.mapping import EPOCH, parse_date

_MATH: Final = re.compile(r"([+-])(\d+)([yMwdhHms])|/([yMwdhHms])")
_UNITS: Final = "yMwdhms"


def resolve_date(value: Any, now_millis: int, *, round_up: bool) -> int:
    """Epoch milliseconds of a date, a number of epoch millis, or date math."""
    if isinstance(value, bool):
        raise _failed(value)
    if isinstance(value, int | float):
        return int(value)
    if not isinstance(value, str):
        raise _failed(value)
    text = value.strip()
    if text.startswith("now"):
        anchor, math = now_millis, text[3:]
        precision = "ms"
    else:
        anchor_text, _, math = text.partition("||")
        millis = parse_date(anchor_text)
        if millis is None:
            raise _failed(value)
        anchor = millis
        precision = _precision(anchor_text)
        if not math and round_up and precision != "ms":
            return _ceil(anchor, precision)
    if not math:
        return anchor
    moment = EPOCH + timedelta(milliseconds=anchor)
    position = 0
    rounded: str | None = None
    for match in _MATH.finditer(math):
        if match.start() != position or rounded is not None:
            raise _failed(value)
        position = match.end()
        sign, amount, unit, round_unit = match.groups()
        if round_unit:
            rounded = round_unit.replace("H", "h")
            moment = floor_unit(moment, rounded)
        else:
            moment = add_units(
                moment, int(amount) * (1 if sign == "+" else -1), unit.replace("H", "h")
            )
    if position != len(math):
        raise _failed(value)
    millis = (moment - EPOCH) // timedelta(milliseconds=1)
    if rounded is not None and round_up:
        return _ceil(millis, rounded)
    return millis


def _failed(value: Any) -> SearchError:
    return SearchError(
        400,
        "parse_exception",
        f"failed to parse date field [{value}] with format [strict_date_optional_time||epoch_millis]",  # noqa: E501
    )


def _precision(text: str) -> str:
    """The finest unit a written date names: `2026` -> y, `2026-01-01T10` -> h."""
    date, _, time = text.strip().replace(" ", "T").partition("T")
    if re.fullmatch(r"-?\d+", date) and len(date.lstrip("-")) > 4:
        return "ms"
    parts = date.split("-")
    if not time:
        return {1: "y", 2: "M"}.get(len(parts), "d")
    time = re.split(r"[Z+-]", time)[0]
    if "." in time or "," in time:
        return "ms"
    return {1: "h", 2: "m"}.get(len(time.split(":")), "s")


def floor_unit(moment: datetime, unit: str) -> datetime:
    match unit:
        case "y":
            return moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        case "M":
            return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        case "w":
            start = moment - timedelta(days=moment.weekday())
            return start.replace(hour=0, minute=0, second=0, microsecond=0)
        case "d":
            return moment.replace(hour=0, minute=0, second=0, microsecond=0)
        case "h":
            return moment.replace(minute=0, second=0, microsecond=0)
        case "m":
            return moment.replace(second=0, microsecond=0)
        case _:
            return moment.replace(microsecond=0)


def add_units(moment: datetime, amount: int, unit: str) -> datetime:
    if unit in ("y", "M"):
        months = moment.month - 1 + amount * (12 if unit == "y" else 1)
        year = moment.year + months // 12
        month = months % 12 + 1
        day = min(moment.day, calendar.monthrange(year, month)[1])
        return moment.replace(year=year, month=month, day=day)
    seconds = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}[unit]
    return moment + timedelta(seconds=amount * seconds)


def _ceil(millis: int, unit: str) -> int:
    """The last millisecond of the `unit` period that starts at or holds `millis`."""
    start = floor_unit(EPOCH + timedelta(milliseconds=millis), unit)
    end = add_units(start, 1, unit)
    return (end.astimezone(UTC) - EPOCH) // timedelta(milliseconds=1) - 1
