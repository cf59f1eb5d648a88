"""No CLI command prints a traceback for a user mistake: one clear line and a non-zero status.

Each case runs the real `strawsync` command in a child process, as a user would.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.projects import open_sample
from tests.support.server import REPO, free_port
from tests.test_validate import run_cli


def failed_cleanly(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """The error output, once checked: non-zero status, no traceback, the expected words."""
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output, output
    for words in expected:
        assert words in result.stderr, result.stderr
    return result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "api").mkdir()
    return open_sample(tmp_path / "api")


@contextmanager
def data_folder_locked(project: Path) -> Iterator[None]:
    """Hold the project's DynamoDB data folder as a running engine does (its flock)."""
    folder = project / ".strawsync" / "dynamodb"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "engine.lock").open("wb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield


def test_seed_file_mistakes(project: Path, tmp_path: Path) -> None:
    missing = run_cli("seed", str(tmp_path / "missing.json"), "--project", str(project))
    assert failed_cleanly(missing, "missing.json: no such file").count("\n") == 1
    folder = run_cli("seed", str(tmp_path), "--project", str(project))
    failed_cleanly(folder, "cannot be read")
    bad = tmp_path / "bad.json"
    bad.write_text('{"AppSyncEventTable": [')
    failed_cleanly(run_cli("seed", str(bad), "--project", str(project)), "is not valid JSON")


def test_project_mistakes(tmp_path: Path) -> None:
    nowhere = str(tmp_path / "nowhere")
    for command in (["validate"], ["provision"], ["seed", "x.json"], ["print-schema"]):
        failed_cleanly(run_cli(*command, "--project", nowhere), nowhere)
    failed_cleanly(run_cli("api-key", "list", "--project", nowhere), "no such project folder")


def test_an_unreadable_keys_file(project: Path) -> None:
    (project / ".strawsync" / "api_keys.json").mkdir(parents=True)
    failed_cleanly(run_cli("api-key", "create", "--project", str(project)), "api_keys.json")


def test_template_mistakes(tmp_path: Path) -> None:
    failed_cleanly(run_cli("eval-template", str(tmp_path / "none.vtl")), "none.vtl")
    template = tmp_path / "t.vtl"
    template.write_text("$ctx.args.x")
    context = tmp_path / "context.json"
    context.write_text("{not json")
    failed_cleanly(
        run_cli("eval-template", str(template), "--context", str(context)), "eval-template"
    )


def test_an_engine_without_java(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "app", "provision", "--project", str(project)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PATH": str(Path(sys.executable).parent), "JAVA_HOME": ""},
    )
    failed_cleanly(result, "strawsync provision: Java 17 or newer is required")


def test_commands_on_a_data_folder_held_by_an_engine_that_does_not_answer(
    project: Path, tmp_path: Path
) -> None:
    seed_file = tmp_path / "events.json"
    seed_file.write_text('{"AppSyncEventTable": [{"id": "1"}]}')
    with data_folder_locked(project):
        for command in (["provision"], ["seed", str(seed_file)]):
            result = run_cli(*command, "--project", str(project))
            error = failed_cleanly(result, "is in use by another DynamoDB Local", "try again")
            assert "--in-memory" not in error  # these commands have no such flag


def test_serve_on_a_data_folder_held_by_another_server(project: Path) -> None:
    with data_folder_locked(project):
        result = subprocess.run(
            [
                *(sys.executable, "-m", "app", "serve", "--project", str(project)),
                *("--port", str(free_port())),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
    failed_cleanly(result, "is in use by another DynamoDB Local", "serve this one with --in-memory")


def test_ctrl_c_during_provision(project: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "provision", "--project", str(project)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(2.0)  # into loading the project or starting DynamoDB Local
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    failed_cleanly(result, "strawsync provision: interrupted")
    data_dir = str((project / ".strawsync" / "dynamodb").resolve())
    assert not engines_on(data_dir), "an engine outlived the command"


def engines_on(data_dir: str) -> list[int]:
    """Processes whose command line names `data_dir` (a DynamoDB Local on it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if data_dir in command:
                found.append(int(entry.name))
    return found
