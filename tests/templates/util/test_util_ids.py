"""ULIDs and KSUIDs sort by creation time."""

from __future__ import annotations

from app.templates.util.ids import auto_ksuid, auto_ulid


def test_ulid_encodes_the_timestamp_first() -> None:
    assert auto_ulid(0)[:10] == "0000000000"
    assert auto_ulid(1469918176385)[:10] == "01ARYZ6S41"  # the ULID spec's example
    assert auto_ulid(1_000) < auto_ulid(2_000)


def test_ksuid_is_27_base62_characters_ordered_by_time() -> None:
    early, late = auto_ksuid(1_500_000_000), auto_ksuid(1_600_000_000)
    assert len(early) == len(late) == 27
    assert early < late
