"""Key sets: which JWKs are usable, fetching over HTTP with caching, rotation, rate limits and
coalescing, and local files read again when they change."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.auth.jwks import (
    RSA_ALGORITHMS,
    FileJwks,
    JwksUnavailable,
    RemoteJwks,
    UnknownKey,
    parse_jwks,
)
from tests.auth.support_jwt import JwksServer, jwks, make_key

RSA_KEY = make_key("rsa-1")
RSA_KEY_2 = make_key("rsa-2")
EC_KEY = make_key("ec-1", "EC")
EC_384 = make_key("ec-384", "EC", "ES384")


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def server() -> AsyncIterator[JwksServer]:
    async with JwksServer(RSA_KEY) as running:
        yield running


@pytest.fixture
async def remote(server: JwksServer, clock: Clock) -> AsyncIterator[RemoteJwks]:
    keys = RemoteJwks(jwks_url=server.jwks_url, clock=clock)
    await keys.start()
    yield keys
    await keys.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


# --- which keys of a set are used -------------------------------------------------------------


def test_rsa_keys_verify_rs_and_ps_unless_they_name_their_alg() -> None:
    keys = parse_jwks(jwks(RSA_KEY.public_jwk(alg=None), RSA_KEY_2), "test")
    assert keys["rsa-1"].algorithms == RSA_ALGORITHMS
    assert keys["rsa-2"].algorithms == frozenset({"RS256"})
    assert isinstance(keys["rsa-1"].key, rsa.RSAPublicKey)


def test_ec_keys_verify_the_algorithm_of_their_curve() -> None:
    keys = parse_jwks(jwks(EC_KEY.public_jwk(alg=None), EC_384.public_jwk(alg=None)), "test")
    assert keys["ec-1"].algorithms == frozenset({"ES256"})
    assert keys["ec-384"].algorithms == frozenset({"ES384"})
    assert isinstance(keys["ec-1"].key, ec.EllipticCurvePublicKey)


def test_unusable_keys_are_skipped_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    document = jwks(
        RSA_KEY,
        RSA_KEY_2.public_jwk(kid=None),
        RSA_KEY_2.public_jwk(kid="enc", use="enc"),
        RSA_KEY_2.public_jwk(kid="hs", alg="HS256"),
        RSA_KEY_2.public_jwk(kid="es-on-rsa", alg="ES256"),
        EC_KEY.public_jwk(kid="ec-wrong-alg", alg="ES384"),
        EC_KEY.public_jwk(kid="k256", crv="secp256k1", alg=None),
        {"kty": "oct", "kid": "secret", "k": "c2VjcmV0"},
        {"kty": "RSA", "kid": "broken", "n": "AQAB"},
        {"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": "AAAA"},
        RSA_KEY_2.public_jwk(kid="rsa-1"),
    )
    document["keys"].append("not a key")
    with caplog.at_level(logging.INFO, "strawsync.auth"):
        keys = parse_jwks(document, "issuer")
    assert list(keys) == ["rsa-1"]
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 11
    assert "JWKS issuer: key 1 skipped: no 'kid'" in skipped
    assert "JWKS issuer: key 2 skipped: 'use' is 'enc', not 'sig'" in skipped
    assert "JWKS issuer: key 7 skipped: key type 'oct' is not RSA or EC" in skipped
    assert "JWKS issuer: key 10 skipped: kid 'rsa-1' appears twice" in skipped


def test_private_members_of_a_published_key_are_never_used() -> None:
    private = RSA_KEY.public_jwk()
    private["d"] = "AQAB"  # a set that leaks a private exponent still yields a public key
    assert isinstance(parse_jwks({"keys": [private]}, "t")["rsa-1"].key, rsa.RSAPublicKey)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ([], r"test is not a JSON Web Key Set \(no 'keys' list\)"),
        ({"keys": {}}, r"test is not a JSON Web Key Set \(no 'keys' list\)"),
        ({"keys": []}, "test holds no usable signing key"),
        ({"keys": [{"kty": "oct", "kid": "x", "k": "AA"}]}, "test holds no usable signing key"),
    ],
)
def test_a_set_without_usable_keys_is_unavailable(document: Any, problem: str) -> None:
    with pytest.raises(JwksUnavailable, match=problem):
        parse_jwks(document, "test")


# --- fetched over HTTP ------------------------------------------------------------------------


async def test_a_fetched_set_is_cached(server: JwksServer, remote: RemoteJwks) -> None:
    for _ in range(5):
        assert (await remote.key("rsa-1")).kid == "rsa-1"
    assert server.hits == {"/keys": 1}


async def test_the_set_is_discovered_from_the_issuer(server: JwksServer, clock: Clock) -> None:
    keys = RemoteJwks(issuer=server.url + "/", clock=clock)
    try:
        assert (await keys.key("rsa-1")).kid == "rsa-1"
        assert (await keys.key("rsa-1")).kid == "rsa-1"
    finally:
        await keys.close()
    assert server.hits == {"/.well-known/openid-configuration": 1, "/keys": 1}


async def test_an_unknown_kid_refetches_once_for_a_rotated_key(
    server: JwksServer, remote: RemoteJwks, clock: Clock
) -> None:
    await remote.key("rsa-1")
    server.keys.append(RSA_KEY_2)  # the issuer rotates
    clock.now += remote.refetch_interval
    assert (await remote.key("rsa-2")).kid == "rsa-2"
    assert server.hits["/keys"] == 2


async def test_unknown_kids_refetch_at_most_once_per_interval(
    server: JwksServer, remote: RemoteJwks, clock: Clock
) -> None:
    await remote.key("rsa-1")
    with pytest.raises(UnknownKey):
        await remote.key("garbage-0")  # just fetched: not again within the interval
    assert server.hits["/keys"] == 1
    clock.now += remote.refetch_interval
    with pytest.raises(UnknownKey):
        await remote.key("garbage-1")  # the one refetch the interval allows
    for n in range(20):
        clock.now += 1
        with pytest.raises(UnknownKey):
            await remote.key(f"garbage-{n + 2}")
    assert server.hits["/keys"] == 2
    server.keys.append(RSA_KEY_2)
    with pytest.raises(UnknownKey):
        await remote.key("rsa-2")  # rotated, but the interval has not passed: not asked yet
    clock.now += remote.refetch_interval
    assert (await remote.key("rsa-2")).kid == "rsa-2"
    assert server.hits["/keys"] == 3


async def test_concurrent_lookups_share_one_fetch(server: JwksServer, remote: RemoteJwks) -> None:
    server.delay = 0.2
    found = await asyncio.gather(*(remote.key("rsa-1") for _ in range(20)))
    assert {key.kid for key in found} == {"rsa-1"}
    assert server.hits["/keys"] == 1
    assert remote.fetches == 1


async def test_a_cancelled_lookup_does_not_cancel_the_shared_fetch(
    server: JwksServer, remote: RemoteJwks
) -> None:
    server.delay = 0.2
    first = asyncio.create_task(remote.key("rsa-1"))
    second = asyncio.create_task(remote.key("rsa-1"))
    await asyncio.sleep(0.05)
    first.cancel()
    assert (await second).kid == "rsa-1"
    assert first.cancelled()
    assert server.hits["/keys"] == 1


async def test_an_old_set_is_fetched_again_and_removed_keys_stop_verifying(
    server: JwksServer, remote: RemoteJwks, clock: Clock
) -> None:
    await remote.key("rsa-1")
    server.keys = [RSA_KEY_2]  # rsa-1 revoked
    clock.now += remote.max_age
    with pytest.raises(UnknownKey):
        await remote.key("rsa-1")
    assert (await remote.key("rsa-2")).kid == "rsa-2"
    assert server.hits["/keys"] == 2


async def test_a_failed_refresh_keeps_the_keys_held(
    server: JwksServer, remote: RemoteJwks, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    await remote.key("rsa-1")
    server.status = 503
    clock.now += remote.max_age
    with caplog.at_level(logging.WARNING, "strawsync.auth"):
        assert (await remote.key("rsa-1")).kid == "rsa-1"
    assert f"JWKS fetch failed: {server.jwks_url} answered HTTP 503" in caplog.messages


async def test_failures_are_retried_after_a_short_backoff(
    server: JwksServer, remote: RemoteJwks, clock: Clock
) -> None:
    server.status = 500
    with pytest.raises(JwksUnavailable, match="no key set from"):
        await remote.key("rsa-1")
    for _ in range(10):
        with pytest.raises(JwksUnavailable):
            await remote.key("rsa-1")
    assert server.hits["/keys"] == 1
    server.status = 200
    clock.now += remote.failure_backoff
    assert (await remote.key("rsa-1")).kid == "rsa-1"
    assert server.hits["/keys"] == 2


async def test_an_unreachable_issuer_is_unavailable(clock: Clock) -> None:
    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    keys = RemoteJwks(jwks_url=f"http://127.0.0.1:{port}/keys", clock=clock, timeout=2)
    try:
        with pytest.raises(JwksUnavailable, match="no key set from"):
            await keys.key("rsa-1")
    finally:
        await keys.close()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>", "/.well-known/openid-configuration did not send JSON"),
        (b'{"issuer": "x"}', "/.well-known/openid-configuration has no http(s) 'jwks_uri'"),
        (b'{"jwks_uri": "file:///etc/passwd"}', "has no http(s) 'jwks_uri'"),
        (b" " * 1_048_577, "/.well-known/openid-configuration sent more than 1048576 bytes"),
    ],
)
async def test_bad_discovery_documents_are_refused(
    server: JwksServer, clock: Clock, body: bytes, problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.discovery = body
    keys = RemoteJwks(issuer=server.url, clock=clock)
    try:
        with caplog.at_level(logging.WARNING, "strawsync.auth"), pytest.raises(JwksUnavailable):
            await keys.key("rsa-1")
    finally:
        await keys.close()
    assert [m for m in caplog.messages if problem in m], caplog.messages
    assert server.hits == {"/.well-known/openid-configuration": 1}


# --- a local file -----------------------------------------------------------------------------


def write(path: Path, document: Any, mtime_ns: int) -> None:
    path.write_text(json.dumps(document))
    os.utime(path, ns=(mtime_ns, mtime_ns))


async def test_a_file_is_read_again_only_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    write(path, jwks(RSA_KEY), 1_000_000_000)
    keys = FileJwks(path)
    for _ in range(3):
        assert (await keys.key("rsa-1")).kid == "rsa-1"
    assert keys.reads == 1
    with pytest.raises(UnknownKey):
        await keys.key("rsa-2")
    write(path, jwks(RSA_KEY_2), 2_000_000_000)  # rotated: rsa-1 gone, rsa-2 added
    assert (await keys.key("rsa-2")).kid == "rsa-2"
    with pytest.raises(UnknownKey):
        await keys.key("rsa-1")
    assert keys.reads == 2


async def test_a_missing_or_broken_file_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    keys = FileJwks(path)
    with pytest.raises(JwksUnavailable, match="No such file"):
        await keys.key("rsa-1")
    write(path, jwks(RSA_KEY), 1_000_000_000)
    assert (await keys.key("rsa-1")).kid == "rsa-1"
    path.write_text('{"keys": [')
    os.utime(path, ns=(3_000_000_000, 3_000_000_000))
    with pytest.raises(JwksUnavailable):
        await keys.key("rsa-1")
    path.unlink()
    with pytest.raises(JwksUnavailable):
        await keys.key("rsa-1")
