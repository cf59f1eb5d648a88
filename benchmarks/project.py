"""The project a benchmark serves: a temporary copy of it, and an API key created in that copy.

The sample API's default authorization mode is API_KEY, so every request to Strawsync carries
`x-api-key`, as a real client's would. The key is made by `python -m app api-key create` in a
copy of the project (never in the project's own `.strawsync/`), and the copy is served.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.servers import ROOT

CONFIG_FILE = "strawsync.yaml"
# Project files the server reads; everything else (the code, the venv, `.strawsync/` with its
# keys and local data) stays behind.
PROJECT_ENTRIES = ("schema.graphql", CONFIG_FILE, "resolvers", "mapping_templates", "functions")
API_KEY_HEADER = "x-api-key"


def copy_project(source: Path, destination: Path) -> None:
    """Copy the project files of `source` into the existing folder `destination`."""
    for entry in PROJECT_ENTRIES:
        path = source / entry
        if path.is_dir():
            shutil.copytree(path, destination / entry)
        elif path.is_file():
            shutil.copy2(path, destination / entry)


def temporary_copy(source: Path) -> tempfile.TemporaryDirectory[str]:
    """A temporary folder holding a copy of `source`'s project files (`.name` is its path)."""
    folder = tempfile.TemporaryDirectory(prefix="strawsync-bench-")
    copy_project(source, Path(folder.name))
    return folder


def create_api_key(project: Path) -> str:
    """A new API key for `project` (`python -m app api-key create`: its last stdout line)."""
    command = [
        sys.executable, "-m", "app", "api-key", "create", "--project", str(project),
        "--description", "benchmarks",
    ]  # fmt: skip
    completed = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise RuntimeError(
            f"api-key create failed ({completed.returncode}): {completed.stderr.strip()[-1000:]}"
        )
    return lines[-1].strip()


def api_key_headers(project: Path) -> dict[str, str]:
    """`{"x-api-key": <a new key for project>}`."""
    return {API_KEY_HEADER: create_api_key(project)}
