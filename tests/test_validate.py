"""`strawsync validate` reports every problem with file, line and column; `serve` refuses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.projects import copy_sample, write_project
from tests.support.server import REPO, free_port


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def validate(project: Path) -> tuple[int, list[str]]:
    result = run_cli("validate", "--project", str(project))
    return result.returncode, result.stderr.strip().splitlines()


def broken(tmp_path: Path, files: dict[str, str]) -> Path:
    project = copy_sample(tmp_path / "api")
    return write_project(project, files)


def test_the_sample_is_valid() -> None:
    result = run_cli("validate", "--project", str(REPO))
    assert result.returncode == 0, result.stderr
    assert "EventApp: OK" in result.stdout


def test_sdl_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    project = broken(tmp_path, {"schema.graphql": "type Query {\n  echo(msg: String: String\n}\n"})
    code, lines = validate(project)
    assert code == 1
    assert lines[0].startswith(f"{project / 'schema.graphql'}:2:")
    assert "Syntax Error" in lines[0]


def test_sdl_type_errors_are_all_reported(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    sdl = "type Query {\n  echo(msg: String): String\n  a: Missing\n  b: AlsoMissing\n}\n"
    project = broken(tmp_path, {"schema.graphql": sdl})
    code, lines = validate(project)
    assert code == 1
    text = "\n".join(lines)
    assert f"{project / 'schema.graphql'}:3:" in text
    assert "Missing" in text and "AlsoMissing" in text


def test_resolver_on_a_missing_field(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    project = broken(
        tmp_path,
        {
            "resolvers/Query.nope.yaml": "kind: UNIT\ndataSource: LocalNone\n"
            "requestMappingTemplate: Query.echo.request.vtl\n"
            "responseMappingTemplate: Query.echo.response.vtl\n",
        },
    )
    code, lines = validate(project)
    assert code == 1
    assert any(
        "resolvers/Query.nope.yaml:1:1" in line and "field 'nope' does not exist" in line
        for line in lines
    ), lines


def test_resolver_on_a_missing_type_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    project = broken(
        tmp_path,
        {
            "resolvers/custom.yaml": "kind: UNIT\ntypeName: Nowhere\nfieldName: echo\n"
            "dataSource: LocalNone\nrequestMappingTemplate: Query.echo.request.vtl\n"
            "responseMappingTemplate: Query.echo.response.vtl\n",
        },
    )
    code, lines = validate(project)
    assert code == 1
    assert any("resolvers/custom.yaml:2:11" in line and "Nowhere" in line for line in lines)


def test_unknown_data_source(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    project = broken(tmp_path, {"resolvers/Query.echo.yaml": "kind: UNIT\ndataSource: Ghost\n"})
    code, lines = validate(project)
    assert code == 1
    assert any(
        "resolvers/Query.echo.yaml:2:13" in line and "unknown data source 'Ghost'" in line
        for line in lines
    ), lines


def test_missing_template(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    project = broken(tmp_path, {})
    (project / "mapping_templates" / "Query.echo.response.vtl").unlink()
    code, lines = validate(project)
    assert code == 1
    assert any(
        "template not found" in line and "Query.echo.response.vtl" in line for line in lines
    ), lines


def test_unparsable_template_reports_its_own_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    project = broken(
        tmp_path,
        {"mapping_templates/Query.echo.request.vtl": '{\n  "version": "2018-05-29"\n  #if($x\n}\n'},
    )
    code, lines = validate(project)
    assert code == 1
    template = project / "mapping_templates" / "Query.echo.request.vtl"
    # The parser stops where the unclosed #if( meets the closing brace, as Velocity does.
    assert any(line.startswith(f"{template}:4:1:") and "#if" in line for line in lines), lines


def test_missing_pipeline_function(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    project = broken(
        tmp_path,
        {
            "resolvers/Query.echo.yaml": "kind: PIPELINE\nfunctions:\n  - known\n  - unknown\n",
            "resolvers/functions/known.yaml": "dataSource: LocalNone\n",
            "mapping_templates/functions/known.request.vtl": '{"version": "2018-05-29"}',
            "mapping_templates/functions/known.response.vtl": "$util.toJson($ctx.result)",
        },
    )
    code, lines = validate(project)
    assert code == 1
    assert any(
        "resolvers/Query.echo.yaml:4:5" in line and "unknown pipeline function 'unknown'" in line
        for line in lines
    ), lines


def test_yaml_syntax_and_unknown_keys(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    project = broken(
        tmp_path,
        {
            "resolvers/Query.echo.yaml": "kind: UNIT\ndataSource: LocalNone\ndataSorce: x\n",
            "resolvers/Query.getEvent.yaml": "kind: [UNIT\n",
        },
    )
    code, lines = validate(project)
    assert code == 1
    text = "\n".join(lines)
    assert "Query.echo.yaml:3:1" in text and "unknown key 'dataSorce'" in text
    assert "Query.getEvent.yaml:2:" in text and "invalid YAML" in text


def test_every_problem_at_once(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    project = broken(
        tmp_path,
        {
            "schema.graphql": "type Query { echo(msg: String): String\n a: Missing }\n",
            "resolvers/Query.echo.yaml": "kind: UNIT\ndataSource: Ghost\n",
            "resolvers/Query.other.yaml": "kind: PIPELINE\nfunctions: [nope]\n",
        },
    )
    code, lines = validate(project)
    assert code == 1
    assert lines[-1].endswith("problems found")
    assert int(lines[-1].split()[0]) >= 3


def test_serve_refuses_a_broken_project_with_the_same_report(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    project = broken(tmp_path, {"resolvers/Query.echo.yaml": "kind: UNIT\ndataSource: Ghost\n"})
    _, expected = validate(project)
    result = run_cli("serve", "--project", str(project), "--port", str(free_port()))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == expected


def test_print_schema_prints_the_sdl() -> None:
    result = run_cli("print-schema", "--project", str(REPO))
    assert result.returncode == 0
    assert "type Event {" in result.stdout
    assert "subscribeToEventComments(eventId: String!): Comment" in result.stdout


def test_aws_subscribe_must_list_mutations_of_the_same_type(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    sample = (REPO / "schema.graphql").read_text(encoding="utf-8")
    sdl = sample.replace(
        '@aws_subscribe(mutations: ["commentOnEvent"])',
        '@aws_subscribe(mutations: ["commentOnEvent", "noSuchMutation", "createEvent"])',
    )
    project = broken(tmp_path, {"schema.graphql": sdl})
    code, lines = validate(project)
    assert code == 1
    line = sdl[: sdl.index("subscribeToEventComments(")].count("\n") + 1
    assert lines[:2] == [
        f"{project / 'schema.graphql'}:{line}:3: definition: @aws_subscribe on "
        "Subscription.subscribeToEventComments lists 'noSuchMutation', which is not a field "
        "of the Mutation type",
        f"{project / 'schema.graphql'}:{line}:3: definition: @aws_subscribe on "
        "Subscription.subscribeToEventComments lists 'createEvent', which returns Event; the "
        "subscription returns Comment",
    ]


def test_real_time_limits_are_checked(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    settings = (REPO / "strawsync.yaml").read_text(encoding="utf-8")
    settings += "\nlimits:\n  maxSubscriptionsPerConnection: 2.5\n  keepAliveSeconds: 0\n"
    project = broken(tmp_path, {"strawsync.yaml": settings})
    code, lines = validate(project)
    assert code == 1
    text = "\n".join(lines)
    assert "limit 'maxSubscriptionsPerConnection' must be a whole number" in text
    assert "limit 'keepAliveSeconds' must be a positive number" in text
