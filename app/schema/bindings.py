"""How the generated Strawberry schema reaches the resolver runtime.

The schema builder knows nothing about templates or data sources. For every field it asks a
`FieldBindings` object for a resolver; arguments reach the resolver as plain JSON values
(input objects as dicts keyed by GraphQL names, enums as their names, AWS scalars as parsed by
their rules), with an omitted argument absent from the dict and an explicit `null` present
as `None`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from graphql import GraphQLResolveInfo

FieldResolver = Callable[[Any, GraphQLResolveInfo[Any], dict[str, Any]], Awaitable[Any]]
"""`(source, info, arguments) -> value` for a field bound to a resolver.

`info` is graphql-core's: `context` is the request's context, `field_nodes`, `fragments`,
`path` and `variable_values` describe the call.
"""


class FieldBindings(Protocol):
    """Supplies resolvers for the fields of the generated schema."""

    def resolver(self, type_name: str, field_name: str) -> FieldResolver | None:
        """The resolver bound to `type_name.field_name`, or None for the default.

        The default returns the parent's property of the same name (a dict key), and
        `None` on a root type. A Subscription field's resolver is not a field resolver of
        the schema: the real-time engine (`app.realtime.engine`) runs it once, when a
        client subscribes.
        """
        ...
