"""Throwaway API projects written into a temporary folder, file by file."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path

import yaml

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


def open_sample(root: Path) -> Path:
    """A copy of the sample API without its `authentication` block: open, so tests about
    everything but authorization need no credentials (tests/auth covers those)."""
    copy_sample(root)
    settings_path = root / "strawsync.yaml"
    settings = yaml.safe_load(settings_path.read_text(encoding="utf-8"))
    settings.pop("authentication", None)
    settings_path.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return root


def copy_sample(root: Path) -> Path:
    """A copy of the repository's sample API, to break on purpose."""
    for name in ("schema.graphql", "strawsync.yaml", "graphiql.graphql"):
        shutil.copy(REPO / name, root / name)
    for name in ("resolvers", "mapping_templates", "functions"):
        shutil.copytree(REPO / name, root / name)
    return root
