"""An OpenSearch data source's `config`: where the cluster is, how to authenticate, which
indexes it must have.

```yaml
- name: EventSearch
  type: AMAZON_OPENSEARCH_SERVICE        # or the legacy AMAZON_ELASTICSEARCH
  config:
    endpoint: https://search-x.us-east-1.es.amazonaws.com  # absent: the embedded engine
    region: us-east-1                    # default: from an AWS host, else $AWS_REGION, us-east-1
    auth: {type: AWS_IAM, service: es}   # es (default) or aoss | {type: BASIC, username: u,
                                         #   passwordEnv: VAR} | {type: NONE}
    indexes:                             # created when missing
      event: {mappings: {properties: {title: {type: text}}}, settings: {}}
    timeoutSeconds: 10
    maxConnections: 100
```

Without `auth`, an endpoint on `*.amazonaws.com` is signed with SigV4 (`aoss` for a
serverless collection's host, `es` otherwise) and any other endpoint gets no authentication.
A password never sits in `strawsync.yaml`: `passwordEnv` names the environment variable that
holds it, read when the data source starts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final
from urllib.parse import urlsplit

from app.datasources.base import ConfigProblem

DEFAULT_REGION: Final = "us-east-1"
DEFAULT_TIMEOUT_SECONDS: Final = 10.0
MAX_TIMEOUT_SECONDS: Final = 30
"""AppSync gives a whole request 30 s; no data source call may wait longer."""
DEFAULT_MAX_CONNECTIONS: Final = 100
MAX_CONNECTIONS_LIMIT: Final = 1000
MAX_INDEX_NAME_BYTES: Final = 255

CONFIG_KEYS: Final = frozenset(
    {"endpoint", "region", "auth", "indexes", "timeoutSeconds", "maxConnections"}
)
INDEX_KEYS: Final = frozenset({"mappings", "settings", "aliases"})
AWS_HOST: Final = re.compile(
    r"(?:.+\.)?(?P<region>[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d)\.(?P<service>es|aoss)"
    r"\.amazonaws\.com(?:\.cn)?"
)
"""An OpenSearch Service domain (`*.REGION.es.amazonaws.com`) or a serverless collection
(`*.REGION.aoss.amazonaws.com`)."""
ENV_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
INDEX_FORBIDDEN: Final = frozenset('\\/*?"<>| ,#:')


class AuthType(StrEnum):
    AWS_IAM = "AWS_IAM"
    BASIC = "BASIC"
    NONE = "NONE"


SIGNING_SERVICES: Final = ("es", "aoss")


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """How requests authenticate. `password_env` names a variable; the value is never kept
    here, so a settings object can be logged or compared safely."""

    type: AuthType = AuthType.NONE
    service: str = "es"
    username: str = ""
    password_env: str = ""


@dataclass(frozen=True, slots=True)
class IndexSettings:
    name: str
    body: Mapping[str, Any]
    """What `PUT /<name>` sends: `mappings`, `settings`, `aliases` as configured."""


@dataclass(frozen=True, slots=True)
class OpenSearchSettings:
    """A validated `config`."""

    endpoint: str | None
    region: str
    auth: AuthSettings
    indexes: tuple[IndexSettings, ...] = ()
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    max_connections: int = DEFAULT_MAX_CONNECTIONS


def aws_host(endpoint: str) -> tuple[str, str] | None:
    """(region, service) for an AWS-hosted endpoint, else None."""
    match = AWS_HOST.fullmatch(urlsplit(endpoint).hostname or "")
    return (match["region"], match["service"]) if match else None


def parse_settings(config: Mapping[str, Any]) -> OpenSearchSettings:
    """The settings a valid `config` describes (run `config_problems` first)."""
    endpoint = config.get("endpoint")
    hosted = aws_host(endpoint) if isinstance(endpoint, str) else None
    region = (
        config.get("region")
        or (hosted[0] if hosted else None)
        or os.environ.get("AWS_REGION")
        or DEFAULT_REGION
    )
    raw_auth = config.get("auth")
    if raw_auth is None:
        auth = AuthSettings(AuthType.AWS_IAM, hosted[1]) if hosted else AuthSettings(AuthType.NONE)
    else:
        kind = AuthType(raw_auth["type"])
        default_service = hosted[1] if hosted else "es"
        auth = AuthSettings(
            kind,
            str(raw_auth.get("service", default_service)),
            str(raw_auth.get("username", "")),
            str(raw_auth.get("passwordEnv", "")),
        )
    indexes = tuple(
        IndexSettings(name, dict(body or {}))
        for name, body in (config.get("indexes") or {}).items()
    )
    return OpenSearchSettings(
        endpoint=endpoint.rstrip("/") if isinstance(endpoint, str) else None,
        region=str(region),
        auth=auth,
        indexes=indexes,
        timeout_seconds=float(config.get("timeoutSeconds", DEFAULT_TIMEOUT_SECONDS)),
        max_connections=int(config.get("maxConnections", DEFAULT_MAX_CONNECTIONS)),
    )


Path_ = tuple[str | int, ...]


def config_problems(config: Mapping[str, Any], type_name: str) -> list[ConfigProblem]:
    """Every mistake in one OpenSearch data source's `config`, at its key."""
    problems = [
        ConfigProblem((key,), f"unknown {type_name} setting")
        for key in sorted(set(config) - CONFIG_KEYS)
    ]
    endpoint = config.get("endpoint")
    if endpoint is not None:
        problems += _endpoint(endpoint)
    region = config.get("region")
    if region is not None and not (isinstance(region, str) and region):
        problems.append(ConfigProblem(("region",), "must be a non-empty string"))
    if "auth" in config:
        problems += _auth(config["auth"], endpoint)
    if "indexes" in config:
        problems += _indexes(config["indexes"])
    problems += _number(config, "timeoutSeconds", 1, MAX_TIMEOUT_SECONDS, integral=False)
    problems += _number(config, "maxConnections", 1, MAX_CONNECTIONS_LIMIT, integral=True)
    return problems


def _endpoint(endpoint: Any) -> list[ConfigProblem]:
    if not isinstance(endpoint, str) or not endpoint.startswith(("http://", "https://")):
        return [ConfigProblem(("endpoint",), "must be an http:// or https:// URL")]
    parts = urlsplit(endpoint)
    if not parts.hostname:
        return [ConfigProblem(("endpoint",), "must name a host")]
    if parts.query or parts.fragment:
        return [ConfigProblem(("endpoint",), "must not have a query string or fragment")]
    if parts.username or parts.password:
        return [
            ConfigProblem(
                ("endpoint",),
                "must not carry credentials; use auth: {type: BASIC, username, passwordEnv}",
            )
        ]
    return []


def _auth(auth: Any, endpoint: Any) -> list[ConfigProblem]:
    path: Path_ = ("auth",)
    if not isinstance(auth, dict):
        return [ConfigProblem(path, "must be an object {type: AWS_IAM|BASIC|NONE, ...}")]
    kind = auth.get("type")
    if kind not in tuple(AuthType):
        return [ConfigProblem((*path, "type"), "must be one of AWS_IAM, BASIC, NONE")]
    allowed = {
        AuthType.AWS_IAM: {"type", "service"},
        AuthType.BASIC: {"type", "username", "passwordEnv"},
        AuthType.NONE: {"type"},
    }[AuthType(kind)]
    problems: list[ConfigProblem] = []
    for key in sorted(set(auth) - allowed):
        message = f"not a setting of {kind} authentication"
        if key == "password":
            message = (
                "a password does not belong in strawsync.yaml; name its variable in passwordEnv"
            )
        problems.append(ConfigProblem((*path, key), message))
    if kind == AuthType.AWS_IAM and "service" in auth and auth["service"] not in SIGNING_SERVICES:
        problems.append(
            ConfigProblem((*path, "service"), "must be es (a domain) or aoss (serverless)")
        )
    if kind == AuthType.BASIC:
        username = auth.get("username")
        if not isinstance(username, str) or not username or ":" in username:
            problems.append(
                ConfigProblem((*path, "username"), "is required (a non-empty string without ':')")
            )
        env = auth.get("passwordEnv")
        if not isinstance(env, str) or not ENV_NAME.fullmatch(env):
            problems.append(
                ConfigProblem(
                    (*path, "passwordEnv"),
                    "is required: the name of the environment variable holding the password",
                )
            )
    if kind != AuthType.NONE and endpoint is None:
        problems.append(
            ConfigProblem(
                (*path, "type"),
                f"{kind} needs an endpoint; without one the embedded engine serves unauthenticated",
            )
        )
    return problems


def index_name_problem(name: Any) -> str | None:
    """Why `name` cannot name an OpenSearch index, or None."""
    if not isinstance(name, str) or not name:
        return "an index name must be a non-empty string"
    if name != name.lower():
        return "an index name must be lowercase"
    if name in (".", "..") or name[0] in "_-+":
        return "an index name must not be '.' or '..', nor start with _, - or +"
    bad = sorted(set(name) & INDEX_FORBIDDEN)
    if bad:
        return "an index name must not contain " + " ".join(repr(c) for c in bad)
    if len(name.encode()) > MAX_INDEX_NAME_BYTES:
        return f"an index name must be at most {MAX_INDEX_NAME_BYTES} bytes"
    return None


def _indexes(indexes: Any) -> list[ConfigProblem]:
    path: Path_ = ("indexes",)
    if not isinstance(indexes, dict):
        return [ConfigProblem(path, "must map index names to {mappings, settings}")]
    problems: list[ConfigProblem] = []
    for name, body in indexes.items():
        where = (*path, str(name))
        problem = index_name_problem(name)
        if problem is not None:
            problems.append(ConfigProblem(where, problem))
        if body is None:
            continue
        if not isinstance(body, dict):
            problems.append(ConfigProblem(where, "must be an object {mappings, settings}"))
            continue
        for key in sorted(set(body) - INDEX_KEYS):
            problems.append(ConfigProblem((*where, key), "unknown index setting"))
        for key in sorted(INDEX_KEYS & set(body)):
            if not isinstance(body[key], dict):
                problems.append(ConfigProblem((*where, key), "must be an object"))
    return problems


def _number(
    config: Mapping[str, Any], key: str, low: int, high: int, *, integral: bool
) -> list[ConfigProblem]:
    if key not in config:
        return []
    value = config[key]
    wrong_kind = isinstance(value, bool) or not isinstance(value, int | float)
    if wrong_kind or (integral and not isinstance(value, int)) or not low <= value <= high:
        what = "an integer" if integral else "a number"
        return [ConfigProblem((key,), f"must be {what} from {low} to {high}")]
    return []
