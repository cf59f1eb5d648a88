"""The AWS_LAMBDA data source: AppSync's `Invoke` and `BatchInvoke` over one function.

The function runs locally (`handler:`; the service attaches the local runtime's invoker with
`attach` before `start`) or on AWS Lambda (`lambdaFunctionArn:`; `start` opens a signed Invoke
API client). Either way it is called through `FunctionInvoker`, so both answer alike:

- `Invoke` sends `payload` (absent: `null`) as the event; `$ctx.result` is the function's
  JSON return value.
- `BatchInvoke` (a resolver with `maxBatchSize`) sends the payloads of a batch as one JSON list
  in one invocation. The function returns a list of the same length, in order (`null` items
  allowed); anything else fails every item, as does a thrown error. Outside a batch a
  `BatchInvoke` is a batch of one.
- `invocationType: Event` hands the event over and returns at once (Lambda answers 202 with
  no body): `$ctx.result` is null. Payloads: 6 MB synchronous, 256 KB `Event`, as Lambda's.
- Errors are AppSync's (`app.datasources.awslambda.errors`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from app.datasources.awslambda.config import config_problems, parse_arn
from app.datasources.awslambda.errors import (
    BATCH_MISMATCH,
    INVALID_RESPONSE,
    LambdaError,
    function_failed,
    refused,
    too_large,
)
from app.datasources.awslambda.remote import DEFAULT_TIMEOUT_SECONDS, RemoteFunctionInvoker
from app.datasources.awslambda.requests import Operation, parse_request
from app.datasources.base import BaseDataSource, ConfigProblem, DataSource, Invocation
from app.datasources.dynamodb.client import CredentialSource, RetryPolicy
from app.definition.model import DataSourceDef
from app.functions.base import (
    ASYNC_PAYLOAD_LIMIT,
    SYNC_PAYLOAD_LIMIT,
    FunctionInvoker,
    InvocationType,
    InvokeRefused,
    LocalFunctionConfig,
)
from app.functions.config import local_function_config


class LambdaDataSource(BaseDataSource):
    """One Lambda function behind a data source."""

    def __init__(
        self,
        definition: DataSourceDef,
        *,
        project_dir: Path | None = None,
        credentials: CredentialSource | None = None,
        retry: RetryPolicy | None = None,
        remote_timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        super().__init__(definition)
        config = definition.config
        # The definition's origin is the project's strawsync.yaml.
        root = project_dir or Path(definition.origin.file).parent
        self.local_function: LocalFunctionConfig | None = None
        if "handler" in config:
            self.local_function = local_function_config(definition.name, config, root)
        self._credentials = credentials
        self._retry = retry
        self._remote_timeout = remote_timeout_seconds
        self._invoker: FunctionInvoker | None = None
        self._remote: RemoteFunctionInvoker | None = None

    def attach(self, invoker: FunctionInvoker) -> None:
        """Call the function through `invoker` (the local runtime's, before `start`)."""
        self._invoker = invoker

    @property
    def invoker(self) -> FunctionInvoker:
        if self._invoker is None:
            raise RuntimeError(f"data source '{self.definition.name}' is not started")
        return self._invoker

    async def start(self) -> None:
        if self._invoker is not None:
            return
        if self.local_function is not None:
            raise RuntimeError(
                f"data source '{self.definition.name}': no local function runtime was attached"
            )
        config = self.definition.config
        function = parse_arn(str(config["lambdaFunctionArn"]))
        assert function is not None  # checked by validate_config
        remote = RemoteFunctionInvoker(
            function,
            endpoint=config.get("endpoint"),
            credentials=self._credentials,
            retry=self._retry,
            timeout_seconds=self._remote_timeout,
        )
        await remote.start()
        self._remote = remote
        self._invoker = remote

    async def close(self) -> None:
        if self._remote is not None:
            await self._remote.close()
            self._remote = None
            self._invoker = None

    async def invoke(self, invocation: Invocation) -> Any:
        request = parse_request(invocation.request)
        if request.operation is Operation.BATCH_INVOKE:
            (result,) = await self._batch([request.payload], request.invocation_type)
            if isinstance(result, LambdaError):
                raise result
            return result
        answer = await self._call(request.payload, request.invocation_type)
        return None if request.invocation_type is InvocationType.EVENT else answer

    async def invoke_batch(self, invocations: Sequence[Invocation]) -> list[Any]:
        """One invocation per invocation type in the batch (a template rarely mixes them),
        each sending its items' payloads as one list. A malformed request document raises
        InvalidRequestError for the whole batch: every item shares its template."""
        requests = [parse_request(invocation.request) for invocation in invocations]
        groups: dict[InvocationType, list[int]] = {}
        for index, request in enumerate(requests):
            groups.setdefault(request.invocation_type, []).append(index)
        results: list[Any] = [None] * len(requests)
        answers = await asyncio.gather(
            *(
                self._batch([requests[i].payload for i in indexes], invocation_type)
                for invocation_type, indexes in groups.items()
            )
        )
        for indexes, answer in zip(groups.values(), answers, strict=True):
            for index, value in zip(indexes, answer, strict=True):
                results[index] = value
        return results

    async def _batch(self, payloads: list[Any], invocation_type: InvocationType) -> list[Any]:
        """The batch's answer, item by item: a value, or the LambdaError every item shares."""
        try:
            answer = await self._call(payloads, invocation_type)
        except LambdaError as error:
            return [error] * len(payloads)
        if invocation_type is InvocationType.EVENT:
            return [None] * len(payloads)
        if not isinstance(answer, list) or len(answer) != len(payloads):
            got = f"a list of {len(answer)}" if isinstance(answer, list) else "no list"
            mismatch = LambdaError(
                f"BatchInvoke sent {len(payloads)} items and the function returned {got}; "
                "it must return a list of the same length and order.",
                BATCH_MISMATCH,
            )
            return [mismatch] * len(payloads)
        return answer

    async def _call(self, payload: Any, invocation_type: InvocationType) -> Any:
        """Invoke once; the function's JSON answer (None for `Event`), or LambdaError."""
        body = orjson.dumps(payload)
        limit = (
            ASYNC_PAYLOAD_LIMIT if invocation_type is InvocationType.EVENT else SYNC_PAYLOAD_LIMIT
        )
        if len(body) > limit:
            raise too_large(limit)
        try:
            result = await self.invoker.invoke(body, invocation_type=invocation_type)
        except InvokeRefused as error:
            raise refused(error) from None
        if result.function_error is not None:
            raise function_failed(result)
        if invocation_type is InvocationType.EVENT or not result.payload:
            return None
        try:
            return orjson.loads(result.payload)
        except orjson.JSONDecodeError:
            raise LambdaError(
                "The Lambda function's response is not valid JSON.",
                INVALID_RESPONSE,
                request_id=result.request_id,
            ) from None


class LambdaType:
    """Factory and config validator for AWS_LAMBDA data sources."""

    type_name = "AWS_LAMBDA"

    def validate_config(self, config: Mapping[str, Any]) -> list[ConfigProblem]:
        return config_problems(config)

    def create(self, definition: DataSourceDef) -> DataSource:
        return LambdaDataSource(definition)
