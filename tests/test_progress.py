"""Progress output: a bar redrawn in place on a terminal, plain throttled lines elsewhere."""

from __future__ import annotations

import io

from app.progress import ProgressBar


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_the_first_the_last_and_a_line_every_few_seconds() -> None:
    stream, clock = io.StringIO(), Clock()
    bar = ProgressBar("seeding Events", stream, line_seconds=5.0, clock=clock)

    for done in range(0, 101, 25):
        bar(done, 100)
        clock.now += 3.0

    assert stream.getvalue().splitlines() == [
        "seeding Events: 0/100 (0%)",
        "seeding Events: 50/100 (50%)",
        "seeding Events: 100/100 (100%)",
    ]


def test_a_terminal_gets_one_bar_redrawn_in_place() -> None:
    stream, clock = Terminal(), Clock()
    bar = ProgressBar("seeding", stream, width=10, clock=clock)

    bar(0, 4)
    clock.now += 1.0
    bar(1, 4)
    bar(2, 4)  # too soon to redraw
    clock.now += 1.0
    bar(4, 4)

    assert stream.getvalue() == (
        "\r\x1b[2Kseeding [----------]   0% 0/4"
        "\r\x1b[2Kseeding [##--------]  25% 1/4"
        "\r\x1b[2Kseeding [##########] 100% 4/4\n"
    )


def test_messages_take_their_own_line_and_the_bar_comes_back_under_them() -> None:
    stream = Terminal()
    bar = ProgressBar("tables", stream, width=4)

    bar(1, 2)
    bar.message("creating table Events")

    assert stream.getvalue() == (
        "\r\x1b[2Ktables [##--]  50% 1/2"
        "\r\x1b[2Kcreating table Events\n"
        "\r\x1b[2Ktables [##--]  50% 1/2"
    )


def test_closing_shows_a_count_that_was_throttled_away() -> None:
    stream, clock = io.StringIO(), Clock()
    with ProgressBar("seeding", stream, clock=clock) as bar:
        bar(0, 10)
        bar(7, 10)

    assert stream.getvalue().splitlines() == ["seeding: 0/10 (0%)", "seeding: 7/10 (70%)"]


def test_provisioning_messages_alone_are_plain_lines() -> None:
    stream = io.StringIO()
    with ProgressBar("tables", stream) as bar:
        bar.message("creating table Events")
        bar.message("table Comments: stream is NEW_IMAGE, declared None (not changed)")

    assert stream.getvalue().splitlines() == [
        "creating table Events",
        "table Comments: stream is NEW_IMAGE, declared None (not changed)",
    ]


def test_nothing_to_do_is_complete() -> None:
    stream = Terminal()
    ProgressBar("seeding", stream, width=4)(0, 0)

    assert stream.getvalue() == "\r\x1b[2Kseeding [####] 100% 0/0\n"
