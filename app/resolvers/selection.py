"""`$ctx.info.selectionSetList` and `selectionSetGraphQL` from the field's selections."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


def _fields_of(selections: Iterable[Selection], type_name: str) -> Iterator[SelectedField]:
    """Fields selected on `type_name`, through fragments whose condition names that type."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            if not selection.name.startswith("__"):
                yield selection
        elif isinstance(selection, InlineFragment | FragmentSpread):
            condition = selection.type_condition
            if condition is None or condition == type_name:
                yield from _fields_of(selection.selections, condition or type_name)


def selection_set_list(
    selections: Sequence[Selection], type_name: str, child_types: dict[str, str]
) -> list[str]:
    """AppSync's list of `"a"`, `"a/b"` paths; aliased fields appear under the alias.

    `child_types` maps `"<Type>.<field>"` to the named type of that field, so nested
    fragments are matched against the right type.
    """
    paths: list[str] = []

    def walk(items: Sequence[Selection], owner: str, prefix: str) -> None:
        for selected in _fields_of(items, owner):
            path = f"{prefix}{selected.alias or selected.name}"
            paths.append(path)
            if selected.selections:
                child = child_types.get(f"{owner}.{selected.name}", "")
                walk(selected.selections, child, path + "/")

    walk(selections, type_name, "")
    return paths


def _literal(value: Any) -> str:
    if isinstance(value, dict):
        inner = ", ".join(f"{key}: {_literal(item)}" for key, item in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


def selection_set_graphql(selections: Sequence[Selection]) -> str:
    """The selection set printed as GraphQL; named fragments stay as `... name`."""
    if not selections:
        return ""
    lines: list[str] = []

    def emit(items: Sequence[Selection], depth: int) -> None:
        pad = "  " * depth
        for selection in items:
            if isinstance(selection, SelectedField):
                head = f"{selection.alias}: {selection.name}" if selection.alias else selection.name
                if selection.arguments:
                    args = ", ".join(f"{k}: {_literal(v)}" for k, v in selection.arguments.items())
                    head += f"({args})"
                if selection.selections:
                    lines.append(f"{pad}{head} {{")
                    emit(selection.selections, depth + 1)
                    lines.append(f"{pad}}}")
                else:
                    lines.append(f"{pad}{head}")
            elif isinstance(selection, FragmentSpread):
                lines.append(f"{pad}... {selection.name}")
            elif isinstance(selection, InlineFragment):
                condition = f" on {selection.type_condition}" if selection.type_condition else ""
                lines.append(f"{pad}...{condition} {{")
                emit(selection.selections, depth + 1)
                lines.append(f"{pad}}}")

    lines.append("{")
    emit(selections, 1)
    lines.append("}")
    return "\n".join(lines)


def filter_by_selection(data: Any, selections: Sequence[Selection], type_name: str) -> Any:
    """AppSync filters an error's `data` by the query's selection set."""
    if isinstance(data, list):
        return [filter_by_selection(item, selections, type_name) for item in data]
    if not isinstance(data, dict) or not selections:
        return data
    out: dict[str, Any] = {}
    for selected in _fields_of(selections, type_name):
        if selected.name in data:
            out[selected.alias or selected.name] = filter_by_selection(
                data[selected.name], selected.selections, ""
            )
    return out
