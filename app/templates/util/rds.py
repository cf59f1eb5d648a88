"""`$util.rds`: the RDS Data API `ExecuteStatement` result reduced to records.

The result `{"sqlStatementResults": [{"records": [[{"stringValue": ...}, ...]],
"columnMetadata": [{"name": ...}, ...]}]}` becomes one list per statement, each a list of
`{column: value}` maps; a statement without records (INSERT, UPDATE, DELETE) gives `[]`.
"""

from __future__ import annotations

from typing import Any

from app.templates.api import TemplateNamespace, TemplateRuntimeError
from app.templates.util._args import bad_argument
from app.templates.util.json_java import parse_json, to_json

_ARRAY_KEYS = ("stringValues", "longValues", "doubleValues", "booleanValues", "arrayValues")


def records(result: object, method: str) -> list[list[dict[str, Any]]]:
    """The statements' records as `{column: value}` maps."""
    if isinstance(result, str):
        document = parse_json(result)
    elif isinstance(result, dict):
        document = result
    else:
        raise bad_argument(method, 1, "a String", result)
    if not isinstance(document, dict):
        raise TemplateRuntimeError(f"{method}: expected an RDS Data API result object")
    statements = document.get("sqlStatementResults") or []
    return [_statement_records(statement) for statement in statements]


def _statement_records(statement: Any) -> list[dict[str, Any]]:
    if not isinstance(statement, dict):
        return []
    columns = statement.get("columnMetadata") or []
    names = [_column_name(column) for column in columns]
    rows = []
    for row in statement.get("records") or []:
        record: dict[str, Any] = {}
        for index, cell in enumerate(row):
            name = names[index] if index < len(names) else str(index)
            record[name] = _field_value(cell)
        rows.append(record)
    return rows


def _column_name(column: Any) -> str:
    if isinstance(column, dict):
        return str(column.get("name") or column.get("label") or "")
    return ""


def _field_value(cell: Any) -> Any:
    """The value of one Data API `Field` (`{"longValue": 1}`, `{"isNull": true}`, ...)."""
    if not isinstance(cell, dict) or not cell:
        return None
    if cell.get("isNull") is True:
        return None
    if "arrayValue" in cell:
        return _array_value(cell["arrayValue"])
    return next(iter(cell.values()))


def _array_value(array: Any) -> Any:
    if not isinstance(array, dict):
        return None
    for key in _ARRAY_KEYS:
        if key in array:
            items = array[key]
            return [_array_value(item) for item in items] if key == "arrayValues" else items
    return []


class RdsNamespace(TemplateNamespace):
    """`$util.rds`."""

    __slots__ = ()

    def toJsonString(self, result: object) -> str:
        """The records of every statement, serialized: `[[{"id":1,...}], []]`."""
        return to_json(records(result, "$util.rds.toJsonString"))

    def toJsonObject(self, result: object) -> list[list[dict[str, Any]]]:
        """The records of every statement as lists of maps (`...toJsonObject($ctx.result)[0]`)."""
        return records(result, "$util.rds.toJsonObject")


RDS = RdsNamespace()
