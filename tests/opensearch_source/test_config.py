"""An OpenSearch data source's `config`: every mistake at its path, the limits at N and N+1,
and the settings a valid config describes (region and signing service from an AWS host)."""

from __future__ import annotations

from typing import Any

import pytest

from app.datasources.opensearch.config import (
    AuthType,
    config_problems,
    parse_settings,
)
from app.datasources.registry import DATA_SOURCE_TYPES

REMOTE = "https://search-events-abc123.eu-west-1.es.amazonaws.com"


def problems(config: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    return [(p.path, p.message) for p in config_problems(config, "AMAZON_OPENSEARCH_SERVICE")]


def test_both_types_are_registered() -> None:
    for name in ("AMAZON_OPENSEARCH_SERVICE", "AMAZON_ELASTICSEARCH"):
        assert DATA_SOURCE_TYPES[name].type_name == name
        assert DATA_SOURCE_TYPES[name].validate_config({}) == []


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"indexes": {"event": {"mappings": {"properties": {"title": {"type": "text"}}}}}},
        {"indexes": {"event": None, "event-2024.01": {"settings": {}, "aliases": {}}}},
        {"endpoint": REMOTE},
        {"endpoint": REMOTE, "auth": {"type": "AWS_IAM"}},
        {
            "endpoint": "https://x.us-east-1.aoss.amazonaws.com",
            "auth": {"type": "AWS_IAM", "service": "aoss"},
        },
        {"endpoint": "http://127.0.0.1:9200/prefix", "auth": {"type": "NONE"}},
        {
            "endpoint": "https://es.internal",
            "auth": {"type": "BASIC", "username": "u", "passwordEnv": "ES_PASSWORD"},
        },
        {"endpoint": REMOTE, "region": "eu-west-1", "timeoutSeconds": 30, "maxConnections": 1000},
        {"timeoutSeconds": 1, "maxConnections": 1},
        {"timeoutSeconds": 2.5},
        {"indexes": {"a" * 255: {}}},
    ],
)
def test_valid_configs(config: dict[str, Any]) -> None:
    assert problems(config) == []


@pytest.mark.parametrize(
    ("config", "path", "words"),
    [
        ({"tableName": "x"}, ("tableName",), "unknown AMAZON_OPENSEARCH_SERVICE setting"),
        ({"endpoint": "search.example.com"}, ("endpoint",), "http:// or https://"),
        ({"endpoint": "https://u:p@es.internal"}, ("endpoint",), "must not carry credentials"),
        ({"endpoint": "https://es.internal?x=1"}, ("endpoint",), "query string"),
        ({"region": ""}, ("region",), "non-empty string"),
        ({"endpoint": REMOTE, "auth": "AWS_IAM"}, ("auth",), "must be an object"),
        ({"endpoint": REMOTE, "auth": {"type": "IAM"}}, ("auth", "type"), "AWS_IAM, BASIC, NONE"),
        (
            {"endpoint": REMOTE, "auth": {"type": "AWS_IAM", "service": "s3"}},
            ("auth", "service"),
            "es (a domain) or aoss",
        ),
        (
            {"endpoint": REMOTE, "auth": {"type": "NONE", "service": "es"}},
            ("auth", "service"),
            "not a setting of NONE",
        ),
        (
            {"endpoint": REMOTE, "auth": {"type": "BASIC", "passwordEnv": "P"}},
            ("auth", "username"),
            "is required",
        ),
        (
            {"endpoint": REMOTE, "auth": {"type": "BASIC", "username": "u"}},
            ("auth", "passwordEnv"),
            "environment variable",
        ),
        (
            {"endpoint": REMOTE, "auth": {"type": "BASIC", "username": "u", "passwordEnv": "1BAD"}},
            ("auth", "passwordEnv"),
            "environment variable",
        ),
        ({"auth": {"type": "AWS_IAM"}}, ("auth", "type"), "needs an endpoint"),
        ({"indexes": ["event"]}, ("indexes",), "must map index names"),
        ({"indexes": {"Event": {}}}, ("indexes", "Event"), "lowercase"),
        ({"indexes": {"_event": {}}}, ("indexes", "_event"), "nor start with"),
        ({"indexes": {"a b": {}}}, ("indexes", "a b"), "must not contain ' '"),
        ({"indexes": {"a" * 256: {}}}, ("indexes", "a" * 256), "at most 255 bytes"),
        ({"indexes": {"event": []}}, ("indexes", "event"), "must be an object"),
        (
            {"indexes": {"event": {"mapping": {}}}},
            ("indexes", "event", "mapping"),
            "unknown index setting",
        ),
        (
            {"indexes": {"event": {"mappings": []}}},
            ("indexes", "event", "mappings"),
            "must be an object",
        ),
        ({"timeoutSeconds": 31}, ("timeoutSeconds",), "from 1 to 30"),
        ({"timeoutSeconds": 0}, ("timeoutSeconds",), "from 1 to 30"),
        ({"timeoutSeconds": "10"}, ("timeoutSeconds",), "a number"),
        ({"maxConnections": 1001}, ("maxConnections",), "from 1 to 1000"),
        ({"maxConnections": 0}, ("maxConnections",), "from 1 to 1000"),
        ({"maxConnections": 2.5}, ("maxConnections",), "an integer"),
        ({"maxConnections": True}, ("maxConnections",), "an integer"),
    ],
)
def test_invalid_configs(config: dict[str, Any], path: tuple[str, ...], words: str) -> None:
    found = problems(config)
    assert any(p == path and words in message for p, message in found), found


def test_an_inline_password_is_refused_without_repeating_it() -> None:
    secret = "hunter2-do-not-print"
    found = problems(
        {
            "endpoint": REMOTE,
            "auth": {"type": "BASIC", "username": "u", "password": secret, "passwordEnv": "P"},
        }
    )
    assert found == [
        (
            ("auth", "password"),
            "a password does not belong in strawsync.yaml; name its variable in passwordEnv",
        )
    ]
    assert secret not in repr(found)


def test_an_aws_domain_gives_region_and_sigv4_for_es() -> None:
    settings = parse_settings({"endpoint": REMOTE + "/"})
    assert settings.endpoint == REMOTE
    assert settings.region == "eu-west-1"
    assert (settings.auth.type, settings.auth.service) == (AuthType.AWS_IAM, "es")


def test_a_serverless_collection_signs_for_aoss() -> None:
    settings = parse_settings({"endpoint": "https://abc.ap-southeast-2.aoss.amazonaws.com"})
    assert settings.region == "ap-southeast-2"
    assert (settings.auth.type, settings.auth.service) == (AuthType.AWS_IAM, "aoss")
    explicit = parse_settings(
        {"endpoint": "https://abc.ap-southeast-2.aoss.amazonaws.com", "auth": {"type": "AWS_IAM"}}
    )
    assert explicit.auth.service == "aoss"


def test_other_hosts_default_to_no_auth_and_the_environment_region(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_REGION", "sa-east-1")
    settings = parse_settings({"endpoint": "http://127.0.0.1:9200"})
    assert settings.auth.type == AuthType.NONE
    assert settings.region == "sa-east-1"
    monkeypatch.delenv("AWS_REGION")
    assert parse_settings({}).region == "us-east-1"
    assert parse_settings({"endpoint": REMOTE, "region": "us-west-2"}).region == "us-west-2"


def test_defaults_and_declared_indexes() -> None:
    body = {"mappings": {"properties": {"title": {"type": "text"}}}}
    settings = parse_settings({"indexes": {"event": body, "plain": None}})
    assert settings.endpoint is None
    assert (settings.timeout_seconds, settings.max_connections) == (10.0, 100)
    assert [(i.name, dict(i.body)) for i in settings.indexes] == [("event", body), ("plain", {})]
