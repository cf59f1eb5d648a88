"""Subscription filters: whether a published mutation result reaches a subscriber, as on AppSync.

A subscriber has exactly one filter:

- `ArgumentFilter` ("basic filtering") when its subscription resolver set no enhanced filter:
  every argument the client supplied must equal the result field of the same name.
- `EnhancedFilter` when the resolver called `$extensions.setSubscriptionFilter(document)`.
  It replaces argument filtering entirely (AppSync: the two cannot be combined).

`InvalidationFilter` is the same evaluation, for `setSubscriptionInvalidationFilter` against
the `payload` of an `$extensions.invalidateSubscriptions` call.

A document is `{"filterGroup": [{"filters": [{"fieldName", "operator", "value"}, ...]}, ...]}`:
filters inside a group are AND-ed, groups are OR-ed. It is checked against AppSync's limits and
compiled once, when the subscription starts, into tuples of closures; `matches` then only reads
fields and calls them, since it runs for every subscriber on every mutation.

Values are plain JSON values (`dict`, `list`, `str`, `int`, `float`, `bool`, `None`). A field
that is absent counts as null. Enhanced filters compare strictly: `1` never equals `"1"` or
`true`, and ordering only holds between two numbers or two strings (code point order, so
case-sensitive). A negative operator (`ne`, `notIn`, `notContains`) is the exact negation of
its positive one, so it holds for an absent field and for a value of another type.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any, Final, Protocol

OPERATORS: Final = frozenset(
    {"eq", "ne", "le", "lt", "ge", "gt", "contains", "notContains", "beginsWith", "in", "notIn"}
    | {"between", "containsAny"}
)
# AppSync's `toSubscriptionFilter` example feeds `lte`/`gte` through unchanged; accept them
# as the spellings of `le`/`ge` so a documented template is not refused.
OPERATOR_ALIASES: Final = {"lte": "le", "gte": "ge"}
MAX_GROUPS: Final = 10
MAX_FIELDS_PER_GROUP: Final = 5
MAX_IN_VALUES: Final = 5
MAX_CONTAINS_ANY_VALUES: Final = 20
MAX_FIELD_NAME_LENGTH: Final = 256
MAX_NESTING_DEPTH: Final = 5

Predicate = Callable[[Any], bool]
# One compiled filter: the top-level key, the rest of a dotted path, and the test of the value.
_Test = tuple[str, tuple[str, ...], Predicate]


class FilterError(ValueError):
    """A filter document AppSync would refuse; `message` names the rule it breaks."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(f"invalid subscription filter: {message}")


class SubscriptionFilter(Protocol):
    """What the subscription engine asks of any filter."""

    def matches(self, result: object) -> bool:
        """Whether `result` (a published mutation result) reaches the subscriber."""
        ...


def compile_filter(document: object) -> EnhancedFilter:
    """Check `document` against AppSync's rules and compile it; raises `FilterError`."""
    return EnhancedFilter(document)


def subscription_filter(
    arguments: Mapping[str, object], enhanced: object | None = None
) -> SubscriptionFilter:
    """The filter of one subscription: its enhanced filter document if the resolver set one
    (arguments are then ignored, as on AppSync), otherwise its arguments."""
    if enhanced is not None:
        return compile_filter(enhanced)
    return ArgumentFilter(arguments)


class ArgumentFilter:
    """Basic filtering by the arguments the client supplied, AND-ed.

    Pass only the arguments present in the operation (after variables are applied): an
    omitted argument does not filter, while an explicit `null` matches only results whose
    field is null or absent (`onUpdateTodo(owner: null)`). Arguments are compared loosely
    where GraphQL's ID is: an ID serializes numbers as strings, so the string `"5"` equals
    the number `5`. Otherwise equality is strict, and lists and objects compare element-wise.
    """

    __slots__ = ("_tests",)

    def __init__(self, arguments: Mapping[str, object]) -> None:
        self._tests = tuple((name, _argument_test(value)) for name, value in arguments.items())

    def matches(self, result: object) -> bool:
        if not self._tests:
            return True
        if not isinstance(result, Mapping):
            return False
        return all(test(result.get(name)) for name, test in self._tests)


class EnhancedFilter:
    """A compiled `setSubscriptionFilter` document; build it with `compile_filter`.

    A filter on a path deeper than five levels is ignored, as AppSync documents; a group left
    with no filters matches everything, as does a document with no groups. A result that is
    not an object (a list, or a scalar) never matches: AppSync ignores top-level lists for
    enhanced subscriptions.
    """

    __slots__ = ("_groups",)

    def __init__(self, document: object) -> None:
        self._groups = _compile_document(document)

    def matches(self, result: object) -> bool:
        if not isinstance(result, Mapping):
            return False
        if not self._groups:
            return True
        for group in self._groups:
            for key, rest, test in group:
                value = result.get(key)
                for name in rest:
                    value = value.get(name) if isinstance(value, Mapping) else None
                if not test(value):
                    break
            else:
                return True
        return False


class InvalidationFilter:
    """A subscription's `setSubscriptionInvalidationFilter`, bound to its subscription field."""

    __slots__ = ("_filter", "subscription_field")

    def __init__(self, subscription_field: str, document: object) -> None:
        self.subscription_field = subscription_field
        self._filter = compile_filter(document)

    def matches(self, payload: object) -> bool:
        """Whether an invalidation `payload` matches this subscription's filter."""
        return self._filter.matches(payload)

    def invalidates(self, invalidation: Mapping[str, object]) -> bool:
        """Whether an `$extensions.invalidateSubscriptions({subscriptionField, payload})` call
        closes this subscription: same subscription field and a matching payload."""
        if invalidation.get("subscriptionField") != self.subscription_field:
            return False
        return self._filter.matches(invalidation.get("payload"))


# Compilation --------------------------------------------------------------------------------


def _compile_document(document: object) -> tuple[tuple[_Test, ...], ...]:
    if not isinstance(document, Mapping) or not isinstance(document.get("filterGroup"), list):
        raise FilterError('the filter must be a map with a "filterGroup" list')
    groups: list[tuple[_Test, ...]] = []
    # AppSync counts OR-ed alternatives after expanding `in`: one per value.
    expanded = 0
    for group in document["filterGroup"]:
        filters = group.get("filters") if isinstance(group, Mapping) else None
        if not isinstance(filters, list) or not filters:
            raise FilterError('every filter group needs a non-empty "filters" list')
        names: set[str] = set()
        combinations = 1
        tests: list[_Test] = []
        for item in filters:
            name, op, value = _filter_parts(item)
            names.add(name)
            test = _compile_operator(op, value)
            if op == "in":
                combinations *= max(len(value), 1)
            path = name.split(".")
            if len(path) <= MAX_NESTING_DEPTH:
                tests.append((path[0], tuple(path[1:]), test))
        if len(names) > MAX_FIELDS_PER_GROUP:
            raise FilterError(f"at most {MAX_FIELDS_PER_GROUP} fields per filter group")
        expanded += combinations
        groups.append(tuple(tests))
    if expanded > MAX_GROUPS:
        raise FilterError(f"at most {MAX_GROUPS} filters per filterGroup, OR expanded")
    return tuple(groups)


def _filter_parts(item: object) -> tuple[str, str, Any]:
    if not isinstance(item, Mapping) or "fieldName" not in item or "operator" not in item:
        raise FilterError('every filter needs "fieldName", "operator" and "value"')
    name, op, value = item["fieldName"], item["operator"], item.get("value")
    if not isinstance(name, str) or not name or len(name) > MAX_FIELD_NAME_LENGTH:
        raise FilterError(f"field names must be 1 to {MAX_FIELD_NAME_LENGTH} characters")
    if "" in name.split("."):
        raise FilterError(f"field name '{name}' has an empty part between dots")
    if not isinstance(op, str) or (op not in OPERATORS and op not in OPERATOR_ALIASES):
        raise FilterError(f"unsupported operator '{op}'")
    return name, OPERATOR_ALIASES.get(op, op), value


_ORDER: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
}


def _compile_operator(op: str, value: Any) -> Predicate:
    """The test one operator and value apply to a field's value, after checking the value."""
    if op in ("eq", "ne"):
        if _kind(value) is None:
            raise FilterError(f"'{op}' compares with a string, number, boolean or null")
        return _negate(_equals(value)) if op == "ne" else _equals(value)
    if op in _ORDER:
        return _ordered(op, _ORDER[op], value)
    if op in ("contains", "notContains"):
        if _kind(value) not in ("string", "number"):
            raise FilterError(f"'{op}' takes a string or a number")
        test = _contains(value)
        return _negate(test) if op == "notContains" else test
    if op == "beginsWith":
        if not isinstance(value, str):
            raise FilterError("'beginsWith' takes a string")
        return lambda field: isinstance(field, str) and field.startswith(value)
    if op in ("in", "notIn"):
        keys = _value_keys(op, value, MAX_IN_VALUES)
        test = _in(keys)
        return _negate(test) if op == "notIn" else test
    if op == "containsAny":
        keys = _value_keys(op, value, MAX_CONTAINS_ANY_VALUES)
        return lambda field: isinstance(field, list) and any(_key(i) in keys for i in field)
    return _between(value)


def _ordered(op: str, compare: Callable[[Any, Any], bool], value: Any) -> Predicate:
    if _is_number(value):
        return lambda field: _is_number(field) and compare(field, value)
    if isinstance(value, str):
        return lambda field: isinstance(field, str) and compare(field, value)
    raise FilterError(f"'{op}' compares with a string or a number")


def _between(value: Any) -> Predicate:
    """`between [lo, hi]`, both ends included.

    AppSync's table says "between" with the example `[1, 5]` matching 2, 3 and 4, which reads
    as exclusive, while its operator description reads as a range; the ends are kept
    (UNVERIFIED), like DynamoDB's BETWEEN, which `toSubscriptionFilter` users know.
    """
    if not isinstance(value, list) or len(value) != 2:
        raise FilterError("'between' takes a list of two values")
    low, high = value
    if _is_number(low) and _is_number(high):
        return lambda field: _is_number(field) and low <= field <= high
    if isinstance(low, str) and isinstance(high, str):
        return lambda field: isinstance(field, str) and low <= field <= high
    raise FilterError("'between' takes two numbers or two strings")


def _value_keys(op: str, value: Any, limit: int) -> frozenset[tuple[str, Any]]:
    if not isinstance(value, list) or len(value) > limit:
        raise FilterError(f"'{op}' takes a list of at most {limit} values")
    keys = [_key(item) for item in value]
    if None in keys:
        raise FilterError(f"'{op}' values must be strings, numbers, booleans or null")
    return frozenset(key for key in keys if key is not None)


def _equals(value: Any) -> Predicate:
    if value is None:
        return lambda field: field is None
    if isinstance(value, bool):
        return lambda field: field is value
    if isinstance(value, str):
        return lambda field: isinstance(field, str) and field == value
    return lambda field: _is_number(field) and field == value


def _contains(value: Any) -> Predicate:
    """Substring of a string field, or strict member of a list field."""
    key = _key(value)
    if isinstance(value, str):
        return lambda field: (
            value in field
            if isinstance(field, str)
            else isinstance(field, list) and any(_key(i) == key for i in field)
        )
    return lambda field: isinstance(field, list) and any(_key(i) == key for i in field)


def _in(keys: frozenset[tuple[str, Any]]) -> Predicate:
    return lambda field: _key(field) in keys


def _negate(test: Predicate) -> Predicate:
    return lambda field: not test(field)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kind(value: object) -> str | None:
    """The JSON type of a scalar (a bool is not a number), or None for a list or object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return None


def _key(value: object) -> tuple[str, Any] | None:
    """A hashable key under which two scalars are equal exactly when AppSync says so."""
    kind = _kind(value)
    return None if kind is None else (kind, value)


# Argument filtering -------------------------------------------------------------------------


def _argument_test(argument: object) -> Predicate:
    if argument is None:
        return lambda field: field is None
    if isinstance(argument, str):
        return lambda field: _id_text(field) == argument
    return lambda field: _argument_equal(argument, field)


def _argument_equal(argument: object, field: object) -> bool:
    if isinstance(argument, str) or isinstance(field, str):
        return _id_text(argument) == _id_text(field) is not None
    if isinstance(argument, Mapping):
        return (
            isinstance(field, Mapping)
            and argument.keys() == field.keys()
            and all(_argument_equal(value, field[name]) for name, value in argument.items())
        )
    if isinstance(argument, list):
        return (
            isinstance(field, list)
            and len(argument) == len(field)
            and all(_argument_equal(a, f) for a, f in zip(argument, field, strict=True))
        )
    return _key(argument) == _key(field) is not None


def _id_text(value: object) -> str | None:
    """A string, or an integer as GraphQL's ID serializes it; None for anything else."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None
