"""Render time of the VTL engine on two typical templates, against airspeed-ext.

    .venv/bin/python -m benchmarks.bench_vtl_engine [--number N]

Both engines render the same templates with the same tiny fake `$util` (the real one does
more work per call; this isolates the template engine). Templates are compiled once; each
timed render gets fresh variables, because the Amplify template mutates its input. Prints
microseconds per render (best of several runs) and whether the outputs are the same JSON.
"""

from __future__ import annotations

import argparse
import json
import timeit
from collections.abc import Callable
from typing import Any

import airspeed

from app.templates.api import RenderScope, TemplateNamespace
from app.templates.json_output import parse_template_output
from app.templates.vtl import VtlEngine

PUT_ITEM = """{
  "version" : "2017-02-28",
  "operation" : "PutItem",
  "key" : {
    "id" : $util.dynamodb.toDynamoDBJson($util.autoId())
  },
  "attributeValues" : $util.dynamodb.toMapValuesJson($ctx.args)
}"""

AMPLIFY_CREATE = """## [Start] Set default values. **
$util.qr($ctx.args.input.put("id", $util.defaultIfNull($ctx.args.input.id, $util.autoId())))
#set( $now = $util.time.nowISO8601() )
$util.qr($ctx.args.input.put("createdAt", $util.defaultIfNull($ctx.args.input.createdAt, $now)))
$util.qr($ctx.args.input.put("updatedAt", $util.defaultIfNull($ctx.args.input.updatedAt, $now)))
$util.qr($ctx.args.input.put("__typename", "Post"))
## [End] Set default values. **
#set( $expNames = {} )
#set( $expSet = [] )
#foreach( $entry in $ctx.args.input.keySet() )
  #if( $entry != "id" )
    $util.qr($expNames.put("#$entry", $entry))
    $util.qr($expSet.add("#$entry = :$entry"))
  #end
#end
$util.qr($ctx.stash.put("expressionNames", $expNames))
#if( $ctx.args.condition )
  #set( $condition = $ctx.args.condition )
#else
  #set( $condition = {
    "expression": "attribute_not_exists(#id)",
    "expressionNames": { "#id": "id" }
  } )
#end
{
  "version": "2017-02-28",
  "operation": "PutItem",
  "key": {
    "id": $util.dynamodb.toDynamoDBJson($ctx.args.input.id)
  },
  "attributeValues": $util.dynamodb.toMapValuesJson($ctx.args.input),
  "condition": $util.toJson($condition)
}"""


class FakeDynamoDB(TemplateNamespace):
    def toDynamoDB(self, value: Any) -> Any:
        if isinstance(value, str):
            return {"S": value}
        if isinstance(value, bool):
            return {"BOOL": value}
        if isinstance(value, int | float):
            return {"N": str(value)}
        if isinstance(value, dict):
            return {"M": {key: self.toDynamoDB(item) for key, item in value.items()}}
        return {"NULL": True}

    def toDynamoDBJson(self, value: Any) -> str:
        return json.dumps(self.toDynamoDB(value))

    def toMapValuesJson(self, value: dict[str, Any]) -> str:
        return json.dumps({key: self.toDynamoDB(item) for key, item in value.items()})


class FakeTime(TemplateNamespace):
    def nowISO8601(self) -> str:
        return "2024-01-02T03:04:05.678Z"


class FakeUtil(TemplateNamespace):
    def __init__(self) -> None:
        self.dynamodb = FakeDynamoDB()
        self.time = FakeTime()

    def qr(self, *values: Any) -> str:
        return ""

    def autoId(self) -> str:
        return "11111111-2222-3333-4444-555555555555"

    def defaultIfNull(self, value: Any, default: Any) -> Any:
        return default if value is None else value

    def toJson(self, value: Any) -> str:
        return json.dumps(value)


UTIL = FakeUtil()


def put_item_variables() -> dict[str, Any]:
    args = {"title": "Hello", "views": 3}
    ctx = {"args": args, "arguments": args, "stash": {}}
    return {"ctx": ctx, "context": ctx, "util": UTIL, "utils": UTIL}


def create_variables() -> dict[str, Any]:
    args = {"input": {"title": "Hello", "content": "World", "rating": 5}}
    ctx = {"args": args, "arguments": args, "stash": {}}
    return {"ctx": ctx, "context": ctx, "util": UTIL, "utils": UTIL}


def best_microseconds(fn: Callable[[], object], number: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--number", type=int, default=5000, help="renders per timing run")
    number = parser.parse_args().number
    scope = RenderScope()
    engine = VtlEngine()
    print(f"{'template':<16}{'strawsync':>12}{'airspeed-ext':>14}{'variables':>11}  same JSON")
    for name, source, variables in (
        ("PutItem", PUT_ITEM, put_item_variables),
        ("Amplify create", AMPLIFY_CREATE, create_variables),
    ):
        ours = engine.compile(source, name)
        theirs = airspeed.Template(source)
        ours_us = best_microseconds(lambda: ours.render(variables(), scope), number)  # noqa: B023
        theirs_us = best_microseconds(lambda: theirs.merge(variables()), number)  # noqa: B023
        baseline_us = best_microseconds(variables, number)
        ours_json = parse_template_output(ours.render(variables(), scope).output, name)
        try:
            same = ours_json == parse_template_output(theirs.merge(variables()), name)
        except Exception as exc:  # airspeed's output may not even be JSON
            same = f"no ({type(exc).__name__})"  # type: ignore[assignment]
        print(f"{name:<16}{ours_us:>10.1f}us{theirs_us:>12.1f}us{baseline_us:>9.1f}us  {same}")
    output = engine.compile(PUT_ITEM, "PutItem").render(put_item_variables(), scope).output
    parse_us = best_microseconds(lambda: parse_template_output(output, "PutItem"), number)
    print(f"parse_template_output on the PutItem output: {parse_us:.1f}us")


if __name__ == "__main__":
    main()
