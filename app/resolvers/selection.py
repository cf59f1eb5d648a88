"""`$ctx.info.selectionSetList` and `selectionSetGraphQL`, from the query's own syntax tree."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionSetNode,
    print_ast,
)

Fragments = Mapping[str, FragmentDefinitionNode]


def _fields_of(
    selection_set: SelectionSetNode | None, type_name: str, fragments: Fragments
) -> Iterator[FieldNode]:
    """Fields selected on `type_name`, through fragments whose condition names that type.

    As on AppSync, fields of fragments on other types (`... on Post` at `Query.node`) are
    left out, and so are introspection fields.
    """
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if not selection.name.value.startswith("__"):
                yield selection
        elif isinstance(selection, InlineFragmentNode):
            condition = selection.type_condition
            if condition is None or condition.name.value == type_name:
                yield from _fields_of(selection.selection_set, type_name, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None and fragment.type_condition.name.value == type_name:
                yield from _fields_of(fragment.selection_set, type_name, fragments)


def selection_set_list(
    field_nodes: Sequence[FieldNode],
    type_name: str,
    child_types: Mapping[str, str],
    fragments: Fragments,
) -> list[str]:
    """AppSync's list of `"a"`, `"a/b"` paths; aliased fields appear under the alias.

    `child_types` maps `"<Type>.<field>"` to the named type of that field, so nested
    fragments are matched against the right type.
    """
    paths: list[str] = []

    def walk(selection_set: SelectionSetNode | None, owner: str, prefix: str) -> None:
        for field in _fields_of(selection_set, owner, fragments):
            path = f"{prefix}{(field.alias or field.name).value}"
            if path not in paths:
                paths.append(path)
            if field.selection_set is not None:
                child = child_types.get(f"{owner}.{field.name.value}", "")
                walk(field.selection_set, child, path + "/")

    for node in field_nodes:
        walk(node.selection_set, type_name, "")
    return paths


def selection_set_graphql(field_nodes: Sequence[FieldNode]) -> str:
    """The selection set printed as GraphQL; named fragments stay as spreads."""
    for node in field_nodes:
        if node.selection_set is not None:
            return print_ast(node.selection_set)
    return ""


def filter_by_selection(
    data: Any, selection_set: SelectionSetNode | None, type_name: str, fragments: Fragments
) -> Any:
    """AppSync filters an error's `data` by the query's selection set."""
    if isinstance(data, list):
        return [filter_by_selection(item, selection_set, type_name, fragments) for item in data]
    if not isinstance(data, dict) or selection_set is None:
        return data
    out: dict[str, Any] = {}
    for field in _fields_of(selection_set, type_name, fragments):
        name = field.name.value
        if name in data:
            out[(field.alias or field.name).value] = filter_by_selection(
                data[name], field.selection_set, "", fragments
            )
    return out
