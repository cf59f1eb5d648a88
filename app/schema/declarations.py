"""Field and directive arguments, declared to Strawberry as the parameters of a signature.

Strawberry reads a field's arguments from its resolver's signature. The generated fields get a
placeholder resolver whose only job is that signature: at request time every field resolves
through `app.schema.direct`, which takes graphql-core's arguments as they are, so nothing here
ever converts an argument value.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import strawberry


class Parameter(inspect.Parameter):
    """A resolver parameter hashed without its default, which may be a list or a dict."""

    def __hash__(self) -> int:
        return hash((self.name, self.kind))


def declaration(
    type_name: str, field_name: str, parameters: Sequence[Parameter]
) -> Callable[..., Any]:
    """A placeholder resolver that declares a field's arguments, as keyword-only `parameters`.

    `install_direct_resolvers` replaces it on every field, Subscription fields included, so it
    is never called when serving; calling it means that step was skipped.
    """

    def declared(root: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        raise RuntimeError(f"{type_name}.{field_name} was not given its direct resolver")

    declared.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=strawberry.Info),
            *parameters,
        ]
    )
    return declared
