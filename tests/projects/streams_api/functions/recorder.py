"""A stream consumer for the streams tests: it records every event it receives (one JSON line
per invocation, in `events-<MODE>.jsonl` beside this file) and fails as its MODE says:

- record: always succeeds (after SLEEP seconds, when set);
- poison: raises when the batch holds an item whose new image has mode "poison";
- partial: reports items with mode "fail-once" as failed the first time it sees them
  (ReportBatchItemFailures).
"""

import json
import os
import time
from pathlib import Path

HERE = Path(__file__).parent


def handler(event, context):
    mode = os.environ["MODE"]
    records = event["Records"]
    line = {"records": [_summary(r) for r in records], "event": event}
    if mode == "record":
        time.sleep(float(os.environ.get("SLEEP", "0")))
    if mode == "poison" and any(_mode(r) == "poison" for r in records):
        _write(mode, {**line, "outcome": "error"})
        raise RuntimeError("poison record in the batch")
    failures = []
    if mode == "partial":
        seen = HERE / "failed-once.txt"
        failed = set(seen.read_text().split()) if seen.exists() else set()
        for record in records:
            sequence = record["dynamodb"]["SequenceNumber"]
            if _mode(record) == "fail-once" and sequence not in failed:
                failures.append({"itemIdentifier": sequence})
                with seen.open("a") as file:
                    file.write(sequence + "\n")
    _write(mode, {**line, "outcome": "ok", "failures": failures})
    return {"batchItemFailures": failures}


def _mode(record):
    return record["dynamodb"].get("NewImage", {}).get("mode", {}).get("S")


def _summary(record):
    return {
        "id": record["dynamodb"]["Keys"]["id"]["S"],
        "eventName": record["eventName"],
        "sequenceNumber": record["dynamodb"]["SequenceNumber"],
    }


def _write(mode, line):
    with (HERE / f"events-{mode}.jsonl").open("a") as file:
        file.write(json.dumps(line) + "\n")
