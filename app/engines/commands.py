"""Running a setup command to completion (java -version, npm install, javac), off the loop.

Engines install and check what they need before they start: each such command runs as a child
process with its output captured, bounded in time, and killed if it overruns. Packages come
from npm into the user's cache the same way for every engine (`install_npm_package`).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final

NPM_SECONDS: Final = 900.0
"""How long one `npm install` may take (a native build included)."""


class NpmInstallFailed(Exception):
    """`npm install` failed, or left the package without what the engine needs."""


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


def last_lines(text: str, lines: int) -> str:
    """The last `lines` lines of a command's output (at most 4,000 characters), for messages."""
    kept = text.strip().splitlines()[-lines:]
    return "\n".join(kept)[-4000:]


async def install_npm_package(
    npm: str,
    spec: str,
    root: Path,
    *,
    env: Mapping[str, str],
    complete: Callable[[Path], object],
    incomplete: str,
    ignore_scripts: bool = True,
) -> None:
    """Install `spec` (`name@version`) so that `root` holds it, or raise NpmInstallFailed.

    npm installs into a staging folder beside `root`, renamed into place only once `complete`
    accepts it, so an interrupted install is never mistaken for a finished one; of two
    concurrent installs the first to finish wins. `incomplete` says what `complete` missed.
    """
    staging = root.parent / f".{root.name}.{os.getpid()}.{secrets.token_hex(4)}.partial"
    await asyncio.to_thread(staging.mkdir, parents=True)
    command = [npm, "install", "--prefix", str(staging), "--no-audit", "--no-fund"]
    if ignore_scripts:
        command.append("--ignore-scripts")
    command += ["--loglevel=error", spec]
    try:
        code, output = await run_command(
            command,
            env={"npm_config_update_notifier": "false", **env},
            limit=NPM_SECONDS,
            cwd=staging,
        )
        if code != 0:
            raise NpmInstallFailed(
                f"`npm install {spec}` failed (exit {code}):\n{last_lines(output, 20)}"
            )
        if not await asyncio.to_thread(complete, staging):
            raise NpmInstallFailed(f"npm installed {spec}, but {incomplete}")
        await asyncio.to_thread(publish, staging, root, complete)
    finally:
        await asyncio.to_thread(shutil.rmtree, staging, True)


def publish(staging: Path, target: Path, complete: Callable[[Path], object]) -> None:
    """Move a finished install into place in one step; a concurrent winner keeps its copy."""
    try:
        staging.rename(target)
    except OSError:
        if not complete(target):
            raise
