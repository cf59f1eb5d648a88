"""Whether a local engine answers: one HTTP request on a raw socket, bounded in time.

A supervisor probes often and must never hang on an engine that accepts connections but no
longer answers; a raw request with a deadline needs no client session to keep or close.
"""

from __future__ import annotations

import asyncio
import contextlib


async def answers_ok(host: str, port: int, request: bytes, within: float) -> bool:
    """Whether `request` (a whole HTTP/1.1 request with `Connection: close`) sent to
    `host:port` is answered with status 200 within `within` seconds."""
    try:
        async with asyncio.timeout(within):
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(request)
                await writer.drain()
                status = await reader.readline()
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
    except (OSError, TimeoutError):
        return False
    return status.split(b" ", 2)[1:2] == [b"200"]
