"""The value a mutation publishes: its result as the client selected it, keyed by field name.

AppSync sends subscribers the mutation's response, limited to the mutation's selection set.
The response is keyed by response names (aliases); subscribers select by field names, so the
value is re-keyed by walking the selection set beside the data. A field the mutation did not
select is absent, and a subscriber that asks for it gets null (or an error if non-null).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


def _fields(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> list[FieldNode]:
    """The field nodes of a selection set, fragments flattened (skipped ones are simply
    absent from the data, so directives need no evaluation here)."""
    out: list[FieldNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            out.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            out.extend(_fields(selection.selection_set, fragments))
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                out.extend(_fields(fragment.selection_set, fragments))
    return out


def _unalias(
    value: Any,
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
) -> Any:
    if selection_set is None or value is None:
        return value
    if isinstance(value, list):
        return [_unalias(item, selection_set, fragments) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for node in _fields(selection_set, fragments):
        key = node.alias.value if node.alias else node.name.value
        name = node.name.value
        if key in value and name not in out:
            out[name] = _unalias(value[key], node.selection_set, fragments)
    return out


def mutation_results(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    data: Mapping[str, Any] | None,
) -> list[tuple[str, Any]]:
    """`(mutation field name, published value)` for each root field that returned a value.

    A field that failed (null) publishes nothing, as on AppSync.
    """
    if not data:
        return []
    results: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for node in _fields(operation.selection_set, fragments):
        key = node.alias.value if node.alias else node.name.value
        value = data.get(key)
        if value is None or key in seen:
            continue
        seen.add(key)
        results.append((node.name.value, _unalias(value, node.selection_set, fragments)))
    return results
