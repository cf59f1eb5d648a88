"""uvicorn's HTTP/1.1 protocols with deadlines for slow clients.

uvicorn times out only a keep-alive connection that is idle after a response. A client that
opens a connection and sends nothing, sends its headers a byte at a time, or stops halfway
through its body holds the connection forever, and a few hundred such clients exhaust a server
(slowloris). These protocols put each phase of a request under a deadline, as a reverse proxy
in front of AppSync does (CloudFront and ALB close idle connections and answer 408):

- idle: a connection with no request in progress (just opened, or between keep-alive requests)
  is closed after `idle_seconds` without a request starting;
- headers: once a request's first byte arrives, its headers must be complete within
  `header_seconds`, or the server answers 408 Request Timeout and closes;
- body: once its headers are in, the whole body must arrive within `body_seconds`, or the
  server answers 408 (or just closes, if the app has already begun its response).

A phase's deadline does not move while the phase lasts, so trickling bytes gains nothing. No
deadline runs while the app works on a request, and none after a WebSocket upgrade (the
WebSocket protocols have their own).

Request headers are also bounded in size, as h11 bounds them (16 KiB, uvicorn's
`h11_max_incomplete_event_size`): httptools has no bound of its own, so a fast client could
otherwise send megabytes of headers within the deadline. Over it, httptools answers 431
Request Header Fields Too Large; h11 answers 400.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

import h11
from h11._connection import DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

logger = logging.getLogger("strawsync.http")

Parser = Literal["auto", "httptools", "h11"]


@dataclass(frozen=True, slots=True)
class HttpTimeouts:
    """`Limits.request_header_timeout_seconds`, `request_body_timeout_seconds` and
    `http_idle_timeout_seconds`."""

    header_seconds: float = 10.0
    body_seconds: float = 30.0
    idle_seconds: float = 5.0


class Phase(enum.Enum):
    IDLE = "idle"
    HEADERS = "headers"
    BODY = "body"
    APP = "app"
    """The request is in; the app works on it (its own time limit applies)."""


class _Cycle(Protocol):
    """What both of uvicorn's request/response cycles have."""

    response_started: bool
    disconnected: bool
    message_event: asyncio.Event


class RequestDeadlines:
    """The one deadline a connection is under, for the phase it is in."""

    def __init__(
        self, timeouts: HttpTimeouts, loop: asyncio.AbstractEventLoop, state: ServerState
    ) -> None:
        self._timeouts = timeouts
        self._loop = loop
        self._state = state
        self._transport: asyncio.Transport | None = None
        self._phase: Phase | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._stopped = False

    def connected(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def enter(self, phase: Phase, cycle: _Cycle | None) -> None:
        """Start `phase`'s deadline, unless the connection is already in that phase."""
        if self._stopped or self._transport is None or self._transport.is_closing():
            self.stop()
            return
        if phase is self._phase:
            return
        self._cancel()
        self._phase = phase
        seconds = {
            Phase.IDLE: self._timeouts.idle_seconds,
            Phase.HEADERS: self._timeouts.header_seconds,
            Phase.BODY: self._timeouts.body_seconds,
        }.get(phase)
        if seconds is not None:
            self._timer = self._loop.call_later(seconds, self._expired, phase, cycle)

    def stop(self) -> None:
        """No deadline any more: the connection is gone or became a WebSocket."""
        self._stopped = True
        self._cancel()

    def _cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._phase = None

    def _expired(self, phase: Phase, cycle: _Cycle | None) -> None:
        self._timer = None
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        if phase is Phase.HEADERS:
            self._send_408(transport, "Request headers were not received in time.")
        elif phase is Phase.BODY:
            if cycle is None or not cycle.response_started:
                self._send_408(transport, "Request body was not received in time.")
            if cycle is not None:
                cycle.disconnected = True  # the app's next receive() says http.disconnect
                cycle.message_event.set()
        logger.debug(
            "closed a connection from %s: %s phase longer than its deadline",
            _peer(transport),
            phase.value,
        )
        transport.close()

    def refuse(self, status: bytes, message: str) -> None:
        """Answer `status` (`431 Request Header Fields Too Large`) and close."""
        if self._transport is not None and not self._transport.is_closing():
            self._send(self._transport, status, message)
            self._transport.close()
        self.stop()

    def _send_408(self, transport: asyncio.Transport, message: str) -> None:
        self._send(transport, b"408 Request Timeout", message)

    def _send(self, transport: asyncio.Transport, status: bytes, message: str) -> None:
        body = message.encode()
        lines = [b"HTTP/1.1 " + status]
        lines += [name + b": " + value for name, value in self._state.default_headers]
        lines += [
            b"content-type: text/plain; charset=utf-8",
            b"content-length: " + str(len(body)).encode(),
            b"connection: close",
        ]
        transport.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)


def _peer(transport: asyncio.Transport) -> str:
    peer = transport.get_extra_info("peername")
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "?"


class DeadlineH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, phases read from h11's state of the client."""

    timeouts: ClassVar[HttpTimeouts] = HttpTimeouts()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadlines = RequestDeadlines(self.timeouts, self.loop, self.server_state)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadlines.connected(transport)
        self._track()

    def connection_lost(self, exc: Exception | None) -> None:
        self._deadlines.stop()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._track()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._track()

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._deadlines.stop()
        super().handle_websocket_upgrade(event)

    def _track(self) -> None:
        state = self.conn.their_state
        if state is h11.SEND_BODY:
            phase = Phase.BODY
        elif state is h11.IDLE:
            phase = Phase.HEADERS if self.conn.trailing_data[0] else Phase.IDLE
        else:
            phase = Phase.APP
        self._deadlines.enter(phase, self.cycle)


def _httptools_protocol() -> type[asyncio.Protocol]:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class DeadlineHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol, phases read from the parser's callbacks."""

        timeouts: ClassVar[HttpTimeouts] = HttpTimeouts()

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._deadlines = RequestDeadlines(self.timeouts, self.loop, self.server_state)
            self._parsing: Phase | None = None
            self._header_bytes = 0
            self._max_header_bytes = (
                self.config.h11_max_incomplete_event_size or DEFAULT_MAX_INCOMPLETE_EVENT_SIZE
            )

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._deadlines.connected(transport)
            self._track()

        def connection_lost(self, exc: Exception | None) -> None:
            self._deadlines.stop()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            before_body = self._parsing is not Phase.BODY
            super().data_received(data)
            if before_body and self._parsing is Phase.HEADERS:
                self._header_bytes += len(data)
                if self._header_bytes > self._max_header_bytes:
                    self._deadlines.refuse(
                        b"431 Request Header Fields Too Large", "Request headers are too large."
                    )
                    return
            self._track()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._parsing = Phase.HEADERS
            self._header_bytes = 0

        def on_headers_complete(self) -> None:
            self._parsing = Phase.BODY
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            super().on_message_complete()
            self._parsing = None

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._track()

        def handle_websocket_upgrade(self) -> None:
            self._deadlines.stop()
            super().handle_websocket_upgrade()

        def _track(self) -> None:
            if self._parsing is Phase.HEADERS:
                phase = Phase.HEADERS
            elif self._parsing is Phase.BODY and not self.pipeline:
                # (A pipelined request's body waits, unread, until its turn.)
                phase = Phase.BODY
            elif self.cycle is None or self.cycle.response_complete:
                phase = Phase.IDLE
            else:
                phase = Phase.APP
            self._deadlines.enter(phase, self.cycle)

    return DeadlineHttpToolsProtocol


def http_protocol(timeouts: HttpTimeouts, parser: Parser = "auto") -> type[asyncio.Protocol]:
    """The protocol class to give uvicorn (`Config(http=...)`), with `timeouts` set.

    `auto` is uvicorn's choice: httptools when installed, else h11."""
    base: type[asyncio.Protocol]
    if parser == "h11":
        base = DeadlineH11Protocol
    else:
        try:
            base = _httptools_protocol()
        except ImportError:
            if parser == "httptools":
                raise
            base = DeadlineH11Protocol
    return type(base.__name__, (base,), {"timeouts": timeouts})
