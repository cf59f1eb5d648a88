"""AppSync's implicit prelude: the AWS scalars and `@aws_*` directives every API can use.

AppSync declares these itself, so a user's `schema.graphql` never does (and may not). The
locations and argument types follow what AppSync's `GetIntrospectionSchema` returns: auth
directives apply to objects and fields, `@aws_auth`, `@aws_subscribe` and `@aws_publish`
to fields only. The text is parsed as its own GraphQL source, so positions reported for
the user's file are never shifted by it.
"""

from __future__ import annotations

from typing import Final

PRELUDE_SOURCE_NAME: Final = "<appsync prelude>"

AWS_SCALARS: Final = (
    "AWSDate",
    "AWSTime",
    "AWSDateTime",
    "AWSTimestamp",
    "AWSEmail",
    "AWSJSON",
    "AWSURL",
    "AWSPhone",
    "AWSIPAddress",
)

AWS_DIRECTIVES: Final = (
    "aws_subscribe",
    "aws_auth",
    "aws_api_key",
    "aws_iam",
    "aws_oidc",
    "aws_lambda",
    "aws_cognito_user_pools",
    "aws_publish",
)

PRELUDE_SDL: Final = '''\
"""
An extended ISO 8601 date `YYYY-MM-DD`, with an optional time zone offset `Z`, `±hh:mm` or
`±hh:mm:ss`, e.g. `1970-01-01`, `1970-01-01Z`, `1970-01-01-07:00`. Years before 0000 are
written `-YYYY`.
"""
scalar AWSDate

"""
An extended ISO 8601 time `hh:mm[:ss[.sss]]` (1 to 9 fraction digits), with an optional
time zone offset `Z`, `±hh:mm` or `±hh:mm:ss`, e.g. `12:30`, `12:30:24Z`, `12:30:24.5-07:00`.
"""
scalar AWSTime

"""
An extended ISO 8601 date and time `YYYY-MM-DDThh:mm[:ss[.sss]]` with a compulsory time zone
offset `Z`, `±hh:mm` or `±hh:mm:ss`, e.g. `1970-01-01T12:00:00.277Z`.
"""
scalar AWSDateTime

"""
Seconds before or after `1970-01-01T00:00Z`, serialized as an integer; negative values are
allowed.
"""
scalar AWSTimestamp

"""An email address `local-part@domain` as defined by RFC 822, e.g. `username@example.com`."""
scalar AWSEmail

"""
A JSON value sent as a string, e.g. `"{\\"upvotes\\": 10}"`. Resolvers receive it parsed into
maps, lists and scalars; a string that is not valid JSON is a validation error.
"""
scalar AWSJSON

"""
A URL with a scheme, e.g. `https://www.amazon.com/`; any scheme is accepted. A path with two
consecutive slashes is invalid.
"""
scalar AWSURL

"""
A phone number. Digit groups may be separated by spaces or hyphens; it may start with a `+`
country code, and a number without one is read as a US number.
"""
scalar AWSPhone

"""
An IPv4 or unbracketed IPv6 address, with an optional CIDR suffix, e.g. `192.0.2.1/24` or
`1a2b:3c4b::1234:4567`.
"""
scalar AWSIPAddress

"""Lists the mutations whose results are published to this subscription field."""
directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION

"""Restricts the field to members of the listed Cognito user pool groups."""
directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION

"""Allows access with an API key."""
directive @aws_api_key on FIELD_DEFINITION | OBJECT

"""Allows access with SigV4-signed (IAM) requests."""
directive @aws_iam on FIELD_DEFINITION | OBJECT

"""Allows access with an OpenID Connect token."""
directive @aws_oidc on FIELD_DEFINITION | OBJECT

"""Allows access through the Lambda authorizer."""
directive @aws_lambda on FIELD_DEFINITION | OBJECT

"""Allows access with a Cognito user pool token, optionally for the listed groups only."""
directive @aws_cognito_user_pools(cognito_groups: [String]) on FIELD_DEFINITION | OBJECT

"""
Lists the subscriptions a mutation publishes to. Deprecated by AppSync in favour of
`@aws_subscribe`.
"""
directive @aws_publish(subscriptions: [String]) on FIELD_DEFINITION
'''
