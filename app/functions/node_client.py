"""AWS's Node.js runtime interface client (npm `aws-lambda-ric`), installed into the user cache.

Node.js functions run `node .../aws-lambda-ric/index.mjs`, the same client Lambda's container
images use. The package ships its native Runtime API client (`rapid-client.node`) as C++
sources plus bundled curl and aws-lambda-cpp archives, built by its install scripts; so,
unlike DynamoDB Local's jar, it is installed WITH its scripts (about 40 s once, needing
cmake, make and a C++ compiler; Node's headers are taken from the system Node when present
so nothing else is downloaded). npm writes into a staging folder renamed into place when
complete, as `app.datasources.dynamodb.local_engine` installs DynamoDB Local.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import ClassVar, Final

from app.engines.base import EngineError
from app.engines.commands import NpmInstallFailed, install_npm_package

NPM_PACKAGE: Final = "aws-lambda-ric"
NPM_VERSION: Final = "4.0.2"
INSTALL_HINT: Final = (
    "Node.js functions need node and npm (Debian: apt-get install nodejs npm) and, to build "
    "aws-lambda-ric's native client, cmake, make and g++ (apt-get install cmake build-essential)"
)

Progress = Callable[[str], None]


class NodeClientError(EngineError):
    """The Node.js runtime interface client could not be found or installed."""

    error_type: ClassVar[str] = "NodeClientError"


def _entry(root: Path) -> Path | None:
    package = root / "node_modules" / NPM_PACKAGE
    entry = package / "index.mjs"
    if entry.is_file() and (package / "rapid-client.node").is_file():
        return entry
    return None


def _node_headers(node: str) -> Path | None:
    """The system Node's install prefix when it has its headers (so node-gyp needs no download)."""
    prefix = Path(node).resolve().parent.parent
    return prefix if (prefix / "include" / "node" / "node.h").is_file() else None


def find_node(env: Mapping[str, str] | None = None) -> str:
    """`node` on PATH, or `NodeClientError` saying what to install."""
    env = os.environ if env is None else env
    node = shutil.which("node", path=env.get("PATH", ""))
    if node is None:
        raise NodeClientError(f"no `node` on PATH: {INSTALL_HINT}")
    return node


async def ensure_node_client(
    cache_dir: Path, progress: Progress, *, env: Mapping[str, str] | None = None
) -> Path:
    """The client's `index.mjs`, installing `aws-lambda-ric` into `cache_dir` first if needed."""
    root = cache_dir / f"{NPM_PACKAGE}@{NPM_VERSION}"
    entry = await asyncio.to_thread(_entry, root)
    if entry is not None:
        return entry
    env = dict(os.environ if env is None else env)
    node = find_node(env)
    npm = shutil.which("npm", path=env.get("PATH", ""))
    if npm is None:
        raise NodeClientError(f"no `npm` on PATH to install {NPM_PACKAGE}: {INSTALL_HINT}")
    progress(
        f"Installing the Node.js Lambda runtime client (npm {NPM_PACKAGE}@{NPM_VERSION}, "
        f"building its native client, about a minute) into {root} ..."
    )
    headers = await asyncio.to_thread(_node_headers, node)
    if headers is not None:
        env.setdefault("npm_config_nodedir", str(headers))
    try:
        await install_npm_package(
            npm,
            f"{NPM_PACKAGE}@{NPM_VERSION}",
            root,
            env=env,
            complete=_entry,
            incomplete="it has no index.mjs",
            ignore_scripts=False,  # its install script builds the native client
        )
    except NpmInstallFailed as error:
        raise NodeClientError(f"{error}\n{INSTALL_HINT}") from None
    entry = await asyncio.to_thread(_entry, root)
    if entry is None:
        raise NodeClientError(f"{NPM_PACKAGE} vanished from {root} after installing it")
    progress(f"Node.js Lambda runtime client installed: {entry}")
    return entry
