"""`java.time.format.DateTimeFormatter.ofPattern` patterns, compiled to printer-parsers.

`$util.time` takes Java patterns (`yyyy-MM-dd'T'HH:mm:ss.SSSZ`), so this module compiles a
pattern into the same printer-parsers Java's `DateTimeFormatterBuilder.appendPattern` builds
with the same widths, sign styles and texts (English, Locale.US), including adjacent-value
parsing for runs of digits (`yyyyMMddHHmm`), optional sections `[...]`, quoted literals and
`''`. Pattern mistakes raise the errors Java raises, as template errors. `time_format` prints
with a compiled pattern and `time_parse` parses with one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.templates.api import TemplateRuntimeError

# Field names as Java's ChronoField/IsoFields print them in error messages.
ERA = "Era"
YEAR_OF_ERA = "YearOfEra"
YEAR = "Year"
MONTH = "MonthOfYear"
DAY_OF_MONTH = "DayOfMonth"
DAY_OF_YEAR = "DayOfYear"
QUARTER = "QuarterOfYear"
DAY_OF_WEEK = "DayOfWeek"
LOCAL_DAY_OF_WEEK = "LocalizedDayOfWeek"
ALIGNED_DOW_IN_MONTH = "AlignedDayOfWeekInMonth"
AMPM = "AmPmOfDay"
HOUR_OF_DAY = "HourOfDay"
CLOCK_HOUR_OF_DAY = "ClockHourOfDay"
HOUR_OF_AMPM = "HourOfAmPm"
CLOCK_HOUR_OF_AMPM = "ClockHourOfAmPm"
MINUTE = "MinuteOfHour"
SECOND = "SecondOfMinute"
NANO = "NanoOfSecond"
MILLI_OF_DAY = "MilliOfDay"
NANO_OF_DAY = "NanoOfDay"
WEEK_BASED_YEAR = "WeekBasedYear"
WEEK_OF_WEEK_BASED_YEAR = "WeekOfWeekBasedYear"
WEEK_OF_MONTH = "WeekOfMonth"
MODIFIED_JULIAN_DAY = "ModifiedJulianDay"

# Sign styles (java.time.format.SignStyle).
NORMAL, ALWAYS, NEVER, NOT_NEGATIVE, EXCEEDS_PAD = range(5)

# English texts (CLDR, as Java 9+ prints them for Locale.US).
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
TEXTS: dict[str, dict[str, dict[int, str]]] = {
    MONTH: {
        "full": dict(enumerate(_MONTHS, 1)),
        "short": {i: name[:3] for i, name in enumerate(_MONTHS, 1)},
        "narrow": {i: name[0] for i, name in enumerate(_MONTHS, 1)},
    },
    DAY_OF_WEEK: {
        "full": dict(enumerate(_DAYS, 1)),
        "short": {i: name[:3] for i, name in enumerate(_DAYS, 1)},
        "narrow": {i: name[0] for i, name in enumerate(_DAYS, 1)},
    },
    AMPM: {style: {0: "AM", 1: "PM"} for style in ("full", "short", "narrow")},
    ERA: {
        "full": {0: "Before Christ", 1: "Anno Domini"},
        "short": {0: "BC", 1: "AD"},
        "narrow": {0: "B", 1: "A"},
    },
    QUARTER: {
        "full": {1: "1st quarter", 2: "2nd quarter", 3: "3rd quarter", 4: "4th quarter"},
        "short": {q: f"Q{q}" for q in range(1, 5)},
        "narrow": {q: str(q) for q in range(1, 5)},
    },
}

# OffsetIdPrinterParser.PATTERNS; the index is the "type" that drives printing and parsing.
_OFFSET_PATTERNS = (
    "+HH",
    "+HHmm",
    "+HH:mm",
    "+HHMM",
    "+HH:MM",
    "+HHMMss",
    "+HH:MM:ss",
    "+HHMMSS",
    "+HH:MM:SS",
)


@dataclass(frozen=True, slots=True)
class Literal:
    text: str


@dataclass(frozen=True, slots=True)
class Section:
    """An optional section `[...]`: printed in full, skipped when parsing fails inside it."""

    nodes: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Pad:
    width: int
    node: Node


@dataclass(frozen=True, slots=True)
class Number:
    field: str
    min_width: int
    max_width: int
    sign: int
    subsequent_width: int = 0  # digits reserved for the fixed-width fields that follow

    @property
    def fixed(self) -> bool:
        return self.min_width == self.max_width and self.sign == NOT_NEGATIVE


@dataclass(frozen=True, slots=True)
class Reduced:
    """Two-digit years (`yy`, `uu`, `YY`), based on 2000."""

    field: str

    @property
    def fixed(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class Fraction:
    """`S`..`SSSSSSSSS`: the fraction of the second, truncated to `width` digits."""

    width: int

    @property
    def fixed(self) -> bool:
        return True


@dataclass(frozen=True, slots=True)
class Text:
    field: str
    style: str


@dataclass(frozen=True, slots=True)
class OffsetId:
    kind: int
    no_offset_text: str


@dataclass(frozen=True, slots=True)
class LocalizedOffset:
    full: bool


@dataclass(frozen=True, slots=True)
class ZoneIdNode:
    pass


@dataclass(frozen=True, slots=True)
class ZoneText:
    full: bool


Node = (
    Literal
    | Section
    | Pad
    | Number
    | Reduced
    | Fraction
    | Text
    | OffsetId
    | LocalizedOffset
    | ZoneIdNode
    | ZoneText
)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled pattern: the printer-parsers `appendPattern` would build."""

    source: str
    nodes: tuple[Node, ...]


def compile_pattern(pattern: str) -> Pattern:
    """Compile a `DateTimeFormatter` pattern; a malformed one raises `TemplateRuntimeError`."""
    try:
        return Pattern(pattern, _PatternCompiler(pattern).compile())
    except ValueError as error:
        raise TemplateRuntimeError(str(error)) from None


class _PatternCompiler:
    """`DateTimeFormatterBuilder.parsePattern`, one character at a time."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.stack: list[list[Node]] = [[]]

    def compile(self) -> tuple[Node, ...]:
        pattern, pos = self.pattern, 0
        while pos < len(pattern):
            char = pattern[pos]
            if _is_letter(char):
                start = pos
                pos = _run_end(pattern, pos)
                count = pos - start
                pad = 0
                if char == "p":
                    if pos >= len(pattern) or not _is_letter(pattern[pos]):
                        raise ValueError(
                            "Pad letter 'p' must be followed by valid pad pattern: " + pattern
                        )
                    pad, char, start = count, pattern[pos], pos
                    pos = _run_end(pattern, pos)
                    count = pos - start
                nodes = _letter_nodes(char, count)
                if pad:
                    nodes = [Pad(pad, nodes[0])]
                for node in nodes:
                    self._append(node)
                continue
            if char == "'":
                start = pos
                pos += 1
                while pos < len(pattern):
                    if pattern[pos] == "'":
                        if pos + 1 < len(pattern) and pattern[pos + 1] == "'":
                            pos += 1
                        else:
                            break
                    pos += 1
                if pos >= len(pattern):
                    raise ValueError("Pattern ends with an incomplete string literal: " + pattern)
                literal = pattern[start + 1 : pos]
                self._append(Literal("'" if not literal else literal.replace("''", "'")))
                pos += 1
                continue
            if char == "[":
                self.stack.append([])
            elif char == "]":
                if len(self.stack) == 1:
                    raise ValueError(
                        "Pattern invalid as it contains ] without previous [: " + pattern
                    )
                self._close_optional()
            elif char in "{}#":
                raise ValueError(f"Pattern includes reserved character: '{char}'")
            else:
                self._append(Literal(char))
            pos += 1
        while len(self.stack) > 1:
            self._close_optional()
        return _link_adjacent(self.stack[0])

    def _append(self, node: Node) -> None:
        self.stack[-1].append(node)

    def _close_optional(self) -> None:
        nodes = self.stack.pop()
        self._append(Section(_link_adjacent(nodes)))


def _is_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _run_end(pattern: str, pos: int) -> int:
    char = pattern[pos]
    while pos < len(pattern) and pattern[pos] == char:
        pos += 1
    return pos


def _too_many(letter: str) -> ValueError:
    return ValueError(f"Too many pattern letters: {letter}")


def _letter_nodes(letter: str, count: int) -> list[Node]:
    """The printer-parser(s) for `count` repetitions of a pattern letter (Java's rules)."""
    if letter in "uy":
        target = YEAR if letter == "u" else YEAR_OF_ERA
        if count == 2:
            return [Reduced(target)]
        return [Number(target, count, 19, NORMAL if count < 4 else EXCEEDS_PAD)]
    if letter == "Y":
        if count == 2:
            return [Reduced(WEEK_BASED_YEAR)]
        return [Number(WEEK_BASED_YEAR, count, 19, NORMAL if count < 4 else EXCEEDS_PAD)]
    if letter in "MLQq":
        target = MONTH if letter in "ML" else QUARTER
        if count > 5:
            raise _too_many(letter)
        if count <= 2:
            return [_value(target, count)]
        return [Text(target, ("short", "full", "narrow")[count - 3])]
    if letter == "G":
        if count > 5:
            raise _too_many(letter)
        return [Text(ERA, "short" if count <= 3 else ("full" if count == 4 else "narrow"))]
    if letter == "E":
        if count > 5:
            raise _too_many(letter)
        return [Text(DAY_OF_WEEK, "short" if count <= 3 else ("full" if count == 4 else "narrow"))]
    if letter in "ec":
        if count > 5:
            raise _too_many(letter)
        if letter == "c" and count == 2:
            raise ValueError('Invalid pattern "cc"')
        if count <= 2:
            return [Number(LOCAL_DAY_OF_WEEK, count, 2, NOT_NEGATIVE)]
        return [Text(DAY_OF_WEEK, ("short", "full", "narrow")[count - 3])]
    if letter == "a":
        if count > 1:
            raise _too_many(letter)
        return [Text(AMPM, "short")]
    if letter == "S":
        if count > 9:
            raise ValueError(f"Maximum width must be from 1 to 9 inclusive but was {count}")
        return [Fraction(count)]
    if letter in "dhHkKms":
        if count > 2:
            raise _too_many(letter)
        target = {
            "d": DAY_OF_MONTH,
            "h": CLOCK_HOUR_OF_AMPM,
            "H": HOUR_OF_DAY,
            "k": CLOCK_HOUR_OF_DAY,
            "K": HOUR_OF_AMPM,
            "m": MINUTE,
            "s": SECOND,
        }[letter]
        return [_value(target, count)]
    if letter == "D":
        if count > 3:
            raise _too_many(letter)
        if count == 1:
            return [Number(DAY_OF_YEAR, 1, 19, NORMAL)]
        return [Number(DAY_OF_YEAR, count, 3, NOT_NEGATIVE)]
    if letter == "F":
        if count > 1:
            raise _too_many(letter)
        return [_value(ALIGNED_DOW_IN_MONTH, 1)]
    if letter == "W":
        if count > 1:
            raise _too_many(letter)
        return [Number(WEEK_OF_MONTH, 1, 1, NOT_NEGATIVE)]
    if letter == "w":
        if count > 2:
            raise _too_many(letter)
        return [Number(WEEK_OF_WEEK_BASED_YEAR, count, 2, NOT_NEGATIVE)]
    if letter in "AnN":
        target = {"A": MILLI_OF_DAY, "n": NANO, "N": NANO_OF_DAY}[letter]
        if count > 19:
            raise ValueError(f"The width must be from 1 to 19 inclusive but was {count}")
        return [_value(target, count)]
    if letter == "g":
        return [Number(MODIFIED_JULIAN_DAY, count, 19, NORMAL)]
    if letter in "zv":
        if count > 4 or (letter == "v" and count not in (1, 4)):
            raise _too_many(letter)
        return [ZoneText(full=count == 4)]
    if letter == "V":
        if count != 2:
            raise ValueError("Pattern letter count must be 2: V")
        return [ZoneIdNode()]
    if letter == "Z":
        if count < 4:
            return [OffsetId(_OFFSET_PATTERNS.index("+HHMM"), "+0000")]
        if count == 4:
            return [LocalizedOffset(full=True)]
        if count == 5:
            return [OffsetId(_OFFSET_PATTERNS.index("+HH:MM:ss"), "Z")]
        raise _too_many(letter)
    if letter == "O":
        if count not in (1, 4):
            raise ValueError("Pattern letter count must be 1 or 4: O")
        return [LocalizedOffset(full=count == 4)]
    if letter in "Xx":
        if count > 5:
            raise _too_many(letter)
        kind = count + (0 if count == 1 else 1)
        if letter == "X":
            zero = "Z"
        else:
            zero = "+00" if count == 1 else ("+0000" if count % 2 == 0 else "+00:00")
        return [OffsetId(kind, zero)]
    raise ValueError(f"Unknown pattern letter: {letter}")


def _value(target: str, count: int) -> Number:
    """`appendValue(field)` for one letter, `appendValue(field, count)` for more."""
    if count == 1:
        return Number(target, 1, 19, NORMAL)
    return Number(target, count, count, NOT_NEGATIVE)


def _link_adjacent(nodes: list[Node]) -> tuple[Node, ...]:
    """Adjacent value parsing: a variable-width number followed by fixed-width numbers
    reserves their digits (`yyyyMMdd` parses `20180202`), as `appendValue` arranges."""
    linked = list(nodes)
    for index, node in enumerate(linked):
        if not isinstance(node, Number) or node.fixed:
            continue
        reserved = 0
        for follower in linked[index + 1 :]:
            if not isinstance(follower, Number | Reduced | Fraction) or not follower.fixed:
                break
            reserved += _width(follower)
        if reserved:
            linked[index] = replace(node, subsequent_width=reserved)
    return tuple(linked)


def _width(node: Number | Reduced | Fraction) -> int:
    if isinstance(node, Number):
        return node.max_width
    if isinstance(node, Reduced):
        return 2
    return node.width
