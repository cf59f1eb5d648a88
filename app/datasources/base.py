"""The contract every data source implements, and the errors it may report.

A resolver renders its request template to a JSON value and hands it to a data source as an
`Invocation`. The data source answers with a plain JSON value (becomes `$ctx.result`), or
raises `DataSourceError` (becomes `$ctx.error`), or `InvalidRequestError` when the request
document itself is malformed (a `MappingTemplate` error; the response template does not run).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.definition.model import TEMPLATE_VERSIONS, DataSourceDef


class DataSourceError(Exception):
    """A failed invocation, e.g. `DynamoDB:ConditionalCheckFailedException`."""

    def __init__(self, message: str, error_type: str, data: Any = None) -> None:
        self.message = message
        self.error_type = error_type
        self.data = data
        super().__init__(message)


class InvalidRequestError(Exception):
    """The evaluated request template is not a valid request for this data source."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def request_operation(
    document: Any, fields: frozenset[str], operations: Sequence[str], what: str
) -> str:
    """The `operation` of a request document whose `version` and `operation` AppSync
    requires and which allows only `fields`; InvalidRequestError in AppSync's words
    (`what` names the data source in them, e.g. "Lambda")."""
    if not isinstance(document, dict):
        raise InvalidRequestError("Unable to convert request template to Object.")
    unknown = sorted(set(document) - fields)
    if unknown:
        names = ", ".join(f"'$[{name}]'" for name in unknown)
        raise InvalidRequestError(f"Unknown field(s) {names} in the {what} request.")
    version = document.get("version")
    if version is None:
        raise InvalidRequestError("Value for field '$[version]' not found.")
    if version not in TEMPLATE_VERSIONS:
        raise InvalidRequestError(f"Unsupported version '{version}'.")
    operation = document.get("operation")
    if operation is None:
        raise InvalidRequestError("Value for field '$[operation]' not found.")
    if operation not in operations:
        raise InvalidRequestError(
            f"Unsupported operation '{operation}'; expected one of {', '.join(operations)}."
        )
    return str(operation)


@dataclass(slots=True)
class Invocation:
    """One data source call: the evaluated request plus what Lambda-style sources need."""

    request: Any
    version: str
    type_name: str
    field_name: str
    arguments: Mapping[str, Any]
    source: Any
    identity: Any
    request_id: str


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """A mistake in a data source's `config`, at a path inside it."""

    path: tuple[str | int, ...]
    message: str


class DataSource(Protocol):
    """A configured, running data source. One instance serves every request."""

    @property
    def definition(self) -> DataSourceDef: ...

    async def start(self) -> None:
        """Open clients or child processes; called once before serving."""
        ...

    async def close(self) -> None:
        """Release everything `start` opened."""
        ...

    async def invoke(self, invocation: Invocation) -> Any:
        """Run one request. Raises DataSourceError or InvalidRequestError."""
        ...

    async def invoke_batch(self, invocations: Sequence[Invocation]) -> list[Any]:
        """Run many requests of one resolver together (Lambda BatchInvoke).

        Returns one entry per invocation, in order: a value, or a DataSourceError instance.
        """
        ...


class DataSourceType(Protocol):
    """Factory and config validator for one AppSync data source type."""

    @property
    def type_name(self) -> str: ...

    def validate_config(self, config: Mapping[str, Any]) -> list[ConfigProblem]: ...

    def create(self, definition: DataSourceDef) -> DataSource: ...


class BaseDataSource:
    """Shared defaults: nothing to start or close, and batches run call by call."""

    def __init__(self, definition: DataSourceDef) -> None:
        self._definition = definition

    @property
    def definition(self) -> DataSourceDef:
        return self._definition

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def invoke(self, invocation: Invocation) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    async def invoke_batch(self, invocations: Sequence[Invocation]) -> list[Any]:
        results = await asyncio.gather(
            *(self.invoke(invocation) for invocation in invocations), return_exceptions=True
        )
        out: list[Any] = []
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, DataSourceError):
                raise result
            out.append(result)
        return out
