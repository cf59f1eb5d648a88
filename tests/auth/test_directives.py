"""AppSync's directive precedence: a field's directives replace its type's; none means the
default mode; each field of a returned type is checked on its own."""

from __future__ import annotations

import pytest

from app.auth.base import Principal
from app.auth.directives import FieldRules, field_rules
from app.definition.model import AuthType
from app.execution.errors import FieldError
from app.schema.sdl import load_sdl

API_KEY, IAM, COGNITO, OIDC, LAMBDA = (
    AuthType.API_KEY,
    AuthType.AWS_IAM,
    AuthType.AMAZON_COGNITO_USER_POOLS,
    AuthType.OPENID_CONNECT,
    AuthType.AWS_LAMBDA,
)

SDL = """
type Query {
  open: String
  iamOnly: String @aws_iam
  admins: String @aws_cognito_user_pools(cognito_groups: ["Admins"])
  either: String @aws_api_key @aws_oidc
  post: Post @aws_api_key
  secret: Secret
}

type Post @aws_api_key @aws_iam {
  title: String
  body: String @aws_iam
}

type Secret @aws_iam {
  value: String
}

type Mutation {
  staff: String @aws_auth(cognito_groups: ["Staff", "Admins"])
}
"""


def rules(default: AuthType = API_KEY, *extra: AuthType) -> FieldRules:
    result = load_sdl(SDL, "schema.graphql")
    assert result.schema is not None, result.problems
    return field_rules(result.schema, default, frozenset({default, *extra}))


def who(mode: AuthType, *groups: str, denied: tuple[str, ...] = ()) -> Principal:
    return Principal(mode, groups=frozenset(groups), denied_fields=frozenset(denied))


@pytest.mark.parametrize(
    ("field", "principal", "allowed"),
    [
        # no directive on the field or its type: the default mode only
        (("Query", "open"), who(API_KEY), True),
        (("Query", "open"), who(IAM), False),
        # a field directive replaces the default
        (("Query", "iamOnly"), who(IAM), True),
        (("Query", "iamOnly"), who(API_KEY), False),
        # several directives: any of their modes
        (("Query", "either"), who(OIDC), True),
        (("Query", "either"), who(API_KEY), True),
        (("Query", "either"), who(COGNITO), False),
        # Cognito groups: one in common is enough
        (("Query", "admins"), who(COGNITO, "Admins", "Users"), True),
        (("Query", "admins"), who(COGNITO, "Users"), False),
        (("Query", "admins"), who(COGNITO), False),
        (("Mutation", "staff"), who(COGNITO, "Staff"), True),
        (("Mutation", "staff"), who(API_KEY), False),
        # the type's directives apply to its fields; a field's own replace them
        (("Post", "title"), who(IAM), True),
        (("Post", "title"), who(API_KEY), True),
        (("Post", "body"), who(API_KEY), False),
        (("Post", "body"), who(IAM), True),
        # an API-key query may return Secret, but Secret's fields need IAM
        (("Query", "secret"), who(API_KEY), True),
        (("Secret", "value"), who(API_KEY), False),
        (("Secret", "value"), who(IAM), True),
    ],
)
def test_precedence(field: tuple[str, str], principal: Principal, allowed: bool) -> None:
    assert rules(API_KEY, IAM, COGNITO, OIDC).allows(*field, principal) is allowed


def test_an_unauthorized_field_raises_appsync_s_error() -> None:
    with pytest.raises(FieldError) as denied:
        rules(API_KEY, IAM).check("Query", "iamOnly", who(API_KEY))
    assert denied.value.error_type == "Unauthorized"
    assert denied.value.message == "Not Authorized to access iamOnly on type Query"


def test_a_lambda_authorizer_s_denied_fields_are_refused() -> None:
    field_rules_ = rules(LAMBDA)
    assert field_rules_.allows("Query", "open", who(LAMBDA))
    assert not field_rules_.allows("Query", "open", who(LAMBDA, denied=("Query.open",)))
    assert not field_rules_.open_to_all("Query", "open")  # every field is checked


def test_an_open_api_checks_nothing() -> None:
    result = load_sdl(SDL, "schema.graphql")
    assert result.schema is not None
    open_rules = field_rules(result.schema, None, frozenset())
    assert open_rules.allows("Query", "iamOnly", None)


def test_fields_every_mode_may_read_need_no_check() -> None:
    one_mode = rules(API_KEY)
    assert one_mode.open_to_all("Query", "open")
    assert not one_mode.open_to_all("Query", "iamOnly")
    two_modes = rules(API_KEY, IAM)
    assert not two_modes.open_to_all("Query", "open")  # the default alone
    assert two_modes.open_to_all("Post", "title")  # both modes, no groups
