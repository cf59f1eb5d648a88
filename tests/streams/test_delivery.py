"""The retry policy of a batch, as Lambda's event source mapping retries: against a target
that fails on the records it is told to, with the real `BatchDelivery`."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import pytest

from app.streams.delivery import BatchDelivery, RetryPolicy, payload_parts
from app.streams.records import sequence_number
from app.streams.targets import DELIVERED, Outcome


class Scripted:
    """Fails a batch holding a poison sequence number (or only the records from it on, as a
    partial response would); remembers every call."""

    name = "scripted"

    def __init__(self, poison: set[str], *, partial: bool = False, heal_after: int = 0) -> None:
        self.poison = poison
        self.partial = partial
        self.heal_after = heal_after
        self.calls: list[list[str]] = []

    async def deliver(self, records: Sequence[Mapping[str, Any]], *, more: bool = False) -> Outcome:
        batch = [sequence_number(r) for r in records]
        self.calls.append(batch)
        if self.heal_after and len(self.calls) > self.heal_after:
            return DELIVERED
        bad = [i for i, s in enumerate(batch) if s in self.poison]
        if not bad:
            return DELIVERED
        return Outcome(bad[0] if self.partial else 0, "poisoned")


def records(*sequences: str, created: float | None = None) -> list[dict[str, Any]]:
    stamp = time.time() if created is None else created
    return [
        {"dynamodb": {"SequenceNumber": s, "ApproximateCreationDateTime": stamp}} for s in sequences
    ]


async def deliver(target: Scripted, batch: list[dict[str, Any]], **policy: Any) -> list[str]:
    done: list[str] = []

    async def checkpoint(record: Mapping[str, Any]) -> None:
        done.append(sequence_number(record))

    rules = RetryPolicy(initial_backoff=0.001, **policy)
    await BatchDelivery(target, rules, checkpoint, label="test").deliver(batch)
    return done


async def test_a_delivered_batch_checkpoints_its_last_record() -> None:
    target = Scripted(set())
    assert await deliver(target, records("1", "2", "3")) == ["3"]
    assert target.calls == [["1", "2", "3"]]


async def test_bounded_retries_give_the_batch_up(caplog: pytest.LogCaptureFixture) -> None:
    target = Scripted({"2"})
    assert await deliver(target, records("1", "2", "3"), maximum_retry_attempts=2) == ["3"]
    assert target.calls == [["1", "2", "3"]] * 3
    assert "gave up on 3 record(s), 2 retries failed: sequence numbers 1, 2, 3" in caplog.text


async def test_unbounded_retries_go_on_until_it_succeeds() -> None:
    target = Scripted({"1"}, heal_after=5)
    assert await deliver(target, records("1", "2")) == ["2"]
    assert len(target.calls) == 6


async def test_bisect_narrows_the_failure_down_to_the_poison_record() -> None:
    target = Scripted({"3"})
    done = await deliver(target, records("1", "2", "3", "4"), maximum_retry_attempts=1, bisect=True)
    assert done == ["2", "3", "4"]  # "3" given up: the position still moves past it
    assert target.calls == [
        ["1", "2", "3", "4"],
        ["1", "2"],
        ["3", "4"],
        ["3"],
        ["3"],
        ["4"],
    ]


async def test_a_partial_failure_resumes_from_the_failed_record() -> None:
    target = Scripted({"2"}, partial=True, heal_after=1)
    assert await deliver(target, records("1", "2", "3")) == ["1", "3"]
    assert target.calls == [["1", "2", "3"], ["2", "3"]]


async def test_records_older_than_the_maximum_age_are_given_up(
    caplog: pytest.LogCaptureFixture,
) -> None:
    target = Scripted({"1"})
    old = records("1", "2", created=time.time() - 120)
    assert await deliver(target, old, maximum_record_age_seconds=60) == ["2"]
    assert target.calls == [["1", "2"]]
    assert "older than maximumRecordAgeInSeconds" in caplog.text


def test_a_batch_over_lambdas_payload_limit_goes_in_parts_in_order() -> None:
    batch = records(*(str(n) for n in range(10)))
    size = len(orjson.dumps(batch[0])) + 1
    parts = payload_parts(batch, 3 * size)
    assert [[sequence_number(r) for r in part] for part in parts] == [
        ["0", "1", "2"],
        ["3", "4", "5"],
        ["6", "7", "8"],
        ["9"],
    ]
    assert payload_parts(batch, 1) == [[r] for r in batch]  # a record never waits forever
