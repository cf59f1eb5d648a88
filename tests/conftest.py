"""Fixtures: the sample API served by a real server process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.projects import open_sample
from tests.support.server import RunningServer, serve


@pytest.fixture(scope="session")
def sample_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The sample API, open (no authentication block); tests/auth serves it as it is."""
    project = open_sample(tmp_path_factory.mktemp("sample"))
    with serve(project, tmp_path_factory.mktemp("logs"), ["--in-memory"]) as server:
        yield server


@pytest.fixture(scope="session")
def client(sample_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sample_server.url, timeout=10.0) as http:
        yield http


@pytest.fixture
def logs_dir(tmp_path: Path) -> Path:
    path = tmp_path / "logs"
    path.mkdir()
    return path
