"""`strawsync.yaml`: API name, profile, authentication, limits and data sources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from app.auth.authorizer import SINGLE_MODES, config_problems
from app.auth.modes.cognito import default_action_problems
from app.datasources.awslambda.config import LambdaSourceEntry, project_problems
from app.datasources.registry import DATA_SOURCE_TYPES, KNOWN_APPSYNC_TYPES
from app.definition.model import (
    AuthProvider,
    AuthType,
    DataSourceDef,
    Exposure,
    LambdaSettings,
    Limits,
    Origin,
    Profile,
    freeze,
)
from app.definition.reporter import Reporter
from app.definition.yaml_source import YamlDocument

SETTINGS_FILE = "strawsync.yaml"

_SETTINGS_KEYS = frozenset(
    {
        "name",
        "authentication",
        "dataSources",
        "limits",
        "evaluateEndpoint",
        "profile",
        "introspection",
        "fieldSuggestions",
        "graphiql",
        "getQueries",
        "lambda",
        "streams",
    }
)
_LAMBDA_KEYS = {
    "accountConcurrency": "account_concurrency",
    "unreservedMinimum": "unreserved_minimum",
    "idleWorkerSeconds": "idle_worker_seconds",
}
_EXPOSURE_KEYS = {
    "introspection": "introspection",
    "fieldSuggestions": "field_suggestions",
    "graphiql": "graphiql",
    "getQueries": "get_queries",
}
_DATA_SOURCE_KEYS = frozenset({"name", "type", "description", "config"})
_LIMIT_KEYS = {
    "maxBodyBytes": "max_body_bytes",
    "requestTimeoutSeconds": "request_timeout_seconds",
    "maxQueryDepth": "max_query_depth",
    "maxResolversPerRequest": "max_resolvers_per_request",
    "maxAliases": "max_aliases",
    "maxDirectivesPerLocation": "max_directives_per_location",
    "maxFields": "max_fields",
    "requestHeaderTimeoutSeconds": "request_header_timeout_seconds",
    "requestBodyTimeoutSeconds": "request_body_timeout_seconds",
    "httpIdleTimeoutSeconds": "http_idle_timeout_seconds",
    "maxSubscriptionsPerConnection": "max_subscriptions_per_connection",
    "maxMessageBytes": "max_message_bytes",
    "keepAliveSeconds": "keep_alive_seconds",
    "connectionTimeoutMs": "connection_timeout_ms",
    "connectionLifetimeSeconds": "connection_lifetime_seconds",
    "connectionInitTimeoutSeconds": "connection_init_timeout_seconds",
    "idleConnectionTimeoutSeconds": "idle_connection_timeout_seconds",
    "maxPendingMessages": "max_pending_messages",
    "closeTimeoutSeconds": "close_timeout_seconds",
}
_LIMIT_RANGES = {
    # AppSync's own bounds for the settings it has.
    "max_query_depth": (1, 75),
    "max_resolvers_per_request": (1, 10_000),
}


class SettingsLoader(Reporter):
    """Reads `strawsync.yaml` into the API-level parts of the definition."""

    def _load_settings(self) -> tuple[YamlDocument, dict[str, Any]]:
        path = self.project_dir / SETTINGS_FILE
        empty = YamlDocument(self._display(path), None)
        if not path.is_file():
            return empty, {}
        doc = self._read_yaml(path)
        if doc is None:
            return empty, {}
        return doc, self._mapping(doc, _SETTINGS_KEYS, "settings")

    def _load_auth(self, doc: YamlDocument, values: Mapping[str, Any]) -> tuple[AuthProvider, ...]:
        """The default provider first, then the additional ones; none means an open API."""
        auth = values.get("authentication")
        if auth is None:
            return ()
        if not isinstance(auth, dict):
            self._at(doc, "'authentication' must be a mapping", "authentication")
            return ()
        for key in auth:
            if key not in ("default", "additional"):
                self._at(doc, f"unknown key '{key}' in authentication", "authentication", key)
        entries: list[tuple[tuple[str | int, ...], Any]] = [
            (("authentication", "default"), auth.get("default"))
        ]
        additional = auth.get("additional") or []
        if not isinstance(additional, list):
            self._at(doc, "'authentication.additional' must be a list", "authentication")
            additional = []
        entries.extend(
            (("authentication", "additional", i), item) for i, item in enumerate(additional)
        )
        providers: list[AuthProvider] = []
        for path, entry in entries:
            if not isinstance(entry, dict) or "type" not in entry:
                self._at(doc, "an authentication provider needs a 'type'", *path)
                continue
            try:
                mode = AuthType(entry["type"])
            except ValueError:
                modes = ", ".join(m.value for m in AuthType)
                self._at(doc, f"unknown authentication type '{entry['type']}' ({modes})", *path)
                continue
            if mode in SINGLE_MODES and any(p.type is mode for p in providers):
                self._at(doc, f"{mode.value} may be configured only once", *path, "type")
                continue
            config = {k: v for k, v in entry.items() if k != "type"}
            for problem in config_problems(mode, freeze(config)):
                self._at(doc, problem, *path)
            providers.append(AuthProvider(mode, freeze(config)))
        for problem in default_action_problems(providers):
            self._at(doc, problem, "authentication")
        return tuple(providers)

    def _load_limits(self, doc: YamlDocument, values: Mapping[str, Any]) -> Limits:
        raw = values.get("limits") or {}
        if not isinstance(raw, dict):
            self._at(doc, "'limits' must be a mapping", "limits")
            return Limits()
        kwargs: dict[str, Any] = {}
        for key, value in raw.items():
            attr = _LIMIT_KEYS.get(key)
            if attr is None:
                self._at(doc, f"unknown limit '{key}'", "limits", key)
            elif not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
                self._at(doc, f"limit '{key}' must be a positive number", "limits", key)
            elif isinstance(Limits.__dataclass_fields__[attr].default, int) and not isinstance(
                value, int
            ):
                self._at(doc, f"limit '{key}' must be a whole number", "limits", key)
            elif attr in _LIMIT_RANGES and not (
                _LIMIT_RANGES[attr][0] <= value <= _LIMIT_RANGES[attr][1]
            ):
                low, high = _LIMIT_RANGES[attr]
                self._at(doc, f"limit '{key}' must be between {low} and {high}", "limits", key)
            else:
                kwargs[attr] = value
        return Limits(**kwargs)

    def _load_lambda(self, doc: YamlDocument, values: Mapping[str, Any]) -> LambdaSettings:
        raw = values.get("lambda") or {}
        if not isinstance(raw, dict):
            self._at(doc, "'lambda' must be a mapping", "lambda")
            return LambdaSettings()
        kwargs: dict[str, Any] = {}
        for key, value in raw.items():
            attr = _LAMBDA_KEYS.get(key)
            if attr is None:
                self._at(doc, f"unknown lambda setting '{key}'", "lambda", key)
            elif not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                self._at(doc, f"lambda setting '{key}' must be a number >= 0", "lambda", key)
            elif attr != "idle_worker_seconds" and not isinstance(value, int):
                self._at(doc, f"lambda setting '{key}' must be a whole number", "lambda", key)
            else:
                kwargs[attr] = value
        settings = LambdaSettings(**kwargs)
        if settings.unreserved_minimum > settings.account_concurrency:
            self._at(doc, "'unreservedMinimum' cannot exceed 'accountConcurrency'", "lambda")
        return settings

    def _load_profile(self, doc: YamlDocument, values: Mapping[str, Any]) -> Profile:
        raw = values.get("profile", Profile.DEVELOPMENT.value)
        try:
            return Profile(raw)
        except ValueError:
            names = " or ".join(p.value for p in Profile)
            self._at(doc, f"'profile' must be {names}", "profile")
            return Profile.DEVELOPMENT

    def _load_exposure(
        self, doc: YamlDocument, values: Mapping[str, Any], profile: Profile
    ) -> Exposure:
        """The profile's defaults, with each setting the project gives instead."""
        overrides: dict[str, bool] = {}
        for key, attr in _EXPOSURE_KEYS.items():
            if key not in values:
                continue
            if isinstance(values[key], bool):
                overrides[attr] = values[key]
            else:
                self._at(doc, f"'{key}' must be true or false", key)
        return replace(Exposure.for_profile(profile), **overrides)

    def _load_data_sources(
        self, settings: tuple[YamlDocument, dict[str, Any]]
    ) -> dict[str, DataSourceDef]:
        doc, values = settings
        raw = values.get("dataSources") or []
        if not isinstance(raw, list):
            self._at(doc, "'dataSources' must be a list", "dataSources")
            return {}
        found: dict[str, DataSourceDef] = {}
        lambdas: list[LambdaSourceEntry] = []
        for index, entry in enumerate(raw):
            path = ("dataSources", index)
            if not isinstance(entry, dict):
                self._at(doc, "a data source must be a mapping", *path)
                continue
            for key in entry:
                if key not in _DATA_SOURCE_KEYS:
                    self._at(doc, f"unknown key '{key}' in data source", *path, key)
            name, kind = entry.get("name"), entry.get("type")
            if not isinstance(name, str) or not name:
                self._at(doc, "a data source needs a 'name'", *path)
                continue
            if name in found:
                self._at(doc, f"data source '{name}' is declared twice", *path, "name")
                continue
            source_type = DATA_SOURCE_TYPES.get(kind) if isinstance(kind, str) else None
            if source_type is None or not isinstance(kind, str):
                if kind in KNOWN_APPSYNC_TYPES:
                    message = f"data source type '{kind}' is not supported by this version"
                else:
                    message = f"unknown data source type '{kind}'"
                self._at(doc, message, *path, "type")
                continue
            config = entry.get("config") or {}
            if not isinstance(config, dict):
                self._at(doc, "'config' must be a mapping", *path, "config")
                continue
            problems = source_type.validate_config(config)
            for problem in problems:
                self._at(doc, problem.message, *path, "config", *problem.path)
            if kind == "AWS_LAMBDA" and not problems:
                lambdas.append(LambdaSourceEntry(path, config))
            pos = doc.where(*path)
            found[name] = DataSourceDef(
                name=name,
                type=kind,
                origin=Origin(doc.file, pos.line, pos.column),
                description=entry.get("description"),
                config=freeze(config),
            )
        pool = _lambda_pool(values.get("lambda"))
        for where, message in project_problems(lambdas, self.project_dir, pool):
            self._at(doc, message, *where)
        return found


def _lambda_pool(raw: Any) -> LambdaSettings:
    """The account pool the `lambda:` block sets, for checking reservations against it
    (mistakes in the block itself are `_load_lambda`'s to report)."""
    if not isinstance(raw, dict):
        return LambdaSettings()
    kwargs = {
        attr: raw[key]
        for key, attr in _LAMBDA_KEYS.items()
        if key in raw and isinstance(raw[key], int) and not isinstance(raw[key], bool)
    }
    return LambdaSettings(**kwargs)
