"""Generates the served Strawberry schema from the validated graphql-core schema.

Only Strawberry's public API is used: classes are created at start-up and decorated with
`strawberry.type`, `input`, `interface`, `enum`, `union`, `scalar` and `schema_directive`, so
Strawberry's views, subscriptions and extensions work as for hand-written types. The work is
done at build time; at request time:

- a field without a bound resolver and without arguments is a plain Strawberry field, read
  by `StrawberryConfig.default_resolver` (`source.get(name)` on dict sources, about as cheap
  as graphql-core's own default resolver);
- a bound field's resolver turns Strawberry's typed arguments back into plain JSON values
  (input objects as dicts keyed by GraphQL names, enums as names) with converters compiled
  here, keeping an omitted argument absent and an explicit `null` present as `None`;
- abstract types are resolved by the `__typename` key of dict sources.

Where Strawberry has no public switch, the generated definitions are completed in place
(`interfaces`, so that field order follows the SDL rather than Python inheritance, and the
directives of enums, which must be decorated before any class that uses them).

Workarounds for Strawberry defects, each with a test:

- an argument named `info` or `_source` collides with the parameters of Strawberry's field
  resolver: `ArgumentNameGuard` moves such arguments out of the way;
- creating a `strawberry.Schema` replaces graphql-core's process-wide `__Type.isOneOf`
  resolver with one that is wrong for graphql-core schemas and for non-input types:
  `fix_is_one_of_introspection` installs one that is right for both;
- `sort_schema=True` breaks introspection of enum defaults (and reorders fields): refused.
"""

from __future__ import annotations

import copy
import dataclasses
import enum
import inspect
import keyword
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Annotated, Any, Final, NewType, Optional, Union

import strawberry
from graphql import (
    ConstValueNode,
    DirectiveNode,
    EnumValueNode,
    GraphQLArgument,
    GraphQLBoolean,
    GraphQLDirective,
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLType,
    GraphQLUnionType,
    ListValueNode,
    Node,
    NullValueNode,
    ObjectValueNode,
    ast_from_value,
    get_named_type,
    introspection_types,
    is_introspection_type,
    is_specified_directive,
    is_specified_scalar_type,
)
from graphql.pyutils import Undefined
from strawberry.annotation import StrawberryAnnotation
from strawberry.directive import DirectiveValue
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.schema_directive import Location
from strawberry.types.base import get_object_definition
from strawberry.types.enum import StrawberryEnumDefinition

from app.schema.bindings import FieldBindings, FieldResolver, SubscriptionSource
from app.schema.scalars import AWS_SCALAR_RULES

__all__ = ["ArgumentNameGuard", "build_strawberry_schema", "fix_is_one_of_introspection"]

Extension = type[SchemaExtension] | Callable[[], SchemaExtension]

Converter = Callable[[Any], Any]
"""Turns a non-null argument value, as Strawberry passes it, into a plain JSON value."""

ArgumentSpec = tuple[tuple[str, str, Converter | None], ...]
"""(Python name, GraphQL name, converter or None for as-is) for each argument of a field."""

_BUILTIN_SCALARS: Final[Mapping[str, object]] = MappingProxyType(
    {"String": str, "Int": int, "Float": float, "Boolean": bool, "ID": strawberry.ID}
)
_SEMANTIC_DIRECTIVES: Final = frozenset({"deprecated", "specifiedBy", "oneOf"})
"""Specified directives Strawberry expresses through parameters, never as applied ones."""

_TYPE_SYSTEM_LOCATIONS: Final = frozenset(location.name for location in Location)

_RESERVED_NAMES: Final = frozenset(
    {*keyword.kwlist, "self", "cls", "root", "info", "is_type_of", "resolve_type"}
)
_COLLIDING_ARGUMENTS: Final = frozenset({"info", "_source"})
"""GraphQL argument names that collide with Strawberry's `_resolver(_source, info, **kw)`."""

_NO_DEFAULT: Final[Any] = object()
_NOT_A_MAP: Final[Any] = object()


def _python_name(graphql_name: str) -> str:
    """A Python identifier for a GraphQL name: injective, and the identity for safe names.

    Unsafe names (keywords, names Strawberry or dataclasses reserve) and names that already
    end with `_` get one more `_`, so two GraphQL names never share a Python name.
    """
    if graphql_name in _RESERVED_NAMES or graphql_name.endswith("_"):
        return graphql_name + "_"
    return graphql_name


# --- plain argument values ---------------------------------------------------------------


def _enum_name(value: Any) -> Any:
    """Generated enums have the GraphQL names as values; defaults are already names."""
    return value.value if isinstance(value, enum.Enum) else value


class _InputConverter:
    """Converts an input object, a Strawberry instance or a dict, to a plain dict.

    Strawberry hands resolvers instances of the generated input classes, in which an omitted
    field is UNSET. Defaults written in the SDL, and raw argument values, are dicts keyed by
    GraphQL names; for those, field defaults are filled in as graphql-core does.
    """

    __slots__ = ("cls", "fields")

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.fields: tuple[tuple[str, str, Converter | None, Any], ...] = ()

    def __call__(self, value: Any) -> dict[str, Any]:
        plain: dict[str, Any] = {}
        if type(value) is self.cls:
            for python_name, name, convert, _default in self.fields:
                item = getattr(value, python_name)
                if item is not strawberry.UNSET:
                    plain[name] = item if item is None or convert is None else convert(item)
            return plain
        for _python_name, name, convert, default in self.fields:
            if name in value:
                item = value[name]
            elif default is not _NO_DEFAULT:
                item = default
            else:
                continue
            plain[name] = item if item is None or convert is None else convert(item)
        return plain


def _fresh_json(value: Any) -> Any:
    """AWSJSON maps and lists are copied: a default is the same object in every request."""
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def _list_converter(item: Converter | None) -> Converter:
    if item is None:
        return list

    def convert(value: Any) -> list[Any]:
        return [None if entry is None else item(entry) for entry in value]

    return convert


def _plain_arguments(kwargs: Mapping[str, Any], spec: ArgumentSpec) -> dict[str, Any]:
    arguments: dict[str, Any] = {}
    for python_name, name, convert in spec:
        if python_name in kwargs:
            value = kwargs[python_name]
            arguments[name] = value if value is None or convert is None else convert(value)
    return arguments


# --- resolvers ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _CarriedArguments:
    """A field's source with the arguments `ArgumentNameGuard` moved out of its kwargs."""

    source: Any
    arguments: Mapping[str, Any]


def _unwrap(root: Any, kwargs: Mapping[str, Any], spec: ArgumentSpec) -> tuple[Any, dict[str, Any]]:
    """The real source and the plain arguments, including those `ArgumentNameGuard` moved."""
    if type(root) is not _CarriedArguments:
        return root, _plain_arguments(kwargs, spec)
    arguments: dict[str, Any] = {}
    for python_name, name, convert in spec:
        if name in root.arguments:
            value = root.arguments[name]
        elif python_name in kwargs:
            value = kwargs[python_name]
        else:
            continue
        arguments[name] = value if value is None or convert is None else convert(value)
    return root.source, arguments


def _field_resolver(fn: FieldResolver, spec: ArgumentSpec, carried: bool) -> Callable[..., Any]:
    """The Strawberry resolver of a bound field: awaits `fn` with plain arguments."""
    if carried:

        async def resolve_carried(root: Any, info: strawberry.Info, **kwargs: Any) -> Any:
            source, arguments = _unwrap(root, kwargs, spec)
            return await fn(source, info, arguments)

        return resolve_carried

    if not spec:

        async def resolve_plain(root: Any, info: strawberry.Info) -> Any:
            return await fn(root, info, {})

        return resolve_plain

    async def resolve(root: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        return await fn(root, info, _plain_arguments(kwargs, spec))

    return resolve


def _property_resolver(name: str) -> Callable[..., Any]:
    """The default resolver of a field that declares arguments: the parent's property."""

    def resolve(root: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        if type(root) is _CarriedArguments:
            root = root.source
        return root.get(name) if isinstance(root, dict) else None

    return resolve


def _subscription_resolver(
    field_name: str, source: SubscriptionSource | None, spec: ArgumentSpec
) -> Callable[..., Any]:
    """Subscribes to the bound event source.

    It returns the source's iterator rather than re-yielding from it: no extra step per
    event, and an error raised while subscribing (or subscriptions being off) fails the
    subscription instead of arriving as its first event.
    """

    def subscribe(root: Any, info: strawberry.Info, **kwargs: Any) -> Any:
        if source is None:
            raise GraphQLError(
                f"Subscriptions are not enabled: cannot subscribe to '{field_name}'.",
                extensions={"errorType": "SubscriptionsDisabled"},
            )
        return source(root, info, _plain_arguments(kwargs, spec))

    return subscribe


def _default_resolver(renamed: Mapping[str, str]) -> Callable[[Any, str], Any]:
    """`StrawberryConfig.default_resolver`: the dict source's property, else None."""
    if not renamed:

        def get(source: Any, name: str) -> Any:
            return source.get(name) if isinstance(source, dict) else None

        return get

    def get_renamed(source: Any, name: str) -> Any:
        return source.get(renamed.get(name, name)) if isinstance(source, dict) else None

    return get_renamed


def _is_type_of(
    name: str, possible: Mapping[str, frozenset[str]]
) -> Callable[[Any, GraphQLResolveInfo[Any]], bool]:
    """Object types accept dict sources, checking `__typename` when it is present.

    Unions are resolved through their members' `is_type_of`: for a field of an abstract
    type, a value without a `__typename` naming one of its types is an error that says so.
    """

    def is_type_of(obj: Any, info: GraphQLResolveInfo[Any]) -> bool:
        typename = obj.get("__typename") if isinstance(obj, dict) else _NOT_A_MAP
        if typename == name:
            return True
        abstract = get_named_type(info.return_type).name
        members = possible.get(abstract)
        if members is None:
            return typename is None
        if typename in members:
            return False
        raise GraphQLError(_unresolvable(abstract, obj, typename, members))

    return is_type_of


def _unresolvable(abstract: str, obj: Any, typename: Any, members: Iterable[str]) -> str:
    expected = f"a '__typename' naming one of {', '.join(sorted(members))}"
    if typename is _NOT_A_MAP:
        found = f"the value is {type(obj).__name__}, not a map with {expected}"
    elif typename is None:
        found = f"the value has no '__typename'; expected {expected}"
    else:
        found = f"'__typename' is {typename!r}; expected {expected}"
    return f"Cannot resolve the type of a value of abstract type '{abstract}': {found}."


def _resolve_type(
    name: str, members: frozenset[str]
) -> Callable[[Any, GraphQLResolveInfo[Any], Any], str]:
    """Interfaces resolve dict sources by their `__typename` key."""

    def resolve_type(obj: Any, info: GraphQLResolveInfo[Any], abstract_type: Any) -> str:
        typename = obj.get("__typename") if isinstance(obj, dict) else _NOT_A_MAP
        if not isinstance(typename, str):
            raise GraphQLError(_unresolvable(name, obj, typename, members))
        return typename

    return resolve_type


class ArgumentNameGuard(SchemaExtension):
    """Moves arguments named `info` or `_source` out of the way of Strawberry's resolvers.

    graphql-core calls `resolve(source, info, **arguments)`, which Strawberry's field
    resolvers cannot accept when an argument is named `info` or `_source`. As the outermost
    middleware, this guard passes such arguments inside the source instead and the generated
    resolvers unwrap them. The builder adds it only to schemas that need it.

    Not covered: Subscription fields (graphql-core runs no middleware when subscribing), and
    schemas that declare executable directives, whose `DirectivesExtension` Strawberry puts
    outside every other middleware.
    """

    def __init__(self, fields: frozenset[tuple[str, str]]) -> None:
        super().__init__()
        self.fields = fields

    def resolve(  # type: ignore[override]
        self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo[Any], /, **kwargs: Any
    ) -> Any:
        if kwargs and (info.parent_type.name, info.field_name) in self.fields:
            moved = {name: kwargs.pop(name) for name in _COLLIDING_ARGUMENTS if name in kwargs}
            root = _CarriedArguments(root, moved)
        return _next(root, info, **kwargs)


def _resolve_is_one_of(type_: Any, _info: Any) -> bool | None:
    if not isinstance(type_, GraphQLInputObjectType):
        return None
    definition = type_.extensions.get("strawberry-definition")
    return bool(type_.is_one_of or getattr(definition, "is_one_of", False))


def fix_is_one_of_introspection() -> None:
    """Make `__Type.isOneOf` right for graphql-core and Strawberry schemas alike.

    Every `strawberry.Schema()` replaces graphql-core's process-wide `__Type.isOneOf`
    resolver with one that answers `false` for the `@oneOf` inputs of graphql-core schemas
    and for every non-input type (graphql-core answers `null`). This installs one that
    answers like graphql-core and also knows Strawberry's one-of inputs. It is idempotent;
    call it again after creating any other Strawberry schema.
    """
    type_type = introspection_types["__Type"]
    assert isinstance(type_type, GraphQLObjectType)
    type_type.fields["isOneOf"] = GraphQLField(GraphQLBoolean, resolve=_resolve_is_one_of)


# --- the builder -------------------------------------------------------------------------


def build_strawberry_schema(
    gql_schema: GraphQLSchema,
    bindings: FieldBindings,
    *,
    extensions: Sequence[Extension] = (),
    schema_class: type[strawberry.Schema] = strawberry.Schema,
    config: StrawberryConfig | None = None,
) -> strawberry.Schema:
    """A Strawberry schema whose introspection equals `gql_schema`'s, resolved by `bindings`.

    `extensions` and `schema_class` are handed to Strawberry. `config` may carry Strawberry
    settings such as `disable_field_suggestions`; naming, the default resolver and the scalar
    map are set here.
    """
    if config is not None and config.sort_schema:
        raise ValueError(
            "sort_schema=True reorders the SDL's fields and breaks the introspection of enum"
            " defaults; leave it off"
        )
    schema = _SchemaBuilder(gql_schema, bindings).build(extensions, schema_class, config)
    fix_is_one_of_introspection()
    return schema


class _Parameter(inspect.Parameter):
    """A resolver parameter hashed without its default, which may be a list or a dict."""

    def __hash__(self) -> int:
        return hash((self.name, self.kind))


def _freeze(value: Any) -> Any:
    """Hashable values for directive arguments, which dataclasses demand as defaults."""
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    if isinstance(value, dict):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    return value


class _SchemaBuilder:
    """Creates every class empty, then fills them in: cycles need no forward references."""

    def __init__(self, gql_schema: GraphQLSchema, bindings: FieldBindings) -> None:
        if gql_schema.query_type is None:
            raise ValueError("the schema has no query type")
        self.gql = gql_schema
        self.bindings = bindings
        self.named = [
            type_
            for type_ in gql_schema.type_map.values()
            if not is_introspection_type(type_) and not is_specified_scalar_type(type_)
        ]
        self.types: dict[str, Any] = {}
        self.scalar_map: dict[object, Any] = {}
        self.input_converters: dict[str, _InputConverter] = {}
        self.schema_directives: dict[str, type] = {}
        self.operation_directives: list[Any] = []
        self.renamed: dict[str, str] = {}
        self.guarded: set[tuple[str, str]] = set()
        self.possible = {
            type_.name: frozenset(member.name for member in gql_schema.get_possible_types(type_))
            for type_ in self.named
            if isinstance(type_, GraphQLUnionType | GraphQLInterfaceType)
        }

    def build(
        self,
        extensions: Sequence[Extension],
        schema_class: type[strawberry.Schema],
        config: StrawberryConfig | None,
    ) -> strawberry.Schema:
        for type_ in self.named:
            self._declare(type_)
        for directive in self.gql.directives:
            if not is_specified_directive(directive):
                self._declare_directive(directive)
        for type_ in self.named:
            self._define(type_)
        guard: list[Extension] = []
        if self.guarded:
            guarded = frozenset(self.guarded)
            guard.append(lambda: ArgumentNameGuard(guarded))
        gql = self.gql
        assert gql.query_type is not None
        return schema_class(
            query=self.types[gql.query_type.name],
            mutation=self.types[gql.mutation_type.name] if gql.mutation_type else None,
            subscription=(
                self.types[gql.subscription_type.name] if gql.subscription_type else None
            ),
            types=[*map(self._schema_type, self.named), *self.schema_directives.values()],
            directives=self.operation_directives,
            schema_directives=self._applied(self.gql.ast_node, *self.gql.extension_ast_nodes),
            extensions=[*extensions, *guard],
            config=self._config(config),
        )

    def _schema_type(self, type_: GraphQLNamedType) -> Any:
        """What `strawberry.Schema(types=...)` takes: a union only as a resolved annotation."""
        if isinstance(type_, GraphQLUnionType):
            return StrawberryAnnotation(self.types[type_.name]).resolve()
        return self.types[type_.name]

    def _config(self, config: StrawberryConfig | None) -> StrawberryConfig:
        settings = config or StrawberryConfig()
        return dataclasses.replace(
            settings,
            name_converter=type(settings.name_converter)(auto_camel_case=False),
            default_resolver=_default_resolver(MappingProxyType(dict(self.renamed))),
            scalar_map={**settings.scalar_map, **self.scalar_map},
        )

    # --- pass 1: empty classes, enums, directives ------------------------------------

    def _declare(self, type_: GraphQLNamedType) -> None:
        name = type_.name
        if isinstance(type_, GraphQLScalarType):
            self.types[name] = NewType(name, object)
        elif isinstance(type_, GraphQLEnumType):
            self.types[name] = self._enum(type_)
        elif isinstance(type_, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            self.types[name] = type(name, (), {"__module__": __name__})
            if isinstance(type_, GraphQLInputObjectType):
                self.input_converters[name] = _InputConverter(self.types[name])

    @staticmethod
    def _enum(type_: GraphQLEnumType) -> Any:
        """Decorated at once, as a dataclass that uses an undecorated enum decorates it.

        Its values are the GraphQL names, so resolvers may return enum values as names.
        Member names are the GraphQL names where Python's `Enum` allows them.
        """
        members: dict[str, Any] = {}
        for index, (name, value) in enumerate(type_.values.items()):
            member, attempt = name, 0
            if keyword.iskeyword(name) or name.startswith("_") or name == "mro":
                member = f"V{index}"
                while member in type_.values or member in members:
                    attempt += 1
                    member = f"V{index}_{attempt}"
            members[member] = strawberry.enum_value(
                name,
                name=name,
                description=value.description,
                deprecation_reason=value.deprecation_reason,
            )
        python_enum = enum.Enum(type_.name, list(members.items()), module=__name__)  # type: ignore[misc]
        return strawberry.enum(python_enum, name=type_.name, description=type_.description)

    def _declare_directive(self, directive: GraphQLDirective) -> None:
        if all(location.name in _TYPE_SYSTEM_LOCATIONS for location in directive.locations):
            self.schema_directives[directive.name] = self._schema_directive(directive)
        else:
            self.operation_directives.append(self._operation_directive(directive))

    def _schema_directive(self, directive: GraphQLDirective) -> type:
        """A directive used on the schema's own elements: a Strawberry schema directive."""
        annotations: dict[str, Any] = {}
        namespace: dict[str, Any] = {"__module__": __name__, "__annotations__": annotations}
        for name, argument in directive.args.items():
            python_name = _python_name(name)
            default = self._default(argument)
            annotations[python_name] = self._annotation(argument.type)
            namespace[python_name] = strawberry.directive_field(
                name=name,
                default=strawberry.UNSET if default is _NO_DEFAULT else _freeze(default),
            )
        decorate = strawberry.schema_directive(
            locations=[Location[location.name] for location in directive.locations],
            description=directive.description,
            name=directive.name,
            repeatable=directive.is_repeatable,
        )
        return decorate(type(_python_name(directive.name), (), namespace))

    def _operation_directive(self, directive: GraphQLDirective) -> Any:
        """A directive with executable locations: declared, applied as a no-op."""

        def keep(root: Any, **_arguments: Any) -> Any:
            return root

        value = _Parameter(
            "root",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=DirectiveValue[Any],  # type: ignore[misc]
        )
        keep.__signature__ = inspect.Signature([value, *self._parameters(directive.args)])  # type: ignore[attr-defined]
        keep.__name__ = _python_name(directive.name)
        return strawberry.directive(
            locations=list(directive.locations),
            description=directive.description,
            name=directive.name,
        )(keep)

    # --- pass 2: fields ------------------------------------------------------------------

    def _define(self, type_: GraphQLNamedType) -> None:
        name, description = type_.name, type_.description
        directives = self._applied(type_.ast_node, *type_.extension_ast_nodes)
        if isinstance(type_, GraphQLScalarType):
            rules = AWS_SCALAR_RULES.get(name)
            self.scalar_map[self.types[name]] = strawberry.scalar(
                name=name,
                description=description,
                specified_by_url=type_.specified_by_url,
                serialize=rules.serialize if rules else type_.serialize,
                parse_value=rules.parse_value if rules else type_.parse_value,
                parse_literal=rules.parse_literal if rules else type_.parse_literal,
                directives=directives,
            )
        elif isinstance(type_, GraphQLEnumType):
            definition: StrawberryEnumDefinition = self.types[name].__strawberry_definition__
            definition.directives = tuple(directives)
            for value in definition.values:
                value.directives = tuple(self._applied(type_.values[value.name].ast_node))
        elif isinstance(type_, GraphQLUnionType):
            members = tuple(self.types[member.name] for member in type_.types)
            union = strawberry.union(name, description=description, directives=directives)
            self.types[name] = Annotated[Union[members], union]  # noqa: UP007
        elif isinstance(type_, GraphQLInputObjectType):
            cls = self.types[name]
            self._input_fields(type_, cls)
            strawberry.input(
                cls,
                name=name,
                description=description,
                directives=directives,
                one_of=type_.is_one_of or None,
            )
        elif isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            cls = self.types[name]
            self._output_fields(type_, cls)
            if isinstance(type_, GraphQLInterfaceType):
                cls.resolve_type = staticmethod(_resolve_type(name, self.possible[name]))
                strawberry.interface(cls, name=name, description=description, directives=directives)
            else:
                cls.is_type_of = staticmethod(_is_type_of(name, self.possible))
                strawberry.type(cls, name=name, description=description, directives=directives)
            # interfaces are listed explicitly, not inherited, so that every type keeps the
            # field order of its own SDL definition
            get_object_definition(cls, strict=True).interfaces = [
                get_object_definition(self.types[interface.name], strict=True)
                for interface in type_.interfaces
            ]

    def _output_fields(self, type_: GraphQLObjectType | GraphQLInterfaceType, cls: type) -> None:
        subscription = self.gql.subscription_type
        is_subscription = subscription is not None and type_.name == subscription.name
        for name, field in type_.fields.items():
            python_name = _python_name(name)
            options: dict[str, Any] = {
                "name": name,
                "description": field.description,
                "deprecation_reason": field.deprecation_reason,
                "directives": self._applied(field.ast_node),
                "graphql_type": self._annotation(field.type),
            }
            if is_subscription:
                spec = self._argument_spec(field.args)
                subscribe = _subscription_resolver(name, self.bindings.subscription(name), spec)
                self._sign(subscribe, field.args)
                setattr(cls, python_name, strawberry.subscription(resolver=subscribe, **options))
                continue
            resolver = self._resolver(type_, name, field)
            if resolver is None:
                if python_name != name:
                    self.renamed[python_name] = name
                setattr(cls, python_name, strawberry.field(**options))
            else:
                setattr(cls, python_name, strawberry.field(resolver=resolver, **options))

    def _resolver(
        self, type_: GraphQLObjectType | GraphQLInterfaceType, name: str, field: GraphQLField
    ) -> Callable[..., Any] | None:
        carried = bool(_COLLIDING_ARGUMENTS & field.args.keys())
        if carried:
            self.guarded.add((type_.name, name))
        bound = (
            self.bindings.resolver(type_.name, name)
            if isinstance(type_, GraphQLObjectType)
            else None
        )
        if bound is not None:
            resolve = _field_resolver(bound, self._argument_spec(field.args), carried)
        elif field.args:
            resolve = _property_resolver(name)
        else:
            return None
        return self._sign(resolve, field.args)

    def _sign(
        self, resolve: Callable[..., Any], arguments: Mapping[str, GraphQLArgument]
    ) -> Callable[..., Any]:
        """Declare the field's arguments through the resolver's signature."""
        parameters = [
            _Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            _Parameter("info", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=strawberry.Info),
            *self._parameters(arguments),
        ]
        resolve.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        return resolve

    def _input_fields(self, type_: GraphQLInputObjectType, cls: type) -> None:
        converter_fields = []
        for name, field in type_.fields.items():
            python_name = _python_name(name)
            default = self._default(field)
            options: dict[str, Any] = {
                "name": name,
                "description": field.description,
                "deprecation_reason": field.deprecation_reason,
                "directives": self._applied(field.ast_node),
                "graphql_type": self._annotation(field.type),
            }
            if default is _NO_DEFAULT:
                options["default"] = strawberry.UNSET
            elif isinstance(default, list | dict):
                options["default_factory"] = lambda default=default: copy.deepcopy(default)
            else:
                options["default"] = default
            setattr(cls, python_name, strawberry.field(**options))
            converter_fields.append((python_name, name, self._converter(field.type), default))
        self.input_converters[type_.name].fields = tuple(converter_fields)

    # --- arguments, defaults and literals ------------------------------------------------

    def _parameters(self, arguments: Mapping[str, GraphQLArgument]) -> list[_Parameter]:
        parameters = []
        for name, argument in arguments.items():
            default = self._default(argument)
            metadata = strawberry.argument(
                name=name,
                description=argument.description,
                deprecation_reason=argument.deprecation_reason,
                directives=self._applied(argument.ast_node),
            )
            parameters.append(
                _Parameter(
                    _python_name(name),
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=Annotated[self._annotation(argument.type), metadata],
                    default=strawberry.UNSET if default is _NO_DEFAULT else default,
                )
            )
        return parameters

    def _argument_spec(self, arguments: Mapping[str, GraphQLArgument]) -> ArgumentSpec:
        return tuple(
            (_python_name(name), name, self._converter(argument.type))
            for name, argument in arguments.items()
        )

    def _converter(self, type_: GraphQLInputType) -> Converter | None:
        if isinstance(type_, GraphQLNonNull):
            return self._converter(type_.of_type)
        if isinstance(type_, GraphQLList):
            return _list_converter(self._converter(type_.of_type))
        if isinstance(type_, GraphQLEnumType):
            return _enum_name
        if isinstance(type_, GraphQLInputObjectType):
            return self.input_converters[type_.name]
        return _fresh_json if type_.name == "AWSJSON" else None

    def _default(self, value: GraphQLArgument | GraphQLInputField) -> Any:
        """The default written in the SDL as a value, input objects as written (dicts)."""
        literal = _default_literal(value)
        return _NO_DEFAULT if literal is None else self._literal(literal, value.type)

    def _literal(self, node: ConstValueNode, type_: GraphQLInputType) -> Any:
        """A type-system literal as Strawberry wants defaults and directive arguments."""
        if isinstance(node, NullValueNode):
            return None
        if isinstance(type_, GraphQLNonNull):
            return self._literal(node, type_.of_type)
        if isinstance(type_, GraphQLList):
            # a single value for a list type is a one-item list (input coercion); Strawberry
            # would iterate it otherwise, so such a default is printed `[7]` rather than `7`
            items = node.values if isinstance(node, ListValueNode) else (node,)
            return [self._literal(item, type_.of_type) for item in items]
        if isinstance(type_, GraphQLInputObjectType):
            assert isinstance(node, ObjectValueNode)
            return {
                field.name.value: self._literal(field.value, type_.fields[field.name.value].type)
                for field in node.fields
            }
        if isinstance(type_, GraphQLEnumType):
            assert isinstance(node, EnumValueNode)
            return node.value
        assert isinstance(type_, GraphQLScalarType)
        rules = AWS_SCALAR_RULES.get(type_.name)
        return rules.parse_literal(node) if rules else type_.parse_literal(node)

    # --- types and applied directives ----------------------------------------------------

    def _annotation(self, type_: GraphQLType) -> Any:
        if isinstance(type_, GraphQLNonNull):
            return self._required(type_.of_type)
        return Optional[self._required(type_)]  # noqa: UP045

    def _required(self, type_: GraphQLType) -> Any:
        if isinstance(type_, GraphQLList):
            return list[self._annotation(type_.of_type)]  # type: ignore[misc]
        assert isinstance(type_, GraphQLNamedType)
        return _BUILTIN_SCALARS.get(type_.name) or self.types[type_.name]

    def _applied(self, *nodes: Node | None) -> list[object]:
        """Instances of the schema directives applied to an element, in SDL order."""
        applied: list[object] = []
        for node in _directive_nodes(nodes):
            name = node.name.value
            cls = self.schema_directives.get(name)
            definition = self.gql.get_directive(name)
            if cls is None or definition is None or name in _SEMANTIC_DIRECTIVES:
                continue
            arguments = {
                _python_name(argument.name.value): _freeze(
                    self._literal(
                        argument.value,  # type: ignore[arg-type]
                        definition.args[argument.name.value].type,
                    )
                )
                for argument in node.arguments or ()
            }
            applied.append(cls(**arguments))
        return applied


def _directive_nodes(nodes: Iterable[Node | None]) -> Iterable[DirectiveNode]:
    for node in nodes:
        yield from getattr(node, "directives", None) or ()


def _default_literal(value: GraphQLArgument | GraphQLInputField) -> ConstValueNode | None:
    """The default as a literal: from the SDL, else from graphql-core's default value."""
    if value.ast_node is not None:
        return value.ast_node.default_value
    default = getattr(value, "default", None)  # graphql-core >= 3.3
    if default is not None:
        literal: ConstValueNode | None = getattr(default, "literal", None)
        return literal or ast_from_value(default.value, value.type)
    if value.default_value is Undefined:
        return None
    return ast_from_value(value.default_value, value.type)
