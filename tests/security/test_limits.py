"""Every request limit at N and N+1, over HTTP and the WebSocket protocols, on a real server.

`limits_api` is a NONE-only API with small limits: depth 3, 2 aliases, 2 directives per
location, 8 fields, 4 resolvers per request. `nodes(count: n)` returns n nodes and every
`Node.child` has a resolver, so `{ nodes(count: n) { child { id } } }` runs 1 + n resolvers.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport

from tests.realtime.test_appsync_protocol import appsync, start_message
from tests.support.projects import open_sample, write_project
from tests.support.server import RunningServer, serve

WAIT = 10.0

SETTINGS = """\
name: Limits
dataSources:
  - name: Local
    type: NONE
limits:
  maxQueryDepth: 3
  maxAliases: 2
  maxDirectivesPerLocation: 2
  maxFields: 8
  maxResolversPerRequest: 4
"""

SCHEMA = """\
type Node {
  id: ID!
  name: String
  child: Node
}

type Ping {
  msg: String
  node: Node
}

type Query {
  echo(msg: String): String
  node(id: ID!): Node
  nodes(count: Int!): [Node]
}

type Mutation {
  ping(msg: String): Ping
}

type Subscription {
  onPing: Ping @aws_subscribe(mutations: ["ping"])
}
"""

UNIT = "kind: UNIT\ndataSource: Local\n"
RESULT = "$util.toJson($ctx.result)\n"

FILES = {
    "strawsync.yaml": SETTINGS,
    "schema.graphql": SCHEMA,
    "resolvers/Query.echo.yaml": UNIT,
    "mapping_templates/Query.echo.request.vtl": (
        '{"version": "2018-05-29", "payload": $util.toJson($ctx.args.msg)}\n'
    ),
    "mapping_templates/Query.echo.response.vtl": RESULT,
    "resolvers/Query.node.yaml": UNIT,
    "mapping_templates/Query.node.request.vtl": (
        '{"version": "2018-05-29", "payload": {"id": $util.toJson($ctx.args.id)}}\n'
    ),
    "mapping_templates/Query.node.response.vtl": RESULT,
    "resolvers/Query.nodes.yaml": UNIT,
    "mapping_templates/Query.nodes.request.vtl": (
        "#set($items = [])\n"
        "#foreach($i in [1..$ctx.args.count])\n"
        '$util.qr($items.add({"id": "n$i"}))\n'
        "#end\n"
        '{"version": "2018-05-29", "payload": $util.toJson($items)}\n'
    ),
    "mapping_templates/Query.nodes.response.vtl": RESULT,
    "resolvers/Node.child.yaml": UNIT,
    "mapping_templates/Node.child.request.vtl": (
        '{"version": "2018-05-29", "payload": {"id": "${ctx.source.id}-child"}}\n'
    ),
    "mapping_templates/Node.child.response.vtl": RESULT,
    "resolvers/Mutation.ping.yaml": UNIT,
    "mapping_templates/Mutation.ping.request.vtl": (
        '{"version": "2018-05-29", "payload": {"msg": $util.toJson($ctx.args.msg)}}\n'
    ),
    "mapping_templates/Mutation.ping.response.vtl": RESULT,
}

DEPTH_3 = '{ node(id: "a") { child { id } } }'
DEPTH_4 = '{ node(id: "a") { child { child { id } } } }'
DEPTH_4_IN_FRAGMENT = (
    '{ node(id: "a") { ...Deep } } fragment Deep on Node { child { child { id } } }'
)
RESOLVERS_4 = "{ nodes(count: 3) { child { id } } }"
RESOLVERS_5 = "{ nodes(count: 4) { child { id } } }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    project = write_project(tmp_path_factory.mktemp("limits"), FILES)
    with serve(project, tmp_path_factory.mktemp("limits-logs")) as running:
        yield running


@pytest.fixture(scope="module")
def api(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=WAIT) as http:
        yield http


def post(client: httpx.Client, query: str) -> dict[str, Any]:
    response = client.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refused(client: httpx.Client, query: str, error_type: str) -> dict[str, Any]:
    """The single error that refused `query`, with nothing executed."""
    body = post(client, query)
    assert body["data"] is None, body
    (error,) = body["errors"]
    assert error["errorType"] == error_type, error
    return dict(error)


# Query depth ----------------------------------------------------------------------------------


def test_depth_at_the_limit_runs(api: httpx.Client) -> None:
    assert post(api, DEPTH_3) == {"data": {"node": {"child": {"id": "a-child"}}}}


def test_depth_over_the_limit_is_refused(api: httpx.Client) -> None:
    error = refused(api, DEPTH_4, "QueryDepthLimitReached")
    assert error["message"] == "The query is 4 levels deep; the limit is 3."


def test_depth_counts_through_fragments(api: httpx.Client) -> None:
    refused(api, DEPTH_4_IN_FRAGMENT, "QueryDepthLimitReached")
    inline = '{ node(id: "a") { ... on Node { child { child { id } } } } }'
    refused(api, inline, "QueryDepthLimitReached")


def test_a_fragment_cycle_is_a_validation_error_not_a_hang(api: httpx.Client) -> None:
    body = post(
        api,
        '{ node(id: "a") { ...A } } fragment A on Node { child { ...B } }'
        " fragment B on Node { child { ...A } }",
    )
    assert body["data"] is None
    assert {error["errorType"] for error in body["errors"]} == {"ValidationError"}
    assert any("Cannot spread fragment" in error["message"] for error in body["errors"])


def test_introspection_is_not_counted_for_depth(api: httpx.Client) -> None:
    body = post(api, "{ __schema { types { fields { type { ofType { name } } } } } }")
    assert "errors" not in body, body
    assert body["data"]["__schema"]["types"]


# Aliases, directives, fields ----------------------------------------------------------------


def test_aliases_at_the_limit_run(api: httpx.Client) -> None:
    body = post(api, '{ a: echo(msg: "1") b: echo(msg: "2") }')
    assert body == {"data": {"a": "1", "b": "2"}}


def test_aliases_over_the_limit_are_refused_counting_each_spread(api: httpx.Client) -> None:
    error = refused(api, '{ a: echo(msg: "1") b: echo(msg: "2") c: echo }', "AliasLimitReached")
    assert error["message"] == "The document has 3 aliases; the limit is 2."
    spread_twice = '{ ...A ...A } fragment A on Query { a: echo(msg: "1") b: echo(msg: "2") }'
    refused(api, spread_twice, "AliasLimitReached")


def test_directives_at_the_limit_run(api: httpx.Client) -> None:
    body = post(api, '{ echo(msg: "d") @include(if: true) @skip(if: false) }')
    assert body == {"data": {"echo": "d"}}


def test_directives_over_the_limit_are_one_error(api: httpx.Client) -> None:
    query = '{ echo(msg: "d") @include(if: true) @skip(if: false) @include(if: true) }'
    error = refused(api, query, "DirectiveLimitReached")
    assert error["message"] == "3 directives on one location; the limit is 2."
    assert error["locations"] == [{"line": 1, "column": 3, "sourceName": None}]


def test_fields_at_the_limit_run(api: httpx.Client) -> None:
    query = '{ node(id: "a") { id name child { id name } } echo(msg: "f") __typename }'
    assert post(api, query)["data"]["echo"] == "f"


def test_fields_over_the_limit_are_refused_counting_each_spread(api: httpx.Client) -> None:
    query = '{ node(id: "a") { id name child { id name } } echo(msg: "f") __typename id: echo }'
    error = refused(api, query, "FieldLimitReached")
    assert error["message"] == "The document selects 9 fields; the limit is 8."
    doubled = '{ ...F ...F } fragment F on Query { echo __typename node(id: "a") { id name } }'
    refused(api, doubled, "FieldLimitReached")


def test_fragments_that_multiply_are_refused_cheaply(api: httpx.Client) -> None:
    """Each fragment spreads the next twice: 2^40 fields, measured without expanding them."""
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
    query = "{ ...F0 } " + fragments + " fragment F40 on Query { __typename }"
    error = refused(api, query, "FieldLimitReached")
    assert str(2**40) in error["message"]


# Resolvers per request ----------------------------------------------------------------------


def test_resolvers_at_the_limit_run(api: httpx.Client) -> None:
    body = post(api, RESOLVERS_4)
    assert body == {"data": {"nodes": [{"child": {"id": f"n{i}-child"}} for i in (1, 2, 3)]}}


def test_resolvers_over_the_limit_stop_the_request(api: httpx.Client) -> None:
    error = refused(api, RESOLVERS_5, "ResolverExecutionLimitReached")
    assert error["message"] == "The request invoked more than 4 resolvers; the limit is 4."


def test_the_resolver_count_is_per_request(api: httpx.Client) -> None:
    for _ in range(3):
        assert "errors" not in post(api, RESOLVERS_4)


# AppSync's defaults, on the sample ---------------------------------------------------------


def test_graphql_cops_directive_overloading_gets_one_error(client: httpx.Client) -> None:
    """graphql-cop flags exactly 10 errors; the default cap (5) answers one, and no
    directive is looked at one by one."""
    body = post(client, "query cop { __typename @aa@aa@aa@aa@aa@aa@aa@aa@aa@aa }")
    (error,) = body["errors"]
    assert error["errorType"] == "DirectiveLimitReached"


def test_graphql_cops_alias_overloading_is_refused(client: httpx.Client) -> None:
    aliases = " ".join(f"alias{i}: __typename" for i in range(101))
    body = post(client, f"query cop {{ {aliases} }}")
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["errorType"] == "AliasLimitReached"
    assert error["message"] == "The document has 101 aliases; the limit is 50."
    within = " ".join(f"alias{i}: __typename" for i in range(50))
    assert post(client, f"{{ {within} }}")["data"]["alias49"] == "Query"


# Finding 2, scaled down: the sample on DynamoDB Local, aliases of a list that fans out --------

FAN_OUT = "e%d: listEvents(limit: 5) { items { id comments(limit: 1) { items { content } } } }"


@pytest.fixture(scope="module")
def sample_with_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The sample with 5 events of one comment each, and at most 12 resolvers per request:
    each alias of FAN_OUT runs 1 + 5 resolvers."""
    project = open_sample(tmp_path_factory.mktemp("fan-out"))
    settings = project / "strawsync.yaml"
    settings.write_text(
        settings.read_text(encoding="utf-8") + "limits:\n  maxResolversPerRequest: 12\n",
        encoding="utf-8",
    )
    create = (
        'mutation($n: String!) { createEvent(name: $n, when: "w", where: "x",'
        ' description: "d") { id } }'
    )
    comment = (
        'mutation($id: ID!) { commentOnEvent(eventId: $id, content: "c",'
        ' createdAt: "2026-01-01T00:00:00Z") { commentId } }'
    )
    logs = tmp_path_factory.mktemp("fan-out-logs")
    with (
        serve(project, logs, ["--in-memory"], timeout=90) as running,
        httpx.Client(base_url=running.url, timeout=WAIT) as http,
    ):
        for n in range(5):
            made = http.post("/graphql", json={"query": create, "variables": {"n": str(n)}})
            event_id = made.json()["data"]["createEvent"]["id"]
            http.post("/graphql", json={"query": comment, "variables": {"id": event_id}})
        yield http


def test_a_fan_out_at_the_resolver_limit_runs(sample_with_data: httpx.Client) -> None:
    body = post(sample_with_data, "{ " + " ".join(FAN_OUT % i for i in range(2)) + " }")
    assert "errors" not in body, body
    for alias in ("e0", "e1"):
        items = body["data"][alias]["items"]
        assert len(items) == 5
        assert all(item["comments"]["items"] == [{"content": "c"}] for item in items)


def test_a_fan_out_one_resolver_over_the_limit_is_stopped(sample_with_data: httpx.Client) -> None:
    query = "{ " + " ".join(FAN_OUT % i for i in range(2)) + ' echo(msg: "one more") }'
    error = refused(sample_with_data, query, "ResolverExecutionLimitReached")
    assert "the limit is 12" in error["message"]
    many = "{ " + " ".join(FAN_OUT % i for i in range(40)) + " }"
    refused(sample_with_data, many, "ResolverExecutionLimitReached")


# The same limits over the WebSocket protocols ------------------------------------------------


def ws_url(server: RunningServer) -> str:
    return server.url.replace("http://", "ws://") + "/graphql"


@pytest.fixture
async def session(server: RunningServer) -> AsyncIterator[Any]:
    transport = WebsocketsTransport(
        url=ws_url(server), subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
    )
    async with Client(transport=transport) as opened:
        yield opened


async def ws_error(session: Any, query: str) -> dict[str, Any]:
    with pytest.raises(TransportQueryError) as raised:
        await asyncio.wait_for(session.execute(GraphQLRequest(query)), WAIT)
    assert raised.value.errors is not None
    (error,) = raised.value.errors
    return dict(error)


async def test_graphql_transport_ws_depth(session: Any) -> None:
    result = await asyncio.wait_for(session.execute(GraphQLRequest(DEPTH_3)), WAIT)
    assert result == {"node": {"child": {"id": "a-child"}}}
    error = await ws_error(session, DEPTH_4)
    assert error["extensions"]["errorType"] == "QueryDepthLimitReached"


async def test_graphql_transport_ws_resolver_count(session: Any) -> None:
    result = await asyncio.wait_for(session.execute(GraphQLRequest(RESOLVERS_4)), WAIT)
    assert len(result["nodes"]) == 3
    error = await ws_error(session, RESOLVERS_5)
    assert error["extensions"]["errorType"] == "ResolverExecutionLimitReached"


async def test_graphql_transport_ws_subscription_depth(session: Any) -> None:
    stream = session.subscribe(GraphQLRequest("subscription { onPing { node { child { id } } } }"))
    with pytest.raises(TransportQueryError) as raised:
        await asyncio.wait_for(anext(stream), WAIT)
    assert raised.value.errors is not None
    assert raised.value.errors[0]["extensions"]["errorType"] == "QueryDepthLimitReached"


async def test_appsync_socket_subscription_depth(server: RunningServer) -> None:
    async with appsync(server) as socket_:
        await socket_.send(start_message("ok", "subscription { onPing { node { id } } }"))
        assert await socket_.receive() == {"type": "start_ack", "id": "ok"}
        deep = "subscription { onPing { node { child { id } } } }"
        await socket_.send(start_message("deep", deep))
        message = await socket_.receive()
        assert message["type"] == "error" and message["id"] == "deep", message
        (error,) = message["payload"]["errors"]
        assert error["errorType"] == "QueryDepthLimitReached"


async def test_appsync_socket_aliases_and_directives(server: RunningServer) -> None:
    async with appsync(server) as socket_:
        aliased = "subscription { onPing { a: msg b: msg c: msg } }"
        await socket_.send(start_message("aliases", aliased))
        message = await socket_.receive()
        assert message["payload"]["errors"][0]["errorType"] == "AliasLimitReached", message
        directed = (
            "subscription { onPing { msg @include(if: true) @skip(if: false) @include(if: true) } }"
        )
        await socket_.send(start_message("directives", directed))
        message = await socket_.receive()
        assert message["payload"]["errors"][0]["errorType"] == "DirectiveLimitReached", message


# Request execution time ----------------------------------------------------------------------


TIMEOUT_SETTINGS = """\
name: Slow
dataSources:
  - name: Local
    type: NONE
  - name: Silent
    type: AMAZON_DYNAMODB
    config:
      tableName: Things
      region: us-east-1
      endpoint: http://127.0.0.1:{port}
limits:
  requestTimeoutSeconds: 1
"""

TIMEOUT_SCHEMA = """\
type Query {
  echo(msg: String): String
  slow(id: ID!): String
}
"""


@pytest.fixture(scope="module")
def silent_port() -> Iterator[int]:
    """A loopback listener that accepts connections and never answers: a data source call to
    it waits until the request's time runs out."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    for connection in held:
        connection.close()
    listener.close()


@pytest.fixture(scope="module")
def slow_server(
    tmp_path_factory: pytest.TempPathFactory, silent_port: int
) -> Iterator[RunningServer]:
    files = {
        "strawsync.yaml": TIMEOUT_SETTINGS.format(port=silent_port),
        "schema.graphql": TIMEOUT_SCHEMA,
        "resolvers/Query.echo.yaml": UNIT,
        "mapping_templates/Query.echo.request.vtl": FILES[
            "mapping_templates/Query.echo.request.vtl"
        ],
        "mapping_templates/Query.echo.response.vtl": RESULT,
        "resolvers/Query.slow.yaml": "kind: UNIT\ndataSource: Silent\n",
        "mapping_templates/Query.slow.request.vtl": (
            '{"version": "2017-02-28", "operation": "GetItem",'
            ' "key": {"id": $util.dynamodb.toDynamoDBJson($ctx.args.id)}}\n'
        ),
        "mapping_templates/Query.slow.response.vtl": RESULT,
    }
    project = write_project(tmp_path_factory.mktemp("slow"), files)
    with serve(project, tmp_path_factory.mktemp("slow-logs")) as running:
        yield running


def test_an_operation_within_the_time_limit_runs(slow_server: RunningServer) -> None:
    response = httpx.post(slow_server.graphql_url, json={"query": '{ echo(msg: "fast") }'})
    assert response.json() == {"data": {"echo": "fast"}}


def test_an_operation_over_the_time_limit_gets_execution_timeout(
    slow_server: RunningServer,
) -> None:
    response = httpx.post(
        slow_server.graphql_url, json={"query": '{ slow(id: "1") }'}, timeout=WAIT
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["errorType"] == "ExecutionTimeout"
    assert response.elapsed.total_seconds() < 5


async def test_graphql_transport_ws_queries_get_the_time_limit(slow_server: RunningServer) -> None:
    transport = WebsocketsTransport(
        url=ws_url(slow_server), subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL]
    )
    async with Client(transport=transport) as opened:
        error = await ws_error(opened, '{ slow(id: "1") }')
        assert error["extensions"]["errorType"] == "ExecutionTimeout"
        assert await opened.execute(GraphQLRequest('{ echo(msg: "after") }')) == {"echo": "after"}
