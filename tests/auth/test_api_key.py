"""API_KEY: the key store and the mode that checks `x-api-key` against it."""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
import time
from pathlib import Path
from typing import Any

import pytest

from app.auth import api_keys
from app.auth.api_keys import (
    DAY,
    HOUR,
    KEYS_FILE,
    ApiKeyError,
    ApiKeyStore,
    StoredKey,
)
from app.auth.base import AuthFailure, Credentials, Principal
from app.auth.modes.api_key import ApiKeyMode, config_problems, create
from app.definition.model import AuthType

NOW = 1_750_000_000.0  # 2025-06-15T15:06:40Z, not on the hour


def request(key: str | None) -> Credentials:
    return Credentials(headers={} if key is None else {"x-api-key": key}, request_id="req-1")


async def refused(mode: ApiKeyMode, key: str | None) -> AuthFailure:
    with pytest.raises(AuthFailure) as failure:
        await mode.authenticate(request(key))
    return failure.value


@pytest.fixture
def store(tmp_path: Path) -> ApiKeyStore:
    return ApiKeyStore.for_project(tmp_path)


@pytest.fixture
def mode(tmp_path: Path) -> ApiKeyMode:
    return create({}, tmp_path)


def test_keys_look_like_appsync_keys(store: ApiKeyStore) -> None:
    key, stored = store.create("app", now=NOW)
    other, _ = store.create("other", now=NOW)
    assert key.startswith("da2-") and len(key) == 30
    assert set(key[4:]) <= set("abcdefghijklmnopqrstuvwxyz234567")
    assert api_keys.is_well_formed(key)
    assert key != other
    assert stored.id not in key


def test_expiry_is_rounded_down_to_the_hour_and_kept_60_days(store: ApiKeyStore) -> None:
    _, default = store.create(now=NOW)
    assert default.expires == 1_750_604_400  # NOW + 7 days = 2025-06-22T15:06:40 -> 15:00
    assert default.expires % HOUR == 0
    assert NOW + 7 * DAY - HOUR < default.expires <= NOW + 7 * DAY
    assert default.deletes == default.expires + 60 * DAY
    _, year = store.create(days=365, now=NOW)
    assert year.expires == int(NOW + 365 * DAY) // HOUR * HOUR


@pytest.mark.parametrize("days", [0, -1, 366, 1000])
def test_validity_outside_1_to_365_days_is_refused(store: ApiKeyStore, days: int) -> None:
    with pytest.raises(ApiKeyError) as error:
        store.create(days=days, now=NOW)
    assert error.value.error_type == "ApiKeyValidityOutOfBoundsException"
    assert "1 to 365 days" in error.value.message
    assert not store.path.exists()


def test_the_file_holds_hashes_only_and_only_its_owner_reads_it(store: ApiKeyStore) -> None:
    key, stored = store.create("web client", now=NOW)
    text = store.path.read_text()
    assert key not in text and key[4:] not in text
    assert json.loads(text) == {
        "version": 1,
        "keys": [
            {
                "id": stored.id,
                "description": "web client",
                "expires": stored.expires,
                "deletes": stored.deletes,
                "sha256": hashlib.sha256(key.encode()).hexdigest(),
            }
        ],
    }
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert [p.name for p in store.path.parent.iterdir() if p.suffix == ".tmp"] == []


def test_at_most_50_keys(store: ApiKeyStore) -> None:
    for n in range(50):
        store.create(f"key {n}", now=NOW)
    with pytest.raises(ApiKeyError) as error:
        store.create("one too many", now=NOW)
    assert error.value.error_type == "ApiKeyLimitExceededException"
    assert len(store.read()) == 50


def test_delete_by_id_or_by_key(store: ApiKeyStore) -> None:
    key, first = store.create("first", now=NOW)
    _, second = store.create("second", now=NOW)
    assert store.delete(second.id, now=NOW) == second
    assert store.delete(key, now=NOW) == first
    assert store.read() == ()
    with pytest.raises(ApiKeyError) as error:
        store.delete(first.id, now=NOW)
    assert error.value.error_type == "NotFoundException"


def test_expired_keys_are_listed_until_60_days_then_purged_on_the_next_write(
    store: ApiKeyStore,
) -> None:
    _, old = store.create("old", days=7, now=NOW)
    at_expiry = old.expires + 1
    assert [k.id for k in store.list(now=at_expiry)] == [old.id]
    assert old.expired(at_expiry) and not old.deleted(at_expiry)

    gone = old.deletes
    assert store.list(now=gone) == ()
    assert [k.id for k in store.read()] == [old.id]  # still in the file: no write yet
    _, new = store.create("new", now=gone)
    assert [k.id for k in store.read()] == [new.id]


async def test_a_valid_key_is_an_api_key_principal_without_identity(
    store: ApiKeyStore, mode: ApiKeyMode
) -> None:
    key, stored = store.create("app")
    principal = await mode.authenticate(request(key))
    assert principal == Principal(AuthType.API_KEY, identity=None, expires_at=stored.expires)
    assert principal.groups == frozenset() and principal.denied_fields == frozenset()


def test_claims_requests_with_an_x_api_key_header(mode: ApiKeyMode) -> None:
    assert mode.claims(request("da2-anything"))
    assert mode.claims(request(""))
    assert not mode.claims(request(None))
    assert not mode.claims(Credentials(headers={"authorization": "da2-" + "a" * 26}))


async def test_a_missing_key_is_refused(mode: ApiKeyMode) -> None:
    failure = await refused(mode, None)
    assert failure.error_type == "UnauthorizedException"
    assert failure.message == "You are not authorized to make this call."


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "da2-",
        "da2-" + "a" * 25,
        "da2-" + "a" * 27,
        "da2-" + "A" * 26,
        "da2-" + "1" * 26,
        "da1-" + "a" * 26,
        " da2-" + "a" * 26,
        "Bearer da2-" + "a" * 26,
    ],
)
async def test_a_malformed_key_is_refused(
    store: ApiKeyStore, mode: ApiKeyMode, malformed: str
) -> None:
    store.create("app")
    failure = await refused(mode, malformed)
    assert failure.error_type == "UnauthorizedException"


async def test_an_unknown_key_is_refused(store: ApiKeyStore, mode: ApiKeyMode) -> None:
    key, _ = store.create("app")
    unknown = key[:-1] + ("b" if key[-1] == "a" else "a")
    await refused(mode, unknown)
    assert (await mode.authenticate(request(key))).auth_type is AuthType.API_KEY


async def test_an_expired_key_is_refused_from_its_expiry_on(tmp_path: Path) -> None:
    store = ApiKeyStore.for_project(tmp_path)
    key, stored = store.create("app", days=1, now=NOW)
    clock = [stored.expires - 1.0]
    mode = ApiKeyMode(store, clock=lambda: clock[0])
    assert (await mode.authenticate(request(key))).expires_at == stored.expires
    clock[0] = float(stored.expires)
    await refused(mode, key)
    assert [k.id for k in store.list(now=clock[0])] == [stored.id]


async def test_a_really_expired_key_is_refused(store: ApiKeyStore, mode: ApiKeyMode) -> None:
    key, _ = store.create("last month", days=7, now=time.time() - 30 * DAY)
    await refused(mode, key)


async def test_a_deleted_key_is_refused_from_the_next_request(
    store: ApiKeyStore, mode: ApiKeyMode
) -> None:
    key, stored = store.create("app")
    kept, _ = store.create("kept")
    await mode.authenticate(request(key))
    store.delete(stored.id)
    await refused(mode, key)
    await mode.authenticate(request(kept))


async def test_keys_created_after_the_mode_count_at_once(tmp_path: Path) -> None:
    mode = create({}, tmp_path)
    await mode.start()
    assert not (tmp_path / KEYS_FILE).exists()
    await refused(mode, "da2-" + "a" * 26)
    store = ApiKeyStore.for_project(tmp_path)
    first, _ = store.create("first")
    assert (await mode.authenticate(request(first))).auth_type is AuthType.API_KEY
    second, _ = store.create("second")  # same size, likely same mtime: a new file all the same
    assert (await mode.authenticate(request(second))).auth_type is AuthType.API_KEY
    await mode.close()


async def test_the_file_is_read_again_only_when_it_changed(
    store: ApiKeyStore, mode: ApiKeyMode, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, _ = store.create("app")
    reads: list[Path] = []
    read = mode.store._read

    def counting() -> Any:
        reads.append(mode.store.path)
        return read()

    monkeypatch.setattr(mode.store, "_read", counting)
    for _ in range(3):
        await mode.authenticate(request(key))
    assert len(reads) == 1
    store.create("another")
    await mode.authenticate(request(key))
    await mode.authenticate(request(key))
    assert len(reads) == 2


async def test_a_broken_file_refuses_every_key_until_fixed(
    store: ApiKeyStore, mode: ApiKeyMode, caplog: pytest.LogCaptureFixture
) -> None:
    key, _ = store.create("app")
    good = store.path.read_text()
    store.path.write_text(good.replace('"keys"', '"kees"'))
    with caplog.at_level("ERROR", logger="strawsync.auth"):
        await refused(mode, key)
    assert "not a keys file" in caplog.text
    with pytest.raises(ApiKeyError) as error:
        store.create("while broken")
    assert error.value.error_type == "BadKeysFileException"
    store.path.write_text(good)
    await mode.authenticate(request(key))


@pytest.mark.parametrize("position", ["first", "middle", "last", "absent"])
async def test_every_stored_hash_is_compared_wherever_the_match_is(
    store: ApiKeyStore, mode: ApiKeyMode, monkeypatch: pytest.MonkeyPatch, position: str
) -> None:
    keys = [store.create(f"key {n}")[0] for n in range(5)]
    presented = {
        "first": keys[0],
        "middle": keys[2],
        "last": keys[4],
        "absent": "da2-" + "a" * 26,
    }[position]
    await mode.store.current()  # loaded before counting
    compared: list[tuple[str, str]] = []
    compare = hmac.compare_digest

    def counting(a: str, b: str) -> bool:
        compared.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    if position == "absent":
        await refused(mode, presented)
    else:
        await mode.authenticate(request(presented))
    digest = hashlib.sha256(presented.encode()).hexdigest()
    assert compared == [(digest, stored.sha256) for stored in store.read()]


def test_find_compares_every_entry_even_after_a_match(monkeypatch: pytest.MonkeyPatch) -> None:
    key = "da2-" + "b" * 26
    entries = [
        StoredKey(f"id{n}", None, 0, 0, api_keys.hash_key(key if n == 0 else f"da2-{n}"))
        for n in range(4)
    ]
    calls: list[str] = []
    monkeypatch.setattr(hmac, "compare_digest", lambda a, b: calls.append(b) or a == b)
    assert api_keys.find(key, entries) == entries[0]
    assert calls == [entry.sha256 for entry in entries]


async def test_start_says_when_no_key_can_be_used(
    store: ApiKeyStore, mode: ApiKeyMode, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level("INFO", logger="strawsync.auth"):
        await mode.start()
        store.create("app")
        await mode.start()
    messages = [record.getMessage() for record in caplog.records]
    assert any("no usable key" in m and "strawsync api-key create" in m for m in messages)
    assert any("1 usable key(s)" in m for m in messages)


def test_api_key_takes_no_settings(tmp_path: Path) -> None:
    assert config_problems({}) == []
    assert config_problems({"keysFile": "keys.json"}) == [
        "unknown API_KEY setting 'keysFile' (API_KEY takes none)"
    ]
    with pytest.raises(ValueError, match="keysFile"):
        create({"keysFile": "keys.json"}, tmp_path)
    assert create({}, tmp_path).store.path == tmp_path / ".strawsync" / "api_keys.json"
