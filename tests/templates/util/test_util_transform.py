"""`$util.transform`: DynamoDB expressions, OpenSearch queries, subscription filters."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.templates.api import TemplateRuntimeError
from app.templates.util.transform import TRANSFORM


def _filter(conditions: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(TRANSFORM.toDynamoDBFilterExpression(conditions))
    return result


def test_filter_expression_documented_example() -> None:
    assert TRANSFORM.toDynamoDBFilterExpression({"title": {"contains": "Hello World"}}) == (
        '{"expression":"contains(#title, :title_contains)",'
        '"expressionNames":{"#title":"title"},'
        '"expressionValues":{":title_contains":{"S":"Hello World"}}}'
    )


@pytest.mark.parametrize(
    ("op", "value", "expression"),
    [
        ("eq", 1, "#f = :f_eq"),
        ("ne", 1, "#f <> :f_ne"),
        ("lt", 1, "#f < :f_lt"),
        ("le", 1, "#f <= :f_le"),
        ("gt", 1, "#f > :f_gt"),
        ("ge", 1, "#f >= :f_ge"),
        ("contains", "x", "contains(#f, :f_contains)"),
        ("notContains", "x", "NOT contains(#f, :f_notContains)"),
        ("beginsWith", "x", "begins_with(#f, :f_beginsWith)"),
        ("in", ["a", "b"], "contains(:f_in, #f)"),
        ("between", [1, 5], "#f BETWEEN :f_between_1 AND :f_between_2"),
        ("attributeExists", True, "attribute_exists(#f)"),
        ("attributeExists", False, "attribute_not_exists(#f)"),
        ("attributeType", "string", "attribute_type(#f, :f_attributeType)"),
        ("size", {"gt": 3}, "size(#f) > :f_size_gt"),
    ],
)
def test_filter_operators(op: str, value: object, expression: str) -> None:
    result = _filter({"f": {op: value}})
    assert result["expression"] == expression
    assert result["expressionNames"] == {"#f": "f"}


def test_filter_values_are_typed() -> None:
    assert _filter({"f": {"in": ["a", 1]}})["expressionValues"] == {
        ":f_in": {"L": [{"S": "a"}, {"N": 1}]}
    }
    assert _filter({"f": {"between": [1, 5]}})["expressionValues"] == {
        ":f_between_1": {"N": 1},
        ":f_between_2": {"N": 5},
    }
    assert _filter({"f": {"attributeExists": True}})["expressionValues"] == {}
    assert _filter({"f": {"attributeType": "stringSet"}})["expressionValues"] == {
        ":f_attributeType": {"S": "SS"}
    }


def test_filter_nesting_and_prefixes() -> None:
    result = _filter(
        {
            "title": {"contains": "a", "beginsWith": "b"},
            "or": [{"a": {"eq": 1}}, {"b": {"gt": 2}}],
            "not": {"c": {"eq": True}},
            "and": [{"d": {"le": 3}}, {"or": [{"e": {"eq": "x"}}, {"e": {"eq": "y"}}]}],
        }
    )
    assert result["expression"] == (
        "(contains(#title, :title_contains) AND begins_with(#title, :title_beginsWith))"
        " AND (#a = :or_0_a_eq OR #b > :or_1_b_gt)"
        " AND NOT #c = :not_c_eq"
        " AND (#d <= :and_0_d_le AND (#e = :and_1_or_0_e_eq OR #e = :and_1_or_1_e_eq))"
    )
    assert result["expressionNames"] == {
        "#title": "title",
        "#a": "a",
        "#b": "b",
        "#c": "c",
        "#d": "d",
        "#e": "e",
    }
    assert list(result["expressionValues"]) == [
        ":title_contains",
        ":title_beginsWith",
        ":or_0_a_eq",
        ":or_1_b_gt",
        ":not_c_eq",
        ":and_0_d_le",
        ":and_1_or_0_e_eq",
        ":and_1_or_1_e_eq",
    ]


def test_not_with_several_conditions_is_parenthesised() -> None:
    assert _filter({"not": {"a": {"eq": 1}, "b": {"eq": 2}}})["expression"] == (
        "NOT (#a = :not_a_eq AND #b = :not_b_eq)"
    )


def test_condition_expression_has_the_same_shape() -> None:
    condition = {"version": {"eq": 3}, "id": {"attributeExists": True}}
    assert json.loads(TRANSFORM.toDynamoDBConditionExpression(condition)) == {
        "expression": "#version = :version_eq AND attribute_exists(#id)",
        "expressionNames": {"#version": "version", "#id": "id"},
        "expressionValues": {":version_eq": {"N": 3}},
    }


def test_filter_errors() -> None:
    with pytest.raises(TemplateRuntimeError, match="needs a field"):
        TRANSFORM.toDynamoDBFilterExpression({"eq": 1})
    with pytest.raises(TemplateRuntimeError, match="must be a map"):
        TRANSFORM.toDynamoDBFilterExpression({"f": 1})
    with pytest.raises(TemplateRuntimeError, match="Map"):
        TRANSFORM.toDynamoDBFilterExpression(None)


def test_elasticsearch_documented_example() -> None:
    conditions = {
        "upvotes": {"ne": 15, "range": [10, 20]},
        "title": {"eq": "hihihi", "wildcard": "h*i"},
    }
    assert json.loads(TRANSFORM.toElasticsearchQueryDSL(conditions) or "") == {
        "bool": {
            "must": [
                {
                    "bool": {
                        "must": [
                            {"bool": {"must_not": {"term": {"upvotes": 15}}}},
                            {"range": {"upvotes": {"gte": 10, "lte": 20}}},
                        ]
                    }
                },
                {
                    "bool": {
                        "must": [
                            {"term": {"title": "hihihi"}},
                            {"wildcard": {"title": "h*i"}},
                        ]
                    }
                },
            ]
        }
    }


def test_elasticsearch_logic_and_leaves() -> None:
    dsl = json.loads(
        TRANSFORM.toElasticsearchQueryDSL(
            {
                "or": [{"a": {"match": "x"}}, {"b": {"exists": False}}],
                "not": {"c": {"gt": 1}},
            }
        )
        or ""
    )
    assert dsl == {
        "bool": {
            "must": [
                {
                    "bool": {
                        "should": [
                            {"match": {"a": "x"}},
                            {"bool": {"must_not": {"exists": {"field": "b"}}}},
                        ],
                        "minimum_should_match": 1,
                    }
                },
                {"bool": {"must_not": {"range": {"c": {"gt": 1}}}}},
            ]
        }
    }
    assert TRANSFORM.toElasticsearchQueryDSL({"a": {"eq": 1}}) == '{"term":{"a":1}}'
    assert TRANSFORM.toElasticsearchQueryDSL(None) is None
    with pytest.raises(TemplateRuntimeError, match="Could not construct"):
        TRANSFORM.toElasticsearchQueryDSL({"a": {"near": 1}})


DOC_FILTER = {
    "percentageUp": {"lte": 50, "gte": 20},
    "and": [{"title": {"ne": "Book1"}}, {"downvotes": {"gt": 2000}}],
    "or": [{"author": {"eq": "Admin"}}, {"isPublished": {"eq": False}}],
}


def _names(result: dict[str, object]) -> list[list[tuple[str, str]]]:
    groups = result["filterGroup"]
    assert isinstance(groups, list)
    return [[(f["fieldName"], f["operator"]) for f in group["filters"]] for group in groups]


def test_subscription_filter_documented_cross_product() -> None:
    common = [("title", "ne"), ("downvotes", "gt")]
    assert _names(TRANSFORM.toSubscriptionFilter(DOC_FILTER)) == [
        [("percentageUp", "lte"), *common, ("author", "eq")],
        [("percentageUp", "lte"), *common, ("isPublished", "eq")],
        [("percentageUp", "gte"), *common, ("author", "eq")],
        [("percentageUp", "gte"), *common, ("isPublished", "eq")],
    ]
    first = TRANSFORM.toSubscriptionFilter(DOC_FILTER)["filterGroup"][0]["filters"][0]
    assert first == {"fieldName": "percentageUp", "operator": "lte", "value": 50}


def test_subscription_filter_ignored_fields() -> None:
    result = TRANSFORM.toSubscriptionFilter(
        {"a": {"eq": 1}, "secret": {"eq": 2}, "or": [{"secret": {"eq": 3}}, {"b": {"eq": 4}}]},
        ["secret"],
    )
    # As in the AppSync docs example: the ignored alternative is dropped, not always true.
    assert _names(result) == [[("a", "eq"), ("b", "eq")]]


def test_subscription_filter_strict_rules_multiply_groups() -> None:
    result = TRANSFORM.toSubscriptionFilter(
        {"a": {"eq": 1, "ne": 2}}, [], {"owner": {"eq": "me"}, "group": {"in": ["x", "y"]}}
    )
    assert _names(result) == [
        [("a", "eq"), ("owner", "eq")],
        [("a", "eq"), ("group", "in")],
        [("a", "ne"), ("owner", "eq")],
        [("a", "ne"), ("group", "in")],
    ]


def test_subscription_filter_rules_alone() -> None:
    result = TRANSFORM.toSubscriptionFilter({}, None, {"owner": {"eq": "me"}})
    assert _names(result) == [[("owner", "eq")]]
    assert TRANSFORM.toSubscriptionFilter({}) == {"filterGroup": []}


def test_subscription_filter_errors() -> None:
    with pytest.raises(TemplateRuntimeError, match="exactly one operator"):
        TRANSFORM.toSubscriptionFilter({}, [], {"owner": {"eq": 1, "ne": 2}})
    with pytest.raises(TemplateRuntimeError, match="takes a list"):
        TRANSFORM.toSubscriptionFilter({"or": {"a": {"eq": 1}}})
    with pytest.raises(TemplateRuntimeError, match="must be a map"):
        TRANSFORM.toSubscriptionFilter({"a": 1})
