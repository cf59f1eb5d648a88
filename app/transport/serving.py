"""How Strawsync runs under uvicorn; the benchmark baseline uses the same settings."""

from __future__ import annotations

from typing import Any

import uvicorn

from app.transport.ws_protocol import deadline_protocol

GRACEFUL_SHUTDOWN_SECONDS = 30


def server_config(
    app: Any,
    *,
    host: str,
    port: int,
    log_level: str,
    max_message_bytes: int = 240 * 1024,
    close_timeout_seconds: float = 5.0,
) -> uvicorn.Config:
    """One worker; uvloop and httptools when installed; SIGTERM lets requests finish and
    closes WebSockets with 1012 (service restart), which clients take as "reconnect".

    WebSocket frames up to twice the message limit reach the app, which answers an oversized
    one with AppSync's `LimitExceededError`; larger ones are refused by the server (1009).
    Per-message compression is off: a fan-out re-compresses every delivery per socket.
    A socket whose peer stops reading is aborted `close_timeout_seconds` after it is closed.
    """
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
        ws=deadline_protocol(close_timeout_seconds),
        ws_max_size=2 * max_message_bytes,
        ws_per_message_deflate=False,
    )
