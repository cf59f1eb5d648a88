"""A user pool's `defaultAction`, as AppSync applies it.

With `defaultAction: DENY` (the user pool the default and only mode) a root field that carries
no auth directive is refused to everyone; only the fields `@aws_auth(cognito_groups: [...])`
grants can be read, by users in one of those groups. With `ALLOW` the same fields are open to
every user of the pool. AppSync refuses DENY once there are additional providers.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from app.auth.base import Principal
from app.auth.directives import field_rules
from app.definition.loader import load_definition
from app.definition.model import AuthType
from app.problems import DefinitionError
from app.schema.sdl import load_sdl
from app.templates.vtl import VtlEngine
from tests.auth.support_jwt import TestKey, cognito_claims, jwks, make_key, token
from tests.support.projects import write_project
from tests.support.server import RunningServer, serve
from tests.support.sockets import receive

COGNITO, API_KEY = AuthType.AMAZON_COGNITO_USER_POOLS, AuthType.API_KEY
REGION = "us-east-1"
POOL_ID = "us-east-1_DenyPool"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
WAIT = 10.0  # seconds; bounds every wait
APPSYNC = Subprotocol("graphql-ws")
TRANSPORT_WS = Subprotocol("graphql-transport-ws")

SCHEMA = """\
type Note {
  id: ID!
  text: String
}

type Query {
  open: String
  adminNote: String @aws_auth(cognito_groups: ["Admins"])
  anyUser: String @aws_cognito_user_pools
  note: Note @aws_auth(cognito_groups: ["Admins", "Readers"])
}

type Mutation {
  post(id: ID!, text: String!): Note @aws_auth(cognito_groups: ["Admins"])
  postOpen(id: ID!, text: String!): Note
}

type Subscription {
  onAdmin: Note @aws_auth(cognito_groups: ["Admins"]) @aws_subscribe(mutations: ["post"])
  onAny: Note @aws_subscribe(mutations: ["post"])
}
"""


def settings(action: str) -> str:
    return f"""\
name: DenyApi
authentication:
  default:
    type: AMAZON_COGNITO_USER_POOLS
    userPoolId: {POOL_ID}
    awsRegion: {REGION}
    defaultAction: {action}
    jwksFile: jwt/cognito.json
dataSources:
  - name: Local
    type: NONE
"""


def _files(action: str, key: TestKey) -> dict[str, str]:
    constant = '{"version": "2018-05-29", "payload": "%s"}\n'
    files = {
        "strawsync.yaml": settings(action),
        "schema.graphql": SCHEMA,
        "jwt/cognito.json": json.dumps(jwks(key)),
    }
    for field in ("open", "adminNote", "anyUser"):
        files[f"resolvers/Query.{field}.yaml"] = "dataSource: Local\n"
        files[f"mapping_templates/Query.{field}.request.vtl"] = constant % f"{field}-value"
        files[f"mapping_templates/Query.{field}.response.vtl"] = "$util.toJson($ctx.result)\n"
    files["resolvers/Query.note.yaml"] = "dataSource: Local\n"
    files["mapping_templates/Query.note.request.vtl"] = (
        '{"version": "2018-05-29", "payload": {"id": "n1", "text": "hello"}}\n'
    )
    files["mapping_templates/Query.note.response.vtl"] = "$util.toJson($ctx.result)\n"
    for field in ("post", "postOpen"):
        files[f"resolvers/Mutation.{field}.yaml"] = "dataSource: Local\n"
        files[f"mapping_templates/Mutation.{field}.request.vtl"] = (
            '{"version": "2018-05-29", "payload": $util.toJson($ctx.args)}\n'
        )
        files[f"mapping_templates/Mutation.{field}.response.vtl"] = "$util.toJson($ctx.result)\n"
    return files


def unauthorized(field: str, type_name: str) -> tuple[str, str]:
    return ("Unauthorized", f"Not Authorized to access {field} on type {type_name}")


# The rules ------------------------------------------------------------------------------------


def test_deny_refuses_root_fields_without_a_directive_and_keeps_what_directives_grant() -> None:
    loaded = load_sdl(SCHEMA, "schema.graphql")
    assert loaded.schema is not None, loaded.problems
    deny = field_rules(loaded.schema, COGNITO, frozenset({COGNITO}), default_denies=True)
    allow = field_rules(loaded.schema, COGNITO, frozenset({COGNITO}))
    admin, reader, nobody = (
        Principal(COGNITO, groups=frozenset(groups)) for groups in (["Admins"], ["Readers"], [])
    )
    for principal in (admin, reader, nobody):
        assert not deny.allows("Query", "open", principal)
        assert not deny.allows("Mutation", "postOpen", principal)
        assert not deny.allows("Subscription", "onAny", principal)
        assert allow.allows("Query", "open", principal)
        # @aws_cognito_user_pools without groups grants every user of the pool
        assert deny.allows("Query", "anyUser", principal)
        # the default action governs root fields: a nested field follows its type's rule
        assert deny.allows("Note", "text", principal)
    # a group listed by @aws_auth is what grants a field, whatever the default action
    for rules in (deny, allow):
        assert rules.allows("Query", "adminNote", admin)
        assert not rules.allows("Query", "adminNote", reader)
        assert rules.allows("Query", "note", reader)
        assert not rules.allows("Query", "note", nobody)
    assert not deny.open_to_all("Query", "open")  # checked on every request


def _load(tmp_path: Path, settings_text: str) -> None:
    project = write_project(
        tmp_path / "api", {"schema.graphql": SCHEMA, "strawsync.yaml": settings_text}
    )
    load_definition(project, VtlEngine())


def test_deny_is_accepted_when_the_pool_is_the_only_mode(tmp_path: Path) -> None:
    _load(tmp_path, settings("DENY"))


def test_deny_with_additional_providers_is_refused_as_on_appsync(tmp_path: Path) -> None:
    additional = "  additional:\n    - type: API_KEY\n"
    text = settings("DENY").replace("dataSources:", additional + "dataSources:")
    with pytest.raises(DefinitionError) as raised:
        _load(tmp_path, text)
    assert (
        "'defaultAction' must be ALLOW when there are additional authentication providers"
        in raised.value.report()
    )
    # ALLOW with the same additional provider is fine
    _load(tmp_path, settings("ALLOW").replace("dataSources:", additional + "dataSources:"))


def test_deny_on_an_additional_pool_is_refused(tmp_path: Path) -> None:
    text = f"""\
name: DenyApi
authentication:
  default:
    type: API_KEY
  additional:
    - type: AMAZON_COGNITO_USER_POOLS
      userPoolId: {POOL_ID}
      awsRegion: {REGION}
      defaultAction: DENY
dataSources:
  - name: Local
    type: NONE
"""
    with pytest.raises(DefinitionError) as raised:
        _load(tmp_path, text)
    assert "'defaultAction: DENY' applies only to the default provider" in raised.value.report()


# At the edges: HTTP and WebSockets ------------------------------------------------------------


@dataclass
class PoolApi:
    server: RunningServer
    key: TestKey

    def user(self, *groups: str) -> str:
        return token(self.key, cognito_claims(ISSUER, groups=list(groups) or None))

    @property
    def ws_url(self) -> str:
        return self.server.url.replace("http://", "ws://", 1) + "/graphql"

    @property
    def host(self) -> str:
        return self.server.url.removeprefix("http://")


@pytest.fixture(scope="module", params=["DENY", "ALLOW"])
def api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, PoolApi]]:
    key = make_key("pool-1")
    action: str = request.param
    project = write_project(tmp_path_factory.mktemp(f"pool-{action}"), _files(action, key))
    with serve(project, tmp_path_factory.mktemp("pool-logs")) as server:
        yield action, PoolApi(server, key)


def query(api: PoolApi, text: str, jwt: str) -> dict[str, Any]:
    response = httpx.post(
        api.server.graphql_url,
        json={"query": text},
        headers={"authorization": jwt},
        timeout=WAIT,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def error_kinds(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(error["errorType"], error["message"]) for error in body.get("errors", [])]


def test_http_a_user_in_an_allowed_group_reads_what_the_group_is_granted(
    api: tuple[str, PoolApi],
) -> None:
    _, pool = api
    admin = query(pool, "{ adminNote anyUser note { id text } }", pool.user("Admins"))
    assert admin == {
        "data": {
            "adminNote": "adminNote-value",
            "anyUser": "anyUser-value",
            "note": {"id": "n1", "text": "hello"},
        }
    }
    outsider = query(pool, "{ adminNote anyUser }", pool.user("Readers"))
    assert outsider["data"] == {"adminNote": None, "anyUser": "anyUser-value"}
    assert error_kinds(outsider) == [unauthorized("adminNote", "Query")]


def test_http_a_field_without_a_directive_follows_the_default_action(
    api: tuple[str, PoolApi],
) -> None:
    action, pool = api
    for jwt in (pool.user("Admins"), pool.user()):
        body = query(pool, "{ open }", jwt)
        if action == "DENY":
            assert body["data"] == {"open": None}
            assert error_kinds(body) == [unauthorized("open", "Query")]
        else:
            assert body == {"data": {"open": "open-value"}}
        mutation = query(pool, 'mutation { postOpen(id: "1", text: "x") { id } }', jwt)
        if action == "DENY":
            assert error_kinds(mutation) == [unauthorized("postOpen", "Mutation")]
        else:
            assert mutation == {"data": {"postOpen": {"id": "1"}}}


@asynccontextmanager
async def appsync(pool: PoolApi, jwt: str) -> AsyncIterator[ClientConnection]:
    header = base64.b64encode(orjson.dumps({"host": pool.host, "Authorization": jwt})).decode()
    async with connect(
        f"{pool.ws_url}?header={header}&payload=e30=", subprotocols=[APPSYNC], open_timeout=WAIT
    ) as websocket:
        await websocket.send(orjson.dumps({"type": "connection_init"}).decode())
        assert (await receive(websocket))["type"] == "connection_ack"
        yield websocket


def start(operation_id: str, subscription: str) -> str:
    data = orjson.dumps({"query": f"subscription {{ {subscription} {{ id text }} }}"}).decode()
    return orjson.dumps({"id": operation_id, "type": "start", "payload": {"data": data}}).decode()


async def test_websocket_subscriptions_follow_groups_and_the_default_action(
    api: tuple[str, PoolApi],
) -> None:
    action, pool = api
    async with appsync(pool, pool.user("Admins")) as admin, appsync(pool, pool.user()) as plain:
        await admin.send(start("admin", "onAdmin"))
        assert await receive(admin) == {"type": "start_ack", "id": "admin"}
        await plain.send(start("plain", "onAdmin"))
        refused = await receive(plain)
        assert (refused["type"], refused["id"]) == ("error", "plain"), refused
        assert error_kinds(refused["payload"]) == [unauthorized("onAdmin", "Subscription")]

        for websocket in (admin, plain):
            await websocket.send(start("any", "onAny"))
            answer = await receive(websocket)
            if action == "DENY":
                assert answer["type"] == "error", answer
                assert error_kinds(answer["payload"]) == [unauthorized("onAny", "Subscription")]
            else:
                assert answer == {"type": "start_ack", "id": "any"}

        posted = await asyncio.to_thread(
            query, pool, 'mutation { post(id: "7", text: "news") { id text } }', pool.user("Admins")
        )
        assert posted == {"data": {"post": {"id": "7", "text": "news"}}}
        delivered = await receive(admin)
        assert delivered["payload"] == {"data": {"onAdmin": {"id": "7", "text": "news"}}}


async def test_graphql_transport_ws_queries_follow_the_default_action(
    api: tuple[str, PoolApi],
) -> None:
    action, pool = api
    async with connect(pool.ws_url, subprotocols=[TRANSPORT_WS], open_timeout=WAIT) as websocket:
        init = {"type": "connection_init", "payload": {"Authorization": pool.user("Readers")}}
        await websocket.send(orjson.dumps(init).decode())
        assert (await receive(websocket))["type"] == "connection_ack"
        subscribe = {
            "id": "q",
            "type": "subscribe",
            "payload": {"query": "{ open adminNote note { id } }"},
        }
        await websocket.send(orjson.dumps(subscribe).decode())
        answer = await receive(websocket)
        assert answer["type"] == "next", answer
        result = answer["payload"]
        expected_open = None if action == "DENY" else "open-value"
        assert result["data"] == {"open": expected_open, "adminNote": None, "note": {"id": "n1"}}
        denied = [(e["extensions"]["errorType"], e["message"]) for e in result["errors"]]
        expected = [unauthorized("adminNote", "Query")]
        if action == "DENY":
            expected.insert(0, unauthorized("open", "Query"))
        assert sorted(denied) == sorted(expected)
