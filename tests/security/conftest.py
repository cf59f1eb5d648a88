"""Fixtures of the security battery: the sample API served by real servers, with a real key.

Each served copy of the sample keeps its `authentication` block (API_KEY by default) and gets
a key made by `strawsync api-key create`, so probes go through the same checks a client's do.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.projects import copy_sample
from tests.support.server import REPO, RunningServer, free_port, serve

API_KEY_HEADER = "x-api-key"
Settings = dict[str, Any]


@dataclass
class KeyedServer:
    """A served project and an API key it accepts."""

    server: RunningServer
    project: Path
    api_key: str

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(
            base_url=self.server.url,
            headers={API_KEY_HEADER: self.api_key},
            timeout=kwargs.pop("timeout", 15.0),
            **kwargs,
        )


def sample_copy(root: Path, edit: Callable[[Settings], None]) -> Path:
    """A copy of the sample API whose strawsync.yaml `edit` has changed."""
    copy_sample(root)
    path = root / "strawsync.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(settings)
    path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return root


def create_api_key(project: Path) -> str:
    """A key made as a user makes one: `strawsync api-key create` (the key is its last line)."""
    result = subprocess.run(
        [sys.executable, "-m", "app", "api-key", "create", "--project", str(project)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].strip()


def with_profile(profile: str) -> Callable[[Settings], None]:
    def edit(settings: Settings) -> None:
        settings["profile"] = profile

    return edit


def unreachable_store(settings: Settings) -> None:
    """Production profile, every DynamoDB data source pointed at a loopback port nobody
    listens on: each call fails with a connection error."""
    settings["profile"] = "production"
    dead = f"http://127.0.0.1:{free_port()}"
    for source in settings["dataSources"]:
        if source["type"] == "AMAZON_DYNAMODB":
            source["config"].update(endpoint=dead, region="us-east-1")


def _served(
    factory: pytest.TempPathFactory, name: str, edit: Callable[[Settings], None]
) -> Iterator[KeyedServer]:
    project = sample_copy(factory.mktemp(name), edit)
    api_key = create_api_key(project)
    with serve(project, factory.mktemp(f"{name}-logs"), ["--in-memory"]) as server:
        yield KeyedServer(server, project, api_key)


@pytest.fixture(scope="session")
def production_sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    """The sample API with `profile: production`, on DynamoDB Local in memory."""
    yield from _served(tmp_path_factory, "production", with_profile("production"))


@pytest.fixture(scope="session")
def development_sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    """The sample API with `profile: development` (the default), on DynamoDB Local in memory."""
    yield from _served(tmp_path_factory, "development", with_profile("development"))


@pytest.fixture(scope="session")
def unreachable_store_sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    """The production sample whose DynamoDB is unreachable (see `unreachable_store`)."""
    yield from _served(tmp_path_factory, "unreachable", unreachable_store)
