"""Loading `schema.graphql`: every problem at once, at the user's line and column."""

from __future__ import annotations

import dataclasses

import pytest
from graphql import DirectiveLocation, GraphQLSchema, graphql_sync

from app.problems import Problem
from app.schema.prelude import AWS_DIRECTIVES, AWS_SCALARS
from app.schema.sdl import SdlResult, load_sdl, prelude_schema, print_sdl
from tests.schema.helpers import INTROSPECTION_QUERY, fixture, load, normalized


def problems(sdl: str) -> list[tuple[int, int, str]]:
    result = load_sdl(sdl, "api/schema.graphql")
    assert result.schema is None
    assert all(problem.file == "api/schema.graphql" for problem in result.problems)
    assert all(problem.kind == "schema" for problem in result.problems)
    return [(problem.line, problem.column, problem.message) for problem in result.problems]


def test_a_valid_schema_has_no_problems() -> None:
    result = load_sdl(fixture("event_app.graphql"), "schema.graphql")
    assert result.problems == ()
    assert isinstance(result.schema, GraphQLSchema)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.problems = ()  # type: ignore[misc]


def test_a_syntax_error_is_reported_at_its_position() -> None:
    [(line, column, message)] = problems("type Query {\n  echo(msg: String: String\n}\n")
    assert (line, column) == (2, 19)
    assert message.startswith("Syntax Error")


def test_every_validation_error_is_reported_at_the_users_line() -> None:
    sdl = (
        "type Query {\n"
        "  a: Missing\n"
        "  b: AlsoMissing\n"
        "  c(x: Int, x: Int): Int\n"
        "}\n"
        "type Query { d: Int }\n"
    )
    found = problems(sdl)
    assert [(line, column) for line, column, _ in found] == [(1, 6), (2, 6), (3, 6), (4, 5)]
    assert found[0][2] == "There can be only one type named 'Query'. (see also 6:6)"
    assert "Unknown type 'Missing'" in found[1][2]
    assert "Unknown type 'AlsoMissing'" in found[2][2]
    assert found[3][2] == "Argument 'Query.c(x:)' can only be defined once. (see also 4:13)"


def test_schema_validation_errors_are_reported_too() -> None:
    sdl = "interface Node { id: ID! }\ntype Query implements Node { name: String }\n"
    [(line, column, message)] = problems(sdl)
    assert (line, column) == (1, 18)
    assert message.startswith("Interface field Node.id expected but Query does not provide it.")


def test_a_schema_without_query_type_is_a_problem_without_position() -> None:
    assert problems("type Mutation { a: Int }\n") == [(0, 0, "Query root type must be provided.")]


def test_appsync_rules_are_problems() -> None:
    sdl = (
        "scalar Long\n"
        "type AWSThing { a: Int }\n"
        "type Query { a: Long, b: AWSThing }\n"
        "scalar AWSDate\n"
        "directive @aws_iam on OBJECT\n"
    )
    assert problems(sdl) == [
        (
            1,
            1,
            "AppSync does not support custom scalars: 'Long'. Use a built-in scalar"
            " (String, Int, Float, Boolean, ID) or an AWS scalar such as AWSJSON.",
        ),
        (2, 1, "Type name 'AWSThing' is reserved: AppSync type names may not start with 'AWS'."),
        (4, 1, "Scalar 'AWSDate' is built into AppSync; remove this declaration."),
        (5, 1, "Directive '@aws_iam' is built into AppSync; remove this declaration."),
    ]


def test_appsync_rules_and_graphql_errors_are_reported_together() -> None:
    found = problems("scalar Long\ntype Query { a: Long, b: Nope }\n")
    assert [(line, message.split(":")[0]) for line, _, message in found] == [
        (1, "AppSync does not support custom scalars"),
        (2, "Unknown type 'Nope'."),
    ]


def test_problems_render_with_file_line_and_column() -> None:
    result = load_sdl("type Query { a: Nope }", "api/schema.graphql")
    assert [str(problem) for problem in result.problems] == [
        "api/schema.graphql:1:17: schema: Unknown type 'Nope'."
    ]
    assert result == SdlResult(
        None, (Problem("api/schema.graphql", 1, 17, "Unknown type 'Nope'.", "schema"),)
    )


def test_extend_type_adds_fields() -> None:
    schema = load("type Query { a: Int }\nextend type Query { b: String @aws_iam }\n")
    assert schema.query_type is not None
    assert list(schema.query_type.fields) == ["a", "b"]


def test_extending_an_unknown_type_is_a_problem() -> None:
    [(line, _, message)] = problems("type Query { a: Int }\nextend type Nope { b: Int }\n")
    assert line == 2
    assert "Cannot extend type 'Nope'" in message


def test_root_types_default_to_their_conventional_names() -> None:
    schema = load("type Query { a: Int }\ntype Mutation { b: Int }\ntype Subscription { c: Int }")
    assert schema.query_type is not None and schema.query_type.name == "Query"
    assert schema.mutation_type is not None and schema.mutation_type.name == "Mutation"
    assert schema.subscription_type is not None
    assert schema.subscription_type.name == "Subscription"


def test_custom_root_type_names() -> None:
    schema = load("schema { query: Root }\ntype Root { a: Int }\ntype Mutation { b: Int }")
    assert schema.query_type is not None and schema.query_type.name == "Root"
    assert schema.mutation_type is None


def test_the_prelude_is_implicit_and_matches_appsync() -> None:
    schema = prelude_schema()
    for name in AWS_SCALARS:
        assert name in schema.type_map
        assert schema.type_map[name].description
    field, obj = DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.OBJECT
    locations = {
        directive.name: set(directive.locations)
        for directive in schema.directives
        if directive.name in AWS_DIRECTIVES
    }
    assert locations == {
        "aws_subscribe": {field},
        "aws_auth": {field},
        "aws_publish": {field},
        "aws_api_key": {field, obj},
        "aws_iam": {field, obj},
        "aws_oidc": {field, obj},
        "aws_lambda": {field, obj},
        "aws_cognito_user_pools": {field, obj},
    }
    subscribe = schema.get_directive("aws_subscribe")
    assert subscribe is not None
    assert str(subscribe.args["mutations"].type) == "[String]"


def test_print_sdl_keeps_applied_directives_and_leaves_out_the_prelude() -> None:
    printed = print_sdl(load(fixture("event_app.graphql")))
    assert '@aws_subscribe(mutations: ["commentOnEvent"])' in printed
    assert "scalar AWS" not in printed
    assert "directive @aws" not in printed
    assert "schema {" not in printed  # conventional root names need no schema definition


def test_print_sdl_merges_extensions_and_keeps_custom_roots() -> None:
    sdl = (
        '"""The API."""\n'
        "schema { query: Root }\n"
        "type Root @aws_api_key { a: AWSDate }\n"
        'extend type Root { b: Int @aws_auth(cognito_groups: ["admins"]) }\n'
    )
    printed = print_sdl(load(sdl))
    assert printed == (
        '"""The API."""\n'
        "schema {\n  query: Root\n}\n\n"
        "type Root @aws_api_key {\n"
        "  a: AWSDate\n"
        '  b: Int @aws_auth(cognito_groups: ["admins"])\n'
        "}\n"
    )


@pytest.mark.parametrize("name", ["event_app.graphql", "awkward.graphql"])
def test_printed_sdl_loads_as_the_same_schema(name: str) -> None:
    schema = load(fixture(name))
    again = load(print_sdl(schema))
    assert normalized(graphql_sync(again, INTROSPECTION_QUERY).data or {}) == normalized(
        graphql_sync(schema, INTROSPECTION_QUERY).data or {}
    )
    assert print_sdl(again) == print_sdl(schema)


def test_a_schema_extension_keeps_the_conventional_roots() -> None:
    schema = load(
        "type Query { a: Int }\ntype Events { b: Int }\nextend schema { subscription: Events }"
    )
    assert schema.query_type is not None and schema.query_type.name == "Query"
    assert schema.subscription_type is not None and schema.subscription_type.name == "Events"
