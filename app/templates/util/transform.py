"""`$util.transform`: filter maps to DynamoDB expressions, OpenSearch queries and
subscription filters.

The DynamoDB and OpenSearch helpers return JSON text, which is how AppSync behaves in
practice: Amplify-generated resolvers always wrap them in `$util.parseJson(...)`.
"""

from __future__ import annotations

from typing import Any

from app.templates.api import TemplateNamespace
from app.templates.util._args import list_arg, map_arg
from app.templates.util.filter_expression import filter_expression
from app.templates.util.json_java import to_json
from app.templates.util.query_dsl import query_dsl
from app.templates.util.subscription_filter import to_subscription_filter


class TransformNamespace(TemplateNamespace):
    """`$util.transform`."""

    __slots__ = ()

    def toDynamoDBFilterExpression(self, conditions: object) -> str:
        """`{"expression", "expressionNames", "expressionValues"}` for a Query/Scan filter."""
        method = "$util.transform.toDynamoDBFilterExpression"
        return to_json(filter_expression(map_arg(method, conditions)))

    def toDynamoDBConditionExpression(self, conditions: object) -> str:
        """The same document, for a PutItem/UpdateItem/DeleteItem `condition`."""
        method = "$util.transform.toDynamoDBConditionExpression"
        return to_json(filter_expression(map_arg(method, conditions)))

    def toElasticsearchQueryDSL(self, conditions: object) -> str | None:
        """The OpenSearch query for a filter map, as JSON text; null for a null filter."""
        if conditions is None:
            return None
        method = "$util.transform.toElasticsearchQueryDSL"
        return to_json(query_dsl(map_arg(method, conditions)))

    def toSubscriptionFilter(
        self, conditions: object, ignored_fields: object = None, rules: object = None
    ) -> dict[str, Any]:
        """A subscription filter for `$extensions.setSubscriptionFilter(...)`."""
        method = "$util.transform.toSubscriptionFilter"
        return to_subscription_filter(
            map_arg(method, conditions),
            list_arg(method, ignored_fields, 2) if ignored_fields is not None else None,
            map_arg(method, rules, 3) if rules is not None else None,
        )


TRANSFORM = TransformNamespace()
