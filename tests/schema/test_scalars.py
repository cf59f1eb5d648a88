"""AppSync's scalar rules: the same on variables, literals and output, in both schemas."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from graphql import GraphQLError, graphql_sync, parse_value

from app.schema.scalars import AWS_SCALAR_RULES
from tests.schema.helpers import Recorder, build, load

VALID: dict[str, list[Any]] = {
    "AWSDate": [
        "1970-01-01",
        "1970-01-01Z",
        "1970-01-01-07:00",
        "1970-01-01+05:30",
        "1970-01-01+05:30:15",
        "-2017-05-01",
        "2020-02-29",
    ],
    "AWSTime": ["12:30", "12:30Z", "12:30:24-07:00", "12:30:24.500+05:30", "23:59:59.123456789"],
    "AWSDateTime": [
        "1970-01-01T12:00:00.2Z",
        "1970-01-01T12:00:00.123456789Z",
        "-9999-01-01T00:00Z",
        "1930-01-01T16:00:00-07:00",
        "2020-01-01T00:00:00+05:30:15",
    ],
    "AWSTimestamp": [0, -123123, 1_700_000_000, 31_556_889_864_403_199],
    "AWSEmail": ["username@example.com", "a@b", '"john doe"@example.com', "x+tag@[10.0.0.1]"],
    "AWSJSON": ['{"upvotes": 10}', "[1,2,3]", '"AWSJSON example string"', "1", "true", "null"],
    "AWSURL": [
        "https://www.amazon.com/",
        "http://localhost/",
        "mailto:someone@example.com",
        "ftp://host/path?next=//x",
    ],
    "AWSPhone": [
        "+1 555 555-5555",
        "555-555-5555",
        "(555) 555-5555",
        "15555555555",
        "+44 20 7946 0958",
    ],
    "AWSIPAddress": ["192.0.2.1", "192.0.2.1/24", "1a2b:3c4b::1234:4567", "::1/128"],
}

INVALID: dict[str, list[Any]] = {
    "AWSDate": ["2021-02-29", "2020-13-01", "1970-1-1", "1970-01-01T00:00Z", "1970-01-01+19:00", 5],
    "AWSTime": ["24:00", "12:60", "12:00:34.", "12", "12:00:00.1234567890"],
    "AWSDateTime": ["1970-01-01T12:00:00", "1970-01-01 12:00Z", "1970-01-01Z", "2020-02-30T00:00Z"],
    "AWSTimestamp": ["123", 1.5, True, 31_556_889_864_403_200],
    "AWSEmail": ["a@", "@b", "a b@c", "no-at-sign", "a@b@c"],
    "AWSJSON": ["{a: 1}", "{'a': 1}", "Unquoted string", "NaN", {"a": 1}, 3],
    "AWSURL": ["amazon.com", "www.amazon.com", "http://x.com//a", "http:///path", "http://a b/"],
    "AWSPhone": ["1110004444", "12345", "+1 111 555 5555", "555--555-5555", "phone"],
    "AWSIPAddress": ["[::1]", "192.0.2.256", "192.0.2.1/33", "fe80::1%eth0", "1.2.3.4/255.0.0.0"],
}

PARSED: dict[str, Any] = {"AWSJSON": {"upvotes": 10}, "AWSTimestamp": 0}

FIELDS = {
    "AWSDate": "date",
    "AWSTime": "time",
    "AWSDateTime": "dateTime",
    "AWSTimestamp": "timestamp",
    "AWSEmail": "email",
    "AWSJSON": "json",
    "AWSURL": "url",
    "AWSPhone": "phone",
    "AWSIPAddress": "ip",
}
SDL = (
    "type Query {\n"
    + "".join(f"  {field}(v: {scalar}): {scalar}\n" for scalar, field in FIELDS.items())
    + "".join(f"  {field}Out: {scalar}\n" for scalar, field in FIELDS.items())
    + "}\n"
)


def graphql_literal(value: Any) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value).lower() if isinstance(value, bool) else str(value)


def cases(table: dict[str, list[Any]]) -> list[tuple[str, Any]]:
    return [(scalar, value) for scalar, values in table.items() for value in values]


@pytest.mark.parametrize(("scalar", "value"), cases(VALID))
def test_valid_values_are_accepted(scalar: str, value: Any) -> None:
    parsed = AWS_SCALAR_RULES[scalar].parse_value(value)
    if scalar == "AWSJSON":
        assert parsed == json.loads(value)
    else:
        assert parsed == value


@pytest.mark.parametrize(("scalar", "value"), cases(INVALID))
def test_invalid_values_are_rejected_with_the_scalar_named(scalar: str, value: Any) -> None:
    with pytest.raises(GraphQLError, match=f"Invalid {scalar} value"):
        AWS_SCALAR_RULES[scalar].parse_value(value)


def echo_schema() -> Any:
    echo = {("Query", field): lambda _source, args: args.get("v") for field in FIELDS.values()}
    return build(SDL, Recorder(echo))


@pytest.mark.parametrize("scalar", FIELDS)
async def test_a_valid_variable_reaches_the_resolver_and_the_response(scalar: str) -> None:
    value = VALID[scalar][0]
    field = FIELDS[scalar]
    recorder = Recorder({("Query", field): lambda _source, args: args["v"]})
    schema = build(SDL, recorder)
    result = await schema.execute(
        f"query($v: {scalar}) {{ {field}(v: $v) }}", variable_values={"v": value}
    )
    assert result.errors is None
    assert recorder.arguments(field) == {"v": PARSED.get(scalar, value)}
    expected_output = '{"upvotes":10}' if scalar == "AWSJSON" else value
    assert result.data == {field: expected_output}


@pytest.mark.parametrize(("scalar", "value"), cases(INVALID))
async def test_an_invalid_variable_is_a_request_error(scalar: str, value: Any) -> None:
    field = FIELDS[scalar]
    result = await echo_schema().execute(
        f"query($v: {scalar}) {{ {field}(v: $v) }}", variable_values={"v": value}
    )
    assert result.data is None
    assert result.errors is not None
    message = result.errors[0].message
    assert message.startswith("Variable '$v'"), message
    assert f"Invalid {scalar} value" in message


@pytest.mark.parametrize("scalar", FIELDS)
async def test_a_valid_literal_reaches_the_resolver(scalar: str) -> None:
    value = VALID[scalar][0]
    field = FIELDS[scalar]
    recorder = Recorder({("Query", field): lambda _source, args: None})
    result = await build(SDL, recorder).execute(f"{{ {field}(v: {graphql_literal(value)}) }}")
    assert result.errors is None
    assert recorder.arguments(field) == {"v": PARSED.get(scalar, value)}


@pytest.mark.parametrize(
    ("scalar", "literal", "reason"),
    [
        ("AWSDate", '"2020-13-01"', "Invalid AWSDate value"),
        ("AWSDate", "20200101", "expected a string"),
        ("AWSTimestamp", '"123"', "Invalid AWSTimestamp literal"),
        ("AWSTimestamp", "1.5", "Invalid AWSTimestamp literal"),
        ("AWSJSON", "{a: 1}", "must be sent as a JSON string"),
        ("AWSJSON", "[1, 2]", "must be sent as a JSON string"),
        ("AWSJSON", '"{a: 1}"', "Invalid AWSJSON value"),
        ("AWSEmail", '"nobody"', "Invalid AWSEmail value"),
        ("AWSIPAddress", '"1.2.3.4/40"', "Invalid AWSIPAddress value"),
    ],
)
async def test_an_invalid_literal_is_a_validation_error(
    scalar: str, literal: str, reason: str
) -> None:
    field = FIELDS[scalar]
    result = await echo_schema().execute(f"{{ {field}(v: {literal}) }}")
    assert result.data is None
    assert result.errors is not None
    assert reason in result.errors[0].message
    assert result.errors[0].locations is not None


@pytest.mark.parametrize(
    ("scalar", "value", "output"),
    [
        ("AWSJSON", {"a": [1, None, True]}, '{"a":[1,null,true]}'),
        ("AWSJSON", '{"already": "json"}', '{"already": "json"}'),
        ("AWSJSON", "plain text", '"plain text"'),
        ("AWSJSON", [Decimal("1"), Decimal("1.5")], "[1,1.5]"),
        ("AWSJSON", 7, "7"),
        ("AWSTimestamp", Decimal("1700000000"), 1_700_000_000),
        ("AWSTimestamp", 12.0, 12),
        ("AWSDateTime", "2020-01-01T00:00:00.000Z", "2020-01-01T00:00:00.000Z"),
        ("AWSPhone", "+1 555 555-5555", "+1 555 555-5555"),
    ],
)
async def test_output_serialization(scalar: str, value: Any, output: Any) -> None:
    field = FIELDS[scalar] + "Out"
    schema = build(SDL, Recorder({("Query", field): lambda _source, _args: value}))
    result = await schema.execute(f"{{ {field} }}")
    assert result.errors is None
    assert result.data == {field: output}


@pytest.mark.parametrize(
    ("scalar", "value"),
    [
        ("AWSDateTime", "2020-05-23T06:4:37.000Z"),
        ("AWSDate", "yesterday"),
        ("AWSTimestamp", "1700000000"),
        ("AWSEmail", "nobody"),
        ("AWSJSON", object()),
    ],
)
async def test_an_invalid_output_is_a_field_error(scalar: str, value: Any) -> None:
    field = FIELDS[scalar] + "Out"
    schema = build(SDL, Recorder({("Query", field): lambda _source, _args: value}))
    result = await schema.execute(f"{{ {field} }}")
    assert result.data == {field: None}
    assert result.errors is not None
    assert result.errors[0].path == [field]
    assert f"Invalid {scalar} value" in result.errors[0].message


def test_the_validation_schema_applies_the_same_rules() -> None:
    schema = load(SDL)
    for scalar, field in FIELDS.items():
        good, bad = VALID[scalar][0], INVALID[scalar][0]
        query = f"query($v: {scalar}) {{ {field}(v: $v) }}"
        assert graphql_sync(schema, query, variable_values={"v": good}).errors is None
        errors = graphql_sync(schema, query, variable_values={"v": bad}).errors
        assert errors is not None
        assert f"Invalid {scalar} value" in errors[0].message
        literal = graphql_sync(schema, f"{{ {field}(v: {graphql_literal(bad)}) }}").errors
        assert literal is not None


def test_literal_parsing_rules_directly() -> None:
    json_rules = AWS_SCALAR_RULES["AWSJSON"]
    assert json_rules.parse_literal(parse_value('"{\\"a\\": [1]}"')) == {"a": [1]}
    assert AWS_SCALAR_RULES["AWSTimestamp"].parse_literal(parse_value("-5")) == -5
    with pytest.raises(GraphQLError):
        json_rules.parse_literal(parse_value("{a: 1}"))


def test_long_invalid_values_are_shortened_in_messages() -> None:
    with pytest.raises(GraphQLError) as error:
        AWS_SCALAR_RULES["AWSJSON"].parse_value("{" + "x" * 5000)
    assert len(error.value.message) < 400
