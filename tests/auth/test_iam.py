"""AWS_IAM: requests signed by botocore (and by gql's AppSync transport) are verified, and
every alteration of what was signed is refused."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from app.auth.base import NOT_AUTHORIZED, AuthFailure, Credentials
from app.auth.modes.iam import (
    MALFORMED,
    SIGNATURE_MISMATCH,
    IamMode,
    config_problems,
    create,
    parse_authorization,
)
from app.definition.model import AuthType, freeze
from app.transport.credentials import with_fields
from tests.auth.support_sigv4 import (
    appsync_websocket_headers,
    signed_credentials,
)
from tests.support.server import REPO

REGION = "us-east-1"
ACCOUNT = "123456789012"
ALICE = "AKIDALICE0000000001"
ALICE_SECRET = "alice/secret+key"
TEMP = "ASIATEMPORARY000001"
TEMP_SECRET = "temporary-secret"
TEMP_TOKEN = "session-token-of-temp"
URL = "https://api.example.test/graphql"
BODY = b'{"query":"query { listEvents { items { id } } }","variables":{}}'

CONFIG: dict[str, Any] = {
    "region": REGION,
    "credentials": [
        {
            "accessKeyId": ALICE,
            "secretAccessKey": ALICE_SECRET,
            "accountId": ACCOUNT,
            "userArn": f"arn:aws:iam::{ACCOUNT}:user/alice",
            "username": "AIDAALICE",
        },
        {
            "accessKeyId": TEMP,
            "secretAccessKeyEnv": "STRAWSYNC_TEST_TEMP_SECRET",
            "sessionToken": TEMP_TOKEN,
            "accountId": ACCOUNT,
            "cognitoIdentityPoolId": "us-east-1:pool",
            "cognitoIdentityId": "us-east-1:identity",
            "cognitoIdentityAuthProvider": "cognito-idp.us-east-1.amazonaws.com/us-east-1_x",
        },
    ],
}


@pytest.fixture
def mode(monkeypatch: pytest.MonkeyPatch) -> IamMode:
    monkeypatch.setenv("STRAWSYNC_TEST_TEMP_SECRET", TEMP_SECRET)
    return create(freeze(CONFIG), Path("."))


def alice(**options: Any) -> Credentials:
    return signed_credentials(URL, BODY, ALICE, ALICE_SECRET, REGION, **options)


def with_headers(credentials: Credentials, **changes: str) -> Credentials:
    return dataclasses.replace(credentials, headers={**credentials.headers, **changes})


async def refused(mode: IamMode, credentials: Credentials) -> AuthFailure:
    with pytest.raises(AuthFailure) as caught:
        await mode.authenticate(credentials)
    return caught.value


# Accepted


async def test_a_signed_request_gets_the_keys_identity(mode: IamMode) -> None:
    principal = await mode.authenticate(alice(source_ip="10.0.0.9"))
    assert principal.auth_type is AuthType.AWS_IAM
    assert principal.identity == {
        "accountId": ACCOUNT,
        "cognitoIdentityPoolId": None,
        "cognitoIdentityId": None,
        "sourceIp": ["10.0.0.9"],
        "username": "AIDAALICE",
        "userArn": f"arn:aws:iam::{ACCOUNT}:user/alice",
        "cognitoIdentityAuthType": None,
        "cognitoIdentityAuthProvider": None,
    }
    assert principal.groups == frozenset()
    assert principal.expires_at is None


async def test_a_cognito_identity_with_a_session_token(mode: IamMode) -> None:
    credentials = signed_credentials(
        URL,
        BODY,
        TEMP,
        TEMP_SECRET,
        REGION,
        session_token=TEMP_TOKEN,
        headers={"x-forwarded-for": "203.0.113.7, 198.51.100.2"},
        source_ip="127.0.0.1",
    )
    principal = await mode.authenticate(credentials)
    assert principal.identity == {
        "accountId": ACCOUNT,
        "cognitoIdentityPoolId": "us-east-1:pool",
        "cognitoIdentityId": "us-east-1:identity",
        "sourceIp": ["203.0.113.7", "198.51.100.2", "127.0.0.1"],
        "username": None,
        "userArn": None,
        "cognitoIdentityAuthType": "authenticated",
        "cognitoIdentityAuthProvider": "cognito-idp.us-east-1.amazonaws.com/us-east-1_x",
    }


async def test_a_request_signed_a_few_minutes_ago_or_ahead(mode: IamMode) -> None:
    now = datetime.now(UTC)
    await mode.authenticate(alice(when=now - timedelta(seconds=240)))
    await mode.authenticate(alice(when=now + timedelta(seconds=240)))


async def test_exactly_the_signed_headers_count(mode: IamMode) -> None:
    # botocore never signs user-agent, other clients may: both verify.
    credentials = alice(headers={"user-agent": "sdk/1"})
    assert "user-agent" not in credentials.headers["authorization"]
    await mode.authenticate(with_headers(credentials, **{"user-agent": "proxy/2", "x-extra": "1"}))
    chosen = alice(headers={"user-agent": "sdk/1"}, sign_only=["host", "x-amz-date", "user-agent"])
    assert "SignedHeaders=host;user-agent;x-amz-date," in chosen.headers["authorization"]
    await mode.authenticate(chosen)
    assert (await refused(mode, with_headers(chosen, **{"user-agent": "x"}))).message == (
        SIGNATURE_MISMATCH
    )


async def test_a_signed_query_string(mode: IamMode) -> None:
    credentials = signed_credentials(f"{URL}?b=2&a=1", BODY, ALICE, ALICE_SECRET, REGION)
    assert credentials.query == "b=2&a=1"
    await mode.authenticate(credentials)
    failure = await refused(mode, dataclasses.replace(credentials, query="b=3&a=1"))
    assert failure.message == SIGNATURE_MISMATCH


async def test_a_signed_body_hash(mode: IamMode) -> None:
    digest = hashlib.sha256(BODY).hexdigest()
    await mode.authenticate(alice(headers={"x-amz-content-sha256": digest}))
    wrong = alice(headers={"x-amz-content-sha256": hashlib.sha256(b"other").hexdigest()})
    failure = await refused(mode, wrong)
    assert failure.message == "x-amz-content-sha256 does not match the request body."
    assert failure.error_type == "InvalidSignatureException"
    unsigned = await refused(mode, alice(headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"}))
    assert unsigned.message == "The request body must be signed."


# AppSync WebSocket signing, as gql's AppSync transport does it


async def test_a_websocket_handshake_signed_over_graphql_connect(mode: IamMode) -> None:
    header = appsync_websocket_headers("127.0.0.1:8000", ALICE, ALICE_SECRET, REGION)
    assert header["host"] == "127.0.0.1:8000"
    assert header["content-encoding"] == "amz-1.0"
    handshake = Credentials(
        headers=with_fields({"host": "127.0.0.1:8000"}, header),
        path="/graphql/connect",
        body=b"{}",
        source_ip="127.0.0.1",
    )
    principal = await mode.authenticate(handshake)
    assert principal.identity is not None and principal.identity["accountId"] == ACCOUNT
    as_start = dataclasses.replace(handshake, path="/graphql")
    assert (await refused(mode, as_start)).message == SIGNATURE_MISMATCH


async def test_a_subscription_start_signed_over_its_data(mode: IamMode) -> None:
    data = json.dumps({"query": "subscription { onCreateEvent { id } }", "variables": {}})
    authorization = appsync_websocket_headers(
        "127.0.0.1:8000", TEMP, TEMP_SECRET, REGION, data=data, session_token=TEMP_TOKEN
    )
    assert authorization["x-amz-security-token"] == TEMP_TOKEN
    start = Credentials(
        headers=with_fields({}, authorization),
        path="/graphql",
        body=data.encode(),
        source_ip="127.0.0.1",
    )
    principal = await mode.authenticate(start)
    assert principal.identity is not None
    assert principal.identity["cognitoIdentityId"] == "us-east-1:identity"
    other_data = dataclasses.replace(start, body=data.replace("id", "name").encode())
    assert (await refused(mode, other_data)).message == SIGNATURE_MISMATCH


# Refused


async def test_missing_authorization(mode: IamMode) -> None:
    credentials = Credentials(headers={"host": "api.example.test"}, body=BODY)
    assert not mode.claims(credentials)
    assert (await refused(mode, credentials)).message == NOT_AUTHORIZED


def test_claims_only_sigv4_authorization(mode: IamMode) -> None:
    assert mode.claims(alice())
    assert not mode.claims(Credentials(headers={"authorization": "Bearer eyJhbGciOi.x.y"}))
    assert not mode.claims(Credentials(headers={"x-api-key": "da2-abc"}))


@pytest.mark.parametrize(
    "header",
    [
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 garbage",
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/appsync/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/appsync, "
        "SignedHeaders=host;x-amz-date, Signature=" + "a" * 64,
        "AWS4-HMAC-SHA256 Credential=AKID/2024-01-01/us-east-1/appsync/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "a" * 64,
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/appsync/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=xyz",
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/appsync/aws4_request, "
        "SignedHeaders=host;host, Signature=" + "a" * 64,
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/appsync/aws4_request, "
        "SignedHeaders=Host;X-Amz-Date, Signature=" + "a" * 64,
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/appsync/aws4_request, "
        "Credential=AKID/20240101/us-east-1/appsync/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "a" * 64,
        "AWS4-HMAC-SHA256Credential=AKID/20240101/us-east-1/appsync/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "a" * 64,
    ],
)
async def test_malformed_authorization(mode: IamMode, header: str) -> None:
    credentials = with_headers(alice(), authorization=header)
    failure = await refused(mode, credentials)
    assert failure.message == MALFORMED
    assert failure.error_type == "UnauthorizedException"


def test_parse_authorization_parts() -> None:
    parsed = parse_authorization(
        "AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/appsync/aws4_request,"
        "SignedHeaders=content-type;host;x-amz-date,Signature=" + "0f" * 32
    )
    assert parsed.access_key_id == "AKID"
    assert (parsed.scope_date, parsed.region, parsed.service) == (
        "20240101",
        "eu-west-1",
        "appsync",
    )
    assert parsed.signed_headers == ("content-type", "host", "x-amz-date")
    assert parsed.signature == "0f" * 32


async def test_unknown_access_key(mode: IamMode) -> None:
    credentials = signed_credentials(URL, BODY, "AKIDSTRANGER0000001", ALICE_SECRET, REGION)
    failure = await refused(mode, credentials)
    assert failure.message == NOT_AUTHORIZED
    assert failure.error_type == "UnauthorizedException"


async def test_wrong_secret(mode: IamMode) -> None:
    credentials = signed_credentials(URL, BODY, ALICE, "not-alices-secret", REGION)
    failure = await refused(mode, credentials)
    assert failure.message == SIGNATURE_MISMATCH
    assert failure.error_type == "InvalidSignatureException"


async def test_tampered_body(mode: IamMode) -> None:
    tampered = dataclasses.replace(alice(), body=BODY.replace(b"id", b"name"))
    assert (await refused(mode, tampered)).message == SIGNATURE_MISMATCH


async def test_tampered_signed_header(mode: IamMode) -> None:
    credentials = alice()
    assert "content-type;host;x-amz-date" in credentials.headers["authorization"]
    for name, value in (("content-type", "text/plain"), ("host", "evil.example.test")):
        failure = await refused(mode, with_headers(credentials, **{name: value}))
        assert failure.message == SIGNATURE_MISMATCH


async def test_a_signed_header_missing_from_the_request(mode: IamMode) -> None:
    credentials = alice()
    headers = {k: v for k, v in credentials.headers.items() if k != "content-type"}
    failure = await refused(mode, dataclasses.replace(credentials, headers=headers))
    assert failure.message == "Signed header 'content-type' is not in the request."


async def test_unsigned_host_or_date(mode: IamMode) -> None:
    for sign_only in (["x-amz-date", "content-type"], ["host", "content-type"]):
        credentials = alice(sign_only=sign_only)
        failure = await refused(mode, credentials)
        assert failure.message == "The host and x-amz-date headers must be signed."


async def test_expired_and_future_dates(mode: IamMode) -> None:
    now = datetime.now(UTC)
    for moment in (now - timedelta(seconds=330), now + timedelta(seconds=330)):
        failure = await refused(mode, alice(when=moment))
        assert failure.message == (
            "Signature expired or not yet valid: x-amz-date must be within 300 seconds of "
            "the server's time."
        )
        assert failure.error_type == "InvalidSignatureException"


async def test_the_window_is_configurable_and_uses_the_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STRAWSYNC_TEST_TEMP_SECRET", TEMP_SECRET)
    mode = create(freeze({**CONFIG, "clockSkewSeconds": 30}), Path("."))
    signed_at = datetime(2024, 1, 31, 23, 59, 50, tzinfo=UTC)
    credentials = alice(when=signed_at)
    mode.clock = lambda: signed_at.timestamp() + 30
    await mode.authenticate(credentials)
    mode.clock = lambda: signed_at.timestamp() + 31
    assert "within 30 seconds" in (await refused(mode, credentials)).message


async def test_unparseable_date(mode: IamMode) -> None:
    failure = await refused(mode, with_headers(alice(), **{"x-amz-date": "2024-01-31T00:00:00Z"}))
    assert failure.message == "x-amz-date must look like 20240131T235959Z."


@pytest.mark.parametrize(
    ("options", "scope"),
    [({"region": "eu-west-1"}, "eu-west-1/appsync"), ({"service": "execute-api"}, "/execute-api")],
)
async def test_a_scope_for_another_region_or_service(
    mode: IamMode, options: dict[str, str], scope: str
) -> None:
    region = options.get("region", REGION)
    service = {"service": options["service"]} if "service" in options else {}
    credentials = signed_credentials(URL, BODY, ALICE, ALICE_SECRET, region, **service)
    assert scope in credentials.headers["authorization"]
    failure = await refused(mode, credentials)
    day = credentials.headers["x-amz-date"][:8]
    assert failure.message == f"Credential scope must be {day}/us-east-1/appsync/aws4_request."
    assert failure.error_type == "InvalidSignatureException"


async def test_a_scope_for_another_day_or_terminator(mode: IamMode) -> None:
    credentials = alice()
    day = credentials.headers["x-amz-date"][:8]
    header = credentials.headers["authorization"]
    for altered in (
        header.replace(f"/{day}/", "/20000101/"),
        header.replace("/aws4_request", "/aws5_request"),
    ):
        failure = await refused(mode, with_headers(credentials, authorization=altered))
        assert failure.message.startswith("Credential scope must be")


async def test_session_tokens(mode: IamMode) -> None:
    def temp(token: str | None) -> Credentials:
        return signed_credentials(URL, BODY, TEMP, TEMP_SECRET, REGION, session_token=token)

    invalid = "The security token included in the request is not valid."
    await mode.authenticate(temp(TEMP_TOKEN))
    assert (await refused(mode, temp(None))).message == invalid
    assert (await refused(mode, temp("another-token"))).message == invalid
    assert (await refused(mode, alice(session_token="a-token"))).message == invalid


@pytest.mark.parametrize(
    "expiration",
    ["2030-01-31T12:00:00Z", "2030-01-31T13:00:00+01:00", datetime(2030, 1, 31, 12, 0, 0)],
)
async def test_an_access_key_with_an_expiration(
    monkeypatch: pytest.MonkeyPatch, expiration: object
) -> None:
    monkeypatch.setenv("STRAWSYNC_TEST_TEMP_SECRET", TEMP_SECRET)
    config = {**CONFIG, "credentials": [{**CONFIG["credentials"][0], "expiration": expiration}]}
    assert config_problems(freeze(config)) == []
    mode = create(freeze(config), Path("."))
    expires = datetime(2030, 1, 31, 12, 0, 0, tzinfo=UTC)
    signed_at = expires - timedelta(seconds=1)
    credentials = alice(when=signed_at)
    mode.clock = lambda: signed_at.timestamp()
    principal = await mode.authenticate(credentials)
    assert principal.expires_at == expires.timestamp()  # connections signed with it end then
    mode.clock = lambda: expires.timestamp()
    failure = await refused(mode, credentials)
    assert failure.message == "The security token included in the request is expired."


@pytest.mark.parametrize("expiration", ["2030-01-31T12:00:00", "tomorrow", 1893456000])
def test_an_expiration_needs_a_time_with_its_zone(expiration: object) -> None:
    config = {**CONFIG, "credentials": [{**CONFIG["credentials"][0], "expiration": expiration}]}
    assert config_problems(freeze(config)) == [
        "credentials[0]: 'expiration' must be an ISO 8601 time with its zone, "
        "e.g. 2030-01-31T12:00:00Z"
    ]


# Configuration


def test_a_valid_configuration_has_no_problems() -> None:
    assert config_problems(freeze(CONFIG)) == []
    assert config_problems(freeze({**CONFIG, "clockSkewSeconds": 900})) == []


def test_configuration_problems() -> None:
    config = {
        "region": "US East",
        "clockSkewSeconds": 0,
        "issuer": "x",
        "credentials": [
            {"accessKeyId": "AKID/1", "accountId": 123456789012, "colour": "red"},
            {
                "accessKeyId": "AKID2",
                "secretAccessKey": "s",
                "secretAccessKeyEnv": "S",
                "accountId": "1",
            },
            {"accessKeyId": "AKID3", "secretAccessKeyEnv": "not a name", "accountId": ACCOUNT},
            {
                "accessKeyId": "AKID3",
                "secretAccessKey": "",
                "accountId": ACCOUNT,
                "sessionToken": 5,
            },
            {
                "accessKeyId": "AKID4",
                "secretAccessKey": "s",
                "accountId": ACCOUNT,
                "cognitoIdentityAuthType": "guest",
            },
            {
                "accessKeyId": "AKID5",
                "secretAccessKey": "s",
                "accountId": ACCOUNT,
                "cognitoIdentityAuthType": "unauthenticated",
            },
            "AKID6",
        ],
    }
    assert config_problems(freeze(config)) == [
        "unknown AWS_IAM setting 'issuer'",
        "'region' must be a region name such as 'us-east-1'",
        "'clockSkewSeconds' must be a positive whole number of seconds",
        "credentials[0]: unknown key 'colour'",
        "credentials[0]: 'accessKeyId' must be 1-128 letters, digits or '_.+-'",
        "credentials[0]: give exactly one of 'secretAccessKey' and 'secretAccessKeyEnv'",
        "credentials[0]: 'accountId' must be a 12-digit string (quote it in YAML)",
        "credentials[1]: give exactly one of 'secretAccessKey' and 'secretAccessKeyEnv'",
        "credentials[1]: 'accountId' must be a 12-digit string (quote it in YAML)",
        "credentials[2]: 'secretAccessKeyEnv' must be an environment variable name",
        "credentials[3]: 'secretAccessKey' must be a non-empty string",
        "credentials[3]: 'sessionToken' must be a non-empty string",
        "credentials[3]: access key 'AKID3' is listed twice",
        "credentials[4]: 'cognitoIdentityAuthType' must be 'authenticated' or 'unauthenticated'",
        "credentials[5]: 'cognitoIdentityAuthType' needs a 'cognitoIdentityId'",
        "credentials[6]: an access key must be a mapping",
    ]


def test_region_and_credentials_are_required() -> None:
    assert config_problems(freeze({})) == [
        "AWS_IAM needs a 'region' (the region clients sign for)",
        "AWS_IAM needs 'credentials': a list of access keys",
    ]
    assert config_problems(freeze({"region": REGION, "credentials": []})) == [
        "AWS_IAM needs 'credentials': a list of access keys",
    ]


def test_create_reads_secrets_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STRAWSYNC_TEST_TEMP_SECRET", raising=False)
    with pytest.raises(ValueError, match="STRAWSYNC_TEST_TEMP_SECRET") as caught:
        create(freeze(CONFIG), Path("."))
    assert ALICE_SECRET not in str(caught.value)
    with pytest.raises(ValueError, match="'region' must be a region name"):
        create(freeze({**CONFIG, "region": "Mars"}), Path("."))


async def test_an_unauthenticated_cognito_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    guest = {
        "accessKeyId": "ASIAGUEST",
        "secretAccessKey": "guest-secret",
        "accountId": ACCOUNT,
        "cognitoIdentityPoolId": "us-east-1:pool",
        "cognitoIdentityId": "us-east-1:guest",
        "cognitoIdentityAuthType": "unauthenticated",
    }
    mode = create(freeze({"region": REGION, "credentials": [guest]}), Path("."))
    credentials = signed_credentials(URL, BODY, "ASIAGUEST", "guest-secret", REGION)
    principal = await mode.authenticate(credentials)
    assert principal.identity is not None
    assert principal.identity["cognitoIdentityAuthType"] == "unauthenticated"
    assert principal.identity["cognitoIdentityAuthProvider"] is None


# The developer script, against a verifying server on 127.0.0.1


class _Verifying(BaseHTTPRequestHandler):
    mode: IamMode

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        path, _, query = self.path.partition("?")
        headers: Mapping[str, str] = {k.lower(): v for k, v in self.headers.items()}
        credentials = Credentials(headers=headers, path=path, query=query, body=body)
        payload: dict[str, Any]
        try:
            key = self.mode.verify(credentials)
            status, payload = 200, {"data": {"who": key.access_key_id, "body": json.loads(body)}}
        except AuthFailure as failure:
            status, payload = 401, {"errors": [{"message": failure.message}]}
        encoded = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def verifying_server(mode: IamMode) -> Iterator[str]:
    handler = type("Handler", (_Verifying,), {"mode": mode})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/graphql"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def run_script(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "signed_request.py"), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", **env},
    )


def test_the_script_sends_a_request_the_server_verifies(verifying_server: str) -> None:
    env = {"AWS_ACCESS_KEY_ID": ALICE, "AWS_SECRET_ACCESS_KEY": ALICE_SECRET, "AWS_REGION": REGION}
    query = "query Q($n: Int) { a(n: $n) }"
    result = run_script(verifying_server, "--query", query, "--variables", '{"n": 1}', **env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "data": {"who": ALICE, "body": {"query": query, "variables": {"n": 1}}}
    }
    env["AWS_SECRET_ACCESS_KEY"] = "wrong"
    refused = run_script(verifying_server, "--query", query, **env)
    assert refused.returncode == 1
    assert json.loads(refused.stdout) == {"errors": [{"message": SIGNATURE_MISMATCH}]}
    assert "HTTP 401" in refused.stderr


def test_the_script_documents_itself() -> None:
    result = run_script("--help")
    assert result.returncode == 0
    for option in ("--query", "--query-file", "--access-key", "--secret-key", "--region"):
        assert option in result.stdout
    missing = run_script("http://127.0.0.1:1/graphql", "--query", "{a}")
    assert missing.returncode == 2
    assert "--access-key is required" in missing.stderr
