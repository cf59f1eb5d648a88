"""uvicorn's WebSocket protocol with a deadline on closing.

When the app is done with a socket (it closed it, or the server is shutting down), uvicorn
closes the transport, which first waits for the unsent buffer to drain. A peer that stopped
reading never drains it, so the connection (and up to its whole buffer) would stay forever,
and a graceful shutdown would wait its full timeout for it. This protocol aborts any such
connection `close_timeout_seconds` after the app let go of it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class DeadlineWebSocketProtocol(WebSocketsSansIOProtocol):
    """`WebSocketsSansIOProtocol`, plus an abort for connections that never finish closing."""

    close_timeout_seconds: float = 5.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lost = False

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        super().connection_lost(exc)

    def on_task_complete(self, task: asyncio.Task[None]) -> None:
        super().on_task_complete(task)
        self._abort_later()

    def shutdown(self) -> None:
        super().shutdown()
        self._abort_later()

    def _abort_later(self) -> None:
        self.loop.call_later(self.close_timeout_seconds, self._abort)

    def _abort(self) -> None:
        if not self._lost and self.transport is not None:
            self.transport.abort()


def deadline_protocol(close_timeout_seconds: float) -> type[DeadlineWebSocketProtocol]:
    """The protocol class to give uvicorn, with its close deadline set."""
    return type(
        "DeadlineWebSocketProtocol",
        (DeadlineWebSocketProtocol,),
        {"close_timeout_seconds": close_timeout_seconds},
    )
