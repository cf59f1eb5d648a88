"""Field rules on every field of a subscription payload, as AppSync applies them.

One API (default API_KEY, a Cognito user pool, a Lambda authorizer) publishes a `Note` whose
fields each mode and group may read differently. Subscribers of the same query, each under
its own caller, receive the same event: a field the caller may not read is null with
"Not Authorized to access <field> on type <Type>" (`errorType: Unauthorized`), at every depth,
through aliases, fragments, interfaces and lists; a denied non-null field nulls its parent.
On the AppSync protocol, graphql-transport-ws and legacy graphql-ws alike.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
import pytest
from graphql import parse
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from app.auth.base import Principal
from app.auth.directives import field_rules
from app.definition.model import AuthType
from app.realtime.access import SubscriberAccess, reachable_fields
from app.schema.sdl import load_sdl
from tests.auth.support_jwt import TestKey, cognito_claims, jwks, make_key, token
from tests.support.projects import write_project
from tests.support.server import RunningServer, serve
from tests.support.sockets import receive, send

WAIT = 10.0  # seconds; bounds every wait
RETRY = 0.2  # seconds between publications while subscriptions may not listen yet
APPSYNC = Subprotocol("graphql-ws")  # with `?header=`: AppSync's protocol; without: legacy
TRANSPORT_WS = Subprotocol("graphql-transport-ws")
REGION = "us-east-1"
POOL_ID = "us-east-1_PayloadPool"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
MODES = "@aws_api_key @aws_cognito_user_pools @aws_lambda"
ADMINS = '@aws_cognito_user_pools(cognito_groups: ["Admins"])'

SETTINGS = f"""\
name: PayloadAuth
authentication:
  default:
    type: API_KEY
  additional:
    - type: AMAZON_COGNITO_USER_POOLS
      userPoolId: {POOL_ID}
      awsRegion: {REGION}
      jwksFile: jwt/cognito.json
    - type: AWS_LAMBDA
      function: auth/authorizer.py:handler
      authorizerResultTtlInSeconds: 0
dataSources:
  - name: Local
    type: NONE
"""

SCHEMA = f"""\
interface Attachment {{
  id: ID!
}}

type File implements Attachment {MODES} {{
  id: ID!
  path: String {ADMINS}
}}

type Author {MODES} {{
  name: String
  email: String @aws_cognito_user_pools
}}

type Tag {MODES} {{
  label: String
  internal: String {ADMINS}
}}

type Pin {MODES} {{
  code: String! {ADMINS}
}}

type Note {MODES} {{
  id: ID!
  room: String!
  text: String
  secret: String {ADMINS}
  mood: String
  author: Author
  tags: [Tag!]
  pin: Pin
  attachment: Attachment
}}

type Query {{
  hello: String
}}

type Mutation {{
  addNote(room: String!, text: String!): Note {MODES}
}}

type Subscription {{
  onNote(room: String!): Note {MODES} @aws_subscribe(mutations: ["addNote"])
}}
"""

NOTE = {
    "id": "n-1",
    "secret": "s3cret",
    "mood": "happy",
    "author": {"name": "Ann", "email": "ann@example.com"},
    "tags": [{"label": "a", "internal": "i-a"}, {"label": "b", "internal": "i-b"}],
    "pin": {"code": "1234"},
    "attachment": {"__typename": "File", "id": "f-1", "path": "/srv/f"},
}

AUTHORIZER = """\
def handler(event, context):
    if event["authorizationToken"] == "lambda-limited":
        return {"isAuthorized": True, "deniedFields": ["Note.mood", "Author.name"]}
    return {"isAuthorized": False}
"""

ADD_NOTE = """
mutation($room: String!, $text: String!) {
  addNote(room: $room, text: $text) {
    id room text secret mood
    author { name email }
    tags { label internal }
    pin { code }
    attachment { __typename id ... on File { path } }
  }
}
"""

# Aliases, a named fragment, inline fragments, a list, a non-null leaf, an interface.
ON_NOTE = """
subscription($room: String!) {
  onNote(room: $room) {
    id room
    hidden: secret
    ...Parts
    tags { label ... on Tag { internal } }
    pin { code }
    attachment { id ... on File { path } }
  }
}
fragment Parts on Note { text mood author { writer: name email } }
"""


def _files(key: TestKey) -> dict[str, str]:
    note = json.dumps(NOTE)[1:-1]
    return {
        "strawsync.yaml": SETTINGS,
        "schema.graphql": SCHEMA,
        "auth/authorizer.py": AUTHORIZER,
        "jwt/cognito.json": json.dumps(jwks(key)),
        "resolvers/Mutation.addNote.yaml": "dataSource: Local\n",
        "mapping_templates/Mutation.addNote.request.vtl": (
            '{"version": "2018-05-29", "payload": {"room": $util.toJson($ctx.args.room), '
            f'"text": $util.toJson($ctx.args.text), {note}}}}}\n'
        ),
        "mapping_templates/Mutation.addNote.response.vtl": "$util.toJson($ctx.result)\n",
    }


@dataclass
class PayloadApi:
    server: RunningServer
    key: TestKey
    api_key: str

    @property
    def host(self) -> str:
        return self.server.url.removeprefix("http://")

    @property
    def ws_url(self) -> str:
        return self.server.url.replace("http://", "ws://", 1) + "/graphql"

    def cognito(self, *groups: str) -> str:
        return token(self.key, cognito_claims(ISSUER, groups=list(groups) or None))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PayloadApi]:
    from app.auth.api_keys import ApiKeyStore

    key = make_key("payload-1")
    project = write_project(tmp_path_factory.mktemp("payload-auth"), _files(key))
    api_key, _ = ApiKeyStore.for_project(project).create("subscribers", days=7)
    with serve(project, tmp_path_factory.mktemp("payload-auth-logs")) as server:
        yield PayloadApi(server, key, api_key)


# Who subscribes: each caller's credentials, and the fields it may not read.
Credentials = Callable[[PayloadApi], dict[str, str]]
CALLERS: dict[str, tuple[Credentials, frozenset[str]]] = {
    "api-key": (
        lambda api: {"x-api-key": api.api_key},
        frozenset({"Note.secret", "Author.email", "Tag.internal", "Pin.code", "File.path"}),
    ),
    "cognito-reader": (
        lambda api: {"Authorization": api.cognito("Readers")},
        frozenset({"Note.secret", "Tag.internal", "Pin.code", "File.path"}),
    ),
    "cognito-admin": (lambda api: {"Authorization": api.cognito("Admins")}, frozenset()),
    "lambda-limited": (
        lambda api: {"Authorization": "lambda-limited"},
        frozenset(
            {
                "Note.secret",
                "Note.mood",
                "Author.name",
                "Author.email",
                "Tag.internal",
                "Pin.code",
                "File.path",
            }
        ),
    ),
}


def expected(room: str, text: str, denied: frozenset[str]) -> tuple[Any, list[Any]]:
    """The `onNote` data and the sorted (path, errorType, message) errors for a caller denied
    `denied`, from what was published (`NOTE`) and the subscription's selection."""
    errors: list[tuple[tuple[str | int, ...], str, str]] = []

    def read(type_name: str, field: str, path: tuple[str | int, ...], value: Any) -> Any:
        if f"{type_name}.{field}" in denied:
            message = f"Not Authorized to access {field} on type {type_name}"
            errors.append((("onNote", *path), "Unauthorized", message))
            return None
        return value

    author = NOTE["author"]
    pin_code = read("Pin", "code", ("pin", "code"), NOTE["pin"]["code"])  # type: ignore[index]
    data = {
        "id": "n-1",
        "room": room,
        "hidden": read("Note", "secret", ("hidden",), NOTE["secret"]),
        "text": text,
        "mood": read("Note", "mood", ("mood",), NOTE["mood"]),
        "author": {
            "writer": read("Author", "name", ("author", "writer"), author["name"]),  # type: ignore[index]
            "email": read("Author", "email", ("author", "email"), author["email"]),  # type: ignore[index]
        },
        "tags": [
            {
                "label": tag["label"],
                "internal": read("Tag", "internal", ("tags", i, "internal"), tag["internal"]),
            }
            for i, tag in enumerate(NOTE["tags"])  # type: ignore[arg-type]
        ],
        # `code` is non-null: denied, it takes `pin` with it
        "pin": None if pin_code is None else {"code": pin_code},
        "attachment": {
            "id": "f-1",
            "path": read("File", "path", ("attachment", "path"), "/srv/f"),
        },
    }
    return {"onNote": data}, sorted(errors)


def shaped_errors(payload: dict[str, Any]) -> list[Any]:
    """(path, errorType, message) of each error: AppSync puts `errorType` in the error,
    graphql-ws protocols under `extensions`."""
    return sorted(
        (
            tuple(error["path"]),
            error.get("errorType") or error["extensions"]["errorType"],
            error["message"],
        )
        for error in payload.get("errors", [])
    )


@asynccontextmanager
async def subscriber(
    api: PayloadApi, protocol: str, credentials: dict[str, str], room: str
) -> AsyncIterator[ClientConnection]:
    """A connection under `credentials` with `ON_NOTE` subscribed (id "s") on `room`."""
    variables = {"room": room}
    if protocol == "appsync":
        header = base64.b64encode(orjson.dumps({"host": api.host, **credentials})).decode()
        url, subprotocol = f"{api.ws_url}?header={header}&payload=e30=", APPSYNC
    else:
        url = api.ws_url
        subprotocol = TRANSPORT_WS if protocol == "graphql-transport-ws" else APPSYNC
    async with connect(url, subprotocols=[subprotocol], open_timeout=WAIT) as websocket:
        if protocol == "appsync":
            await send(websocket, {"type": "connection_init"})
        else:
            await send(websocket, {"type": "connection_init", "payload": credentials})
        ack = await receive(websocket)
        assert ack["type"] == "connection_ack", ack
        if protocol == "appsync":
            data = orjson.dumps({"query": ON_NOTE, "variables": variables}).decode()
            await send(websocket, {"id": "s", "type": "start", "payload": {"data": data}})
            assert await receive(websocket) == {"type": "start_ack", "id": "s"}
        else:
            kind = "subscribe" if protocol == "graphql-transport-ws" else "start"
            payload = {"query": ON_NOTE, "variables": variables}
            await send(websocket, {"id": "s", "type": kind, "payload": payload})
        yield websocket


async def publish(api: PayloadApi, http: httpx.AsyncClient, room: str, text: str) -> None:
    """`addNote` as a Cognito admin, who may read (and so publishes) every field."""
    response = await http.post(
        api.server.graphql_url,
        json={"query": ADD_NOTE, "variables": {"room": room, "text": text}},
        headers={"authorization": api.cognito("Admins")},
    )
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["addNote"]["secret"] == NOTE["secret"]


@pytest.mark.parametrize("protocol", ["appsync", "graphql-transport-ws", "graphql-ws"])
async def test_each_subscriber_gets_only_the_fields_its_caller_may_read(
    api: PayloadApi, protocol: str
) -> None:
    room = f"room-{uuid.uuid4().hex[:10]}"
    async with AsyncExitStack() as stack, httpx.AsyncClient(timeout=WAIT) as http:
        sockets = {
            name: await stack.enter_async_context(subscriber(api, protocol, make(api), room))
            for name, (make, _) in CALLERS.items()
        }
        # Only the AppSync protocol acknowledges a subscription: publish until all listen.
        first: dict[str, dict[str, Any]] = {}
        async with asyncio.timeout(WAIT):
            n = 0
            while len(first) < len(sockets):
                await publish(api, http, room, f"note-{n}")
                n += 1
                for name, websocket in sockets.items():
                    if name in first:
                        continue
                    try:
                        async with asyncio.timeout(RETRY):
                            first[name] = await receive(websocket)
                    except TimeoutError:
                        continue
    for name, message in first.items():
        assert message["type"] in ("data", "next"), (name, message)
        assert message["id"] == "s"
        payload = message["payload"]
        text = payload["data"]["onNote"]["text"]
        assert text.startswith("note-")
        data, errors = expected(room, text, CALLERS[name][1])
        assert payload["data"] == data, name
        assert shaped_errors(payload) == errors, name


# The grouping behind the shared rendering ------------------------------------------------------


def test_reachable_fields_follow_fragments_aliases_and_interfaces() -> None:
    loaded = load_sdl(SCHEMA, "schema.graphql")
    assert loaded.schema is not None, loaded.problems
    reachable = reachable_fields(loaded.schema, parse(ON_NOTE))
    assert reachable == {
        ("Note", field)
        for field in ("id", "room", "secret", "text", "mood", "author", "tags", "pin", "attachment")
    } | {
        ("Author", "name"),
        ("Author", "email"),
        ("Tag", "label"),
        ("Tag", "internal"),
        ("Pin", "code"),
        ("File", "id"),  # selected on the interface: counted on each implementing type
        ("File", "path"),
    }  # the subscription root is checked when subscribing, not here


def test_callers_who_may_read_the_same_fields_share_a_rendering_key() -> None:
    loaded = load_sdl(SCHEMA, "schema.graphql")
    assert loaded.schema is not None
    modes = frozenset({AuthType.API_KEY, AuthType.AMAZON_COGNITO_USER_POOLS, AuthType.AWS_LAMBDA})
    access = SubscriberAccess(loaded.schema, field_rules(loaded.schema, AuthType.API_KEY, modes))
    document = parse(ON_NOTE)

    def denied(mode: AuthType, *groups: str, fields: tuple[str, ...] = ()) -> frozenset[Any]:
        principal = Principal(mode, groups=frozenset(groups), denied_fields=frozenset(fields))
        return access.denied(document, principal)

    # Two Cognito users of different groups that grant nothing here read the same fields.
    assert denied(AuthType.AMAZON_COGNITO_USER_POOLS, "Readers") == denied(
        AuthType.AMAZON_COGNITO_USER_POOLS, "Writers"
    )
    # An API key and a Lambda caller with no denied fields: the same verdicts too.
    assert denied(AuthType.API_KEY) == denied(AuthType.AWS_LAMBDA)
    # Admins read everything; a denied field outside the query changes nothing.
    assert denied(AuthType.AMAZON_COGNITO_USER_POOLS, "Admins") == frozenset()
    assert denied(AuthType.AWS_LAMBDA, fields=("Query.hello",)) == denied(AuthType.API_KEY)
    assert denied(AuthType.AWS_LAMBDA, fields=("Note.mood",)) == denied(AuthType.API_KEY) | {
        ("Note", "mood")
    }
    # An open API denies nothing.
    open_access = SubscriberAccess(loaded.schema, field_rules(loaded.schema, None, frozenset()))
    assert open_access.denied(document, None) == frozenset()
