"""Batched field resolution: a resolver with `maxBatchSize` sends one `invoke_batch` per
request for its `BatchInvoke` calls (the path Lambda's BatchInvoke will take)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graphql import OperationType

from app.datasources.base import BaseDataSource, DataSourceError, Invocation
from app.definition.loader import load_definition
from app.execution.context import RequestContext
from app.service import build_service
from app.templates.vtl import VtlEngine
from tests.support.projects import write_project

FILES = {
    "schema.graphql": "type Query { items: [Item] }\ntype Item { id: ID  detail: String }\n",
    "strawsync.yaml": "dataSources:\n  - name: Store\n    type: NONE\n",
    "resolvers/Query.items.yaml": "dataSource: Store\n",
    "mapping_templates/Query.items.request.vtl": '{"version": "2018-05-29", "operation": "Invoke"}',
    "mapping_templates/Query.items.response.vtl": "$util.toJson($ctx.result)",
    "resolvers/Item.detail.yaml": "dataSource: Store\nmaxBatchSize: 2\n",
    "mapping_templates/Item.detail.request.vtl": (
        '{"version": "2018-05-29", "operation": "BatchInvoke", "payload": {"id": "$ctx.source.id"}}'
    ),
    "mapping_templates/Item.detail.response.vtl": (
        "#if($ctx.error)$util.error($ctx.error.message, $ctx.error.type)#end"
        "$util.toJson($ctx.result)"
    ),
}


class BatchingSource(BaseDataSource):
    """Answers single calls with a list and batches item by item, recording batch sizes."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.batches: list[list[str]] = []

    async def invoke(self, invocation: Invocation) -> Any:
        return [{"id": str(n)} for n in range(1, 6)]

    async def invoke_batch(self, invocations: Sequence[Invocation]) -> list[Any]:
        ids = [invocation.request["payload"]["id"] for invocation in invocations]
        self.batches.append(ids)
        return [
            DataSourceError(f"no detail for {id_}", "Lambda:Unhandled")
            if id_ == "4"
            else f"detail {id_}"
            for id_ in ids
        ]


async def test_batch_invoke_groups_calls_by_max_batch_size(tmp_path: Path) -> None:
    definition = load_definition(write_project(tmp_path, FILES), VtlEngine())
    source = BatchingSource(definition.data_sources["Store"])
    service = build_service(definition, data_sources={"Store": source})
    outcome = await service.executor.execute(
        "{ items { id detail } }",
        variables=None,
        operation_name=None,
        context=RequestContext("req"),
        allowed={OperationType.QUERY},
    )
    assert source.batches == [["1", "2"], ["3", "4"], ["5"]]
    result = outcome.result
    assert result.data == {
        "items": [
            {"id": "1", "detail": "detail 1"},
            {"id": "2", "detail": "detail 2"},
            {"id": "3", "detail": "detail 3"},
            {"id": "4", "detail": None},
            {"id": "5", "detail": "detail 5"},
        ]
    }
    assert [error.message for error in result.errors or ()] == ["no detail for 4"]
    assert result.errors is not None and result.errors[0].path == ["items", 3, "detail"]
