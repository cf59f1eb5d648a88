"""`$util.time`: AppSync's documented examples, then Java pattern behaviour."""

from __future__ import annotations

import pytest

from app.templates.api import TemplateRuntimeError
from app.templates.util.time_util import TimeNamespace

NOW = 1517943695750  # 2018-02-06T19:01:35.750Z
LATER = 1517943695758


@pytest.fixture
def time() -> TimeNamespace:
    return TimeNamespace(clock=lambda: NOW)


def test_now_helpers(time: TimeNamespace) -> None:
    assert time.nowISO8601() == "2018-02-06T19:01:35.750Z"
    assert time.nowEpochSeconds() == 1517943695
    assert time.nowEpochMilliSeconds() == NOW


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (None, "2018-02-06 19:01:35+0000"),
        ("+08:00", "2018-02-07 03:01:35+0800"),
        ("Australia/Perth", "2018-02-07 03:01:35+0800"),
    ],
)
def test_now_formatted_documented_examples(
    time: TimeNamespace, zone: str | None, expected: str
) -> None:
    assert time.nowFormatted("yyyy-MM-dd HH:mm:ssZ", zone) == expected


def test_conversion_documented_examples(time: TimeNamespace) -> None:
    assert time.epochMilliSecondsToSeconds(LATER) == 1517943695
    assert time.epochMilliSecondsToISO8601(LATER) == "2018-02-06T19:01:35.758Z"
    assert time.epochMilliSecondsToFormatted(LATER, "yyyy-MM-dd HH:mm:ssZ") == (
        "2018-02-06 19:01:35+0000"
    )
    assert time.epochMilliSecondsToFormatted(LATER, "yyyy-MM-dd HH:mm:ssZ", "+08:00") == (
        "2018-02-07 03:01:35+0800"
    )


def test_parsing_documented_examples(time: TimeNamespace) -> None:
    assert time.parseISO8601ToEpochMilliSeconds("2018-02-01T17:21:05.180+08:00") == 1517476865180
    assert (
        time.parseFormattedToEpochMilliSeconds("2018-02-02 01:19:22+0800", "yyyy-MM-dd HH:mm:ssZ")
        == 1517505562000
    )
    assert (
        time.parseFormattedToEpochMilliSeconds(
            "2018-02-02 01:19:22", "yyyy-MM-dd HH:mm:ss", "+08:00"
        )
        == 1517505562000
    )


def test_iso8601_always_shows_milliseconds(time: TimeNamespace) -> None:
    assert time.epochMilliSecondsToISO8601(0) == "1970-01-01T00:00:00.000Z"
    assert time.epochMilliSecondsToISO8601(-1) == "1969-12-31T23:59:59.999Z"


def test_epoch_seconds_truncate_toward_zero(time: TimeNamespace) -> None:
    assert time.epochMilliSecondsToSeconds(-1500) == -1
    assert time.epochMilliSecondsToSeconds(1999) == 1


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("EEEE, MMMM d, yyyy h:mm a z", "Wednesday, February 7, 2018 3:01 AM AWST"),
        ("EEE MMM dd yyyy", "Wed Feb 07 2018"),
        ("EEEEE MMMMM", "W F"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2018-02-07T03:01:35.758+08:00"),
        ("yyyy-MM-dd[XXX]", "2018-02-07+08:00"),
        ("yyyy-MM-dd'T'HH:mm:ss[XXXXX]", "2018-02-07T03:01:35+08:00"),
        ("G GGGG GGGGG", "AD Anno Domini A"),
        ("Q QQ QQQ QQQQ qqqq", "1 01 Q1 1st quarter 1st quarter"),
        ("D DD DDD", "38 38 038"),
        ("w ww W e ee c F", "6 06 2 4 04 4 7"),
        ("u uu uuuu yy y YYYY YY", "2018 18 2018 18 2018 2018 18"),
        ("O OOOO ZZZZ ZZZZZ", "GMT+8 GMT+08:00 GMT+08:00 +08:00"),
        ("x xx xxx X XX XXX", "+08 +0800 +08:00 +08 +0800 +08:00"),
        ("VV zzzz", "Australia/Perth AWST"),
        ("n A N", "758000000 10895758 10895758000000"),
        ("S SS SSSSSS", "7 75 758000"),
        ("k K h H HH", "3 3 3 3 03"),
        ("'o''clock' '' [HH]", "o'clock ' 03"),
        ("yyyyMMddHHmmssSSS", "20180207030135758"),
        ("ppH", " 3"),
    ],
)
def test_format_pattern_letters(time: TimeNamespace, pattern: str, expected: str) -> None:
    assert time.epochMilliSecondsToFormatted(LATER, pattern, "Australia/Perth") == expected


def test_utc_zone_texts(time: TimeNamespace) -> None:
    assert time.nowFormatted("XXX xxx Z z VV") == "Z +00:00 +0000 UTC UTC"
    assert time.nowFormatted("z VV", "+05:30") == "+05:30 +05:30"
    assert time.nowFormatted("XXX", "GMT+8") == "+08:00"


def test_midnight_and_noon_hours(time: TimeNamespace) -> None:
    midnight = 1517875200000  # 2018-02-06T00:00:00Z
    assert time.epochMilliSecondsToFormatted(midnight, "h a k K H") == "12 AM 24 0 0"
    assert time.epochMilliSecondsToFormatted(midnight + 12 * 3600000, "h a") == "12 PM"


def test_daylight_saving_offsets(time: TimeNamespace) -> None:
    summer = 1530000000000  # 2018-06-26
    assert time.epochMilliSecondsToFormatted(summer, "HH:mm z Z", "America/Los_Angeles") == (
        "01:00 PDT -0700"
    )
    assert time.epochMilliSecondsToFormatted(NOW, "z Z", "America/Los_Angeles") == "PST -0800"


@pytest.mark.parametrize(
    ("text", "pattern", "zone", "expected"),
    [
        ("20180202011922758", "yyyyMMddHHmmssSSS", None, 1517534362758),
        ("2018-02-06", "yyyy-MM-dd[XXX]", None, 1517875200000),
        ("2018-02-06+08:00", "yyyy-MM-dd[XXX]", None, 1517846400000),
        ("2018-02-06T19:01:35Z", "yyyy-MM-dd'T'HH:mm:ss[XXXXX]", None, 1517943695000),
        ("Tue, February 6, 2018 7:01 PM UTC", "EEE, MMMM d, yyyy h:mm a z", None, 1517943660000),
        ("2018-02-06 19:01 Australia/Perth", "yyyy-MM-dd HH:mm VV", None, 1517914860000),
        ("2018-02-06 19:01", "yyyy-MM-dd HH:mm", "Australia/Perth", 1517914860000),
        ("2018-02-06 19:01 +0000", "yyyy-MM-dd HH:mm Z", "Australia/Perth", 1517943660000),
        ("06/02/18 24:00", "dd/MM/yy HH:mm", None, 1517961600000),
        ("2018-037", "yyyy-DDD", None, 1517875200000),
        ("2018-02-31", "yyyy-MM-dd", None, 1519776000000),  # SMART: moved to Feb 28
        ("2018-02-06 19:01 GMT+08:00", "yyyy-MM-dd HH:mm OOOO", None, 1517914860000),
    ],
)
def test_parse_formatted(
    time: TimeNamespace, text: str, pattern: str, zone: str | None, expected: int
) -> None:
    assert time.parseFormattedToEpochMilliSeconds(text, pattern, zone) == expected


def test_parse_across_a_daylight_saving_gap(time: TimeNamespace) -> None:
    # 02:30 does not exist on 2018-03-11 in Los Angeles; Java moves it to 03:30 PDT.
    millis = time.parseFormattedToEpochMilliSeconds(
        "2018-03-11 02:30", "yyyy-MM-dd HH:mm", "America/Los_Angeles"
    )
    assert time.epochMilliSecondsToFormatted(millis, "HH:mm z", "America/Los_Angeles") == (
        "03:30 PDT"
    )


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("2018-2-06", "yyyy-MM-dd"),  # MM needs two digits
        ("2018-02-06 x", "yyyy-MM-dd"),  # unparsed text
        ("2018-13-06", "yyyy-MM-dd"),
        ("2018-02-06 25:00", "yyyy-MM-dd HH:mm"),
        ("Mon 2018-02-06", "EEE yyyy-MM-dd"),  # it was a Tuesday
        ("feb 2018 06", "MMM yyyy dd"),  # text is case-sensitive
        ("02-06", "MM-dd"),  # no year
    ],
)
def test_parse_formatted_rejects(time: TimeNamespace, text: str, pattern: str) -> None:
    with pytest.raises(TemplateRuntimeError, match="could not be parsed"):
        time.parseFormattedToEpochMilliSeconds(text, pattern)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-02-01T17:21:05.180+08:00", 1517476865180),
        ("2018-02-01T09:21:05Z", 1517476865000),
        ("2018-02-01t09:21:05.1z", 1517476865100),
        ("2018-02-01T09:21Z", 1517476860000),
        ("2018-02-01T17:21:05.180123456+08:00[Australia/Perth]", 1517476865180),
        ("2018-02-01T17:21:05+08:00:00", 1517476865000),
    ],
)
def test_parse_iso8601(time: TimeNamespace, text: str, expected: int) -> None:
    assert time.parseISO8601ToEpochMilliSeconds(text) == expected


@pytest.mark.parametrize(
    "text", ["2018-02-30T00:00:00Z", "2018-02-01", "yesterday", "2018-02-01T25:00Z"]
)
def test_parse_iso8601_rejects(time: TimeNamespace, text: str) -> None:
    with pytest.raises(TemplateRuntimeError):
        time.parseISO8601ToEpochMilliSeconds(text)


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("yyyy-MM-dd'T", "incomplete string literal"),
        ("HHH", "Too many pattern letters: H"),
        ("bb", "Unknown pattern letter: b"),
        ("yyyy]", "without previous"),
        ("yyyy#", "reserved character"),
        ("V", "count must be 2"),
        ("aa", "Too many pattern letters: a"),
        ("OO", "count must be 1 or 4"),
    ],
)
def test_bad_patterns_fail_like_java(time: TimeNamespace, pattern: str, message: str) -> None:
    with pytest.raises(TemplateRuntimeError, match=message):
        time.nowFormatted(pattern)


def test_fixed_width_overflow_fails_like_java(time: TimeNamespace) -> None:
    with pytest.raises(TemplateRuntimeError, match="exceeds the maximum print width"):
        time.nowFormatted("nn")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "+25:00", "+8:0", "PST", "../etc/passwd"])
def test_bad_zones_fail(time: TimeNamespace, zone: str) -> None:
    with pytest.raises(TemplateRuntimeError):
        time.nowFormatted("HH", zone)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [("+8", "+08:00"), ("-0530", "-05:30"), ("Z", "Z"), ("UTC+01:30", "UTC+01:30")],
)
def test_zone_ids_normalize_like_zoneid_of(time: TimeNamespace, zone: str, expected: str) -> None:
    assert time.nowFormatted("VV", zone) == expected


def test_wrong_argument_types(time: TimeNamespace) -> None:
    with pytest.raises(TemplateRuntimeError, match="Long"):
        time.epochMilliSecondsToISO8601("1")
    with pytest.raises(TemplateRuntimeError, match="String"):
        time.nowFormatted(None)
    assert time.epochMilliSecondsToISO8601(1517943695758.0) == "2018-02-06T19:01:35.758Z"
