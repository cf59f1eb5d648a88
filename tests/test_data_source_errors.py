"""How data source failures reach the client, per template version (in-process runtime)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from app.datasources.base import BaseDataSource, DataSourceError, Invocation
from app.definition.loader import load_definition
from app.execution.context import RequestContext
from app.execution.errors import format_graphql_error
from app.service import Service, build_service
from app.templates.vtl import VtlEngine
from tests.support.projects import write_project

SDL = "type Query { v2017: Item  v2018: Item  handled2018: Item  crash: Item }\n"
SDL += "type Item { id: ID  detail: String }\n"


class FailingSource(BaseDataSource):
    """Fails every call the way a real backend would: a typed error, or a bug."""

    async def invoke(self, invocation: Invocation) -> Any:
        if invocation.field_name == "crash":
            raise RuntimeError("secret internal detail")
        raise DataSourceError("The conditional request failed", "DynamoDB:ConditionalCheck")


@pytest.fixture
def service(tmp_path: Path) -> Service:
    files = {
        "schema.graphql": SDL,
        "strawsync.yaml": "dataSources:\n  - name: Store\n    type: NONE\n",
        "mapping_templates/Query.v2017.request.vtl": '{"version": "2017-02-28"}',
        "mapping_templates/Query.v2017.response.vtl": '{"id": "1", "detail": "from response"}',
        "mapping_templates/Query.v2018.request.vtl": '{"version": "2018-05-29"}',
        "mapping_templates/Query.v2018.response.vtl": "$util.toJson($ctx.result)",
        "mapping_templates/Query.handled2018.request.vtl": '{"version": "2018-05-29"}',
        "mapping_templates/Query.handled2018.response.vtl": (
            "$util.error($ctx.error.message, $ctx.error.type)"
        ),
        "mapping_templates/Query.crash.request.vtl": '{"version": "2018-05-29"}',
        "mapping_templates/Query.crash.response.vtl": "$util.toJson($ctx.result)",
    }
    for field in ("v2017", "v2018", "handled2018", "crash"):
        files[f"resolvers/Query.{field}.yaml"] = "dataSource: Store\n"
    definition = load_definition(write_project(tmp_path, files), VtlEngine())
    source = FailingSource(definition.data_sources["Store"])
    return build_service(definition, data_sources={"Store": source})


async def execute(service: Service, query: str) -> tuple[Any, list[dict[str, Any]]]:
    context = RequestContext(request_id="req-1")
    result = await service.schema.execute(query, context_value=context)
    return result.data, [format_graphql_error(e, "req-1") for e in result.errors or ()]


async def test_2017_error_puts_the_response_output_in_error_data(service: Service) -> None:
    data, errors = await execute(service, "{ v2017 { id } }")
    assert data == {"v2017": None}
    assert errors[0]["errorType"] == "DynamoDB:ConditionalCheck"
    assert errors[0]["message"] == "The conditional request failed"
    assert errors[0]["data"] == {"id": "1"}


async def test_2018_error_is_ignored_unless_the_template_raises_it(service: Service) -> None:
    data, errors = await execute(service, "{ v2018 { id } handled2018 { id } }")
    assert data == {"v2018": None, "handled2018": None}
    assert [(e["path"], e["errorType"]) for e in errors] == [
        (["handled2018"], "DynamoDB:ConditionalCheck")
    ]


async def test_unexpected_errors_never_reach_the_client(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="strawsync.errors"):
        data, errors = await execute(service, "{ crash { id } }")
    assert data == {"crash": None}
    (error,) = errors
    assert error["errorType"] == "InternalFailure"
    assert "secret" not in error["message"]
    assert "req-1" in error["message"]
    assert "req-1" in caplog.text
    assert "secret internal detail" in caplog.text
    assert "Traceback" in caplog.text
