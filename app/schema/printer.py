"""Printing the user's schema back as SDL, for `strawsync print-schema`.

graphql-core's `print_schema` drops applied directives, and those carry AppSync meaning
(`@aws_subscribe`, the auth directives). So each definition is printed from the AST it was
built from, with its `extend` definitions merged in: descriptions, defaults as written and
applied directives all survive. The implicit prelude (AWS scalar and `@aws_*` directive
definitions) is left out, as AppSync adds it itself; AWS scalars and `@aws_*` directives stay
visible where they are used, so the output loads again as the same schema. Comments are not
kept.
"""

from __future__ import annotations

from graphql import (
    ConstDirectiveNode,
    DirectiveDefinitionNode,
    GraphQLNamedType,
    GraphQLScalarType,
    GraphQLSchema,
    NamedTypeNode,
    NameNode,
    Node,
    OperationType,
    OperationTypeDefinitionNode,
    SchemaDefinitionNode,
    is_introspection_type,
    is_specified_directive,
    is_specified_scalar_type,
    print_ast,
    print_directive,
    print_type,
)

from app.schema.prelude import AWS_DIRECTIVES, AWS_SCALARS

__all__ = ["print_sdl"]

_MERGED_KEYS = ("directives", "interfaces", "fields", "values", "types")
"""The lists an `extend` definition adds to the definition it extends."""


def print_sdl(schema: GraphQLSchema) -> str:
    """The user's schema as SDL: schema definition, directives, then types in SDL order."""
    printed = []
    schema_definition = _schema_definition(schema)
    if schema_definition is not None:
        printed.append(print_ast(schema_definition))
    for directive in schema.directives:
        if is_specified_directive(directive) or directive.name in AWS_DIRECTIVES:
            continue
        node: DirectiveDefinitionNode | None = directive.ast_node
        printed.append(print_ast(node) if node is not None else print_directive(directive))
    for type_ in schema.type_map.values():
        if _is_user_type(type_):
            printed.append(_print_type(type_))
    return "\n\n".join(printed) + "\n"


def _is_user_type(type_: GraphQLNamedType) -> bool:
    if is_introspection_type(type_) or is_specified_scalar_type(type_):
        return False
    return not (isinstance(type_, GraphQLScalarType) and type_.name in AWS_SCALARS)


def _print_type(type_: GraphQLNamedType) -> str:
    if type_.ast_node is None:
        return print_type(type_)
    return print_ast(_merged(type_.ast_node, type_.extension_ast_nodes))


def _merged(definition: Node, extensions: tuple[Node, ...]) -> Node:
    """The definition with the lists of its `extend` definitions appended."""
    if not extensions:
        return definition
    values = {key: getattr(definition, key) for key in definition.keys}
    for key in _MERGED_KEYS:
        if key in values:
            merged = list(values[key] or ())
            for extension in extensions:
                merged += getattr(extension, key, None) or ()
            values[key] = tuple(merged)
    return type(definition)(**values)


def _schema_definition(schema: GraphQLSchema) -> SchemaDefinitionNode | None:
    """`schema { ... }` when it says something: root names, a description or directives."""
    nodes = [node for node in (schema.ast_node, *schema.extension_ast_nodes) if node]
    directives: list[ConstDirectiveNode] = []
    for node in nodes:
        directives += node.directives or ()
    description = schema.ast_node.description if schema.ast_node else None
    roots = (
        (OperationType.QUERY, schema.query_type, "Query"),
        (OperationType.MUTATION, schema.mutation_type, "Mutation"),
        (OperationType.SUBSCRIPTION, schema.subscription_type, "Subscription"),
    )
    conventional = all(root is None or root.name == name for _, root, name in roots)
    if conventional and not directives and description is None:
        return None
    return SchemaDefinitionNode(
        description=description,
        directives=tuple(directives),
        operation_types=tuple(
            OperationTypeDefinitionNode(
                operation=operation, type=NamedTypeNode(name=NameNode(value=root.name))
            )
            for operation, root, _ in roots
            if root is not None
        ),
    )
