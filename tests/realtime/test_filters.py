"""Subscription filters: argument filtering, enhanced filters and invalidation filters."""

from __future__ import annotations

from typing import Any

import pytest

from app.realtime.filters import (
    ArgumentFilter,
    EnhancedFilter,
    FilterError,
    InvalidationFilter,
    compile_filter,
    subscription_filter,
)
from app.templates.api import RenderScope, TemplateRuntimeError
from app.templates.util import build_extensions
from app.templates.util.transform import TRANSFORM


def _filter(field: object, op: str, value: object) -> dict[str, object]:
    return {"fieldName": field, "operator": op, "value": value}


def _one(field: str, op: str, value: object) -> EnhancedFilter:
    return compile_filter({"filterGroup": [{"filters": [_filter(field, op, value)]}]})


def _groups(*groups: list[dict[str, object]]) -> dict[str, object]:
    return {"filterGroup": [{"filters": filters} for filters in groups]}


# Operators ----------------------------------------------------------------------------------

MISSING = object()

# operator, value, field values that match, field values that do not (wrong types included).
OPERATOR_CASES: list[tuple[str, object, list[Any], list[Any]]] = [
    ("eq", "a", ["a"], ["A", "ab", 1, None, MISSING, ["a"]]),
    ("eq", 1, [1, 1.0], [2, "1", True, None, [1]]),
    ("eq", 1.5, [1.5], [1, "1.5"]),
    ("eq", True, [True], [1, "true", False, None]),
    ("eq", False, [False], [0, None, MISSING, ""]),
    ("eq", None, [None, MISSING], [0, "", False, "null"]),
    ("ne", "a", ["b", 1, None, MISSING, ["a"]], ["a"]),
    ("ne", 1, [2, "1", True, None], [1, 1.0]),
    ("ne", True, [False, 1, None], [True]),
    ("lt", 5, [4, -1, 4.9], [5, 6, "4", True, False, None, MISSING]),
    ("le", 5, [5, 4, 5.0], [6, "5", None]),
    ("gt", 5, [6, 5.5], [5, 4, "6", True, None]),
    ("ge", 5, [5, 6], [4, "5", None]),
    ("lt", "m", ["a", "L", "Z"], ["m", "n", "z", 1, None]),
    ("ge", "m", ["m", "n", "ma"], ["a", "M", 1, None]),
    ("lte", 50, [50, 10], [51, "10"]),
    ("gte", 20, [20, 90], [19, "90"]),
    ("contains", "ell", ["hello", "ell", ["ell"]], ["ELL", "hel", ["hello"], 1, None, MISSING]),
    ("contains", 3, [[1, 2, 3], [3.0]], [["3"], [True], 3, "3", "123", None]),
    ("notContains", "ell", ["help", ["hello"], 1, None, MISSING], ["hello", ["ell"]]),
    ("notContains", 3, [[1, 2], ["3"], 3, None], [[3]]),
    ("beginsWith", "ab", ["ab", "abc"], ["xab", "AB", ["ab"], 1, None, MISSING]),
    ("in", ["a", 1], ["a", 1, 1.0], ["b", "1", True, None, MISSING, ["a"]]),
    ("in", [None, True], [None, MISSING, True], [False, 1, 0]),
    ("notIn", ["a", 1], ["b", "1", True, None, MISSING, ["a"]], ["a", 1]),
    ("between", [1, 5], [1, 2, 4.5, 5], [0, 6, "3", True, None, MISSING]),
    ("between", ["b", "d"], ["b", "c", "czz", "d"], ["a", "da", "B", 2, None]),
    ("containsAny", ["a", 1], [["a"], ["x", 1], [1.0, "z"]], [[], ["b"], ["1"], [True], "a"]),
    ("containsAny", ["a"], [["a", "b"]], [["A"], None, MISSING, "abc"]),
]


@pytest.mark.parametrize(("op", "value", "matching", "other"), OPERATOR_CASES)
def test_operator(op: str, value: object, matching: list[Any], other: list[Any]) -> None:
    compiled = _one("f", op, value)
    for field in matching:
        result = {} if field is MISSING else {"f": field}
        assert compiled.matches(result), f"{op} {value!r} should match {field!r}"
    for field in other:
        result = {} if field is MISSING else {"f": field}
        assert not compiled.matches(result), f"{op} {value!r} should not match {field!r}"


def test_every_documented_operator_is_covered() -> None:
    covered = {op for op, *_ in OPERATOR_CASES}
    assert covered == {
        *("eq", "ne", "le", "lt", "ge", "gt", "lte", "gte", "contains", "notContains"),
        *("beginsWith", "in", "notIn", "between", "containsAny"),
    }


@pytest.mark.parametrize(
    ("op", "value", "problem"),
    [
        ("eq", [1], "string, number, boolean or null"),
        ("ne", {"a": 1}, "string, number, boolean or null"),
        ("gt", True, "string or a number"),
        ("le", None, "string or a number"),
        ("lte", [1], "string or a number"),
        ("contains", True, "string or a number"),
        ("notContains", None, "string or a number"),
        ("beginsWith", 1, "takes a string"),
        ("in", "a", "takes a list"),
        ("in", [[1]], "values must be strings, numbers, booleans or null"),
        ("notIn", [{"a": 1}], "values must be"),
        ("containsAny", "a", "takes a list"),
        ("between", [1, "5"], "two numbers or two strings"),
        ("between", [True, False], "two numbers or two strings"),
        ("between", 3, "list of two values"),
        ("like", 1, "unsupported operator 'like'"),
        ("EQ", 1, "unsupported operator 'EQ'"),
    ],
)
def test_operator_values_are_checked_when_compiled(op: str, value: object, problem: str) -> None:
    with pytest.raises(FilterError, match=problem):
        _one("f", op, value)


# Groups, nesting ----------------------------------------------------------------------------


def test_filters_in_a_group_are_and_groups_are_or() -> None:
    compiled = compile_filter(
        _groups(
            [_filter("severity", "ge", 7), _filter("status", "eq", "open")],
            [_filter("owner", "eq", "me")],
        )
    )
    assert compiled.matches({"severity": 8, "status": "open"})
    assert not compiled.matches({"severity": 8, "status": "closed"})
    assert not compiled.matches({"severity": 3, "status": "open"})
    assert compiled.matches({"severity": 3, "owner": "me"})
    assert not compiled.matches({})


def test_nested_fields_use_dots() -> None:
    compiled = _one("location.address.country", "eq", "NZ")
    assert compiled.matches({"location": {"address": {"country": "NZ"}}})
    assert not compiled.matches({"location": {"address": {"country": "AU"}}})
    assert not compiled.matches({"location": {"address": "NZ"}})
    assert not compiled.matches({"location": None})
    assert not compiled.matches({"location.address.country": "NZ"})
    assert _one("a.b", "eq", None).matches({"a": 1})


def test_nesting_up_to_five_levels_filters_deeper_is_ignored() -> None:
    five = _one("a.b.c.d.e", "eq", 1)
    assert five.matches({"a": {"b": {"c": {"d": {"e": 1}}}}})
    assert not five.matches({"a": {"b": {"c": {"d": {"e": 2}}}}})
    six = compile_filter(_groups([_filter("a.b.c.d.e.f", "eq", 1), _filter("x", "eq", 1)]))
    assert six.matches({"x": 1})
    assert not six.matches({"x": 2})
    assert _one("a.b.c.d.e.f", "eq", 1).matches({"anything": True})


def test_a_document_without_groups_matches_every_object() -> None:
    assert compile_filter({"filterGroup": []}).matches({"a": 1})


def test_top_level_lists_are_not_filtered() -> None:
    assert not _one("a", "eq", 1).matches([{"a": 1}])
    assert not compile_filter({"filterGroup": []}).matches([{"a": 1}])
    assert not _one("a", "ne", 1).matches(None)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (None, '"filterGroup" list'),
        ({"filterGroup": {}}, '"filterGroup" list'),
        ({"filterGroup": [{}]}, 'non-empty "filters"'),
        ({"filterGroup": [{"filters": []}]}, 'non-empty "filters"'),
        ({"filterGroup": [{"filters": [{"fieldName": "a"}]}]}, '"operator"'),
        (_groups([_filter("", "eq", 1)]), "1 to 256 characters"),
        (_groups([_filter(1, "eq", 1)]), "1 to 256 characters"),
        (_groups([_filter("a..b", "eq", 1)]), "empty part"),
        (_groups([_filter(".a", "eq", 1)]), "empty part"),
    ],
)
def test_document_shape(document: object, problem: str) -> None:
    with pytest.raises(FilterError, match=problem) as raised:
        compile_filter(document)
    assert str(raised.value).startswith("invalid subscription filter: ")


# Limits at N and N + 1 ----------------------------------------------------------------------


def _fields(count: int) -> list[dict[str, object]]:
    return [_filter(f"f{i}", "eq", i) for i in range(count)]


def test_five_unique_fields_per_group() -> None:
    compile_filter(_groups(_fields(5)))
    with pytest.raises(FilterError, match="at most 5 fields per filter group"):
        compile_filter(_groups(_fields(6)))
    # Unique names count: two filters on one field are one field.
    compile_filter(_groups([*_fields(5), _filter("f0", "ne", 9)]))


def test_ten_groups() -> None:
    compile_filter(_groups(*[[_filter("a", "eq", i)] for i in range(10)]))
    with pytest.raises(FilterError, match="at most 10 filters per filterGroup"):
        compile_filter(_groups(*[[_filter("a", "eq", i)] for i in range(11)]))


def test_in_counts_one_filter_per_value() -> None:
    five = [_filter("a", "in", [1, 2, 3, 4, 5])]
    compile_filter(_groups(five, five))
    with pytest.raises(FilterError, match="at most 10 filters per filterGroup"):
        compile_filter(_groups(five, five, [_filter("b", "eq", 1)]))
    # Two `in`s in one group multiply: 3 x 4 alternatives.
    with pytest.raises(FilterError, match="at most 10"):
        compile_filter(_groups([_filter("a", "in", [1, 2, 3]), _filter("b", "in", [1, 2, 3, 4])]))
    # `notIn` is an AND of inequalities: it does not expand.
    compile_filter(_groups(*[[_filter("a", "notIn", [1, 2, 3, 4, 5])] for _ in range(10)]))


@pytest.mark.parametrize(("op", "limit"), [("in", 5), ("notIn", 5), ("containsAny", 20)])
def test_list_operator_value_counts(op: str, limit: int) -> None:
    _one("a", op, list(range(limit)))
    with pytest.raises(FilterError, match=f"'{op}' takes a list of at most {limit} values"):
        _one("a", op, list(range(limit + 1)))


def test_field_names_up_to_256_characters() -> None:
    _one("a" * 256, "eq", 1)
    nested = ".".join(["b" * 50] * 4 + ["b" * 52])
    assert len(nested) == 256
    _one(nested, "eq", 1)
    with pytest.raises(FilterError, match="1 to 256 characters"):
        _one("a" * 257, "eq", 1)


def test_between_takes_exactly_two_values() -> None:
    _one("a", "between", [1, 2])
    with pytest.raises(FilterError, match="list of two values"):
        _one("a", "between", [1, 2, 3])
    with pytest.raises(FilterError, match="list of two values"):
        _one("a", "between", [1])


# AppSync documentation examples ---------------------------------------------------------------


def test_to_subscription_filter_documented_example_four_groups() -> None:
    document = TRANSFORM.toSubscriptionFilter(
        {
            "percentageUp": {"lte": 50, "gte": 20},
            "and": [{"title": {"ne": "Book1"}}, {"downvotes": {"gt": 2000}}],
            "or": [{"author": {"eq": "Admin"}}, {"isPublished": {"eq": False}}],
        }
    )
    assert len(document["filterGroup"]) == 4
    compiled = compile_filter(document)
    post = {"percentageUp": 30, "title": "Book2", "downvotes": 2500, "author": "Admin"}
    assert compiled.matches(post)
    # Groups 3 and 4 take percentageUp >= 20, so 90 passes with isPublished false.
    assert compiled.matches({**post, "percentageUp": 90, "author": "Bob", "isPublished": False})
    assert not compiled.matches({**post, "author": "Bob", "isPublished": True})
    assert not compiled.matches({**post, "author": "admin"})
    assert not compiled.matches({**post, "title": "Book1"})
    assert not compiled.matches({**post, "downvotes": 2000})
    assert not compiled.matches({**post, "downvotes": "2500"})
    assert not compiled.matches({k: v for k, v in post.items() if k != "percentageUp"})


def test_extensions_documented_filter_object() -> None:
    compiled = compile_filter(
        _groups([_filter("userId", "eq", 1)], [_filter("group", "in", ["Admin", "Developer"])])
    )
    assert compiled.matches({"userId": 1, "group": "Guest"})
    assert compiled.matches({"userId": 2, "group": "Developer"})
    assert not compiled.matches({"userId": "1", "group": "admin"})


def test_ticket_example_severity_and_priority() -> None:
    # In the spirit of the enhanced-filtering guide's ticket API: urgent, high-priority tickets.
    document = TRANSFORM.toSubscriptionFilter(
        {"severity": {"ge": 7}, "priority": {"in": ["high", "highest"]}}
    )
    compiled = compile_filter(document)
    assert compiled.matches({"id": "t1", "severity": 8, "priority": "high"})
    assert not compiled.matches({"id": "t2", "severity": 8, "priority": "low"})
    assert not compiled.matches({"id": "t3", "severity": 6, "priority": "highest"})


# Argument filtering ---------------------------------------------------------------------------


def test_every_supplied_argument_must_equal_its_field() -> None:
    compiled = ArgumentFilter({"userId": "u1", "groupId": "g1"})
    assert compiled.matches({"userId": "u1", "groupId": "g1", "todo": {"id": "t"}})
    assert not compiled.matches({"userId": "u1", "groupId": "g2"})
    assert not compiled.matches({"userId": "u1"})


def test_omitted_arguments_do_not_filter() -> None:
    assert ArgumentFilter({}).matches({"owner": "anyone"})
    assert ArgumentFilter({}).matches([{"a": 1}])
    assert ArgumentFilter({"owner": "me"}).matches({"owner": "me", "title": "x"})


def test_explicit_null_matches_only_null_fields() -> None:
    compiled = ArgumentFilter({"owner": None})
    assert compiled.matches({"owner": None})
    assert compiled.matches({"title": "absent owner counts as null"})
    assert not compiled.matches({"owner": "me"})
    assert not compiled.matches({"owner": ""})


def test_event_app_sample_string_argument_against_id_field() -> None:
    # subscribeToEventComments(eventId: String!) against Comment.eventId: ID!.
    compiled = ArgumentFilter({"eventId": "e-1"})
    comment = {"eventId": "e-1", "commentId": "c", "content": "hi", "createdAt": "now"}
    assert compiled.matches(comment)
    assert not compiled.matches({**comment, "eventId": "e-2"})
    # An ID resolved from a number serializes as its decimal text.
    assert ArgumentFilter({"eventId": "42"}).matches({"eventId": 42})
    assert ArgumentFilter({"eventId": 42}).matches({"eventId": "42"})


def test_argument_types_are_otherwise_strict() -> None:
    assert ArgumentFilter({"count": 1}).matches({"count": 1.0})
    assert not ArgumentFilter({"done": True}).matches({"done": 1})
    assert not ArgumentFilter({"done": True}).matches({"done": "true"})
    assert not ArgumentFilter({"name": "1.5"}).matches({"name": 1.5})
    assert not ArgumentFilter({"a": "x"}).matches([{"a": "x"}])


def test_input_object_and_list_arguments_compare_element_wise() -> None:
    compiled = ArgumentFilter({"where": {"city": "Oslo", "zip": 150}, "tags": ["a", "b"]})
    assert compiled.matches({"where": {"zip": 150, "city": "Oslo"}, "tags": ["a", "b"]})
    assert not compiled.matches({"where": {"city": "Oslo"}, "tags": ["a", "b"]})
    assert not compiled.matches({"where": {"city": "Oslo", "zip": 150}, "tags": ["b", "a"]})


def test_enhanced_filters_replace_argument_filtering() -> None:
    arguments = {"group": "g1"}
    assert isinstance(subscription_filter(arguments), ArgumentFilter)
    enhanced = subscription_filter(arguments, _groups([_filter("severity", "ge", 7)]))
    assert isinstance(enhanced, EnhancedFilter)
    # The argument is not used unless the filter itself names it.
    assert enhanced.matches({"group": "g2", "severity": 9})
    assert not enhanced.matches({"group": "g1", "severity": 1})
    with pytest.raises(FilterError):
        subscription_filter(arguments, {"filterGroup": [{"filters": []}]})


# Invalidation ---------------------------------------------------------------------------------


def test_invalidation_filter_matches_payloads_of_its_subscription_field() -> None:
    compiled = InvalidationFilter("onGroupMessage", _groups([_filter("groupId", "eq", "g1")]))
    assert compiled.matches({"groupId": "g1"})
    assert not compiled.matches({"groupId": "g2"})
    assert compiled.invalidates(
        {"subscriptionField": "onGroupMessage", "payload": {"groupId": "g1"}}
    )
    assert not compiled.invalidates(
        {"subscriptionField": "onGroupMessage", "payload": {"groupId": "g2"}}
    )
    assert not compiled.invalidates({"subscriptionField": "onOther", "payload": {"groupId": "g1"}})
    assert not compiled.invalidates({"subscriptionField": "onGroupMessage"})


def test_invalidation_filters_follow_the_same_rules() -> None:
    with pytest.raises(FilterError, match="at most 5 values"):
        InvalidationFilter("onX", _groups([_filter("a", "in", list(range(6)))]))


# One set of rules for templates and the engine ------------------------------------------------


def test_templates_refuse_what_the_engine_would() -> None:
    extensions = build_extensions(RenderScope(template_kind="response"))
    with pytest.raises(TemplateRuntimeError, match="'gt' compares with a string or a number") as e:
        extensions.setSubscriptionFilter(_groups([_filter("a", "gt", True)]))
    assert e.value.message.startswith(
        "$extensions.setSubscriptionFilter: invalid subscription filter: "
    )
