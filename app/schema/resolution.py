"""How the generated schema resolves abstract types at request time: by `__typename`.

Fields themselves resolve through `app.schema.direct`, installed after the build.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from graphql import GraphQLError, GraphQLResolveInfo, get_named_type

_NOT_A_MAP: Final[Any] = object()


def type_check(
    name: str, possible: Mapping[str, frozenset[str]]
) -> Callable[[Any, GraphQLResolveInfo[Any]], bool]:
    """An object type's `is_type_of`: dict sources, checking `__typename` when present.

    Unions are resolved through their members' `is_type_of`: for a field of an abstract
    type, a value without a `__typename` naming one of its types is an error that says so.
    """

    def is_type_of(obj: Any, info: GraphQLResolveInfo[Any]) -> bool:
        typename = _typename(obj)
        if typename == name:
            return True
        abstract = get_named_type(info.return_type).name
        members = possible.get(abstract)
        if members is None:
            return typename is None
        if typename in members:
            return False
        raise GraphQLError(_unresolvable(abstract, obj, typename, members))

    return is_type_of


def type_resolver(
    name: str, members: frozenset[str]
) -> Callable[[Any, GraphQLResolveInfo[Any], Any], str]:
    """An interface's `resolve_type`: the `__typename` key of dict sources."""

    def resolve_type(obj: Any, info: GraphQLResolveInfo[Any], abstract_type: Any) -> str:
        typename = _typename(obj)
        if not isinstance(typename, str):
            raise GraphQLError(_unresolvable(name, obj, typename, members))
        return typename

    return resolve_type


def _typename(obj: Any) -> Any:
    """The `__typename` of a dict source (None when absent), else `_NOT_A_MAP`."""
    return obj.get("__typename") if isinstance(obj, dict) else _NOT_A_MAP


def _unresolvable(abstract: str, obj: Any, typename: Any, members: Iterable[str]) -> str:
    expected = f"a '__typename' naming one of {', '.join(sorted(members))}"
    if typename is _NOT_A_MAP:
        found = f"the value is {type(obj).__name__}, not a map with {expected}"
    elif typename is None:
        found = f"the value has no '__typename'; expected {expected}"
    else:
        found = f"'__typename' is {typename!r}; expected {expected}"
    return f"Cannot resolve the type of a value of abstract type '{abstract}': {found}."
