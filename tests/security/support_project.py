"""A small API for the WebSocket tests: the comments schema on a NONE data source (no
DynamoDB Local to start), API_KEY authorization, and the limits a test chooses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.auth.api_keys import ApiKeyStore
from tests.realtime.test_appsync_protocol import LIMITED_FILES, LIMITED_SUBSCRIBE
from tests.support.projects import write_project
from tests.support.server import RunningServer, serve

SUBSCRIBE = LIMITED_SUBSCRIBE

SETTINGS = """\
name: SocketRules
authentication:
  default:
    type: API_KEY
dataSources:
  - name: Local
    type: NONE
"""


@dataclass
class SocketsApi:
    server: RunningServer
    api_key: str

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def host(self) -> str:
        return self.server.url.removeprefix("http://")

    @property
    def header(self) -> dict[str, str]:
        """An AppSync handshake `header` with the API key."""
        return {"host": self.host, "x-api-key": self.api_key}


@contextmanager
def sockets_api(root: Path, log_dir: Path, limits: str = "") -> Iterator[SocketsApi]:
    """Serve the API; `limits` is the body of strawsync.yaml's `limits:` (indented lines)."""
    settings = SETTINGS + (f"limits:\n{limits}" if limits else "")
    project = write_project(root, {**LIMITED_FILES, "strawsync.yaml": settings})
    key, _ = ApiKeyStore.for_project(project).create("sockets", days=7)
    with serve(project, log_dir) as server:
        yield SocketsApi(server, key)
