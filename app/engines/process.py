"""An engine's running child process: ending it, and the end of its log for messages.

Every engine stops the same way (SIGTERM so it can flush and commit, SIGKILL once the grace
is over) and reports a crash with the last lines of its output.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from app.engines.commands import last_lines

logger = logging.getLogger("strawsync.engines")


async def terminate(process: asyncio.subprocess.Process, grace: float, name: str) -> None:
    """SIGTERM, then SIGKILL if `process` (the engine `name`) is still running after `grace`
    seconds; returns once it has exited."""
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), grace)
    except TimeoutError:
        logger.warning("%s (pid %d) ignored SIGTERM; killing it", name, process.pid)
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


def read_tail(path: Path, lines: int) -> str:
    """The last `lines` lines of a log file (see `last_lines`), or why it cannot be read."""
    try:
        return last_lines(path.read_text(encoding="utf-8", errors="replace"), lines)
    except OSError as error:
        return f"(no log: {error})"
