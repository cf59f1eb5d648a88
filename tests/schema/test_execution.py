"""Executing the generated schema: plain-JSON arguments, default resolution, abstract types.

Arguments reach bound resolvers as graphql-core coerces them: the tests compare with what
graphql-core itself passes to resolvers on the validation schema, operation by operation.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from graphql import graphql_sync

from tests.schema.helpers import Recorder, build, fixture, load

AWKWARD = fixture("awkward.graphql")

ARGUMENT_FIELDS = [
    ("RootQuery", "echo"),
    ("RootQuery", "search"),
    ("Post", "title"),
    ("RootMutation", "touch"),
]

POST = {"__typename": "Post", "id": "p1", "tags": []}

OPERATIONS: list[tuple[str, dict[str, Any] | None]] = [
    ("{ echo }", None),
    ("{ echo(from: null, self: true, info: null) }", None),
    ('{ echo(class: {level: LOW, info: null, inner: {info: "x", range: {to: 2}}}) }', None),
    ("query($c: Filter) { echo(class: $c) }", {"c": {"levels": ["HIGH"], "info": None}}),
    ("query($c: Filter) { echo(class: $c) }", {}),
    ("query($c: Filter) { echo(class: $c) }", {"c": None}),
    ("query($t: Level) { echo(type: $t) }", {}),
    ("query($t: Level) { echo(type: $t) }", {"t": None}),
    ("query($t: Level, $f: Int) { echo(type: $t, from: $f) }", {"t": "LOW", "f": 3}),
    ('{ search(text: "t") { __typename } }', None),
    (
        '{ search(text: "t", levels: [HIGH, null], json: "{\\"a\\": [1, {}]}",'
        " lookup: {filter: {words: [], range: null}}) { __typename } }",
        None,
    ),
    ('{ search(text: "t", levels: LOW, filter: {levels: HIGH}) { __typename } }', None),
    (
        'query($l: Lookup!, $j: AWSJSON) { search(text: "x", lookup: $l, json: $j)'
        " { __typename } }",
        {"l": {"email": "a@b.c"}, "j": '{"k": [true, null]}'},
    ),
    ('{ post { title(info: "i", _source: "s", from: 1) } }', None),
    ("{ post { title(upper: true, info: null) } }", None),
    ("query($i: String) { post { title(info: $i) } }", {}),
    ('mutation { touch(at: -5, json: "[]", day: "2020-02-29Z", ip: "::1/64") { id } }', None),
]


def returns_for(field: tuple[str, str]) -> Any:
    if field == ("RootQuery", "search"):
        return lambda _source, _args: []
    if field in (("RootQuery", "post"), ("RootMutation", "touch")):
        return lambda _source, _args: POST
    return lambda _source, args: None


async def served_arguments(query: str, variables: dict[str, Any] | None) -> list[Any]:
    recorder = Recorder({field: returns_for(field) for field in ARGUMENT_FIELDS})
    recorder.returns[("RootQuery", "post")] = returns_for(("RootQuery", "post"))
    result = await build(AWKWARD, recorder).execute(query, variable_values=variables)
    assert result.errors is None, result.errors
    return [(name, arguments) for _, name, arguments in recorder.calls if name != "post"]


def graphql_core_arguments(query: str, variables: dict[str, Any] | None) -> list[Any]:
    """What graphql-core passes to resolvers of the validation schema."""
    schema = load(AWKWARD)
    calls: list[Any] = []
    for type_name, field_name in ARGUMENT_FIELDS:

        def record(
            *positional: Any, _field: tuple[str, str] = (type_name, field_name), **arguments: Any
        ) -> Any:
            calls.append((_field[1], arguments))
            return returns_for(_field)(None, arguments)

        schema.type_map[type_name].fields[field_name].resolve = record  # type: ignore[attr-defined]
    schema.type_map["RootQuery"].fields["post"].resolve = lambda *_a, **_k: POST  # type: ignore[attr-defined]
    result = graphql_sync(schema, query, variable_values=variables)
    assert result.errors is None, result.errors
    return calls


def is_plain_json(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(key, str) and is_plain_json(item) for key, item in value.items())
    if isinstance(value, list):
        return all(is_plain_json(item) for item in value)
    return value is None or type(value) in (str, int, float, bool)


@pytest.mark.parametrize(("query", "variables"), OPERATIONS)
async def test_arguments_are_exactly_what_graphql_core_coerces(
    query: str, variables: dict[str, Any] | None
) -> None:
    served = await served_arguments(query, variables)
    assert served == graphql_core_arguments(query, variables)
    assert served
    assert all(is_plain_json(arguments) for _, arguments in served)


async def test_an_omitted_argument_is_absent_and_an_explicit_null_is_none() -> None:
    [(_, omitted)] = await served_arguments("{ echo }", None)
    [(_, null)] = await served_arguments("{ echo(from: null) }", None)
    assert omitted == {"type": "HIGH"}  # `type` has a default in the SDL
    assert null == {"from": None, "type": "HIGH"}


async def test_the_same_holds_inside_input_objects_and_for_variables() -> None:
    literal = '{ echo(class: {info: null, words: ["w"]}) }'
    variables = {"c": {"info": None, "words": ["w"]}}
    [(_, from_literal)] = await served_arguments(literal, None)
    [(_, from_variables)] = await served_arguments(
        "query($c: Filter) { echo(class: $c) }", variables
    )
    assert from_literal == from_variables
    nested = from_literal["class"]
    assert nested["info"] is None  # explicit null
    assert "inner" not in nested and "legacy" not in nested  # omitted, no default
    assert nested["level"] == "MEDIUM"  # SDL default
    assert nested["range"] == {"from": 1, "step": 1.5}  # object default, its own defaults added
    assert nested["json"] == {"a": [1, 2]}  # AWSJSON default, parsed


async def test_an_unset_variable_is_absent_but_a_null_variable_is_none() -> None:
    query = "query($c: Filter) { echo(class: $c) }"
    assert await served_arguments(query, {}) == [("echo", {"type": "HIGH"})]
    assert await served_arguments(query, {"c": None}) == [("echo", {"class": None, "type": "HIGH"})]


async def test_enums_arrive_as_their_names() -> None:
    [(_, arguments)] = await served_arguments("{ echo(type: LOW, class: {levels: [HIGH]}) }", None)
    assert arguments["type"] == "LOW" and type(arguments["type"]) is str
    assert arguments["class"]["levels"] == ["HIGH"]
    assert type(arguments["class"]["levels"][0]) is str


async def test_an_argument_named_info_or_source_reaches_the_resolver() -> None:
    query = 'query($i: String) { post { title(info: $i, _source: "s") } }'
    [(_, arguments)] = await served_arguments(query, {"i": "from a variable"})
    assert arguments == {"upper": False, "info": "from a variable", "_source": "s"}


async def test_defaults_are_fresh_in_every_request() -> None:
    recorder = Recorder({("RootQuery", "search"): lambda _source, _args: []})
    schema = build(AWKWARD, recorder)
    for _ in range(2):
        result = await schema.execute('{ search(text: "t") { __typename } }')
        assert result.errors is None
        arguments = recorder.calls[-1][2]
        assert arguments["filter"]["words"] == ["a", "b"]
        assert arguments["filter"]["json"] == {"a": [1, 2]}
        arguments["filter"]["words"].append("changed by a resolver")
        arguments["filter"]["json"]["a"].append("changed by a resolver")


# --- resolution ----------------------------------------------------------------------------

KEYWORD_POST = {
    "id": "p",
    "tags": ["t"],
    "class": "c",
    "from": "f",
    "self": "s",
    "type": "ty",
    "info": "i",
    "root": "r",
    "is_type_of": "ito",
    "name_": "n_",
    "level": "MEDIUM",
    "matrix": [[1, 2], None],
    "author": {"name": "Ann", "id": "a", "data": {"x": 1}, "seen": -1},
}


async def test_fields_without_resolver_read_the_dict_source_by_graphql_name() -> None:
    schema = build(AWKWARD, Recorder({("RootQuery", "post"): lambda _s, _a: KEYWORD_POST}))
    query = (
        "{ post { id tags class from self type info root is_type_of name_ level matrix"
        " comments { id } author { name id data seen email } } level later }"
    )
    result = await schema.execute(query)
    assert result.errors is None
    assert result.data == {
        "post": {
            **{key: value for key, value in KEYWORD_POST.items() if key != "author"},
            "comments": None,
            "author": {"name": "Ann", "id": "a", "data": '{"x":1}', "seen": -1, "email": None},
        },
        "level": None,  # root fields without resolver: the root value is None
        "later": None,
    }


async def test_a_non_dict_root_value_gives_null_fields() -> None:
    result = await build(AWKWARD).execute("{ level later }", root_value=object())
    assert result.errors is None
    assert result.data == {"level": None, "later": None}


async def test_a_field_with_arguments_but_no_resolver_reads_the_source() -> None:
    schema = build(AWKWARD, Recorder({("RootQuery", "post"): lambda _s, _a: {"extra": 3}}))
    result = await schema.execute("{ post { extra(count: 5) } }")
    assert result.errors is None
    assert result.data == {"post": {"extra": 3}}


@pytest.mark.parametrize(
    ("value", "data", "error"),
    [
        ("HIGH", {"level": "HIGH"}, None),
        ("mro", {"level": "mro"}, None),
        ("_private", {"level": "_private"}, None),
        ("LOUD", {"level": None}, "Enum 'Level' cannot represent value: 'LOUD'"),
    ],
)
async def test_enum_output_is_given_as_a_name(value: str, data: Any, error: str | None) -> None:
    schema = build(AWKWARD, Recorder({("RootQuery", "level"): lambda _s, _a: value}))
    result = await schema.execute("{ level }")
    assert result.data == data
    if error is None:
        assert result.errors is None
    else:
        assert result.errors is not None
        assert result.errors[0].message.startswith(error)


NODE_QUERY = (
    "{ node(id: $ID) { __typename id ... on Timestamped { createdAt } ... on Person { name } } }"
)


async def node(value: Any) -> Any:
    schema = build(AWKWARD, Recorder({("RootQuery", "node"): lambda _s, _a: value}))
    return await schema.execute(NODE_QUERY.replace("$ID", '"x"'))


async def test_interfaces_resolve_by_typename() -> None:
    result = await node({"__typename": "Post", "id": "1", "createdAt": "2020-01-01T00:00Z"})
    assert result.errors is None
    assert result.data == {
        "node": {"__typename": "Post", "id": "1", "createdAt": "2020-01-01T00:00Z"}
    }
    result = await node({"__typename": "Person", "id": "2", "name": "Ann"})
    assert result.data == {"node": {"__typename": "Person", "id": "2", "name": "Ann"}}


NODE_TYPES = "a '__typename' naming one of Comment, Person, Post"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"id": "1"},
            "Cannot resolve the type of a value of abstract type 'Node': the value has no"
            f" '__typename'; expected {NODE_TYPES}.",
        ),
        (
            "a string",
            "Cannot resolve the type of a value of abstract type 'Node': the value is str,"
            f" not a map with {NODE_TYPES}.",
        ),
        (
            {"__typename": "Nope", "id": "1"},
            "Abstract type 'Node' was resolved to a type 'Nope' that does not exist",
        ),
        (
            {"__typename": "RootQuery", "id": "1"},
            "Runtime Object type 'RootQuery' is not a possible type for 'Node'.",
        ),
    ],
)
async def test_an_unresolvable_interface_value_is_a_clear_field_error(
    value: Any, message: str
) -> None:
    result = await node(value)
    assert result.data == {"node": None}
    assert result.errors is not None
    assert result.errors[0].message.startswith(message)
    assert result.errors[0].path == ["node"]


SEARCH_QUERY = (
    '{ search(text: "t") { __typename ... on Post { id } ... on Comment { body }'
    " ... on Person { name } } }"
)


async def search(values: list[Any]) -> Any:
    schema = build(AWKWARD, Recorder({("RootQuery", "search"): lambda _s, _a: values}))
    return await schema.execute(SEARCH_QUERY)


async def test_unions_resolve_by_typename() -> None:
    result = await search(
        [
            {"__typename": "Person", "name": "Ann"},
            {"__typename": "Comment", "body": "hi"},
            {"__typename": "Post", "id": "1"},
        ]
    )
    assert result.errors is None
    assert result.data == {
        "search": [
            {"__typename": "Person", "name": "Ann"},
            {"__typename": "Comment", "body": "hi"},
            {"__typename": "Post", "id": "1"},
        ]
    }


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            {"name": "Ann"},
            "Cannot resolve the type of a value of abstract type 'SearchResult': the value has"
            f" no '__typename'; expected {NODE_TYPES}.",
        ),
        (
            {"__typename": "Level"},
            "Cannot resolve the type of a value of abstract type 'SearchResult': '__typename'"
            f" is 'Level'; expected {NODE_TYPES}.",
        ),
        (
            7,
            "Cannot resolve the type of a value of abstract type 'SearchResult': the value is"
            f" int, not a map with {NODE_TYPES}.",
        ),
    ],
)
async def test_an_unresolvable_union_value_is_a_clear_field_error(value: Any, message: str) -> None:
    result = await search([value])
    assert result.data is None  # [SearchResult!]! is non-null all the way up
    assert result.errors is not None
    assert result.errors[0].message == message
    assert result.errors[0].path == ["search", 0]


async def test_a_single_member_union_needs_a_typename_too() -> None:
    ok = Recorder({("RootQuery", "lonely"): lambda _s, _a: {"__typename": "Comment", "id": "c"}})
    result = await build(AWKWARD, ok).execute("{ lonely { ... on Comment { id } } }")
    assert result.data == {"lonely": {"id": "c"}}
    bare = Recorder({("RootQuery", "lonely"): lambda _s, _a: {"id": "c"}})
    result = await build(AWKWARD, bare).execute("{ lonely { ... on Comment { id } } }")
    assert result.data == {"lonely": None}
    assert result.errors is not None and "the value has no '__typename'" in result.errors[0].message


def constant(value: Any) -> Any:
    return lambda _source, _arguments: value


async def test_a_concrete_field_accepts_any_dict_but_checks_a_present_typename() -> None:
    for value, ok in [({"id": "1"}, True), (POST, True), ({"__typename": "Comment"}, False)]:
        schema = build(AWKWARD, Recorder({("RootQuery", "post"): constant(value)}))
        result = await schema.execute("{ post { id } }")
        assert (result.errors is None) is ok, result.errors
    schema = build(AWKWARD, Recorder({("RootQuery", "post"): lambda _s, _a: "text"}))
    result = await schema.execute("{ post { id } }")
    assert result.errors is not None
    assert result.errors[0].message == "Expected value of type 'Post' but got: 'text'."


async def test_arguments_are_json_serializable() -> None:
    [(_, arguments)] = await served_arguments(OPERATIONS[2][0], None)
    assert json.loads(json.dumps(arguments)) == arguments
