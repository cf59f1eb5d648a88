"""An API configured with all five authorization modes, for the transport tests.

`all_modes_api` writes the project (schema, NONE resolvers, key sets, a Lambda authorizer,
API keys: one valid, one expired, one deleted through the CLI) and serves it:

- default API_KEY; AMAZON_COGNITO_USER_POOLS (the pool's default issuer, `jwksFile`);
  OPENID_CONNECT (issuer `https://idp.test`, `jwksFile`); AWS_IAM (one key pair);
  AWS_LAMBDA (`auth/authorizer.py`: `allow-<who>` is authorized with `resolverContext`
  `{"who": <who>}`, `deny-field` too but with `Query.lambdaField` denied, anything else not).
- `Query.<mode>Field` readable by one mode each, `shared` and `whoami` by all five,
  `adminNote` by Cognito's Admins, `refused` by all but its template calls
  `$util.unauthorized()`; `Mutation.post` feeds `Subscription.onPost` (all modes) and
  `Subscription.onPostIam` (IAM only).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.auth.api_keys import DAY, ApiKeyStore
from tests.auth.support_jwt import TestKey, cognito_claims, jwks, make_key, oidc_claims, token
from tests.auth.support_sigv4 import signed_headers
from tests.support.projects import write_project
from tests.support.server import RunningServer, serve
from tests.test_validate import run_cli

REGION = "us-east-1"
POOL_ID = "us-east-1_TransportPool"
COGNITO_ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
COGNITO_CLIENT = "app-client"
OIDC_ISSUER = "https://idp.test"
OIDC_CLIENT = "client-1"
ACCESS_KEY = "AKIATRANSPORTTEST001"
SECRET = "transport-test-secret"
ACCOUNT = "111122223333"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/tester"

ALL_MODES = "@aws_api_key @aws_iam @aws_cognito_user_pools @aws_oidc @aws_lambda"

SETTINGS = f"""\
name: AllModes
authentication:
  default:
    type: API_KEY
  additional:
    - type: AMAZON_COGNITO_USER_POOLS
      userPoolId: {POOL_ID}
      awsRegion: {REGION}
      appIdClientRegex: "^{COGNITO_CLIENT}$"
      jwksFile: jwt/cognito.json
    - type: OPENID_CONNECT
      issuer: {OIDC_ISSUER}
      clientId: "^{OIDC_CLIENT}$"
      jwksFile: jwt/oidc.json
    - type: AWS_IAM
      region: {REGION}
      credentials:
        - accessKeyId: {ACCESS_KEY}
          secretAccessKey: {SECRET}
          accountId: "{ACCOUNT}"
          userArn: {USER_ARN}
          username: tester
    - type: AWS_LAMBDA
      function: auth/authorizer.py:handler
      authorizerResultTtlInSeconds: 0
dataSources:
  - name: Local
    type: NONE
"""

SCHEMA = f"""\
type Message {ALL_MODES} {{
  room: String!
  body: String!
}}

type Query {{
  apiKeyField: String @aws_api_key
  iamField: String @aws_iam
  cognitoField: String @aws_cognito_user_pools
  oidcField: String @aws_oidc
  lambdaField: String @aws_lambda
  shared: String {ALL_MODES}
  whoami: AWSJSON {ALL_MODES}
  adminNote: String @aws_cognito_user_pools(cognito_groups: ["Admins"])
  refused: String {ALL_MODES}
}}

type Mutation {{
  post(room: String!, body: String!): Message {ALL_MODES}
}}

type Subscription {{
  onPost(room: String!): Message {ALL_MODES} @aws_subscribe(mutations: ["post"])
  onPostIam(room: String!): Message @aws_iam @aws_subscribe(mutations: ["post"])
}}
"""

AUTHORIZER = """\
def handler(event, context):
    token = event["authorizationToken"]
    if token == "deny-field":
        return {
            "isAuthorized": True,
            "resolverContext": {"who": "limited"},
            "deniedFields": ["Query.lambdaField"],
        }
    if token.startswith("allow-"):
        return {"isAuthorized": True, "resolverContext": {"who": token[len("allow-"):]}}
    return {"isAuthorized": False}
"""

CONSTANT_FIELDS = (
    "apiKeyField",
    "iamField",
    "cognitoField",
    "oidcField",
    "lambdaField",
    "shared",
    "adminNote",
)


def _files() -> dict[str, str]:
    files = {
        "strawsync.yaml": SETTINGS,
        "schema.graphql": SCHEMA,
        "auth/authorizer.py": AUTHORIZER,
        "resolvers/Query.whoami.yaml": "dataSource: Local\n",
        "mapping_templates/Query.whoami.request.vtl": (
            '{"version": "2018-05-29", "payload": {"authType": $util.toJson($util.authType()),'
            ' "identity": $util.toJson($ctx.identity)}}\n'
        ),
        "mapping_templates/Query.whoami.response.vtl": "$util.toJson($util.toJson($ctx.result))\n",
        "resolvers/Query.refused.yaml": "dataSource: Local\n",
        "mapping_templates/Query.refused.request.vtl": (
            '$util.unauthorized()\n{"version": "2018-05-29", "payload": "never"}\n'
        ),
        "mapping_templates/Query.refused.response.vtl": "$util.toJson($ctx.result)\n",
        "resolvers/Mutation.post.yaml": "dataSource: Local\n",
        "mapping_templates/Mutation.post.request.vtl": (
            '{"version": "2018-05-29", "payload": $util.toJson($ctx.args)}\n'
        ),
        "mapping_templates/Mutation.post.response.vtl": "$util.toJson($ctx.result)\n",
    }
    for name in CONSTANT_FIELDS:
        files[f"resolvers/Query.{name}.yaml"] = "dataSource: Local\n"
        files[f"mapping_templates/Query.{name}.request.vtl"] = (
            f'{{"version": "2018-05-29", "payload": "{name}-value"}}\n'
        )
        files[f"mapping_templates/Query.{name}.response.vtl"] = "$util.toJson($ctx.result)\n"
    return files


@dataclass
class AllModesApi:
    server: RunningServer
    project: Path
    cognito_key: TestKey
    oidc_key: TestKey
    foreign_cognito_key: TestKey
    """Not in the key set, with the `kid` of the pool's key: tokens with a bad signature."""
    foreign_oidc_key: TestKey
    api_key: str
    expired_api_key: str
    deleted_api_key: str

    @property
    def host(self) -> str:
        return self.server.url.removeprefix("http://")

    def cognito_token(self, **options: Any) -> str:
        return token(self.cognito_key, cognito_claims(COGNITO_ISSUER, **options))

    def oidc_token(self, **options: Any) -> str:
        return token(self.oidc_key, oidc_claims(OIDC_ISSUER, **options))

    def iam_headers(self, body: bytes, *, secret: str = SECRET) -> dict[str, str]:
        return signed_headers(self.server.graphql_url, body, ACCESS_KEY, secret, REGION)

    def post(
        self, http: httpx.Client, query: str, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        return http.post(
            self.server.graphql_url,
            content=self.body(query),
            headers={"content-type": "application/json", **(headers or {})},
        )

    @staticmethod
    def body(query: str, variables: dict[str, Any] | None = None) -> bytes:
        return json.dumps({"query": query, "variables": variables or {}}).encode()


def _cli_key(project: Path) -> tuple[str, str]:
    result = run_cli("api-key", "create", "--project", str(project))
    assert result.returncode == 0, result.stderr
    key_id = re.search(r"^id: (\S+)$", result.stdout, re.MULTILINE)
    assert key_id is not None, result.stdout
    return key_id[1], result.stdout.splitlines()[-1]


@contextmanager
def all_modes_api(
    root: Path, log_dir: Path, overrides: Mapping[str, str] | None = None
) -> Iterator[AllModesApi]:
    """The project served; `overrides` replaces or adds files (a different authorizer, ...)."""
    project = write_project(root, {**_files(), **(overrides or {})})
    cognito_key, oidc_key = make_key("cognito-1"), make_key("oidc-1", "EC")
    write_project(
        project,
        {
            "jwt/cognito.json": json.dumps(jwks(cognito_key)),
            "jwt/oidc.json": json.dumps(jwks(oidc_key)),
        },
    )
    store = ApiKeyStore.for_project(project)
    valid, _ = store.create("valid", days=7)
    expired, _ = store.create("expired", days=1, now=time.time() - 3 * DAY)
    deleted_id, deleted = _cli_key(project)
    result = run_cli("api-key", "delete", deleted_id, "--project", str(project))
    assert result.returncode == 0, result.stderr
    with serve(project, log_dir) as server:
        yield AllModesApi(
            server=server,
            project=project,
            cognito_key=cognito_key,
            oidc_key=oidc_key,
            foreign_cognito_key=make_key("cognito-1"),
            foreign_oidc_key=make_key("oidc-1", "EC"),
            api_key=valid,
            expired_api_key=expired,
            deleted_api_key=deleted,
        )
