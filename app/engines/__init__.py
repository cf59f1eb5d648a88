"""Local engines: the child processes Strawsync starts for the user, and their supervision.

An engine (DynamoDB Local now; Lambda runtime workers and a search engine next) implements the
`LocalEngine` contract in `base.py`; the service hands every engine it needs to one
`Supervisor`, which starts them before serving, restarts one that exits, and stops them all on
shutdown. The service never knows an engine by name.
"""

from app.engines.base import EngineError, EngineExit, LocalEngine
from app.engines.supervisor import Backoff, EngineState, Supervisor

__all__ = ["Backoff", "EngineError", "EngineExit", "EngineState", "LocalEngine", "Supervisor"]
