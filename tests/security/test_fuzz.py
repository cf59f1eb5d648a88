"""Property-based fuzzing of the sample API over HTTP, on DynamoDB Local.

Operations come from hypothesis-graphql, generated from the sample's schema (queries and
mutations with random arguments: valid ones, then invalid ones), and raw bodies from plain
Hypothesis. Whatever arrives, the server answers in AppSync's shape without a 5xx, a traceback
or a hang, and its log shows no unexpected traceback afterwards.

Bounded and deterministic for CI: a fixed number of examples, derandomized (no example
database), a client timeout per request and a wall-clock cap per run (examples past the cap
pass without a request).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from graphql import GraphQLSchema
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema

from app.schema.sdl import load_sdl
from tests.security.conftest import KeyedServer
from tests.support.server import REPO

EXAMPLES = 150
WALL_CLOCK_SECONDS = 60.0
CLIENT_TIMEOUT = 10.0
TRACEBACK_MARKERS = ("Traceback", 'File "', "site-packages", str(REPO))
CONTENT_TYPES = (
    "application/json",
    "application/graphql+json",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
)

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate, Phase.shrink),
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.data_too_large),
    print_blob=True,
)


def sample_schema() -> GraphQLSchema:
    """The sample's schema as the server builds it (AppSync scalars and directives included)."""
    result = load_sdl((REPO / "schema.graphql").read_text(encoding="utf-8"), "schema.graphql")
    assert result.schema is not None and not result.problems
    return result.schema


class WallClock:
    """Past `seconds` from its creation, `expired` is true: later examples send nothing."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.sent = 0

    @property
    def expired(self) -> bool:
        return time.monotonic() > self.end


@pytest.fixture(scope="module")
def fuzz_client(production_sample: KeyedServer) -> Iterator[httpx.Client]:
    with production_sample.client(timeout=CLIENT_TIMEOUT) as client:
        yield client


def assert_no_traceback(text: str) -> None:
    for marker in TRACEBACK_MARKERS:
        assert marker not in text, text[:2000]


def assert_appsync_shape(response: httpx.Response) -> dict[str, Any]:
    """No 5xx, a JSON object in AppSync's shape, typed errors, nothing internal."""
    assert response.status_code < 500, response.text[:2000]
    assert_no_traceback(response.text)
    body = response.json()
    assert isinstance(body, dict), body
    assert set(body) <= {"data", "errors"}, body
    if response.status_code == 200:
        assert "data" in body, body
        assert body["data"] is None or isinstance(body["data"], dict), body
    errors = body.get("errors")
    if response.status_code != 200:
        assert isinstance(errors, list) and errors, body
    if errors is None:
        return body
    assert isinstance(errors, list) and errors, body
    for error in errors:
        assert isinstance(error, dict), body
        assert isinstance(error.get("message"), str) and error["message"], error
        assert "errorType" in error, error
        assert error["errorType"] is None or isinstance(error["errorType"], str), error
        # A request-level or validation error always has a type; a field error has one
        # whenever a data source, template or auth rule raised it (AppSync's shape).
        if error.get("path") is None:
            assert error["errorType"], error
        # An unexpected exception inside the server is a bug, even masked.
        assert error["errorType"] != "InternalFailure", error
    return body


def new_log(keyed: KeyedServer, since: int) -> str:
    return keyed.server.log()[since:]


def test_generated_operations_keep_the_invariants(
    production_sample: KeyedServer, fuzz_client: httpx.Client
) -> None:
    """Valid queries and mutations from the schema: each answered 200 in AppSync's shape."""
    log_start = len(production_sample.server.log())
    clock = WallClock(WALL_CLOCK_SECONDS)

    @FUZZ
    @given(operation=from_schema(sample_schema(), allow_x00=False))
    def valid_operation(operation: str) -> None:
        if clock.expired:
            return
        clock.sent += 1
        response = fuzz_client.post("/graphql", json={"query": operation})
        assert response.status_code == 200, (operation, response.text[:2000])
        assert_appsync_shape(response)

    valid_operation()
    assert clock.sent >= 20, "the wall-clock cap left too few examples to mean anything"
    assert_no_traceback(new_log(production_sample, log_start))


def test_invalid_operations_get_typed_errors(
    production_sample: KeyedServer, fuzz_client: httpx.Client
) -> None:
    """Operations that break the schema (wrong types, unknown arguments): 200 or 400 with
    typed errors, never a 5xx."""
    log_start = len(production_sample.server.log())
    clock = WallClock(WALL_CLOCK_SECONDS)

    @FUZZ
    @given(operation=from_schema(sample_schema(), mode=Mode.NEGATIVE))
    def invalid_operation(operation: str) -> None:
        if clock.expired:
            return
        clock.sent += 1
        response = fuzz_client.post("/graphql", json={"query": operation})
        assert_appsync_shape(response)

    invalid_operation()
    assert_no_traceback(new_log(production_sample, log_start))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
REQUEST_LIKE = st.fixed_dictionaries(
    {"query": JSON_VALUES | st.text(max_size=200)},
    optional={"variables": JSON_VALUES, "operationName": JSON_VALUES, "extensions": JSON_VALUES},
)


def test_garbage_bodies_are_client_errors(
    production_sample: KeyedServer, fuzz_client: httpx.Client
) -> None:
    """Random bytes under any content type: always a 4xx with a typed error."""
    log_start = len(production_sample.server.log())
    clock = WallClock(WALL_CLOCK_SECONDS / 2)

    @FUZZ
    @given(body=st.binary(max_size=4096), content_type=st.sampled_from(CONTENT_TYPES))
    def garbage(body: bytes, content_type: str) -> None:
        if clock.expired:
            return
        clock.sent += 1
        headers = {"content-type": content_type} if content_type else {}
        response = fuzz_client.post("/graphql", content=body, headers=headers)
        assert 400 <= response.status_code < 500, (body, response.text[:2000])
        assert_appsync_shape(response)

    garbage()
    assert_no_traceback(new_log(production_sample, log_start))


def test_request_shaped_garbage_is_never_a_server_error(
    production_sample: KeyedServer, fuzz_client: httpx.Client
) -> None:
    """JSON that looks like a request but has any value anywhere: never a 5xx."""
    log_start = len(production_sample.server.log())
    clock = WallClock(WALL_CLOCK_SECONDS / 2)

    @FUZZ
    @given(payload=REQUEST_LIKE | JSON_VALUES)
    def request_shaped(payload: Any) -> None:
        if clock.expired:
            return
        clock.sent += 1
        content = json.dumps(payload).encode()
        response = fuzz_client.post(
            "/graphql", content=content, headers={"content-type": "application/json"}
        )
        assert_appsync_shape(response)

    request_shaped()
    assert_no_traceback(new_log(production_sample, log_start))
