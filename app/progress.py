"""Progress for long command-line jobs (seeding, provisioning), without a dependency.

On a terminal the count is one bar redrawn in place; anywhere else (CI logs, pipes, files)
a redrawn bar is noise, so the count is a plain line at most every few seconds, plus the
first and the last. Messages (provisioning's "creating table ...") go on their own lines in
both cases, and the bar is drawn again under them.

```python
with ProgressBar("seeding AppSyncEventTable", sys.stderr) as bar:
    await seed_items(client, "AppSyncEventTable", items, bar)
    await provision(tables, specs, bar.message)
```
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

BAR_WIDTH = 30
TTY_REDRAW_SECONDS = 0.1
LINE_SECONDS = 5.0


class ProgressBar:
    """A `(done, total)` progress callback and a `message(text)` log, on one text stream."""

    def __init__(
        self,
        label: str,
        stream: TextIO | None = None,
        *,
        tty: bool | None = None,
        width: int = BAR_WIDTH,
        line_seconds: float = LINE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = _is_tty(self.stream) if tty is None else tty
        self.width = width
        self._every = TTY_REDRAW_SECONDS if self.tty else line_seconds
        self._clock = clock
        self._last: tuple[int, int] | None = None
        self._shown: tuple[int, int] | None = None
        self._shown_at = 0.0
        self._on_screen = False  # a bar line without its newline (TTY only)

    def __call__(self, done: int, total: int) -> None:
        """Record progress; drawn now if it is the first, the last, or enough time passed."""
        self._last = (done, total)
        now = self._clock()
        finished = done >= total
        if self._shown is not None and not finished and now - self._shown_at < self._every:
            return
        if self._shown == (done, total):
            return
        self._draw(done, total)
        self._shown, self._shown_at = (done, total), now
        if finished:
            self._end_line()

    def message(self, text: str) -> None:
        """A line of its own (provisioning's callback); the bar, if any, is redrawn below it."""
        if self._on_screen:
            self.stream.write("\r\x1b[2K")
            self._on_screen = False
        self.stream.write(f"{text}\n")
        if self.tty and self._shown is not None and self._shown[0] < self._shown[1]:
            self._draw(*self._shown)
        self.stream.flush()

    def close(self) -> None:
        """Show the last count recorded, if it was throttled away, and end the bar's line."""
        if self._last is not None and self._last != self._shown:
            self._draw(*self._last)
            self._shown = self._last
        self._end_line()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def render(self, done: int, total: int) -> str:
        """The text of one update: a bar for terminals, a plain count otherwise."""
        fraction = 1.0 if total <= 0 else min(max(done / total, 0.0), 1.0)
        percent = f"{fraction * 100:3.0f}%"
        if not self.tty:
            return f"{self.label}: {done}/{total} ({percent.strip()})"
        filled = int(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        return f"{self.label} [{bar}] {percent} {done}/{total}"

    def _draw(self, done: int, total: int) -> None:
        if self.tty:
            self.stream.write(f"\r\x1b[2K{self.render(done, total)}")
            self._on_screen = True
        else:
            self.stream.write(f"{self.render(done, total)}\n")
        self.stream.flush()

    def _end_line(self) -> None:
        if self._on_screen:
            self.stream.write("\n")
            self.stream.flush()
            self._on_screen = False


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real file
        return False
