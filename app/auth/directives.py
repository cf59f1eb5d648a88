"""Field-level authorization from the schema's `@aws_*` directives, as AppSync applies them.

- `@aws_api_key`, `@aws_iam`, `@aws_oidc`, `@aws_lambda`,
  `@aws_cognito_user_pools(cognito_groups: [...])` on object types and fields, and
  `@aws_auth(cognito_groups: [...])` on fields (Cognito only).
- A field's own auth directives replace its type's; a field with neither takes the API's
  default mode. Every field of a returned object is checked on its own, so a type must allow
  a mode before that mode can read its fields (`type Post @aws_api_key @aws_iam`).
- A caller whose mode (and Cognito groups) a field does not allow gets the field `null` with
  `errorType: "Unauthorized"`, "Not Authorized to access <field> on type <Type>"; so does a
  field a Lambda authorizer listed in `deniedFields`.
- A user pool that is the API's only mode may have `defaultAction: DENY`: then a root field
  (of Query, Mutation or Subscription) with no auth directive of its own or of its type is
  denied to every caller, so only fields granted by `@aws_auth(cognito_groups: [...])` (or
  `@aws_cognito_user_pools`) can be read. AppSync's docs: "you can omit the @aws_auth
  directive if you want to default to a specific grant-or-deny strategy"; `@aws_auth` is
  AppSync's top-level-field directive, so the default action governs root fields only.

Rules are computed once from the SDL into `FieldRules`; `guard_fields` wraps only the fields
whose rule is not "every configured mode, unconditionally", so an API with one mode and no
directives pays nothing per field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from graphql import (
    ConstDirectiveNode,
    GraphQLObjectType,
    GraphQLSchema,
    ListValueNode,
    StringValueNode,
)

from app.auth.base import Principal
from app.definition.model import AuthType
from app.execution.errors import UNAUTHORIZED, FieldError

MODE_DIRECTIVES: Final = {
    "aws_api_key": AuthType.API_KEY,
    "aws_iam": AuthType.AWS_IAM,
    "aws_oidc": AuthType.OPENID_CONNECT,
    "aws_lambda": AuthType.AWS_LAMBDA,
    "aws_cognito_user_pools": AuthType.AMAZON_COGNITO_USER_POOLS,
    "aws_auth": AuthType.AMAZON_COGNITO_USER_POOLS,
}

Rule = Mapping[AuthType, frozenset[str] | None]
"""Modes allowed on a field; for each, the Cognito groups of which the caller needs one
(None: any caller of that mode)."""


def _groups(directive: ConstDirectiveNode) -> frozenset[str] | None:
    for argument in directive.arguments or ():
        if argument.name.value != "cognito_groups":
            continue
        value = argument.value
        if isinstance(value, ListValueNode):
            return frozenset(v.value for v in value.values if isinstance(v, StringValueNode))
        if isinstance(value, StringValueNode):
            return frozenset({value.value})
    return None


def _rule(directives: tuple[ConstDirectiveNode, ...]) -> Rule | None:
    """The rule the auth directives in `directives` make, or None when there are none."""
    rule: dict[AuthType, frozenset[str] | None] = {}
    for directive in directives:
        mode = MODE_DIRECTIVES.get(directive.name.value)
        if mode is None:
            continue
        groups = _groups(directive)
        known = rule.get(mode, frozenset())
        # Two directives for one mode: the union of their groups; no groups means anyone.
        rule[mode] = None if groups is None or known is None else known | groups
    return MappingProxyType(rule) if rule else None


def not_authorized(type_name: str, field_name: str) -> FieldError:
    """The field error AppSync (and `$util.unauthorized()`) gives for a field the caller may
    not read."""
    return FieldError(f"Not Authorized to access {field_name} on type {type_name}", UNAUTHORIZED)


@dataclass(frozen=True, slots=True)
class FieldRules:
    """Every object field's rule, and the modes the API has."""

    rules: Mapping[tuple[str, str], Rule]
    modes: frozenset[AuthType]

    def allows(self, type_name: str, field_name: str, principal: Principal | None) -> bool:
        """Whether `principal` may read `type_name.field_name`. With no auth configured
        (no modes) every field is open."""
        if not self.modes:
            return True
        if principal is None:
            return False
        if f"{type_name}.{field_name}" in principal.denied_fields:
            return False
        rule = self.rules.get((type_name, field_name))
        if rule is None:
            return True
        if principal.auth_type not in rule:
            return False
        groups = rule[principal.auth_type]
        return groups is None or bool(groups & principal.groups)

    def check(self, type_name: str, field_name: str, principal: Principal | None) -> None:
        """Raise the Unauthorized field error AppSync gives when the field is not allowed."""
        if not self.allows(type_name, field_name, principal):
            raise not_authorized(type_name, field_name)

    def open_to_all(self, type_name: str, field_name: str) -> bool:
        """Whether every configured mode may read the field unconditionally (no check)."""
        if AuthType.AWS_LAMBDA in self.modes:
            return False  # an authorizer may deny any field
        rule = self.rules.get((type_name, field_name))
        return rule is None or all(mode in rule and rule[mode] is None for mode in self.modes)


NOBODY: Final[Rule] = MappingProxyType({})
"""The rule of a root field a `defaultAction: DENY` user pool leaves without a directive."""


def field_rules(
    schema: GraphQLSchema,
    default: AuthType | None,
    modes: frozenset[AuthType],
    *,
    default_denies: bool = False,
) -> FieldRules:
    """The rules of every object field of `schema` (the user's SDL).

    `default_denies`: the default mode is a user pool with `defaultAction: DENY`, so root
    fields without an auth directive (their own or their type's) are readable by nobody.
    """
    rules: dict[tuple[str, str], Rule] = {}
    default_rule: Rule | None = MappingProxyType({default: None}) if default else None
    roots = {root.name for root in _root_types(schema)} if default_denies else set()
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        type_rule = _rule(tuple(type_.ast_node.directives or ())) if type_.ast_node else None
        for extension in type_.extension_ast_nodes or ():
            extended = _rule(tuple(extension.directives or ()))
            if extended is not None:
                type_rule = MappingProxyType({**(type_rule or {}), **extended})
        for name, field in type_.fields.items():
            node = field.ast_node
            field_rule = _rule(tuple(node.directives or ())) if node is not None else None
            rule = field_rule or type_rule or (NOBODY if type_.name in roots else default_rule)
            if rule is not None:
                rules[(type_.name, name)] = rule
    return FieldRules(MappingProxyType(rules), modes)


def _root_types(schema: GraphQLSchema) -> list[GraphQLObjectType]:
    roots = (schema.query_type, schema.mutation_type, schema.subscription_type)
    return [root for root in roots if root is not None]


def guard_fields(
    schema: GraphQLSchema,
    rules: FieldRules,
    principal_of: Callable[[Any], Principal | None],
) -> int:
    """Wrap the resolvers of the fields that need a check; returns how many were wrapped.

    `principal_of(context)` reads the caller from the request context. Call this after the
    resolvers are installed, on the schema that executes requests.
    """
    wrapped = 0
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        subscription = schema.subscription_type
        if subscription is not None and type_.name == subscription.name:
            continue  # checked when subscribing
        for name, field in type_.fields.items():
            if rules.open_to_all(type_.name, name) or field.resolve is None:
                continue
            field.resolve = _guarded(field.resolve, type_.name, name, rules, principal_of)
            wrapped += 1
    return wrapped


def _guarded(
    resolve: Callable[..., Any],
    type_name: str,
    field_name: str,
    rules: FieldRules,
    principal_of: Callable[[Any], Principal | None],
) -> Callable[..., Any]:
    def guarded(*call: Any, **arguments: Any) -> Any:
        rules.check(type_name, field_name, principal_of(call[1].context))
        return resolve(*call, **arguments)

    return guarded
