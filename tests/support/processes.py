"""Ending a child process the tests started: SIGTERM (its graceful shutdown), then SIGKILL."""

from __future__ import annotations

import subprocess
from typing import Any


def stop(process: subprocess.Popen[Any], grace: float) -> None:
    """Ask `process` to exit and wait `grace` seconds; kill it if it lingers."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
