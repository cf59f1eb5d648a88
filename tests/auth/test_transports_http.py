"""All five authorization modes over HTTP, against one server process: which credentials get
in (and with which `$ctx.identity` and `$util.authType()`), which are refused and how, and what
the field directives let each mode read."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from tests.auth.support_jwt import cognito_claims, oidc_claims, token
from tests.auth.support_sigv4 import signed_headers
from tests.auth.support_transports import (
    ACCESS_KEY,
    ACCOUNT,
    COGNITO_CLIENT,
    COGNITO_ISSUER,
    OIDC_CLIENT,
    OIDC_ISSUER,
    REGION,
    SECRET,
    USER_ARN,
    AllModesApi,
    all_modes_api,
)

WHOAMI = "{ whoami }"
NOT_AUTHORIZED = "You are not authorized to make this call."


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AllModesApi]:
    with all_modes_api(
        tmp_path_factory.mktemp("all-modes"), tmp_path_factory.mktemp("all-modes-logs")
    ) as running:
        yield running


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10.0) as client:
        yield client


Headers = Callable[[AllModesApi, bytes], dict[str, str]]


def _iam(secret: str = SECRET, when: datetime | None = None) -> Headers:
    def headers(api: AllModesApi, body: bytes) -> dict[str, str]:
        return signed_headers(api.server.graphql_url, body, ACCESS_KEY, secret, REGION, when=when)

    return headers


def _auth(make: Callable[[AllModesApi], str]) -> Headers:
    return lambda api, _body: {"authorization": make(api)}


REFUSED: dict[str, tuple[Headers, int, str, str | None]] = {
    # name: (headers, status, errorType, message (None: not checked))
    "missing": (lambda _api, _body: {}, 401, "UnauthorizedException", NOT_AUTHORIZED),
    "api-key-malformed": (
        lambda _api, _body: {"x-api-key": "not-a-key"},
        401,
        "UnauthorizedException",
        NOT_AUTHORIZED,
    ),
    "api-key-expired": (
        lambda api, _body: {"x-api-key": api.expired_api_key},
        401,
        "UnauthorizedException",
        NOT_AUTHORIZED,
    ),
    "api-key-deleted": (
        lambda api, _body: {"x-api-key": api.deleted_api_key},
        401,
        "UnauthorizedException",
        NOT_AUTHORIZED,
    ),
    "cognito-expired": (
        _auth(lambda api: api.cognito_token(lifetime=-600)),
        401,
        "UnauthorizedException",
        "Token has expired.",
    ),
    "cognito-wrong-audience": (
        _auth(lambda api: api.cognito_token(client_id="other-client")),
        401,
        "UnauthorizedException",
        "Token was not issued to a client this API accepts.",
    ),
    "cognito-bad-signature": (
        _auth(lambda api: token(api.foreign_cognito_key, cognito_claims(COGNITO_ISSUER))),
        401,
        "UnauthorizedException",
        "Token signature is not valid.",
    ),
    # No mode issues it, so the Lambda authorizer is asked, and says no.
    "jwt-unknown-issuer": (
        _auth(lambda api: token(api.cognito_key, cognito_claims("https://evil.test"))),
        401,
        "UnauthorizedException",
        NOT_AUTHORIZED,
    ),
    "jwt-malformed": (
        lambda _api, _body: {"authorization": "eyJ.not-a.jwt"},
        401,
        "UnauthorizedException",
        None,
    ),
    "oidc-expired": (
        _auth(lambda api: api.oidc_token(lifetime=-600)),
        401,
        "UnauthorizedException",
        "Token has expired.",
    ),
    "oidc-wrong-audience": (
        _auth(lambda api: api.oidc_token(audience="someone-else")),
        401,
        "UnauthorizedException",
        "Token was not issued to a client this API accepts.",
    ),
    "oidc-bad-signature": (
        _auth(lambda api: token(api.foreign_oidc_key, oidc_claims(OIDC_ISSUER))),
        401,
        "UnauthorizedException",
        "Token signature is not valid.",
    ),
    "iam-wrong-secret": (_iam(secret="not-the-secret"), 403, "InvalidSignatureException", None),
    "iam-expired-signature": (
        _iam(when=datetime.now(UTC) - timedelta(hours=1)),
        403,
        "InvalidSignatureException",
        None,
    ),
    "iam-malformed": (
        lambda _api, _body: {
            "authorization": "AWS4-HMAC-SHA256 Credential=nonsense",
            "x-amz-date": "20240101T000000Z",
        },
        401,
        "UnauthorizedException",
        "Authorization header is not a valid AWS Signature Version 4 header.",
    ),
    "lambda-denied": (
        lambda _api, _body: {"authorization": "let-me-in"},
        401,
        "UnauthorizedException",
        NOT_AUTHORIZED,
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_credentials(api: AllModesApi, http: httpx.Client, case: str) -> None:
    make_headers, status, error_type, message = REFUSED[case]
    body = api.body(WHOAMI)
    headers = {"content-type": "application/json", **make_headers(api, body)}
    response = http.post(api.server.graphql_url, content=body, headers=headers)
    assert response.status_code == status, response.text
    assert response.headers["x-amzn-errortype"] == error_type
    (error,) = response.json()["errors"]
    assert error["errorType"] == error_type
    if message is not None:
        assert error["message"] == message
    assert "data" not in response.json()


def _claims_of(signed: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(signed, options={"verify_signature": False})
    return claims


def whoami(api: AllModesApi, http: httpx.Client, headers: dict[str, str]) -> dict[str, Any]:
    response = api.post(http, WHOAMI, headers)
    assert response.status_code == 200, response.text
    assert "errors" not in response.json(), response.text
    result: dict[str, Any] = json.loads(response.json()["data"]["whoami"])
    return result


def test_api_key_identity(api: AllModesApi, http: httpx.Client) -> None:
    assert whoami(api, http, {"x-api-key": api.api_key}) == {
        "authType": "API Key Authorization",
        "identity": None,
    }


def test_iam_identity(api: AllModesApi, http: httpx.Client) -> None:
    body = api.body(WHOAMI)
    response = http.post(api.server.graphql_url, content=body, headers=api.iam_headers(body))
    assert response.status_code == 200, response.text
    assert json.loads(response.json()["data"]["whoami"]) == {
        "authType": "IAM Authorization",
        "identity": {
            "accountId": ACCOUNT,
            "cognitoIdentityPoolId": None,
            "cognitoIdentityId": None,
            "sourceIp": ["127.0.0.1"],
            "username": "tester",
            "userArn": USER_ARN,
            "cognitoIdentityAuthType": None,
            "cognitoIdentityAuthProvider": None,
        },
    }


def test_cognito_identity(api: AllModesApi, http: httpx.Client) -> None:
    signed = api.cognito_token(groups=["Admins", "Staff"], username="carol")
    assert whoami(api, http, {"authorization": signed}) == {
        "authType": "User Pool Authorization",
        "identity": {
            "sub": "0b1d9f6e-0000-4000-8000-000000000001",
            "issuer": COGNITO_ISSUER,
            "username": "carol",
            "claims": _claims_of(signed),
            "sourceIp": ["127.0.0.1"],
            "defaultAuthStrategy": "ALLOW",
            "groups": ["Admins", "Staff"],
        },
    }
    assert _claims_of(signed)["aud"] == COGNITO_CLIENT


def test_oidc_identity(api: AllModesApi, http: httpx.Client) -> None:
    signed = api.oidc_token()
    # "Bearer " is accepted in front of a JWT.
    assert whoami(api, http, {"authorization": f"Bearer {signed}"}) == {
        "authType": "Open ID Connect Authorization",
        "identity": {"sub": "user-1", "issuer": OIDC_ISSUER, "claims": _claims_of(signed)},
    }
    assert _claims_of(signed)["aud"] == OIDC_CLIENT


def test_lambda_identity(api: AllModesApi, http: httpx.Client) -> None:
    assert whoami(api, http, {"authorization": "allow-bob"}) == {
        "authType": "Lambda Authorization",
        "identity": {"resolverContext": {"who": "bob"}},
    }


# Field directives ------------------------------------------------------------------------------

FIELDS = ("apiKeyField", "iamField", "cognitoField", "oidcField", "lambdaField", "shared")
EVERY_FIELD = "{ " + " ".join(FIELDS) + " }"


def _mode_headers(api: AllModesApi, mode: str, body: bytes) -> dict[str, str]:
    if mode == "iamField":
        return api.iam_headers(body)  # signs content-type too
    headers = {"content-type": "application/json"}
    if mode == "apiKeyField":
        return {**headers, "x-api-key": api.api_key}
    if mode == "cognitoField":
        return {**headers, "authorization": api.cognito_token()}
    if mode == "oidcField":
        return {**headers, "authorization": api.oidc_token()}
    return {**headers, "authorization": "allow-dana"}


@pytest.mark.parametrize("own", FIELDS[:5])
def test_each_mode_reads_its_own_field_and_the_shared_one(
    api: AllModesApi, http: httpx.Client, own: str
) -> None:
    body = api.body(EVERY_FIELD)
    response = http.post(
        api.server.graphql_url, content=body, headers=_mode_headers(api, own, body)
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["data"] == {
        field: f"{field}-value" if field in (own, "shared") else None for field in FIELDS
    }
    others = [field for field in FIELDS[:5] if field != own]
    assert sorted(answer["errors"], key=lambda error: error["path"]) == [
        {
            "path": [field],
            "data": None,
            "errorType": "Unauthorized",
            "errorInfo": None,
            "locations": [{"line": 1, "column": EVERY_FIELD.index(field) + 1, "sourceName": None}],
            "message": f"Not Authorized to access {field} on type Query",
        }
        for field in sorted(others)
    ]


def _errors(response: httpx.Response) -> list[tuple[str, str]]:
    return [(error["errorType"], error["message"]) for error in response.json()["errors"]]


def test_cognito_groups(api: AllModesApi, http: httpx.Client) -> None:
    admin = api.post(http, "{ adminNote }", {"authorization": api.cognito_token(groups=["Admins"])})
    assert admin.json() == {"data": {"adminNote": "adminNote-value"}}
    for groups in (["Staff"], None):
        other = api.cognito_token(groups=groups)
        response = api.post(http, "{ adminNote }", {"authorization": other})
        assert response.status_code == 200
        assert response.json()["data"] == {"adminNote": None}
        assert _errors(response) == [
            ("Unauthorized", "Not Authorized to access adminNote on type Query")
        ]
    # The default mode (API key) is not among the field's modes either.
    response = api.post(http, "{ adminNote }", {"x-api-key": api.api_key})
    assert response.json()["data"] == {"adminNote": None}


def test_lambda_denied_fields(api: AllModesApi, http: httpx.Client) -> None:
    response = api.post(http, "{ lambdaField shared }", {"authorization": "deny-field"})
    assert response.status_code == 200
    assert response.json()["data"] == {"lambdaField": None, "shared": "shared-value"}
    assert _errors(response) == [
        ("Unauthorized", "Not Authorized to access lambdaField on type Query")
    ]
    allowed = api.post(http, "{ lambdaField }", {"authorization": "allow-erin"})
    assert allowed.json() == {"data": {"lambdaField": "lambdaField-value"}}


def test_util_unauthorized(api: AllModesApi, http: httpx.Client) -> None:
    response = api.post(http, "{ refused shared }", {"x-api-key": api.api_key})
    assert response.status_code == 200
    assert response.json()["data"] == {"refused": None, "shared": "shared-value"}
    assert _errors(response) == [("Unauthorized", "Not Authorized to access refused on type Query")]
