"""Running a setup command to completion (java -version, npm install, javac), off the loop.

Engines install and check what they need before they start: each such command runs as a child
process with its output captured, bounded in time, and killed if it overruns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path


async def run_command(
    command: list[str],
    *,
    env: Mapping[str, str],
    limit: float,
    cwd: Path | None = None,
) -> tuple[int, str]:
    """Run `command` to completion; its exit code and merged output. A program that cannot be
    started gives 127, one that overruns `limit` seconds is killed and gives -1."""
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
        )
    except OSError as error:
        return 127, f"{command[0]}: {error}"
    try:
        async with asyncio.timeout(limit):
            output, _ = await process.communicate()
    except TimeoutError:
        return -1, f"{command[0]} did not finish within {limit:g} s"
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    return process.returncode or 0, output.decode("utf-8", errors="replace")
