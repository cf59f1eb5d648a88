"""wrk (C, epoll) as the load generator, with a Lua script for the POST body and error count."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

from benchmarks.loadgen import Load, LoadGenerator, LoadResult, can_install

MARKER = "WRK_JSON "

# `response` runs in each wrk thread; `done` runs in the main one and sums the threads'
# counters (the pattern from wrk's scripts/setup.lua). A body "carries errors" when it has an
# "errors" key: quotes inside JSON strings are escaped, so a value cannot match.
SCRIPT = """\
wrk.method = "POST"
wrk.path = {path}
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
{headers}
local threads = {{}}
function setup(thread)
  table.insert(threads, thread)
end

non2xx = 0
error_bodies = 0
function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  elseif string.find(body, '"errors"%s*:') then
    error_bodies = error_bodies + 1
  end
end

function done(summary, latency, requests)
  local non2xx, error_bodies = 0, 0
  for _, thread in ipairs(threads) do
    non2xx = non2xx + thread:get("non2xx")
    error_bodies = error_bodies + thread:get("error_bodies")
  end
  local e = summary.errors
  io.write(string.format(
    '{marker}{{"requests":%d,"duration_us":%d,"non_2xx":%d,"error_bodies":%d,' ..
    '"socket_errors":%d,"mean":%f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\\n',
    summary.requests, summary.duration, non2xx, error_bodies,
    e.connect + e.read + e.write + e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max))
end
"""


def lua_string(text: str) -> str:
    """`text` as a Lua long-bracket literal that no content can close early."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]"


def script(load: Load) -> str:
    headers = "\n".join(
        f"wrk.headers[ {lua_string(name)} ] = {lua_string(value)}"
        for name, value in load.headers.items()
    )
    return SCRIPT.format(
        path=lua_string(load.path),
        body=lua_string(load.body.decode()),
        headers=headers,
        marker=MARKER,
    )


def find_wrk() -> str | None:
    return shutil.which("wrk")


def install_wrk() -> str | None:
    """`apt-get install -y wrk` (with `apt-get update` first if that fails); root only."""
    if not can_install():
        return None
    install = ["apt-get", "install", "-y", "wrk"]
    for steps in ([install], [["apt-get", "update"], install]):
        for step in steps:
            print(f"installing wrk: {' '.join(step)}", file=sys.stderr)
            subprocess.run(step, stdout=subprocess.DEVNULL, check=False)
        if find_wrk():
            return find_wrk()
    return None


class WrkLoadGenerator(LoadGenerator):
    name = "wrk"

    def __init__(self, executable: str, cpus: set[int] | None = None) -> None:
        super().__init__(cpus)
        self.executable = executable
        self._script_dir = tempfile.TemporaryDirectory(prefix="strawsync-bench-")

    def describe(self) -> str:
        completed = subprocess.run(
            [self.executable, "-v"], capture_output=True, text=True, check=False
        )
        match = re.search(r"wrk (?:debian/)?(\S+)", completed.stdout + completed.stderr)
        return f"wrk {match.group(1)}" if match else "wrk"

    def command(self, load: Load) -> list[str]:
        path = Path(self._script_dir.name) / f"{load.port}.lua"
        path.write_text(script(load))
        return [
            self.executable,
            "--threads", "1",
            "--connections", str(load.concurrency),
            "--duration", f"{load.duration}s",
            "--timeout", "10s",
            "--script", str(path),
            f"http://{load.host}:{load.port}{load.path}",
        ]  # fmt: skip

    def parse(self, stdout: str) -> LoadResult:
        line = next((ln for ln in stdout.splitlines() if ln.startswith(MARKER)), None)
        if line is None:
            raise RuntimeError(f"wrk printed no summary:\n{stdout[-2000:]}")
        data = orjson.loads(line.removeprefix(MARKER))
        return LoadResult(
            requests=data["requests"],
            seconds=data["duration_us"] / 1e6,
            latency_ms={key: data[key] / 1000 for key in ("mean", "p50", "p90", "p99", "max")},
            non_2xx=data["non_2xx"],
            error_bodies=data["error_bodies"],
            socket_errors=data["socket_errors"],
        )
