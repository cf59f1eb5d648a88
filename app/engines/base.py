"""The contract of a supervised local engine: a child process the service owns.

An engine knows how to start its process and what depends on it: `start` also points its
dependents (data sources, workers' clients) at the new endpoint and recreates what they need
(tables), so a restart is just `stop` then `start`. `stop` leaves its dependents answering a
fast typed error (never hanging, never naming an internal address) until the next `start`.
The `Supervisor` decides when to call them; it never knows which engine it is watching.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import ClassVar, Protocol


class EngineError(Exception):
    """An engine could not be installed or started; the message says what to do."""

    error_type: ClassVar[str] = "EngineError"


@dataclass(frozen=True, slots=True)
class EngineExit:
    """How an engine's process ended: its exit status (negative: the signal that killed it)
    and the last lines of its output, for the operator's log."""

    status: int
    output_tail: str

    def describe(self) -> str:
        """`exit status 1`, or `killed by SIGKILL` for a negative status."""
        if self.status >= 0:
            return f"exit status {self.status}"
        try:
            name = signal.Signals(-self.status).name
        except ValueError:
            name = f"signal {-self.status}"
        return f"killed by {name}"


class LocalEngine(Protocol):
    """A child process Strawsync starts, watches and stops for the user."""

    @property
    def name(self) -> str:
        """Names the engine in logs and in `/ready`, e.g. `dynamodb-local`."""
        ...

    @property
    def lost_on_restart(self) -> str | None:
        """What a restart loses (e.g. in-memory tables), said in the log; None if nothing."""
        ...

    async def start(self) -> None:
        """Start the process, wait until it serves, and make its dependents use it.

        Raises `EngineError` (after releasing whatever it took) when it cannot.
        """
        ...

    async def wait(self) -> EngineExit:
        """Return once the running process has exited, however it ended."""
        ...

    async def stop(self) -> None:
        """End the process if it runs and release what `start` took; safe to call twice.
        Until the next `start`, dependents answer a fast typed error."""
        ...

    async def probe(self) -> bool:
        """Whether the engine answers right now; cheap and bounded by a short timeout."""
        ...
