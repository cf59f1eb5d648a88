"""`$util.map`: shallow copies keeping or dropping keys."""

from __future__ import annotations

import pytest

from app.templates.api import TemplateRuntimeError
from app.templates.util.maps import MAPS


def test_copy_and_retain_all_keys() -> None:
    source = {"a": 1, "b": 2, "c": 3}
    assert MAPS.copyAndRetainAllKeys(source, ["c", "a", "z"]) == {"a": 1, "c": 3}
    assert list(MAPS.copyAndRetainAllKeys(source, ["c", "a"])) == ["a", "c"]


def test_copy_and_remove_all_keys() -> None:
    source = {"a": 1, "b": 2}
    assert MAPS.copyAndRemoveAllKeys(source, ["a"]) == {"b": 2}
    assert source == {"a": 1, "b": 2}


def test_map_arguments_are_checked() -> None:
    with pytest.raises(TemplateRuntimeError, match="must be a Map"):
        MAPS.copyAndRetainAllKeys(["a"], ["a"])
