"""The NONE data source: the request's `payload` becomes `$ctx.result` unchanged.

Used for local resolvers, pipeline glue and subscription triggers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.datasources.base import (
    BaseDataSource,
    ConfigProblem,
    DataSource,
    InvalidRequestError,
    Invocation,
)
from app.definition.model import TEMPLATE_VERSIONS, DataSourceDef

_ALLOWED_KEYS = frozenset({"version", "payload"})


class NoneDataSource(BaseDataSource):
    async def invoke(self, invocation: Invocation) -> Any:
        request = invocation.request
        if not isinstance(request, dict):
            raise InvalidRequestError("Unable to convert request template to Object.")
        if "version" not in request:
            raise InvalidRequestError("Value for field '$[version]' not found.")
        if request["version"] not in TEMPLATE_VERSIONS:
            raise InvalidRequestError(f"Unsupported version '{request['version']}'.")
        extra = sorted(set(request) - _ALLOWED_KEYS)
        if extra:
            raise InvalidRequestError(f"Unknown field(s) in NONE request: {', '.join(extra)}.")
        return request.get("payload")


class NoneType:
    """Factory for NONE data sources; they take no configuration."""

    type_name = "NONE"

    def validate_config(self, config: Mapping[str, Any]) -> list[ConfigProblem]:
        return [ConfigProblem((key,), f"NONE data sources take no '{key}'") for key in config]

    def create(self, definition: DataSourceDef) -> DataSource:
        return NoneDataSource(definition)
