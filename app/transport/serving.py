"""How Strawsync runs under uvicorn; the benchmark baseline uses the same settings."""

from __future__ import annotations

import math
from typing import Any

import uvicorn

from app.logs import uvicorn_log_config
from app.transport.http_protocol import HttpTimeouts, Parser, http_protocol
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
    request_header_timeout_seconds: float = 10.0,
    request_body_timeout_seconds: float = 30.0,
    http_idle_timeout_seconds: float = 5.0,
    http_parser: Parser = "auto",
) -> uvicorn.Config:
    """One worker; uvloop and httptools when installed; SIGTERM lets requests finish and
    closes WebSockets with 1012 (service restart), which clients take as "reconnect".

    A request's headers and body each have a deadline (408 when missed), and a connection
    without a request in progress is closed after `http_idle_timeout_seconds`
    (`app.transport.http_protocol`). Logs go through `app.logs.RedactSecrets`.

    WebSocket frames up to twice the message limit reach the app, which answers an oversized
    one with AppSync's `LimitExceededError`; larger ones are refused by the server (1009).
    Per-message compression is off: a fan-out re-compresses every delivery per socket.
    A socket whose peer stops reading is aborted `close_timeout_seconds` after it is closed.
    """
    timeouts = HttpTimeouts(
        header_seconds=request_header_timeout_seconds,
        body_seconds=request_body_timeout_seconds,
        idle_seconds=http_idle_timeout_seconds,
    )
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="auto",
        http=http_protocol(timeouts, http_parser),
        lifespan="on",
        log_config=uvicorn_log_config(),
        log_level=log_level,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        # uvicorn's own keep-alive timer (whole seconds); the protocol's idle deadline is exact.
        timeout_keep_alive=max(1, math.ceil(http_idle_timeout_seconds)),
        server_header=False,
        ws=deadline_protocol(close_timeout_seconds),
        ws_max_size=2 * max_message_bytes,
        ws_per_message_deflate=False,
    )
