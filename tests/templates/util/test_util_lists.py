"""`$util.list`: Java equality for filtering, Java ordering for sorting."""

from __future__ import annotations

import pytest

from app.templates.api import TemplateRuntimeError
from app.templates.util.lists import LISTS


def test_copy_and_retain_all_keeps_order_and_uses_java_equality() -> None:
    source = [1, 2, 3, 1.0, True, "1"]
    assert LISTS.copyAndRetainAll(source, [1, "x"]) == [1]
    assert LISTS.copyAndRetainAll(["a", "b", "a"], ["a"]) == ["a", "a"]


def test_copy_and_remove_all() -> None:
    assert LISTS.copyAndRemoveAll([1, 2, 3, 2], [2]) == [1, 3]
    assert LISTS.copyAndRemoveAll([{"a": 1}, {"a": 2}], [{"a": 1}]) == [{"a": 2}]


def test_copies_do_not_touch_the_arguments() -> None:
    source = [1, 2]
    LISTS.copyAndRemoveAll(source, [1])
    assert source == [1, 2]


def test_sort_list_documented_example() -> None:
    people = [
        {"description": "youngest", "age": 5},
        {"description": "middle", "age": 45},
        {"description": "oldest", "age": 85},
    ]
    assert LISTS.sortList(people, False, "description") == [
        {"description": "middle", "age": 45},
        {"description": "oldest", "age": 85},
        {"description": "youngest", "age": 5},
    ]
    assert [p["age"] for p in LISTS.sortList(people, True, "age")] == [85, 45, 5]


def test_sort_list_scalars_ignore_the_property() -> None:
    assert LISTS.sortList([3, 1, 2], False, "anything") == [1, 2, 3]
    assert LISTS.sortList(["b", "C", "a"], True, "") == ["b", "a", "C"]
    assert LISTS.sortList([2.5, -0.0, 0.0, -1.0], False, "") == [-1.0, -0.0, 0.0, 2.5]


def test_sort_list_is_stable() -> None:
    items = [{"k": 1, "id": "a"}, {"k": 0, "id": "b"}, {"k": 1, "id": "c"}]
    assert [i["id"] for i in LISTS.sortList(items, False, "k")] == ["b", "a", "c"]
    assert [i["id"] for i in LISTS.sortList(items, True, "k")] == ["a", "c", "b"]


def test_sort_list_returns_mixed_lists_unsorted() -> None:
    mixed = [3, "a", 1]
    assert LISTS.sortList(mixed, False, "") is mixed
    assert LISTS.sortList([2, 1.0], False, "") == [2, 1.0]  # Integer and Double differ
    maps = [{"k": 2}, {"k": "a"}]
    assert LISTS.sortList(maps, False, "k") == maps
    assert LISTS.sortList([{"k": 2}, {}], False, "k") == [{"k": 2}, {}]


def test_sort_list_only_sorts_up_to_1000_items() -> None:
    big = list(range(1001, 0, -1))
    assert LISTS.sortList(big, False, "") == big
    assert LISTS.sortList(big[1:], False, "")[0] == 1


def test_list_arguments_are_checked() -> None:
    with pytest.raises(TemplateRuntimeError, match="must be a List"):
        LISTS.copyAndRetainAll("abc", [])
    with pytest.raises(TemplateRuntimeError, match="must be a Boolean"):
        LISTS.sortList([1], "yes", "")
