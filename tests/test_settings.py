"""`strawsync.yaml`'s profile, exposure switches and limit bounds, as the loader reads them."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.definition.loader import load_definition
from app.definition.model import ApiDefinition, Exposure, Limits, Profile
from app.problems import DefinitionError
from app.templates.vtl import VtlEngine
from tests.support.projects import NONE_SETTINGS, write_project

SCHEMA = "type Query { hello: String }\n"


def load(tmp_path: Path, extra: str) -> ApiDefinition:
    project = write_project(
        tmp_path / "api", {"schema.graphql": SCHEMA, "strawsync.yaml": NONE_SETTINGS + extra}
    )
    return load_definition(project, VtlEngine())


def problems(tmp_path: Path, extra: str) -> str:
    with pytest.raises(DefinitionError) as raised:
        load(tmp_path, extra)
    return raised.value.report()


def test_development_is_the_default_profile_and_exposes_everything(tmp_path: Path) -> None:
    definition = load(tmp_path, "")
    assert definition.profile is Profile.DEVELOPMENT
    assert definition.exposure == Exposure(
        introspection=True, field_suggestions=True, graphiql=True, get_queries=True
    )


def test_production_profile_turns_every_exposure_off(tmp_path: Path) -> None:
    definition = load(tmp_path, "profile: production\n")
    assert definition.profile is Profile.PRODUCTION
    assert definition.exposure == Exposure(
        introspection=False, field_suggestions=False, graphiql=False, get_queries=False
    )


def test_a_setting_overrides_its_profile_default(tmp_path: Path) -> None:
    definition = load(tmp_path, "profile: production\ngraphiql: true\n")
    assert definition.exposure.graphiql is True
    assert definition.exposure.introspection is False
    definition = load(tmp_path, "introspection: false\n")
    assert definition.exposure.introspection is False
    assert definition.exposure.field_suggestions is True


def test_an_unknown_profile_and_non_boolean_switches_are_reported(tmp_path: Path) -> None:
    report = problems(tmp_path, "profile: staging\nintrospection: 'no'\ngetQueries: 1\n")
    assert "'profile' must be development or production" in report
    assert "'introspection' must be true or false" in report
    assert "'getQueries' must be true or false" in report


def test_limits_default_to_appsync_and_safe_caps(tmp_path: Path) -> None:
    limits = load(tmp_path, "").limits
    assert limits == Limits()
    assert limits.max_query_depth is None  # AppSync: unlimited unless set
    assert limits.max_resolvers_per_request == 10_000
    assert limits.request_timeout_seconds == 30.0


@pytest.mark.parametrize(
    ("key", "good", "bad"),
    [("maxQueryDepth", 75, 76), ("maxResolversPerRequest", 10_000, 10_001)],
)
def test_appsync_bounds_hold_at_n_and_n_plus_one(
    tmp_path: Path, key: str, good: int, bad: int
) -> None:
    definition = load(tmp_path / "good", f"limits:\n  {key}: {good}\n")
    assert good in (definition.limits.max_query_depth, definition.limits.max_resolvers_per_request)
    report = problems(tmp_path / "bad", f"limits:\n  {key}: {bad}\n")
    assert f"limit '{key}' must be between 1 and {good}" in report


@pytest.mark.parametrize(
    ("key", "attr"),
    [
        ("maxAliases", "max_aliases"),
        ("maxDirectivesPerLocation", "max_directives_per_location"),
        ("maxFields", "max_fields"),
        ("requestHeaderTimeoutSeconds", "request_header_timeout_seconds"),
        ("requestBodyTimeoutSeconds", "request_body_timeout_seconds"),
        ("httpIdleTimeoutSeconds", "http_idle_timeout_seconds"),
        ("idleConnectionTimeoutSeconds", "idle_connection_timeout_seconds"),
    ],
)
def test_each_new_limit_is_read_and_must_be_positive(tmp_path: Path, key: str, attr: str) -> None:
    definition = load(tmp_path / "good", f"limits:\n  {key}: 7\n")
    assert getattr(definition.limits, attr) == 7
    report = problems(tmp_path / "bad", f"limits:\n  {key}: 0\n")
    assert f"limit '{key}' must be a positive number" in report
