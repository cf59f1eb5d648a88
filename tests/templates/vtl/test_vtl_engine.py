"""`VtlEngine` against the `TemplateEngine` contract, on real-world template shapes."""

from __future__ import annotations

import json
import threading
from typing import Any

from vtl_fakes import FakeUtil, render

from app.templates.api import RenderResult, RenderScope, Template, TemplateEngine
from app.templates.vtl import VtlEngine, VtlTemplate

PUT_ITEM = """{
  "version" : "2017-02-28",
  "operation" : "PutItem",
  "key" : {
    "id" : $util.dynamodb.toDynamoDBJson($util.autoId())
  },
  "attributeValues" : $util.dynamodb.toMapValuesJson($ctx.args)
}"""

AMPLIFY_CREATE = """## [Start] Set default values. **
$util.qr($context.args.input.put("id", $util.defaultIfNull($ctx.args.input.id, $util.autoId())))
#set( $now = $util.time.nowISO8601() )
$util.qr($ctx.args.input.put("createdAt", $util.defaultIfNull($ctx.args.input.createdAt, $now)))
$util.qr($ctx.args.input.put("updatedAt", $util.defaultIfNull($ctx.args.input.updatedAt, $now)))
$util.qr($context.args.input.put("__typename", "Post"))
## [End] Set default values. **
#set( $condition = {
  "expression": "attribute_not_exists(#id)",
  "expressionNames": {
      "#id": "id"
  }
} )
#if( $context.args.condition )
  #set( $condition.expressionValues = {} )
#end
#set( $names = {} )
#foreach( $key in $ctx.args.input.keySet() )
  $util.qr($names.put("#$key", $key))
  $util.qr($ctx.stash.put("last", $key))
#end
{
  "version": "2017-02-28",
  "operation": "PutItem",
  "key": #if( $modelObjectKey ) $util.toJson($modelObjectKey) #else {
  "id":   $util.dynamodb.toDynamoDBJson($ctx.args.input.id)
} #end,
  "attributeValues": $util.dynamodb.toMapValuesJson($context.args.input),
  "condition": $util.toJson($condition),
  "names": $util.toJson($names)
}
## [End] Prepare DynamoDB PutItem Request. **"""


def context(**args: Any) -> dict[str, Any]:
    return {"args": args, "arguments": args, "stash": {}}


def test_engine_implements_the_contract() -> None:
    engine: TemplateEngine = VtlEngine()
    template: Template = engine.compile("x", "contract.vtl")
    assert isinstance(template, VtlTemplate)
    assert template.source_name == "contract.vtl"
    assert template.render({}, RenderScope()) == RenderResult("x")


def test_put_item_template() -> None:
    output = render(PUT_ITEM, ctx=context(title="Hi", views=3))
    assert json.loads(output) == {
        "version": "2017-02-28",
        "operation": "PutItem",
        "key": {"id": {"S": "11111111-2222-3333-4444-555555555555"}},
        "attributeValues": {"title": {"S": "Hi"}, "views": {"N": "3"}},
    }


def test_amplify_create_template() -> None:
    ctx = context(input={"title": "Hi"})
    output = render(AMPLIFY_CREATE, ctx=ctx, context=ctx)
    document = json.loads(output)
    assert document["key"] == {"id": {"S": "11111111-2222-3333-4444-555555555555"}}
    assert document["condition"] == {
        "expression": "attribute_not_exists(#id)",
        "expressionNames": {"#id": "id"},
    }
    assert document["names"] == {
        "#title": "title",
        "#id": "id",
        "#createdAt": "createdAt",
        "#updatedAt": "updatedAt",
        "#__typename": "__typename",
    }
    assert document["attributeValues"]["createdAt"] == {"S": "2024-01-02T03:04:05.678Z"}
    assert ctx["stash"] == {"last": "__typename"}
    assert output.startswith("\n")  # the qr lines leave their newlines, the #set lines do not


def test_concurrent_renders_do_not_share_state() -> None:
    compiled = VtlEngine().compile(
        "#set($acc = [])#foreach($i in [1..200])$util.qr($acc.add($n))#end$acc.size():$n", "c.vtl"
    )
    results: dict[int, str] = {}

    def work(n: int) -> None:
        for _ in range(20):
            results[n] = compiled.render({"n": n, "util": FakeUtil()}, RenderScope()).output

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {n: f"200:{n}" for n in range(8)}


def test_variables_mapping_is_not_modified() -> None:
    variables = {"util": FakeUtil(), "a": 1}
    VtlEngine().compile("#set($a = 2)#set($b = 1)", "v.vtl").render(variables, RenderScope())
    assert set(variables) == {"util", "a"} and variables["a"] == 1
