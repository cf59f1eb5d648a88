"""graphql-cop's twelve checks, written from its published table (security.md section 1).

Each check sends the request graphql-cop sends and says whether the server is vulnerable to
it. Some are stricter than graphql-cop's own rule where that rule is known to be weak:
directive overloading must give one limit error whatever the number of directives (not "not
exactly 10 errors"), circular introspection must not run at all (not "more than 25 types"),
field suggestions are probed on the API's own types too, and unhandled errors must not show a
traceback anywhere in the body.

The production profile passes all twelve. The development profile keeps introspection, field
suggestions, GraphiQL and GET queries on for people trying the API, and fails exactly those
four: the test pins that difference so neither profile drifts unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.security.conftest import KeyedServer

COP_QUERY = "query cop { __typename }"
QUERY_ROOTS = {"Query", "QueryRoot", "query_root", "Root"}
IDE_MARKERS = ("graphiql.min.css", "GraphQL Playground", "GraphiQL", "graphql-playground")
IDE_PATHS = ("/", "/graphiql", "/playground", "/console", "/graphql")
TRACEBACK_MARKERS = ("Traceback", 'File "', "site-packages", "/app/")


@dataclass(frozen=True)
class Finding:
    vulnerable: bool
    evidence: str


Check = Callable[[httpx.Client], Finding]


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _post(client: httpx.Client, query: str) -> httpx.Response:
    return client.post("/graphql", json={"query": query, "operationName": "cop"})


def _data(body: Any) -> dict[str, Any]:
    data = body.get("data") if isinstance(body, dict) else None
    return data if isinstance(data, dict) else {}


def _errors(body: Any) -> list[Any]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return errors if isinstance(errors, list) else []


def _evidence(response: httpx.Response) -> str:
    return f"{response.request.method} {response.status_code}: {response.text[:300]}"


# ----------------------------------------------------------------------------- the checks


def alias_overloading(client: httpx.Client) -> Finding:
    """101 aliases of `__typename`: vulnerable when the last one is answered."""
    aliases = " ".join(f"alias{i}: __typename" for i in range(101))
    response = _post(client, f"query cop {{ {aliases} }}")
    return Finding(bool(_data(_body(response)).get("alias100")), _evidence(response))


def batch_query(client: httpx.Client) -> Finding:
    """A JSON array of 10 operations: vulnerable when 10 or more answers come back."""
    batch = [{"query": COP_QUERY, "operationName": "cop"}] * 10
    response = client.post("/graphql", json=batch)
    body = _body(response)
    return Finding(isinstance(body, list) and len(body) >= 10, _evidence(response))


def directive_overloading(client: httpx.Client, count: int = 60) -> Finding:
    """`__typename @aa@aa...`: anything but one limit error is per-directive work (stricter
    than graphql-cop's "exactly 10 errors", which an 11th, limit, error would satisfy)."""
    response = _post(client, "query cop { __typename " + "@aa" * count + " }")
    body = _body(response)
    one_error = len(_errors(body)) == 1 and "__typename" not in _data(body)
    return Finding(not one_error, _evidence(response))


def circular_query_introspection(client: httpx.Client) -> Finding:
    """A deeply nested `__schema` query: vulnerable when it runs at all (graphql-cop only
    flags it past 25 types, which a small schema never reaches)."""
    query = (
        "query cop { __schema { types { fields { type { fields { type { fields { type "
        "{ fields { type { name } } } } } } } } } } }"
    )
    response = _post(client, query)
    schema = _data(_body(response)).get("__schema")
    return Finding(isinstance(schema, dict) and bool(schema.get("types")), _evidence(response))


def introspection(client: httpx.Client) -> Finding:
    response = _post(client, "query cop { __schema { types { name fields { name } } } }")
    schema = _data(_body(response)).get("__schema")
    return Finding(isinstance(schema, dict) and bool(schema.get("types")), _evidence(response))


def field_suggestions(client: httpx.Client) -> Finding:
    """A misspelt field, on an introspection type (graphql-cop's probe) and on the API's own
    type: vulnerable when any message says "Did you mean"."""
    messages: list[str] = []
    evidence: list[str] = []
    for query in (
        "query cop { __schema { directive } }",
        'query cop { getEvent(id: "1") { nam } }',
    ):
        response = _post(client, query)
        messages += [str(e.get("message")) for e in _errors(_body(response)) if isinstance(e, dict)]
        evidence.append(_evidence(response))
    return Finding(any("Did you mean" in m for m in messages), " | ".join(evidence))


def detect_graphiql(client: httpx.Client) -> Finding:
    """GET with `Accept: text/html` on the usual IDE paths: vulnerable when an IDE answers."""
    for path in IDE_PATHS:
        response = client.get(path, headers={"Accept": "text/html"})
        if any(marker in response.text for marker in IDE_MARKERS):
            return Finding(True, f"{path}: {_evidence(response)}")
    return Finding(False, "no IDE page on " + ", ".join(IDE_PATHS))


def get_method_support(client: httpx.Client) -> Finding:
    response = client.get("/graphql", params={"query": "query cop {__typename}"})
    return Finding("__typename" in _data(_body(response)), _evidence(response))


def get_based_mutation(client: httpx.Client) -> Finding:
    response = client.get("/graphql", params={"query": "mutation cop {__typename}"})
    return Finding("__typename" in _data(_body(response)), _evidence(response))


def post_based_csrf(client: httpx.Client) -> Finding:
    """A form-urlencoded POST, which a browser sends cross-site without a preflight."""
    response = client.post("/graphql", data={"query": COP_QUERY})
    return Finding("__typename" in _data(_body(response)), _evidence(response))


def trace_mode(client: httpx.Client) -> Finding:
    response = _post(client, COP_QUERY)
    body = _body(response)
    errors = _errors(body)
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    extensions = body.get("extensions") if isinstance(body, dict) else None
    traced = (
        "tracing" in (first.get("extensions") or {})
        or (isinstance(extensions, dict) and "tracing" in extensions)
        or "'extensions': {'tracing':" in str(body)
    )
    return Finding(traced, _evidence(response))


def unhandled_error_detection(client: httpx.Client) -> Finding:
    """A syntax error: vulnerable when the answer carries the exception or a traceback."""
    response = _post(client, "qwerty cop { abc }")
    errors = _errors(_body(response))
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    leaked = "exception" in (first.get("extensions") or {}) or any(
        marker in response.text for marker in TRACEBACK_MARKERS
    )
    return Finding(leaked, _evidence(response))


CHECKS: dict[str, Check] = {
    check.__name__: check
    for check in (
        alias_overloading,
        batch_query,
        directive_overloading,
        circular_query_introspection,
        introspection,
        field_suggestions,
        detect_graphiql,
        get_method_support,
        get_based_mutation,
        post_based_csrf,
        trace_mode,
        unhandled_error_detection,
    )
}
DEVELOPMENT_FINDINGS = {
    "introspection",
    "field_suggestions",
    "detect_graphiql",
    "get_method_support",
}


def findings(keyed: KeyedServer) -> dict[str, Finding]:
    with keyed.client() as client:
        return {name: check(client) for name, check in CHECKS.items()}


# ---------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("profile", ["production_sample", "development_sample"])
def test_the_target_is_a_graphql_endpoint(profile: str, request: pytest.FixtureRequest) -> None:
    """graphql-cop's own precondition: without it every check would pass for nothing."""
    keyed: KeyedServer = request.getfixturevalue(profile)
    with keyed.client() as client:
        body = _body(_post(client, COP_QUERY))
    assert _data(body).get("__typename") in QUERY_ROOTS, body


@pytest.mark.parametrize("name", list(CHECKS))
def test_production_profile_passes(production_sample: KeyedServer, name: str) -> None:
    with production_sample.client() as client:
        finding = CHECKS[name](client)
    assert not finding.vulnerable, finding.evidence


def test_development_profile_fails_exactly_the_exposure_checks(
    development_sample: KeyedServer,
) -> None:
    """Introspection, suggestions, GraphiQL and GET queries stay on in development; every
    other check passes there too."""
    found = findings(development_sample)
    vulnerable = {name for name, finding in found.items() if finding.vulnerable}
    assert vulnerable == DEVELOPMENT_FINDINGS, {
        name: found[name].evidence for name in vulnerable ^ DEVELOPMENT_FINDINGS
    }


@pytest.mark.parametrize("count", [6, 60, 600])
def test_directive_overloading_is_one_limit_error(
    production_sample: KeyedServer, count: int
) -> None:
    """However many directives, one error naming the limit, with its type, and no data."""
    with production_sample.client() as client:
        response = _post(client, "query cop { __typename " + "@aa" * count + " }")
    body = _body(response)
    errors = _errors(body)
    assert len(errors) == 1, body
    assert "directive" in errors[0]["message"].lower(), body
    assert errors[0].get("errorType"), body
    assert body.get("data") is None, body


def test_get_mutation_is_refused_in_both_profiles(
    production_sample: KeyedServer, development_sample: KeyedServer
) -> None:
    for keyed in (production_sample, development_sample):
        with keyed.client() as client:
            response = client.get(
                "/graphql",
                params={
                    "query": 'mutation { createEvent(name: "n", when: "w", where: "w", '
                    'description: "d") { id } }'
                },
            )
        assert 400 <= response.status_code < 500, response.text
        assert _errors(_body(response))[0]["errorType"], response.text


INTERNAL_ADDRESS = re.compile(r"127\.0\.0\.1|localhost|\[::1\]|:\d{4,5}\b")
EXCEPTION_TEXT = ("Traceback", "Connect call failed", "ssl:default", "Errno", "aiohttp")


def _assert_no_internals(errors: list[Any]) -> None:
    for error in errors:
        message = str(error.get("message"))
        assert not INTERNAL_ADDRESS.search(message), error
        assert not any(marker in message for marker in EXCEPTION_TEXT), error
        assert error.get("errorType"), error


def test_data_source_failure_shows_no_internals(unreachable_store_sample: KeyedServer) -> None:
    """DynamoDB unreachable: each DynamoDB field fails with a typed error and no address or
    exception text; the other fields still resolve."""
    query = 'query { echo(msg: "still here") getEvent(id: "1") { id } listEvents { items { id } } }'
    mutation = 'mutation { createEvent(name: "n", when: "w", where: "w", description: "d") { id } }'
    with unreachable_store_sample.client(timeout=60.0) as client:
        read = client.post("/graphql", json={"query": query})
        write = client.post("/graphql", json={"query": mutation})
    assert read.status_code == 200, read.text
    body = read.json()
    assert body["data"] == {"echo": "still here", "getEvent": None, "listEvents": None}
    assert sorted(e["path"][0] for e in body["errors"]) == ["getEvent", "listEvents"]
    _assert_no_internals(body["errors"])
    assert write.status_code == 200, write.text
    assert write.json()["data"] == {"createEvent": None}
    _assert_no_internals(write.json()["errors"])
