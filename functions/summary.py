"""A direct Lambda resolver for the Event App (Python).

No mapping templates: AppSync sends the whole context object as the event (`arguments`,
`identity`, `source`, `request`, `info`, `prev`, `stash`), and the return value is the field's
value. One function can serve several fields by `info.fieldName`, as many AppSync APIs do:

- `Event.summary`: a one-line summary of the parent event (`source`).
- `Query.lambdaEcho`: what the function received, for learning and debugging.

A raised exception becomes the GraphQL error: its class name is the `errorType`.
"""

import json

DESCRIPTION_LENGTH = 60


class UnknownFieldError(Exception):
    """The function was bound to a field it does not serve."""


def handler(event, context):
    field = event["info"]["fieldName"]
    if field == "summary":
        return summarize(event["source"] or {})
    if field == "lambdaEcho":
        return json.dumps(echo(event, context))
    parent = event["info"]["parentTypeName"]
    raise UnknownFieldError(f"summary.py does not resolve {parent}.{field}")


def summarize(event_item):
    """`Launch, Friday at Online: First event`; a long description is cut at a word."""
    name = event_item.get("name") or "An event"
    when, where = event_item.get("when"), event_item.get("where")
    text = name
    if when:
        text += f", {when}"
    if where:
        text += f" at {where}"
    description = (event_item.get("description") or "").strip()
    if len(description) > DESCRIPTION_LENGTH:
        description = description[:DESCRIPTION_LENGTH].rsplit(" ", 1)[0] + "…"
    return f"{text}: {description}" if description else text


def echo(event, context):
    """Parts of the event and of Lambda's context object, as the function saw them."""
    headers = event["request"]["headers"] or {}
    return {
        "arguments": event["arguments"],
        "identity": event["identity"],
        "source": event["source"],
        "info": event["info"],
        "prev": event["prev"],
        "stash": event["stash"],
        "userAgent": headers.get("user-agent"),
        "functionName": context.function_name,
        "invokedFunctionArn": context.invoked_function_arn,
        "memoryLimitInMB": context.memory_limit_in_mb,
        "awsRequestId": context.aws_request_id,
        "remainingTimeInMillis": context.get_remaining_time_in_millis(),
    }
