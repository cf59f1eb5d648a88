"""AMAZON_COGNITO_USER_POOLS and OPENID_CONNECT: which requests each takes, the tokens it refuses
(and the message the client gets), `$ctx.identity`, and their settings. Keys come from a real
issuer on 127.0.0.1 (`JwksServer`) or from a local `jwksFile`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from app.auth.base import AuthFailure, Credentials, Principal
from app.auth.jwks import FileJwks, RemoteJwks
from app.auth.modes import cognito, oidc
from app.auth.modes.cognito import WRONG_TOKEN_USE, CognitoUserPools
from app.auth.modes.jwt_tokens import (
    BAD_SIGNATURE,
    EXPIRED,
    MALFORMED,
    MISSING,
    NOT_YET_VALID,
    UNSUPPORTED_ALGORITHM,
    WRONG_AUDIENCE,
    WRONG_ISSUER,
)
from app.auth.modes.oidc import OpenIdConnect
from app.definition.model import AuthType, freeze
from tests.auth.support_jwt import (
    JwksServer,
    TestKey,
    cognito_claims,
    jwks,
    make_key,
    oidc_claims,
    tampered,
    token,
    unsigned_token,
)

REPO = Path(__file__).resolve().parents[2]
POOL = "us-east-1_TestPool1"
RSA_KEY = make_key("rsa-1")
EC_KEY = make_key("ec-1", "EC")
ANY_RSA = make_key("rsa-any")
"""Published without `alg`: verifies RS* and PS*."""
STRANGER = make_key("rsa-1")
"""Same kid as RSA_KEY, but not the issuer's key."""

Mode = CognitoUserPools | OpenIdConnect


@pytest.fixture(scope="module")
async def issuer() -> AsyncIterator[JwksServer]:
    async with JwksServer(RSA_KEY, EC_KEY) as server:
        server.keys.append(ANY_RSA.public_jwk(alg=None))
        yield server


@pytest.fixture
async def pool(issuer: JwksServer) -> AsyncIterator[CognitoUserPools]:
    mode = cognito.create(
        freeze(
            {
                "userPoolId": POOL,
                "awsRegion": "us-east-1",
                "issuer": issuer.url,
                "appIdClientRegex": "app-client|web-[0-9]+",
            }
        ),
        REPO,
    )
    await mode.start()
    yield mode
    await mode.close()


@pytest.fixture
async def provider(issuer: JwksServer) -> AsyncIterator[OpenIdConnect]:
    mode = oidc.create(freeze({"issuer": issuer.url, "clientId": "client-[0-9]"}), REPO)
    await mode.start()
    yield mode
    await mode.close()


def request(authorization: str | None = None, **headers: str) -> Credentials:
    if authorization is not None:
        headers["authorization"] = authorization
    return Credentials(headers=headers, source_ip="10.0.0.9", request_id="req-1")


async def refusal(mode: Mode, credentials: Credentials) -> str:
    with pytest.raises(AuthFailure) as caught:
        await mode.authenticate(credentials)
    assert caught.value.error_type == "UnauthorizedException"
    return caught.value.message


def hs256_with_public_key(key: TestKey, claims: dict[str, Any]) -> str:
    """The classic confusion attack: HS256 keyed with the issuer's public key."""
    secret = key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    signing_input = f"{part({'alg': 'HS256', 'kid': key.kid})}.{part(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


# --- which requests a mode takes --------------------------------------------------------------


async def test_each_mode_claims_the_jwts_of_its_own_issuer(
    issuer: JwksServer, pool: CognitoUserPools
) -> None:
    mine = token(RSA_KEY, cognito_claims(issuer.url))
    other = token(RSA_KEY, cognito_claims("https://cognito-idp.us-east-1.amazonaws.com/other"))
    assert pool.claims(request(mine))
    assert pool.claims(request("Bearer " + mine))
    assert not pool.claims(request(other))
    assert not pool.claims(request())
    assert not pool.claims(request("custom-lambda-token"))
    assert not pool.claims(request("AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/x"))
    assert not pool.claims(request("a.b.c"))  # three parts, but no JSON payload
    assert not pool.claims(request(mine + "x" * 20_000))  # too long for a JWT
    assert not pool.claims(Credentials(headers={"x-api-key": "da2-abc"}))


# --- what each mode refuses -------------------------------------------------------------------


def cognito_token(url: str, **changes: Any) -> str:
    claims = {k: v for k, v in {**cognito_claims(url), **changes}.items() if v is not None}
    return token(RSA_KEY, claims)


def oidc_token(url: str, **changes: Any) -> str:
    claims = {k: v for k, v in {**oidc_claims(url), **changes}.items() if v is not None}
    return token(EC_KEY, claims)


NOW = int(time.time())
REFUSALS: list[tuple[str, Callable[[str, Callable[..., str]], str | None], str]] = [
    ("missing", lambda url, make: None, MISSING),
    ("not a JWT", lambda url, make: "opaque-token", MALFORMED),
    ("two parts", lambda url, make: make(url).rsplit(".", 1)[0], MALFORMED),
    ("header not JSON", lambda url, make: "bm90IGpzb24." + make(url).split(".", 1)[1], MALFORMED),
    ("expired", lambda url, make: make(url, exp=NOW - 120), EXPIRED),
    ("no exp", lambda url, make: make(url, exp=None), MALFORMED),
    ("exp not a number", lambda url, make: make(url, exp=str(NOW + 600)), MALFORMED),
    ("nbf in the future", lambda url, make: make(url, nbf=NOW + 600), NOT_YET_VALID),
    ("iat in the future", lambda url, make: make(url, iat=NOW + 600), NOT_YET_VALID),
    ("wrong issuer", lambda url, make: make(url, iss=url + "/other"), WRONG_ISSUER),
    ("no issuer", lambda url, make: make(url, iss=None), MALFORMED),
    ("wrong audience", lambda url, make: make(url, aud="stranger", azp=None), WRONG_AUDIENCE),
    ("tampered payload", lambda url, make: tampered(make(url), sub="admin"), BAD_SIGNATURE),
    (
        "alg none",
        lambda url, make: unsigned_token(oidc_claims(url), "rsa-1"),
        UNSUPPORTED_ALGORITHM,
    ),
    (
        "HS256 keyed with the public key",
        lambda url, make: hs256_with_public_key(RSA_KEY, cognito_claims(url)),
        UNSUPPORTED_ALGORITHM,
    ),
]
"""Name, token from (issuer URL, the mode's token maker), the message the client gets."""


@pytest.mark.parametrize(("case", "make", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
async def test_cognito_refuses(
    issuer: JwksServer,
    pool: CognitoUserPools,
    case: str,
    make: Callable[[str, Callable[..., str]], str | None],
    message: str,
) -> None:
    assert await refusal(pool, request(make(issuer.url, cognito_token))) == message


@pytest.mark.parametrize(("case", "make", "message"), REFUSALS, ids=[r[0] for r in REFUSALS])
async def test_oidc_refuses(
    issuer: JwksServer,
    provider: OpenIdConnect,
    case: str,
    make: Callable[[str, Callable[..., str]], str | None],
    message: str,
) -> None:
    assert await refusal(provider, request(make(issuer.url, oidc_token))) == message


@pytest.mark.parametrize(
    ("case", "signed"),
    [
        ("a key not in the key set, under a kid that is", lambda c: token(STRANGER, c)),
        ("an unknown kid", lambda c: token(STRANGER, c, {"kid": "nobody"})),
        ("RS256 claimed for an EC key", lambda c: token(RSA_KEY, c, {"kid": "ec-1"})),
        ("ES256 claimed for an RSA key", lambda c: token(EC_KEY, c, {"kid": "rsa-1"})),
        ("PS256 for a key published as RS256", lambda c: token(RSA_KEY, c, {"alg": "PS256"})),
    ],
)
async def test_signatures_are_verified_with_the_issuers_key_and_its_algorithms(
    issuer: JwksServer,
    pool: CognitoUserPools,
    provider: OpenIdConnect,
    case: str,
    signed: Callable[[dict[str, Any]], str],
) -> None:
    assert await refusal(pool, request(signed(cognito_claims(issuer.url)))) == BAD_SIGNATURE
    assert await refusal(provider, request(signed(oidc_claims(issuer.url)))) == BAD_SIGNATURE


async def test_a_token_without_kid_is_malformed(
    issuer: JwksServer, provider: OpenIdConnect
) -> None:
    signed = token(RSA_KEY, oidc_claims(issuer.url), {"kid": None})
    assert await refusal(provider, request(signed)) == MALFORMED


async def test_refusals_are_logged_with_the_reason_and_not_the_token(
    issuer: JwksServer, pool: CognitoUserPools, caplog: pytest.LogCaptureFixture
) -> None:
    signed = cognito_token(issuer.url, aud="web-x")
    with caplog.at_level(logging.INFO, "strawsync.auth"):
        await refusal(pool, request(signed))
    assert caplog.messages[-1] == (
        f"AMAZON_COGNITO_USER_POOLS {POOL} refused request req-1: aud 'web-x' does not match "
        "appIdClientRegex 'app-client|web-[0-9]+'"
    )
    assert all(signed.split(".")[2] not in message for message in caplog.messages)


# --- what each mode accepts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "algorithm"),
    [(RSA_KEY, "RS256"), (EC_KEY, "ES256"), (ANY_RSA, "RS512"), (ANY_RSA, "PS256")],
)
async def test_tokens_signed_with_the_issuers_keys_are_accepted(
    issuer: JwksServer,
    pool: CognitoUserPools,
    provider: OpenIdConnect,
    key: TestKey,
    algorithm: str,
) -> None:
    signed = token(key, cognito_claims(issuer.url), {"alg": algorithm})
    assert (await pool.authenticate(request(signed))).auth_type is pool.auth_type
    signed = token(key, oidc_claims(issuer.url), {"alg": algorithm})
    assert (await provider.authenticate(request(signed))).auth_type is provider.auth_type


async def test_a_bearer_prefix_is_accepted(
    issuer: JwksServer, pool: CognitoUserPools, provider: OpenIdConnect
) -> None:
    assert await pool.authenticate(request("Bearer " + cognito_token(issuer.url)))
    assert await provider.authenticate(request("bearer  " + oidc_token(issuer.url)))


async def test_clock_skew_is_allowed_for_exp_up_to_clock_skew_seconds(
    issuer: JwksServer, pool: CognitoUserPools
) -> None:
    just_expired = cognito_token(issuer.url, exp=int(time.time()) - 30)
    assert await pool.authenticate(request(just_expired))
    strict = cognito.create(
        freeze(
            {
                "userPoolId": POOL,
                "awsRegion": "us-east-1",
                "issuer": issuer.url,
                "clockSkewSeconds": 0,
            }
        ),
        REPO,
    )
    try:
        assert await refusal(strict, request(just_expired)) == EXPIRED
    finally:
        await strict.close()


# --- AMAZON_COGNITO_USER_POOLS ----------------------------------------------------------------


async def test_cognito_identity_of_an_id_token(issuer: JwksServer, pool: CognitoUserPools) -> None:
    claims = cognito_claims(issuer.url, groups=["admins", "editors"], email="a@example.com")
    principal = await pool.authenticate(
        request(token(RSA_KEY, claims), **{"x-forwarded-for": "203.0.113.7, 198.51.100.2"})
    )
    assert principal == Principal(
        AuthType.AMAZON_COGNITO_USER_POOLS,
        identity={
            "sub": claims["sub"],
            "issuer": issuer.url,
            "username": "alice",
            "claims": claims,
            "sourceIp": ["203.0.113.7", "198.51.100.2", "10.0.0.9"],
            "defaultAuthStrategy": "ALLOW",
            "groups": ["admins", "editors"],
        },
        groups=frozenset({"admins", "editors"}),
        expires_at=float(claims["exp"]),
    )


async def test_cognito_access_tokens_name_the_client_and_user_differently(
    issuer: JwksServer, pool: CognitoUserPools
) -> None:
    claims = cognito_claims(issuer.url, token_use="access", client_id="web-42", username="bob")
    principal = await pool.authenticate(request(token(RSA_KEY, claims)))
    assert principal.identity is not None
    assert principal.identity["username"] == "bob"
    assert principal.identity["claims"]["client_id"] == "web-42"
    assert principal.identity["groups"] is None
    assert principal.groups == frozenset()
    # an access token's client is its client_id: an aud, if any, is not what is checked
    wrong = cognito_claims(issuer.url, token_use="access", client_id="web-x", aud="app-client")
    assert await refusal(pool, request(token(RSA_KEY, wrong))) == WRONG_AUDIENCE


@pytest.mark.parametrize(
    ("token_use", "message"),
    [("refresh", WRONG_TOKEN_USE), (["id"], WRONG_TOKEN_USE), (None, MALFORMED)],
)
async def test_cognito_takes_only_id_and_access_tokens(
    issuer: JwksServer, pool: CognitoUserPools, token_use: Any, message: str
) -> None:
    assert await refusal(pool, request(cognito_token(issuer.url, token_use=token_use))) == message


async def test_cognito_app_client_regex_must_match_all_of_the_client_id(
    issuer: JwksServer, pool: CognitoUserPools
) -> None:
    assert await pool.authenticate(request(cognito_token(issuer.url, aud="web-7")))
    for client in ("app-client-2", "my-app-client", "web-"):
        assert await refusal(pool, request(cognito_token(issuer.url, aud=client))) == (
            WRONG_AUDIENCE
        )


async def test_cognito_without_app_client_regex_takes_any_client_and_default_deny(
    issuer: JwksServer,
) -> None:
    config = {
        "userPoolId": POOL,
        "awsRegion": "us-east-1",
        "issuer": issuer.url,
        "defaultAction": "DENY",
    }
    mode = cognito.create(freeze(config), REPO)
    try:
        principal = await mode.authenticate(request(cognito_token(issuer.url, aud="anything")))
    finally:
        await mode.close()
    assert mode.default_action == "DENY"
    assert principal.identity is not None
    assert principal.identity["defaultAuthStrategy"] == "DENY"


async def test_cognito_groups_that_are_not_a_list_grant_none(
    issuer: JwksServer, pool: CognitoUserPools
) -> None:
    signed = cognito_token(issuer.url, **{"cognito:groups": "admins"})
    principal = await pool.authenticate(request(signed))
    assert principal.groups == frozenset()
    assert principal.identity is not None
    assert principal.identity["groups"] is None


def test_cognito_defaults_to_the_pools_aws_issuer_and_key_set() -> None:
    mode = cognito.create(
        freeze({"userPoolId": "eu-west-2_Abc123", "awsRegion": "eu-west-2"}), REPO
    )
    assert mode.issuer == "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Abc123"
    assert isinstance(mode.keys, RemoteJwks)
    assert mode.keys.jwks_url == (
        "https://cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Abc123/.well-known/jwks.json"
    )
    assert mode.default_action == "ALLOW"


# --- OPENID_CONNECT ---------------------------------------------------------------------------


async def test_oidc_identity(issuer: JwksServer, provider: OpenIdConnect) -> None:
    claims = oidc_claims(issuer.url, audience="client-1", email="u@example.com")
    principal = await provider.authenticate(
        request(token(EC_KEY, claims), **{"x-forwarded-for": "203.0.113.7"})
    )
    assert principal == Principal(
        AuthType.OPENID_CONNECT,
        identity={"sub": "user-1", "issuer": issuer.url, "claims": claims},
        expires_at=float(claims["exp"]),
    )


@pytest.mark.parametrize(
    ("audience", "azp", "accepted"),
    [
        ("client-1", None, True),
        (["other", "client-3"], None, True),
        ("other", "client-4", True),
        (["other"], None, False),
        ("client-10", None, False),
        ("other", "client-", False),
    ],
)
async def test_oidc_client_id_matches_aud_or_azp(
    issuer: JwksServer,
    provider: OpenIdConnect,
    audience: str | list[str],
    azp: str | None,
    accepted: bool,
) -> None:
    credentials = request(oidc_token(issuer.url, aud=audience, azp=azp))
    if accepted:
        assert await provider.authenticate(credentials)
    else:
        assert await refusal(provider, credentials) == WRONG_AUDIENCE


async def test_oidc_requires_iat_and_cognito_does_not(
    issuer: JwksServer, pool: CognitoUserPools, provider: OpenIdConnect
) -> None:
    assert await refusal(provider, request(oidc_token(issuer.url, iat=None))) == MALFORMED
    assert await pool.authenticate(request(cognito_token(issuer.url, iat=None)))


async def test_oidc_iat_ttl_and_auth_ttl_shorten_a_tokens_life(issuer: JwksServer) -> None:
    now = int(time.time())
    mode = oidc.create(freeze({"issuer": issuer.url, "iatTTL": 600_000, "authTTL": 900_000}), REPO)
    try:
        fresh = await mode.authenticate(
            request(oidc_token(issuer.url, iat=now - 100, auth_time=now - 200))
        )
        assert fresh.expires_at == min(now - 100 + 600, now - 200 + 900)
        issued_long_ago = oidc_token(issuer.url, iat=now - 600 - 61)
        assert await refusal(mode, request(issued_long_ago)) == EXPIRED
        authenticated_long_ago = oidc_token(issuer.url, auth_time=now - 900 - 61)
        assert await refusal(mode, request(authenticated_long_ago)) == EXPIRED
        assert await refusal(mode, request(oidc_token(issuer.url, auth_time=None))) == MALFORMED
    finally:
        await mode.close()


def test_oidc_discovers_its_keys_unless_told_where_they_are() -> None:
    mode = oidc.create(freeze({"issuer": "https://idp.example"}), REPO)
    assert isinstance(mode.keys, RemoteJwks)
    assert (mode.keys.jwks_url, mode.keys.issuer) == (None, "https://idp.example")
    assert mode.keys.source == "https://idp.example/.well-known/openid-configuration"
    mode = oidc.create(
        freeze({"issuer": "https://idp.example", "jwksUrl": "https://keys.example/k"}), REPO
    )
    assert isinstance(mode.keys, RemoteJwks)
    assert mode.keys.jwks_url == "https://keys.example/k"


# --- key sets: where each mode reads them, rotation, a local file -----------------------------


async def test_each_mode_reads_its_issuers_key_set_where_appsync_does() -> None:
    async with JwksServer(RSA_KEY) as server:
        pool = cognito.create(
            freeze({"userPoolId": POOL, "awsRegion": "us-east-1", "issuer": server.url}), REPO
        )
        provider = oidc.create(freeze({"issuer": server.url}), REPO)
        for mode, claims in ((pool, cognito_claims), (provider, oidc_claims)):
            await mode.start()
            for _ in range(3):
                assert await mode.authenticate(request(token(RSA_KEY, claims(server.url))))
            await mode.close()
    assert server.hits == {
        "/.well-known/jwks.json": 1,
        "/.well-known/openid-configuration": 1,
        "/keys": 1,
    }


async def test_a_rotated_key_is_fetched_and_garbage_kids_do_not_refetch() -> None:
    new_key = make_key("rsa-new")
    async with JwksServer(RSA_KEY) as server:
        mode = oidc.create(freeze({"issuer": server.url}), REPO)
        assert isinstance(mode.keys, RemoteJwks)
        await mode.start()
        try:
            assert await mode.authenticate(request(token(RSA_KEY, oidc_claims(server.url))))
            server.keys.append(new_key)
            mode.keys.refetch_interval = 0  # as if the interval had passed
            assert await mode.authenticate(request(token(new_key, oidc_claims(server.url))))
            mode.keys.refetch_interval = 30
            for n in range(10):
                garbage = token(STRANGER, oidc_claims(server.url), {"kid": f"garbage-{n}"})
                assert await refusal(mode, request(garbage)) == BAD_SIGNATURE
        finally:
            await mode.close()
    assert server.hits["/keys"] == 2


async def test_keys_that_cannot_be_fetched_refuse_tokens_with_a_safe_message() -> None:
    async with JwksServer(RSA_KEY) as server:
        server.status = 500
        mode = oidc.create(freeze({"issuer": server.url}), REPO)
        try:
            message = await refusal(mode, request(token(RSA_KEY, oidc_claims(server.url))))
        finally:
            await mode.close()
    assert message == "The identity provider's signing keys are unavailable; try again later."


async def test_both_modes_verify_offline_with_a_jwks_file(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys" / "jwks.json"
    keys_file.parent.mkdir()
    keys_file.write_text(json.dumps(jwks(RSA_KEY)))
    pool_issuer = "https://cognito-idp.us-east-1.amazonaws.com/" + POOL
    pool = cognito.create(
        freeze({"userPoolId": POOL, "awsRegion": "us-east-1", "jwksFile": "keys/jwks.json"}),
        tmp_path,
    )
    provider = oidc.create(
        freeze({"issuer": "urn:local-idp", "jwksFile": "keys/jwks.json"}), tmp_path
    )
    assert isinstance(pool.keys, FileJwks)
    assert await pool.authenticate(request(token(RSA_KEY, cognito_claims(pool_issuer))))
    assert await provider.authenticate(request(token(RSA_KEY, oidc_claims("urn:local-idp"))))
    new_key = make_key("rsa-2")
    keys_file.write_text(json.dumps(jwks(new_key)) + " " * 10)  # a different size: re-read
    assert await provider.authenticate(request(token(new_key, oidc_claims("urn:local-idp"))))
    assert await refusal(provider, request(token(RSA_KEY, oidc_claims("urn:local-idp")))) == (
        BAD_SIGNATURE
    )


async def test_a_missing_jwks_file_refuses_tokens_until_it_appears(tmp_path: Path) -> None:
    """A local pool's JWKS is often written after the server starts (scripts/mint_jwt.py)."""
    provider = oidc.create(freeze({"issuer": "urn:x", "jwksFile": "later.json"}), tmp_path)
    signed = request(token(RSA_KEY, oidc_claims("urn:x")))
    message = await refusal(provider, signed)
    assert message == "The identity provider's signing keys are unavailable; try again later."
    (tmp_path / "later.json").write_text(json.dumps(jwks(RSA_KEY)))
    assert await provider.authenticate(signed)


async def test_tokens_from_the_mint_script_are_accepted(tmp_path: Path) -> None:
    def mint(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, str(REPO / "scripts" / "mint_jwt.py"), *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    signed = mint("cognito", "--user-pool-id", POOL, "--group", "admins", "--claim", "tier=3")
    pool = cognito.create(
        freeze(
            {
                "userPoolId": POOL,
                "awsRegion": "us-east-1",
                "appIdClientRegex": "local-client",
                "jwksFile": ".strawsync/jwt/jwks.json",
            }
        ),
        tmp_path,
    )
    principal = await pool.authenticate(request(signed))
    assert principal.groups == frozenset({"admins"})
    assert principal.identity is not None
    assert principal.identity["claims"]["tier"] == 3
    expired = mint("oidc", "--issuer", "https://idp.local", "--expires-in", "-120")
    provider = oidc.create(
        freeze({"issuer": "https://idp.local", "jwksFile": ".strawsync/jwt/jwks.json"}), tmp_path
    )
    assert await refusal(provider, request(expired)) == EXPIRED


# --- settings ---------------------------------------------------------------------------------


def test_good_settings_have_no_problems() -> None:
    assert cognito.config_problems(freeze({"userPoolId": POOL, "awsRegion": "us-east-1"})) == []
    full = {
        "userPoolId": POOL,
        "awsRegion": "us-east-1",
        "appIdClientRegex": "abc|def",
        "defaultAction": "DENY",
        "issuer": "http://127.0.0.1:9229/local_pool",
        "jwksUrl": "http://127.0.0.1:9229/local_pool/.well-known/jwks.json",
        "clockSkewSeconds": 5,
    }
    assert cognito.config_problems(freeze(full)) == []
    assert oidc.config_problems(freeze({"issuer": "https://idp.example"})) == []
    full = {
        "issuer": "urn:idp",
        "clientId": "web|ios",
        "iatTTL": 3_600_000,
        "authTTL": 0,
        "jwksFile": "keys.json",
        "clockSkewSeconds": 0.5,
    }
    assert oidc.config_problems(freeze(full)) == []


def test_cognito_settings_problems() -> None:
    problems = cognito.config_problems(
        freeze(
            {
                "userPoolID": "x",
                "awsRegion": "US East",
                "appIdClientRegex": "(",
                "defaultAction": "allow",
                "issuer": "cognito",
                "jwksUrl": "ftp://keys",
                "jwksFile": "keys.json",
                "clockSkewSeconds": -1,
            }
        )
    )
    mode = "AMAZON_COGNITO_USER_POOLS"
    assert problems == [
        f"unknown {mode} setting 'userPoolID' (known: userPoolId, awsRegion, appIdClientRegex, "
        "defaultAction, issuer, jwksUrl, jwksFile, clockSkewSeconds)",
        f"{mode} needs 'userPoolId' (e.g. us-east-1_AbCdEf123)",
        f"{mode}: 'awsRegion' must be a region name such as us-east-1",
        f"{mode}: 'defaultAction' must be ALLOW or DENY",
        f"{mode}: 'issuer' must be an http:// or https:// URL",
        f"{mode}: 'appIdClientRegex' is not a valid regular expression: "
        "missing ), unterminated subpattern at position 0",
        f"{mode}: give 'jwksUrl' or 'jwksFile', not both",
        f"{mode}: 'jwksUrl' must be an http:// or https:// URL",
        f"{mode}: 'clockSkewSeconds' must be a number of seconds from 0 to 3600",
    ]
    assert cognito.config_problems(freeze({"userPoolId": "pool", "awsRegion": 1})) == [
        f"{mode}: 'userPoolId' must look like us-east-1_AbCdEf123",
        f"{mode}: 'awsRegion' must be a region name such as us-east-1",
    ]
    with pytest.raises(ValueError, match="needs 'awsRegion'"):
        cognito.create(freeze({"userPoolId": POOL}), REPO)


def test_oidc_settings_problems() -> None:
    mode = "OPENID_CONNECT"
    assert oidc.config_problems(freeze({"clientId": 3, "iatTTL": -1, "authTTL": 1.5})) == [
        f"{mode} needs 'issuer' (the iss of its tokens, e.g. https://idp.example)",
        f"{mode}: 'clientId' must be a regular expression string",
        f"{mode}: 'iatTTL' must be a whole number of milliseconds (0: no limit)",
        f"{mode}: 'authTTL' must be a whole number of milliseconds (0: no limit)",
    ]
    assert oidc.config_problems(freeze({"issuer": "urn:idp", "jwksFile": ""})) == [
        f"{mode}: 'jwksFile' must be a path relative to the project"
    ]
    assert oidc.config_problems(freeze({"issuer": "urn:idp", "clockSkewSeconds": True})) == [
        f"{mode}: 'issuer' must be an http:// or https:// URL to discover its keys from "
        "(or give 'jwksUrl' or 'jwksFile')",
        f"{mode}: 'clockSkewSeconds' must be a number of seconds from 0 to 3600",
    ]
    assert oidc.config_problems(freeze({"issuer": " https://idp", "secret": 1})) == [
        f"unknown {mode} setting 'secret' (known: issuer, clientId, iatTTL, authTTL, jwksUrl, "
        "jwksFile, clockSkewSeconds)",
        f"{mode}: 'issuer' must be a string, the exact iss of its tokens",
    ]
