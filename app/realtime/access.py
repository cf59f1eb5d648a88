"""What a subscriber may read of a delivery: the fields of its query its caller is denied.

AppSync applies the subscriber's field rules (field and type directives, Cognito groups, a
Lambda authorizer's `deniedFields`) to every field of the data it delivers, at every depth, as
it does to a query's: a field the subscriber may not read is null with `errorType:
"Unauthorized"`, "Not Authorized to access <field> on type <Type>", and a non-null one takes
its parent with it, as GraphQL's null bubbling says.

A delivery's rendering depends on the caller only through those verdicts. So the caller is
reduced, once when subscribing, to the `(Type, field)` pairs its query can reach that it may
not read; subscribers of one query whose sets are equal (usually all of them) share one
rendering of each event, and the rendering checks a field with one set lookup.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Final

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    is_abstract_type,
    visit,
)

from app.auth.base import Principal
from app.auth.directives import FieldRules

Coordinate = tuple[str, str]
"""`(object type name, field name)`, as `FieldRules` keys fields."""

NOTHING_DENIED: Final[frozenset[Coordinate]] = frozenset()
REACHABLE_CACHE_SIZE: Final = 1024
"""Documents whose reachable fields are kept; a miss only costs one walk of the document."""


class _Collector(Visitor):
    """Each field node's `(Type, field)` for every object type it may resolve on."""

    def __init__(self, schema: GraphQLSchema, type_info: TypeInfo) -> None:
        super().__init__()
        self.schema = schema
        self.type_info = type_info
        self.found: set[Coordinate] = set()

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        parent = self.type_info.get_parent_type()
        name = node.name.value
        if parent is None or name.startswith("__"):
            return  # unknown (validation reported it) or introspection
        if is_abstract_type(parent):
            for possible in self.schema.get_possible_types(parent):
                self.found.add((possible.name, name))
        else:
            self.found.add((parent.name, name))


def reachable_fields(schema: GraphQLSchema, document: DocumentNode) -> frozenset[Coordinate]:
    """Every `(object type, field)` the document's selections may resolve: fragments and
    aliases followed, a field selected on an interface counted on each implementing type.
    The subscription root's fields are left out: they are checked when subscribing."""
    type_info = TypeInfo(schema)
    collector = _Collector(schema, type_info)
    visit(document, TypeInfoVisitor(type_info, collector))
    root = schema.subscription_type
    if root is None:
        return frozenset(collector.found)
    return frozenset(pair for pair in collector.found if pair[0] != root.name)


class SubscriberAccess:
    """The denied fields of a subscriber's query, for one served API's rules."""

    def __init__(self, schema: GraphQLSchema, rules: FieldRules | None) -> None:
        self._schema = schema
        self._rules = rules if rules is not None and rules.modes else None
        self._reachable: OrderedDict[int, tuple[DocumentNode, frozenset[Coordinate]]] = (
            OrderedDict()
        )

    def denied(self, document: DocumentNode, principal: Principal | None) -> frozenset[Coordinate]:
        """The fields `document` may reach that `principal` may not read (none on an open
        API)."""
        if self._rules is None:
            return NOTHING_DENIED
        allows = self._rules.allows
        return frozenset(
            pair for pair in self._reachable_in(document) if not allows(*pair, principal)
        )

    def _reachable_in(self, document: DocumentNode) -> frozenset[Coordinate]:
        key = id(document)
        cached = self._reachable.get(key)
        if cached is not None and cached[0] is document:
            self._reachable.move_to_end(key)
            return cached[1]
        reachable = reachable_fields(self._schema, document)
        # The document is kept with its entry, so its id cannot be reused meanwhile.
        self._reachable[key] = (document, reachable)
        if len(self._reachable) > REACHABLE_CACHE_SIZE:
            self._reachable.popitem(last=False)
        return reachable
