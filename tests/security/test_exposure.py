"""What an API shows beyond its data: introspection, field suggestions and GET queries, as the
`production` profile turns them off, and subscriptions refused over HTTP on any profile."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.projects import write_project
from tests.support.server import serve

SETTINGS = """\
name: Hardened
profile: production
dataSources:
  - name: Local
    type: NONE
"""

SCHEMA = """\
type Query {
  echo(msg: String): String
}

type Mutation {
  shout(msg: String): String
}

type Subscription {
  onShout: String @aws_subscribe(mutations: ["shout"])
}
"""

FILES = {
    "strawsync.yaml": SETTINGS,
    "schema.graphql": SCHEMA,
    "resolvers/Query.echo.yaml": "kind: UNIT\ndataSource: Local\n",
    "mapping_templates/Query.echo.request.vtl": (
        '{"version": "2018-05-29", "payload": $util.toJson($ctx.args.msg)}\n'
    ),
    "mapping_templates/Query.echo.response.vtl": "$util.toJson($ctx.result)\n",
}

SUBSCRIPTION = "subscription { onShout }"


@pytest.fixture(scope="module")
def hardened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    project = write_project(tmp_path_factory.mktemp("hardened"), FILES)
    logs = tmp_path_factory.mktemp("hardened-logs")
    with serve(project, logs) as server, httpx.Client(base_url=server.url, timeout=10.0) as http:
        yield http


def errors_of(client: httpx.Client, query: str) -> list[dict[str, object]]:
    response = client.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None, body
    errors: list[dict[str, object]] = body["errors"]
    return errors


# Introspection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("{ __schema { types { name fields { name } } } }", "__schema"),
        ('{ __type(name: "Query") { name } }', "__type"),
        ("query { echo ... on Query { __schema { queryType { name } } } }", "__schema"),
    ],
)
def test_introspection_off_is_a_validation_error(
    hardened: httpx.Client, query: str, field: str
) -> None:
    (error,) = errors_of(hardened, query)
    assert error["errorType"] == "ValidationError"
    assert error["message"] == (
        f"Validation error: introspection is disabled for this API; the field '{field}'"
        " is not available."
    )


def test_typename_still_works_without_introspection(hardened: httpx.Client) -> None:
    response = hardened.post("/graphql", json={"query": "query cop { __typename }"})
    assert response.json() == {"data": {"__typename": "Query"}}


def test_introspection_on_in_development(client: httpx.Client) -> None:
    response = client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
    assert response.json()["data"]["__schema"]["types"]


# Field suggestions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["{ ech }", '{ echo(mgs: "x") }', "query cop { __schema { directive } }", "{ Echo }"],
)
def test_no_suggestions_in_production(hardened: httpx.Client, query: str) -> None:
    errors = errors_of(hardened, query)
    assert errors
    for error in errors:
        assert "Did you mean" not in str(error["message"]), error


def test_suggestions_in_development(client: httpx.Client) -> None:
    response = client.post("/graphql", json={"query": "{ ech }"})
    (error,) = response.json()["errors"]
    assert error["message"] == "Cannot query field 'ech' on type 'Query'. Did you mean 'echo'?"


# GET -----------------------------------------------------------------------------------------


def test_get_queries_are_refused_when_off(hardened: httpx.Client) -> None:
    response = hardened.get("/graphql", params={"query": "query cop { __typename }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    (error,) = response.json()["errors"]
    assert error == {
        "errorType": "MalformedHttpRequestException",
        "message": "GET queries are disabled for this API; use POST.",
    }
    assert "data" not in response.json()


def test_get_mutations_are_refused_when_off(hardened: httpx.Client) -> None:
    response = hardened.get("/graphql", params={"query": 'mutation { shout(msg: "x") }'})
    assert response.status_code == 405


# Subscriptions over HTTP -----------------------------------------------------------------------


def test_a_subscription_over_post_is_unsupported(hardened: httpx.Client) -> None:
    response = hardened.post("/graphql", json={"query": SUBSCRIPTION})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "errorType": "UnsupportedOperation",
                "message": (
                    "Subscriptions are only supported over the real-time WebSocket endpoint."
                ),
            }
        ]
    }


def test_a_subscription_over_get_is_unsupported(client: httpx.Client) -> None:
    query = 'subscription { subscribeToEventComments(eventId: "e") { content } }'
    response = client.get("/graphql", params={"query": query})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["errorType"] == "UnsupportedOperation"


def test_a_mutation_over_get_keeps_its_405(client: httpx.Client) -> None:
    response = client.get("/graphql", params={"query": 'mutation { deleteEvent(id: "x") { id } }'})
    assert response.status_code == 405
    (error,) = response.json()["errors"]
    assert error["message"] == "Mutations are not allowed over GET; use POST."
