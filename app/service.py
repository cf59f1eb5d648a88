"""Assemble a servable API: definition → data sources → resolver runtime → Strawberry schema."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.types import ExecutionContext

from app.auth.authorizer import Authorizer
from app.auth.base import Principal
from app.auth.directives import FieldRules, field_rules, guard_fields
from app.auth.modes.cognito import denies_by_default
from app.datasources.awslambda.source import LambdaDataSource
from app.datasources.base import DataSource
from app.datasources.dynamodb.conflicts import invoked_handlers, no_handlers
from app.datasources.dynamodb.local_runtime import LocalDynamoDB, dynamodb_sources
from app.datasources.dynamodb.reachability import remote_endpoints
from app.datasources.opensearch.source import OpenSearchDataSource
from app.datasources.registry import DATA_SOURCE_TYPES
from app.definition.loader import load_definition
from app.definition.model import ApiDefinition
from app.engines import EngineError, LocalEngine, Supervisor
from app.execution.context import RequestContext
from app.execution.executor import Executor
from app.functions.base import FunctionInvoker
from app.functions.runtime import LocalFunctionRuntime, UsesLocalFunction
from app.readiness import Dependency, Pinged, Readiness
from app.realtime.engine import SubscriptionEngine
from app.realtime.pubsub import MemoryPubSub, PubSub, PubSubError, create_pubsub
from app.resolvers.runtime import ResolverRuntime
from app.schema.builder import build_strawberry_schema
from app.schema.direct import graphql_schema
from app.searchengine.local import LocalSearchEngine
from app.streams.mappings import StreamMappings
from app.templates.vtl import VtlEngine

logger = logging.getLogger("strawsync.service")

PARSER_CACHE_SIZE = 1024
VALIDATION_CACHE_SIZE = 1024


class StrawsyncSchema(strawberry.Schema):
    """Strawberry's schema; errors are logged by the transport with the request id instead."""

    def process_errors(
        self,
        errors: list[GraphQLError],
        execution_context: ExecutionContext | None = None,
    ) -> None:
        return None


class StartFailed(Exception):
    """The service could not start (an engine, pub/sub or a file it needs); the message is
    one line that says what to do."""


@dataclass(frozen=True)
class Service:
    """Everything a transport needs to serve one API."""

    definition: ApiDefinition
    schema: strawberry.Schema
    executor: Executor
    data_sources: Mapping[str, DataSource]
    example_query: str | None
    engines: Supervisor
    readiness: Readiness
    realtime: SubscriptionEngine
    authorizer: Authorizer
    field_rules: FieldRules
    streams: StreamMappings

    async def start(self) -> None:
        """Connect pub/sub first (quick to fail), then local engines (they give data sources
        their endpoints), then data sources. A failure closes whatever had started; one the
        operator can fix is a `StartFailed`."""
        try:
            await self.realtime.start()
            await self.authorizer.start()
            await self.engines.start()
            for data_source in self.data_sources.values():
                await data_source.start()
            await self.streams.start()
        except BaseException as error:
            await self.close()
            if isinstance(error, EngineError | OSError):
                raise StartFailed(str(error)) from error
            if isinstance(error, PubSubError):
                raise StartFailed(error.message) from error
            raise

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.streams.close()
        with contextlib.suppress(Exception):
            await self.realtime.close()
        with contextlib.suppress(Exception):
            await self.authorizer.close()
        for data_source in self.data_sources.values():
            with contextlib.suppress(Exception):
                await data_source.close()
        with contextlib.suppress(Exception):
            await self.executor.close()
        await self.engines.stop()


def build_service(
    definition: ApiDefinition,
    data_sources: Mapping[str, DataSource] | None = None,
    *,
    in_memory: bool = False,
    pubsub_url: str | None = None,
    progress: Callable[[str], None] = logger.info,
) -> Service:
    """Create the data sources and the schema for a loaded definition (no I/O yet).

    `data_sources` replaces the ones the definition would create (embedding, tests);
    `in_memory` keeps a local DynamoDB's data in memory instead of `.strawsync/dynamodb/`;
    `pubsub_url` picks the pub/sub backend (in-process when None, or `redis://...`).
    """
    if data_sources is None:
        data_sources = {
            name: DATA_SOURCE_TYPES[source.type].create(source)
            for name, source in definition.data_sources.items()
        }
    runtime = ResolverRuntime(definition, data_sources)
    schema = build_strawberry_schema(
        definition.schema,
        runtime,
        extensions=(
            lambda: ParserCache(maxsize=PARSER_CACHE_SIZE),
            lambda: ValidationCache(maxsize=VALIDATION_CACHE_SIZE),
        ),
        schema_class=StrawsyncSchema,
    )
    example = definition.project_dir / "graphiql.graphql"
    authorizer = Authorizer(definition.auth, definition.project_dir, definition.name)
    rules = field_rules(
        definition.schema,
        authorizer.default,
        authorizer.mode_types,
        default_denies=denies_by_default(definition.auth),
    )
    guard_fields(graphql_schema(schema), rules, _principal_of)
    executor = Executor(
        graphql_schema(schema), limits=definition.limits, exposure=definition.exposure
    )
    pubsub = create_pubsub(
        pubsub_url, api=definition.name, maxsize=definition.limits.max_pending_messages
    )
    local_dynamodb = LocalDynamoDB(
        definition.project_dir,
        dynamodb_sources(data_sources),
        in_memory=in_memory,
        progress=progress,
    )
    search_engine = LocalSearchEngine(
        definition.project_dir,
        [source for source in data_sources.values() if isinstance(source, OpenSearchDataSource)],
        in_memory=in_memory,
        progress=progress,
    )
    functions = local_functions(definition, data_sources, progress)
    run_authorizer_functions(functions, authorizer)
    for dynamodb in dynamodb_sources(data_sources):
        if dynamodb.conflict_handlers is no_handlers:
            dynamodb.conflict_handlers = invoked_handlers(functions_by_arn(functions, data_sources))
    streams = StreamMappings(
        definition.streams, data_sources, definition.project_dir, in_memory=in_memory
    )
    engines = Supervisor(_needed([local_dynamodb, search_engine, functions]))
    return Service(
        definition=definition,
        schema=schema,
        executor=executor,
        data_sources=MappingProxyType(data_sources),
        example_query=example.read_text(encoding="utf-8") if example.is_file() else None,
        engines=engines,
        readiness=Readiness(
            [*_dependencies(engines, pubsub, data_sources), *streams.dependencies()]
        ),
        realtime=SubscriptionEngine(definition, executor, runtime, pubsub, rules),
        authorizer=authorizer,
        field_rules=rules,
        streams=streams,
    )


def local_functions(
    definition: ApiDefinition,
    data_sources: Mapping[str, DataSource],
    progress: Callable[[str], None] = logger.info,
) -> LocalFunctionRuntime:
    """The local Lambda runtime, running every data source's local function; each such data
    source is attached to its function's invoker (before any data source starts)."""
    runtime = LocalFunctionRuntime([], definition.lambda_settings, progress=progress)
    for source in data_sources.values():
        if not isinstance(source, UsesLocalFunction):
            continue
        function = source.local_function
        if function is not None:
            runtime.add(function)
            source.attach(runtime.invoker(function.name))
    return runtime


def run_authorizer_functions(runtime: LocalFunctionRuntime, authorizer: Authorizer) -> None:
    """A Lambda authorizer's function runs on the same local runtime as every other Lambda
    use; its invoker is attached before the service starts."""
    for mode in authorizer.modes:
        if isinstance(mode, UsesLocalFunction) and mode.local_function is not None:
            runtime.add(mode.local_function)
            mode.attach(runtime.invoker(mode.local_function.name))


def functions_by_arn(
    runtime: LocalFunctionRuntime, data_sources: Mapping[str, DataSource]
) -> Callable[[str], FunctionInvoker | None]:
    """The function an ARN names (a conflict handler's `lambdaArn`): a local function by its
    `local_arn`, or a Lambda data source's function on AWS (once started)."""

    def find(arn: str) -> FunctionInvoker | None:
        for function in runtime.functions.values():
            if function.arn == arn:
                return runtime.invoker(function.name)
        for source in data_sources.values():
            if isinstance(source, LambdaDataSource):
                with contextlib.suppress(RuntimeError):
                    if source.invoker.arn == arn:
                        return source.invoker
        return None

    return find


def _needed(
    engines: list[LocalDynamoDB | LocalSearchEngine | LocalFunctionRuntime],
) -> list[LocalEngine]:
    return [engine for engine in engines if engine.needed]


def _dependencies(
    engines: Supervisor, pubsub: PubSub, data_sources: Mapping[str, DataSource]
) -> list[Dependency]:
    """What `/ready` checks: every local engine, Redis when pub/sub uses it, and every remote
    DynamoDB endpoint."""
    dependencies: list[Dependency] = [*engines.dependencies()]
    if not isinstance(pubsub, MemoryPubSub):
        dependencies.append(Pinged("pubsub", "redis", pubsub.ping))
    dependencies.extend(remote_endpoints(dynamodb_sources(data_sources)))
    return dependencies


def _principal_of(context: RequestContext) -> Principal | None:
    return context.principal


def load_service(
    project_dir: Path,
    *,
    in_memory: bool = False,
    pubsub_url: str | None = None,
    progress: Callable[[str], None] = logger.info,
) -> Service:
    """Load, check and assemble a project; raises DefinitionError listing every problem."""
    definition = load_definition(project_dir, VtlEngine())
    return build_service(definition, in_memory=in_memory, pubsub_url=pubsub_url, progress=progress)


def describe(service: Service) -> dict[str, Any]:
    """A short summary for start-up logs."""
    definition = service.definition
    return {
        "api": definition.name,
        "dataSources": len(definition.data_sources),
        "resolvers": len(definition.resolvers),
        "functions": len(definition.functions),
    }
