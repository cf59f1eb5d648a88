"""Subscription filtering end to end, over AppSync's real-time protocol (a raw `websockets`
client at `/graphql/realtime`), on `tests/projects/realtime_api`.

Every check that something is *not* delivered publishes the results that must be filtered
out first, then one that must get through, and asserts that the first frame the subscription
receives is the latter: frames of one subscription arrive in publish order, so no sleep is
needed to prove an absence.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections import defaultdict, deque
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from tests.support.server import RunningServer, serve

PROJECT = Path(__file__).parents[1] / "projects" / "realtime_api"
WAIT = 10.0  # seconds; a bound so a lost frame fails the test instead of hanging it

NESTED = "nested { label child { label child { label child { label child { label } } } } }"
ITEM = f"id owner group count price flag tags name {NESTED}"
PUT = f"mutation($input: ItemInput!) {{ putItem(input: $input) {{ {ITEM} }} }}"
ON_FILTERED = "subscription($filter: AWSJSON!) { onFiltered(filter: $filter) { id } }"
ON_WHERE = "subscription($where: AWSJSON!) { onWhere(where: $where) { id } }"
ON_GROUP = "subscription($group: String!) { onGroup(group: $group) { id group } }"
CLOSE_GROUP = "mutation($group: String!) { closeGroup(group: $group) { id group } }"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with serve(PROJECT, tmp_path_factory.mktemp("logs"), ["--in-memory"]) as running:
        yield running


@pytest.fixture(scope="module")
async def http(server: RunningServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=WAIT) as client:
        yield client


def _base64_json(value: object) -> str:
    return base64.b64encode(orjson.dumps(value)).decode()


class AppSyncSocket:
    """A raw AppSync real-time client; frames are sorted by subscription id as they arrive."""

    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket
        self._frames: defaultdict[str | None, deque[dict[str, Any]]] = defaultdict(deque)

    async def frame(self, operation_id: str | None) -> dict[str, Any]:
        """The next frame (other than `ka`) carrying `operation_id`."""
        async with asyncio.timeout(WAIT):
            while not self._frames[operation_id]:
                message = orjson.loads(await self.websocket.recv())
                if message["type"] != "ka":
                    self._frames[message.get("id")].append(message)
        return self._frames[operation_id].popleft()

    async def start(
        self, operation_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Send `start`; return the answer to it (`start_ack` or `error`)."""
        data = orjson.dumps({"query": query, "variables": variables or {}}).decode()
        start = {"id": operation_id, "type": "start", "payload": {"data": data, "extensions": {}}}
        await self.websocket.send(orjson.dumps(start).decode())
        return await self.frame(operation_id)

    async def subscribe(
        self, operation_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        answer = await self.start(operation_id, query, variables)
        assert answer == {"type": "start_ack", "id": operation_id}, answer

    async def item(self, operation_id: str) -> dict[str, Any]:
        """The value of the next `data` frame of a subscription."""
        message = await self.frame(operation_id)
        assert message["type"] == "data", message
        assert "errors" not in message["payload"], message
        (value,) = message["payload"]["data"].values()
        assert isinstance(value, dict)
        return value

    async def item_id(self, operation_id: str) -> str:
        item_id: str = (await self.item(operation_id))["id"]
        return item_id


@asynccontextmanager
async def appsync_socket(server: RunningServer) -> AsyncIterator[AppSyncSocket]:
    host = server.url.removeprefix("http://")
    header, payload = _base64_json({"host": host}), _base64_json({})
    url = f"ws://{host}/graphql/realtime?header={header}&payload={payload}"
    async with connect(url, subprotocols=[Subprotocol("graphql-ws")]) as websocket:
        socket = AppSyncSocket(websocket)
        await websocket.send('{"type":"connection_init"}')
        assert (await socket.frame(None))["type"] == "connection_ack"
        yield socket


async def put(http: httpx.AsyncClient, item_id: str, **fields: Any) -> None:
    """`putItem` with every field selected, so every field is published."""
    variables = {"input": {"id": item_id, **fields}}
    body = (await http.post("/graphql", json={"query": PUT, "variables": variables})).json()
    assert "errors" not in body, body
    assert body["data"]["putItem"]["id"] == item_id


async def first_delivered(
    server: RunningServer,
    http: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any],
    misses: list[dict[str, Any]],
    hit: dict[str, Any],
) -> str:
    """Subscribe, publish each of `misses` (ids `miss-N`) and then `hit` (id `hit`), and
    return the id of the first item the subscription receives."""
    async with appsync_socket(server) as socket:
        await socket.subscribe("s", query, variables)
        for n, fields in enumerate(misses):
            await put(http, f"miss-{n}", **fields)
        await put(http, "hit", **hit)
        return await socket.item_id("s")


def one(field: str, op: str, value: object) -> dict[str, Any]:
    return {"filterGroup": [{"filters": [{"fieldName": field, "operator": op, "value": value}]}]}


def filtered(document: dict[str, Any]) -> dict[str, Any]:
    return {"filter": orjson.dumps(document).decode()}


# Argument filtering ---------------------------------------------------------------------------


async def test_without_arguments_every_result_is_delivered(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    async with appsync_socket(server) as socket:
        await socket.subscribe("s", "subscription { onItem { id owner } }")
        await put(http, "first", owner="alice")
        await put(http, "second")
        assert await socket.item("s") == {"id": "first", "owner": "alice"}
        assert await socket.item("s") == {"id": "second", "owner": None}


# query, variables, results filtered out, result delivered
ARGUMENT_CASES: dict[str, tuple[str, dict[str, Any], list[dict[str, Any]], dict[str, Any]]] = {
    "one argument": (
        'subscription { onItem(owner: "alice") { id } }',
        {},
        [{"owner": "bob"}, {"owner": "Alice"}, {}],
        {"owner": "alice"},
    ),
    "explicit null matches only null": (
        "subscription { onItem(owner: null) { id } }",
        {},
        [{"owner": "alice"}, {"owner": ""}],
        {"group": "g"},
    ),
    "null through a variable": (
        "subscription($owner: String) { onItem(owner: $owner) { id } }",
        {"owner": None},
        [{"owner": "alice"}],
        {},
    ),
    "an omitted variable does not filter": (
        "subscription($owner: String) { onItem(owner: $owner) { id } }",
        {},
        [],
        {"owner": "anyone"},
    ),
    "arguments are AND-ed": (
        'subscription { onItem(owner: "alice", group: "g1") { id } }',
        {},
        [{"owner": "alice", "group": "g2"}, {"owner": "bob", "group": "g1"}, {"owner": "alice"}],
        {"owner": "alice", "group": "g1"},
    ),
    "an ID argument equals an Int field": (
        "subscription($count: ID) { onItem(count: $count) { id } }",
        {"count": "7"},
        [{"count": 8}, {"count": 70}, {}],
        {"count": 7},
    ),
    "false is not null": (
        "subscription { onItem(flag: false) { id } }",
        {},
        [{"flag": True}, {}],
        {"flag": False},
    ),
}


@pytest.mark.parametrize("case", ARGUMENT_CASES.values(), ids=ARGUMENT_CASES.keys())
async def test_argument_filter(
    server: RunningServer,
    http: httpx.AsyncClient,
    case: tuple[str, dict[str, Any], list[dict[str, Any]], dict[str, Any]],
) -> None:
    query, variables, misses, hit = case
    assert await first_delivered(server, http, query, variables, misses, hit) == "hit"


async def test_arguments_named_info_and_root_filter_like_any_other(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    query = 'subscription { onNamed(info: null, root: null, owner: "alice") { id } }'
    assert (
        await first_delivered(server, http, query, {}, [{"owner": "bob"}], {"owner": "alice"})
        == "hit"
    )


async def test_an_id_variable_beyond_64_bits_stays_exact(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    """JSON numbers of any size are exact in a `start`'s data (an ID sent as a number)."""
    big = 2**70 + 1  # not a float: parsing it as one would change it
    data = json.dumps(
        {"query": "subscription($id: ID) { onItem(id: $id) { id } }", "variables": {"id": big}}
    )
    async with appsync_socket(server) as socket:
        start = {"id": "s", "type": "start", "payload": {"data": data, "extensions": {}}}
        await socket.websocket.send(json.dumps(start))
        assert await socket.frame("s") == {"type": "start_ack", "id": "s"}
        await put(http, str(big + 1))
        await put(http, str(big))
        assert await socket.item_id("s") == str(big)


async def test_an_id_argument_is_compared_as_serialized(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    """`onItem(id: 42)` is coerced to the ID "42", which the published result carries."""
    async with appsync_socket(server) as socket:
        await socket.subscribe("s", "subscription { onItem(id: 42) { id } }")
        for item_id in ("41", "042", "42"):
            await put(http, item_id)
        assert await socket.item_id("s") == "42"


async def test_a_field_the_mutation_did_not_select_is_not_there_to_match(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    """Filters see the result as the mutation selected it, as on AppSync: a mutation that
    does not select `owner` never reaches `onItem(owner: ...)`."""
    async with appsync_socket(server) as socket:
        await socket.subscribe("s", 'subscription { onItem(owner: "alice") { id owner name } }')
        response = await http.post(
            "/graphql",
            json={"query": 'mutation { putItem(input: {id: "bare", owner: "alice"}) { id } }'},
        )
        assert response.json() == {"data": {"putItem": {"id": "bare"}}}
        thin = 'mutation { putItem(input: {id: "thin", owner: "alice", name: "n"}) { id owner } }'
        response = await http.post("/graphql", json={"query": thin})
        assert response.json() == {"data": {"putItem": {"id": "thin", "owner": "alice"}}}
        # `name` was not selected by the mutation: the subscriber gets null for it.
        assert await socket.item("s") == {"id": "thin", "owner": "alice", "name": None}


# Enhanced filters: every operator -------------------------------------------------------------

# filter document, results filtered out, result delivered
OPERATOR_CASES: dict[str, tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]] = {
    "eq string": (
        one("owner", "eq", "alice"),
        [{"owner": "Alice"}, {"owner": "alicex"}, {}],
        {"owner": "alice"},
    ),
    "eq number": (one("count", "eq", 3), [{"count": 4}, {}], {"count": 3}),
    "eq float": (one("price", "eq", 2.5), [{"price": 2.0}], {"price": 2.5}),
    "eq boolean": (one("flag", "eq", False), [{"flag": True}, {}], {"flag": False}),
    "ne": (one("owner", "ne", "alice"), [{"owner": "alice"}], {"owner": "bob"}),
    "ne boolean": (one("flag", "ne", True), [{"flag": True}], {"flag": False}),
    "le": (one("count", "le", 5), [{"count": 6}, {}], {"count": 5}),
    "lt": (one("count", "lt", 5), [{"count": 5}, {"count": 6}], {"count": 4}),
    "ge": (one("price", "ge", 2.5), [{"price": 2.4}, {}], {"price": 2.5}),
    "gt": (one("price", "gt", 2.5), [{"price": 2.5}], {"price": 2.6}),
    "lt string, code point order": (
        one("name", "lt", "m"),
        [{"name": "m"}, {"name": "z"}],
        {"name": "Zebra"},
    ),
    "gt string, case-sensitive": (
        one("name", "gt", "a"),
        [{"name": "B"}, {"name": "a"}],
        {"name": "b"},
    ),
    "contains substring": (
        one("name", "contains", "ell"),
        [{"name": "world"}, {"name": "ELL"}, {}],
        {"name": "hello"},
    ),
    "contains list member": (
        one("tags", "contains", "red"),
        [{"tags": ["blue", "reddish"]}, {"tags": []}],
        {"tags": ["blue", "red"]},
    ),
    "notContains substring": (one("name", "notContains", "x"), [{"name": "box"}], {"name": "bag"}),
    "notContains list member": (
        one("tags", "notContains", "red"),
        [{"tags": ["red", "blue"]}],
        {"tags": ["blue"]},
    ),
    "beginsWith": (
        one("name", "beginsWith", "pre"),
        [{"name": "apre"}, {"name": "Prefix"}, {}],
        {"name": "prefix"},
    ),
    "in strings": (one("owner", "in", ["a", "b"]), [{"owner": "c"}, {}], {"owner": "b"}),
    "in numbers": (one("count", "in", [1, 2, 3]), [{"count": 4}], {"count": 2}),
    "notIn": (one("owner", "notIn", ["a", "b"]), [{"owner": "a"}, {"owner": "b"}], {"owner": "c"}),
    "between numbers": (
        one("count", "between", [2, 4]),
        [{"count": 1}, {"count": 5}, {}],
        {"count": 3},
    ),
    "between floats": (
        one("price", "between", [1.5, 2.5]),
        [{"price": 2.6}, {"price": 1.4}],
        {"price": 2.0},
    ),
    "containsAny": (
        one("tags", "containsAny", ["red", "green"]),
        [{"tags": ["blue"]}, {"tags": ["reddish", "Green"]}, {}],
        {"tags": ["blue", "green"]},
    ),
    "dotted path": (
        one("nested.child.label", "eq", "deep"),
        [{"nested": {"label": "deep"}}, {"nested": {"child": {"label": "shallow"}}}, {}],
        {"nested": {"label": "top", "child": {"label": "deep"}}},
    ),
    "dotted path, five levels": (
        one("nested.child.child.child.label", "eq", "x"),
        [{"nested": {"child": {"child": {"label": "x"}}}}],
        {"nested": {"child": {"child": {"child": {"label": "x"}}}}},
    ),
    "AND within a group": (
        {
            "filterGroup": [
                {
                    "filters": [
                        {"fieldName": "owner", "operator": "eq", "value": "alice"},
                        {"fieldName": "count", "operator": "gt", "value": 1},
                    ]
                }
            ]
        },
        [{"owner": "alice", "count": 1}, {"owner": "bob", "count": 2}, {"owner": "alice"}],
        {"owner": "alice", "count": 2},
    ),
}


@pytest.mark.parametrize("case", OPERATOR_CASES.values(), ids=OPERATOR_CASES.keys())
async def test_enhanced_filter(
    server: RunningServer,
    http: httpx.AsyncClient,
    case: tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]],
) -> None:
    document, misses, hit = case
    delivered = await first_delivered(server, http, ON_FILTERED, filtered(document), misses, hit)
    assert delivered == "hit"


async def test_filter_groups_are_or_ed(server: RunningServer, http: httpx.AsyncClient) -> None:
    document = {
        "filterGroup": [
            {"filters": [{"fieldName": "owner", "operator": "eq", "value": "alice"}]},
            {"filters": [{"fieldName": "count", "operator": "ge", "value": 10}]},
        ]
    }
    async with appsync_socket(server) as socket:
        await socket.subscribe("s", ON_FILTERED, filtered(document))
        await put(http, "neither", owner="bob", count=9)
        await put(http, "first group", owner="alice", count=1)
        await put(http, "second group", owner="bob", count=10)
        await put(http, "both", owner="alice", count=11)
        assert [await socket.item_id("s") for _ in range(3)] == [
            "first group",
            "second group",
            "both",
        ]


async def test_a_path_deeper_than_five_levels_is_ignored(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    """AppSync ignores filters on more than five levels: the filter lets everything through."""
    document = one("nested.child.child.child.child.label", "eq", "never")
    delivered = await first_delivered(server, http, ON_FILTERED, filtered(document), [], {})
    assert delivered == "hit"


async def test_an_enhanced_filter_replaces_argument_filtering(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    """`owner: "alice"` (and the `filter` argument itself) filter nothing once the resolver
    has set an enhanced filter."""
    query = 'subscription($filter: AWSJSON!) { onFiltered(filter: $filter, owner: "alice") { id } }'
    variables = filtered(one("group", "eq", "g1"))
    misses = [{"owner": "alice", "group": "g2"}]
    hit = {"owner": "bob", "group": "g1"}
    assert await first_delivered(server, http, query, variables, misses, hit) == "hit"


async def test_to_subscription_filter_expands_and_or(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    """`$util.transform.toSubscriptionFilter`: fields AND-ed, `or` alternatives OR-ed."""
    where = {"owner": {"eq": "alice"}, "or": [{"count": {"lt": 2}}, {"count": {"gt": 8}}]}
    async with appsync_socket(server) as socket:
        await socket.subscribe("s", ON_WHERE, {"where": orjson.dumps(where).decode()})
        await put(http, "middle", owner="alice", count=5)
        await put(http, "not alice", owner="bob", count=1)
        await put(http, "high", owner="alice", count=9)
        await put(http, "low", owner="alice", count=1)
        assert [await socket.item_id("s"), await socket.item_id("s")] == ["high", "low"]


async def test_to_subscription_filter_or_s_operators_of_one_field(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    """The documented `{"percentageUp": {"lte": .., "gte": ..}}` shape: either bound holds."""
    where = {"price": {"lte": 1.0, "gte": 9.0}}
    async with appsync_socket(server) as socket:
        await socket.subscribe("s", ON_WHERE, {"where": orjson.dumps(where).decode()})
        await put(http, "inside", price=5.0)
        await put(http, "above", price=9.5)
        await put(http, "below", price=0.5)
        assert [await socket.item_id("s"), await socket.item_id("s")] == ["above", "below"]


# Enhanced filters: AppSync's limits -----------------------------------------------------------


def groups(count: int) -> dict[str, Any]:
    group = {"filters": [{"fieldName": "owner", "operator": "eq", "value": "a"}]}
    return {"filterGroup": [group] * count}


def fields(count: int) -> dict[str, Any]:
    filters = [{"fieldName": f"f{n}", "operator": "eq", "value": 1} for n in range(count)]
    return {"filterGroup": [{"filters": filters}]}


def expanded_in(groups_of_four: int) -> dict[str, Any]:
    group = {"filters": [{"fieldName": "count", "operator": "in", "value": [1, 2, 3, 4]}]}
    return {"filterGroup": [group] * groups_of_four}


# filter document, what the error message says
REFUSED_FILTERS: dict[str, tuple[dict[str, Any], str]] = {
    "in: 6 values": (one("owner", "in", list("abcdef")), "'in' takes a list of at most 5 values"),
    "notIn: 6 values": (one("owner", "notIn", list("abcdef")), "'notIn' takes a list of at most 5"),
    "containsAny: 21 values": (
        one("tags", "containsAny", [str(n) for n in range(21)]),
        "'containsAny' takes a list of at most 20 values",
    ),
    "11 groups": (groups(11), "at most 10 filters per filterGroup"),
    "12 alternatives once `in` is expanded": (expanded_in(3), "at most 10 filters per filterGroup"),
    "6 fields in a group": (fields(6), "at most 5 fields per filter group"),
    "a field name of 257 characters": (one("x" * 257, "eq", 1), "field names must be 1 to 256"),
    "an unknown operator": (one("owner", "equals", "a"), "unsupported operator 'equals'"),
    "operators are case-sensitive": (one("owner", "EQ", "a"), "unsupported operator 'EQ'"),
    "between with three values": (
        one("count", "between", [1, 2, 3]),
        "'between' takes a list of two",
    ),
    "no filterGroup": ({"filters": []}, 'the filter must be a map with a "filterGroup" list'),
}


@pytest.mark.parametrize("case", REFUSED_FILTERS.values(), ids=REFUSED_FILTERS.keys())
async def test_a_filter_over_the_limits_refuses_the_subscription(
    server: RunningServer, case: tuple[dict[str, Any], str]
) -> None:
    document, message = case
    async with appsync_socket(server) as socket:
        answer = await socket.start("s", ON_FILTERED, filtered(document))
    assert answer["type"] == "error" and answer["id"] == "s", answer
    (error,) = answer["payload"]["errors"]
    assert error["errorType"] == "MappingTemplate"
    assert error["message"].startswith("$extensions.setSubscriptionFilter: "), error
    assert message in error["message"], error
    assert error["path"] == ["onFiltered"]


ACCEPTED_AT_THE_LIMIT: dict[str, dict[str, Any]] = {
    "in: 5 values": one("owner", "in", list("abcde")),
    "containsAny: 20 values": one("tags", "containsAny", [str(n) for n in range(20)]),
    "10 groups": groups(10),
    "5 fields in a group": fields(5),
    "a field name of 256 characters": one("x" * 256, "eq", 1),
}


@pytest.mark.parametrize(
    "document", ACCEPTED_AT_THE_LIMIT.values(), ids=ACCEPTED_AT_THE_LIMIT.keys()
)
async def test_a_filter_at_the_limits_is_accepted(
    server: RunningServer, document: dict[str, Any]
) -> None:
    async with appsync_socket(server) as socket:
        await socket.subscribe("s", ON_FILTERED, filtered(document))


# Invalidation ---------------------------------------------------------------------------------


async def close_group(http: httpx.AsyncClient, group: str) -> None:
    response = await http.post(
        "/graphql", json={"query": CLOSE_GROUP, "variables": {"group": group}}
    )
    assert response.json() == {"data": {"closeGroup": {"id": "closed", "group": group}}}


async def test_invalidation_completes_only_the_matching_subscriptions(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    async with appsync_socket(server) as first, appsync_socket(server) as second:
        await first.subscribe("closed", ON_GROUP, {"group": "ga"})
        await first.subscribe("items", 'subscription { onItem(group: "ga") { id } }')
        await second.subscribe("kept", ON_GROUP, {"group": "gb"})

        await close_group(http, "ga")
        assert await first.frame("closed") == {"type": "complete", "id": "closed"}

        await put(http, "after", group="ga")
        await put(http, "for b", group="gb")
        # The socket stays open for its other subscription, which invalidation does not touch.
        assert await first.item_id("items") == "after"
        # `gb` matched neither the invalidation filter nor `closeGroup`'s payload.
        assert await second.item("kept") == {"id": "for b", "group": "gb"}

        # The completed subscription got nothing more; its id may be reused.
        await first.subscribe("closed", ON_GROUP, {"group": "ga"})
        await put(http, "again", group="ga")
        assert await first.item_id("closed") == "again"


async def test_invalidating_the_last_subscription_closes_the_socket(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    async with appsync_socket(server) as socket:
        await socket.subscribe("a", ON_GROUP, {"group": "gc"})
        await socket.subscribe("b", ON_GROUP, {"group": "gc"})

        await close_group(http, "gc")

        frames = [await socket.frame("a"), await socket.frame("b")]
        assert frames == [{"type": "complete", "id": "a"}, {"type": "complete", "id": "b"}]
        with pytest.raises(ConnectionClosed) as closed:
            await socket.frame(None)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1000, "Subscription complete.")


# A subscription resolver refusing ------------------------------------------------------------

ON_GUARDED = "subscription($owner: String!) { onGuarded(owner: $owner) { id owner } }"


async def test_the_resolver_can_refuse_a_subscription(
    server: RunningServer, http: httpx.AsyncClient
) -> None:
    async with appsync_socket(server) as socket:
        refused = await socket.start("s", ON_GUARDED, {"owner": "mallory"})
        assert refused["type"] == "error" and refused["id"] == "s", refused
        (error,) = refused["payload"]["errors"]
        assert error["errorType"] == "Unauthorized"
        assert error["message"] == "Not Authorized to access onGuarded on type Subscription"
        assert error["path"] == ["onGuarded"]

        failed = await socket.start("t", ON_GUARDED, {"owner": "broken"})
        assert failed["type"] == "error", failed
        (error,) = failed["payload"]["errors"]
        assert (error["errorType"], error["message"]) == ("GuardFailed", "The guard failed.")

        # The socket stays usable, and a refused id was never taken.
        await socket.subscribe("s", ON_GUARDED, {"owner": "alice"})
        await put(http, "for mallory", owner="mallory")
        await put(http, "for alice", owner="alice")
        assert await socket.item("s") == {"id": "for alice", "owner": "alice"}
