"""Binds the API definition's resolvers to the generated schema's fields."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import GraphQLResolveInfo, get_named_type

from app.datasources.base import DataSource
from app.definition.model import ApiDefinition, FunctionDef, ResolverDef, ResolverKind
from app.execution.context import RequestContext
from app.execution.errors import FieldError
from app.resolvers.execute import FieldCall, run_pipeline, run_unit
from app.resolvers.rendering import FieldSite
from app.resolvers.selection import (
    filter_by_selection,
    selection_set_graphql,
    selection_set_list,
)
from app.schema.bindings import FieldResolver


class ResolverRuntime:
    """Implements `FieldBindings` for a loaded API and its running data sources."""

    def __init__(self, definition: ApiDefinition, data_sources: Mapping[str, DataSource]) -> None:
        self._definition = definition
        self._data_sources = data_sources
        self._child_types = self._named_field_types()

    def _named_field_types(self) -> dict[str, str]:
        types: dict[str, str] = {}
        for name, graphql_type in self._definition.schema.type_map.items():
            fields = getattr(graphql_type, "fields", None)
            if fields is None or name.startswith("__"):
                continue
            for field_name, field in fields.items():
                types[f"{name}.{field_name}"] = get_named_type(field.type).name
        return types

    def resolver(self, type_name: str, field_name: str) -> FieldResolver | None:
        resolver = self._definition.resolvers.get((type_name, field_name))
        if resolver is None:
            return None
        return self._bind(resolver)

    def _functions(self, resolver: ResolverDef) -> dict[str, tuple[FunctionDef, DataSource]]:
        functions = self._definition.functions
        return {
            name: (functions[name], self._data_sources[functions[name].data_source])
            for name in resolver.functions
        }

    def _bind(self, resolver: ResolverDef) -> FieldResolver:
        type_name, field_name = resolver.key
        return_type = self._child_types.get(f"{type_name}.{field_name}", "")
        templates = [resolver.request, resolver.response]
        pipeline_functions = self._functions(resolver)
        for function, _ in pipeline_functions.values():
            templates += [function.request, function.response]
        # A direct Lambda step (no request template) sends `info.selectionSet*` in its event.
        reads_selection = any(
            template is None or template.reads_selection_set for template in templates
        )
        child_types = self._child_types
        data_source = (
            self._data_sources[resolver.data_source] if resolver.data_source is not None else None
        )

        async def resolve(
            source: Any, info: GraphQLResolveInfo[Any], arguments: dict[str, Any]
        ) -> Any:
            request: RequestContext = info.context
            request.count_resolver()
            field_info: dict[str, Any] = {
                "fieldName": field_name,
                "parentTypeName": type_name,
                "variables": request.variables,
            }
            if reads_selection:
                field_info["selectionSetList"] = selection_set_list(
                    info.field_nodes, return_type, child_types, info.fragments
                )
                field_info["selectionSetGraphQL"] = selection_set_graphql(info.field_nodes)
            call = FieldCall(
                site=FieldSite(type_name, field_name, request.request_id, request.auth_type, info),
                arguments=arguments,
                source=source,
                info=field_info,
                request=request,
            )
            try:
                if resolver.kind is ResolverKind.PIPELINE:
                    return await run_pipeline(resolver, pipeline_functions, call)
                assert data_source is not None
                return await run_unit(resolver, data_source, call)
            except FieldError as error:
                if isinstance(error.data, dict | list):
                    error.data = filter_by_selection(
                        error.data, info.field_nodes[0].selection_set, return_type, info.fragments
                    )
                raise

        return resolve
