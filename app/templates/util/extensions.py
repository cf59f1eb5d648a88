"""`$extensions`: API cache eviction, subscription filters and subscription invalidation.

Each call is checked where it is made (argument shapes, the template kind it is allowed in,
AppSync's filter limits) and then recorded on the render scope as an `ExtensionCall`; the
caching and real-time features act on the recorded calls after the resolver runs.
"""

from __future__ import annotations

import copy
from typing import Any

from app.templates.api import ExtensionCall, RenderScope, TemplateNamespace, TemplateRuntimeError
from app.templates.util._args import map_arg, string_arg
from app.templates.util.json_java import to_json
from app.templates.util.subscription_filter import validate_subscription_filter

EVICT_FROM_API_CACHE = "evictFromApiCache"
SET_SUBSCRIPTION_FILTER = "setSubscriptionFilter"
SET_SUBSCRIPTION_INVALIDATION_FILTER = "setSubscriptionInvalidationFilter"
INVALIDATE_SUBSCRIPTIONS = "invalidateSubscriptions"
MAX_INVALIDATIONS_PER_REQUEST = 5
MAX_CACHING_KEYS = 25


class ExtensionsNamespace(TemplateNamespace):
    """`$extensions`, bound to one render's scope. Every method renders as nothing."""

    __slots__ = ("_scope",)

    def __init__(self, scope: RenderScope) -> None:
        self._scope = scope

    def evictFromApiCache(self, type_name: object, field_name: object, keys: object) -> str:
        """Evict the cached entry of resolver `type_name.field_name` for `keys`.

        `keys` maps caching-key paths (`ctx.args.id`) to values, in the order of the
        resolver's `cachingKeys`. AppSync allows this in mutation resolvers; the runtime,
        which knows the operation, enforces that.
        """
        method = "$extensions.evictFromApiCache"
        entries = map_arg(method, keys, 3)
        if not entries or len(entries) > MAX_CACHING_KEYS:
            raise TemplateRuntimeError(
                f"{method}: keys must hold 1 to {MAX_CACHING_KEYS} caching keys"
            )
        arguments = (string_arg(method, type_name), string_arg(method, field_name, 2), entries)
        return self._record(EVICT_FROM_API_CACHE, *arguments)

    def setSubscriptionFilter(self, document: object) -> str:
        """Set the enhanced filter of the subscription being set up (response template only)."""
        return self._set_filter(SET_SUBSCRIPTION_FILTER, document)

    def setSubscriptionInvalidationFilter(self, document: object) -> str:
        """Set the filter an `invalidateSubscriptions` payload must match (response only)."""
        return self._set_filter(SET_SUBSCRIPTION_INVALIDATION_FILTER, document)

    def invalidateSubscriptions(self, invalidation: object) -> str:
        """Close the subscriptions on `subscriptionField` whose invalidation filter matches
        `payload` (mutation response templates only; at most 5 unique calls per request)."""
        method = f"$extensions.{INVALIDATE_SUBSCRIPTIONS}"
        self._require_response(method)
        request = map_arg(method, invalidation)
        field = request.get("subscriptionField")
        if not isinstance(field, str) or not field:
            raise TemplateRuntimeError(f'{method}: "subscriptionField" must be a non-empty String')
        if not isinstance(request.get("payload"), dict):
            raise TemplateRuntimeError(f'{method}: "payload" must be a Map')
        unique = {to_json(request)}
        for call in self._scope.extension_calls:
            if call.name == INVALIDATE_SUBSCRIPTIONS:
                unique.add(to_json(call.arguments[0]))
        if len(unique) > MAX_INVALIDATIONS_PER_REQUEST:
            raise TemplateRuntimeError(
                f"{method}: at most {MAX_INVALIDATIONS_PER_REQUEST} unique invalidations are "
                "allowed per request"
            )
        return self._record(INVALIDATE_SUBSCRIPTIONS, request)

    def _set_filter(self, name: str, document: object) -> str:
        method = f"$extensions.{name}"
        self._require_response(method)
        validate_subscription_filter(method, document)
        return self._record(name, document)

    def _require_response(self, method: str) -> None:
        if self._scope.template_kind != "response":
            raise TemplateRuntimeError(f"{method} can only be used in a response mapping template")

    def _record(self, name: str, *arguments: Any) -> str:
        # Snapshot the arguments: the template may keep mutating the maps it passed.
        self._scope.extension_calls.append(ExtensionCall(name, copy.deepcopy(arguments)))
        return ""
