"""How Strawsync runs under uvicorn; the benchmark baseline uses the same settings."""

from __future__ import annotations

from typing import Any

import uvicorn

GRACEFUL_SHUTDOWN_SECONDS = 30


def server_config(app: Any, *, host: str, port: int, log_level: str) -> uvicorn.Config:
    """One worker; uvloop and httptools when installed; SIGTERM lets requests finish."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="auto",
        http="auto",
        lifespan="on",
        log_level=log_level,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        server_header=False,
    )
