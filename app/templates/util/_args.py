"""Argument checks for `$util` methods: Java's parameter types, enforced at call time.

A Java method called with an argument of the wrong class fails on AppSync; here the call
raises `TemplateRuntimeError` naming the method, the argument and the class it got.
"""

from __future__ import annotations

from typing import Any

from app.templates.api import TemplateRuntimeError
from app.templates.java.lang import is_number, java_type_name


def bad_argument(method: str, position: int, expected: str, value: Any) -> TemplateRuntimeError:
    """The error for an argument of the wrong Java class."""
    return TemplateRuntimeError(
        f"{method}: argument {position} must be {expected}, got {java_type_name(value)}"
    )


def string_arg(method: str, value: Any, position: int = 1) -> str:
    """A non-null `String` argument."""
    if not isinstance(value, str):
        raise bad_argument(method, position, "a String", value)
    return value


def optional_string_arg(method: str, value: Any, position: int = 1) -> str | None:
    """A `String` argument that may be null."""
    if value is not None and not isinstance(value, str):
        raise bad_argument(method, position, "a String", value)
    return value


def bool_arg(method: str, value: Any, position: int = 1) -> bool:
    """A non-null `Boolean` argument (Java unboxing a null fails)."""
    if not isinstance(value, bool):
        raise bad_argument(method, position, "a Boolean", value)
    return value


def long_arg(method: str, value: Any, position: int = 1) -> int:
    """A `long` argument: an integer, or a double with no fractional part."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if not is_number(value) or isinstance(value, float):
        raise bad_argument(method, position, "a Long", value)
    return int(value)


def double_arg(method: str, value: Any, position: int = 1) -> float:
    """A `Double` argument; integers widen as Java widens them."""
    if not is_number(value):
        raise bad_argument(method, position, "a Double", value)
    return float(value)


def list_arg(method: str, value: Any, position: int = 1) -> list[Any]:
    """A non-null `List` argument."""
    if not isinstance(value, list):
        raise bad_argument(method, position, "a List", value)
    return value


def map_arg(method: str, value: Any, position: int = 1) -> dict[str, Any]:
    """A non-null `Map` argument."""
    if not isinstance(value, dict):
        raise bad_argument(method, position, "a Map", value)
    return value
