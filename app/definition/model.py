"""Immutable objects describing a loaded API, modelled on AppSync's own resources.

Everything here is built once at start-up by `app.definition.loader` and never mutated:
frozen dataclasses, tuples and read-only mappings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from graphql import GraphQLSchema

from app.templates.api import Template

VERSION_2017 = "2017-02-28"
VERSION_2018 = "2018-05-29"
TEMPLATE_VERSIONS = (VERSION_2017, VERSION_2018)
MAX_PIPELINE_FUNCTIONS = 10


class ResolverKind(StrEnum):
    UNIT = "UNIT"
    PIPELINE = "PIPELINE"


class AuthType(StrEnum):
    API_KEY = "API_KEY"
    AWS_IAM = "AWS_IAM"
    AMAZON_COGNITO_USER_POOLS = "AMAZON_COGNITO_USER_POOLS"
    OPENID_CONNECT = "OPENID_CONNECT"
    AWS_LAMBDA = "AWS_LAMBDA"


def freeze(value: Any) -> Any:
    """A read-only deep copy of parsed YAML: mappings become MappingProxyType, lists tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a definition object was declared, for messages and logs."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}" if self.line else self.file


@dataclass(frozen=True, slots=True)
class DataSourceDef:
    """AppSync's DataSource: a name, a type (NONE, AMAZON_DYNAMODB, ...) and its config."""

    name: str
    type: str
    origin: Origin
    description: str | None = None
    config: Mapping[str, Any] = field(default_factory=lambda: EMPTY)


@dataclass(frozen=True, slots=True)
class MappingTemplate:
    """A compiled template and the file it came from (relative to the project)."""

    path: str
    template: Template
    source: str = ""

    @property
    def reads_selection_set(self) -> bool:
        """Whether rendering needs `$ctx.info.selectionSet*` (costly to compute)."""
        return "selectionSet" in self.source

    @property
    def uses_extensions(self) -> bool:
        """Whether the template can reach `$extensions` (only then is it built)."""
        return "extensions" in self.source


@dataclass(frozen=True, slots=True)
class FunctionDef:
    """AppSync's FunctionConfiguration: one step of a pipeline resolver.

    A template is None only on an AWS_LAMBDA data source (a direct Lambda function): AppSync's
    implied request or response logic runs instead (`app.resolvers.direct`).
    """

    name: str
    data_source: str
    request: MappingTemplate | None
    response: MappingTemplate | None
    origin: Origin
    function_version: str = VERSION_2018
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ResolverDef:
    """AppSync's Resolver: a field bound to a data source (UNIT) or to functions (PIPELINE).

    For a pipeline, `request` is the Before template and `response` the After template. A
    template is None only for a UNIT resolver on an AWS_LAMBDA data source (a direct Lambda
    resolver): AppSync's implied request or response logic runs instead
    (`app.resolvers.direct`).
    """

    type_name: str
    field_name: str
    kind: ResolverKind
    request: MappingTemplate | None
    response: MappingTemplate | None
    origin: Origin
    data_source: str | None = None
    functions: tuple[str, ...] = ()
    max_batch_size: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.type_name, self.field_name)


@dataclass(frozen=True, slots=True)
class AuthProvider:
    """One authorization mode (default or additional) and its mode-specific settings."""

    type: AuthType
    config: Mapping[str, Any] = field(default_factory=lambda: EMPTY)


@dataclass(frozen=True, slots=True)
class Limits:
    """Request limits; AppSync's defaults where it has them, safe production caps elsewhere.

    Every limit is enforced on HTTP and on every WebSocket protocol; a request over one is
    refused before any resolver runs (except the resolver count, counted as resolvers run).
    """

    max_body_bytes: int = 1024 * 1024
    request_timeout_seconds: float = 30.0
    max_query_depth: int | None = None
    """AppSync's `queryDepthLimit`: unlimited by default, 1 to 75 (`QueryDepthLimitReached`)."""
    max_resolvers_per_request: int = 10_000
    """AppSync's `resolverCountLimit`: 1 to 10,000 (`ResolverExecutionLimitReached`)."""
    max_aliases: int = 50
    """Aliased fields in one document, fragments counted where they are spread."""
    max_directives_per_location: int = 5
    """Directives on one field, fragment spread, inline fragment or operation."""
    max_fields: int = 2000
    """Field selections in one document, fragments counted where they are spread."""
    # Slow clients: how long a connection may take to send what it must.
    request_header_timeout_seconds: float = 10.0
    request_body_timeout_seconds: float = 30.0
    http_idle_timeout_seconds: float = 5.0
    # Real-time (WebSocket) limits; AppSync's where it publishes them.
    max_subscriptions_per_connection: int = 200
    max_message_bytes: int = 240 * 1024
    keep_alive_seconds: float = 60.0
    connection_timeout_ms: int = 300_000
    connection_lifetime_seconds: float = 24 * 3600.0
    connection_init_timeout_seconds: float = 10.0
    idle_connection_timeout_seconds: float = 300.0
    """A WebSocket with no subscription that sends nothing for this long is closed."""
    max_pending_messages: int = 1000
    close_timeout_seconds: float = 5.0


@dataclass(frozen=True, slots=True)
class LambdaSettings:
    """`lambda:` in strawsync.yaml: the account-wide concurrency pool local functions share,
    as on AWS Lambda (1,000 by default, 100 of them always left to unreserved functions)."""

    account_concurrency: int = 1000
    unreserved_minimum: int = 100
    idle_worker_seconds: float = 300.0
    """A warm worker that served nothing for this long is stopped."""


class Profile(StrEnum):
    """`profile` in strawsync.yaml: what a served API exposes unless a setting says otherwise."""

    DEVELOPMENT = "development"
    PRODUCTION = "production"


@dataclass(frozen=True, slots=True)
class Exposure:
    """What the API shows beyond its data: all on in development, all off in production."""

    introspection: bool = True
    """`__schema` and `__type`; off, they fail validation as on AppSync (`introspectionConfig`)."""
    field_suggestions: bool = True
    """"Did you mean ...?" in validation messages."""
    graphiql: bool = True
    get_queries: bool = True
    """Queries over HTTP GET (mutations never run over GET)."""

    @classmethod
    def for_profile(cls, profile: Profile) -> Exposure:
        on = profile is Profile.DEVELOPMENT
        return cls(introspection=on, field_suggestions=on, graphiql=on, get_queries=on)


@dataclass(frozen=True, slots=True)
class SubscriptionDef:
    """A Subscription field and the mutations whose results it receives (`@aws_subscribe`)."""

    field_name: str
    mutations: tuple[str, ...]


class StartingPosition(StrEnum):
    """Where a new event source mapping starts reading a stream (AWS's names)."""

    TRIM_HORIZON = "TRIM_HORIZON"
    LATEST = "LATEST"


@dataclass(frozen=True, slots=True)
class IndexTarget:
    """The built-in indexer's destination: an index behind an OpenSearch data source."""

    data_source: str
    name: str


@dataclass(frozen=True, slots=True)
class EventSourceMappingDef:
    """One entry of `streams:`, AWS's `AWS::Lambda::EventSourceMapping` for a DynamoDB stream:
    the table's stream feeds a Lambda data source's function, or (`index`) the built-in
    indexer that keeps an OpenSearch index in step with the table, as Amplify's @searchable.

    `table_source` is the DynamoDB data source whose endpoint and credentials reach the table.
    -1 means unlimited for `maximum_retry_attempts` and `maximum_record_age_seconds`.
    """

    table: str
    table_source: str
    origin: Origin
    function: str | None = None
    index: IndexTarget | None = None
    batch_size: int = 100
    batching_window_seconds: int = 0
    starting_position: StartingPosition = StartingPosition.TRIM_HORIZON
    maximum_retry_attempts: int = -1
    maximum_record_age_seconds: int = -1
    bisect_on_error: bool = False
    report_batch_item_failures: bool = False
    enabled: bool = True

    @property
    def target(self) -> str:
        """What the mapping feeds, for logs and file names: `function:<name>` or
        `index:<data source>/<index>`."""
        if self.index is not None:
            return f"index:{self.index.data_source}/{self.index.name}"
        return f"function:{self.function}"


@dataclass(frozen=True, slots=True)
class ApiDefinition:
    """A whole API, ready to serve."""

    name: str
    project_dir: Path
    sdl: str
    schema: GraphQLSchema
    data_sources: Mapping[str, DataSourceDef]
    functions: Mapping[str, FunctionDef]
    resolvers: Mapping[tuple[str, str], ResolverDef]
    auth: tuple[AuthProvider, ...] = ()
    subscriptions: Mapping[str, SubscriptionDef] = field(default_factory=lambda: EMPTY)
    limits: Limits = field(default_factory=Limits)
    evaluate_endpoint: bool = False
    profile: Profile = Profile.DEVELOPMENT
    exposure: Exposure = field(default_factory=Exposure)
    lambda_settings: LambdaSettings = field(default_factory=LambdaSettings)
    streams: tuple[EventSourceMappingDef, ...] = ()
