"""The scenarios: what to send, to which server, compared with which baseline.

A scenario is data. To add one, append a `Scenario` to `SCENARIOS`; if it needs a server the
harness does not know yet (a baseline that reads DynamoDB, say), add a `ServerSpec` to
`benchmarks.servers.SERVERS` and name it in `target` or `baseline`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

STRAWSYNC = "strawsync"
GRAPHQL_CORE = "graphql-core"


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
    path: str = "/graphql"
    headers: Mapping[str, str] = field(default_factory=dict)

    def body(self) -> bytes:
        payload: dict[str, Any] = {"query": self.query}
        if self.variables is not None:
            payload["variables"] = dict(self.variables)
        return orjson.dumps(payload)


SCENARIOS: dict[str, Scenario] = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            name="echo",
            description="Query.echo: a UNIT resolver on the NONE data source (VTL in and out).",
            query='query { echo(msg: "hello") }',
            expect={"echo": "hello"},
        ),
        # Next: DynamoDB reads, each against a baseline doing the same GetItem/Query itself.
        # Both need a DynamoDB endpoint seeded with events (a `ServerSpec` for it, started
        # before the servers) and a `graphql-core-dynamodb` baseline server in servers.py.
        #
        # Scenario(
        #     name="getEvent",
        #     description="Query.getEvent: one GetItem on the events table.",
        #     query="query ($id: ID!) { getEvent(id: $id) { id name where when description } }",
        #     variables={"id": "bench-event-1"},
        #     baseline="graphql-core-dynamodb",
        # ),
        # Scenario(
        #     name="listEvents",
        #     description="Query.listEvents: one Scan page of 20 events.",
        #     query="query { listEvents(limit: 20) { items { id name } nextToken } }",
        #     baseline="graphql-core-dynamodb",
        # ),
    )
}
