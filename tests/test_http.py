"""GraphQL over HTTP against a real server: status codes and AppSync's error shapes."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.projects import open_sample, write_project
from tests.support.server import RunningServer, serve

ECHO = 'query { echo(msg: "hi") }'


def test_post_runs_a_query_through_a_none_resolver(client: httpx.Client) -> None:
    response = client.post("/graphql", json={"query": ECHO})
    assert response.status_code == 200
    assert response.json() == {"data": {"echo": "hi"}}
    assert response.headers["x-amzn-requestid"]


def test_variables_and_operation_name(client: httpx.Client) -> None:
    document = 'query A($m: String) { echo(msg: $m) } query B { echo(msg: "b") }'
    response = client.post(
        "/graphql", json={"query": document, "variables": {"m": "vars"}, "operationName": "A"}
    )
    assert response.json() == {"data": {"echo": "vars"}}


def test_get_runs_queries(client: httpx.Client) -> None:
    response = client.get("/graphql", params={"query": ECHO})
    assert response.status_code == 200
    assert response.json() == {"data": {"echo": "hi"}}


def test_get_never_runs_mutations(client: httpx.Client) -> None:
    mutation = 'mutation { createEvent(name: "n", when: "w", where: "x", description: "d") { id } }'
    response = client.get("/graphql", params={"query": mutation})
    assert response.status_code == 405
    error = response.json()["errors"][0]
    assert error["errorType"] == "MalformedHttpRequestException"
    assert "GET" in error["message"]


def test_graphiql_is_served_at_root_and_to_browsers(client: httpx.Client) -> None:
    root = client.get("/")
    assert root.status_code == 200
    assert "graphiql" in root.text.lower()
    assert 'new URL("/graphql"' in root.text
    assert "echo(msg:" in root.text
    browser = client.get("/graphql", headers={"accept": "text/html,application/xhtml+xml"})
    assert browser.status_code == 200
    assert browser.headers["content-type"].startswith("text/html")


def test_health(client: httpx.Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "api": "EventApp"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "Request body is empty."),
        (b"meow", "Unable to parse GraphQL query."),
        (b"{}", "Unable to parse GraphQL query."),
        (b"[]", "Unable to parse GraphQL query."),
        (b"{}}", "Unable to parse GraphQL query."),
        (b'{"query": 3}', "Unable to parse GraphQL query."),
    ],
)
def test_unparsable_requests_get_400(client: httpx.Client, body: bytes, message: str) -> None:
    response = client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"errorType": "MalformedHttpRequestException", "message": message}]
    }


def test_bad_variables_get_400(client: httpx.Client) -> None:
    response = client.post("/graphql", json={"query": ECHO, "variables": [1]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Variables must be a JSON object."


def test_non_json_content_type_gets_415(client: httpx.Client) -> None:
    response = client.post("/graphql", data={"query": ECHO})
    assert response.status_code == 415


def test_graphql_syntax_error_gets_400_with_location(client: httpx.Client) -> None:
    response = client.post("/graphql", json={"query": "query { echo("})
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["errorType"] == "InvalidSyntax"
    assert error["locations"] == [{"line": 1, "column": 14, "sourceName": None}]


def test_validation_error_gets_200_in_appsync_shape(client: httpx.Client) -> None:
    response = client.post("/graphql", json={"query": "{ badfield }"})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert set(error) == {"path", "data", "errorType", "errorInfo", "locations", "message"}
    assert error["errorType"] == "ValidationError"
    assert error["locations"] == [{"line": 1, "column": 3, "sourceName": None}]
    assert "badfield" in error["message"]


def test_variable_of_the_wrong_type_is_a_validation_error(client: httpx.Client) -> None:
    response = client.post(
        "/graphql",
        json={"query": "query($m: String) { echo(msg: $m) }", "variables": {"m": {"no": 1}}},
    )
    assert response.status_code == 200
    assert response.json()["errors"][0]["errorType"] == "ValidationError"


def test_method_not_allowed(client: httpx.Client) -> None:
    assert client.put("/graphql", json={"query": ECHO}).status_code == 405


def _limited_project(tmp_path: Path, limit: int) -> Path:
    project = open_sample(tmp_path / "api")
    settings = (project / "strawsync.yaml").read_text()
    return write_project(
        project, {"strawsync.yaml": settings + f"limits:\n  maxBodyBytes: {limit}\n"}
    )


def test_body_over_the_limit_gets_413(tmp_path: Path, logs_dir: Path) -> None:
    (tmp_path / "api").mkdir()
    project = _limited_project(tmp_path, 200)
    with serve(project, logs_dir) as server, httpx.Client(base_url=server.url) as http:
        padding = " " * 300
        big = http.post(
            "/graphql",
            content=('{"query": "' + ECHO.replace('"', '\\"') + padding + '"}').encode(),
            headers={"content-type": "application/json"},
        )
        assert big.status_code == 413
        assert big.json()["errors"][0]["errorType"] == "PayloadTooLargeException"

        def chunks() -> object:
            yield b'{"query": "'
            for _ in range(10):
                yield b" " * 50
            yield b'{ echo }"}'

        streamed = http.post(
            "/graphql", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413
        small = http.post("/graphql", json={"query": ECHO})
        assert small.status_code == 200


def test_default_body_limit_is_one_megabyte(sample_server: RunningServer) -> None:
    with httpx.Client(base_url=sample_server.url) as http:
        at_limit = b'{"query": "{ echo }", "pad": "' + b"x" * (1024 * 1024 - 32) + b'"}'
        assert len(at_limit) == 1024 * 1024
        assert (
            http.post(
                "/graphql", content=at_limit, headers={"content-type": "application/json"}
            ).status_code
            == 200
        )
        over = at_limit[:-2] + b'x"}'
        assert (
            http.post(
                "/graphql", content=over, headers={"content-type": "application/json"}
            ).status_code
            == 413
        )
