"""Cost caps checked in one linear pass over a parsed document, before graphql-core validates it.

AppSync refuses a query deeper than the API's `queryDepthLimit` with `QueryDepthLimitReached`;
aliases, directives per location and total field selections are Strawsync's own caps (AppSync
has none that it publishes). Every count goes through fragment spreads: a fragment counts
each time it is spread, so `...A ...A` with `fragment A { ...B ...B }` counts B's fields four
times. Each fragment is measured once and its totals reused, so the pass stays linear in
the document's size whatever the spreads multiply to, and a rejected document never reaches
graphql-core's validation (whose overlapping-fields rule is quadratic).

Depth counts field nesting: `{ listEvents { items { id } } }` is 3 deep. The subtree of
an introspection field (`__schema`, `__type`) counts as one level: its depth is bounded by
graphql-core's MaxIntrospectionDepthRule instead, so GraphiQL's introspection query works
under any depth limit. Introspection fields still count as fields and aliases.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
)

QUERY_DEPTH_LIMIT_REACHED = "QueryDepthLimitReached"
ALIAS_LIMIT_REACHED = "AliasLimitReached"
DIRECTIVE_LIMIT_REACHED = "DirectiveLimitReached"
FIELD_LIMIT_REACHED = "FieldLimitReached"

INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    """The caps one document is held to; None means unlimited."""

    max_depth: int | None = None
    max_aliases: int | None = None
    max_directives_per_location: int | None = None
    max_fields: int | None = None


@dataclass(frozen=True, slots=True)
class _Cost:
    fields: int = 0
    aliases: int = 0
    depth: int = 0

    def __add__(self, other: _Cost) -> _Cost:
        return _Cost(
            self.fields + other.fields,
            self.aliases + other.aliases,
            max(self.depth, other.depth),
        )


_NOTHING = _Cost()


def limit_error(message: str, error_type: str, node: Node | None = None) -> GraphQLError:
    """A refused document: AppSync's error shape with its own `errorType`."""
    return GraphQLError(message, node, extensions={"errorType": error_type})


def check_limits(document: DocumentNode, limits: DocumentLimits) -> list[GraphQLError]:
    """One error per cap the document exceeds (none when it is within every cap)."""
    errors: list[GraphQLError] = []
    directive_cap = limits.max_directives_per_location
    if directive_cap is not None:
        crowded = next(_crowded_locations(document, directive_cap), None)
        if crowded is not None:
            count = len(getattr(crowded, "directives", ()) or ())
            errors.append(
                limit_error(
                    f"{count} directives on one location; the limit is {directive_cap}.",
                    DIRECTIVE_LIMIT_REACHED,
                    crowded,
                )
            )
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    measured = _measure_fragments(fragments)
    total = _NOTHING
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            total = total + _measure(definition.selection_set, measured)
    if limits.max_depth is not None and total.depth > limits.max_depth:
        errors.append(
            limit_error(
                f"The query is {total.depth} levels deep; the limit is {limits.max_depth}.",
                QUERY_DEPTH_LIMIT_REACHED,
            )
        )
    if limits.max_aliases is not None and total.aliases > limits.max_aliases:
        errors.append(
            limit_error(
                f"The document has {total.aliases} aliases; the limit is {limits.max_aliases}.",
                ALIAS_LIMIT_REACHED,
            )
        )
    if limits.max_fields is not None and total.fields > limits.max_fields:
        errors.append(
            limit_error(
                f"The document selects {total.fields} fields; the limit is {limits.max_fields}.",
                FIELD_LIMIT_REACHED,
            )
        )
    return errors


def _crowded_locations(document: DocumentNode, cap: int) -> Iterator[Node]:
    """Every node carrying more than `cap` directives, in document order."""
    stack: list[Node] = list(reversed(document.definitions))
    while stack:
        node = stack.pop()
        directives = getattr(node, "directives", None)
        if directives is not None and len(directives) > cap:
            yield node
        for variable in getattr(node, "variable_definitions", None) or ():
            if len(variable.directives or ()) > cap:
                yield variable
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(reversed(selection_set.selections))


def _spreads(selection_set: SelectionSetNode) -> Iterator[str]:
    stack = [selection_set]
    while stack:
        for selection in stack.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                yield selection.name.value
            elif selection.selection_set is not None:  # type: ignore[attr-defined]
                stack.append(selection.selection_set)  # type: ignore[attr-defined]


def _measure_fragments(fragments: Mapping[str, FragmentDefinitionNode]) -> dict[str, _Cost]:
    """Each fragment's cost, dependencies first. A spread that closes a cycle, or names an
    unknown fragment, counts as nothing here: validation reports it."""
    measured: dict[str, _Cost] = {}
    visiting: set[str] = set()
    for root in fragments:
        if root in measured:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(root, _spreads(fragments[root].selection_set))]
        visiting.add(root)
        while stack:
            name, pending = stack[-1]
            child = next(pending, None)
            if child is None:
                stack.pop()
                visiting.discard(name)
                measured[name] = _measure(fragments[name].selection_set, measured)
            elif child in fragments and child not in measured and child not in visiting:
                visiting.add(child)
                stack.append((child, _spreads(fragments[child].selection_set)))
    return measured


def _measure(selection_set: SelectionSetNode, fragments: Mapping[str, _Cost]) -> _Cost:
    """Fields, aliases and depth of one selection set (nesting is bounded by the parser)."""
    fields = aliases = depth = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            fields += 1
            if selection.alias is not None:
                aliases += 1
            child = _NOTHING
            if selection.selection_set is not None:
                child = _measure(selection.selection_set, fragments)
                fields += child.fields
                aliases += child.aliases
            nested = 1 if selection.name.value in INTROSPECTION_ROOTS else 1 + child.depth
            depth = max(depth, nested)
        else:
            if isinstance(selection, InlineFragmentNode):
                part = _measure(selection.selection_set, fragments)
            else:
                assert isinstance(selection, FragmentSpreadNode)
                part = fragments.get(selection.name.value, _NOTHING)
            fields += part.fields
            aliases += part.aliases
            depth = max(depth, part.depth)
    return _Cost(fields, aliases, depth)
