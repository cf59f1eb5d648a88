"""Direct Lambda resolvers in process: the implied request (the Context object as the event)
and the implied response logic, over a small in-test Lambda data source that runs a Python
callable on each payload as a function would. Over HTTP with real workers:
tests/lambda_resolvers/test_direct_lambda.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from graphql import OperationType

from app.datasources.awslambda.errors import function_failed
from app.datasources.base import (
    BaseDataSource,
    DataSourceError,
    Invocation,
)
from app.datasources.registry import DATA_SOURCE_TYPES
from app.definition.loader import load_definition
from app.definition.model import ApiDefinition, DataSourceDef
from app.execution.context import RequestContext
from app.execution.errors import format_graphql_error
from app.functions.base import InvocationResult
from app.problems import DefinitionError
from app.service import build_service
from app.templates.vtl import VtlEngine
from tests.support.projects import write_project

Handler = Callable[[Any], Any]


def function_raised(error_type: str, message: str) -> DataSourceError:
    """What the Lambda data source raises when the function raised (`Lambda:Unhandled`)."""
    document = {"errorType": error_type, "errorMessage": message, "stackTrace": []}
    return function_failed(InvocationResult(orjson.dumps(document), "req", "Unhandled"))


class HandlerError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class InTestLambda(BaseDataSource):
    """Runs `handler` on each payload, recording every call (a batch is one call)."""

    def __init__(self, definition: DataSourceDef, handler: Handler) -> None:
        super().__init__(definition)
        self.handler = handler
        self.calls: list[Any] = []

    def _run(self, payload: Any) -> Any:
        self.calls.append(payload)
        try:
            return self.handler(payload)
        except HandlerError as exc:
            raise function_raised(exc.error_type, str(exc)) from None

    async def invoke(self, invocation: Invocation) -> Any:
        return self._run(invocation.request.get("payload"))

    async def invoke_batch(self, invocations: Sequence[Invocation]) -> list[Any]:
        payloads = [invocation.request.get("payload") for invocation in invocations]
        try:
            results = self._run(payloads)
        except DataSourceError as exc:
            return [exc for _ in invocations]
        assert isinstance(results, list) and len(results) == len(invocations)
        return results


SCHEMA = """\
type Query {
  hello(name: String): String
  items: [Item]
  step(name: String): String
  legacy: String
}
type Item { id: ID  detail: String  nested: Detail }
type Detail { text: String }
"""
SETTINGS = """\
dataSources:
  - name: Local
    type: NONE
  - name: Fn
    type: AWS_LAMBDA
    config:
      handler: functions/fn.py:handler
"""
FILES = {
    "schema.graphql": SCHEMA,
    "strawsync.yaml": SETTINGS,
    "functions/fn.py": "def handler(event, context):\n    return None\n",
    "resolvers/Query.hello.yaml": "dataSource: Fn\n",
    "resolvers/Query.items.yaml": "dataSource: Local\n",
    "mapping_templates/Query.items.request.vtl": (
        '{"version": "2018-05-29", "payload": [{"id": "1"}, {"id": "2"}, {"id": "3"}]}'
    ),
    "mapping_templates/Query.items.response.vtl": "$util.toJson($ctx.result)",
    "resolvers/Item.detail.yaml": "dataSource: Fn\nmaxBatchSize: 2\n",
    "resolvers/Query.step.yaml": "kind: PIPELINE\nfunctions: [stashName, callFn]\n",
    "resolvers/functions/stashName.yaml": "dataSource: Local\n",
    "mapping_templates/functions/stashName.request.vtl": (
        '$util.qr($ctx.stash.put("who", $ctx.args.name))'
        '{"version": "2018-05-29", "payload": "from the first function"}'
    ),
    "mapping_templates/functions/stashName.response.vtl": "$util.toJson($ctx.result)",
    "resolvers/functions/callFn.yaml": "dataSource: Fn\n",
    # A 2017-02-28 request template with no response template: errors stay Lambda:Unhandled.
    "resolvers/Query.legacy.yaml": "dataSource: Fn\n",
    "mapping_templates/Query.legacy.request.vtl": (
        '{"version": "2017-02-28", "operation": "Invoke", "payload": {"legacy": true}}'
    ),
}


def load(tmp_path: Path, files: Mapping[str, str] = FILES) -> ApiDefinition:
    return load_definition(write_project(tmp_path, files), VtlEngine())


async def execute(definition: ApiDefinition, fn: InTestLambda, query: str, **variables: Any) -> Any:
    local = DATA_SOURCE_TYPES["NONE"].create(definition.data_sources["Local"])
    service = build_service(definition, data_sources={"Local": local, "Fn": fn})
    outcome = await service.executor.execute(
        query,
        variables=variables or None,
        operation_name=None,
        context=RequestContext("req-1", variables=variables),
        allowed={OperationType.QUERY},
    )
    return outcome.result


def errors_of(result: Any) -> list[dict[str, Any]]:
    """`message` and `errorType` of each error, as AppSync's error entries carry them."""
    entries = [format_graphql_error(error, "req-1") for error in result.errors or ()]
    return [{"message": e["message"], "errorType": e["errorType"]} for e in entries]


def test_only_lambda_resolvers_and_functions_may_omit_templates(tmp_path: Path) -> None:
    definition = load(tmp_path)
    hello = definition.resolvers[("Query", "hello")]
    assert hello.request is None and hello.response is None
    assert definition.functions["callFn"].request is None
    legacy = definition.resolvers[("Query", "legacy")]
    assert legacy.request is not None and legacy.response is None

    broken = {
        **FILES,
        "resolvers/Query.hello.yaml": "dataSource: Local\n",
        "resolvers/functions/callFn.yaml": "dataSource: Local\n",
        "resolvers/Item.detail.yaml": (
            "dataSource: Fn\nrequestMappingTemplate: Item.detail.request.vtl\n"
        ),
    }
    with pytest.raises(DefinitionError) as raised:
        load(tmp_path / "broken", broken)
    messages = [str(problem) for problem in raised.value.problems]
    for name in (
        "Query.hello.request.vtl",
        "Query.hello.response.vtl",
        "functions/callFn.request.vtl",
        "functions/callFn.response.vtl",
        "Item.detail.request.vtl",  # declared, so it must exist even on AWS_LAMBDA
    ):
        assert any("template not found" in m and name in m for m in messages), (name, messages)
    assert not any("Item.detail.response.vtl" in m for m in messages), messages


async def test_the_event_is_the_whole_context_object(tmp_path: Path) -> None:
    definition = load(tmp_path)
    fn = InTestLambda(definition.data_sources["Fn"], lambda event: ",".join(sorted(event)))
    result = await execute(definition, fn, "query($n: String) { hello(name: $n) }", n="Ada")
    assert result.errors is None
    (event,) = fn.calls
    assert sorted(event) == [
        "arguments",
        "identity",
        "info",
        "prev",
        "request",
        "source",
        "stash",
    ]
    assert event["arguments"] == {"name": "Ada"}
    assert event["source"] is None and event["prev"] is None and event["stash"] == {}
    assert event["info"] == {
        "fieldName": "hello",
        "parentTypeName": "Query",
        "variables": {"n": "Ada"},
        "selectionSetList": [],
        "selectionSetGraphQL": "",
    }
    assert set(event["request"]) >= {"headers", "domainName"}
    assert result.data == {"hello": "arguments,identity,info,prev,request,source,stash"}


async def test_a_direct_error_carries_the_function_error_type(tmp_path: Path) -> None:
    definition = load(tmp_path)

    def fail(event: Any) -> Any:
        raise HandlerError(event["arguments"]["name"], f"raised {event['arguments']['name']}")

    fn = InTestLambda(definition.data_sources["Fn"], fail)
    custom = await execute(definition, fn, '{ hello(name: "NotFoundError") }')
    assert custom.data == {"hello": None}
    assert errors_of(custom) == [{"message": "raised NotFoundError", "errorType": "NotFoundError"}]
    denied = await execute(definition, fn, '{ hello(name: "UnauthorizedException") }')
    (error,) = errors_of(denied)
    assert error == {
        "message": "You are not authorized to make this call.",
        "errorType": "UnauthorizedException",
    }


async def test_through_a_request_template_the_error_stays_lambda_unhandled(
    tmp_path: Path,
) -> None:
    definition = load(tmp_path)

    def fail(event: Any) -> Any:
        raise HandlerError("UnauthorizedException", "kept as raised")

    fn = InTestLambda(definition.data_sources["Fn"], fail)
    result = await execute(definition, fn, "{ legacy }")
    assert fn.calls == [{"legacy": True}]
    assert result.data == {"legacy": None}
    assert errors_of(result) == [{"message": "kept as raised", "errorType": "Lambda:Unhandled"}]
    fn.handler = lambda event: "fine"
    assert (await execute(definition, fn, "{ legacy }")).data == {"legacy": "fine"}


async def test_batch_invoke_sends_context_objects_and_raises_item_errors(tmp_path: Path) -> None:
    definition = load(tmp_path)

    def details(events: list[Any]) -> list[Any]:
        out: list[Any] = []
        for event in events:
            item_id = event["source"]["id"]
            if item_id == "2":
                out.append({"data": None, "errorMessage": "no detail", "errorType": "Missing"})
            else:
                out.append({"data": f"detail {item_id}", "ignored": True})
        return out

    fn = InTestLambda(definition.data_sources["Fn"], details)
    result = await execute(definition, fn, "{ items { id detail } }")
    assert [[event["source"]["id"] for event in batch] for batch in fn.calls] == [
        ["1", "2"],
        ["3"],
    ]
    first = fn.calls[0][0]
    assert first["info"]["fieldName"] == "detail" and first["info"]["parentTypeName"] == "Item"
    assert result.data == {
        "items": [
            {"id": "1", "detail": "detail 1"},
            {"id": "2", "detail": None},
            {"id": "3", "detail": "detail 3"},
        ]
    }
    assert errors_of(result) == [{"message": "no detail", "errorType": "Missing"}]
    assert result.errors[0].path == ["items", 1, "detail"]


async def test_a_thrown_error_fails_the_whole_batch(tmp_path: Path) -> None:
    definition = load(tmp_path)

    def fail(events: list[Any]) -> Any:
        raise HandlerError("BatchBroken", f"{len(events)} events refused")

    fn = InTestLambda(definition.data_sources["Fn"], fail)
    result = await execute(definition, fn, "{ items { id detail } }")
    assert len(fn.calls) == 2
    assert [item["detail"] for item in result.data["items"]] == [None, None, None]
    assert errors_of(result) == [
        {"message": "2 events refused", "errorType": "BatchBroken"},
        {"message": "2 events refused", "errorType": "BatchBroken"},
        {"message": "1 events refused", "errorType": "BatchBroken"},
    ]


async def test_a_direct_pipeline_function_sees_prev_and_stash(tmp_path: Path) -> None:
    definition = load(tmp_path)
    fn = InTestLambda(
        definition.data_sources["Fn"],
        lambda event: f"{event['prev']['result']} for {event['stash']['who']}",
    )
    result = await execute(definition, fn, '{ step(name: "Grace") }')
    assert result.data == {"step": "from the first function for Grace"}
    (event,) = fn.calls
    assert event["prev"] == {"result": "from the first function"}
    assert event["stash"] == {"who": "Grace"}
    assert event["info"]["fieldName"] == "step"

    def fail(event: Any) -> Any:
        raise HandlerError("StepFailed", "no")

    fn.handler = fail
    failed = await execute(definition, fn, '{ step(name: "Grace") }')
    assert failed.data == {"step": None}
    assert errors_of(failed) == [{"message": "no", "errorType": "StepFailed"}]
