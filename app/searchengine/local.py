"""The embedded search engine as a supervised local engine of `strawsync serve`.

OpenSearch data sources that name no endpoint share one engine process per served API
(`python -m app.searchengine`, loopback only). `start` runs it and, once it answers, points
every such data source at it (which creates their declared indexes); `stop` first makes the
data sources fail fast (`engine_down`), then ends the process with SIGTERM (it commits every
index) and SIGKILL if it lingers. Data lives in `<project>/.strawsync/search/`, unless the
run is in memory, in which case a restart starts from empty indexes. The engine also exits
when its standard input closes, so it never outlives a `serve` killed by SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final, Protocol

from app.engines.base import EngineError, EngineExit
from app.engines.probe import answers_ok
from app.engines.process import read_tail, terminate

logger = logging.getLogger("strawsync.searchengine")

ENGINE_NAME: Final = "search-engine"
ENGINE_DOWN: Final = "the local search engine is restarting"
DATA_DIR_BUSY: Final = 3
"""The engine's exit status when another engine holds its data folder."""
LOG_FILE: Final = "search-engine.log"
SERVE_BUSY_HINT: Final = "stop that server, or serve this one with --in-memory"


class SearchEngineFailed(EngineError):
    """The engine did not start, or its data sources could not use it."""

    error_type = "SearchEngineFailed"


class SearchEngineUser(Protocol):
    """What the engine needs of a data source it serves (OpenSearchDataSource)."""

    @property
    def needs_local_engine(self) -> bool: ...

    async def use_local_engine(self, endpoint: str) -> None: ...

    def engine_down(self, problem: str) -> None: ...


def project_search_dir(project: Path) -> Path:
    """Where a project's indexes live: `<project>/.strawsync/search/`."""
    return project / ".strawsync" / "search"


@dataclass(slots=True)
class _Run:
    process: asyncio.subprocess.Process
    endpoint: str
    run_dir: Path
    log_path: Path


class LocalSearchEngine:
    """One engine process for the data sources that need it."""

    name = ENGINE_NAME

    def __init__(
        self,
        project_dir: Path,
        sources: Sequence[SearchEngineUser],
        *,
        in_memory: bool,
        progress: Callable[[str], None] = logger.info,
        start_timeout: float = 60.0,
    ) -> None:
        self.project_dir = project_dir
        self.sources = [source for source in sources if source.needs_local_engine]
        self.in_memory = in_memory
        self.progress = progress
        self.start_timeout = start_timeout
        self._run: _Run | None = None

    @property
    def needed(self) -> bool:
        """Whether any data source runs on the embedded engine."""
        return bool(self.sources)

    @property
    def endpoint(self) -> str | None:
        return self._run.endpoint if self._run is not None else None

    @property
    def pid(self) -> int | None:
        return self._run.process.pid if self._run is not None else None

    @property
    def lost_on_restart(self) -> str | None:
        if not self.in_memory:
            return None
        return (
            "its indexes were in memory (--in-memory): every document indexed so far is "
            "lost, and the declared indexes are created again, empty"
        )

    async def start(self) -> None:
        """Run the engine, wait until it answers, and point the data sources at it."""
        if not self.sources:
            return
        if self._run is not None:
            raise RuntimeError("the search engine is already running")
        data_dir = None if self.in_memory else project_search_dir(self.project_dir).resolve()
        run_dir, log_path, log_file = await asyncio.to_thread(_open_files, data_dir)
        storage = ["--in-memory"] if data_dir is None else ["--data-dir", str(data_dir)]
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "app.searchengine", "--host", "127.0.0.1", "--port", "0",
                "--port-file", str(run_dir / "port"), *storage, "--exit-with-stdin",
                stdin=asyncio.subprocess.PIPE,
                stdout=log_file,
                stderr=asyncio.subprocess.STDOUT,
                cwd=_code_root(),
                # Ctrl-C in a terminal reaches Strawsync only; it stops the engine last.
                start_new_session=True,
            )  # fmt: skip
        except BaseException:
            shutil.rmtree(run_dir, ignore_errors=True)
            raise
        finally:
            log_file.close()
        self._run = _Run(process, "", run_dir, log_path)
        try:
            port = await self._wait_ready(process, run_dir, log_path, data_dir)
            self._run.endpoint = f"http://127.0.0.1:{port}"
            where = "in memory" if data_dir is None else str(data_dir)
            self.progress(f"search engine listening on {self._run.endpoint} ({where})")
            for source in self.sources:
                await source.use_local_engine(self._run.endpoint)
        except BaseException as error:
            await self.stop()
            if isinstance(error, Exception) and not isinstance(error, EngineError):
                message = getattr(error, "message", None) or str(error)
                raise SearchEngineFailed(
                    f"the search engine answers, but setting up its indexes failed: {message}"
                ) from error
            raise

    async def wait(self) -> EngineExit:
        run = self._run
        if run is None:
            raise RuntimeError("the search engine is not running")
        status = await run.process.wait()
        return EngineExit(status, await asyncio.to_thread(read_tail, run.log_path, 20))

    async def stop(self, grace: float = 15.0) -> None:
        """Data sources fail fast from now on; SIGTERM (the engine commits), then SIGKILL."""
        for source in self.sources:
            source.engine_down(ENGINE_DOWN)
        run, self._run = self._run, None
        if run is None:
            return
        process = run.process
        try:
            if process.returncode is None:
                await terminate(process, grace, "search engine")
        finally:
            if process.stdin is not None:
                process.stdin.close()
            await asyncio.to_thread(shutil.rmtree, run.run_dir, True)

    async def probe(self) -> bool:
        run = self._run
        if run is None or not run.endpoint:
            return False
        return await answers(int(run.endpoint.rsplit(":", 1)[1]), within=1.0)

    async def _wait_ready(
        self,
        process: asyncio.subprocess.Process,
        run_dir: Path,
        log_path: Path,
        data_dir: Path | None,
    ) -> int:
        port_file = run_dir / "port"
        deadline = time.monotonic() + self.start_timeout
        port: int | None = None
        while time.monotonic() < deadline and process.returncode is None:
            if port is None:
                port = await asyncio.to_thread(_read_port, port_file)
            if port is not None and await answers(port):
                return port
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 0.05)
        if process.returncode == DATA_DIR_BUSY:
            raise SearchEngineFailed(
                f"the search data folder {data_dir} is in use by another Strawsync server; "
                f"{SERVE_BUSY_HINT}"
            )
        log = await asyncio.to_thread(read_tail, log_path, 40)
        if process.returncode is not None:
            what = f"the search engine exited with code {process.returncode} while starting"
        else:
            what = f"the search engine did not answer within {self.start_timeout:g} s"
        raise SearchEngineFailed(f"{what}; its log ends with:\n{log}")


_PING = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


async def answers(port: int, within: float = 5.0) -> bool:
    """Whether the engine on loopback `port` answers `GET /` with HTTP 200."""
    return await answers_ok("127.0.0.1", port, _PING, within)


def _open_files(data_dir: Path | None) -> tuple[Path, Path, IO[bytes]]:
    """A run folder for the port file, and the log (kept beside the data when on disk)."""
    run_dir = Path(tempfile.mkdtemp(prefix="strawsync-search-"))
    if data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
    log_path = (data_dir or run_dir) / LOG_FILE
    return run_dir, log_path, log_path.open("wb")


def _read_port(port_file: Path) -> int | None:
    try:
        text = port_file.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


def _code_root() -> Path:
    """The folder `app` is imported from, so `-m app.searchengine` finds the same code."""
    return Path(__file__).resolve().parents[2]
