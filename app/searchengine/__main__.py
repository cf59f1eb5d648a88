"""`python -m app.searchengine`: run the embedded search engine as its own process.

    python -m app.searchengine --host 127.0.0.1 --port 0 --port-file PATH \
        (--data-dir DIR | --in-memory) [--exit-with-stdin]

It binds loopback only, writes the bound port to `--port-file` (atomically) once it
serves, and on SIGTERM commits every index before it exits. One engine at a time may use a
data folder: a second one exits at once with a one-line message (status 3); an index
on disk that cannot be opened also stops it with one line naming it (status 4). With
`--exit-with-stdin` it also exits when its standard input closes, so it never outlives the
`strawsync serve` that started it, even one killed by SIGKILL.
"""

from __future__ import annotations

import argparse
import fcntl
import ipaddress
import logging
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import IO

import uvicorn

from app.searchengine.server import create_app
from app.searchengine.store import Store, StoreUnreadable

logger = logging.getLogger("strawsync.searchengine")

LOCK_FILE = "engine.lock"
DATA_DIR_BUSY = 3
STORE_UNREADABLE = 4


class DataDirBusy(Exception):
    """Another engine holds the data folder's lock."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not _is_loopback(args.host):
        print(f"search engine: --host must be a loopback address, not {args.host}", file=sys.stderr)
        return 2
    data_dir: Path | None = None if args.in_memory else Path(args.data_dir).resolve()
    lock: IO[bytes] | None = None
    if data_dir is not None:
        try:
            lock = _lock(data_dir)
        except DataDirBusy:
            print(
                f"search engine: data folder {data_dir} is in use by another engine; stop it "
                "first (or run with --in-memory)",
                file=sys.stderr,
            )
            return DATA_DIR_BUSY
    try:
        try:
            store = Store(data_dir)
        except StoreUnreadable as error:
            print(f"search engine: {error}", file=sys.stderr)
            return STORE_UNREADABLE
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((args.host, args.port))
        sock.listen(512)
        port = int(sock.getsockname()[1])
        where = "in memory" if data_dir is None else f"data {data_dir}"
        config = uvicorn.Config(
            create_app(store),
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=10,
        )
        server = _Server(config, Path(args.port_file), port)
        logger.info(
            "search engine (pid %d) listening on http://%s:%d, %s, %d indexes",
            os.getpid(), args.host, port, where, len(store.names()),
        )  # fmt: skip
        if args.exit_with_stdin:
            _exit_when_stdin_closes()
        server.run(sockets=[sock])
        logger.info("search engine (pid %d) stopped", os.getpid())
        return 0 if server.started else 1
    finally:
        if lock is not None:
            lock.close()


class _Server(uvicorn.Server):
    """uvicorn, writing the port file once it accepts connections."""

    def __init__(self, config: uvicorn.Config, port_file: Path, port: int) -> None:
        super().__init__(config)
        self._port_file = port_file
        self._port = port

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """SIGTERM is how the engine is stopped: after the graceful shutdown (every index
        committed) it exits 0, rather than re-raising the signal as uvicorn would."""
        super().handle_exit(sig, frame)
        if sig == signal.SIGTERM:
            self._captured_signals = [kept for kept in self._captured_signals if kept != sig]

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            temporary = self._port_file.with_name(self._port_file.name + ".tmp")
            temporary.write_text(f"{self._port}\n", encoding="ascii")
            os.replace(temporary, self._port_file)


def _lock(data_dir: Path) -> IO[bytes]:
    data_dir.mkdir(parents=True, exist_ok=True)
    handle = (data_dir / LOCK_FILE).open("wb")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise DataDirBusy(str(data_dir)) from None
    return handle


def _exit_when_stdin_closes() -> None:
    def watch() -> None:
        while sys.stdin.buffer.read(4096):
            pass
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app.searchengine", description="Strawsync's embedded search engine"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", required=True)
    storage = parser.add_mutually_exclusive_group(required=True)
    storage.add_argument("--data-dir")
    storage.add_argument("--in-memory", action="store_true")
    parser.add_argument("--exit-with-stdin", action="store_true")
    return parser


if __name__ == "__main__":
    sys.exit(main())
