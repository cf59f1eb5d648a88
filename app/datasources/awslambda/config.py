"""An AWS_LAMBDA data source's `config`: a local handler, or a function on AWS Lambda.

```yaml
- name: EventSummary
  type: AWS_LAMBDA
  config:
    handler: functions/summary.py:handler      # run locally (see app/functions/config.py)
    reservedConcurrency: 10
- name: Billing
  type: AWS_LAMBDA
  config:
    lambdaFunctionArn: arn:aws:lambda:eu-west-1:123456789012:function:billing:live
    endpoint: http://127.0.0.1:9001           # optional: any Lambda-compatible endpoint
```

Exactly one of `handler` and `lambdaFunctionArn` (AppSync's `LambdaConfig` name). The
region comes from the ARN. Across data sources, reservations must fit the account pool as
Lambda's `PutFunctionConcurrency` requires: their sum at most `accountConcurrency` minus
`unreservedMinimum` (`reservation_problems`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from app.datasources.base import ConfigProblem
from app.definition.model import LambdaSettings
from app.functions.config import LOCAL_KEYS, handler_file, local_function_problems

ARN_KEYS: Final = frozenset({"lambdaFunctionArn", "endpoint"})
FUNCTION_ARN: Final = re.compile(
    r"arn:(?P<partition>aws[a-zA-Z-]*):lambda:"
    r"(?P<region>[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d):"
    r"(?P<account>\d{12}):function:(?P<name>[a-zA-Z0-9_-]{1,64})"
    r"(:(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]{1,128}))?"
)
"""Lambda's own pattern for a function ARN, with an optional version or alias."""


@dataclass(frozen=True, slots=True)
class FunctionArn:
    """A parsed `lambdaFunctionArn`."""

    arn: str
    region: str
    account: str
    name: str
    qualifier: str | None


def parse_arn(arn: str) -> FunctionArn | None:
    match = FUNCTION_ARN.fullmatch(arn)
    if match is None:
        return None
    return FunctionArn(
        arn, match["region"], match["account"], match["name"], match["qualifier"] or None
    )


def config_problems(config: Mapping[str, Any]) -> list[ConfigProblem]:
    """Every mistake in one AWS_LAMBDA data source's `config`, at its key."""
    has_handler, has_arn = "handler" in config, "lambdaFunctionArn" in config
    if has_handler == has_arn:
        return [ConfigProblem((), "give exactly one of 'handler' (local) or 'lambdaFunctionArn'")]
    allowed = LOCAL_KEYS if has_handler else ARN_KEYS
    problems = [
        ConfigProblem((key,), _misplaced(key, has_handler)) for key in sorted(set(config) - allowed)
    ]
    if has_handler:
        problems += [
            ConfigProblem(path, message) for path, message in local_function_problems(config)
        ]
        return problems
    arn = config["lambdaFunctionArn"]
    if not isinstance(arn, str) or parse_arn(arn) is None:
        problems.append(
            ConfigProblem(
                ("lambdaFunctionArn",),
                "must be arn:aws:lambda:REGION:ACCOUNT:function:NAME[:VERSION_OR_ALIAS]",
            )
        )
    endpoint = config.get("endpoint")
    if endpoint is not None and not (
        isinstance(endpoint, str) and endpoint.startswith(("http://", "https://"))
    ):
        problems.append(ConfigProblem(("endpoint",), "must be an http:// or https:// URL"))
    return problems


def _misplaced(key: str, local: bool) -> str:
    if local and key in ARN_KEYS:
        return f"'{key}' is for a function on AWS (lambdaFunctionArn), not a local handler"
    if not local and key in LOCAL_KEYS:
        return f"'{key}' is for a local function (handler); AWS Lambda configures it there"
    return "unknown AWS_LAMBDA setting"


@dataclass(frozen=True, slots=True)
class LambdaSourceEntry:
    """One AWS_LAMBDA data source as `strawsync.yaml` declares it, for the project checks."""

    path: tuple[str | int, ...]
    """Where it is in strawsync.yaml (`("dataSources", 3)`)."""
    config: Mapping[str, Any]


def project_problems(
    entries: Iterable[LambdaSourceEntry], project_dir: Path, pool: LambdaSettings
) -> list[tuple[tuple[str | int, ...], str]]:
    """What only the whole project shows: a handler file that is missing, and reservations
    that do not fit the account pool (reported at the data source that overflows it, with
    Lambda's rule: every reservation together leaves at least `unreservedMinimum`)."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    available = pool.account_concurrency - pool.unreserved_minimum
    total = 0
    overflowed = False
    for entry in entries:
        config = entry.config
        if "handler" not in config or "lambdaFunctionArn" in config:
            continue
        file = handler_file(config, project_dir)
        if file is not None and not file.is_file():
            problems.append(((*entry.path, "config", "handler"), f"handler file not found: {file}"))
        reserved = config.get("reservedConcurrency")
        if not isinstance(reserved, int) or isinstance(reserved, bool) or reserved < 0:
            continue
        total += reserved
        if total > available and not overflowed:
            overflowed = True
            problems.append(
                (
                    (*entry.path, "config", "reservedConcurrency"),
                    f"reservations total {total}, more than the {available} the account pool "
                    f"allows (lambda.accountConcurrency {pool.account_concurrency} minus "
                    f"unreservedMinimum {pool.unreserved_minimum})",
                )
            )
    return problems
