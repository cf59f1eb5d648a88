"""Loading the user's `schema.graphql` on top of AppSync's prelude, with every problem at once.

The prelude is never pasted in front of the user's text: it becomes a base graphql-core
schema (AWS scalars with the rules of `scalars.py`, `@aws_*` directives) and the user's
document extends it, so every line and column refers to the user's file. The resulting
schema coerces AWS scalars exactly like the served Strawberry schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    ScalarTypeDefinitionNode,
    Source,
    TypeDefinitionNode,
    build_ast_schema,
    extend_schema,
    parse,
    validate_schema,
)
from graphql.validation.validate import validate_sdl

from app.problems import Problem
from app.schema.prelude import AWS_DIRECTIVES, AWS_SCALARS, PRELUDE_SDL, PRELUDE_SOURCE_NAME
from app.schema.printer import print_sdl
from app.schema.scalars import AWS_SCALAR_RULES

__all__ = ["SdlResult", "load_sdl", "prelude_schema", "print_sdl"]

_KIND = "schema"


@dataclass(frozen=True, slots=True)
class SdlResult:
    """The validated schema, or None when `problems` is not empty."""

    schema: GraphQLSchema | None
    problems: tuple[Problem, ...]


def prelude_schema() -> GraphQLSchema:
    """A schema holding only the prelude: AWS scalars (with their rules) and directives."""
    prelude = build_ast_schema(parse(Source(PRELUDE_SDL, PRELUDE_SOURCE_NAME)))
    scalars = [
        AWS_SCALAR_RULES[name].graphql_type(prelude.type_map[name].description)
        for name in AWS_SCALARS
    ]
    return GraphQLSchema(types=scalars, directives=prelude.directives)


def load_sdl(text: str, source_name: str) -> SdlResult:
    """Parse and validate the user's SDL, reporting every problem with its position."""
    source = Source(text, source_name)
    try:
        document = parse(source)
    except GraphQLError as error:
        return SdlResult(None, (_problem(error, source),))

    appsync = list(_appsync_problems(document, source_name))
    document = _without_prelude_redeclarations(document)
    base = prelude_schema()
    invalid = [_problem(error, source) for error in validate_sdl(document, base)]
    if invalid:
        return SdlResult(None, _ordered([*appsync, *invalid]))

    schema = _with_default_roots(extend_schema(base, document, assume_valid_sdl=True))
    problems = [*appsync, *(_problem(error, source) for error in validate_schema(schema))]
    if problems:
        return SdlResult(None, _ordered(problems))
    return SdlResult(schema, ())


def _appsync_problems(document: DocumentNode, source_name: str) -> Iterable[Problem]:
    """AppSync's own rules: no custom scalars, no `AWS` type names, no prelude redeclarations."""
    for node in document.definitions:
        name = getattr(getattr(node, "name", None), "value", "")
        if isinstance(node, ScalarTypeDefinitionNode) and name in AWS_SCALARS:
            message = f"Scalar '{name}' is built into AppSync; remove this declaration."
        elif isinstance(node, ScalarTypeDefinitionNode):
            message = (
                f"AppSync does not support custom scalars: '{name}'. Use a built-in scalar"
                " (String, Int, Float, Boolean, ID) or an AWS scalar such as AWSJSON."
            )
        elif isinstance(node, TypeDefinitionNode) and name.startswith("AWS"):
            message = (
                f"Type name '{name}' is reserved: AppSync type names may not start with 'AWS'."
            )
        elif isinstance(node, DirectiveDefinitionNode) and name in AWS_DIRECTIVES:
            message = f"Directive '@{name}' is built into AppSync; remove this declaration."
        else:
            continue
        line, column = _position(node)
        yield Problem(source_name, line, column, message, _KIND)


def _without_prelude_redeclarations(document: DocumentNode) -> DocumentNode:
    """Drop redeclared prelude scalars and directives, already reported, so that graphql-core
    does not report them a second time."""

    def redeclares(node: object) -> bool:
        name = getattr(getattr(node, "name", None), "value", "")
        return (isinstance(node, ScalarTypeDefinitionNode) and name in AWS_SCALARS) or (
            isinstance(node, DirectiveDefinitionNode) and name in AWS_DIRECTIVES
        )

    kept = tuple(node for node in document.definitions if not redeclares(node))
    if len(kept) == len(document.definitions):
        return document
    return DocumentNode(definitions=kept, loc=document.loc)


def _with_default_roots(schema: GraphQLSchema) -> GraphQLSchema:
    """Without a `schema { ... }` definition the types named Query, Mutation and Subscription
    are the roots, as in `build_ast_schema` (`extend_schema` alone does not do this)."""
    if schema.ast_node is not None:
        return schema
    kwargs = schema.to_kwargs()
    for operation, type_name in (
        ("query", "Query"),
        ("mutation", "Mutation"),
        ("subscription", "Subscription"),
    ):
        root = schema.type_map.get(type_name)
        if isinstance(root, GraphQLObjectType):
            kwargs[operation] = root  # type: ignore[literal-required]
    return GraphQLSchema(**kwargs)


def _position(node: object) -> tuple[int, int]:
    loc = getattr(node, "loc", None)
    if loc is None:
        return 0, 0
    location = loc.source.get_location(loc.start)
    return location.line, location.column


def _problem(error: GraphQLError, source: Source) -> Problem:
    """A problem at the error's first position in the user's file; other positions (a
    duplicate's first definition, say) are named in the message."""
    positions = [
        _position(node)
        for node in error.nodes or ()
        if node.loc is not None and node.loc.source is source
    ]
    if not positions and error.source is source:
        positions = [(location.line, location.column) for location in error.locations or ()]
    line, column = positions[0] if positions else (0, 0)
    message = error.message
    if len(positions) > 1:
        others = ", ".join(f"{other[0]}:{other[1]}" for other in positions[1:])
        message += f" (see also {others})"
    return Problem(source.name, line, column, message, _KIND)


def _ordered(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """By position in the file; problems without one (e.g. a missing Query) come last."""
    return tuple(
        sorted(problems, key=lambda problem: (problem.line == 0, problem.line, problem.column))
    )
