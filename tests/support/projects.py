"""Throwaway API projects written into a temporary folder, file by file."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

from tests.support.server import REPO

NONE_SETTINGS = """\
name: TestApi
dataSources:
  - name: Local
    type: NONE
"""


def write_project(root: Path, files: Mapping[str, str]) -> Path:
    """Write `files` (relative path -> text) under `root` and return `root`."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def copy_sample(root: Path) -> Path:
    """A copy of the repository's sample API, to break on purpose."""
    for name in ("schema.graphql", "strawsync.yaml", "graphiql.graphql"):
        shutil.copy(REPO / name, root / name)
    for name in ("resolvers", "mapping_templates"):
        shutil.copytree(REPO / name, root / name)
    return root
