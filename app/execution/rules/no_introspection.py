"""`introspection: false`: `__schema` and `__type` fail validation, as on AppSync with
`introspectionConfig: DISABLED`. `__typename` keeps working (it is not introspection of the
schema, and clients such as Apollo and Amplify add it to every selection).

One error per introspection root field, not one per nested field (graphql-core's
NoSchemaIntrospectionCustomRule reports both `__schema` and every field under it).
"""

from __future__ import annotations

from typing import Any

from graphql import FieldNode, GraphQLError, ValidationRule

INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})


class NoIntrospectionRule(ValidationRule):
    def enter_field(self, node: FieldNode, *_args: Any) -> Any:
        name = node.name.value
        if name in INTROSPECTION_ROOTS:
            self.report_error(
                GraphQLError(
                    f"Validation error: introspection is disabled for this API; the field"
                    f" '{name}' is not available.",
                    node,
                )
            )
            return self.SKIP
        return None
