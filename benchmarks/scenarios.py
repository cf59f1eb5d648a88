"""The scenarios: what to send, to which server, compared with which baseline.

A scenario is data. To add one, append a `Scenario` to `SCENARIOS`; if it needs a server the
harness does not know yet (another kind of baseline, say), add a `ServerSpec` to
`benchmarks.servers.SERVERS` and name it in `target` or `baseline`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from benchmarks.dynamodb_session import EVENT_ID, event

STRAWSYNC = "strawsync"
GRAPHQL_CORE = "graphql-core"
AIOBOTO3 = "aioboto3"
LIST_LIMIT = 20

# Checks the `data` of a response beyond `expect`: None when it is fine, else the problem.
Validator = Callable[[Any], str | None]


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    query: str
    variables: Mapping[str, Any] | None = None
    target: str = STRAWSYNC
    baseline: str = GRAPHQL_CORE
    # The `data` every response must carry; checked on one request to each server before
    # the run, so a misconfigured server fails loudly instead of benchmarking error pages.
    expect: Any = None
    # True when both servers should saturate their core (no I/O wait): a run in which the
    # server got less than ~90% of a core shared it with another process and is re-run.
    cpu_bound: bool = True
    # Further checks of the sample response's `data` (non-null items, say).
    validate: Validator | None = None
    path: str = "/graphql"
    # Where the baseline takes the same body, when not at `path` (a route per query).
    baseline_path: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    # Needs the session's shared DynamoDB Local, seeded with events (dynamodb_session.py). The
    # engine runs on the load generator's core and at 32 connections the server still
    # saturates its own, so such scenarios can stay cpu_bound.
    dynamodb: bool = False

    def path_for(self, role: str) -> str:
        """The path for the `target` or the `baseline` server."""
        return self.baseline_path or self.path if role == "baseline" else self.path

    def body(self) -> bytes:
        payload: dict[str, Any] = {"query": self.query}
        if self.variables is not None:
            payload["variables"] = dict(self.variables)
        return orjson.dumps(payload)


def _event_page(data: Any) -> str | None:
    """`listEvents(limit: 20)`: 20 events with an id and a name, and a next page."""
    page = data.get("listEvents") if isinstance(data, dict) else None
    if not isinstance(page, dict):
        return "no listEvents page"
    items = page.get("items")
    if not isinstance(items, list) or len(items) != LIST_LIMIT:
        return f"expected {LIST_LIMIT} items"
    if not all(isinstance(item, dict) and item.get("id") and item.get("name") for item in items):
        return "an item without id or name"
    if not page.get("nextToken"):
        return "no nextToken"
    return None


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            name="echo",
            description="Query.echo: a UNIT resolver on the NONE data source (VTL in and out).",
            query='query { echo(msg: "hello") }',
            expect={"echo": "hello"},
        ),
        Scenario(
            name="getEvent",
            description="Query.getEvent: one GetItem on the events table (DynamoDB Local).",
            query="query ($id: ID!) { getEvent(id: $id) { id name where when description } }",
            variables={"id": EVENT_ID},
            baseline=AIOBOTO3,
            baseline_path="/getEvent",
            expect={"getEvent": event(1)},
            dynamodb=True,
        ),
        Scenario(
            name="listEvents",
            description="Query.listEvents: one Scan page of 20 events (DynamoDB Local).",
            query="query { listEvents(limit: 20) { items { id name } nextToken } }",
            baseline=AIOBOTO3,
            baseline_path="/listEvents",
            validate=_event_page,
            dynamodb=True,
        ),
    )
}
