"""`$extensions`: checked where called, recorded on the scope for the runtime."""

from __future__ import annotations

import pytest

from app.templates.api import ExtensionCall, RenderScope, TemplateRuntimeError
from app.templates.util import build_extensions
from app.templates.util.transform import TRANSFORM

FILTER = {"filterGroup": [{"filters": [{"fieldName": "owner", "operator": "eq", "value": "me"}]}]}


def test_evict_from_api_cache_is_recorded() -> None:
    scope = RenderScope(template_kind="request")
    keys = {"ctx.args.id": "1"}
    assert build_extensions(scope).evictFromApiCache("Query", "getPost", keys) == ""
    keys["ctx.args.id"] = "changed later"
    assert scope.extension_calls == [
        ExtensionCall("evictFromApiCache", ("Query", "getPost", {"ctx.args.id": "1"}))
    ]


def test_evict_from_api_cache_checks_arguments() -> None:
    extensions = build_extensions(RenderScope())
    with pytest.raises(TemplateRuntimeError, match="caching keys"):
        extensions.evictFromApiCache("Query", "getPost", {})
    with pytest.raises(TemplateRuntimeError, match="String"):
        extensions.evictFromApiCache(None, "getPost", {"ctx.args.id": 1})


@pytest.mark.parametrize("method", ["setSubscriptionFilter", "setSubscriptionInvalidationFilter"])
def test_filters_are_set_in_response_templates(method: str) -> None:
    scope = RenderScope(template_kind="response")
    assert getattr(build_extensions(scope), method)(FILTER) == ""
    assert scope.extension_calls == [ExtensionCall(method, (FILTER,))]


@pytest.mark.parametrize("method", ["setSubscriptionFilter", "setSubscriptionInvalidationFilter"])
def test_filters_are_refused_in_request_templates(method: str) -> None:
    with pytest.raises(TemplateRuntimeError, match="response mapping template"):
        getattr(build_extensions(RenderScope(template_kind="request")), method)(FILTER)


def test_a_to_subscription_filter_result_is_accepted() -> None:
    scope = RenderScope(template_kind="response")
    document = TRANSFORM.toSubscriptionFilter(
        {"percentageUp": {"lte": 50, "gte": 20}, "or": [{"a": {"eq": 1}}, {"b": {"eq": 2}}]}
    )
    build_extensions(scope).setSubscriptionFilter(document)
    assert scope.extension_calls[0].arguments == (document,)


def _group(*filters: tuple[str, str, object]) -> dict[str, object]:
    return {"filters": [{"fieldName": f, "operator": o, "value": v} for f, o, v in filters]}


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({}, "filterGroup"),
        ({"filterGroup": [{"filters": []}]}, "non-empty"),
        ({"filterGroup": [_group(("a", "like", 1))]}, "unsupported operator"),
        ({"filterGroup": [_group(("a", "in", [1, 2, 3, 4, 5, 6]))]}, "at most 5 values"),
        ({"filterGroup": [_group(("a", "containsAny", list(range(21))))]}, "at most 20"),
        ({"filterGroup": [_group(("a", "between", [1]))]}, "two values"),
        ({"filterGroup": [_group(*[(f"f{i}", "eq", 1) for i in range(6)])]}, "5 fields"),
        ({"filterGroup": [_group(("a", "eq", i)) for i in range(11)]}, "at most 10"),
        (
            {"filterGroup": [_group(("a", "in", [1, 2, 3]), ("b", "in", [1, 2, 3, 4]))]},
            "at most 10",
        ),
    ],
)
def test_filter_limits(document: dict[str, object], problem: str) -> None:
    with pytest.raises(TemplateRuntimeError, match=problem):
        build_extensions(RenderScope(template_kind="response")).setSubscriptionFilter(document)


def test_invalidate_subscriptions() -> None:
    scope = RenderScope(template_kind="response")
    extensions = build_extensions(scope)
    request = {"subscriptionField": "onPostUpdated", "payload": {"id": "1"}}
    assert extensions.invalidateSubscriptions(request) == ""
    assert scope.extension_calls == [ExtensionCall("invalidateSubscriptions", (request,))]


def test_invalidate_subscriptions_allows_five_unique_calls() -> None:
    scope = RenderScope(template_kind="response")
    extensions = build_extensions(scope)
    for index in range(5):
        extensions.invalidateSubscriptions({"subscriptionField": "onX", "payload": {"i": index}})
    extensions.invalidateSubscriptions({"subscriptionField": "onX", "payload": {"i": 0}})
    with pytest.raises(TemplateRuntimeError, match="at most 5 unique"):
        extensions.invalidateSubscriptions({"subscriptionField": "onX", "payload": {"i": 5}})


@pytest.mark.parametrize(
    "request_map",
    [{"payload": {}}, {"subscriptionField": "", "payload": {}}, {"subscriptionField": "onX"}],
)
def test_invalidate_subscriptions_checks_its_argument(request_map: dict[str, object]) -> None:
    with pytest.raises(TemplateRuntimeError):
        build_extensions(RenderScope(template_kind="response")).invalidateSubscriptions(request_map)


def test_invalidate_subscriptions_only_in_response_templates() -> None:
    with pytest.raises(TemplateRuntimeError, match="response mapping template"):
        build_extensions(RenderScope()).invalidateSubscriptions(
            {"subscriptionField": "onX", "payload": {}}
        )
