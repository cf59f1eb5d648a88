"""Load a project directory into an immutable `ApiDefinition`, collecting every problem.

Layout (see README, "The API definition"):

    schema.graphql                      the SDL (AppSync prelude implicit)
    strawsync.yaml                      API settings and data sources (optional)
    resolvers/<Type>.<field>.yaml       one resolver per file
    resolvers/functions/<name>.yaml     one pipeline function per file
    mapping_templates/...               VTL; <Type>.<field>.request.vtl by convention
                                        (optional on AWS_LAMBDA data sources: direct Lambda)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema

from app.definition.model import (
    MAX_PIPELINE_FUNCTIONS,
    VERSION_2018,
    ApiDefinition,
    DataSourceDef,
    FunctionDef,
    MappingTemplate,
    Origin,
    ResolverDef,
    ResolverKind,
)
from app.definition.settings import SettingsLoader
from app.definition.streams import parse_streams
from app.definition.subscriptions import load_subscriptions
from app.definition.yaml_source import YamlDocument
from app.problems import DefinitionError, Problem
from app.schema.sdl import load_sdl
from app.templates.api import TemplateEngine, TemplateSyntaxError

SCHEMA_FILE = "schema.graphql"
RESOLVERS_DIR = "resolvers"
FUNCTIONS_DIR = "functions"
TEMPLATES_DIR = "mapping_templates"
YAML_SUFFIXES = (".yaml", ".yml", ".json")

LAMBDA_DATA_SOURCE = "AWS_LAMBDA"
"""Resolvers and functions on this data source type may omit their templates (direct Lambda)."""

DEFAULT_BEFORE_TEMPLATE = "{}"
DEFAULT_AFTER_TEMPLATE = "$util.toJson($ctx.result)"

_RESOLVER_KEYS = frozenset(
    {
        "typeName",
        "fieldName",
        "kind",
        "dataSource",
        "requestMappingTemplate",
        "responseMappingTemplate",
        "functions",
        "maxBatchSize",
    }
)
_FUNCTION_KEYS = frozenset(
    {
        "name",
        "dataSource",
        "functionVersion",
        "requestMappingTemplate",
        "responseMappingTemplate",
        "description",
    }
)


def load_definition(project_dir: Path, engine: TemplateEngine) -> ApiDefinition:
    """Load and check the whole project. Raises DefinitionError listing every problem."""
    loader = _Loader(project_dir, engine=engine)
    definition = loader.load()
    if loader.problems or definition is None:
        raise DefinitionError(loader.problems)
    return definition


@dataclass
class _Loader(SettingsLoader):
    engine: TemplateEngine = field(kw_only=True)

    def load(self) -> ApiDefinition | None:
        if not self.project_dir.is_dir():
            self._problem(str(self.project_dir), "project directory not found")
            return None
        settings = self._load_settings()
        sdl_path = self.project_dir / SCHEMA_FILE
        sdl_text = ""
        schema = None
        if not sdl_path.is_file():
            self._problem(self._display(sdl_path), "schema file not found")
        else:
            sdl_text = sdl_path.read_text(encoding="utf-8")
            result = load_sdl(sdl_text, self._display(sdl_path))
            self.problems.extend(result.problems)
            schema = result.schema
        data_sources = self._load_data_sources(settings)
        functions = self._load_functions(data_sources)
        resolvers = self._load_resolvers(data_sources, functions, schema)
        if schema is None:
            return None
        subscriptions, problems = load_subscriptions(schema)
        for problem in problems:
            self._problem(self._display(sdl_path), problem.message, problem.line, problem.column)
        doc, values = settings
        profile = self._load_profile(doc, values)
        streams, stream_problems = parse_streams(values.get("streams"), data_sources, doc)
        for path, message in stream_problems:
            self._at(doc, message, "streams", *path)
        return ApiDefinition(
            name=str(values.get("name") or self.project_dir.resolve().name),
            project_dir=self.project_dir,
            sdl=sdl_text,
            schema=schema,
            data_sources=MappingProxyType(data_sources),
            functions=MappingProxyType(functions),
            resolvers=MappingProxyType(resolvers),
            auth=self._load_auth(doc, values),
            subscriptions=MappingProxyType(subscriptions),
            limits=self._load_limits(doc, values),
            evaluate_endpoint=bool(values.get("evaluateEndpoint", False)),
            profile=profile,
            exposure=self._load_exposure(doc, values, profile),
            lambda_settings=self._load_lambda(doc, values),
            streams=streams,
        )

    def _yaml_files(self, directory: Path, *, skip: str | None = None) -> list[Path]:
        if not directory.is_dir():
            return []
        files = []
        for path in sorted(directory.rglob("*")):
            if skip and (directory / skip) in path.parents:
                continue
            if path.is_file() and path.suffix in YAML_SUFFIXES:
                files.append(path)
        return files

    def _template(
        self,
        doc: YamlDocument,
        values: Mapping[str, Any],
        key: str,
        conventional: str,
        default_source: str | None = None,
    ) -> MappingTemplate | None:
        """Compile the template named by `key`, or the conventional file, or a default."""
        declared = self._string(doc, values, key)
        templates_dir = self.project_dir / TEMPLATES_DIR
        relative = declared or conventional
        path = (templates_dir / relative).resolve()
        display = self._display(templates_dir / relative)
        if templates_dir.resolve() not in path.parents:
            self._at(doc, f"template '{relative}' is outside {TEMPLATES_DIR}/", key)
            return None
        if not path.is_file():
            if declared is None and default_source is not None:
                return self._compile(default_source, f"<default {key}>", doc, key)
            where = (key,) if declared else ()
            self._at(doc, f"template not found: {display}", *where)
            return None
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._problem(display, f"cannot read template: {exc}")
            return None
        return self._compile(source, display, doc, key)

    def _unit_template(
        self,
        doc: YamlDocument,
        values: Mapping[str, Any],
        key: str,
        conventional: str,
        omittable: bool,
    ) -> tuple[bool, MappingTemplate | None]:
        """(ok, template) for a unit resolver or a function. On an AWS_LAMBDA data source a
        template that is neither declared nor present by convention is omitted (None, ok): a
        direct Lambda resolver, as AppSync allows. Anywhere else it is a problem."""
        conventional_file = self.project_dir / TEMPLATES_DIR / conventional
        if omittable and key not in values and not conventional_file.is_file():
            return True, None
        template = self._template(doc, values, key, conventional)
        return template is not None, template

    def _compile(
        self, source: str, display: str, doc: YamlDocument, key: str
    ) -> MappingTemplate | None:
        try:
            return MappingTemplate(display, self.engine.compile(source, display), source)
        except TemplateSyntaxError as exc:
            loc = exc.location
            self.problems.append(
                Problem(loc.source_name, loc.line, loc.column, exc.message, kind="template")
            )
            return None

    def _load_functions(self, data_sources: Mapping[str, DataSourceDef]) -> dict[str, FunctionDef]:
        found: dict[str, FunctionDef] = {}
        for path in self._yaml_files(self.project_dir / RESOLVERS_DIR / FUNCTIONS_DIR):
            doc = self._read_yaml(path)
            if doc is None:
                continue
            values = self._mapping(doc, _FUNCTION_KEYS, "function")
            name = self._string(doc, values, "name") or path.stem
            if name in found:
                self._at(doc, f"function '{name}' is declared twice", "name")
                continue
            data_source = self._string(doc, values, "dataSource")
            if data_source is None:
                self._at(doc, "a function needs a 'dataSource'")
            elif data_source not in data_sources:
                self._at(doc, f"unknown data source '{data_source}'", "dataSource")
            version = values.get("functionVersion", VERSION_2018)
            if version != VERSION_2018:
                self._at(doc, "functions run only as '2018-05-29'", "functionVersion")
            base = f"{FUNCTIONS_DIR}/{name}"
            direct = _is_lambda(data_sources, data_source)
            request_ok, request = self._unit_template(
                doc, values, "requestMappingTemplate", f"{base}.request.vtl", direct
            )
            response_ok, response = self._unit_template(
                doc, values, "responseMappingTemplate", f"{base}.response.vtl", direct
            )
            if data_source is None or not request_ok or not response_ok:
                continue
            pos = doc.where()
            found[name] = FunctionDef(
                name=name,
                data_source=data_source,
                request=request,
                response=response,
                origin=Origin(doc.file, pos.line, pos.column),
                description=values.get("description"),
            )
        return found

    def _load_resolvers(
        self,
        data_sources: Mapping[str, DataSourceDef],
        functions: Mapping[str, FunctionDef],
        schema: GraphQLSchema | None,
    ) -> dict[tuple[str, str], ResolverDef]:
        found: dict[tuple[str, str], ResolverDef] = {}
        for path in self._yaml_files(self.project_dir / RESOLVERS_DIR, skip=FUNCTIONS_DIR):
            doc = self._read_yaml(path)
            if doc is None:
                continue
            resolver = self._load_resolver(doc, path, data_sources, functions, schema)
            if resolver is None:
                continue
            if resolver.key in found:
                other = found[resolver.key].origin
                self._at(doc, f"{'.'.join(resolver.key)} already has a resolver in {other.file}")
                continue
            found[resolver.key] = resolver
        return found

    def _load_resolver(
        self,
        doc: YamlDocument,
        path: Path,
        data_sources: Mapping[str, DataSourceDef],
        functions: Mapping[str, FunctionDef],
        schema: GraphQLSchema | None,
    ) -> ResolverDef | None:
        values = self._mapping(doc, _RESOLVER_KEYS, "resolver")
        stem_type, _, stem_field = path.stem.partition(".")
        type_name = self._string(doc, values, "typeName") or stem_type
        field_name = self._string(doc, values, "fieldName") or stem_field
        if not type_name or not field_name:
            self._at(doc, "name the file <Type>.<field>.yaml or set typeName and fieldName")
            return None
        self._check_field(doc, schema, type_name, field_name)
        kind_value = values.get("kind", ResolverKind.UNIT.value)
        try:
            kind = ResolverKind(kind_value)
        except ValueError:
            self._at(doc, f"'kind' must be UNIT or PIPELINE, not '{kind_value}'", "kind")
            return None
        data_source = self._string(doc, values, "dataSource")
        names: tuple[str, ...] = ()
        ok = True
        if kind is ResolverKind.UNIT:
            if data_source is None:
                self._at(doc, "a UNIT resolver needs a 'dataSource'")
                ok = False
            elif data_source not in data_sources:
                self._at(doc, f"unknown data source '{data_source}'", "dataSource")
                ok = False
            if "functions" in values:
                self._at(doc, "'functions' belongs to PIPELINE resolvers", "functions")
        else:
            if data_source is not None:
                self._at(doc, "a PIPELINE resolver has no 'dataSource'", "dataSource")
            names, ok = self._pipeline_functions(doc, values, functions)
        batch = values.get("maxBatchSize", 0)
        if not isinstance(batch, int) or isinstance(batch, bool) or not 0 <= batch <= 2000:
            self._at(doc, "'maxBatchSize' must be an integer from 0 to 2000", "maxBatchSize")
            ok = False
        base = f"{type_name}.{field_name}"
        request: MappingTemplate | None
        response: MappingTemplate | None
        if kind is ResolverKind.PIPELINE:
            before, after = DEFAULT_BEFORE_TEMPLATE, DEFAULT_AFTER_TEMPLATE
            request = self._template(
                doc, values, "requestMappingTemplate", f"{base}.request.vtl", before
            )
            response = self._template(
                doc, values, "responseMappingTemplate", f"{base}.response.vtl", after
            )
            ok = ok and request is not None and response is not None
        else:
            direct = _is_lambda(data_sources, data_source)
            request_ok, request = self._unit_template(
                doc, values, "requestMappingTemplate", f"{base}.request.vtl", direct
            )
            response_ok, response = self._unit_template(
                doc, values, "responseMappingTemplate", f"{base}.response.vtl", direct
            )
            ok = ok and request_ok and response_ok
        if not ok:
            return None
        pos = doc.where()
        return ResolverDef(
            type_name=type_name,
            field_name=field_name,
            kind=kind,
            request=request,
            response=response,
            origin=Origin(doc.file, pos.line, pos.column),
            data_source=data_source,
            functions=names,
            max_batch_size=batch,
        )

    def _pipeline_functions(
        self, doc: YamlDocument, values: Mapping[str, Any], functions: Mapping[str, FunctionDef]
    ) -> tuple[tuple[str, ...], bool]:
        raw = values.get("functions")
        if not isinstance(raw, list) or not raw:
            self._at(doc, "a PIPELINE resolver needs a non-empty 'functions' list", "functions")
            return (), False
        ok = True
        if len(raw) > MAX_PIPELINE_FUNCTIONS:
            self._at(
                doc,
                f"a pipeline has at most {MAX_PIPELINE_FUNCTIONS} functions, not {len(raw)}",
                "functions",
            )
            ok = False
        for index, name in enumerate(raw):
            if not isinstance(name, str) or name not in functions:
                self._at(doc, f"unknown pipeline function '{name}'", "functions", index)
                ok = False
        return tuple(str(name) for name in raw), ok

    def _check_field(
        self, doc: YamlDocument, schema: GraphQLSchema | None, type_name: str, field_name: str
    ) -> None:
        if schema is None:
            return
        where = ("typeName",) if "typeName" in (doc.value or {}) else ()
        graphql_type = schema.type_map.get(type_name)
        if not isinstance(graphql_type, GraphQLObjectType):
            self._at(doc, f"type '{type_name}' is not an object type in the schema", *where)
        elif field_name not in graphql_type.fields:
            where = ("fieldName",) if "fieldName" in (doc.value or {}) else ()
            self._at(doc, f"field '{field_name}' does not exist on type '{type_name}'", *where)


def _is_lambda(data_sources: Mapping[str, DataSourceDef], name: str | None) -> bool:
    definition = data_sources.get(name) if name is not None else None
    return definition is not None and definition.type == LAMBDA_DATA_SOURCE
