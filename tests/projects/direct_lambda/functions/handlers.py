"""One Python function for every direct test field, by `info.fieldName` (a batch is a list)."""

import json
import time


def handler(event, context):
    if "raise" in event:  # a VTL request template's own payload
        fail(event["raise"]["errorType"], event["raise"]["message"])
    if isinstance(event, list):
        return [label(item, len(event), context) for item in event]
    field = event["info"]["fieldName"]
    if field == "echo":
        return json.dumps(
            {
                "event": event,
                "context": {
                    "functionName": context.function_name,
                    "invokedFunctionArn": context.invoked_function_arn,
                    "memoryLimitInMB": context.memory_limit_in_mb,
                    "awsRequestId": context.aws_request_id,
                    "remainingTimeInMillis": context.get_remaining_time_in_millis(),
                },
            }
        )
    if field == "fail":
        fail(event["arguments"]["errorType"], event["arguments"]["message"])
    if field == "slow":
        time.sleep(event["arguments"]["seconds"])
        return "woke up"
    if field == "greet":
        return json.dumps({"prev": event["prev"], "stash": event["stash"]})
    raise LookupError(f"no field {field}")


def fail(error_type, message):
    raise type(error_type, (Exception,), {})(message)


def label(item, batch_size, context):
    """`{data}` per item; `bad` fails alone, `boom` fails the whole batch (it raises)."""
    item_id = item["source"]["id"]
    if item_id == "boom":
        raise RuntimeError(f"boom in a batch of {batch_size}")
    if item_id == "bad":
        return {"data": "partial", "errorMessage": "bad item", "errorType": "BadItem"}
    return {"data": f"{item_id}|{batch_size}|{context.aws_request_id}", "ignored": 1}
