"""AWS_LAMBDA `config:`: each key at its bounds, the local function it describes, and the
project-wide checks (`strawsync validate`: a missing handler file, reservations over the pool)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.datasources.awslambda.source import LambdaType
from app.definition.loader import load_definition
from app.functions.config import local_function_config
from app.problems import DefinitionError
from app.templates.vtl.engine import VtlEngine
from tests.support.projects import write_project

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:billing"


def problems(config: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    return [(p.path, p.message) for p in LambdaType().validate_config(config)]


def local(**settings: Any) -> dict[str, Any]:
    return {"handler": "functions/events.py:handler", **settings}


@pytest.mark.parametrize(
    "config",
    [
        local(),
        local(timeout=1),
        local(timeout=900),
        local(memorySize=128),
        local(memorySize=10240),
        local(reservedConcurrency=0),
        local(functionName="a" * 64),
        local(functionName="my-Function_2"),
        local(runtime="python3.13"),
        local(environment={"TABLE": "events", "A1_B": ""}),
        {"handler": "index.mjs:handler", "runtime": "nodejs22.x"},
        {"handler": "lib/index.js:$run"},
        {"lambdaFunctionArn": ARN},
        {"lambdaFunctionArn": ARN + ":live", "endpoint": "http://127.0.0.1:9001"},
        {"lambdaFunctionArn": ARN + ":$LATEST"},
        {"lambdaFunctionArn": "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:f:7"},
    ],
)
def test_valid_configs(config: dict[str, Any]) -> None:
    assert problems(config) == []


@pytest.mark.parametrize(
    ("config", "path", "words"),
    [
        ({}, (), "exactly one of"),
        ({"handler": "a.py:h", "lambdaFunctionArn": ARN}, (), "exactly one of"),
        (local(timeout=0), ("timeout",), "from 1 to 900"),
        (local(timeout=901), ("timeout",), "from 1 to 900"),
        (local(timeout=2.5), ("timeout",), "whole number"),
        (local(timeout=True), ("timeout",), "whole number"),
        (local(memorySize=127), ("memorySize",), "from 128 to 10240"),
        (local(memorySize=10241), ("memorySize",), "from 128 to 10240"),
        (local(reservedConcurrency=-1), ("reservedConcurrency",), ">= 0"),
        (local(reservedConcurrency="5"), ("reservedConcurrency",), ">= 0"),
        (local(functionName="a" * 65), ("functionName",), "1-64"),
        (local(functionName="has space"), ("functionName",), "1-64"),
        (local(runtime="python2.7"), ("runtime",), "must be one of"),
        (local(runtime="nodejs20.x"), ("runtime",), "cannot run a .py file"),
        ({"handler": "index.js:handler", "runtime": "python3.11"}, ("runtime",), "cannot run"),
        (local(environment=["A=1"]), ("environment",), "mapping"),
        (local(environment={"AWS_REGION": "x"}), ("environment", "AWS_REGION"), "reserved"),
        (local(environment={"_HANDLER": "x"}), ("environment", "_HANDLER"), "letter"),
        (local(environment={"1A": "x"}), ("environment", "1A"), "letter"),
        (local(environment={"PORT": 80}), ("environment", "PORT"), "must be a string"),
        (local(environment={"BIG": "x" * 4096}), ("environment",), "4 KB"),
        (local(endpoint="http://x"), ("endpoint",), "not a local handler"),
        (local(color="red"), ("color",), "unknown AWS_LAMBDA setting"),
        ({"handler": "events.py"}, ("handler",), "path/to/file.py:function"),
        ({"handler": "/abs/events.py:h"}, ("handler",), "relative path"),
        ({"handler": "../events.py:h"}, ("handler",), "relative path"),
        ({"handler": "events.rb:h"}, ("handler",), ".py, .js, .mjs or .cjs"),
        ({"handler": "my.events.py:h"}, ("handler",), "no other '.'"),
        ({"handler": "events.py:not-a-name"}, ("handler",), "not a valid function name"),
        ({"handler": 3}, ("handler",), "must be a string"),
        ({"lambdaFunctionArn": "billing"}, ("lambdaFunctionArn",), "arn:aws:lambda:"),
        ({"lambdaFunctionArn": ARN + ":a:b"}, ("lambdaFunctionArn",), "arn:aws:lambda:"),
        ({"lambdaFunctionArn": ARN, "endpoint": "ftp://x"}, ("endpoint",), "http://"),
        ({"lambdaFunctionArn": ARN, "timeout": 3}, ("timeout",), "AWS Lambda configures it"),
    ],
)
def test_invalid_configs(config: dict[str, Any], path: tuple[str, ...], words: str) -> None:
    found = problems(config)
    assert any(where == path and words in message for where, message in found), found


def test_environment_at_the_4_kb_limit() -> None:
    # {"BIG":"..."} is 10 bytes of JSON around the value: 4,086 characters make 4,096.
    assert problems(local(environment={"BIG": "x" * 4086})) == []
    assert problems(local(environment={"BIG": "x" * 4087}))


def test_the_local_function_a_config_describes(tmp_path: Path) -> None:
    function = local_function_config(
        "EventSummary",
        local(timeout=10, memorySize=256, reservedConcurrency=2, environment={"A": "1"}),
        tmp_path,
    )
    assert function.name == "EventSummary"
    assert function.handler == "events.handler"
    assert function.code_dir == tmp_path / "functions"
    assert function.runtime == "python3.11"
    assert (function.timeout_seconds, function.memory_size_mb) == (10.0, 256)
    assert function.reserved_concurrency == 2
    assert dict(function.environment) == {"A": "1"}
    assert function.arn.endswith(":function:EventSummary")


def test_a_relative_project_gives_an_absolute_code_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # `serve --project .`
    function = local_function_config("EventSummary", local(), Path("."))
    assert function.code_dir.is_absolute()
    assert function.code_dir == tmp_path / "functions"


def test_local_function_defaults_follow_lambda(tmp_path: Path) -> None:
    node = local_function_config(
        "Count", {"handler": "index.mjs:run", "functionName": "f"}, tmp_path
    )
    assert (node.name, node.handler, node.code_dir, node.runtime) == (
        "f",
        "index.run",
        tmp_path,
        "nodejs20.x",
    )
    assert (node.timeout_seconds, node.memory_size_mb, node.reserved_concurrency) == (
        3.0,
        128,
        None,
    )


SCHEMA = "type Query {\n  echo(msg: String): String\n}\n"


def project(
    tmp_path: Path, sources: str, pool: str = "", files: dict[str, str] | None = None
) -> Path:
    settings = f"name: LambdaApi\n{pool}dataSources:\n{sources}"
    return write_project(
        tmp_path / "api",
        {"schema.graphql": SCHEMA, "strawsync.yaml": settings, **(files or {})},
    )


def lambda_source(name: str, reserved: int | None = None, handler: str = "fn/a.py:handler") -> str:
    text = f"  - name: {name}\n    type: AWS_LAMBDA\n    config:\n      handler: {handler}\n"
    if reserved is not None:
        text += f"      reservedConcurrency: {reserved}\n"
    return text


def definition_problems(path: Path) -> list[str]:
    try:
        load_definition(path, VtlEngine())
    except DefinitionError as error:
        return [str(problem) for problem in error.problems]
    return []


HANDLER = {"fn/a.py": "def handler(event, context):\n    return event\n"}


def test_reservations_up_to_the_pool_are_accepted(tmp_path: Path) -> None:
    # Default pool: 1,000 with 100 kept unreserved, so 900 may be reserved.
    sources = lambda_source("A", 600) + lambda_source("B", 300) + lambda_source("C")
    assert definition_problems(project(tmp_path, sources, files=HANDLER)) == []


def test_one_reservation_over_the_pool_is_refused_at_its_data_source(tmp_path: Path) -> None:
    sources = lambda_source("A", 600) + lambda_source("B", 301)
    path = project(tmp_path, sources, files=HANDLER)
    found = definition_problems(path)
    assert len(found) == 1, found
    # Line 12 is B's `reservedConcurrency`.
    assert found[0].startswith(f"{path / 'strawsync.yaml'}:12:")
    assert "total 901, more than the 900" in found[0]


def test_the_pool_the_lambda_block_sets(tmp_path: Path) -> None:
    pool = "lambda:\n  accountConcurrency: 20\n  unreservedMinimum: 10\n"
    ok = project(tmp_path / "ok", lambda_source("A", 10), pool, HANDLER)
    assert definition_problems(ok) == []
    over = project(tmp_path / "over", lambda_source("A", 11), pool, HANDLER)
    assert any("total 11, more than the 10" in line for line in definition_problems(over))


def test_a_missing_handler_file_is_reported(tmp_path: Path) -> None:
    path = project(tmp_path, lambda_source("A", handler="fn/missing.py:handler"))
    found = definition_problems(path)
    assert len(found) == 1 and "handler file not found" in found[0], found
    assert found[0].startswith(f"{path / 'strawsync.yaml'}:6:")


def test_config_mistakes_carry_file_and_line(tmp_path: Path) -> None:
    sources = lambda_source("A") + "      timeout: 901\n"
    path = project(tmp_path, sources, files=HANDLER)
    found = definition_problems(path)
    assert len(found) == 1, found
    assert found[0].startswith(f"{path / 'strawsync.yaml'}:7:")
    assert "from 1 to 900" in found[0]
